import ECRSessions
import Foundation
import TestSupport
import Testing

/// `status` as people and monitoring read it: the real binary over a cache written with the library, at a fixed
/// instant (`ECR_SESSIONS_FAKE_NOW`), so the text and JSON are snapshots.
@Suite struct StatusCLITests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    let sandbox: CLISandbox

    init() throws {
        var sandbox = try CLISandbox(["ECR_SESSIONS_FAKE_NOW": "2027-01-15T08:00:00Z"])
        sandbox.environment["ECR_SESSIONS_STATE_DIR"] = sandbox.home.path + "/state"
        self.sandbox = sandbox
    }

    var cachePath: String { sandbox.home.path + "/state/cache.sqlite3" }

    func login(_ profile: String, hoursAgo: Double, region: String = "eu-west-1") -> RegistryLogin {
        let fetched = Self.now.addingTimeInterval(-hoursAgo * 3600)
        return RegistryLogin(
            profile: profile, accountID: "111122223333", region: region,
            registry: "111122223333.dkr.ecr.\(region).amazonaws.com",
            token: AuthorizationToken(encoded: Data("AWS:ecr-password".utf8).base64EncodedString()),
            expiresAt: fetched.addingTimeInterval(12 * 3600), fetchedAt: fetched)
    }

    func attempt(_ profile: String, error: String?) -> LoginAttempt {
        LoginAttempt(
            profile: profile, region: "eu-west-1", startedAt: Self.now.addingTimeInterval(-122),
            finishedAt: Self.now.addingTimeInterval(-120), error: error)
    }

    /// A cache with the registries of `profiles` (of ok, soon, gone, flaky, new, idle, removed) in their states.
    func writeCache(_ profiles: Set<String> = ["ok", "soon", "gone", "flaky", "new", "idle", "removed"]) throws {
        let cache = try Cache(path: cachePath)
        let jobs = ["ok", "soon", "gone", "flaky", "new", "idle"].filter(profiles.contains).map {
            ConfiguredJob(account: $0 == "ok" ? "main" : $0, profile: $0, region: "eu-west-1")
        }
        try cache.recordRefresh(
            RefreshRecord(
                jobs: jobs, refreshBefore: .seconds(3 * 3600), startedAt: Self.now.addingTimeInterval(-301),
                finishedAt: Self.now.addingTimeInterval(-300)))
        let logins = [
            login("ok", hoursAgo: 1), login("soon", hoursAgo: 10), login("gone", hoursAgo: 13),
            login("flaky", hoursAgo: 2), login("removed", hoursAgo: 1),
        ]
        // Saved after the refresh record, as a login of an account since removed from the config would be.
        for login in logins where profiles.contains(login.profile) {
            try cache.replaceLogins(profile: login.profile, region: login.region, with: [login])
        }
        if profiles.contains("ok") { try cache.record(attempt("ok", error: nil)) }
        if profiles.contains("flaky") {
            try cache.record(attempt("flaky", error: "AccessDeniedException: not allowed\nto call ecr"))
        }
        if profiles.contains("new") { try cache.record(attempt("new", error: "no credentials")) }
        if profiles == ["ok", "soon", "gone", "flaky", "new", "idle", "removed"] {
            try cache.save(
                UserLogin(
                    host: "index.docker.io", serverURL: "https://index.docker.io/v1/", username: "alice",
                    secret: "hub-secret", savedAt: Self.now.addingTimeInterval(-86400)))
        }
    }

    @Test func textShowsEveryStateGroupedByAccount() throws {
        defer { sandbox.remove() }
        try writeCache()
        let result = try sandbox.run("status")
        #expect(result.status == 0, "\(result)")
        #expect(snapshotMismatch(result.stdout, named: "status-every-state.txt") == nil)
        #expect(!result.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
        for output in [result.stdout, try sandbox.run("status", "--json").stdout] {
            #expect(!output.contains("ecr-password") && !output.contains("hub-secret"))
        }
    }

    @Test func colourIsChosenWithColorAndNoColor() throws {
        defer { sandbox.remove() }
        try writeCache(["ok", "gone"])
        let always = try sandbox.run("status", "--color", "always")
        #expect(always.stdout.contains("\u{1B}[31mexpired"), "\(always)")
        #expect(always.stdout.contains("\u{1B}[32mok"), "\(always)")
        var noColor = sandbox
        noColor.environment["NO_COLOR"] = "1"
        #expect(try !noColor.run("status", "--color", "auto").stdout.contains("\u{1B}["))
        #expect(try !sandbox.run("status", "--color", "never").stdout.contains("\u{1B}["))
    }

    @Test func jsonIsVersionedAndCarriesTheState() throws {
        defer { sandbox.remove() }
        try writeCache()
        let result = try sandbox.run("status", "--json")
        #expect(result.status == 0, "\(result)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        let registries = try #require(object["registries"] as? [[String: Any]])
        let states = Dictionary(
            uniqueKeysWithValues: registries.map { ($0["profile"] as? String ?? "", $0["state"] as? String ?? "") })
        #expect(
            states == [
                "ok": "ok", "soon": "renewing_soon", "gone": "expired", "flaky": "failing", "new": "never_logged_in",
                "idle": "never_logged_in", "removed": "not_configured",
            ])
    }

    /// Each state alone, and the exit status `--check` gives it.
    @Test(arguments: [
        ("ok", Int32(0)), ("soon", 1), ("flaky", 1), ("gone", 2), ("new", 2), ("idle", 2), ("removed", 0),
    ])
    func checkExitsByTheMonitoringPluginConvention(profile: String, expected: Int32) throws {
        defer { sandbox.remove() }
        try writeCache([profile])
        let result = try sandbox.run("status", "--check")
        #expect(result.status == expected, "\(result)")
        let label = ["OK", "WARNING", "CRITICAL"][Int(expected)]
        #expect(result.stdout.hasPrefix("ECR-SESSIONS \(label) - "), "\(result)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result)")
    }

    @Test func checkWithinWarnsEarlierAndAnUnreadableCacheIsUnknown() throws {
        defer { sandbox.remove() }
        try writeCache(["ok"])
        #expect(try sandbox.run("status", "--check", "--within", "12h").status == 1)
        #expect(try sandbox.run("status", "--check", "--within", "1h").status == 0)
        #expect(try sandbox.run("status", "--check", "--within", "soon").status == 2)
        // A cache that cannot be opened (here a directory in its place): nothing is known.
        try FileManager.default.removeItem(atPath: cachePath)
        try FileManager.default.createDirectory(atPath: cachePath, withIntermediateDirectories: true)
        let unknown = try sandbox.run("status", "--check")
        #expect(unknown.status == 3, "\(unknown)")
        #expect(unknown.stdout.hasPrefix("ECR-SESSIONS UNKNOWN - "), "\(unknown)")
    }

    @Test func prometheusTextParsesWithPrometheusClient() throws {
        defer { sandbox.remove() }
        try writeCache()
        let result = try sandbox.run("status", "--prometheus")
        #expect(result.status == 0, "\(result)")
        let families = try parsePrometheus(result.stdout, environment: sandbox.environment)
        #expect(families.contains("ecr_sessions_token_expiry_timestamp_seconds 5"), "\(families)")
        #expect(families.contains("ecr_sessions_consecutive_failures 7"), "\(families)")
        #expect(families.contains("ecr_sessions_registry_state 42"), "\(families)")
        #expect(families.contains("ecr_sessions_refresh_run_duration_seconds 1"), "\(families)")
    }

    @Test func versionAndHelp() throws {
        defer { sandbox.remove() }
        for arguments in [["--version"], ["version"]] {
            let result = try TestSupport.run(CLISandbox.executable, arguments, environment: sandbox.environment)
            #expect(result.status == 0 && result.stdout == "\(ECRSessionsVersion.current)\n", "\(result)")
        }
        let help = try sandbox.run("login", "--help")
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.components(separatedBy: "(default: docker.io)").count == 2, "\(help)")
        let usage = try sandbox.run("status", "--json", "--check")
        #expect(usage.status == 2 && usage.stderr.hasPrefix("error: "), "\(usage)")
    }

    @Test func logoutOfSomethingUnknownNamesItAndExits2() throws {
        defer { sandbox.remove() }
        let accounts = try sandbox.run("accounts", "logout", "nosuch")
        #expect(accounts.status == 2, "\(accounts)")
        #expect(accounts.stderr.contains("'nosuch'"), "\(accounts)")
        let host = try sandbox.run("logout", "nothere.example.com")
        #expect(host.status == 2, "\(host)")
        #expect(host.stderr.contains("'nothere.example.com'"), "\(host)")
    }
}

