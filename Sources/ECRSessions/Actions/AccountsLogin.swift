import Synchronization

/// What `accounts login` did: each job's result, and what happened to the targets.
public struct LoginReport: Sendable {
    public var results: [LoginResult]
    /// Accounts that were asked for but cannot be logged in as configured, with the reason.
    public var skipped: [Account]
    /// Warnings about the targets written: a `credsStore` or `credHelpers` entry that docker asks instead.
    public var notices: [String]
    /// Targets that could not be written, with the reason (each is left as it was).
    public var targetErrors: [TargetError]
    /// Registry hosts that some target could not be given, with that target's error: not logged in there.
    public var failedHosts: [String: TargetError] = [:]
    /// Why the metrics file could not be written, when the login recorded for `status` (`recordingForStatus`).
    public var metricsError: String? = nil

    /// True when every requested account is logged in and every target written.
    public var succeeded: Bool {
        results.allSatisfy(\.succeeded) && skipped.isEmpty && targetErrors.isEmpty
    }
}

extension Actions {
    /// `accounts login`: logs accounts in now, whatever their tokens' age, and writes the tokens into their targets.
    public struct AccountsLogin: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// The accounts `names` (account names or profiles) select, or every enabled one when `names` is empty. An
        /// unknown name is a configuration error that lists the known ones. Opens the cache, so a damaged one is
        /// found before anything changes.
        public func accounts(named names: [String]) async throws -> [Account] {
            let selected = await context.resolvingInstanceRegions(try Account.select(names, from: context.accounts()))
            _ = try context.cache()
            return selected
        }

        /// Logs `accounts` in now (only the `selected` jobs, when given), concurrently (`concurrency`, else the
        /// config file's), and writes every fresh token into each account's targets. `progress` sees each result as
        /// soon as it is known; `written` sees each batch of results with logins once its targets are written, with
        /// the hosts some target could not be given. A role with `mfa_serial` asks `mfaPrompt` for a code when it
        /// has no valid session; with no prompt (refresh, daemon, no terminal) it fails with a clear error.
        ///
        /// `recordingForStatus` is for a login of every configured account (`accounts login --all`): it leaves for
        /// `status` and monitoring what a refresh run leaves (the configured jobs, the run's times, the metrics
        /// file), so `status` knows what is configured before the first refresh has run.
        public func run(
            _ accounts: [Account], concurrency: Int? = nil, only selected: Set<LoginJob>? = nil,
            recordingForStatus: Bool = false,
            mfaPrompt: (any MFAPrompt)? = nil, progress: @Sendable (LoginResult) -> Void = { _ in },
            written: @escaping @Sendable (_ results: [LoginResult], _ failedHosts: [String: TargetError]) -> Void = {
                _, _ in
            }
        ) async throws -> LoginReport {
            let startedAt = context.clock.now()
            let accounts = await context.resolvingInstanceRegions(accounts)
            let settings = try context.settings()
            let runner = try context.loginRunner(concurrency: concurrency, mfaPrompt: mfaPrompt)
            let jobs = accounts.flatMap(\.jobs).filter { selected?.contains($0) ?? true }
            // An account of the config file names where it is written, so a missing profile points at that line.
            let fromConfigFile = try context.configuration()?.accounts.isEmpty == false
            let origins = Dictionary(accounts.flatMap { account in account.jobs.map { ($0, account.origin) } }) { $1 }
            let annotate = { @Sendable (result: LoginResult) -> LoginResult in
                guard fromConfigFile, result.error != nil, let origin = origins[result.job] else { return result }
                var annotated = result
                annotated.error?.origin = origin
                // The AWS CLI's advice (--profile, AWS_PROFILE) means nothing here: the [account] names the profile.
                if case .profileNotFound(let profile, let files) = result.error?.underlying as? AWSConfigError {
                    annotated.error?.underlying = ConfigurationError(
                        "profile '\(profile)' is not defined in \(files.joined(separator: " or ")); add it there, or "
                            + "name another in this [account]'s 'profile = ...'")
                }
                return annotated
            }
            // Tokens reach the targets in batches while the other jobs run, so a slow account delays only itself
            // and a run stopped early keeps what it finished; a batch still costs one rewrite per target.
            let interval = WriteBatches.interval(jobs: jobs.count)
            let batches = WriteBatches(
                writer: TargetWriter(context: context, settings: settings), accounts: accounts,
                record: { (failed, results) throws(CacheError) in
                    written(results, failed)
                    try recordWriteFailures(failed, results: results)
                })
            let results = await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        batches.flush()
                    }
                }
                let results = await runner.run(jobs) { result in
                    let annotated = annotate(result)
                    batches.add(annotated)
                    progress(annotated)
                }.map(annotate)
                group.cancelAll()
                return results
            }
            let written = try batches.finish()
            var report = LoginReport(
                results: results, skipped: accounts.filter { $0.problem != nil && $0.isEnabled },
                notices: written.notices, targetErrors: written.errors, failedHosts: written.failedHosts)
            if recordingForStatus {
                let refresh = Actions.Refresh(context)
                report.metricsError = try refresh.recordForStatus(
                    accounts: accounts, policy: try refresh.policy(), startedAt: startedAt, cache: try context.cache())
            }
            return report
        }

        /// A token that reached the cache but not a target the tools read is no login at all: record it as a failed
        /// attempt, so `status` shows it and the job is retried (with backoff) until the target can be written.
        private func recordWriteFailures(_ failedHosts: [String: TargetError], results: [LoginResult])
            throws(CacheError)
        {
            guard !failedHosts.isEmpty else { return }
            let now = context.clock.now()
            for result in results {
                guard let error = result.logins.lazy.compactMap({ failedHosts[$0.registry] }).first else { continue }
                try context.cache().record(
                    LoginAttempt(
                        profile: result.job.profile, region: result.job.region, startedAt: now, finishedAt: now,
                        error: "the token was fetched but not written: \(error)"))
            }
        }
    }
}

