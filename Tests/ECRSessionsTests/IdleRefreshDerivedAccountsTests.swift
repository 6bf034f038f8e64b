import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// An idle `refresh` reuses the accounts an earlier run derived while every input is unchanged, and derives them
/// again on any change of any input.
@Suite struct IdleRefreshDerivedAccountsTests {
    /// Deriving accounts sends nothing.
    static let noNetwork = ScriptedTransport([{ _ in .failure(HTTPError(kind: .other, host: "-", detail: "offline")) }])

    /// A HOME with three profiles whose files were last modified `age` seconds ago (older than the settle time).
    final class Home {
        let directory: TemporaryDirectory
        var environment: [String: String]

        init() throws {
            directory = try TemporaryDirectory("idle-refresh")
            environment = ["HOME": directory.path, "ECR_SESSIONS_STATE_DIR": directory.path + "/state"]
            try write(".aws/credentials", Self.credentials)
            try write(".aws/config", "[profile a]\nregion = eu-west-1\n[profile b]\nregion = us-east-1\n")
        }

        static let credentials = (["a", "b", "c"].map { "[\($0)]\naws_access_key_id = AKIA\($0)\n"
            + "aws_secret_access_key = secret-\($0)\n" }).joined()

        /// Writes `text` in place (same inode) and dates it `age` seconds back.
        func write(_ relative: String, _ text: String, age: TimeInterval = 60) throws {
            let url = directory.url(relative)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if FileManager.default.fileExists(atPath: url.path) {
                let handle = try FileHandle(forWritingTo: url)
                try handle.truncate(atOffset: 0)
                try handle.write(contentsOf: Data(text.utf8))
                try handle.close()
            } else {
                try Data(text.utf8).write(to: url)
            }
            try date(relative, age: age)
        }

        func date(_ relative: String, age: TimeInterval) throws {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: directory.url(relative).path)
        }

        /// One run's accounts, in a context of its own as a new process would have.
        func run(_ extra: [String: String] = [:]) throws -> (accounts: [Account], reused: Bool) {
            let context = ActionContext(
                environment: Environment(environment.merging(extra) { $1 }), clock: SystemClock(),
                transport: IdleRefreshDerivedAccountsTests.noNetwork)
            return try Actions.Refresh(context).accounts(cache: try context.cache())
        }

        /// What `accounts()` derives, never reused.
        func derived(_ extra: [String: String] = [:]) throws -> [Account] {
            try ActionContext(
                environment: Environment(environment.merging(extra) { $1 }), clock: SystemClock(),
                transport: IdleRefreshDerivedAccountsTests.noNetwork
            ).accounts()
        }

