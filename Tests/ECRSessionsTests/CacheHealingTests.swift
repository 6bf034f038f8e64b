import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private let fetched = Date(timeIntervalSince1970: 1_750_000_000)
private let now = Date(timeIntervalSince1970: 1_800_000_000)  // 2027-01-15T08:00:00Z

private func login(registry: String = "111122223333.dkr.ecr.eu-west-1.amazonaws.com", lifetime: TimeInterval = 43_200)
    -> RegistryLogin
{
    RegistryLogin(
        profile: "prod", accountID: "111122223333", region: "eu-west-1", registry: registry,
        token: AuthorizationToken(encoded: "QVdTOnNlY3JldA=="), expiresAt: fetched.addingTimeInterval(lifetime),
        fetchedAt: fetched)
}

/// A cache at `directory/state/cache.sqlite3` holding one login, closed again so everything is in the main file.
private func existingCache(in directory: TemporaryDirectory) throws -> String {
    let path = directory.path + "/state/cache.sqlite3"
    try Cache(path: path).save(login())
    return path
}

/// The ways a cache file is found damaged, each made from a real cache at `path`.
enum Damage: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case truncated, randomBytes, zeroBytes, directory, newerSchema, missingTable, foreignTables, foreignApplicationID

    var testDescription: String { rawValue }

    func apply(to path: String) throws {
        switch self {
        case .truncated:
            // Page 1 stays (it is an SQLite file), the pages it points to are gone.
            #expect(truncate(path, 1024) == 0)
        case .randomBytes:
            var random = SystemRandomNumberGenerator()
            try Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &random) }).write(
                to: URL(fileURLWithPath: path))
        case .zeroBytes:
            #expect(truncate(path, 0) == 0)
            // Truncated a while ago: a file that became empty just now is a cache another process is creating.
            let minuteAgo = timeval(tv_sec: time(nil) - 60, tv_usec: 0)
            #expect(utimes(path, [minuteAgo, minuteAgo]) == 0)
        case .directory:
            try FileManager.default.removeItem(atPath: path)
            try FileManager.default.createDirectory(atPath: path + "/inside", withIntermediateDirectories: true)
        case .newerSchema:
            try SQLiteDatabase(path: path).execute("PRAGMA user_version = 99")
        case .missingTable:
            try SQLiteDatabase(path: path).execute("DROP TABLE user_logins")
        case .foreignTables:
            try FileManager.default.removeItem(atPath: path)
            try CacheFile.prepare(path)
            try SQLiteDatabase(path: path).execute("CREATE TABLE photos (name TEXT); INSERT INTO photos VALUES ('x')")
        case .foreignApplicationID:
            try SQLiteDatabase(path: path).execute("PRAGMA application_id = 42")
        }
    }
}

@Suite("Cache healing")
struct CacheHealingTests {
    @Test(
        "a damaged cache is moved aside with its journal, a new one works, and the recovery says what happened",
        arguments: Damage.allCases)
    func heals(damage: Damage) throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try damage.apply(to: path)

        let cache = try Cache.healing(path: path, now: now)

