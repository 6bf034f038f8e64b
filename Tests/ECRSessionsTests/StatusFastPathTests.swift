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

    /// `relativeDescription` as it was written before its bytes were: string interpolation of the same parts.
    static func interpolatedRelativeDescription(_ date: Date, to now: Date) -> String {
        let interval = date.timeIntervalSince(now).rounded()
        guard abs(interval) <= 36525 * 86400 else {
            return interval > 0 ? "in more than 100 years" : "more than 100 years ago"
        }
        let seconds = Int(interval)
        let magnitude = abs(seconds)
        let text: String
        if magnitude < 60 {
            text = "\(magnitude)s"
        } else if magnitude < 3600 {
            text = "\(magnitude / 60)m"
        } else if magnitude < 86400 {
            text = "\(magnitude / 3600)h \(magnitude % 3600 / 60)m"
        } else {
            text = "\(magnitude / 86400)d \(magnitude % 86400 / 3600)h"
        }
        return seconds > 0 ? "in \(text)" : "\(text) ago"
    }

    /// Every unit's edges, both signs, rounding at half a second, the hundred-year limit and beyond, and NaN.
    @Test func relativeTimesAreWrittenAsInterpolationWroteThem() {
        let now = StatusWorld.now
        let limit: TimeInterval = 36525 * 86400
        let edges: [TimeInterval] = [0, 0.4, 0.5, 0.6, 1, 9, 10, 59, 59.4, 59.5, 60, 61, 599, 600, 3599, 3600, 3601]
        let days: [TimeInterval] = [35999, 36000, 86399, 86399.5, 86400, 86401, 863_999, 864_000, 8_640_000]
        let limits: [TimeInterval] = [limit - 1, limit, limit + 0.4, limit + 1, 1e300, .infinity, .nan]
        let spread: [TimeInterval] = (0..<2000).map { (index: Int) -> TimeInterval in
            TimeInterval(index * index * 7919 % 9_000_017) + TimeInterval(index % 10) / 10
        }
        let offsets = edges + days + limits + spread
        for offset in offsets {
            for date in [now + offset, now - offset] {
                #expect(
                    date.relativeDescription(to: now) == Self.interpolatedRelativeDescription(date, to: now),
                    "\(offset)")
            }
        }
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

    /// The entries as `StatusReport.init` judged them before its one-dictionary join: a dictionary per source, the
    /// join sorted by profile, then jobs without either appended, then a stable sort by account.
    static func slowEntries(_ snapshot: StatusSnapshot, now: Date) -> [StatusEntry] {
        let policy = RefreshPolicy(refreshBefore: snapshot.lastRefresh?.refreshBefore)
        let configured = snapshot.lastRefresh.map { record in
            Dictionary(record.jobs.map { ($0.key, $0.account) }) { first, _ in first }
        }
        let streaks = Dictionary(snapshot.streaks.map { ($0.key, $0) }) { $1 }
        var renewal: [ProfileRegion: Date] = [:]
        for login in snapshot.logins {
            let renewAt = policy.renewalTime(for: login)
            renewal[login.key] = min(renewal[login.key] ?? renewAt, renewAt)
        }
        var entries = StatusEntry.entries(logins: snapshot.logins, latestAttempts: snapshot.latestAttempts)
        let seen = Set(entries.map { ProfileRegion(profile: $0.profile, region: $0.region) })
        for job in snapshot.lastRefresh?.jobs ?? [] where !seen.contains(job.key) {
            entries.append(StatusEntry(profile: job.profile, region: job.region))
        }
        for index in entries.indices {
            let key = ProfileRegion(profile: entries[index].profile, region: entries[index].region)
            let streak = streaks[key]
            entries[index].account = configured?[key] ?? key.profile
            entries[index].consecutiveFailures = streak?.failures ?? 0
            let isConfigured = configured.map { $0[key] != nil } ?? true
            entries[index].nextRenewalAt =
                isConfigured ? streak.map(policy.retryTime(after:)) ?? renewal[key] ?? now : nil
            entries[index].state = StatusReport.state(
                of: entries[index], configured: isConfigured, renewAt: renewal[key], now: now, warnWithin: nil)
        }
        // A merge sort, stable as the standard library's is.
        func stableSorted(_ items: [StatusEntry]) -> [StatusEntry] {
            guard items.count > 1 else { return items }
            let (left, right) = (
                stableSorted(Array(items[..<(items.count / 2)])), stableSorted(Array(items[(items.count / 2)...]))
            )
            var merged: [StatusEntry] = []
            var (i, j) = (0, 0)
            func key(_ entry: StatusEntry) -> (String, String, String) {
                (entry.account, entry.region, entry.registry ?? "")
            }
            while i < left.count || j < right.count {
                if j == right.count || (i < left.count && !(key(right[j]) < key(left[i]))) {
                    merged.append(left[i])
                    i += 1
                } else {
                    merged.append(right[j])
                    j += 1
                }
            }
            return merged
        }
        return stableSorted(entries)
    }

    /// Snapshots whose entries tie on account, region and registry: profiles sharing an account name, a profile
    /// with attempts but no registry beside one only configured, registries in several regions, streaks.
    @Test(arguments: 0..<6)
    func entriesAreJudgedAndOrderedAsTheSlowJoinDid(seed: Int) {
        let now = StatusWorld.now
        var snapshot = StatusWorld.snapshot
        if seed > 0 {
            let profiles = (0..<(seed * 7)).map { "p\(($0 * 7919 + seed) % 23)" }
            for (index, profile) in profiles.enumerated() {
                let region = ["eu-west-1", "us-east-1", "ap-1"][(index + seed) % 3]
                switch (index * 31 + seed) % 5 {
                case 0:
                    snapshot.logins.append(
                        StatusWorld.login(profile, fetchedHoursAgo: Double(index % 13), region: region))
                case 1:
                    snapshot.latestAttempts.append(
                        StatusWorld.attempt(profile, error: index % 2 == 0 ? "e" : nil, region: region))
                case 2:
                    snapshot.streaks.append(
                        FailureStreak(
                            profile: profile, region: region, failures: index % 4 + 1, lastFailureAt: now - 30))
                    snapshot.latestAttempts.append(StatusWorld.attempt(profile, error: "e", region: region))
                default: break
                }
                if index % 3 != 2 {
                    snapshot.lastRefresh?.jobs.append(
                        StatusWorld.job(profile, account: "shared\(index % 3)", region: region))
                }
            }
        }
        if seed == 5 { snapshot.lastRefresh = nil }
        let report = StatusReport(snapshot: snapshot, now: now)
        #expect(report.entries == Self.slowEntries(snapshot, now: now))
    }
}
