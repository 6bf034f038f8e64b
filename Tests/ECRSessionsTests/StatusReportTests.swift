import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// One registry per state, judged at `now`: the table every status test below reads.
struct StatusWorld {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let token = AuthorizationToken(encoded: Data("AWS:the-password".utf8).base64EncodedString())

    static func login(_ profile: String, fetchedHoursAgo: Double, region: String = "eu-west-1") -> RegistryLogin {
        let fetched = now.addingTimeInterval(-fetchedHoursAgo * 3600)
        return RegistryLogin(
            profile: profile, accountID: "111122223333", region: region,
            registry: "111122223333.dkr.ecr.\(region).amazonaws.com", token: token,
            expiresAt: fetched.addingTimeInterval(12 * 3600), fetchedAt: fetched)
    }

    static func attempt(_ profile: String, error: String?, region: String = "eu-west-1") -> LoginAttempt {
        LoginAttempt(
            profile: profile, region: region, startedAt: now.addingTimeInterval(-62),
            finishedAt: now.addingTimeInterval(-60), error: error)
    }

    static func job(_ profile: String, account: String? = nil, region: String = "eu-west-1") -> ConfiguredJob {
        ConfiguredJob(account: account ?? profile, profile: profile, region: region)
    }

    /// ok, renewing soon (10 h old of 12), expired, failing, never logged in, no longer configured.
    static var snapshot: StatusSnapshot {
        StatusSnapshot(
            logins: [
                login("good", fetchedHoursAgo: 1), login("soon", fetchedHoursAgo: 10),
                login("gone", fetchedHoursAgo: 13),
                login("flaky", fetchedHoursAgo: 2), login("removed", fetchedHoursAgo: 1),
            ],
            latestAttempts: [
                attempt("good", error: nil), attempt("flaky", error: "AccessDeniedException:\nnot allowed"),
                attempt("new", error: "no credentials"),
            ],
            streaks: [FailureStreak(profile: "flaky", region: "eu-west-1", failures: 3, lastFailureAt: now)],
            userLogins: [
                UserLogin(
                    host: "index.docker.io", serverURL: "https://index.docker.io/v1/", username: "alice",
                    secret: "hub-secret", savedAt: now.addingTimeInterval(-86400))
            ],
            lastRefresh: RefreshRecord(
                jobs: [job("good", account: "main"), job("soon"), job("gone"), job("flaky"), job("new"), job("idle")],
                refreshBefore: .seconds(3 * 3600), startedAt: now.addingTimeInterval(-61),
                finishedAt: now.addingTimeInterval(-60)))
    }
}

@Suite struct StatusReportTests {
    let report = StatusReport(snapshot: StatusWorld.snapshot, now: StatusWorld.now)

    func state(_ profile: String) -> RegistryState? {
        report.entries.first { $0.profile == profile }?.state
    }

    @Test func everyStateIsJudgedFromTheCacheAlone() {
        #expect(state("good") == .ok)
        #expect(state("soon") == .renewingSoon)
        #expect(state("gone") == .expired)
        #expect(state("flaky") == .failing)
        #expect(state("new") == .neverLoggedIn)
        #expect(state("idle") == .neverLoggedIn)
        #expect(state("removed") == .notConfigured)
        // Grouped by account: the [account] name the refresh recorded, else the profile.
        #expect(report.entries.map(\.account) == ["flaky", "gone", "idle", "main", "new", "removed", "soon"])
        let flaky = report.entries.first { $0.profile == "flaky" }
        #expect(flaky?.consecutiveFailures == 3)
        #expect(flaky?.lastAttemptDuration == 2)
        #expect(flaky?.nextRenewalAt.map { $0 > StatusWorld.now } == true)
    }

