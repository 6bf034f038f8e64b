public import Foundation

/// What a refresh run did.
public struct RefreshReport: Sendable {
    /// Set when another refresh held the lock, so this one did nothing.
    public var heldBy: RunningRefresh?
    public var plan: RefreshPlan
    /// The results of the jobs that were due.
    public var login: LoginReport?
    /// Registries that are failing while their token is expired or inside the refresh window: the reason
    /// `refresh` exits 1. Each names the job and why.
    public var endangered: [String]

    /// The earliest moment something falls due after this run (what the daemon sleeps until).
    public var nextDue: Date?
    /// Registry hosts whose valid cached login was missing from a file and was written back.
    public var repaired: [String] = []
    /// Files that could not be checked or written back, with the reason.
    public var targetErrors: [String] = []
}

/// The refresh that holds the lock.
public struct RunningRefresh: Sendable, Equatable {
    /// Its process ID, when the lock file says.
    public var pid: Int?
}

extension Sessions {
    /// The refresh policy of the config file (or the defaults).
    public func refreshPolicy() throws -> RefreshPolicy {
        RefreshPolicy(refreshBefore: try configuration()?.settings.refreshBefore)
    }

    /// Renews what is due and nothing else, holding the refresh lock so a second run does nothing. With `force`,
    /// renews everything.
    public func refresh(force: Bool = false, progress: @Sendable (LoginResult) -> Void = { _ in }) async throws
        -> RefreshReport
    {
        let cache = try cache()
        guard let lock = try RunLock.acquire(beside: cache.path) else {
            return RefreshReport(
                heldBy: RunningRefresh(pid: RunLock.holder(beside: cache.path)),
                plan: RefreshPlan(entries: [], now: clock.now()), endangered: [])
        }
        defer { withExtendedLifetime(lock) {} }
        let accounts = try accounts().filter(\.isEnabled)
        let policy = try refreshPolicy()
        let jobs = accounts.flatMap(\.jobs)
        let plan = RefreshPlan.make(
            jobs: jobs, logins: try cache.logins(), streaks: try cache.failureStreaks(), policy: policy,
            now: clock.now(), force: force)
        var report = RefreshReport(plan: plan, endangered: [])
        let due = Set(plan.due)
        if !due.isEmpty {
            report.login = try await login(accounts, only: due, progress: progress)
        }
        // Exit 1 only for a registry whose account is failing and whose token is gone or about to go. When nothing
        // ran (cron's usual case) the plan already says so, without reading the cache again.
        let after =
            due.isEmpty
            ? plan
            : RefreshPlan.make(
                jobs: jobs, logins: try cache.logins(), streaks: try cache.failureStreaks(), policy: policy,
                now: clock.now())
        let failing = after.entries.filter { $0.failures > 0 }
        let lastErrors =
            failing.isEmpty
            ? [:]
            : Dictionary(try cache.latestAttempts().map { ("\($0.profile)\u{1F}\($0.region)", $0.error) }) { $1 }
        for entry in failing {
            let inWindow = entry.renewAt.map { $0 <= after.now } ?? true
            guard inWindow else { continue }
            let error = lastErrors["\(entry.job.profile)\u{1F}\(entry.job.region)"] ?? nil
            let state =
                entry.expiresAt.map { $0 <= after.now ? "expired" : "expires \($0.relativeDescription(to: after.now))" }
                ?? "no token"
            report.endangered.append("\(entry.job): \(state), failing: \(error ?? "unknown error")")
        }
        // Cheap when the files are right (one read each); puts back what a `docker logout` or another tool took away.
        let repair = try repairTargets(
            accounts: accounts, settings: try configuration()?.settings ?? Configuration.Settings())
        report.repaired = repair.repaired
        // A file that failed the login's write fails the repair's read too: say it once.
        for error in (report.login?.targetErrors ?? []) + repair.writes.errors
        where !report.targetErrors.contains(error) {
            report.targetErrors.append(error)
        }
        report.nextDue = after.nextDue
        return report
    }
}
