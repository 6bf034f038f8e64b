import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The `latest_attempts` table its triggers keep against the latest attempt computed from every attempt kept, after
/// each kind of write: recording (out of order in time, ties, beyond the attempts kept), forgetting pairs, removing
/// attempts by hand and changing one, and the migration filling it from an older database.
@Suite struct LatestAttemptTableTests {
    /// The slow path: every attempt kept, ranked per pair as "latest" means, read with no help from the table.
    static func latestFromEveryAttempt(_ cache: Cache) throws -> [LoginAttempt] {
        try cache.withDatabase { database throws(SQLiteError) in
            var attempts: [LoginAttempt] = []
            try database.prepare(
                """
                SELECT profile, region, started_at, finished_at, error FROM (
                    SELECT *, row_number() OVER (
                        PARTITION BY profile, region ORDER BY finished_at DESC, id DESC) AS rank
                    FROM attempts)
                WHERE rank = 1 ORDER BY profile, region
                """
            ).query { row throws(SQLiteError) in attempts.append(Cache.attempt(row)) }
            return attempts
        }
    }

    static func expectAgrees(_ cache: Cache, _ comment: Comment) throws {
        let fast = try cache.latestAttempts()
        #expect(fast == (try latestFromEveryAttempt(cache)), comment)
    }

    /// Pairs with one attempt and with more than are kept, finishing out of order, ties recorded success first and
    /// failure first, failing streaks, a profile in several regions, and attempts for pairs with no login.
    static func recordAwkwardAttempts(_ cache: Cache, rounds: Int = Cache.attemptsKept + 9) throws {
        for attempt in awkwardAttempts(rounds: rounds) { try cache.record(attempt) }
    }

    /// The attempts `recordAwkwardAttempts` records, in its order.
    static func awkwardAttempts(rounds: Int) -> [LoginAttempt] {
        let now = StatusWorld.now
        let pairs = [
            ("a", "eu-west-1"), ("a", "us-east-1"), ("a", "ap-1"), ("b", "eu-west-1"), ("c", "eu-west-1"),
            ("é", "eu-west-1"),
        ]
        var attempts: [LoginAttempt] = []
        for round in 0..<rounds {
            for (index, (profile, region)) in pairs.enumerated() where index < 2 || round % (index + 1) == 0 {
                // Every fifth round finishes with the round before it; every seventh finishes earlier than it.
                let offset = Double(round * 10 - (round % 5 == 0 ? 10 : 0) - (round % 7 == 0 ? 25 : 0))
                let finish = now.addingTimeInterval(offset)
                attempts.append(
                    LoginAttempt(
                        profile: profile, region: region, startedAt: finish - Double(index), finishedAt: finish,
                        error: (round + index) % 3 == 0 || round > rounds - index ? "failed \(round)" : nil))
            }
        }
        return attempts
    }

