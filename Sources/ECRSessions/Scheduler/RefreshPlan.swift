public import Foundation

/// What a refresh run should do now, and when the next thing falls due.
public struct RefreshPlan: Sendable, Equatable {
    /// A job and why it is or is not due.
    public struct Entry: Sendable, Equatable {
        public var job: LoginJob
        /// When the job is (or was) due: its renewal time, or the end of its backoff.
        public var dueAt: Date
        /// The cached token's expiry, nil when there is none.
        public var expiresAt: Date?
        /// The renewal time of the cached token, nil when there is none.
        public var renewAt: Date?
        /// Consecutive failures so far.
        public var failures: Int
    }

    public var entries: [Entry]
    public var now: Date

    /// The jobs to run now.
    public var due: [LoginJob] { entries.filter { $0.dueAt <= now }.map(\.job) }

    /// The earliest moment something not due now falls due.
    public var nextDue: Date? { entries.map(\.dueAt).filter { $0 > now }.min() }

    /// Plans `jobs` against the cache: a healthy job is due when its token is missing or past its renewal time; a
    /// failing one when its backoff ends. `force` makes every job due.
    public static func make(
        jobs: [LoginJob], logins: [RegistryLogin], streaks: [FailureStreak], policy: RefreshPolicy, now: Date,
        force: Bool = false
    ) -> RefreshPlan {
        // Of a (profile, region)'s registries, the one that needs renewing first decides.
        var renewal: [ProfileRegion: (renewAt: Date, expiresAt: Date)] = [:]
        for login in logins {
            let key = login.key
            let renewAt = policy.renewalTime(for: login)
            if let known = renewal[key], known.renewAt <= renewAt { continue }
            renewal[key] = (renewAt, login.expiresAt)
        }
        let streakByKey = Dictionary(streaks.map { ($0.key, $0) }) { $1 }
        let entries = jobs.map { job in
            let key = job.key
            let cached = renewal[key]
            var dueAt = force ? now : cached?.renewAt ?? now
            let streak = streakByKey[key]
            if !force, let streak {
                // A failing job is tried again when its backoff ends, even if its cached token is not yet due: the
                // failure may be one that left the token out of the files (a malformed config.json), or a forced
                // renewal that should not wait for the window.
                dueAt = policy.retryTime(after: streak)
            }
            return Entry(
                job: job, dueAt: dueAt, expiresAt: cached?.expiresAt, renewAt: cached?.renewAt,
                failures: streak?.failures ?? 0)
        }
        return RefreshPlan(entries: entries, now: now)
    }
}
