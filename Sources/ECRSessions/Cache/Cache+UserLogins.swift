public import Foundation

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
}
