/// What `accounts login` did: each job's result, and what happened to the targets.
public struct LoginReport: Sendable {
    public var results: [LoginResult]
    /// Accounts that were asked for but cannot be logged in as configured, with the reason.
    public var skipped: [Account]
    /// Warnings about the targets written: a `credsStore` or `credHelpers` entry that docker asks instead.
    public var notices: [String]
    /// Targets that could not be written, with the reason (each is left as it was).
    public var targetErrors: [TargetError]

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
        public func accounts(named names: [String]) throws -> [Account] {
            let selected = try Account.select(names, from: context.accounts())
            _ = try context.cache()
            return selected
        }

        /// Logs `accounts` in now (only the `selected` jobs, when given), concurrently (`concurrency`, else the
        /// config file's), and writes every fresh token into each account's targets. `progress` sees each result as
        /// soon as it is known. A role with `mfa_serial` asks `mfaPrompt` for a code when it has no valid session;
        /// with no prompt (refresh, daemon, no terminal) it fails with a clear error.
        public func run(
            _ accounts: [Account], concurrency: Int? = nil, only selected: Set<LoginJob>? = nil,
            mfaPrompt: (any MFAPrompt)? = nil, progress: @Sendable (LoginResult) -> Void = { _ in }
        ) async throws -> LoginReport {
            let settings = try context.settings()
            let runner = try context.loginRunner(
                concurrency: concurrency ?? settings.concurrency, mfaPrompt: mfaPrompt)
            let jobs = accounts.flatMap(\.jobs).filter { selected?.contains($0) ?? true }
            // An account of the config file names where it is written, so a missing profile points at that line.
            let fromConfigFile = try context.configuration()?.accounts.isEmpty == false
            let origins = Dictionary(accounts.flatMap { account in account.jobs.map { ($0, account.origin) } }) { $1 }
            let annotate = { @Sendable (result: LoginResult) -> LoginResult in
                guard fromConfigFile, result.error != nil, let origin = origins[result.job] else { return result }
                var annotated = result
                annotated.error?.origin = origin
                return annotated
            }
            let results = await runner.run(jobs) { progress(annotate($0)) }.map(annotate)
            let written = TargetWriter(context: context, settings: settings).write(
                results: results, accounts: accounts)
            try recordWriteFailures(written.failedHosts, results: results)
            return LoginReport(
                results: results, skipped: accounts.filter { $0.problem != nil && $0.isEnabled },
                notices: written.notices, targetErrors: written.errors)
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

/// One type per user action, each over an `ActionContext`, each returning a typed outcome for the command line to
/// put into words and an exit status.
public enum Actions {}
