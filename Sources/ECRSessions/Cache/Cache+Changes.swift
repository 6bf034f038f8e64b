public import Foundation

/// A count of every change to what a refresh plans from: the logins, the attempts and the undo records. Kept by
/// triggers, so that no writer (this version's or a later one's, a test's, `sqlite3` by hand) can change those
/// tables without the count moving; a refresh that finds the count where the last one left it knows the cache holds
/// what that run planned from, without reading a thousand rows again (`QuietRefresh`).
extension Cache {
    /// The migration of the count: one row, and the triggers of the tables counted from the start. Appended to
    /// `Cache.migrations`; like every migration it never changes once shipped, so a table counted later gets its
    /// triggers (`countingTriggers(on:)`) in a migration of its own.
    static let changesMigration =
        """
        CREATE TABLE cache_changes (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            count INTEGER NOT NULL
        ) STRICT;
        INSERT INTO cache_changes (id, count) VALUES (1, 0);

        """ + countingTriggers(on: ["registry_logins", "attempts", "undo_places", "undo_entries"])

    /// Triggers that move the count on every insert, update and delete of each of `tables`.
    static func countingTriggers(on tables: [String]) -> String {
        tables.flatMap { table in
            ["INSERT", "UPDATE", "DELETE"].map { event in
                """
                CREATE TRIGGER \(table)_\(event.lowercased())_counted AFTER \(event) ON \(table)
                BEGIN UPDATE cache_changes SET count = count + 1 WHERE id = 1; END;

                """
            }
        }.joined()
    }

    /// How many changes the counted tables have had since the cache was made; nil when its row is gone (then no
    /// count can be trusted).
    public func changeCount() throws(CacheError) -> Int64? {
        try withDatabase { database throws(SQLiteError) in
            var count: Int64?
            try database.prepare("SELECT count FROM cache_changes WHERE id = 1").query { row throws(SQLiteError) in
                count = row.integer(0)
            }
            return count
        }
    }

    /// Moves the last refresh's start and finish to these times, keeping what it recorded of the configuration:
    /// the record of a refresh that found everything as the last one left it. False when no refresh was recorded.
    public func recordRefreshTimes(startedAt: Date, finishedAt: Date) throws(CacheError) -> Bool {
        try withDatabase { database throws(SQLiteError) in
            var updated = false
            try database.prepare("UPDATE refresh_runs SET started_at = ?1, finished_at = ?2 WHERE id = 1 RETURNING id")
                .query([.real(startedAt.timeIntervalSince1970), .real(finishedAt.timeIntervalSince1970)]) { _ in
                    updated = true
                }
            return updated
        }
    }
}
