public import Foundation

/// One line of `ecr-sessions status`: a registry (or a profile and region that has none yet), when its token
/// expires, when it was last fetched, and the last error. Never holds a token.
public struct StatusEntry: Sendable, Equatable {
    public var profile: String
    public var region: String
    public var accountID: String?
    public var registry: String?
    public var expiresAt: Date?
    public var fetchedAt: Date?
    public var lastAttemptAt: Date?
    public var lastError: String?

    /// Joins the cached logins with each (profile, region)'s latest attempt: one entry per registry, and one for a
    /// (profile, region) whose attempts never produced a registry.
    public static func entries(logins: [RegistryLogin], latestAttempts: [LoginAttempt]) -> [StatusEntry] {
        let attempts = Dictionary(latestAttempts.map { ($0.key, $0) }) { $1 }
        var entries: [StatusEntry] = []
        var covered: Set<ProfileRegion> = []
        for login in logins {
            let key = login.key
            covered.insert(key)
            let attempt = attempts[key]
            entries.append(
                StatusEntry(
                    profile: login.profile, region: login.region,
                    accountID: login.accountID.isEmpty ? nil : login.accountID,
                    registry: login.registry, expiresAt: login.expiresAt, fetchedAt: login.fetchedAt,
                    lastAttemptAt: attempt?.finishedAt, lastError: attempt?.error))
        }
        for (key, attempt) in attempts where !covered.contains(key) {
            entries.append(
                StatusEntry(
                    profile: key.profile, region: key.region, lastAttemptAt: attempt.finishedAt,
                    lastError: attempt.error))
        }
        return entries.sorted {
            ($0.profile, $0.region, $0.registry ?? "") < ($1.profile, $1.region, $1.registry ?? "")
        }
    }
}

extension StatusEntry {
    /// `status --json`: an array with one object per entry, times in ISO 8601 (UTC), absent values as null.
    public static func json(_ entries: [StatusEntry]) -> String {
        func value(_ text: String?) -> Any { text ?? NSNull() }
        func value(_ date: Date?) -> Any { date.map { $0.formatted(.iso8601) } ?? NSNull() }
        return JSONText.render(
            entries.map { entry -> [String: Any] in
                [
                    "profile": entry.profile,
                    "account": value(entry.accountID),
                    "region": entry.region,
                    "registry": value(entry.registry),
                    "expires_at": value(entry.expiresAt),
                    "fetched_at": value(entry.fetchedAt),
                    "last_attempt_at": value(entry.lastAttemptAt),
                    "last_error": value(entry.lastError),
                ]
            })
    }
}

extension Actions {
    /// `status`: where every registry stands, from the cache alone: no network, no AWS files.
    public struct Status: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        public func run() throws(CacheError) -> [StatusEntry] {
            let cache = try context.cache()
            return StatusEntry.entries(logins: try cache.logins(), latestAttempts: try cache.latestAttempts())
        }
    }
}
