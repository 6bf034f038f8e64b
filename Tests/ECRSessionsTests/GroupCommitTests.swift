import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The group commit of a login sweep (`Cache.commitTogether(_:)`): logins finishing together share a transaction,
/// and each is still all or nothing on its own.
@Suite struct GroupCommitTests {
    static let fetchedAt = Date(timeIntervalSince1970: 1_750_000_000)

    static func write(_ profile: String, region: String = "eu-west-1", lifetime: TimeInterval = 43_200) -> LoginWrite {
        let account = String(format: "%012d", abs(profile.hashValue) % 1_000_000_000_000)
        let login = RegistryLogin(
            profile: profile, accountID: account, region: region,
            registry: "\(account).dkr.ecr.\(region).amazonaws.com",
            token: AuthorizationToken(encoded: Data("AWS:\(profile)-secret".utf8).base64EncodedString()),
            expiresAt: fetchedAt.addingTimeInterval(lifetime), fetchedAt: fetchedAt)
        return LoginWrite(
            profile: profile, region: region, logins: [login],
            attempt: LoginAttempt(
                profile: profile, region: region, startedAt: fetchedAt, finishedAt: fetchedAt + 0.25, error: nil))
    }

    func withCache(_ body: (Cache) async throws -> Void) async throws {
        let directory = try TemporaryDirectory("group-commit")
        defer { directory.remove() }
        try await body(try Cache(path: directory.path + "/cache.sqlite3"))
    }

    @Test("hundreds of logins committed at once are each saved, with their attempt, and nothing else")
    func concurrentLoginsAreAllSaved() async throws {
        try await withCache { (cache: Cache) async throws in
            let profiles = (0..<300).map { "p\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for profile in profiles {
                    group.addTask { try await cache.commitTogether(Self.write(profile)) }
                }
                try await group.waitForAll()
            }
            let logins = try cache.logins()
            #expect(logins.count == profiles.count)
            #expect(Set(logins.map(\.profile)) == Set(profiles))
            #expect(logins == profiles.sorted().map { Self.write($0).logins[0] })
            let attempts = try cache.latestAttempts()
            #expect(attempts == profiles.sorted().map { Self.write($0).attempt })
        }
    }

    @Test("a login that fails inside a shared transaction leaves the others saved and itself not at all")
    func oneFailureStaysItsOwn() async throws {
        try await withCache { (cache: Cache) async throws in
            // Another connection adds a trigger that refuses one profile's attempt, after its login was written.
            try SQLiteDatabase(path: cache.path).execute(
                """
                CREATE TRIGGER refuse_poisoned BEFORE INSERT ON attempts WHEN NEW.profile = 'poisoned'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
            let writes = [Self.write("before"), Self.write("poisoned"), Self.write("after")]
            let results = cache.commit(writes)
            #expect(results.count == 3)
            #expect((try? results[0].get()) != nil)
            #expect((try? results[2].get()) != nil)
            guard case .failure(let error) = results[1] else {
                Issue.record("the refused login was reported saved")
                return
            }
            #expect("\(error)".contains("refused by the test"))
            #expect(try cache.logins().map(\.profile) == ["after", "before"])
            #expect(try cache.latestAttempts().map(\.profile) == ["after", "before"])
            // A write of its own, through the queue, gets the same refusal.
            await #expect(throws: CacheError.self) { try await cache.commitTogether(Self.write("poisoned")) }
            #expect(try cache.logins().map(\.profile) == ["after", "before"])
        }
    }

    @Test("an expired token is refused before it is queued, and nothing is written")
    func expiredTokenIsRefused() async throws {
        try await withCache { (cache: Cache) async throws in
            let error = await #expect(throws: CacheError.self) {
                try await cache.commitTogether(Self.write("late", lifetime: -1))
            }
            guard case .tokenAlreadyExpired? = error else {
                Issue.record("expected tokenAlreadyExpired, got \(String(describing: error))")
                return
            }
            #expect(try cache.logins().isEmpty)
            #expect(try cache.latestAttempts().isEmpty)
        }
    }

    @Test("a later login of a pair replaces its registries, as replaceLogins does")
    func laterLoginReplaces() async throws {
        try await withCache { (cache: Cache) async throws in
            var first = Self.write("prod")
            first.logins.append(first.logins[0])
            first.logins[1].registry = "999999999999.dkr.ecr.eu-west-1.amazonaws.com"
            first.logins[1].accountID = "999999999999"
            try await cache.commitTogether(first)
            #expect(try cache.logins().count == 2)
            try await cache.commitTogether(Self.write("prod"))
            #expect(try cache.logins() == Self.write("prod").logins)
        }
    }
}

/// A login sweep's calls do not wait for the cache: a job's slot goes to the next job once its answer is in.
@Suite struct LoginRunnerSaveTests {
    struct StaticKeys: CredentialProvider {
        func resolve(profile: String) async throws -> ResolvedProfile {
            ResolvedProfile(
                profile: profile,
                credentials: AWSCredentials(accessKeyID: "AKIA\(profile.uppercased())", secretAccessKey: "s3cr3t"),
                credentialsOrigin: .environment, region: "eu-west-1")
        }
    }

    @Test("while another process holds the cache's write lock, the calls go on past the concurrency; the saves follow")
    func callsGoOnWhileTheCacheIsLocked() async throws {
        let directory = try TemporaryDirectory("runner-saves")
        defer { directory.remove() }
        let now = Date()
        let body = """
            {"authorizationData":[{"authorizationToken":"\(Data("AWS:pw".utf8).base64EncodedString())",\
            "expiresAt":\(now.timeIntervalSince1970 + 43_200),\
            "proxyEndpoint":"https://111122223333.dkr.ecr.eu-west-1.amazonaws.com"}]}
            """
        let transport = ScriptedTransport([respond(200, body)])
        // Time enough for every call even when other suites hold the cooperative pool's threads.
        let cache = try Cache(path: directory.path + "/cache.sqlite3", busyTimeout: .seconds(120))
        let runner = LoginRunner(
            ecr: ECRClient(transport: transport, clock: SystemClock(), retry: RetryPolicy(maxAttempts: 1)),
            credentials: StaticKeys(), cache: cache, environment: Environment(), concurrency: 3)
        let jobs = (0..<12).map { LoginJob(profile: "p\($0)", region: "eu-west-1") }
        let other = try SQLiteDatabase(path: cache.path)
        try other.execute("BEGIN IMMEDIATE")
        let sweep = Task { await runner.run(jobs) }
        // Coupled to the saves, the sweep would stop at three calls (the concurrency) until the lock is released;
        // a fourth call made while it is held shows that a slot went on. (Not all twelve: under the whole suite,
        // other tests' blocking waits leave this one's tasks little of the cooperative pool, and the committing
        // login holds a thread while it waits for the lock.)
        let deadline = ContinuousClock.now + .seconds(60)
        while transport.requests.count <= 3, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(transport.requests.count > 3)
        // Read on the locking connection: the cache's own is busy waiting for the lock.
        var saved: Int64 = -1
        try other.prepare("SELECT count(*) FROM registry_logins").query { saved = $0.integer(0) }
        #expect(saved == 0, "nothing is saved while the lock is held")
        try other.execute("COMMIT")
        let results = await sweep.value
        #expect(results.map(\.job) == jobs)
        let failures = results.compactMap(\.error)
        #expect(failures.isEmpty, "\(failures)")
        #expect(try cache.logins().map(\.profile).sorted() == jobs.map(\.profile).sorted())
    }
}
