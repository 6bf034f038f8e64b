public import Foundation

/// What a refresh run did.
public struct RefreshReport: Sendable {
    /// Set when another refresh held the lock, so this one did nothing.
    public var heldBy: RunningRefresh?
    public var plan: RefreshPlan
    /// The results of the jobs that were due.
    public var login: LoginReport?
    /// Registries that are failing while their token is expired or inside the refresh window: the reason
    /// `refresh` exits 1.
    public var endangered: [EndangeredRegistry]

    /// The earliest moment something falls due after this run (what the daemon sleeps until).
    public var nextDue: Date?
    /// Registry hosts whose valid cached login was missing from a target and was written back.
    public var repaired: [String] = []
    /// Targets that could not be checked or written back, with the reason.
    public var targetErrors: [TargetError] = []
    /// Why the `metrics_file` could not be written, if it could not (a warning: the logins are done).
    public var metricsError: String?
    /// Set when nothing had changed since the refresh at this time, which found nothing to do: this run planned
    /// nothing again (`plan` is empty) and only recorded itself (`Actions.Refresh.quietRun()`).
    public var quietSince: Date?

    /// True when nothing is endangered and every target was written.
    public var succeeded: Bool { endangered.isEmpty && targetErrors.isEmpty }
}

/// A job that is failing while its token is gone or about to go.
public struct EndangeredRegistry: Sendable, Equatable, CustomStringConvertible {
    public var job: LoginJob
    /// The token's expiry, nil when there is none.
    public var expiresAt: Date?
    /// When the report was made, to say how far the expiry is.
    public var now: Date
    /// The latest attempt's error, as the cache keeps it.
    public var lastError: String?

    public var description: String {
        let state = expiresAt.map { $0 <= now ? "expired" : "expires \($0.relativeDescription(to: now))" } ?? "no token"
        return "\(job): \(state), failing: \(lastError ?? "unknown error")"
    }
}

/// The refresh that holds the lock.
public struct RunningRefresh: Sendable, Equatable {
    /// Its process ID, when the lock file says.
    public var pid: Int?
}

extension Actions {
    /// `refresh`: renews what is due and nothing else, and puts back what a target lost.
    public struct Refresh: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// The refresh policy of the config file (or the defaults).
        public func policy() throws(ConfigurationFileError) -> RefreshPolicy {
            RefreshPolicy(refreshBefore: try context.settings().refreshBefore)
        }

        /// Reads everything a bad configuration breaks (the cache, the accounts, the policy), so that such a problem
        /// is found before anything changes.
        public func check() throws {
            let cache = try context.cache()
            // Accounts stored for these very inputs were derived without an error: no need to decode them here.
            if derivedAccountsInputs().flatMap({ try? cache.derivedValue(kind: DerivedAccounts.kind, inputs: $0) })
                == nil
            {
                _ = try accounts(cache: cache)
            }
            _ = try policy()
        }

        /// The digest of what the accounts depend on (`DerivedAccounts.inputs`), nil when it cannot be trusted.
        private func derivedAccountsInputs() -> String? {
            DerivedAccounts.inputs(
                files: context.awsFilePaths + [context.configurationPath], configPath: context.configPath,
                targetNames: context.targets.names, environment: context.environment)
        }

        /// The accounts as `context.accounts()` derives them, or as an earlier run derived them while the AWS files,
        /// the config file and the environment are unchanged (`DerivedAccounts`): a refresh with nothing due need not
        /// parse a thousand profiles. `reused` says which it was. Any doubt derives as usual: a file modified in the
        /// last two seconds, a cache that cannot be read, a value that does not decode.
        func accounts(cache: Cache) throws -> (accounts: [Account], reused: Bool) {
            let inputs = derivedAccountsInputs()
            if let inputs, let stored = try? cache.derivedValue(kind: DerivedAccounts.kind, inputs: inputs),
                let accounts = DerivedAccounts.decode(stored)
            {
                return (accounts, true)
            }
            let accounts = try context.accounts()
            if let inputs, let text = DerivedAccounts.encode(accounts) {
                // Best effort: a cache that cannot keep it only means the next run derives them again.
                try? cache.saveDerivedValue(text, kind: DerivedAccounts.kind, inputs: inputs)
            }
            return (accounts, false)
        }

