import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// `status`'s fast paths against the slow ones they replaced: the typed JSON writer against `JSONText.render` of the
/// same report as a `[String: Any]`, its numbers and times against Foundation's, and the one-pass latest-attempt
/// query against the attempts as recorded.
@Suite struct StatusFastPathTests {
    /// Text that needs every kind of escape, and text that needs none but is not ASCII.
    static let awkward = [
        "", "plain", "quote \" backslash \\ slash /", "line\nbreak\r\ttab", "\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}",
        "café", "日本語のエラー", "👩‍💻 emoji", "e\u{301} combining", "\u{2028} separator",
    ]

    /// The report as the writer before the typed one built it, rendered by the generic `JSONText.render`.
    static func genericJSON(_ report: StatusReport) -> String {
        func value(_ text: String?) -> Any { text ?? NSNull() }
        func value(_ date: Date?) -> Any { date?.utcTimestamp ?? NSNull() }
        let registries = report.entries.map { entry -> [String: Any] in
            [
                "account_name": entry.account, "profile": entry.profile, "account": value(entry.accountID),
                "region": entry.region, "registry": value(entry.registry), "state": entry.state.rawValue,
                "expires_at": value(entry.expiresAt), "fetched_at": value(entry.fetchedAt),
                "next_renewal_at": value(entry.nextRenewalAt), "last_attempt_at": value(entry.lastAttemptAt),
                "last_attempt_seconds": entry.lastAttemptDuration.map { $0 as Any } ?? NSNull(),
                "consecutive_failures": entry.consecutiveFailures, "last_error": value(entry.lastError),
            ]
        }
        let users = report.userLogins.map { login -> [String: Any] in
            [
                "host": login.host, "server_url": login.serverURL, "username": login.username,
                "saved_at": login.savedAt.utcTimestamp,
            ]
        }
        let refresh: Any =
            report.lastRefresh.map { record -> [String: Any] in
                [
                    "started_at": record.startedAt.utcTimestamp, "finished_at": record.finishedAt.utcTimestamp,
                    "duration_seconds": record.finishedAt.timeIntervalSince(record.startedAt),
                ]
            } ?? NSNull()
        return JSONText.render(
            [
                "version": StatusReport.schemaVersion, "generated_at": report.now.utcTimestamp,
                "outcome": report.outcome.label.lowercased(), "last_refresh": refresh, "registries": registries,
                "user_logins": users,
            ] as [String: Any])
    }

    @Test func everyStateRendersAsTheGenericWriterDid() {
        let report = StatusReport(snapshot: StatusWorld.snapshot, now: StatusWorld.now)
        #expect(report.json == Self.genericJSON(report))
        let empty = StatusReport(snapshot: StatusSnapshot(), now: StatusWorld.now)
        #expect(empty.json == Self.genericJSON(empty))
    }

    @Test(arguments: awkward)
    func awkwardTextIsEscapedAsTheGenericWriterDid(text: String) {
        let now = StatusWorld.now
        let entry = StatusEntry(
            account: text, profile: text, region: text, accountID: text, registry: text, expiresAt: now,
            fetchedAt: now, lastAttemptAt: now, lastAttemptDuration: 0.25, lastError: text, nextRenewalAt: now,
            consecutiveFailures: 7, state: .failing)
        var report = StatusReport(snapshot: StatusSnapshot(), now: now)
        report.entries = [entry, StatusEntry(profile: text, region: "eu-west-1")]
        report.userLogins = [UserLoginStatus(host: text, serverURL: text, username: text, savedAt: now)]
        report.lastRefresh = RefreshRecord(jobs: [], refreshBefore: nil, startedAt: now, finishedAt: now + 0.5)
        #expect(report.json == Self.genericJSON(report))
    }

    @Test(arguments: [
        0.0, -0.0, 1, 2, 0.1, 0.25, 1.5, 1e-7, 3e-5, 123_456_789.123, 1e15, 1e16, 1.0e22, 12.000001, .pi,
        Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, .nan, .infinity, -.infinity,
    ])
    func numbersAreWrittenAsJSONSerializationWritesThem(number: Double) throws {
        var writer = JSONWriter()
        writer.number(number)
        let expected =
            number.isFinite
            ? String(
                decoding: try JSONSerialization.data(withJSONObject: number, options: .fragmentsAllowed), as: UTF8.self)
            : "null"
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
    }

