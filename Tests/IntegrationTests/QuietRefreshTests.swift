import ECRSessions
import Foundation
import Synchronization
import TestSupport
import Testing

/// A `refresh` that finds nothing changed since the last one, which had nothing to do, answers from that run's
/// record (`QuietRefresh`) instead of planning every registry again. These tests change one thing at a time after
/// such a run and expect a full refresh that acts on the change: the record must never hide a due token, a lost
/// login, a new account, a damaged cache or a failing registry.
@Suite struct QuietRefreshTests {
    /// The system clock moved on by `offset`: the fake ECR's, so that its tokens and signature checks follow an
    /// `ECR_SESSIONS_FAKE_NOW` as far ahead.
    final class ShiftedClock: WallClock {
        let offset = Mutex<TimeInterval>(0)
        func now() -> Date { Date() + offset.withLock { $0 } }
    }

    let clock = ShiftedClock()
    let ecr: FakeECR
    let sandbox: CLISandbox

    /// What `refresh -v` says on standard error when it took the record's word.
    static let quietLine = "nothing changed since the refresh"

    init() throws {
        ecr = try FakeECR(clock: clock, regions: ["us-east-1", "eu-west-1"])
        var sandbox = try CLISandbox()
        sandbox.environment.merge(ecr.environment) { $1 }
        var credentials = ""
        var config = ""
        for (index, region) in ["us-east-1", "eu-west-1", "us-east-1"].enumerated() {
            credentials += Self.profile(index, ecr: ecr)
            config += "[profile q\(index)]\nregion = \(region)\n"
        }
        try sandbox.write(".aws/credentials", credentials)
        try sandbox.write(".aws/config", config)
        self.sandbox = sandbox
    }

    /// Profile `q<index>`'s credentials section, its key registered with `ecr` for account 30000000000<index>.
    static func profile(_ index: Int, ecr: FakeECR) -> String {
        let key = AWSCredentials(
            accessKeyID: "AKIAQUIET000000000\(index)", secretAccessKey: "secret-of-account-\(index)")
        ecr.register(key, account: "30000000000\(index)")
        return "[q\(index)]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n"
    }

    func cleanUp() {
        ecr.stop()
        sandbox.remove()
    }

    var cachePath: String { sandbox.home.url(".local/state/ecr-sessions/cache.sqlite3").path }

    /// Logs every registry in, lets the files settle (a file changed in the last two seconds is never trusted), and
    /// runs one full idle refresh, which leaves the record: the state every test starts from.
    func loggedInAndRecorded(loginStatus: Int32 = 0) throws -> ProcessResult {
        let login = try sandbox.run("accounts", "login", "--all", "--quiet")
        #expect(login.status == loginStatus, "\(login)")
        Thread.sleep(forTimeInterval: 2.3)
        let full = try sandbox.run("refresh", "-v")
        #expect(full.status == 0, "\(full)")
        #expect(!full.stderr.contains(Self.quietLine), "the first idle run plans: \(full)")
        return full
    }

    @Test func anUnchangedWorldIsAnsweredFromTheRecordAsAFullRunWouldAnswer() throws {
        defer { cleanUp() }
        let full = try loggedInAndRecorded()
        let before = try lastRefreshFinish()
        Thread.sleep(forTimeInterval: 1.1)  // status gives whole seconds
        let quiet = try sandbox.run("refresh", "-v")
        #expect(quiet.status == 0, "\(quiet)")
        #expect(quiet.stderr.contains(Self.quietLine), "\(quiet)")
        #expect(quiet.stdout == full.stdout, "the same answer: \(quiet) against \(full)")
        #expect(quiet.stdout.hasPrefix("Nothing is due; next due in 8h"), "\(quiet)")
        #expect(ecr.requests.count == 3)
        #expect(try lastRefreshFinish() > before, "the quiet run is recorded for status and monitoring")
        // --quiet prints nothing either way; --force never takes the record's word.
        let silent = try sandbox.run("refresh", "--quiet")
        #expect(silent.status == 0 && silent.stdout.isEmpty && silent.stderr.isEmpty, "\(silent)")
        let forced = try sandbox.run("refresh", "--force", "-v")
        #expect(forced.status == 0 && !forced.stderr.contains(Self.quietLine), "\(forced)")
        #expect(ecr.requests.count == 6)
    }

    /// One change after the recorded run.
    enum Change: String, CaseIterable, CustomTestStringConvertible {
        case entryRemovedFromDockerConfig, profileAddedToAWSConfig, dockerConfigMovedByEnvironment
        case loginDeletedFromCache, tokensFallDue, clockWentBack, anHourPassed, cacheDamaged

        var testDescription: String { rawValue }
    }

