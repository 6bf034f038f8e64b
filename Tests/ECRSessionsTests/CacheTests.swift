import Foundation
import TestSupport
import Testing

@testable import ECRSessions

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Epoch-second dates, as ECR reports them; they round-trip exactly through the cache's REAL columns.
private let t0 = Date(timeIntervalSince1970: 1_750_000_000.125)

private func makeLogin(
    profile: String = "prod", region: String = "eu-west-1", account: String = "111122223333",
    registry: String? = nil, token: String = "QVdTOnNlY3JldA==", fetchedAt: Date = t0, lifetime: TimeInterval = 43_200
) -> RegistryLogin {
    RegistryLogin(
        profile: profile, accountID: account, region: region,
        registry: registry ?? "\(account).dkr.ecr.\(region).amazonaws.com",
        token: AuthorizationToken(encoded: token), expiresAt: fetchedAt.addingTimeInterval(lifetime),
        fetchedAt: fetchedAt)
}

private func makeAttempt(
    profile: String = "prod", region: String = "eu-west-1", at seconds: TimeInterval, error: String? = nil
) -> LoginAttempt {
    LoginAttempt(
        profile: profile, region: region, startedAt: t0.addingTimeInterval(seconds),
        finishedAt: t0.addingTimeInterval(seconds + 0.5), error: error)
}