        /// Renews what is due, holding the refresh lock so a second run does nothing. With `force`, renews
        /// everything.
        public func run(force: Bool = false, progress: @Sendable (LoginResult) -> Void = { _ in }) async throws
            -> RefreshReport
        {
            let cache = try context.cache()
            let startedAt = context.clock.now()
            guard let lock = try RunLock.acquire(beside: cache.path) else {
                return RefreshReport(
                    heldBy: RunningRefresh(pid: RunLock.holder(beside: cache.path)),
                    plan: RefreshPlan(entries: [], now: context.clock.now()), endangered: [])
            }
            defer { withExtendedLifetime(lock) {} }
            // Only for the quiet record: a count that cannot be read must not stop the renewals.
            let changesBefore = try? cache.changeCount()
            let configured = try accounts(cache: cache).accounts
            let accounts = await context.resolvingInstanceRegions(configured.filter(\.isEnabled))
            let policy = try policy()
            let jobs = accounts.flatMap(\.jobs)
            var logins = try cache.logins()
            let plan = RefreshPlan.make(
                jobs: jobs, logins: logins, streaks: try cache.failureStreaks(), policy: policy,
                now: context.clock.now(), force: force)
            var report = RefreshReport(plan: plan, endangered: [])
            let due = Set(plan.due)
            if !due.isEmpty {
                report.login = try await AccountsLogin(context).run(accounts, only: due, progress: progress)
            } else if accounts.contains(where: { $0.problem != nil }) {
                // An account that cannot be logged in (no region) is said on every run, as `accounts login` says it.
                report.login = LoginReport(
                    results: [], skipped: accounts.filter { $0.problem != nil }, notices: [], targetErrors: [])
            }
            // Exit 1 only for a registry whose account is failing and whose token is gone or about to go. When
            // nothing ran (cron's usual case) the plan already says so, without reading the cache again.
            if !due.isEmpty { logins = try cache.logins() }
            let after =
                due.isEmpty
                ? plan
                : RefreshPlan.make(
                    jobs: jobs, logins: logins, streaks: try cache.failureStreaks(), policy: policy,
                    now: context.clock.now())
            report.endangered = try endangered(in: after, cache: cache)
            // Cheap when the targets are right (one read each); puts back what a `docker logout` took away.
            let settings = try context.settings()
            let repair = try TargetWriter(context: context, settings: settings).repair(
                accounts: accounts, logins: logins)
            report.repaired = repair.repaired
            // A target that failed the login's write fails the repair's read too: say it once.
            for error in (report.login?.targetErrors ?? []) + repair.writes.errors
            where !report.targetErrors.contains(error) {
                report.targetErrors.append(error)
            }
            report.nextDue = after.nextDue
            report.metricsError = try recordForStatus(
                accounts: accounts, policy: policy, startedAt: startedAt, cache: cache)
            if report.login == nil, !configured.contains(where: \.regionFromInstanceMetadata),
                let changesBefore, (try? cache.changeCount()) == changesBefore
            {
                // Best effort: without it the next run plans as this one did.
                try? saveQuietRecord(
                    report, logins: logins, checked: repair.checked, changeCount: changesBefore,
                    metricsFile: settings.metricsFile.map(context.environment.expandingTilde), cache: cache)
            }
            return report
        }

