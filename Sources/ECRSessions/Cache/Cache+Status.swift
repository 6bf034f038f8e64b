public import Foundation

/// A job as the last refresh knew it: the account it belongs to, filed under its (profile, region).
public struct ConfiguredJob: Sendable, Equatable {
    /// The account's name: the `[account NAME]`, or the profile in zero-config use.
    public var account: String
    public var profile: String
    public var region: String

    public init(account: String, profile: String, region: String) {
        self.account = account
        self.profile = profile
        self.region = region
    }

    public var key: ProfileRegion { ProfileRegion(profile: profile, region: region) }
}

/// What the last refresh (or daemon pass) recorded for `status`: the jobs it was configured with, its refresh
/// window and how long it took, so that `status` knows what is configured without reading the config or AWS files.
public struct RefreshRecord: Sendable, Equatable {
    public var jobs: [ConfiguredJob]
    /// `refresh_before` at the time; nil means a quarter of each token's life.
    public var refreshBefore: Duration?
    public var startedAt: Date
    public var finishedAt: Date

    public init(jobs: [ConfiguredJob], refreshBefore: Duration?, startedAt: Date, finishedAt: Date) {
        self.jobs = jobs
        self.refreshBefore = refreshBefore
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension Cache {
    /// The migration `status` needs: the configured jobs and the last refresh run, both replaced whole by each
    /// refresh. Appended to `Cache.migrations`.
    static let statusMigration = """
        CREATE TABLE configured_jobs (
            profile TEXT NOT NULL,
            region TEXT NOT NULL,
            account TEXT NOT NULL,
            PRIMARY KEY (profile, region)
        ) STRICT;
        CREATE TABLE refresh_runs (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            refresh_before REAL
        ) STRICT;
        """

    /// The index `latestAttempts()` walked (before `latest_attempts`), appended to `Cache.migrations` after the
    /// derived values: each pair's attempts in the order "latest" means (finish, then the last recorded), so that the
    /// newest of a pair is one index seek away however many attempts are kept; with the error after them, so that
    /// `failureStreaks()` still reads the index alone. It replaces `attempts_latest`, whose error came before the id.
    static let latestAttemptMigration = """
        CREATE INDEX attempts_newest ON attempts (profile, region, finished_at, id, error);
        DROP INDEX attempts_latest;
        """

    /// The latest attempt of each (profile, region), kept by triggers as attempts are recorded, pruned and forgotten,
    /// appended to `Cache.migrations` after `attempts_newest`: `status` reads it in one pass, a row a pair, where
    /// walking the index from pair to pair took three seeks a pair (15 M instructions at 1,000 pairs). "Latest" is
    /// as `attempts_newest` orders them: the last to finish, of those finishing together the last recorded. The
    /// write paths stay as they are; SQLite runs the triggers inside their statements. With it, an index of the
    /// logins without their tokens, and one of the configured jobs, from which `loginsWithoutTokens()` and
    /// `lastRefresh()` read in order with no table look-up a row.
    static let latestAttemptTableMigration = """
        CREATE INDEX registry_logins_shown
            ON registry_logins (profile, region, registry, account_id, expires_at, fetched_at);
        CREATE INDEX configured_jobs_shown ON configured_jobs (profile, region, account);
        CREATE TABLE latest_attempts (
            profile TEXT NOT NULL,
            region TEXT NOT NULL,
            id INTEGER NOT NULL,
            started_at REAL NOT NULL,
            finished_at REAL NOT NULL,
            error TEXT,
            PRIMARY KEY (profile, region)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO latest_attempts (profile, region, id, started_at, finished_at, error)
            SELECT profile, region, id, started_at, finished_at, error FROM (
                SELECT *, row_number() OVER (PARTITION BY profile, region ORDER BY finished_at DESC, id DESC) AS rank
                FROM attempts)
            WHERE rank = 1;
        CREATE TRIGGER latest_attempt_recorded AFTER INSERT ON attempts
        WHEN NOT EXISTS (SELECT 1 FROM latest_attempts WHERE profile = NEW.profile AND region = NEW.region
            AND (finished_at > NEW.finished_at OR (finished_at = NEW.finished_at AND id > NEW.id)))
        BEGIN
            INSERT OR REPLACE INTO latest_attempts (profile, region, id, started_at, finished_at, error)
            VALUES (NEW.profile, NEW.region, NEW.id, NEW.started_at, NEW.finished_at, NEW.error);
        END;
        -- Pruning never removes a pair's latest; forgetting a pair removes them all, the latest among them.
        CREATE TRIGGER latest_attempt_forgotten AFTER DELETE ON attempts
        WHEN OLD.id = (SELECT id FROM latest_attempts WHERE profile = OLD.profile AND region = OLD.region)
        BEGIN
            DELETE FROM latest_attempts WHERE profile = OLD.profile AND region = OLD.region;
            INSERT INTO latest_attempts (profile, region, id, started_at, finished_at, error)
                SELECT profile, region, id, started_at, finished_at, error FROM attempts
                WHERE profile = OLD.profile AND region = OLD.region ORDER BY finished_at DESC, id DESC LIMIT 1;
        END;
        -- Nothing updates an attempt today; one that did would still leave both pairs' latest right.
        CREATE TRIGGER latest_attempt_changed AFTER UPDATE ON attempts
        BEGIN
            DELETE FROM latest_attempts
            WHERE (profile = OLD.profile AND region = OLD.region) OR (profile = NEW.profile AND region = NEW.region);
            INSERT INTO latest_attempts (profile, region, id, started_at, finished_at, error)
                SELECT profile, region, id, started_at, finished_at, error FROM attempts
                WHERE profile = OLD.profile AND region = OLD.region ORDER BY finished_at DESC, id DESC LIMIT 1;
            INSERT OR IGNORE INTO latest_attempts (profile, region, id, started_at, finished_at, error)
                SELECT profile, region, id, started_at, finished_at, error FROM attempts
                WHERE profile = NEW.profile AND region = NEW.region ORDER BY finished_at DESC, id DESC LIMIT 1;
        END;
        """

    /// Replaces the recorded configuration with `record`, and forgets the logins and attempts of every
    /// (profile, region) it does not name: an account removed from the config must not stay in `status` for ever.
    /// Returns the pairs forgotten.
    @discardableResult
    public func recordRefresh(_ record: RefreshRecord) throws(CacheError) -> [ProfileRegion] {
        // In key order: the fingerprint's, and the rows' (each insert lands after the last, in both indexes).
        let wanted = Dictionary(record.jobs.map { ($0.key, $0.account) }) { _, last in last }.sorted { $0.key < $1.key }
        let fingerprint = Self.fingerprint(ofSortedJobs: wanted)
        return try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                // Most runs find the configuration as the last one left it. Its fingerprint, saved with it in this
                // transaction, tells so without reading 1,000 rows back (a third of an idle refresh's cache work).
                var recorded: String?
                try database.prepare("SELECT inputs FROM derived_values WHERE kind = ?1")
                    .query([.text(Self.configuredJobsKind)]) { row throws(SQLiteError) in recorded = row.text(0) }
                if recorded != fingerprint {
                    try database.execute("DELETE FROM configured_jobs")
                    let insert = try database.prepare(
                        "INSERT OR REPLACE INTO configured_jobs (profile, region, account) VALUES (?1, ?2, ?3)")
                    for (key, account) in wanted {
                        try insert.run([.text(key.profile), .text(key.region), .text(account)])
                    }
                    try database.prepare("INSERT OR REPLACE INTO derived_values (kind, inputs, value) VALUES (?1, ?2, '')")
                        .run([.text(Self.configuredJobsKind), .text(fingerprint)])
                }
                // What the cache holds for jobs no longer configured, found by SQLite against the table just made.
                var stale: Set<ProfileRegion> = []
                for table in ["registry_logins", "attempts"] {
                    try database.prepare(
                        """
                        SELECT DISTINCT profile, region FROM \(table) AS held WHERE NOT EXISTS
                            (SELECT 1 FROM configured_jobs AS c WHERE c.profile = held.profile AND c.region = held.region)
                        """
                    ).query { row throws(SQLiteError) in
                        stale.insert(ProfileRegion(profile: row.text(0) ?? "", region: row.text(1) ?? ""))
                    }
                }
                for key in stale {
                    for table in ["registry_logins", "attempts"] {
                        try database.prepare("DELETE FROM \(table) WHERE profile = ?1 AND region = ?2")
                            .run([.text(key.profile), .text(key.region)])
                    }
                }
                try database.prepare(
                    """
                    INSERT OR REPLACE INTO refresh_runs (id, started_at, finished_at, refresh_before)
                    VALUES (1, ?1, ?2, ?3)
                    """
                ).run([
                    .real(record.startedAt.timeIntervalSince1970), .real(record.finishedAt.timeIntervalSince1970),
                    record.refreshBefore.map { .real($0.seconds) } ?? .null,
                ])
                return stale.sorted()
            }
        }
    }