/// A cache in a fresh temporary directory, removed afterwards.
private func withCache<T>(_ body: (Cache, TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory("cache-tests")
    defer { directory.remove() }
    let cache = try Cache(path: directory.path + "/state/cache.sqlite3")
    return try await body(cache, directory)
}

private func mode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

@Suite("Cache")
struct CacheTests {
    @Test(
        "default path",
        arguments: [
            (["ECR_SESSIONS_STATE_DIR": "/s", "XDG_STATE_HOME": "/x", "HOME": "/h"], "/s/cache.sqlite3"),
            (["ECR_SESSIONS_STATE_DIR": "~/s", "HOME": "/h"], "/h/s/cache.sqlite3"),
            (["ECR_SESSIONS_STATE_DIR": "", "XDG_STATE_HOME": "/x", "HOME": "/h"], "/x/ecr-sessions/cache.sqlite3"),
            (["XDG_STATE_HOME": "relative", "HOME": "/h"], "/h/.local/state/ecr-sessions/cache.sqlite3"),
            (["HOME": "/h"], "/h/.local/state/ecr-sessions/cache.sqlite3"),
        ])
    func defaultPath(values: [String: String], expected: String) {
        #expect(Cache.defaultPath(environment: Environment(values)) == expected)
    }

    @Test("logins round-trip, sorted by profile, region and registry")
    func roundTrip() async throws {
        try await withCache { cache, _ in
            let logins = [
                makeLogin(profile: "b", region: "us-east-1"),
                makeLogin(profile: "a", region: "eu-west-1", account: "444455556666"),
                makeLogin(profile: "a", region: "eu-west-1", account: "111122223333"),
                makeLogin(profile: "a", region: "ap-south-1", registry: "public.ecr.aws"),
            ]
            for login in logins { try cache.save(login) }
            #expect(try cache.logins() == [logins[3], logins[2], logins[1], logins[0]])
        }
    }

    @Test("saving the same profile, region and registry replaces the login")
    func upsertReplaces() async throws {
        try await withCache { cache, _ in
            try cache.save(makeLogin(token: "old"))
            let newer = makeLogin(account: "111122223333", token: "new", fetchedAt: t0.addingTimeInterval(3600))
            try cache.save(newer)
            #expect(try cache.logins() == [newer])
        }
    }

    @Test("an already expired token is refused and nothing is written", arguments: [0, -1] as [TimeInterval])
    func expiredTokenRejected(lifetime: TimeInterval) async throws {
        try await withCache { cache, _ throws in
            let expired = makeLogin(registry: "expired.example", lifetime: lifetime)
            #expect(
                throws: CacheError.tokenAlreadyExpired(
                    registry: "expired.example", expiresAt: expired.expiresAt, fetchedAt: t0)
            ) {
                try cache.save([makeLogin(), expired])
            }
            #expect(try cache.logins().isEmpty)
        }
    }

    @Test("the fresh login is the one valid longest, and only while it is valid")
    func freshLogin() async throws {
        try await withCache { cache, _ in
            let short = makeLogin(registry: "short.example", lifetime: 600)
            let long = makeLogin(registry: "long.example", lifetime: 3600)
            try cache.save([short, long, makeLogin(region: "us-east-1", lifetime: 7200)])
            #expect(try cache.freshLogin(profile: "prod", region: "eu-west-1", validAt: t0) == long)
            #expect(try cache.freshLogin(profile: "prod", region: "eu-west-1", validAt: long.expiresAt) == nil)
            #expect(try cache.freshLogin(profile: "dev", region: "eu-west-1", validAt: t0) == nil)
        }
    }

    @Test("removing logins returns exactly what was removed")
    func removeLogins() async throws {
        try await withCache { cache, _ in
            let west = makeLogin(region: "eu-west-1")
            let east = makeLogin(region: "us-east-1")
            let other = makeLogin(profile: "dev")
            try cache.save([west, east, other])
            #expect(try cache.removeLogins(profile: "prod", region: "us-east-1") == [east])
            #expect(try cache.logins() == [other, west])
            #expect(try cache.removeLogins(profile: "prod") == [west])
            #expect(try cache.logins() == [other])
        }
    }

    @Test("the latest attempt per profile and region is the one that finished last")
    func latestAttempts() async throws {
        try await withCache { cache, _ in
            let first = makeAttempt(at: 0)
            let failed = makeAttempt(at: 60, error: "AccessDeniedException: not authorized")
            let dev = makeAttempt(profile: "dev", at: 10)
            let east = makeAttempt(region: "us-east-1", at: 5)
            // Recorded out of order: the finish time decides, not the order of recording.
            for attempt in [failed, dev, first, east] { try cache.record(attempt) }
            #expect(try cache.latestAttempts() == [dev, failed, east])
        }
    }

    @Test("attempt history is pruned per profile and region")
    func attemptsPruned() async throws {
        try await withCache { cache, _ in
            for second in 0..<(Cache.attemptsKept + 10) {
                try cache.record(makeAttempt(at: TimeInterval(second)))
            }
            try cache.record(makeAttempt(profile: "dev", at: 0))
            let raw = try SQLiteDatabase(path: cache.path)
            var counts: [String: Int64] = [:]
            try raw.prepare("SELECT profile, count(*), min(started_at) FROM attempts GROUP BY profile").query { row in
                counts[row.text(0) ?? ""] = row.integer(1)
                if row.text(0) == "prod" {
                    #expect(row.real(2) == t0.addingTimeInterval(10).timeIntervalSince1970)
                }
            }
            #expect(counts == ["prod": Int64(Cache.attemptsKept), "dev": 1])
            #expect(try cache.latestAttempts().map(\.startedAt) == [t0, t0.addingTimeInterval(59)])
        }
    }

    @Test("the schema version is set, and reopening does not migrate again")
    func schemaVersion() async throws {
        try await withCache { cache, _ in
            try cache.save(makeLogin())
            let raw = try SQLiteDatabase(path: cache.path)
            var version: Int64 = -1
            try raw.prepare("PRAGMA user_version").query { version = $0.integer(0) }
            #expect(version == Int64(Cache.migrations.count))
            #expect(try Cache.migrate(raw) == 0)
            #expect(try Cache(path: cache.path).logins() == [makeLogin()])
        }
    }

    @Test("a fresh database applies every migration")
    func migratesFresh() throws {
        let directory = try TemporaryDirectory("cache-tests")
        defer { directory.remove() }
        let path = directory.path + "/fresh.sqlite3"
        try CacheFile.prepare(path)
        #expect(try Cache.migrate(SQLiteDatabase(path: path)) == Cache.migrations.count)
    }

    @Test("a database from a newer ecr-sessions is refused and left alone")
    func newerSchemaRefused() async throws {
        try await withCache { cache, _ in
            try cache.save(makeLogin())
            try SQLiteDatabase(path: cache.path).execute("PRAGMA user_version = 99")
            let error = #expect(throws: CacheError.self) { try Cache(path: cache.path) }
            #expect(error == .newerSchema(path: cache.path, version: 99, supported: Cache.migrations.count))
            #expect(error?.description.contains("Upgrade ecr-sessions") == true)
            #expect(try cache.logins() == [makeLogin()])
        }
    }

    @Test("a file that is not a database is reported as damaged, with what to do")
    func corruptFile() throws {
        let directory = try TemporaryDirectory("cache-tests")
        defer { directory.remove() }
        let path = try directory.write("cache.sqlite3", String(repeating: "not a database\n", count: 100))
        let error = #expect(throws: CacheError.self) { try Cache(path: path) }
        guard case .corrupt(path, _) = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("move it aside") == true)
    }

    @Test("the file is 0600 and the directories it creates are 0700; existing directories are left alone")
    func fileModes() throws {
        let directory = try TemporaryDirectory("cache-tests")
        defer { directory.remove() }
        #expect(chmod(directory.path, 0o755) == 0)
        let path = directory.path + "/state/ecr-sessions/cache.sqlite3"
        let cache = try Cache(path: path)
        try cache.save(makeLogin())
        #expect(try mode(path) == 0o600)
        #expect(try mode(path + "-wal") == 0o600)
        #expect(try mode(directory.path + "/state/ecr-sessions") == 0o700)
        #expect(try mode(directory.path + "/state") == 0o700)
        #expect(try mode(directory.path) == 0o755)
    }

    @Test("an existing cache file with a looser mode is tightened to 0600")
    func looseFileTightened() throws {
        let directory = try TemporaryDirectory("cache-tests")
        defer { directory.remove() }
        let path = directory.path + "/cache.sqlite3"
        _ = try Cache(path: path)
        #expect(chmod(path, 0o644) == 0)
        _ = try Cache(path: path)
        #expect(try mode(path) == 0o600)
    }

    @Test("concurrent saves from many tasks all land")
    func concurrentSaves() async throws {
        try await withCache { cache, _ in
            let count = 64
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count {
                    group.addTask {
                        try cache.save(makeLogin(registry: String(format: "r%03d.example", index)))
                        try cache.record(makeAttempt(profile: "p\(index)", at: 0))
                    }
                }
                try await group.waitForAll()
            }
            #expect(try cache.logins().map(\.registry) == (0..<count).map { String(format: "r%03d.example", $0) })
            #expect(try cache.latestAttempts().count == count)
        }
    }

    @Test("a second cache on the same file, as another process would open, sees the first one's writes")
    func secondConnection() async throws {
        try await withCache { first, _ in
            let second = try Cache(path: first.path)
            try first.save(makeLogin())
            try second.record(makeAttempt(at: 0))
            #expect(try second.logins() == [makeLogin()])
            #expect(try first.latestAttempts() == [makeAttempt(at: 0)])

            // Both writing at once: the busy timeout makes them take turns instead of failing.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<40 {
                    let cache = index.isMultiple(of: 2) ? first : second
                    group.addTask { try cache.save(makeLogin(registry: "r\(index).example")) }
                }
                try await group.waitForAll()
            }
            #expect(try first.logins().count == 41)
            #expect(try second.logins().count == 41)
        }
    }

    @Test("no error text ever holds a token")
    func errorsHoldNoToken() async throws {
        let token = "QVdTOnRvcC1zZWNyZXQtcGFzc3dvcmQ="  // base64 of AWS:top-secret-password
        let password = "top-secret-password"
        var errors: [CacheError] = []

        try await withCache { cache, _ in
            do {
                try cache.save(makeLogin(token: token, lifetime: -1))
            } catch let error as CacheError { errors.append(error) }

            // Another connection holds the write lock, so saving the token fails while the token is bound.
            let impatient = try Cache(path: cache.path, busyTimeout: .milliseconds(20))
            let holder = try SQLiteDatabase(path: cache.path)
            try holder.execute("BEGIN EXCLUSIVE")
            do {
                try impatient.save(makeLogin(token: token))
            } catch let error as CacheError { errors.append(error) }
            try holder.execute("ROLLBACK")

            try cache.save(makeLogin(token: token))
            try holder.execute("PRAGMA user_version = 99")
            do {
                _ = try Cache(path: cache.path)
            } catch let error as CacheError { errors.append(error) }
        }

        #expect(errors.count == 3)
        #expect(errors.contains { if case .busy = $0 { true } else { false } })
        for error in errors {
            for text in [error.description, String(describing: error), String(reflecting: error)] {
                #expect(!text.contains(token) && !text.contains(password), "\(text)")
            }
        }
    }
}

@Suite("Cache schema")
struct CacheSchemaTests {
    @Test("the tables read from the migrations' text are the tables SQLite holds after running them")
    func tableNamesMatchSQLite() throws {
        let directory = try TemporaryDirectory("cache-schema")
        defer { directory.remove() }
        let path = directory.path + "/cache.sqlite3"
        _ = try Cache(path: path)
        var tables: Set<String> = []
        try SQLiteDatabase(path: path).prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).query { row in tables.insert(row.text(0) ?? "") }
        #expect(Cache.latestTables == tables)
        #expect(Cache.ownTables == tables.union(["written_files", "written_entries"]), "and the ones dropped since")
    }
}