/// Parses the exposition text with prometheus-client's own parser; returns "name sample-count" per family.
func parsePrometheus(_ text: String, environment: [String: String]) throws -> [String] {
    let script = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(sys.stdin.read()):
            print(family.name, len(family.samples))
        """
    let result = try run("/usr/bin/env", ["python3", "-c", script], environment: environment, input: text)
    guard result.status == 0 else { throw ParseFailure(result: result) }
    return result.stdout.split(separator: "\n").map(String.init)
}

struct ParseFailure: Error, CustomStringConvertible {
    var result: ProcessResult
    var description: String { "prometheus-client rejected the metrics: \(result)" }
}

/// What a refresh leaves for `status` and monitoring: the configured jobs, the metrics file, and no row of an
/// account that is gone; and no "Nothing is due" beside an error.
@Suite struct RefreshStatusTests {
    let ecr: FakeECR
    let sandbox: CLISandbox
    let good = AWSCredentials(accessKeyID: "AKIASTATUS0000000001", secretAccessKey: "secret-of-good")

    init() throws {
        ecr = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        var sandbox = try CLISandbox()
        sandbox.environment.merge(ecr.environment) { $1 }
        self.sandbox = sandbox
        ecr.register(good, account: "300000000001")
    }

    func cleanUp() {
        ecr.stop()
        sandbox.remove()
    }

    /// `~/.aws/credentials` with `profiles` in eu-west-1: those in `known` sign with the registered key ID and
    /// `secret`, the others with a key ECR does not know.
    func credentials(_ profiles: [String], known: Set<String>, secret: String) -> String {
        profiles.map { profile in
            let key = known.contains(profile) ? good.accessKeyID : "AKIASTATUSUNKNOWN000"
            return "[\(profile)]\naws_access_key_id = \(key)\naws_secret_access_key = \(secret)\nregion = eu-west-1\n"
        }.joined()
    }

    @Test func refreshWritesMetricsPrunesRemovedAccountsAndReportsFailuresAlone() throws {
        defer { cleanUp() }
        let credentials = { (profiles: [String]) in self.credentials(profiles, known: ["good"], secret: "s") }
        try sandbox.write(".aws/credentials", credentials(["good", "bad", "old"]))
        let metrics = sandbox.home.path + "/metrics/ecr-sessions.prom"
        try FileManager.default.createDirectory(
            atPath: sandbox.home.path + "/metrics", withIntermediateDirectories: true)
        try sandbox.write(".config/ecr-sessions/config", "[settings]\nmetrics_file = \(metrics)\n")

        let first = try sandbox.run("refresh")
        #expect(first.status == 1, "\(first)")
        let second = try sandbox.run("refresh")
        #expect(second.status == 1, "\(second)")
        #expect(!second.stdout.contains("Nothing is due"), "\(second)")
        #expect(second.stderr.contains("profile 'bad'"), "\(second)")

        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        let families = try parsePrometheus(text, environment: sandbox.environment)
        #expect(families.contains("ecr_sessions_consecutive_failures 3"), "\(families)")
        #expect(text.contains("ecr_sessions_consecutive_failures{account=\"bad\",profile=\"bad\",region=\"eu-west-1\""))
        #expect(!text.contains("secret"))
        let mode = try FileManager.default.attributesOfItem(atPath: metrics)[.posixPermissions] as? Int
        #expect(mode == 0o644)

        let check = try sandbox.run("status", "--check")
        #expect(check.status == 2 && check.stdout.contains("never logged in"), "\(check)")

        // "old" leaves the AWS files: the next refresh forgets its rows.
        try sandbox.write(".aws/credentials", credentials(["good", "bad"]))
        _ = try sandbox.run("refresh")
        let status = try sandbox.run("status", "--json")
        #expect(status.stdout.contains("\"bad\"") && !status.stdout.contains("\"old\""), "\(status)")
    }

    /// `accounts login --all` logs every configured account in, so it leaves what a refresh leaves: `status` knows
    /// the configured jobs (an account that could not log in is failing, not missing), the metrics file is written,
    /// and an account gone from the AWS files is pruned, all before any refresh has run. A login of named accounts
    /// records no run.
    @Test func loginOfEveryAccountRecordsForStatusAsARefreshDoes() throws {
        defer { cleanUp() }
        let credentials = { (profiles: [String]) in
            self.credentials(profiles, known: ["good", "old"], secret: self.good.secretAccessKey)
        }
        try sandbox.write(".aws/credentials", credentials(["good", "old"]))
        let metrics = sandbox.home.path + "/ecr-sessions.prom"
        try sandbox.write(".config/ecr-sessions/config", "[settings]\nmetrics_file = \(metrics)\n")

        let named = try sandbox.run("accounts", "login", "good")
        #expect(named.status == 0, "\(named)")
        #expect(!FileManager.default.fileExists(atPath: metrics), "a login of named accounts is no run")
        #expect(try !sandbox.run("status").stdout.contains("Last refresh"))

        let old = try sandbox.run("accounts", "login", "old")
        #expect(old.status == 0, "\(old)")
        try sandbox.write(".aws/credentials", credentials(["good", "bad"]))
        let all = try sandbox.run("accounts", "login", "--all")
        #expect(all.status == 1, "\(all)")
        let status = try sandbox.run("status", "--json")
        #expect(status.stdout.contains("\"duration_seconds\""), "a run is recorded: \(status)")
        #expect(status.stdout.contains("\"bad\"") && !status.stdout.contains("\"old\""), "\(status)")
        let text = try String(contentsOfFile: metrics, encoding: .utf8)
        #expect(text.contains("ecr_sessions_consecutive_failures{account=\"bad\""), "\(text)")
        let check = try sandbox.run("status", "--check")
        #expect(check.status == 2 && check.stdout.contains("bad"), "\(check)")
    }
}
