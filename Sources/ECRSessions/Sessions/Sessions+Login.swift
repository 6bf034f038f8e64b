/// What `accounts login` did: each job's result, and what happened to the registry config files.
public struct LoginReport: Sendable {
    public var results: [LoginResult]
    /// Accounts that were asked for but cannot be logged in as configured, with the reason.
    public var skipped: [Account]
    /// Warnings about the files written: a `credsStore` or `credHelpers` entry that docker asks instead.
    public var notices: [String]
    /// Files that could not be written, with the reason (the file is left as it was).
    public var targetErrors: [String]

    /// True when every requested account is logged in and every file written.
    public var succeeded: Bool {
        results.allSatisfy(\.succeeded) && skipped.isEmpty && targetErrors.isEmpty
    }
}

/// A configuration problem found before anything ran: nothing was changed.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension Sessions {
    /// The accounts to keep logged in: the config file's, else one per profile of the AWS files.
    public func accounts() throws -> [Account] {
        Account.accounts(configuration: try configuration(), profiles: try awsProfiles(), environment: environment)
    }

    /// Follows every kind of credential chain, keeping temporary credentials in the cache.
    func credentialProvider(mfaPrompt: (any MFAPrompt)? = nil) throws -> ChainCredentialProvider {
        ChainCredentialProvider(
            profiles: try awsProfiles(), environment: environment, transport: transport, clock: clock, retry: retry,
            sessions: try cache(), mfaPrompt: mfaPrompt)
    }

    /// The runner every login of this process goes through: the ECR client, the credential chains, the cache.
    func loginRunner(concurrency: Int = 16, mfaPrompt: (any MFAPrompt)? = nil) throws -> LoginRunner {
        LoginRunner(
            ecr: ecrClient, credentials: try credentialProvider(mfaPrompt: mfaPrompt), cache: try cache(),
            environment: environment, concurrency: concurrency)
    }

    /// Selects `names` among the accounts, or every enabled one when `names` is empty. An unknown name is a
    /// configuration error that lists the known ones.
    public func accounts(named names: [String]) throws -> [Account] {
        let all = try accounts()
        guard !names.isEmpty else { return all.filter(\.isEnabled) }
        return try names.map { name in
            guard let account = all.first(where: { $0.name == name }) else {
                let known = all.map(\.name).joined(separator: ", ")
                throw ConfigurationError(
                    "no account or profile named '\(name)' yields credentials"
                        + (known.isEmpty ? "; the AWS files define none" : "; known: \(known)"))
            }
            return account
        }
    }

    /// Logs `accounts` in now (only the `selected` jobs, when given), concurrently (`concurrency`, else the config
    /// file's), and writes every fresh token into the registry config files of each account's targets. `progress`
    /// sees each result as soon as it is known. A role with `mfa_serial` asks `mfaPrompt` for a code when it has
    /// no valid session; with no prompt (refresh, daemon, no terminal) it fails with a clear error.
    public func login(
        _ accounts: [Account], concurrency: Int? = nil, only selected: Set<LoginJob>? = nil,
        mfaPrompt: (any MFAPrompt)? = nil, progress: @Sendable (LoginResult) -> Void = { _ in }
    ) async throws -> LoginReport {
        let settings = try configuration()?.settings ?? Configuration.Settings()
        let runner = try loginRunner(concurrency: concurrency ?? settings.concurrency, mfaPrompt: mfaPrompt)
        let jobs = accounts.flatMap(\.jobs).filter { selected?.contains($0) ?? true }
        // An account of the config file names where it is written, so a missing profile points at that line.
        let fromConfigFile = try configuration()?.accounts.isEmpty == false
        let origins = Dictionary(accounts.flatMap { account in account.jobs.map { ($0, account.origin) } }) { $1 }
        let annotate = { @Sendable (result: LoginResult) -> LoginResult in
            guard fromConfigFile, let error = result.error, let origin = origins[result.job] else { return result }
            var annotated = result
            annotated.error = "\(origin): \(error)"
            return annotated
        }
        let results = await runner.run(jobs) { progress(annotate($0)) }.map(annotate)
        var report = LoginReport(
            results: results, skipped: accounts.filter { $0.problem != nil && $0.isEnabled }, notices: [],
            targetErrors: [])
        let written = writeTargets(results: results, accounts: accounts, settings: settings)
        report.notices = written.notices
        report.targetErrors = written.errors
        try recordWriteFailures(written.failedHosts, results: results)
        return report
    }

    /// A token that reached the cache but not a file the tools read is no login at all: record it as a failed
    /// attempt, so `status` shows it and the job is retried (with backoff) until the file can be written.
    private func recordWriteFailures(_ failedHosts: [String: String], results: [LoginResult]) throws {
        guard !failedHosts.isEmpty else { return }
        let now = clock.now()
        for result in results {
            guard let error = result.logins.lazy.compactMap({ failedHosts[$0.registry] }).first else { continue }
            try cache().record(
                LoginAttempt(
                    profile: result.job.profile, region: result.job.region, startedAt: now, finishedAt: now,
                    error: "the token was fetched but not written: \(error)"))
        }
    }
}