        /// The report of a refresh with nothing to do, when the last refresh found nothing to do and nothing it planned
        /// from has changed since (`QuietRefresh`): the run is recorded for `status` (and the metrics file written), and
        /// nothing else is read. Nil means a full refresh: `check()`, then `run()`. Never with `force`.
        public func quietRun() -> RefreshReport? {
            let path = Cache.defaultPath(environment: context.environment)
            guard FileStamp(path: path) != nil, let accountsInputs = derivedAccountsInputs(),
                // Its own connection, without reading every page: the record bounds how long a full refresh, which
                // does, can be put off. A full refresh opens the cache as usual.
                let cache = try? Cache(path: path, scan: false)
            else { return nil }
            let startedAt = context.clock.now()
            guard let lock = try? RunLock.acquire(beside: path) else { return nil }
            defer { withExtendedLifetime(lock) {} }
            let inputs = QuietRefresh.inputs(accountsInputs: accountsInputs, environment: context.environment)
            guard let stored = try? cache.derivedValue(kind: QuietRefresh.kind, inputs: inputs),
                let record = QuietRefresh(decoding: stored),
                record.holds(now: startedAt, changeCount: try? cache.changeCount())
            else { return nil }
            var report = RefreshReport(plan: RefreshPlan(entries: [], now: startedAt), endangered: [])
            report.nextDue = record.nextDue
            report.quietSince = record.recordedAt
            guard (try? cache.recordRefreshTimes(startedAt: startedAt, finishedAt: context.clock.now())) == true else {
                return nil
            }
            // After the record, as a full refresh writes it: the file tells monitoring when the last refresh ran.
            if let metricsFile = record.metricsFile {
                do {
                    try MetricsFile.write(try Actions.Status(context).report(), to: metricsFile)
                } catch {
                    report.metricsError = "could not write the metrics file: \(error)"
                }
            }
            return report
        }

        /// Keeps what the next run needs to tell that nothing changed since this one (`QuietRefresh`), when this one
        /// found nothing to do, nothing wrong, and only target files it can stamp.
        private func saveQuietRecord(
            _ report: RefreshReport, logins: [RegistryLogin], checked: [CheckedPlace], changeCount: Int64,
            metricsFile: String?, cache: Cache
        ) throws {
            guard report.endangered.isEmpty, report.targetErrors.isEmpty, report.repaired.isEmpty,
                report.metricsError == nil, report.plan.due.isEmpty,
                let accountsInputs = derivedAccountsInputs()
            else { return }
            var places: [QuietRefresh.Place] = []
            for place in checked {
                guard place.kind == RegistryAuthFile.kindName, let version = place.version else { return }
                places.append(QuietRefresh.Place(path: place.place, version: version))
            }
            let now = report.plan.now
            // Whatever comes first: something due, a token entering its window or expiring (which changes what the
            // repair check expects), and the longest a record may stand.
            let moments =
                [now + QuietRefresh.longestQuiet] + report.plan.entries.flatMap { [$0.dueAt, $0.renewAt, $0.expiresAt] }
                .compactMap { $0 } + logins.map(\.expiresAt).filter { $0 > now }
            guard let quietUntil = moments.min(), quietUntil > now else { return }
            let record = QuietRefresh(
                changeCount: changeCount, recordedAt: now, quietUntil: quietUntil, nextDue: report.nextDue,
                metricsFile: metricsFile, places: places)
            guard let text = record.encoded() else { return }
            try cache.saveDerivedValue(
                text, kind: QuietRefresh.kind,
                inputs: QuietRefresh.inputs(accountsInputs: accountsInputs, environment: context.environment))
        }

        private func endangered(in plan: RefreshPlan, cache: Cache) throws(CacheError) -> [EndangeredRegistry] {
            let failing = plan.entries.filter { $0.failures > 0 && ($0.renewAt.map { $0 <= plan.now } ?? true) }
            guard !failing.isEmpty else { return [] }
            let lastErrors = Dictionary(try cache.latestAttempts().map { ($0.key, $0.error) }) { $1 }
            return failing.map { entry in
                EndangeredRegistry(
                    job: entry.job, expiresAt: entry.expiresAt, now: plan.now, lastError: lastErrors[entry.job.key] ?? nil)
            }
        }
    }
}