    @Test(arguments: [
        0.0, 951_782_400, 1_800_000_000.9, 4_102_444_799, -86_401, 1_709_164_800, -62_135_596_800, 253_402_300_799,
        -1e300, 1e300, .nan,
    ])
    func timestampsAreWrittenAsUTCTimestamp(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        var writer = JSONWriter()
        writer.timestamp(date)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == JSONText.quoted(date.utcTimestamp))
    }

    /// Many attempts per registry, beyond what the cache keeps, with ties in the finishing time, over profiles with
    /// one and with several regions: the latest of each is the one finished last, the last recorded of a tie.
    @Test func theLatestAttemptIsFoundWhateverTheNumberKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        let pairs = [("a", "eu-west-1"), ("a", "us-east-1"), ("a", "us-west-2"), ("b", "eu-west-1"), ("c", "ap-1")]
        var expected: [ProfileRegion: LoginAttempt] = [:]
        for round in 0..<(Cache.attemptsKept + 7) {
            for (index, (profile, region)) in pairs.enumerated() {
                // Out of order in time, and every third round finishing with the round before it.
                let finish = StatusWorld.now.addingTimeInterval(Double((round * 37 + index * 11) % 97 - round / 3 * 2))
                let attempt = LoginAttempt(
                    profile: profile, region: region, startedAt: finish - 1, finishedAt: finish,
                    error: round % 4 == 0 ? "failed \(round)" : nil)
                try cache.record(attempt)
                let key = attempt.key
                if let kept = expected[key], kept.finishedAt > finish { continue }
                expected[key] = attempt
            }
        }
        let latest = try cache.latestAttempts()
        #expect(latest.map(\.key) == pairs.map { ProfileRegion(profile: $0.0, region: $0.1) })
        #expect(latest == pairs.compactMap { expected[ProfileRegion(profile: $0.0, region: $0.1)] })
    }

    @Test func tiesAreBrokenByTheLastRecorded() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        #expect(try cache.latestAttempts().isEmpty)
        let finish = StatusWorld.now
        for error in ["first", nil, "third"] {
            try cache.record(
                LoginAttempt(profile: "p", region: "r", startedAt: finish - 1, finishedAt: finish, error: error))
        }
        try cache.record(
            LoginAttempt(profile: "p", region: "r", startedAt: finish - 9, finishedAt: finish - 5, error: nil))
        #expect(try cache.latestAttempts().map(\.error) == ["third"])
    }

    /// Streaks of every length, none, and all failures, with failures finishing with a success: status's streaks,
    /// read only for the pairs whose latest attempt failed, are the ones `failureStreaks()` finds over everything.
    @Test func statusStreaksAreTheStreaksOfEveryAttempt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        for pair in 0..<12 {
            for round in 0..<(Cache.attemptsKept + 5) {
                // Pair 0 never succeeds; pair n > 0 ends in n - 1 failures (none for pair 1); pairs 6 on finish
                // their last success and first failure together, recorded success first.
                let failures = pair == 0 ? Cache.attemptsKept + 5 : pair - 1
                let failed = round >= Cache.attemptsKept + 5 - failures || round % 3 == 0
                let tie = pair >= 6 && round == Cache.attemptsKept + 5 - failures
                let finish = StatusWorld.now.addingTimeInterval(Double(tie ? round - 1 : round) * 60)
                try cache.record(
                    LoginAttempt(
                        profile: "p\(pair % 4)", region: "r\(pair)", startedAt: finish - 1, finishedAt: finish,
                        error: failed && !(pair > 0 && round == Cache.attemptsKept + 4 - failures) ? "e\(round)" : nil))
            }
        }
        let all = try cache.failureStreaks()
        #expect(all.count > 5)
        #expect(try cache.failureStreaks(latest: cache.latestAttempts()) == all)
    }
}
