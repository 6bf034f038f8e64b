public import Foundation
import Synchronization

/// The SQLite file that remembers every registry login and every login attempt, so that `status` and
/// `get-login-password` answer without the network.
///
/// Open it once per process and share it: its one connection is guarded by a mutex, so concurrent login tasks can
/// all write through it. Several processes (a cron `refresh` and a manual `login`) may use the same file at once;
/// SQLite's WAL journal and a busy timeout let them take turns. Calls are synchronous and short; one may block its
/// thread for up to the busy timeout while another process writes.
///
/// Times are stored as Unix epoch seconds (REAL), readable with `datetime(x, 'unixepoch')`. A date made from epoch
/// seconds, as ECR reports them, comes back equal; an arbitrary `Date()` may come back off by a fraction of a
/// microsecond, because `Date` counts from 2001 and the conversion to 1970 can round the last bit.
public final class Cache: Sendable {
    /// The database file.
    public let path: String
    /// Set when the file found at `path` was unusable and was moved aside for this new one (`Cache.healing`).
    public let recovery: CacheRecovery?
    /// The undo records' copy beside the file, which a rebuilt cache starts from.
    let undoMirror: UndoMirror
    private let connection: Mutex<SQLiteDatabase>
    /// Logins of concurrent tasks waiting to be committed together (`commitTogether(_:)`).
    let loginWrites = LoginWriteQueue()

    /// How many attempts are kept per (profile, region): enough for `status` and debugging, while a cron job running
    /// every few minutes cannot grow the file without bound.
    static let attemptsKept = 50

