import Foundation

/// Logs jobs in concurrently (at most `concurrency` at once), keeps each outcome in the cache, and reports each
/// result as soon as it is known. One job's failure never stops the others.
public struct LoginRunner: Sendable {
    public let ecr: ECRClient
    public let credentials: any CredentialProvider
    public let cache: Cache
    /// For the endpoint overrides (`AWS_ENDPOINT_URL_ECR` and friends).
    public let environment: Environment
    public let concurrency: Int
    /// How long one job may take, retries and credential steps included; past it the job fails and the others go on.
    public let deadline: Duration
    /// Keeps each (access key, region) under ECR's rate; the key's account is not known before the call.
    private let pacer = Pacer(callsPerSecond: 15)

    public init(
        ecr: ECRClient, credentials: any CredentialProvider, cache: Cache, environment: Environment,
        concurrency: Int = 16, deadline: Duration = Configuration.Settings.defaultLoginTimeout
    ) {
        self.deadline = deadline
        self.ecr = ecr
        self.credentials = credentials
        self.cache = cache
        self.environment = environment
        self.concurrency = max(1, concurrency)
    }

    /// Runs every job and returns the results in the jobs' order; `progress` sees each as it finishes.
    ///
    /// `concurrency` bounds the calls under way, not the saves: a job's slot goes to the next job as soon as its
    /// answer is in, while its logins are committed (with the others finishing meanwhile, `Cache.commitTogether`). A
    /// sweep's next call no longer waits for the cache, and a job is still reported only once it is saved. At a
    /// concurrency of 1 each job is saved before the next starts: one at a time, reported in the jobs' order.
    public func run(_ jobs: [LoginJob], progress: @Sendable (LoginResult) -> Void = { _ in }) async -> [LoginResult] {
        enum Step: Sendable {
            case fetched(Int, Fetched)
            case finished(Int, LoginResult)
        }
        var results = [LoginResult?](repeating: nil, count: jobs.count)
        await withTaskGroup(of: Step.self) { group in
            var next = 0
            func startNext() {
                guard next < jobs.count else { return }
                let index = next
                next += 1
                group.addTask { .fetched(index, await fetch(jobs[index])) }
            }
            for _ in 0..<min(concurrency, jobs.count) { startNext() }
            for await step in group {
                switch step {
                case .fetched(let index, let fetched):
                    if concurrency > 1 { startNext() }
                    group.addTask { .finished(index, await save(fetched, of: jobs[index])) }
                case .finished(let index, let result):
                    results[index] = result
                    progress(result)
                    if concurrency == 1 { startNext() }
                }
            }
        }
        return results.compactMap { $0 }
    }

    /// What a job's call came to, before anything of it is saved.
    struct Fetched: Sendable {
        var startedAt: Date
        var outcome: Result<[RegistryLogin], LoginError>
    }

    /// One job: credentials, GetAuthorizationToken, the cache, within the deadline. Every error ends in the result,
    /// typed.
    ///
    /// The logins and the attempt are saved together (`Cache.commitTogether(_:)`, committed with the other logins
    /// finishing meanwhile); when that fails, its error is the job's, recorded as an attempt of its own, as when
    /// saving the logins failed.
    func login(_ job: LoginJob) async -> LoginResult {
        await save(await fetch(job), of: job)
    }

    /// The call of `login`, within the deadline (retries and credential steps included).
    private func fetch(_ job: LoginJob) async -> Fetched {
        let startedAt = ecr.clock.now()
        let started = ContinuousClock.now
        do {
            let logins = try await Deadline.within(deadline) { try await call(job) }
            return Fetched(startedAt: startedAt, outcome: .success(logins))
        } catch {
            let timedOut = started.duration(to: .now) >= deadline - .milliseconds(50)
            let failure = LoginError(timedOut ? LoginTimedOut(limit: deadline, cause: error) : error)
            return Fetched(startedAt: startedAt, outcome: .failure(failure))
        }
    }

    /// The save of `login`: the logins and a successful attempt, or the failed attempt.
    private func save(_ fetched: Fetched, of job: LoginJob) async -> LoginResult {
        var result = LoginResult(job: job, logins: [], error: nil)
        switch fetched.outcome {
        case .success(let logins):
            do {
                try await cache.commitTogether(
                    LoginWrite(
                        profile: job.profile, region: job.region, logins: logins,
                        attempt: LoginAttempt(
                            profile: job.profile, region: job.region, startedAt: fetched.startedAt,
                            finishedAt: ecr.clock.now(), error: nil)))
                result.logins = logins
                return result
            } catch {
                result.error = LoginError(error)
            }
        case .failure(let error):
            result.error = error
        }
        let attempt = LoginAttempt(
            profile: job.profile, region: job.region, startedAt: fetched.startedAt, finishedAt: ecr.clock.now(),
            error: result.error?.reason)
        do {
            try cache.record(attempt)
        } catch {
            var failure = result.error ?? LoginError(nil)
            failure.unrecorded = error
            result.error = failure
        }
        return result
    }

    /// Credentials and GetAuthorizationToken: the job's registries, logged in once `login` has saved them.
    private func call(_ job: LoginJob) async throws -> [RegistryLogin] {
        let resolved = try await credentials.resolve(profile: job.profile)
        await pacer.waitForTurn("\(resolved.credentials.accessKeyID)/\(job.region)")
        let tokens = try await ecr.authorizationTokens(for: job, resolved: resolved, environment: environment)
        let fetchedAt = ecr.clock.now()
        var logins = tokens.map { token in
            RegistryLogin(
                profile: job.profile, accountID: token.accountID ?? "", region: job.region,
                registry: token.registryHost, token: token.token, expiresAt: token.expiresAt, fetchedAt: fetchedAt)
        }
        // One token serves every registry of the region the principal may use, so other accounts' registries get
        // the same token without another call.
        if let own = logins.first {
            for id in job.registryIDs where !logins.contains(where: { $0.accountID == id }) {
                var shared = own
                shared.accountID = id
                shared.registry = ECREndpoint.registryHost(account: id, region: job.region)
                logins.append(shared)
            }
        }
        return logins
    }
}

/// A job that ran out of its time, retries included.
public struct LoginTimedOut: Error, CustomStringConvertible {
    public var limit: Duration
    public var cause: any Error

    public var description: String {
        "gave up after \(limit.components.seconds)s (login_timeout in [settings]): \(cause)"
    }
}