        deinit { directory.remove() }
    }

    /// The config of `Home` with profile a's region changed, keeping the size.
    static let editedConfig = "[profile a]\nregion = eu-west-2\n[profile b]\nregion = us-east-1\n"

    @Test func theSecondRunReusesWhatTheFirstDerived() throws {
        let home = try Home()
        let first = try home.run()
        #expect(!first.reused)
        #expect(Set(first.accounts.map(\.name)) == ["a", "b", "c"])
        let second = try home.run()
        #expect(second.reused)
        #expect(second.accounts == first.accounts)
        #expect(second.accounts == (try home.derived()))
    }

    /// Each change, after a first run stored the accounts: the next run derives, and finds what changed.
    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case profileEditedKeepingSize, touched, editedJustNow, replacedWithSameSizeAndDate, configFileAdded
        case awsRegionSet, awsProfileSet, awsConfigFileMoved, credentialsFileRemoved, environmentKeysSet

        var testDescription: String { rawValue }
    }

    @Test(arguments: Change.allCases)
    func anyChangeOfAnInputDerivesAgain(change: Change) throws {
        let home = try Home()
        _ = try home.run()
        #expect(try home.run().reused)
        var extra: [String: String] = [:]
        switch change {
        case .profileEditedKeepingSize:
            try home.write(".aws/config", Self.editedConfig, age: 30)
        case .touched:
            try home.date(".aws/credentials", age: 30)
        case .editedJustNow:
            try home.write(".aws/config", Self.editedConfig, age: 0)
        case .replacedWithSameSizeAndDate:
            // A new inode (an editor's atomic save) with the old size and modification time.
            let path = home.directory.url(".aws/config").path
            let date = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            try FileManager.default.removeItem(atPath: path)
            try Data(Self.editedConfig.utf8)
                .write(to: URL(fileURLWithPath: path))
            try FileManager.default.setAttributes([.modificationDate: date as Any], ofItemAtPath: path)
        case .configFileAdded:
            try home.write(".config/ecr-sessions/config", "[settings]\nregions = ap-south-1\n")
        case .awsRegionSet:
            extra["AWS_REGION"] = "sa-east-1"
        case .awsProfileSet:
            extra["AWS_PROFILE"] = "b"
        case .awsConfigFileMoved:
            try home.write("elsewhere/config", "[profile a]\nregion = ca-central-1\n")
            extra["AWS_CONFIG_FILE"] = home.directory.url("elsewhere/config").path
        case .credentialsFileRemoved:
            try FileManager.default.removeItem(at: home.directory.url(".aws/credentials"))
        case .environmentKeysSet:
            extra["AWS_ACCESS_KEY_ID"] = "AKIAENVIRONMENT"
            extra["AWS_SECRET_ACCESS_KEY"] = "secret-of-the-environment"
        }
        let after = try home.run(extra)
        #expect(!after.reused)
        #expect(after.accounts == (try home.derived(extra)))
        if change == .editedJustNow {
            // Not stored either: a same-second edit could still hide behind this stamp.
            #expect(!(try home.run(extra)).reused)
        } else {
            #expect(try home.run(extra).reused)
        }
    }

    @Test func aStoredValueThatDoesNotDecodeIsDerivedAgain() throws {
        let home = try Home()
        _ = try home.run()
        let context = ActionContext(
            environment: Environment(home.environment), clock: SystemClock(), transport: Self.noNetwork)
        let inputs = try #require(
            DerivedAccounts.inputs(
                files: context.awsFilePaths + [context.configurationPath], configPath: nil,
                targetNames: context.targets.names, environment: context.environment))
        try context.cache().saveDerivedValue("not\u{1F}accounts", kind: DerivedAccounts.kind, inputs: inputs)
        let after = try home.run()
        #expect(!after.reused)
        #expect(after.accounts == (try home.derived()))
    }

    @Test func everyFieldSurvivesTheEncoding() throws {
        var full = Account(
            name: "prod", profile: "prod-profile", regions: ["eu-west-1", "us-east-1"], isPublic: false,
            registryIDs: ["111122223333", "444455556666"], origin: "~/.config/ecr-sessions/config line 3",
            credentialSource: .assumeRole, problem: "no region: add one", isEnabled: false,
            targets: [.docker, .containers])
        full.regionFromInstanceMetadata = true
        let bare = Account(name: "p", profile: "p", regions: [], origin: "o", targets: [])
        let accounts = [
            full, bare, Account(name: "pub", profile: "p", regions: [], isPublic: true, origin: "", problem: ""),
        ]
        let text = try #require(DerivedAccounts.encode(accounts))
        #expect(DerivedAccounts.decode(text) == accounts)
        #expect(DerivedAccounts.decode("") == [])
        #expect(DerivedAccounts.decode(try #require(DerivedAccounts.encode([]))) == [])
    }

    @Test func aValueTheSeparatorsCannotHoldIsNotStored() {
        #expect(DerivedAccounts.encode([Account(name: "a\u{1F}b", profile: "a", regions: [], origin: "")]) == nil)
        #expect(DerivedAccounts.encode([Account(name: "a", profile: "a", regions: [""], origin: "")]) == nil)
    }

    @Test func theInputsHoldNoSecret() throws {
        let environment = Environment(["AWS_SECRET_ACCESS_KEY": "one", "HOME": "/nowhere"])
        let one = DerivedAccounts.inputs(files: [], configPath: nil, targetNames: [], environment: environment)
        var other = environment
        other.values["AWS_SECRET_ACCESS_KEY"] = "two"
        #expect(one == DerivedAccounts.inputs(files: [], configPath: nil, targetNames: [], environment: other))
        other.values["AWS_SECRET_ACCESS_KEY"] = nil
        #expect(one != DerivedAccounts.inputs(files: [], configPath: nil, targetNames: [], environment: other))
    }
}