    /// The `derived_values` row whose `inputs` fingerprint the rows of `configured_jobs`.
    static let configuredJobsKind = "configured-jobs"

    /// A fingerprint of the configured jobs (account by pair), sorted by pair: not in a dictionary's order.
    private static func fingerprint(ofSortedJobs jobs: [(key: ProfileRegion, value: String)]) -> String {
        var fingerprint = Fingerprint()
        for (key, account) in jobs {
            for part in [key.profile, key.region, account] {
                fingerprint.add(part)
                fingerprint.add(byte: 0x1F)
            }
            fingerprint.add(byte: 0x1E)
        }
        return "\(jobs.count) \(fingerprint.hex)"
    }

    /// What the last refresh recorded, or nil when no refresh has run against this cache yet; its jobs in profile
    /// and region order, which SQLite reads from `configured_jobs_shown` without sorting or a table look-up a row
    /// (3.4 M instructions at 1,000 jobs in account order, 1.4 M so).
    public func lastRefresh() throws(CacheError) -> RefreshRecord? {
        try withDatabase { database throws(SQLiteError) in
            var record: RefreshRecord?
            try database.prepare("SELECT started_at, finished_at, refresh_before FROM refresh_runs WHERE id = 1")
                .query { row throws(SQLiteError) in
                    record = RefreshRecord(
                        jobs: [], refreshBefore: row.text(2).flatMap(Double.init).map { .milliseconds($0 * 1000) },
                        startedAt: Date(timeIntervalSince1970: row.real(0)),
                        finishedAt: Date(timeIntervalSince1970: row.real(1)))
                }
            guard var found = record else { return nil }
            try database.prepare("SELECT account, profile, region FROM configured_jobs ORDER BY profile, region")
                .query { row throws(SQLiteError) in
                    found.jobs.append(
                        ConfiguredJob(
                            account: row.text(0) ?? "", profile: row.text(1) ?? "", region: row.text(2) ?? ""))
                }
            return found
        }
    }
}