    @Test func withoutARecordedRefreshNothingIsUnconfiguredOrMissing() {
        var snapshot = StatusWorld.snapshot
        snapshot.lastRefresh = nil
        let report = StatusReport(snapshot: snapshot, now: StatusWorld.now)
        #expect(report.entries.first { $0.profile == "removed" }?.state == .ok)
        #expect(!report.entries.contains { $0.profile == "idle" })
    }

    @Test func withinMovesTheRenewingSoonHorizon() {
        let narrow = StatusReport(snapshot: StatusWorld.snapshot, now: StatusWorld.now, warnWithin: .seconds(3600))
        #expect(narrow.entries.first { $0.profile == "soon" }?.state == .ok)
        let wide = StatusReport(
            snapshot: StatusWorld.snapshot, now: StatusWorld.now, warnWithin: .seconds(11 * 3600 + 1))
        #expect(wide.entries.first { $0.profile == "good" }?.state == .renewingSoon)
    }

    /// Each state alone, as `status --check` exits for it.
    @Test(arguments: [
        ("good", CheckOutcome.ok), ("soon", .warning), ("flaky", .warning), ("gone", .critical), ("new", .critical),
        ("idle", .critical), ("removed", .ok),
    ])
    func checkOutcomeOfEachState(profile: String, expected: CheckOutcome) {
        var snapshot = StatusWorld.snapshot
        snapshot.logins = snapshot.logins.filter { $0.profile == profile }
        snapshot.latestAttempts = snapshot.latestAttempts.filter { $0.profile == profile }
        let jobs = snapshot.lastRefresh?.jobs.filter { $0.profile == profile } ?? []
        snapshot.lastRefresh?.jobs = jobs
        let report = StatusReport(snapshot: snapshot, now: StatusWorld.now)
        #expect(report.outcome == expected)
        #expect(report.checkSummary.hasPrefix("ECR-SESSIONS \(expected.label) - "))
    }

    @Test func checkSummaryNamesTheWorstOnOneLine() {
        #expect(
            report.checkSummary
                == "ECR-SESSIONS CRITICAL - 1 ok, 1 renewing soon, 1 expired, 1 failing, 2 never logged in, "
                + "1 no longer configured; 111122223333.dkr.ecr.eu-west-1.amazonaws.com expired; idle (eu-west-1) "
                + "never logged in; new (eu-west-1) never logged in: no credentials")
        let empty = StatusReport(snapshot: StatusSnapshot(), now: StatusWorld.now)
        #expect(empty.checkSummary == "ECR-SESSIONS OK - no registries")
    }

    @Test func jsonSnapshotHoldsEveryStateAndNoSecret() throws {
        let json = report.json
        for secret in ["the-password", StatusWorld.token.encoded, "hub-secret"] { #expect(!json.contains(secret)) }
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["version"] as? Int == 1)
        #expect(object["outcome"] as? String == "critical")
        #expect(object["generated_at"] as? String == "2027-01-15T08:00:00Z")
        let registries = try #require(object["registries"] as? [[String: Any]])
        #expect(
            registries.compactMap { $0["state"] as? String }
                == [
                    "failing", "expired", "never_logged_in", "ok", "never_logged_in", "not_configured",
                    "renewing_soon",
                ])
        let users = try #require(object["user_logins"] as? [[String: Any]])
        #expect(users.first?["username"] as? String == "alice")
        #expect(snapshotMismatch(json, named: "status-every-state.json") == nil)
    }

    @Test func utcTimestampsMatchFoundation() {
        for seconds in [0.0, 951_782_400, 1_800_000_000.9, 4_102_444_799, -86_401, 1_709_164_800] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(date.utcTimestamp == date.formatted(.iso8601), "\(seconds)")
        }
    }

    @Test func prometheusLabelsAreEscaped() {
        #expect(StatusReport.escaped("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
        let text = report.prometheusText
        #expect(text.contains("ecr_sessions_consecutive_failures{account=\"flaky\",profile=\"flaky\""))
        #expect(text.contains("ecr_sessions_refresh_run_duration_seconds 1.0\n"))
        #expect(!text.contains("the-password") && !text.contains("hub-secret"))
    }
}