/// Finished login results waiting to be written, and what the writes so far came to.
final class WriteBatches: Sendable {
    /// How long a finished login may wait for others to share its rewrite of the targets: 250 ms, and 2.5 ms a
    /// job in a run of more than a hundred, at most 5 s. A batch rewrites every entry written so far (each target
    /// file, its undo record), so with a fixed interval a sweep of N accounts, which lasts about N × latency /
    /// concurrency, cost N² (43 % of a thousand-account sweep); an interval that grows with N keeps the number of
    /// rewrites bounded and the whole cost linear. A hanging account still delays only itself: the others' tokens
    /// are written within one interval, long before its `login_timeout`.
    static func interval(jobs: Int) -> Duration {
        min(max(.microseconds(2500) * jobs, .milliseconds(250)), .seconds(5))
    }

    private struct State {
        var pending: [LoginResult] = []
        var written = TargetWrites()
        var recordingError: CacheError?
    }

    private let writer: TargetWriter
    private let accounts: [Account]
    private let record: @Sendable ([String: TargetError], [LoginResult]) throws(CacheError) -> Void
    private let state = Mutex(State())
    /// Held while a batch is written, so batches reach each target in the order they finished.
    private let writing = Mutex(())

    init(
        writer: TargetWriter, accounts: [Account],
        record: @escaping @Sendable ([String: TargetError], [LoginResult]) throws(CacheError) -> Void
    ) {
        self.writer = writer
        self.accounts = accounts
        self.record = record
    }

    func add(_ result: LoginResult) {
        guard !result.logins.isEmpty else { return }
        state.withLock { $0.pending.append(result) }
    }

    /// Writes what has finished since the last flush.
    func flush() {
        writing.withLock { _ in
            let batch = state.withLock { state in
                defer { state.pending = [] }
                return state.pending
            }
            guard !batch.isEmpty else { return }
            let written = writer.write(results: batch, accounts: accounts)
            var failure: CacheError?
            do {
                try record(written.failedHosts, batch)
            } catch {
                failure = error as? CacheError
            }
            state.withLock { state in
                state.written.notices += written.notices.filter { !state.written.notices.contains($0) }
                state.written.errors += written.errors.filter { !state.written.errors.contains($0) }
                state.written.failedHosts.merge(written.failedHosts) { $1 }
                state.recordingError = state.recordingError ?? failure
            }
        }
    }

    /// Writes the rest and returns what every batch came to.
    func finish() throws(CacheError) -> TargetWrites {
        flush()
        let state = state.withLock { $0 }
        if let error = state.recordingError { throw error }
        return state.written
    }
}

/// One type per user action, each over an `ActionContext`, each returning a typed outcome for the command line to
/// put into words and an exit status.
public enum Actions {}
