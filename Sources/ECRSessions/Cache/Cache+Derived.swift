import Foundation

/// What a run derived from the configuration files, kept for the next run while its inputs are unchanged: the
/// `derived_values` table. The cache knows neither the inputs nor the value: both are opaque text to it (a key the
/// caller makes from what the value depends on, and the value in the caller's encoding).
extension Cache {
    /// The migration of the derived values, one row per kind (`accounts`), replaced whole. Appended to
    /// `Cache.migrations`.
    static let derivedMigration = """
        CREATE TABLE derived_values (
            kind TEXT PRIMARY KEY,
            inputs TEXT NOT NULL,
            value TEXT NOT NULL
        ) STRICT;
        """

    /// The value of `kind` stored for exactly `inputs`, or nil when there is none or it was made from others.
    public func derivedValue(kind: String, inputs: String) throws(CacheError) -> String? {
        try withDatabase { database throws(SQLiteError) in
            var found: String?
            try database.prepare("SELECT value FROM derived_values WHERE kind = ?1 AND inputs = ?2")
                .query([.text(kind), .text(inputs)]) { row throws(SQLiteError) in found = row.text(0) }
            return found
        }
    }

    /// Keeps `value` as what `inputs` give for `kind`, replacing the value of any other inputs.
    public func saveDerivedValue(_ value: String, kind: String, inputs: String) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.prepare("INSERT OR REPLACE INTO derived_values (kind, inputs, value) VALUES (?1, ?2, ?3)")
                .run([.text(kind), .text(inputs), .text(value)])
        }
    }
}
