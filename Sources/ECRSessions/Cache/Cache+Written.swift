public import Foundation

/// A registry config file ecr-sessions has written, as the cache remembers it: how it was before the first write,
/// and the entries still there to undo.
public struct WrittenFile: Sendable, Equatable {
    /// One host's entries in the file, and who wrote them.
    public struct Entry: Sendable, Equatable {
        public var written: RegistryAuthFile.WrittenEntry
        /// The profile whose login was written; nil for a user/password login (`ecr-sessions login`).
        public var profile: String?

        public init(written: RegistryAuthFile.WrittenEntry, profile: String?) {
            self.written = written
            self.profile = profile
        }
    }

    public var path: String
    /// The file's state before ecr-sessions first wrote it.
    public var prior: RegistryAuthFile.PriorState
    /// The file's bytes before ecr-sessions first wrote it; nil when there was no file.
    public var original: Data?
    public var entries: [Entry]
}

/// Which written entries to look up.
public enum WrittenSelection: Sendable, Equatable {
    /// Those written for these profiles.
    case profiles([String])
    /// Every profile's (not user/password logins).
    case everyProfile
    /// Those for these hosts, whoever wrote them.
    case hosts([String])
}

/// A user/password login (Docker Hub and the like), written by `ecr-sessions login` and never refreshed.
public struct UserLogin: Sendable, Equatable, CustomStringConvertible {
    /// The registry host, as credential helpers are asked about it, e.g. `index.docker.io`.
    public var host: String
    /// The key of the `auths` entry, e.g. `https://index.docker.io/v1/` for Docker Hub.
    public var serverURL: String
    public var username: String
    public var secret: String
    public var savedAt: Date

    public init(host: String, serverURL: String, username: String, secret: String, savedAt: Date) {
        self.host = host
        self.serverURL = serverURL
        self.username = username
        self.secret = secret
        self.savedAt = savedAt
    }

    /// The `auth` value docker keeps: base64 of `username:secret`.
    public var token: AuthorizationToken {
        AuthorizationToken(encoded: Data("\(username):\(secret)".utf8).base64EncodedString())
    }

    public var description: String { "\(username) at \(host)" }
}

extension Cache {
    // MARK: Written entries

