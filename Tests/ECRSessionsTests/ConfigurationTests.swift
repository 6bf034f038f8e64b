import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// Writes `text` as `~/.config/ecr-sessions/config` of a fresh home and loads it from the default location.
private func loadConfiguration(_ text: String) throws -> Configuration? {
    let home = try TemporaryDirectory("configuration-tests")
    defer { home.remove() }
    try home.write(".config/ecr-sessions/config", text)
    return try Configuration.load(explicitPath: nil, environment: Environment(["HOME": home.path]))
}

/// The error loading `text` throws, or nil when it loads.
private func loadingError(_ text: String) throws -> ConfigurationFileError? {
    do {
        _ = try loadConfiguration(text)
        return nil
    } catch let error as ConfigurationFileError {
        return error
    }
}

private let defaultName = "~/.config/ecr-sessions/config"
private let accountKeys = ["profile", "regions", "registry_ids", "public", "enabled", "targets"]

/// A line of the config file at the default location.
private func at(_ line: Int) -> ECRSessions.SourceLocation { ECRSessions.SourceLocation(file: defaultName, line: line) }

@Suite("Configuration file")
struct ConfigurationTests {
    // MARK: Where the file is

    struct PathCase: Sendable, CustomTestStringConvertible {
        var explicitPath: String?
        var environment: [String: String]
        var path: String
        var choice: Configuration.FileLocation.Choice
        var testDescription: String { path }
    }

    @Test(
        "--config > ECR_SESSIONS_CONFIG > XDG_CONFIG_HOME > ~/.config; ~ expanded; empty or relative values ignored",
        arguments: [
            PathCase(
                explicitPath: "~/flag.config",
                environment: ["ECR_SESSIONS_CONFIG": "/env/config", "XDG_CONFIG_HOME": "/xdg"],
                path: "/home/ana/flag.config", choice: .commandLine),
            PathCase(
                explicitPath: nil, environment: ["ECR_SESSIONS_CONFIG": "~/env.config", "XDG_CONFIG_HOME": "/xdg"],
                path: "/home/ana/env.config", choice: .environment),
            PathCase(
                explicitPath: "", environment: ["ECR_SESSIONS_CONFIG": "/env/config"],
                path: "/env/config", choice: .environment),
            PathCase(
                explicitPath: nil, environment: ["ECR_SESSIONS_CONFIG": "", "XDG_CONFIG_HOME": "/xdg"],
                path: "/xdg/ecr-sessions/config", choice: .defaultLocation),
            PathCase(
                explicitPath: nil, environment: ["XDG_CONFIG_HOME": "relative/dir"],
                path: "/home/ana/.config/ecr-sessions/config", choice: .defaultLocation),
            PathCase(
                explicitPath: nil, environment: [:],
                path: "/home/ana/.config/ecr-sessions/config", choice: .defaultLocation),
        ])
    func pathPrecedence(_ example: PathCase) {
        let environment = Environment(example.environment.merging(["HOME": "/home/ana"]) { old, _ in old })
        let location = Configuration.FileLocation(explicitPath: example.explicitPath, environment: environment)
        #expect(location == Configuration.FileLocation(path: example.path, choice: example.choice))
    }

    @Test("each way of naming the file is the one loaded")
    func loadsTheChosenFile() throws {
        let home = try TemporaryDirectory("configuration-tests")
        defer { home.remove() }
        let flag = try home.write("flag", "[account flag]\nregions = eu-west-1\n")
        let variable = try home.write("variable", "[account variable]\nregions = eu-west-1\n")
        try home.write("xdg/ecr-sessions/config", "[account xdg]\nregions = eu-west-1\n")
        try home.write(".config/ecr-sessions/config", "[account home]\nregions = eu-west-1\n")
        let everything = Environment([
            "HOME": home.path, "ECR_SESSIONS_CONFIG": variable, "XDG_CONFIG_HOME": home.path + "/xdg",
        ])
        func names(_ explicitPath: String?, _ environment: Environment) throws -> [String]? {
            try Configuration.load(explicitPath: explicitPath, environment: environment)?.accounts.map(\.name)
        }
        #expect(try names(flag, everything) == ["flag"])
        #expect(try names(nil, everything) == ["variable"])
        #expect(try names(nil, Environment(["HOME": home.path, "XDG_CONFIG_HOME": home.path + "/xdg"])) == ["xdg"])
        #expect(try names(nil, Environment(["HOME": home.path])) == ["home"])
        let loaded = try Configuration.load(explicitPath: flag, environment: everything)
        #expect(loaded?.path == flag)
        // Messages and origins name the file the way the user would, with ~ for the home folder.
        #expect(loaded?.accounts.first?.origin == "~/flag line 1")
    }

