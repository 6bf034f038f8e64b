public import Foundation

/// Where one registry stands, in the words `status` prints (`--json` and `--prometheus` use `rawValue`).
public enum RegistryState: String, Sendable, Equatable, CaseIterable {
    case ok
    /// Valid, but inside the refresh window (or `--within`): the next refresh renews it.
    case renewingSoon = "renewing_soon"
    case expired
    /// The last attempt failed while the cached token still works.
    case failing
    /// Configured, but no login has ever succeeded.
    case neverLoggedIn = "never_logged_in"
    /// In the cache, but the last refresh was not configured with it: that refresh's successor prunes it.
    case notConfigured = "not_configured"

    /// The state in words, for people.
    public var words: String {
        switch self {
        case .ok: "ok"
        case .renewingSoon: "renewing soon"
        case .expired: "expired"
        case .failing: "failing"
        case .neverLoggedIn: "never logged in"
        case .notConfigured: "no longer configured"
        }
    }

    /// How much a monitoring check minds this state.
    public var severity: CheckOutcome {
        switch self {
        case .ok, .notConfigured: .ok
        case .renewingSoon, .failing: .warning
        case .expired, .neverLoggedIn: .critical
        }
    }
}

/// One line of `ecr-sessions status`: a registry (or a profile and region that has none yet), when its token
/// expires, when it was last fetched, and the last error. Never holds a token.
public struct StatusEntry: Sendable, Equatable {
    /// The account the registry belongs to: its `[account]` name, else the profile.
    public var account: String
    public var profile: String
    public var region: String
    public var accountID: String?
    public var registry: String?
    public var expiresAt: Date?
    public var fetchedAt: Date?
    public var lastAttemptAt: Date?
    /// How long the latest attempt took.
    public var lastAttemptDuration: TimeInterval?
    public var lastError: String?
    /// When the next refresh renews (or retries) it; nil when nothing is scheduled.
    public var nextRenewalAt: Date?
    /// Failed attempts since the last success.
    public var consecutiveFailures: Int
    public var state: RegistryState

    public init(
        account: String? = nil, profile: String, region: String, accountID: String? = nil, registry: String? = nil,
        expiresAt: Date? = nil, fetchedAt: Date? = nil, lastAttemptAt: Date? = nil,
        lastAttemptDuration: TimeInterval? = nil, lastError: String? = nil, nextRenewalAt: Date? = nil,
        consecutiveFailures: Int = 0, state: RegistryState = .ok
    ) {
        self.account = account ?? profile
        self.profile = profile
        self.region = region
        self.accountID = accountID
        self.registry = registry
        self.expiresAt = expiresAt
        self.fetchedAt = fetchedAt
        self.lastAttemptAt = lastAttemptAt
        self.lastAttemptDuration = lastAttemptDuration
        self.lastError = lastError
        self.nextRenewalAt = nextRenewalAt
        self.consecutiveFailures = consecutiveFailures
        self.state = state
    }

    /// Joins the cached logins with each (profile, region)'s latest attempt: one entry per registry, and one for a
    /// (profile, region) whose attempts never produced a registry. States are left `.ok`: `StatusReport` sets them.
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
                    lastAttemptAt: attempt?.finishedAt, lastAttemptDuration: attempt?.duration,
                    lastError: attempt?.error))
        }
        for (key, attempt) in attempts where !covered.contains(key) {
            entries.append(
                StatusEntry(
                    profile: key.profile, region: key.region, lastAttemptAt: attempt.finishedAt,
                    lastAttemptDuration: attempt.duration, lastError: attempt.error))
        }
        return entries.sorted {
            ($0.profile, $0.region, $0.registry ?? "") < ($1.profile, $1.region, $1.registry ?? "")
        }
    }
}

extension LoginAttempt {
    var duration: TimeInterval { max(0, finishedAt.timeIntervalSince(startedAt)) }
}

extension Actions {
    /// `status`: where every registry stands, from the cache alone: no network, no config or AWS files. What is
    /// configured, and the refresh window, come from what the last refresh recorded in the cache.
    public struct Status: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// The entries, in profile, region and registry order.
        public func run() throws(CacheError) -> [StatusEntry] {
            try report().entries.sorted {
                ($0.profile, $0.region, $0.registry ?? "") < ($1.profile, $1.region, $1.registry ?? "")
            }
        }

        /// Every registry's state, with `warnWithin` as the "renewing soon" horizon (nil: the refresh window).
        public func report(warnWithin: Duration? = nil) throws(CacheError) -> StatusReport {
            let cache = try context.cache(scan: false)
            let latestAttempts = try cache.latestAttempts()
            return StatusReport(
                snapshot: StatusSnapshot(
                    logins: try cache.loginsWithoutTokens(), latestAttempts: latestAttempts,
                    streaks: try cache.failureStreaks(latest: latestAttempts), userLogins: try cache.userLogins(),
                    lastRefresh: try cache.lastRefresh()),
                now: context.clock.now(), warnWithin: warnWithin)
        }
    }
}