    /// Where the cache lives: `$ECR_SESSIONS_STATE_DIR/cache.sqlite3`, else `$XDG_STATE_HOME/ecr-sessions/`,
    /// else `~/.local/state/ecr-sessions/`.
    public static func defaultPath(environment: Environment) -> String {
        if let directory = environment["ECR_SESSIONS_STATE_DIR"] {
            return environment.expandingTilde(directory) + "/cache.sqlite3"
        }
        // The XDG spec says a relative XDG_STATE_HOME is invalid and must be ignored.
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return state + "/ecr-sessions/cache.sqlite3"
        }
        return environment.homeDirectory + "/.local/state/ecr-sessions/cache.sqlite3"
    }

    /// Opens the cache at `path`, creating it (directories 0700, file 0600) and bringing its schema up to date.
    ///
    /// A file that is not a sound SQLite database of ours is refused, untouched: `CacheError.damage` says so, and
    /// `Cache.healing` moves such a file aside instead.
    ///
    /// - Parameters:
    ///   - busyTimeout: how long to wait for another process that holds the write lock.
    ///   - scan: whether to read every page (`PRAGMA quick_check`) for damage a first read would not meet; the
    ///     commands that run on every docker pull and monitoring poll leave that to the next refresh.
    public convenience init(path: String, busyTimeout: Duration = .seconds(10), scan: Bool = true) throws(CacheError) {
        try self.init(path: path, busyTimeout: busyTimeout, scan: scan, recovery: nil)
    }

    init(path: String, busyTimeout: Duration, scan: Bool = true, recovery: CacheRecovery?) throws(CacheError) {
        self.path = path
        self.recovery = recovery
        undoMirror = UndoMirror(cachePath: path)
        try CacheFile.prepare(path)
        let database: SQLiteDatabase
        do {
            database = try SQLiteDatabase(path: path)
            // The busy timeout comes first: checking, switching to WAL and migrating need locks another process may
            // hold.
            database.setBusyTimeout(milliseconds: Self.milliseconds(busyTimeout))
        } catch {
            throw CacheError(error)
        }
        // Before anything is written: another program's database must be left as it was.
        let tables = try Self.checkIsOurs(database, scan: scan)
        do {
            // WAL lets `status` read while a refresh writes. NORMAL sync is safe in WAL mode; at worst a power cut
            // loses the last write of a cache.
            try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
        } catch {
            throw CacheError(error)
        }
        // Tables just made by the migrations are all there; an up-to-date file missing one has lost it. Read again
        // before saying so: another process may have migrated since the check.
        let applied = try Self.migrate(database)
        if applied == 0, !tables.isEmpty, !Self.latestTables.isSubset(of: tables) {
            let missing = Self.latestTables.subtracting(try Self.tables(database))
            guard missing.isEmpty else {
                throw .corrupt(path: path, reason: "its tables \(missing.sorted().joined(separator: ", ")) are missing")
            }
        }
        connection = Mutex(database)
        // A new database takes the copy's records whoever creates it; writing an older database's records out is
        // left to the write commands (scan), so the ones that only read stay lean.
        let newDatabase = applied == Self.migrations.count
        if scan || newDatabase { try reconcileUndoMirror(newDatabase: newDatabase) }
    }

    // MARK: Registry logins

    /// Stores `login`, replacing the one for the same profile, region and registry.
    ///
    /// Throws `CacheError.tokenAlreadyExpired`, writing nothing, when the token expires no later than it was fetched,
    /// and `CacheError.implausibleExpiry` when it claims to live longer than `RegistryLogin.longestLifetime`.
    public func save(_ login: RegistryLogin) throws(CacheError) {
        try save([login])
    }

    /// Stores `logins` in one transaction: all of them, or none when one has already expired.
    public func save(_ logins: [RegistryLogin]) throws(CacheError) {
        try save(logins, replacingProfile: nil, region: nil)
    }

    /// Saves what one login of (`profile`, `region`) produced and forgets that pair's other registries, in one
    /// transaction: a registry dropped from `registry_ids` must not stay behind, expire and keep its job due.
    public func replaceLogins(profile: String, region: String, with logins: [RegistryLogin]) throws(CacheError) {
        try save(logins, replacingProfile: profile, region: region)
    }

    /// `replaceLogins(profile:region:with:)` and `record(attempt)` in one transaction: a login's two writes cost
    /// one commit (a sweep of a thousand accounts made two thousand). Nothing is written when either fails, so a
    /// caller can record the failure on its own, as it would have after `replaceLogins` failed.
    public func replaceLogins(
        profile: String, region: String, with logins: [RegistryLogin], recording attempt: LoginAttempt
    ) throws(CacheError) {
        try save(logins, replacingProfile: profile, region: region, recording: attempt)
    }

    private func save(
        _ logins: [RegistryLogin], replacingProfile profile: String?, region: String?,
        recording attempt: LoginAttempt? = nil
    ) throws(CacheError) {
        try Self.check(logins)
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try Self.save(logins, replacingProfile: profile, region: region, recording: attempt, in: database)
            }
        }
    }

    /// Refuses `logins` when one of them is absurd or already expired; nothing is written then.
    static func check(_ logins: [RegistryLogin]) throws(CacheError) {
        // Absurd first: the already-expired error shows its dates, and NaN is no date to show.
        if let absurd = logins.first(where: {
            !$0.expiresAt.timeIntervalSince1970.isFinite
                || $0.expiresAt.timeIntervalSince($0.fetchedAt) > RegistryLogin.longestLifetime
        }) {
            throw .implausibleExpiry(registry: absurd.registry)
        }
        if let expired = logins.first(where: { $0.expiresAt <= $0.fetchedAt }) {
            throw .tokenAlreadyExpired(
                registry: expired.registry, expiresAt: expired.expiresAt, fetchedAt: expired.fetchedAt)
        }
    }

    /// Stores `logins` (checked), forgetting the other registries of (`profile`, `region`) when given, and records
    /// `attempt`, inside the caller's transaction.
    static func save(
        _ logins: [RegistryLogin], replacingProfile profile: String?, region: String?, recording attempt: LoginAttempt?,
        in database: SQLiteDatabase
    ) throws(SQLiteError) {
        if let profile, let region {
            let kept = logins.map(\.registry)
            let placeholders = kept.indices.map { "?\($0 + 3)" }.joined(separator: ", ")
            try database.prepare(
                "DELETE FROM registry_logins WHERE profile = ?1 AND region = ?2"
                    + (kept.isEmpty ? "" : " AND registry NOT IN (\(placeholders))")
            ).run([.text(profile), .text(region)] + kept.map { .text($0) })
        }
        let upsert = try database.prepare(
            """
            INSERT INTO registry_logins (profile, region, registry, account_id, token, expires_at, fetched_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT (profile, region, registry) DO UPDATE SET
                account_id = excluded.account_id, token = excluded.token,
                expires_at = excluded.expires_at, fetched_at = excluded.fetched_at
            """)
        for login in logins {
            try upsert.run([
                .text(login.profile), .text(login.region), .text(login.registry), .text(login.accountID),
                .text(login.token.encoded), .real(login.expiresAt.timeIntervalSince1970),
                .real(login.fetchedAt.timeIntervalSince1970),
            ])
        }
        if let attempt { try insert(attempt, into: database) }
    }

    /// Every stored login, expired or not, sorted by profile, region and registry.
    public func logins() throws(CacheError) -> [RegistryLogin] {
        try readLogins("SELECT \(Self.loginColumns) FROM registry_logins ORDER BY profile, region, registry")
    }

    /// Every cached login as `logins()` reads it, but with an empty token: for `status` and the metrics, which
    /// never show one. A token is 2 to 3 KB; a thousand of them were read and copied for nothing. Read from the index
    /// `registry_logins_shown` alone.
    public func loginsWithoutTokens() throws(CacheError) -> [RegistryLogin] {
        try readLogins(
            """
            SELECT profile, region, registry, account_id, '' AS token, expires_at, fetched_at FROM registry_logins
            ORDER BY profile, region, registry
            """)
    }

    /// The login for `profile` in `region` that stays valid longest, if it is still valid at `date`.
    ///
    /// All registries of one (profile, region) share a token, so any of them serves `get-login-password`.
    public func freshLogin(profile: String, region: String, validAt date: Date) throws(CacheError) -> RegistryLogin? {
        try readLogins(
            """
            SELECT \(Self.loginColumns) FROM registry_logins WHERE profile = ?1 AND region = ?2 AND expires_at > ?3
            AND expires_at <= fetched_at + ?4
            ORDER BY expires_at DESC, registry LIMIT 1
            """,
            [.text(profile), .text(region), .real(date.timeIntervalSince1970), .real(RegistryLogin.longestLifetime)]
        ).first
    }

    /// Forgets the logins of `profile` (in `region`, or in every region when nil) and returns them, so that logout
    /// can remove exactly those registries from the files it wrote.
    @discardableResult
    public func removeLogins(profile: String, region: String? = nil) throws(CacheError) -> [RegistryLogin] {
        let filter = "WHERE profile = ?1 AND (?2 IS NULL OR region = ?2)"
        let values: [SQLiteValue] = [.text(profile), region.map { .text($0) } ?? .null]
        return try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                let removed = try Self.logins(
                    in: database,
                    "SELECT \(Self.loginColumns) FROM registry_logins \(filter) ORDER BY profile, region, registry",
                    values)
                try database.prepare("DELETE FROM registry_logins \(filter)").run(values)
                return removed
            }
        }
    }

    // MARK: Attempts

    /// Records one login attempt, keeping only the latest few per (profile, region).
    public func record(_ attempt: LoginAttempt) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in try Self.insert(attempt, into: database) }
        }
    }

    /// Inserts `attempt` and trims its (profile, region) to the latest `attemptsKept`, inside the caller's transaction.
    static func insert(_ attempt: LoginAttempt, into database: SQLiteDatabase) throws(SQLiteError) {
        try database.prepare(
            """
            INSERT INTO attempts (profile, region, started_at, finished_at, error)
            VALUES (?1, ?2, ?3, ?4, ?5)
            """
        ).run([
            .text(attempt.profile), .text(attempt.region), .real(attempt.startedAt.timeIntervalSince1970),
            .real(attempt.finishedAt.timeIntervalSince1970), attempt.error.map { .text($0) } ?? .null,
        ])
        // Everything older, in the order "latest" means, than the pair's `attemptsKept`-th latest: one walk down
        // `attempts_newest` to it, and nothing when there are fewer (the row value is NULL). `id NOT IN (the latest)`
        // built a temporary table of those ids and read every attempt of the pair, at every login.
        try database.prepare(
            """
            DELETE FROM attempts WHERE profile = ?1 AND region = ?2 AND (finished_at, id) < (
                SELECT finished_at, id FROM attempts WHERE profile = ?1 AND region = ?2
                ORDER BY finished_at DESC, id DESC LIMIT 1 OFFSET ?3)
            """
        ).run([.text(attempt.profile), .text(attempt.region), .integer(Int64(Self.attemptsKept - 1))])
    }

    /// The attempt that finished last for each (profile, region) (of those finishing together, the last recorded),
    /// sorted by profile and region.
    ///
    /// One row a pair, however many attempts each keeps: the `latest_attempts` table its triggers keep
    /// (`latestAttemptTableMigration`).
    public func latestAttempts() throws(CacheError) -> [LoginAttempt] {
        try withDatabase { database throws(SQLiteError) in
            var attempts: [LoginAttempt] = []
            try database.prepare(
                "SELECT profile, region, started_at, finished_at, error FROM latest_attempts ORDER BY profile, region"
            ).query { row throws(SQLiteError) in attempts.append(Self.attempt(row)) }
            return attempts
        }
    }

    /// The attempt in a row of `profile, region, started_at, finished_at, error`.
    static func attempt(_ row: SQLiteRow) -> LoginAttempt {
        LoginAttempt(
            profile: row.text(0) ?? "", region: row.text(1) ?? "", startedAt: Date(timeIntervalSince1970: row.real(2)),
            finishedAt: Date(timeIntervalSince1970: row.real(3)), error: row.text(4))
    }

    // MARK: Schema

    /// For each (profile, region) whose latest attempts failed: how many failed since the last success, and when
    /// the last one finished. The scheduler's backoff is derived from this, so cron runs honour it without any
    /// state of their own.
    public func failureStreaks() throws(CacheError) -> [FailureStreak] {
        try withDatabase { database throws(SQLiteError) in
            var streaks: [FailureStreak] = []
            try database.prepare(
                """
                WITH latest_success AS (
                    SELECT profile, region, MAX(finished_at) AS finished_at FROM attempts WHERE error IS NULL
                    GROUP BY profile, region),
                last_success AS (
                    SELECT b.profile, b.region, b.finished_at, MAX(b.id) AS id FROM attempts AS b
                    JOIN latest_success AS t
                        ON b.profile = t.profile AND b.region = t.region AND b.finished_at = t.finished_at
                    WHERE b.error IS NULL GROUP BY b.profile, b.region)
                SELECT a.profile, a.region, COUNT(*), MAX(a.finished_at) FROM attempts AS a
                LEFT JOIN last_success AS s ON s.profile = a.profile AND s.region = a.region
                -- After the last success, in the order latestAttempts() uses: a failure recorded in the same
                -- instant after a success (a token that could not be written) still counts.
                WHERE a.error IS NOT NULL AND (s.id IS NULL OR (a.finished_at, a.id) > (s.finished_at, s.id))
                GROUP BY a.profile, a.region ORDER BY a.profile, a.region
                """
            ).query { row throws(SQLiteError) in
                streaks.append(
                    FailureStreak(
                        profile: row.text(0) ?? "", region: row.text(1) ?? "", failures: Int(row.integer(2)),
                        lastFailureAt: Date(timeIntervalSince1970: row.real(3))))
            }
            return streaks
        }
    }

    /// The schema, one migration per version: a database's `user_version` counts the migrations applied to it.
    /// Append new migrations; never edit one that has shipped.
    static let migrations: [String] = [
        """
        CREATE TABLE registry_logins (
            profile TEXT NOT NULL,
            region TEXT NOT NULL,
            registry TEXT NOT NULL,
            account_id TEXT NOT NULL,
            token TEXT NOT NULL,
            expires_at REAL NOT NULL,
            fetched_at REAL NOT NULL,
            PRIMARY KEY (profile, region, registry),
            CHECK (expires_at > fetched_at)
        ) STRICT;
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            profile TEXT NOT NULL,
            region TEXT NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            error TEXT
        ) STRICT;
        -- For the latest attempt per (profile, region), and for pruning the oldest.
        CREATE INDEX attempts_by_account ON attempts (profile, region, finished_at);
        """,
        // What ecr-sessions wrote into registry config files, and how they were before, so logout can undo it;
        // and the user/password logins of `ecr-sessions login`, which are never refreshed.
        """
        CREATE TABLE written_files (
            file TEXT PRIMARY KEY,
            prior_state TEXT NOT NULL CHECK (prior_state IN ('noFile', 'noAuths', 'hadAuths')),
            original TEXT
        ) STRICT;
        CREATE TABLE written_entries (
            file TEXT NOT NULL REFERENCES written_files (file),
            host TEXT NOT NULL,
            profile TEXT,
            prior_auth TEXT,
            registered_helper INTEGER NOT NULL DEFAULT 0,
            prior_helper TEXT,
            PRIMARY KEY (file, host)
        ) STRICT;
        CREATE TABLE user_logins (
            host TEXT PRIMARY KEY,
            server_url TEXT NOT NULL,
            username TEXT NOT NULL,
            secret TEXT NOT NULL,
            saved_at REAL NOT NULL
        ) STRICT;
        """,
        // Temporary credentials of credential chains (assumed roles, credential_process, SSO, web identity), reused
        // until shortly before they expire so that many accounts assumed from one source do not call STS on every
        // refresh. `key` is a hash of the chain step's settings and its source, never a secret itself. See
        // Cache+Sessions.swift.
        """
        CREATE TABLE sessions (
            key TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            access_key_id TEXT NOT NULL,
            secret_access_key TEXT NOT NULL,
            session_token TEXT,
            expires_at REAL NOT NULL,
            stored_at REAL NOT NULL
        ) STRICT;
        """,
        // Undo records per target and place, opaque to the cache: a target that is not a JSON file (a Kubernetes
        // Secret, a test's folder) keeps its own. The docker-style files' records of migration 2 carry over in the
        // form RegistryAuthFile+Target.swift reads.
        """
        CREATE TABLE undo_places (
            kind TEXT NOT NULL,
            place TEXT NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (kind, place)
        ) STRICT;
        CREATE TABLE undo_entries (
            kind TEXT NOT NULL,
            place TEXT NOT NULL,
            host TEXT NOT NULL,
            owner TEXT,
            state TEXT NOT NULL,
            PRIMARY KEY (kind, place, host),
            FOREIGN KEY (kind, place) REFERENCES undo_places (kind, place)
        ) STRICT;
        CREATE INDEX undo_entries_by_owner ON undo_entries (owner);
        INSERT INTO undo_places (kind, place, state)
            SELECT 'registry-auth-file', file, json_object('prior', prior_state, 'original', original)
            FROM written_files;
        INSERT INTO undo_entries (kind, place, host, owner, state)
            SELECT 'registry-auth-file', file, host, profile,
                json_object('priorAuth', prior_auth, 'registeredHelper', json(iif(registered_helper, 'true', 'false')),
                    'priorHelper', prior_helper)
            FROM written_entries;
        DROP TABLE written_entries;
        DROP TABLE written_files;
        """,
        // latestAttempts() and failureStreaks() group by (profile, region) for the latest finish, and the streak
        // reads each attempt's error: an index holding all four answers both from the index alone.
        """
        CREATE INDEX attempts_latest ON attempts (profile, region, finished_at, error);
        DROP INDEX attempts_by_account;
        """,
        statusMigration,
        derivedMigration,
        latestAttemptMigration,
        changesMigration,
        latestAttemptTableMigration,
    ]

    /// Applies the migrations `database` lacks and returns how many that was.
    @discardableResult
    static func migrate(_ database: SQLiteDatabase) throws(CacheError) -> Int {
        let latest = migrations.count
        let found: Int
        let applied: Int
        do {
            // Read outside a transaction first, so that the common case (up to date) takes no write lock.
            let before = try userVersion(database)
            (found, applied) =
                try before >= latest
                ? (before, 0)
                : database.writeTransaction { () throws(SQLiteError) in
                    // Read again under the lock: another process may have migrated in between.
                    let version = try userVersion(database)
                    guard version < latest else { return (version, 0) }
                    for migration in migrations[version...] {
                        try database.execute(migration)
                    }
                    try database.execute("PRAGMA user_version = \(latest); PRAGMA application_id = \(applicationID)")
                    return (version, latest - version)
                }
        } catch {
            throw CacheError(error)
        }
        guard found <= latest else { throw .newerSchema(path: database.path, version: found, supported: latest) }
        return applied
    }

    private static func userVersion(_ database: SQLiteDatabase) throws(SQLiteError) -> Int {
        Int(try integer("PRAGMA user_version", database))
    }

    private static func integer(_ sql: String, _ database: SQLiteDatabase) throws(SQLiteError) -> Int64 {
        var value: Int64 = 0
        try database.prepare(sql).query { row throws(SQLiteError) in value = row.integer(0) }
        return value
    }

    // MARK: Ownership

    /// `PRAGMA application_id` of every cache file ("ECRS"), so that another program's SQLite file is told apart.
    static let applicationID: Int32 = 0x4543_5253

    /// Every table any migration creates: a database holding others is another program's.
    static let ownTables: Set<String> = Set(migrations.flatMap { tableNames(after: "CREATE TABLE ", in: $0) })

    /// The tables of a database with every migration applied.
    static let latestTables: Set<String> = migrations.reduce(into: Set<String>()) { tables, migration in
        tables.formUnion(tableNames(after: "CREATE TABLE ", in: migration))
        tables.subtract(tableNames(after: "DROP TABLE ", in: migration))
    }

    /// The names that follow `keyword` in `migration`, read on its bytes: every command opens the cache, and
    /// Foundation's `components(separatedBy:)` over the migrations cost 5 M instructions of each.
    private static func tableNames(after keyword: String, in migration: String) -> [String] {
        let text = Array(migration.utf8)
        let key = Array(keyword.utf8)
        var names: [String] = []
        var index = 0
        while index + key.count <= text.count {
            // The first byte alone rejects nearly every position, before a slice is compared.
            guard text[index] == key[0], text[index..<index + key.count].elementsEqual(key) else {
                index += 1
                continue
            }
            var end = index + key.count
            while end < text.count, text[end] != UInt8(ascii: " "), text[end] != UInt8(ascii: ";") { end += 1 }
            names.append(String(decoding: text[(index + key.count)..<end], as: UTF8.self))
            index = end
        }
        return names
    }

    /// Throws `CacheError.corrupt` when `PRAGMA quick_check` finds damage, `CacheError.foreign` for another program's
    /// database; marks one of ours made before the mark existed. SQLite's own "not a database" surfaces here too,
    /// from the first read. Returns the tables found.
    @discardableResult
    static func checkIsOurs(_ database: SQLiteDatabase, scan: Bool = true) throws(CacheError) -> Set<String> {
        let problems: [String]
        let application: Int64
        do {
            problems = scan ? try texts("PRAGMA quick_check(3)", database) : ["ok"]
            application = try integer("PRAGMA application_id", database)
        } catch {
            throw CacheError(error)
        }
        let tables = try Self.tables(database)
        guard problems == ["ok"] else {
            throw .corrupt(path: database.path, reason: "quick_check: " + problems.joined(separator: "; ").prefix(300))
        }
        guard application == 0 || application == Int64(applicationID) else {
            throw .foreign(path: database.path, reason: "its application_id is \(application), not \(applicationID)")
        }
        let strangers = tables.filter { !ownTables.contains($0) }.sorted()
        guard strangers.isEmpty else {
            throw .foreign(
                path: database.path,
                reason: "it holds tables ecr-sessions never made: " + strangers.prefix(5).joined(separator: ", "))
        }
        do {
            if application == 0, !tables.isEmpty, try userVersion(database) <= migrations.count {
                try database.execute("PRAGMA application_id = \(applicationID)")
            }
        } catch {
            throw CacheError(error)
        }
        return tables
    }

    private static func tables(_ database: SQLiteDatabase) throws(CacheError) -> Set<String> {
        do {
            return Set(
                try texts("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'", database))
        } catch {
            throw CacheError(error)
        }
    }

    private static func texts(_ sql: String, _ database: SQLiteDatabase) throws(SQLiteError) -> [String] {
        var values: [String] = []
        try database.prepare(sql).query { row throws(SQLiteError) in values.append(row.text(0) ?? "") }
        return values
    }

    // MARK: Helpers

    private static let loginColumns = "profile, region, registry, account_id, token, expires_at, fetched_at"

    private func readLogins(_ sql: String, _ values: [SQLiteValue] = []) throws(CacheError) -> [RegistryLogin] {
        try withDatabase { database throws(SQLiteError) in try Self.logins(in: database, sql, values) }
    }

    private static func logins(
        in database: SQLiteDatabase, _ sql: String, _ values: [SQLiteValue]
    ) throws(SQLiteError) -> [RegistryLogin] {
        var logins: [RegistryLogin] = []
        try database.prepare(sql).query(values) { row throws(SQLiteError) in
            // A row written before expiries were bounded (or by hand) may claim year 10000: read it as expired when
            // fetched, so it is renewed and shown as expired instead of trusted forever.
            let fetchedAt = Date(
                timeIntervalSince1970: min(max(row.real(6), 0), AWSTimestamp.latest.timeIntervalSince1970))
            let stored = Date(timeIntervalSince1970: row.real(5))
            logins.append(
                RegistryLogin(
                    profile: row.text(0) ?? "", accountID: row.text(3) ?? "", region: row.text(1) ?? "",
                    registry: row.text(2) ?? "", token: AuthorizationToken(encoded: row.text(4) ?? ""),
                    expiresAt: isPlausible(expiresAt: stored, fetchedAt: fetchedAt) ? stored : fetchedAt,
                    fetchedAt: fetchedAt))
        }
        return logins
    }

    /// Whether a token fetched at `fetchedAt` can really expire at `expiresAt`: later, and within
    /// `RegistryLogin.longestLifetime` (false for NaN and infinities too).
    private static func isPlausible(expiresAt: Date, fetchedAt: Date) -> Bool {
        let lifetime = expiresAt.timeIntervalSince(fetchedAt)
        return lifetime > 0 && lifetime <= RegistryLogin.longestLifetime
    }

    /// Runs `body` with the connection held, mapping SQLite's errors to `CacheError`.
    func withDatabase<T: Sendable>(
        _ body: (SQLiteDatabase) throws(SQLiteError) -> T
    ) throws(CacheError) -> T {
        do {
            return try connection.withLock { database throws(SQLiteError) in try body(database) }
        } catch {
            throw CacheError(error)
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: max(0, total))
    }
}

/// Consecutive failed attempts of one (profile, region), newest last.
public struct FailureStreak: Sendable, Equatable {
    public var profile: String
    public var region: String
    public var failures: Int
    public var lastFailureAt: Date
}