        let recovery = try #require(cache.recovery)
        #expect(recovery.path == path)
        #expect(recovery.movedTo == path + ".broken-20270115T080000Z")
        #expect(recovery.problem.damage != nil)
        #expect(FileSystem.entryExists(recovery.movedTo))
        #expect(FileSystem.isDirectory(recovery.movedTo) == (damage == .directory))
        #expect(recovery.description.contains(path) && recovery.description.contains(recovery.movedTo))
        #expect(!recovery.description.contains("\n"))
        try cache.save(login())
        #expect(try cache.logins() == [login()])
        #expect(try Cache(path: path).recovery == nil, "the new cache opens cleanly")
    }

    @Test("what was lost is named: undo records and user logins, except for another program's file")
    func lossNamed() throws {
        let damaged = CacheRecovery(
            path: "/s/c", movedTo: "/s/c.broken-x", problem: .corrupt(path: "/s/c", reason: "r"))
        #expect(damaged.description.contains("logout") && damaged.description.contains("ecr-sessions login"))
        let foreign = CacheRecovery(
            path: "/s/c", movedTo: "/s/c.broken-x", problem: .foreign(path: "/s/c", reason: "r"))
        #expect(foreign.description.contains("nothing of ecr-sessions"))
    }

    @Test(
        "the undo records come back from their copy when a damaged cache is rebuilt",
        arguments: [Damage.truncated, .randomBytes, .zeroBytes, .directory, .newerSchema])
    func undoRecordsSurviveDamage(damage: Damage) throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        let desktop = undoRecord(place: directory.path + "/run/containers/auth.json", hosts: ["a.example", "b.example"])
        let docker = undoRecord(place: directory.path + "/.docker/config.json", hosts: ["a.example"])
        do {
            let cache = try Cache(path: path)
            try cache.saveUndoRecord(desktop)
            try cache.saveUndoRecord(docker)
            try cache.forgetUndo(kind: docker.kind, place: docker.place, hosts: ["a.example"])
        }
        try damage.apply(to: path)

        let cache = try Cache.healing(path: path, now: now)
        let recovery = try #require(cache.recovery)
        #expect(recovery.undoRecordsKept && recovery.description.contains("come back from their copy"))
        #expect(try cache.undoRecords(.everyOwner) == [desktop], "the forgotten place stays forgotten")
        #expect(try cache.undoRecord(kind: docker.kind, place: docker.place) == nil)
    }

    @Test("the copy is private, follows every change, and a copy that cannot be read is dropped, not trusted")
    func undoCopyFollowsChanges() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = directory.path + "/state/cache.sqlite3"
        let cache = try Cache(path: path)
        let record = undoRecord(place: "/home/u/.docker/config.json", hosts: ["a.example", "b.example"])
        try cache.saveUndoRecord(record)
        let mirror = cache.undoMirror
        let file = mirror.file(kind: record.kind, place: record.place)
        #expect(try mode(of: mirror.directory) == 0o700 && mode(of: file) == 0o600)
        #expect(mirror.records() == [record])

        try cache.forgetUndo(kind: record.kind, place: record.place, hosts: ["a.example"])
        var left = record
        left.entries["a.example"] = nil
        #expect(mirror.records() == [left])
        try cache.forgetUndo(kind: record.kind, place: record.place, hosts: ["b.example"])
        #expect(mirror.records().isEmpty && !FileSystem.exists(file))

        try cache.saveUndoRecord(record)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: file))
        #expect(mirror.records().isEmpty)
        #expect(!FileSystem.exists(file), "a damaged copy is removed")
    }

    @Test("a cache from before the copy writes its records out on the first open for writing, not on a read-only one")
    func olderCacheExportsItsRecords() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        let record = undoRecord(place: "/home/u/.docker/config.json", hosts: ["a.example"])
        try Cache(path: path).saveUndoRecord(record)
        let mirror = UndoMirror(cachePath: path)
        try FileManager.default.removeItem(atPath: mirror.directory)

        _ = try Cache(path: path, scan: false)
        #expect(!mirror.exists)
        _ = try Cache(path: path)
        #expect(mirror.records() == [record])
    }

    @Test("a sound cache is opened as it is, with no recovery, and marked as ours")
    func soundCacheKept() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        let cache = try Cache.healing(path: path, now: now)
        #expect(cache.recovery == nil)
        #expect(try cache.logins() == [login()])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path + "/state").allSatisfy {
                !$0.contains("broken")
            })
        #expect(try applicationID(path) == Int64(Cache.applicationID))
    }

    @Test("an empty file made just now is a cache another process is creating: opened, not moved aside")
    func newEmptyFileKept() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = directory.path + "/state/cache.sqlite3"
        try CacheFile.prepare(path)  // what a first run does before SQLite writes its first page
        let cache = try Cache.healing(path: path, now: now)
        #expect(cache.recovery == nil)
        try cache.save(login())
        #expect(try cache.logins() == [login()])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/state").allSatisfy {
            !$0.contains("broken")
        })
    }

    @Test("a cache made before the mark gets it on the next open")
    func unmarkedCacheMarked() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try SQLiteDatabase(path: path).execute("PRAGMA application_id = 0")
        _ = try Cache(path: path)
        #expect(try applicationID(path) == Int64(Cache.applicationID))
    }

    @Test(
        "plain opening refuses another program's database and leaves its bytes alone",
        arguments: [
            Damage.foreignTables, .foreignApplicationID,
        ])
    func foreignLeftAlone(damage: Damage) throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try damage.apply(to: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let error = #expect(throws: CacheError.self) { try Cache(path: path) }
        guard case .foreign = error else {
            Issue.record("expected .foreign, got \(String(describing: error))")
            return
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("a second damage in the same second gets its own name")
    func namesDoNotCollide() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try Damage.randomBytes.apply(to: path)
        #expect(try Cache.healing(path: path, now: now).recovery != nil)
        try Damage.randomBytes.apply(to: path)
        let second = try #require(try Cache.healing(path: path, now: now).recovery)
        #expect(second.movedTo == path + ".broken-20270115T080000Z-2")
    }

    @Test("many openers healing at once move the file aside once, and all get a working cache")
    func concurrentHealing() async throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try Damage.randomBytes.apply(to: path)
        let recoveries = try await withThrowingTaskGroup(of: CacheRecovery?.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    let cache = try Cache.healing(path: path, now: now)
                    try cache.save(login())
                    return cache.recovery
                }
            }
            return try await group.reduce(into: [CacheRecovery?]()) { $0.append($1) }
        }
        #expect(recoveries.compactMap { $0 }.count == 1)
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory.path + "/state")
        #expect(entries.filter { $0.hasSuffix(".broken-20270115T080000Z") }.count == 1, "\(entries)")
    }

    @Test("no permission, a lock held too long or a full disk are not the file's fault: no damage to heal")
    func otherErrorsAreNoDamage() {
        #expect(CacheError.permissionDenied(path: "p", reason: "r").damage == nil)
        #expect(CacheError.busy(path: "p").damage == nil)
        #expect(CacheError.failed(path: "p", reason: "disk full").damage == nil)
    }

    @Test("the context tells its owner once when it healed the cache")
    func contextTellsOnce() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        try Damage.zeroBytes.apply(to: path)
        let told = Mutex<[CacheRecovery]>([])
        let context = ActionContext(
            environment: Environment(["HOME": directory.path, "ECR_SESSIONS_STATE_DIR": directory.path + "/state"]),
            clock: ManualClock(now), transport: ScriptedTransport([respond(500, "")]),
            cacheRecovered: { recovery in told.withLock { $0.append(recovery) } })
        _ = try context.cache()
        _ = try context.cache()
        #expect(told.withLock { $0.map(\.path) } == [path])
    }

    // MARK: Expiries in the cache

    @Test("a token claiming to live longer than a week is not saved")
    func absurdExpiryNotSaved() throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let cache = try Cache(path: directory.path + "/cache.sqlite3")
        for lifetime in [8 * 86_400, 1e300, .infinity, .nan] {
            // Compared, not shown: printing a Date of 1e300 seconds traps in Foundation.
            var refused = false
            do { try cache.save(login(lifetime: lifetime)) } catch {
                refused = error == .implausibleExpiry(registry: login().registry)
            }
            #expect(refused, "lifetime \(lifetime)")
        }
        #expect(try cache.logins().isEmpty)
    }

    @Test(
        "a row already stored with an absurd expiry reads as expired when fetched, and never serves a password",
        arguments: [1e300, 9.3e18, 253_402_300_800, Double.infinity])
    func absurdRowReadsExpired(expiresAt: Double) throws {
        let directory = try TemporaryDirectory("cache-healing")
        defer { directory.remove() }
        let path = try existingCache(in: directory)
        let database = try SQLiteDatabase(path: path)
        try database.prepare("UPDATE registry_logins SET expires_at = ?1").run([.real(expiresAt)])
        let cache = try Cache(path: path)
        let stored = try #require(try cache.logins().first)
        #expect(stored.expiresAt == stored.fetchedAt)
        #expect(try cache.freshLogin(profile: "prod", region: "eu-west-1", validAt: fetched) == nil)
        #expect(stored.expiresAt.relativeDescription(to: now).hasSuffix("ago"))
    }
}

private func undoRecord(place: String, hosts: [String]) -> UndoRecord {
    UndoRecord(
        kind: RegistryAuthFile.kindName, place: place, state: #"{"prior":"hadAuths"}"#,
        entries: Dictionary(uniqueKeysWithValues: hosts.map { ($0, UndoRecord.Entry(owner: "prod", state: "{}")) }))
}

private func mode(of path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
}

private func applicationID(_ path: String) throws -> Int64 {
    var value: Int64 = 0
    try SQLiteDatabase(path: path).prepare("PRAGMA application_id").query { row in value = row.integer(0) }
    return value
}