    /// Remembers what `update` (one `RegistryAuthFile.set` on `file`) wrote for `profile` (nil: a user login).
    ///
    /// The file's prior state and bytes, and each host's prior entries, are kept from the first write only: later
    /// writes find ecr-sessions' own entries, which logout must not put back. A helper registered later is added.
    public func recordWritten(file: String, update: RegistryAuthFile.Update, profile: String?) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try database.prepare(
                    "INSERT INTO written_files (file, prior_state, original) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING"
                ).run([
                    .text(file), .text(update.prior.name),
                    update.original.map { .text(String(decoding: $0, as: UTF8.self)) } ?? .null,
                ])
                let upsert = try database.prepare(
                    """
                    INSERT INTO written_entries (file, host, profile, prior_auth, registered_helper, prior_helper)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                    ON CONFLICT (file, host) DO UPDATE SET
                        profile = excluded.profile,
                        prior_helper = CASE WHEN registered_helper = 0 THEN excluded.prior_helper ELSE prior_helper END,
                        registered_helper = MAX(registered_helper, excluded.registered_helper)
                    """)
                for entry in update.written.values.sorted(by: { $0.host < $1.host }) {
                    try upsert.run([
                        .text(file), .text(entry.host), profile.map { .text($0) } ?? .null,
                        entry.priorAuth.map { .text($0) } ?? .null, .integer(entry.registeredHelper ? 1 : 0),
                        entry.priorHelper.map { .text($0) } ?? .null,
                    ])
                }
            }
        }
    }

    /// The files holding entries that `selection` names, each with only those entries, sorted by path and host.
    public func writtenFiles(_ selection: WrittenSelection) throws(CacheError) -> [WrittenFile] {
        let (filter, values): (String, [SQLiteValue]) =
            switch selection {
            case .profiles(let profiles):
                ("e.profile IN (SELECT value FROM json_each(?1))", [.text(Self.jsonArray(profiles))])
            case .everyProfile:
                ("e.profile IS NOT NULL", [])
            case .hosts(let hosts):
                ("e.host IN (SELECT value FROM json_each(?1))", [.text(Self.jsonArray(hosts))])
            }
        return try withDatabase { database throws(SQLiteError) in
            var files: [WrittenFile] = []
            try database.prepare(
                """
                SELECT f.file, f.prior_state, f.original, e.host, e.profile, e.prior_auth, e.registered_helper,
                       e.prior_helper
                FROM written_entries AS e JOIN written_files AS f ON f.file = e.file
                WHERE \(filter) ORDER BY f.file, e.host
                """
            ).query(values) { row throws(SQLiteError) in
                let path = row.text(0) ?? ""
                let entry = WrittenFile.Entry(
                    written: RegistryAuthFile.WrittenEntry(
                        host: row.text(3) ?? "", priorAuth: row.text(5), registeredHelper: row.integer(6) != 0,
                        priorHelper: row.text(7)),
                    profile: row.text(4))
                if files.last?.path == path {
                    files[files.count - 1].entries.append(entry)
                } else {
                    files.append(
                        WrittenFile(
                            path: path, prior: RegistryAuthFile.PriorState(name: row.text(1) ?? "") ?? .hadAuths,
                            original: row.text(2).map { Data($0.utf8) }, entries: [entry]))
                }
            }
            return files
        }
    }

    /// Forgets the entries of `hosts` in `file`, and the file itself once none is left.
    public func forgetWritten(file: String, hosts: [String]) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try database.prepare(
                    "DELETE FROM written_entries WHERE file = ?1 AND host IN (SELECT value FROM json_each(?2))"
                ).run([.text(file), .text(Self.jsonArray(hosts))])
                try database.prepare(
                    "DELETE FROM written_files WHERE file = ?1 AND NOT EXISTS (SELECT 1 FROM written_entries WHERE file = ?1)"
                ).run([.text(file)])
            }
        }
    }

    // MARK: Logins by registry

    /// Forgets every cached ECR login for `registry` and returns them.
    @discardableResult
    public func removeLogins(registry: String) throws(CacheError) -> [RegistryLogin] {
        let removed = try logins().filter { $0.registry == registry }
        try withDatabase { database throws(SQLiteError) in
            try database.prepare("DELETE FROM registry_logins WHERE registry = ?1").run([.text(registry)])
        }
        return removed
    }

    // MARK: User logins

    /// Stores `login`, replacing the one for the same host.
    public func save(_ login: UserLogin) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.prepare(
                """
                INSERT INTO user_logins (host, server_url, username, secret, saved_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (host) DO UPDATE SET server_url = excluded.server_url, username = excluded.username,
                    secret = excluded.secret, saved_at = excluded.saved_at
                """
            ).run([
                .text(login.host), .text(login.serverURL), .text(login.username), .text(login.secret),
                .real(login.savedAt.timeIntervalSince1970),
            ])
        }
    }

    /// Every user/password login, sorted by host.
    public func userLogins() throws(CacheError) -> [UserLogin] {
        try withDatabase { database throws(SQLiteError) in
            var logins: [UserLogin] = []
            try database.prepare("SELECT host, server_url, username, secret, saved_at FROM user_logins ORDER BY host")
                .query { row throws(SQLiteError) in
                    logins.append(
                        UserLogin(
                            host: row.text(0) ?? "", serverURL: row.text(1) ?? "", username: row.text(2) ?? "",
                            secret: row.text(3) ?? "", savedAt: Date(timeIntervalSince1970: row.real(4))))
                }
            return logins
        }
    }

    /// Forgets the user login for `host`; true when there was one.
    @discardableResult
    public func removeUserLogin(host: String) throws(CacheError) -> Bool {
        let existed = try userLogins().contains { $0.host == host }
        try withDatabase { database throws(SQLiteError) in
            try database.prepare("DELETE FROM user_logins WHERE host = ?1").run([.text(host)])
        }
        return existed
    }

    /// A JSON array of strings, bound as one parameter and unpacked with `json_each` for `IN` lists.
    private static func jsonArray(_ strings: [String]) -> String {
        "[" + strings.map(JSONText.quoted).joined(separator: ",") + "]"
    }
}

extension RegistryAuthFile.PriorState {
    /// The name stored in the cache.
    var name: String {
        switch self {
        case .noFile: "noFile"
        case .noAuths: "noAuths"
        case .hadAuths: "hadAuths"
        }
    }

    init?(name: String) {
        switch name {
        case "noFile": self = .noFile
        case "noAuths": self = .noAuths
        case "hadAuths": self = .hadAuths
        default: return nil
        }
    }
}
