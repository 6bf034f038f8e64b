public import Foundation

/// Temporary credentials kept between runs: the `sessions` table.
///
/// The secrets are stored as they are, in a file only its owner may read (0600), like the AWS CLI's own
/// `~/.aws/cli/cache`. Nothing here ever puts them in an error or a log: SQLite's messages do not quote bound values.
extension Cache {
    /// The credentials stored under `key`, if they stay valid until `date`.
    public func session(key: String, validUntil date: Date) throws(CacheError) -> AWSCredentials? {
        try withDatabase { database throws(SQLiteError) in
            var found: AWSCredentials?
            try database.prepare(
                """
                SELECT access_key_id, secret_access_key, session_token, expires_at FROM sessions
                WHERE key = ?1 AND expires_at > ?2
                """
            ).query([.text(key), .real(date.timeIntervalSince1970)]) { row throws(SQLiteError) in
                found = AWSCredentials(
                    accessKeyID: row.text(0) ?? "", secretAccessKey: row.text(1) ?? "", sessionToken: row.text(2),
                    expiration: Date(timeIntervalSince1970: row.real(3)))
            }
            return found
        }
    }

    /// Keeps `credentials` under `key` until they expire, replacing what was there, and forgets every session
    /// that has expired by `now`. `label` says what they are for someone reading the file (no secret).
    ///
    /// Credentials without an expiration are not temporary and are not stored.
    public func saveSession(_ credentials: AWSCredentials, key: String, label: String, now: Date) throws(CacheError) {
        guard let expiration = credentials.expiration, expiration > now else { return }
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try database.prepare("DELETE FROM sessions WHERE expires_at <= ?1").run([
                    .real(now.timeIntervalSince1970)
                ])
                try database.prepare(
                    """
                    INSERT OR REPLACE INTO sessions
                        (key, label, access_key_id, secret_access_key, session_token, expires_at, stored_at)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                    """
                ).run([
                    .text(key), .text(label), .text(credentials.accessKeyID), .text(credentials.secretAccessKey),
                    credentials.sessionToken.map { .text($0) } ?? .null, .real(expiration.timeIntervalSince1970),
                    .real(now.timeIntervalSince1970),
                ])
            }
        }
    }
}