    @Test func pruningKeepsExactlyTheLatestOfEachPair() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        let rounds = Cache.attemptsKept + 9
        try Self.recordAwkwardAttempts(cache, rounds: rounds)
        var kept: [String: [LoginAttempt]] = [:]
        try SQLiteDatabase(path: cache.path).prepare(
            "SELECT profile, region, started_at, finished_at, error FROM attempts ORDER BY profile, region, id"
        ).query { row in
            let attempt = Cache.attempt(row)
            kept["\(attempt.profile)/\(attempt.region)", default: []].append(attempt)
        }
        let recorded = Dictionary(grouping: Self.awkwardAttempts(rounds: rounds).enumerated()) {
            "\($0.element.profile)/\($0.element.region)"
        }
        let expected = recorded.mapValues { attempts in
            attempts.sorted { ($0.element.finishedAt, $0.offset) > ($1.element.finishedAt, $1.offset) }
                .prefix(Cache.attemptsKept).sorted { $0.offset < $1.offset }.map(\.element)
        }
        #expect(kept == expected)
        #expect(kept.values.contains { $0.count == Cache.attemptsKept })
        #expect(kept.values.contains { $0.count < Cache.attemptsKept })
    }

    @Test func recordingAndPruningKeepTheLatest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        try Self.expectAgrees(cache, "empty")
        try Self.recordAwkwardAttempts(cache, rounds: 3)
        try Self.expectAgrees(cache, "a few")
        try Self.recordAwkwardAttempts(cache)
        try Self.expectAgrees(cache, "more than are kept")
        // One finishing with the latest, so the last recorded wins, and one finishing before it, which does not.
        let latest = try #require(try cache.latestAttempts().first)
        for (finish, error) in [(latest.finishedAt, "tie"), (latest.finishedAt - 1, "older")] {
            try cache.record(
                LoginAttempt(
                    profile: latest.profile, region: latest.region, startedAt: finish - 3, finishedAt: finish,
                    error: error))
            try Self.expectAgrees(cache, "\(error)")
        }
        #expect(try cache.latestAttempts().first?.error == "tie")
        #expect(try cache.failureStreaks(latest: cache.latestAttempts()) == cache.failureStreaks())
    }

    @Test func forgettingPairsAndRemovingAttemptsKeepTheLatest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        try Self.recordAwkwardAttempts(cache)
        // The refresh forgets the pairs it is not configured with, every attempt of theirs.
        try cache.recordRefresh(
            RefreshRecord(
                jobs: [
                    ConfiguredJob(account: "a", profile: "a", region: "eu-west-1"),
                    ConfiguredJob(account: "b", profile: "b", region: "eu-west-1"),
                ],
                refreshBefore: nil, startedAt: StatusWorld.now, finishedAt: StatusWorld.now + 1))
        try Self.expectAgrees(cache, "after forgetting pairs")
        #expect(try cache.latestAttempts().map(\.profile) == ["a", "b"])
        // By hand: the latest attempt of a pair, its newest few, then all of another pair's.
        let statements = [
            """
            DELETE FROM attempts WHERE id = (SELECT id FROM attempts WHERE profile = 'a'
                ORDER BY finished_at DESC, id DESC LIMIT 1)
            """,
            """
            DELETE FROM attempts WHERE id IN (SELECT id FROM attempts WHERE profile = 'a'
                ORDER BY finished_at DESC, id DESC LIMIT 5)
            """,
            """
            UPDATE attempts SET finished_at = finished_at + 1000, error = 'moved'
            WHERE id = (SELECT min(id) FROM attempts)
            """,
            "UPDATE attempts SET profile = 'd' WHERE profile = 'b' AND id % 2 = 0",
            "DELETE FROM attempts WHERE profile = 'b'",
            "DELETE FROM attempts",
        ]
        for sql in statements {
            try cache.withDatabase { database throws(SQLiteError) in try database.execute(sql) }
            try Self.expectAgrees(cache, "after \(sql)")
        }
        #expect(try cache.latestAttempts().isEmpty)
    }

    /// A database made before the table: the migration fills it from the attempts kept.
    @Test func theMigrationFillsItFromTheAttemptsKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/cache.sqlite3"
        let before = try #require(Cache.migrations.firstIndex(of: Cache.latestAttemptTableMigration))
        try CacheFile.prepare(path)
        do {
            let database = try SQLiteDatabase(path: path)
            for migration in Cache.migrations[..<before] { try database.execute(migration) }
            try database.execute("PRAGMA user_version = \(before)")
            var now = StatusWorld.now.timeIntervalSince1970
            for round in 0..<40 {
                for (profile, region) in [("a", "r1"), ("a", "r2"), ("b", "r1")] {
                    now += round % 4 == 0 ? 0 : 7
                    try database.prepare(
                        """
                        INSERT INTO attempts (profile, region, started_at, finished_at, error)
                        VALUES (?1, ?2, ?3, ?4, ?5)
                        """
                    ).run([
                        .text(profile), .text(region), .real(now - 2), .real(now - Double(round % 3)),
                        round % 5 == 0 ? .text("e\(round)") : .null,
                    ])
                }
            }
        }
        let cache = try Cache(path: path)
        #expect(try cache.latestAttempts().count == 3)
        try Self.expectAgrees(cache, "migrated")
        try Self.recordAwkwardAttempts(cache, rounds: 4)
        try Self.expectAgrees(cache, "recorded after the migration")
    }
}