extension Cache {
    /// `failureStreaks()` for `status`, given `latestAttempts()`: only a pair whose latest attempt failed has a streak
    /// (every attempt after its last success failed, the latest among them), so only those pairs' attempts are read,
    /// from their last success on. `failureStreaks()` reads every attempt kept, fifty a pair at most.
    public func failureStreaks(latest: [LoginAttempt]) throws(CacheError) -> [FailureStreak] {
        let failing = latest.filter { $0.error != nil }
        guard !failing.isEmpty else { return [] }
        return try withDatabase { database throws(SQLiteError) in
            var streaks: [FailureStreak] = []
            let count = try database.prepare(
                """
                WITH success AS (
                    SELECT finished_at, id FROM attempts WHERE profile = ?1 AND region = ?2 AND error IS NULL
                    ORDER BY finished_at DESC, id DESC LIMIT 1)
                SELECT COUNT(*), MAX(finished_at) FROM attempts
                WHERE profile = ?1 AND region = ?2 AND error IS NOT NULL
                    -- After the last success in the order latestAttempts() uses, as failureStreaks() counts.
                    AND (finished_at, id) > (
                        coalesce((SELECT finished_at FROM success), -9e999), coalesce((SELECT id FROM success), 0))
                """)
            for attempt in failing {
                try count.query([.text(attempt.profile), .text(attempt.region)]) { row throws(SQLiteError) in
                    guard row.integer(0) > 0 else { return }
                    streaks.append(
                        FailureStreak(
                            profile: attempt.profile, region: attempt.region, failures: Int(row.integer(0)),
                            lastFailureAt: Date(timeIntervalSince1970: row.real(1))))
                }
            }
            return streaks
        }
    }
}