    @Test("no file at the default location means zero-config")
    func missingDefaultFile() throws {
        let home = try TemporaryDirectory("configuration-tests")
        defer { home.remove() }
        #expect(try Configuration.load(explicitPath: nil, environment: Environment(["HOME": home.path])) == nil)
        // ~/.config being a file rather than a folder is still "no config file".
        try home.write(".config", "")
        #expect(try Configuration.load(explicitPath: nil, environment: Environment(["HOME": home.path])) == nil)
    }

    @Test("a file named by --config or ECR_SESSIONS_CONFIG must exist")
    func missingExplicitFile() throws {
        let home = try TemporaryDirectory("configuration-tests")
        defer { home.remove() }
        let environment = Environment(["HOME": home.path])
        #expect(throws: ConfigurationFileError.fileNotFound(path: "~/nope", namedBy: "--config")) {
            try Configuration.load(explicitPath: "~/nope", environment: environment)
        }
        let viaVariable = Environment(["HOME": home.path, "ECR_SESSIONS_CONFIG": home.path + "/gone"])
        #expect(throws: ConfigurationFileError.fileNotFound(path: "~/gone", namedBy: "ECR_SESSIONS_CONFIG")) {
            try Configuration.load(explicitPath: nil, environment: viaVariable)
        }
        #expect(
            ConfigurationFileError.fileNotFound(path: "~/gone", namedBy: "ECR_SESSIONS_CONFIG").description
                == "~/gone does not exist (named by ECR_SESSIONS_CONFIG); create it, or fix or remove "
                + "ECR_SESSIONS_CONFIG to use the default location.")
    }

    @Test("a folder where the file should be is an error naming it")
    func folderInsteadOfFile() throws {
        let home = try TemporaryDirectory("configuration-tests")
        defer { home.remove() }
        try FileManager.default.createDirectory(
            atPath: home.path + "/.config/ecr-sessions/config", withIntermediateDirectories: true)
        #expect(throws: ConfigurationFileError.unreadableFile(path: defaultName, reason: "it is a directory")) {
            try Configuration.load(explicitPath: nil, environment: Environment(["HOME": home.path]))
        }
    }

    // MARK: Durations

    @Test(
        "durations: whole units, largest first",
        arguments: [
            ("45s", 45), ("90m", 5_400), ("3h", 10_800), ("1h30m", 5_400), ("2d", 172_800), ("1d2h3m4s", 93_784),
            ("0s", 0), ("11h59m59s", 43_199), ("007m", 420),
        ] as [(String, Int64)])
    func validDurations(_ text: String, seconds: Int64) {
        #expect(Duration(configurationText: text) == .seconds(seconds))
    }

    @Test(
        "durations that are refused",
        arguments: [
            "", "90", "h", "1.5h", "30m1h", "1h1h", "1h 30m", " 3h", "-1h", "+3h", "1H", "3 h", "1w", "3hours",
            "99999999999999999999s", "999999999999999d", "١h",
        ])
    func invalidDurations(_ text: String) {
        #expect(Duration(configurationText: text) == nil)
    }

    @Test("refresh_before is more than 0 and less than 12h", arguments: ["45s", "90m", "3h", "1h30m", "11h59m59s"])
    func validRefreshBefore(_ text: String) throws {
        let settings = try loadConfiguration("[settings]\nrefresh_before = \(text)\n")?.settings
        #expect(settings?.refreshBefore == Duration(configurationText: text))
    }

    @Test("refresh_before out of range or unreadable", arguments: ["0s", "0m", "12h", "2d", "90", "soon", ""])
    func invalidRefreshBefore(_ text: String) throws {
        let error = try #require(try loadingError("# ecr-sessions\n[settings]\nrefresh_before = \(text)\n"))
        #expect(
            error.description == "\(defaultName) line 3: invalid refresh_before '\(text)' in [settings]; expected a "
                + "duration more than 0 and less than 12h (ECR tokens live 12h), such as 90m, 3h or 1h30m; "
                + "units d, h, m, s.")
    }

    // MARK: Values and defaults

    @Test("defaults: docker, 16 at once, the scheduler's refresh window; profile = account name, enabled")
    func defaults() throws {
        let configuration = try #require(try loadConfiguration("[account prod]\nregions = eu-west-1\n"))
        #expect(
            configuration.settings == Configuration.Settings(refreshBefore: nil, targets: [.docker], concurrency: 16))
        #expect(
            configuration.accounts == [
                Account(
                    name: "prod", profile: "prod", regions: ["eu-west-1"], origin: "\(defaultName) line 1",
                    isEnabled: true, targets: nil)
            ])
        #expect(configuration.settings.targets(for: configuration.accounts[0]) == [.docker])
    }

    @Test("every setting read: lists by spaces, commas or lines, duplicates dropped; booleans in any spelling")
    func everySetting() throws {
        let text = """
            [settings]
            refresh_before = 1h30m
            targets = containers,docker , helm docker
            concurrency = 4

            [account prod]
            profile = prod-admin
            regions = eu-west-1,us-east-1
              us-gov-west-1 eu-west-1
            registry_ids = 111122223333, 444455556666
            enabled = YES
            targets = finch

            [account public]
            profile = prod-admin
            public = True
            """
        let configuration = try #require(try loadConfiguration(text))
        #expect(
            configuration.settings
                == Configuration.Settings(
                    refreshBefore: .seconds(5_400), targets: [.containers, .docker, .helm], concurrency: 4))
        let prod = Account(
            name: "prod", profile: "prod-admin", regions: ["eu-west-1", "us-east-1", "us-gov-west-1"],
            registryIDs: ["111122223333", "444455556666"], origin: "\(defaultName) line 6", targets: [.finch])
        let publicAccount = Account(
            name: "public", profile: "prod-admin", regions: [], isPublic: true, origin: "\(defaultName) line 14")
        #expect(configuration.accounts == [prod, publicAccount])
        #expect(configuration.settings.targets(for: prod) == [.finch])
        #expect(configuration.settings.targets(for: publicAccount) == [.containers, .docker, .helm])
        #expect(publicAccount.jobs == [LoginJob(profile: "prod-admin", region: "us-east-1", isPublic: true)])
    }

    @Test(
        "booleans",
        arguments: [("true", true), ("YES", true), ("1", true), ("False", false), ("no", false), ("0", false)])
    func booleans(_ text: String, value: Bool) throws {
        let configuration = try loadConfiguration("[account a]\nregions = eu-west-1\nenabled = \(text)\n")
        #expect(configuration?.accounts.first?.isEnabled == value)
    }

    @Test("a disabled account is kept, to be listed, but has nothing to log in")
    func disabledAccounts() throws {
        let text = "[account on]\nregions = eu-west-1\n[account off]\nregions = eu-west-1\nenabled = false\n"
        let configuration = try #require(try loadConfiguration(text))
        #expect(configuration.accounts.map(\.name) == ["on", "off"])
        #expect(configuration.accounts.map(\.isEnabled) == [true, false])
        #expect(configuration.accounts[0].jobs.count == 1)
        #expect(configuration.accounts[1].jobs.isEmpty)
    }

    // MARK: Errors

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var text: String
        var error: ConfigurationFileError
        var description: String
        var testDescription: String { description }
    }

    @Test(
        "every error names the file and line and what is allowed",
        arguments: [
            ErrorCase(
                text: "[account prod]\nprofile = prod\nregions = eu-west-1\nregion = eu-west-1\n",
                error: .unknownKey(key: "region", section: "[account prod]", allowed: accountKeys, location: at(4)),
                description:
                    "\(defaultName) line 4: unknown key 'region' in [account prod]; allowed: profile, regions, "
                    + "registry_ids, public, enabled, targets."),
            ErrorCase(
                text: "[settings]\nrefresh = 3h\n",
                error: .unknownKey(
                    key: "refresh", section: "[settings]",
                    allowed: [
                        "refresh_before", "targets", "concurrency", "cred_helpers", "regions", "login_timeout",
                        "metrics_file", "kubernetes_namespaces", "kubernetes_secret",
                    ],
                    location: at(2)),
                description: "\(defaultName) line 2: unknown key 'refresh' in [settings]; allowed: refresh_before, "
                    + "targets, concurrency, cred_helpers, regions, login_timeout, metrics_file, "
                    + "kubernetes_namespaces, kubernetes_secret."),
            ErrorCase(
                text: "[account a]\nregions = eu-west-1\n\n[profile a]\nregion = eu-west-1\n",
                error: .unknownSection(header: "[profile a]", location: at(4)),
                description: "\(defaultName) line 4: unknown section [profile a]; allowed: [settings], [account NAME], "
                    + "[registry NAME]."),
            ErrorCase(
                text: "[account]\nregions = eu-west-1\n",
                error: .invalidAccountName(name: "", location: at(1)),
                description: "\(defaultName) line 1: [account] needs a name, as in [account prod]."),
            ErrorCase(
                text: "[account my prod]\nregions = eu-west-1\n",
                error: .invalidAccountName(name: "my prod", location: at(1)),
                description: "\(defaultName) line 1: account name 'my prod' may only contain letters, digits and "
                    + "-/.%@_:+."),
            ErrorCase(
                text: "[account prod]\nregions = eu-west-1\n[account dev]\nregions = eu-west-1\n"
                    + "[account prod]\nregions = us-east-1\n",
                error: .duplicateSection(header: "[account prod]", first: at(1), second: at(5)),
                description: "\(defaultName) line 5: [account prod] is defined twice, first at line 1; merge the two "
                    + "or rename one."),
            ErrorCase(
                text: "[settings]\nconcurrency = 2\n[settings]\nconcurrency = 3\n",
                error: .duplicateSection(header: "[settings]", first: at(1), second: at(3)),
                description: "\(defaultName) line 3: [settings] is defined twice, first at line 1; merge the two or "
                    + "rename one."),
            ErrorCase(
                text: "[settings]\nconcurrency = 0\n",
                error: .invalidValue(
                    key: "concurrency", value: "0", section: "[settings]", expected: "a whole number from 1 to 256",
                    location: at(2)),
                description: "\(defaultName) line 2: invalid concurrency '0' in [settings]; expected a whole number "
                    + "from 1 to 256."),
            ErrorCase(
                text: "[settings]\nconcurrency = 257\n",
                error: .invalidValue(
                    key: "concurrency", value: "257", section: "[settings]", expected: "a whole number from 1 to 256",
                    location: at(2)),
                description: "\(defaultName) line 2: invalid concurrency '257' in [settings]; expected a whole number "
                    + "from 1 to 256."),
            ErrorCase(
                text: "[settings]\ntargets = docker podman\n",
                error: .invalidValue(
                    key: "targets", value: "podman", section: "[settings]",
                    expected:
                        "one or more of docker, finch, containers, helm, kubernetes, separated by spaces or commas "
                        + "(podman and skopeo use containers)", location: at(2)),
                description: "\(defaultName) line 2: invalid targets 'podman' in [settings]; expected one or more of "
                    + "docker, finch, containers, helm, kubernetes, separated by spaces or commas (podman and skopeo "
                    + "use containers)."),
            ErrorCase(
                text: "[account a]\nregions = eu-west-1\ntargets =\n",
                error: .invalidValue(
                    key: "targets", value: "", section: "[account a]",
                    expected:
                        "one or more of docker, finch, containers, helm, kubernetes, separated by spaces or commas "
                        + "(podman and skopeo use containers)", location: at(3)),
                description: "\(defaultName) line 3: invalid targets '' in [account a]; expected one or more of "
                    + "docker, finch, containers, helm, kubernetes, separated by spaces or commas (podman and skopeo "
                    + "use containers)."),
            ErrorCase(
                text: "[account a]\nregions = eu-west-1 EU-WEST-2\n",
                error: .invalidValue(
                    key: "regions", value: "EU-WEST-2", section: "[account a]",
                    expected: "AWS regions such as eu-west-1 or us-gov-west-1, separated by spaces or commas",
                    location: at(2)),
                description: "\(defaultName) line 2: invalid regions 'EU-WEST-2' in [account a]; expected AWS regions "
                    + "such as eu-west-1 or us-gov-west-1, separated by spaces or commas."),
            ErrorCase(
                text: "[account a]\nregions = eu-west\n",
                error: .invalidValue(
                    key: "regions", value: "eu-west", section: "[account a]",
                    expected: "AWS regions such as eu-west-1 or us-gov-west-1, separated by spaces or commas",
                    location: at(2)),
                description: "\(defaultName) line 2: invalid regions 'eu-west' in [account a]; expected AWS regions "
                    + "such as eu-west-1 or us-gov-west-1, separated by spaces or commas."),
            ErrorCase(
                text: "[account a]\nregions = eu-west-1\nregistry_ids = 111122223333 1234\n",
                error: .invalidValue(
                    key: "registry_ids", value: "1234", section: "[account a]",
                    expected: "12-digit AWS account IDs such as 111122223333, separated by spaces or commas",
                    location: at(3)),
                description: "\(defaultName) line 3: invalid registry_ids '1234' in [account a]; expected 12-digit "
                    + "AWS account IDs such as 111122223333, separated by spaces or commas."),
            ErrorCase(
                text: "[account a]\nregions = eu-west-1\nenabled = maybe\n",
                error: .invalidValue(
                    key: "enabled", value: "maybe", section: "[account a]",
                    expected: "true or false (or yes/no, 1/0)", location: at(3)),
                description: "\(defaultName) line 3: invalid enabled 'maybe' in [account a]; expected true or false "
                    + "(or yes/no, 1/0)."),
            ErrorCase(
                text: "[account a]\nprofile = my profile\nregions = eu-west-1\n",
                error: .invalidValue(
                    key: "profile", value: "my profile", section: "[account a]",
                    expected: "a profile name of letters, digits and -/.%@_:+", location: at(2)),
                description: "\(defaultName) line 2: invalid profile 'my profile' in [account a]; expected a profile "
                    + "name of letters, digits and -/.%@_:+."),
            ErrorCase(
                text: "[account pub]\npublic = yes\nregions = us-east-1\n",
                error: .notAllowedWithPublic(key: "regions", account: "pub", location: at(3)),
                description: "\(defaultName) line 3: regions cannot be used with public = true in [account pub]: ECR "
                    + "Public is always signed in us-east-1; remove regions, or make a separate account for "
                    + "private registries."),
            ErrorCase(
                text: "[account pub]\nregistry_ids = 111122223333\npublic = true\n",
                error: .notAllowedWithPublic(key: "registry_ids", account: "pub", location: at(2)),
                description: "\(defaultName) line 2: registry_ids cannot be used with public = true in [account pub]: "
                    + "ECR Public has one registry, public.ecr.aws; remove registry_ids, or make a separate account "
                    + "for private registries."),
            ErrorCase(
                text: "[account a]\nregions eu-west-1\n",
                error: .syntax(
                    INISyntaxError(
                        location: at(2), problem: .missingEquals, section: "[account a]", dialect: .plain)),
                description: "\(defaultName) line 2: Expected an '=' sign defining a property inside [account a]; "
                    + "write it as 'name = value'."),
        ])
    func errors(_ example: ErrorCase) throws {
        let error = try #require(try loadingError(example.text))
        #expect(error == example.error)
        #expect(error.description == example.description)
    }

    @Test("the first unknown key in the file is the one reported")
    func firstUnknownKey() throws {
        let error = try loadingError("[account a]\nregions = eu-west-1\nzzz = 1\naaa = 2\n")
        #expect(error?.description.hasPrefix("\(defaultName) line 3: unknown key 'zzz'") == true)
    }

    // MARK: Accounts with and without a file

    @Test("without a config file, or with one that has no [account], the AWS profiles are the accounts")
    func zeroConfigurationFallback() throws {
        let profiles = try AWSProfiles(
            config: "[profile prod]\nregion = eu-west-1\n",
            credentials: "[prod]\naws_access_key_id = AKID\naws_secret_access_key = s\n")
        let environment = Environment(["HOME": "/home/ana"])
        let zeroConfig = Account.zeroConfiguration(profiles, environment: environment)
        #expect(zeroConfig.map(\.name) == ["prod"])
        #expect(Account.accounts(configuration: nil, profiles: profiles, environment: environment) == zeroConfig)
        let settingsOnly = try #require(try loadConfiguration("[settings]\ntargets = finch\n"))
        #expect(
            Account.accounts(configuration: settingsOnly, profiles: profiles, environment: environment) == zeroConfig)
    }

    @Test("with [account] sections, they are the accounts; credential sources come from the AWS files when known")
    func fileAccountsWin() throws {
        let profiles = try AWSProfiles(
            config: "[profile prod]\nregion = eu-west-1\n[profile other]\nregion = eu-west-1\n",
            credentials: "[prod]\naws_access_key_id = AKID\naws_secret_access_key = s\n"
                + "[other]\naws_access_key_id = AKID\naws_secret_access_key = s\n")
        let configuration = try #require(
            try loadConfiguration(
                "[account main]\nprofile = prod\nregions = us-east-1\n[account ghost]\nregions = us-east-1\n"))
        let accounts = Account.accounts(
            configuration: configuration, profiles: profiles, environment: Environment(["HOME": "/home/ana"]))
        #expect(accounts.map(\.name) == ["main", "ghost"])
        #expect(accounts.map(\.credentialSource) == [.accessKeys, nil])
        // A profile the AWS files lack is no reason to refuse the file: that account fails when logged in.
        #expect(accounts.map(\.problem) == [nil, nil])
    }

    // MARK: The examples in profiles/

    @Test("every example in profiles/ loads and yields at least one account")
    func exampleProfiles() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("profiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names.count >= 4, "profiles/ should hold at least four examples, found \(names)")
        for name in names {
            let path = folder.appendingPathComponent(name).path
            do {
                let configuration = try Configuration.load(
                    explicitPath: path, environment: Environment(["HOME": "/nonexistent"]))
                let accounts = configuration?.accounts ?? []
                #expect(!accounts.isEmpty, "\(name) defines no account")
                #expect(accounts.allSatisfy { $0.problem == nil }, "\(name)")
                #expect(accounts.contains { !$0.jobs.isEmpty }, "\(name) has nothing to log in")
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
    }
}

@Suite struct RegionDefaultsAndRegistryMappingTests {
    let profiles = try! AWSProfiles(
        config: "[profile withregion]\nregion = eu-west-1\n[profile noregion]\n",
        credentials: "[withregion]\naws_access_key_id = A\naws_secret_access_key = s\n"
            + "[noregion]\naws_access_key_id = A\naws_secret_access_key = s\n")

    func configuration(_ text: String) throws -> Configuration {
        try Configuration(parsing: text, path: nil, name: "config")
    }

    @Test func anAccountWithoutRegionsTakesItsProfilesThenTheSettingsDefault() throws {
        let file = try configuration(
            "[settings]\nregions = us-east-1 us-west-2\n[account a]\nprofile = withregion\n"
                + "[account b]\nprofile = noregion\n"
                + "[account c]\nprofile = noregion\nregions = eu-central-1\n")
        let accounts = Account.accounts(configuration: file, profiles: profiles, environment: Environment())
        #expect(accounts.map(\.regions) == [["eu-west-1"], ["us-east-1", "us-west-2"], ["eu-central-1"]])
        #expect(accounts.allSatisfy { $0.problem == nil })
        #expect(accounts.flatMap(\.jobs).count == 4)
    }

    @Test func theSettingsDefaultFansOutZeroConfigProfilesWithoutARegion() throws {
        let file = try configuration("[settings]\nregions = us-east-1 us-west-2\n")
        let accounts = Account.accounts(configuration: file, profiles: profiles, environment: Environment())
        #expect(accounts.map(\.name) == ["noregion", "withregion"])
        #expect(accounts.map(\.regions) == [["us-east-1", "us-west-2"], ["eu-west-1"]])
    }

    @Test func anAccountWithNoRegionAnywhereHasAProblemNotAFileError() throws {
        let file = try configuration("[account b]\nprofile = noregion\n")
        let accounts = Account.accounts(configuration: file, profiles: profiles, environment: Environment())
        let problem = try #require(accounts.first?.problem)
        #expect(problem.contains("no region") && problem.contains("[settings]") && problem.contains("config line 1"))
        #expect(accounts[0].jobs.isEmpty)
        let withEnvironment = Account.accounts(
            configuration: file, profiles: profiles, environment: Environment(["AWS_REGION": "ap-south-1"]))
        #expect(withEnvironment.map(\.regions) == [["ap-south-1"]])
    }

    @Test func registrySectionsMapRegistriesToProfiles() throws {
        let file = try configuration(
            "[registry shared]\nprofile = ci\nregistry_ids = 444455556666\n"
                + "[registry frankfurt]\nhosts = *.dkr.ecr.eu-central-1.amazonaws.com\n")
        #expect(file.registries.map(\.profile) == ["ci", "frankfurt"])
        let shared = try #require(ECRRegistryHost("444455556666.dkr.ecr-fips.us-east-2.amazonaws.com"))
        let frankfurt = try #require(ECRRegistryHost("777788889999.dkr.ecr.eu-central-1.amazonaws.com"))
        let other = try #require(ECRRegistryHost("777788889999.dkr.ecr.eu-west-1.amazonaws.com"))
        #expect(file.registries.map { $0.covers(shared) } == [true, false])
        #expect(file.registries.map { $0.covers(frankfurt) } == [false, true])
        #expect(file.registries.map { $0.covers(other) } == [false, false])
    }

    @Test(arguments: [
        ("[registry x]\n", "config line 1: [registry x] covers no registry"),
        ("[registry x]\nregistry_ids = 1234\n", "config line 2: invalid registry_ids '1234' in [registry x]"),
        ("[registry x]\nhosts = a b$c\n", "config line 2: invalid hosts 'b$c' in [registry x]"),
        ("[registry x]\nregions = eu-west-1\n", "config line 2: unknown key 'regions' in [registry x]"),
        ("[settings]\nregions = mars\n", "config line 2: invalid regions 'mars' in [settings]"),
    ])
    func badRegistrySectionsNameTheLine(text: String, start: String) {
        let error = #expect(throws: ConfigurationFileError.self) { try configuration(text) }
        #expect(error?.description.hasPrefix(start) == true, "\(String(describing: error))")
    }

    @Test func globPatterns() {
        #expect(RegistryMapping.matches("a.b.c", pattern: "*.c"))
        #expect(RegistryMapping.matches("a.b.c", pattern: "a*c"))
        #expect(RegistryMapping.matches("a.b.c", pattern: "a.b.c"))
        #expect(!RegistryMapping.matches("a.b.c", pattern: "*.d"))
        #expect(!RegistryMapping.matches("ab", pattern: "a*b*b"))
    }
}