    @Test(arguments: Change.allCases)
    func anyChangeGetsAFullRefreshThatActsOnIt(change: Change) throws {
        defer { cleanUp() }
        _ = try loggedInAndRecorded()
        var sandbox = sandbox
        let dockerConfig = try String(contentsOfFile: sandbox.dockerConfigPath, encoding: .utf8)
        let removedHost = "300000000001.dkr.ecr.eu-west-1.amazonaws.com"
        switch change {
        case .entryRemovedFromDockerConfig:
            // What `docker logout` does: the file rewritten without the entry.
            var object = try #require(try JSONSerialization.jsonObject(with: Data(dockerConfig.utf8)) as? [String: Any])
            var auths = try #require(object["auths"] as? [String: Any])
            #expect(auths.removeValue(forKey: removedHost) != nil, "\(dockerConfig)")
            object["auths"] = auths
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: sandbox.dockerConfigPath))
        case .profileAddedToAWSConfig:
            try sandbox.write(".aws/credentials", try sandbox.read(".aws/credentials") + Self.profile(3, ecr: ecr))
            try sandbox.write(".aws/config", try sandbox.read(".aws/config") + "[profile q3]\nregion = eu-west-1\n")
        case .dockerConfigMovedByEnvironment:
            sandbox.environment["DOCKER_CONFIG"] = sandbox.home.url("elsewhere").path
        case .loginDeletedFromCache:
            let removed = try Cache(path: cachePath).removeLogins(profile: "q1")
            #expect(removed.count == 1)
        case .tokensFallDue:
            clock.offset.withLock { $0 = 10 * 3600 }
            sandbox.environment["ECR_SESSIONS_FAKE_NOW"] = Self.iso(clock.now())
        case .clockWentBack:
            sandbox.environment["ECR_SESSIONS_FAKE_NOW"] = Self.iso(Date() - 600)
        case .anHourPassed:
            sandbox.environment["ECR_SESSIONS_FAKE_NOW"] = Self.iso(Date() + 3660)
        case .cacheDamaged:
            let handle = try #require(FileHandle(forWritingAtPath: cachePath))
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 100))
            try handle.close()
        }
        let after = try sandbox.run("refresh", "-v")
        #expect(!after.stderr.contains(Self.quietLine), "\(after)")
        #expect(after.status == 0, "\(after)")
        switch change {
        case .entryRemovedFromDockerConfig:
            #expect(after.stdout.contains("Rewrote the login for \(removedHost)"), "\(after)")
            #expect(try String(contentsOfFile: sandbox.dockerConfigPath, encoding: .utf8).contains(removedHost))
        case .profileAddedToAWSConfig:
            #expect(after.stdout.contains("q3"), "\(after)")
            #expect(ecr.requests.count == 4, "the new account logged in: \(after)")
        case .dockerConfigMovedByEnvironment:
            let moved = try String(contentsOfFile: sandbox.home.url("elsewhere/config.json").path, encoding: .utf8)
            #expect(moved.contains(removedHost), "the logins put where docker now looks: \(after)")
        case .loginDeletedFromCache:
            #expect(ecr.requests.count == 4, "q1 logged in again: \(after)")
        case .tokensFallDue:
            #expect(ecr.requests.count == 6, "every registry renewed: \(after)")
        case .clockWentBack, .anHourPassed:
            #expect(after.stdout.hasPrefix("Nothing is due"), "\(after)")
            #expect(ecr.requests.count == 3)
        case .cacheDamaged:
            #expect(after.stderr.contains("moved it to"), "healed, as a full refresh heals: \(after)")
            #expect(ecr.requests.count == 6, "the new cache's registries logged in again: \(after)")
        }
    }

    @Test func aFailingRegistryIsReportedOnEveryRun() throws {
        defer { cleanUp() }
        ecr.fail(account: "300000000001", with: .serverError, times: .max)
        let first = try sandbox.run("refresh", "--quiet")
        #expect(first.status == 1, "\(first)")
        Thread.sleep(forTimeInterval: 2.3)
        for _ in 0..<2 {
            let again = try sandbox.run("refresh", "-v")
            #expect(again.status == 1, "\(again)")
            #expect(!again.stderr.contains(Self.quietLine), "\(again)")
            #expect(again.stderr.contains("profile 'q1' (eu-west-1)"), "\(again)")
        }
    }

    @Test func anAccountThatCannotBeLoggedInIsSaidOnEveryRun() throws {
        defer { cleanUp() }
        try sandbox.write(
            ".aws/credentials",
            try sandbox.read(".aws/credentials") + "[nowhere]\naws_access_key_id = AKIANOWHERE\naws_secret_access_key = s\n")
        _ = try loggedInAndRecorded(loginStatus: 1)
        let again = try sandbox.run("refresh", "-v")
        #expect(!again.stderr.contains(Self.quietLine), "\(again)")
        #expect(again.stderr.contains("profile 'nowhere': no region"), "\(again)")
    }

    @Test func theMetricsFileIsWrittenByAQuietRunToo() throws {
        defer { cleanUp() }
        let metrics = sandbox.home.url("metrics/ecr-sessions.prom").path
        try FileManager.default.createDirectory(
            atPath: sandbox.home.url("metrics").path, withIntermediateDirectories: true)
        try sandbox.write(".config/ecr-sessions/config", "[settings]\nmetrics_file = \(metrics)\n")
        _ = try loggedInAndRecorded()
        func finished() throws -> String? {
            try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("ecr_sessions_refresh_run_timestamp_seconds ") }.map(String.init)
        }
        let before = try #require(try finished())
        Thread.sleep(forTimeInterval: 1.1)
        let quiet = try sandbox.run("refresh", "-v")
        #expect(quiet.status == 0 && quiet.stderr.contains(Self.quietLine), "\(quiet)")
        let after = try #require(try finished())
        #expect(after != before, "the file says when this run finished: \(after)")
        #expect(try String(contentsOfFile: metrics, encoding: .utf8).contains("300000000001"))
    }

    /// When the last refresh finished, as `status --json` tells monitoring.
    func lastRefreshFinish() throws -> String {
        let status = try sandbox.run("status", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let last = try #require(object["last_refresh"] as? [String: Any], "\(status)")
        return try #require(last["finished_at"] as? String, "\(last)")
    }

    static func iso(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