@Suite struct CacheStatusTests {
    @Test func aRefreshRecordsItsJobsAndForgetsUnconfiguredOnes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        #expect(try cache.lastRefresh() == nil)
        try cache.save([StatusWorld.login("keep", fetchedHoursAgo: 1), StatusWorld.login("drop", fetchedHoursAgo: 1)])
        try cache.record(StatusWorld.attempt("drop", error: "x"))
        let record = RefreshRecord(
            jobs: [StatusWorld.job("keep", account: "Keep")], refreshBefore: .seconds(5400),
            startedAt: StatusWorld.now, finishedAt: StatusWorld.now.addingTimeInterval(1.5))
        let forgotten = try cache.recordRefresh(record)
        #expect(forgotten == [ProfileRegion(profile: "drop", region: "eu-west-1")])
        #expect(try cache.logins().map(\.profile) == ["keep"])
        #expect(try cache.latestAttempts().isEmpty)
        #expect(try cache.lastRefresh() == record)
        let none = RefreshRecord(jobs: [], refreshBefore: nil, startedAt: StatusWorld.now, finishedAt: StatusWorld.now)
        try cache.recordRefresh(none)
        #expect(try cache.lastRefresh() == none)
    }

    /// What `status` reads is every login, as `logins()` reads them, only without the token.
    @Test func statusReadsEveryLoginButNoToken() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        try cache.save([
            StatusWorld.login("b", fetchedHoursAgo: 1), StatusWorld.login("a", fetchedHoursAgo: 11),
            StatusWorld.login("c", fetchedHoursAgo: 13),
        ])
        let withTokens = try cache.logins()
        let withoutTokens = try cache.loginsWithoutTokens()
        #expect(withTokens.allSatisfy { !$0.token.encoded.isEmpty })
        #expect(withoutTokens.allSatisfy { $0.token.encoded.isEmpty })
        #expect(withoutTokens.map(\.profile) == ["a", "b", "c"])
        #expect(
            withoutTokens.map { [$0.profile, $0.region, $0.registry, $0.accountID] }
                == withTokens.map { [$0.profile, $0.region, $0.registry, $0.accountID] })
        #expect(withoutTokens.map(\.expiresAt) == withTokens.map(\.expiresAt))
        #expect(withoutTokens.map(\.fetchedAt) == withTokens.map(\.fetchedAt))
    }

    /// The configured jobs are rewritten only when their fingerprint changes; what the cache holds for jobs outside
    /// them is still forgotten on every run, also when the configuration stayed the same.
    @Test func theRecordedConfigurationFollowsEveryChangeAndUnconfiguredLoginsGoEveryRun() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        func record(_ jobs: [ConfiguredJob]) -> RefreshRecord {
            RefreshRecord(jobs: jobs, refreshBefore: nil, startedAt: StatusWorld.now, finishedAt: StatusWorld.now)
        }
        let first = record([StatusWorld.job("a", account: "A"), StatusWorld.job("b", account: "B")])
        try cache.recordRefresh(first)
        #expect(try cache.lastRefresh() == first)
        let renamed = record([StatusWorld.job("a", account: "A2"), StatusWorld.job("b", account: "B")])
        try cache.recordRefresh(renamed)
        #expect(try cache.lastRefresh() == renamed)
        try cache.recordRefresh(first)
        #expect(try cache.lastRefresh() == first)

        // The same configuration again, with a login a get-login-password left for another profile meanwhile.
        try cache.save([StatusWorld.login("elsewhere", fetchedHoursAgo: 1), StatusWorld.login("a", fetchedHoursAgo: 1)])
        #expect(try cache.recordRefresh(first) == [ProfileRegion(profile: "elsewhere", region: "eu-west-1")])
        #expect(try cache.logins().map(\.profile) == ["a"])
        #expect(try cache.lastRefresh() == first)
    }
}
