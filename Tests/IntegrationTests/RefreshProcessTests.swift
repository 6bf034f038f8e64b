import ECRSessions
import Foundation
import TestSupport
import Testing

/// `refresh` and `daemon` as cron, systemd and people run them: the real binary in a temporary HOME, against the
/// fake ECR on the real clock.
@Suite struct RefreshProcessTests {
    let ecr: FakeECR
    let sandbox: CLISandbox

    init() throws {
        ecr = try FakeECR(clock: SystemClock(), regions: ["us-east-1", "eu-west-1"])
        var sandbox = try CLISandbox()
        sandbox.environment.merge(ecr.environment) { $1 }
        var credentials = ""
        var config = ""
        for (index, region) in ["us-east-1", "eu-west-1", "us-east-1"].enumerated() {
            let key = AWSCredentials(
                accessKeyID: "AKIAPROCESS00000000\(index)", secretAccessKey: "secret-of-account-\(index)")
            ecr.register(key, account: "20000000000\(index)")
            credentials +=
                "[a\(index)]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n"
            config += "[profile a\(index)]\nregion = \(region)\n"
        }
        try sandbox.write(".aws/credentials", credentials)
        try sandbox.write(".aws/config", config)
        self.sandbox = sandbox
    }

    func cleanUp() {
        ecr.stop()
        sandbox.remove()
    }

    @Test func twoConcurrentRefreshesDoOneJob() async throws {
        defer { cleanUp() }
        // The second run starts once the first holds the lock (its first call has reached ECR, which answers slowly),
        // so how long either takes to start on a busy machine does not matter. Both are run and watched from a thread
        // of their own: on the two threads of the concurrency pool, other tests' blocking waits could stall the watch.
        ecr.setLatency(.seconds(4))
        let results = try await onThread { [sandbox, ecr] in
            let first = LockedValue<ProcessResult?>(nil)
            let done = DispatchSemaphore(value: 0)
            Thread {
                first.withLock { $0 = try? sandbox.run("refresh") }
                done.signal()
            }.start()
            let deadline = ContinuousClock.now + .seconds(30)
            while ecr.maxConcurrentRequests == 0 && ContinuousClock.now < deadline { usleep(20_000) }
            let second = try sandbox.run("refresh")
            done.wait()
            guard let firstResult = first.withLock({ $0 }) else { throw CocoaError(.executableLoad) }
            return [firstResult, second]
        }

        #expect(results.allSatisfy { $0.status == 0 }, "\(results)")
        #expect(ecr.requests.count == 3, "each registry renewed once, by one of the two runs")
        let skipped = results.filter { $0.stdout.contains("Another ecr-sessions refresh is running") }
        #expect(skipped.count == 1, "\(results)")
        #expect(results.contains { $0.stdout.components(separatedBy: "Login Succeeded").count == 4 })
    }

    @Test func refreshRenewsOnlyWhatIsDueAndQuietIsQuiet() async throws {
        defer { cleanUp() }
        let first = try sandbox.run("refresh", "--quiet")
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout.isEmpty && first.stderr.isEmpty, "\(first)")
        #expect(ecr.requests.count == 3)

        let second = try sandbox.run("refresh")
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.hasPrefix("Nothing is due; next due in 8h"), "\(second)")
        #expect(ecr.requests.count == 3)

        let forced = try sandbox.run("refresh", "--force", "--quiet")
        #expect(forced.status == 0, "\(forced)")
        #expect(ecr.requests.count == 6)
    }

    @Test func refreshExitsOneOnlyWhenAFailingRegistryHasNoGoodToken() async throws {
        defer { cleanUp() }
        ecr.fail(account: "200000000001", with: .serverError, times: .max)
        let result = try sandbox.run("refresh", "--quiet")
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "quiet prints nothing on stdout: \(result)")
        #expect(result.stderr.contains("profile 'a1' (eu-west-1)"), "\(result)")
        #expect(!result.stderr.contains("'a0'") && !result.stderr.contains("'a2'"), "\(result)")
    }

    @Test func theDaemonRenewsAsTokensFallDueAndStopsCleanlyOnSIGTERM() async throws {
        defer { cleanUp() }
        // Eight-second tokens renewed with four seconds left: a renewal every four seconds or so.
        ecr.tokenLifetime = 8
        try sandbox.write(".config/ecr-sessions/config", "[settings]\nrefresh_before = 4s\n")
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: CLISandbox.executable)
        daemon.arguments = ["daemon"]
        daemon.environment = sandbox.environment
        let output = Pipe()
        daemon.standardOutput = output
        daemon.standardError = output
        try daemon.run()

        try await Task.sleep(for: .seconds(1))
        // The first pass logs every registry in (a transient failure under load may add a retried request).
        for (account, region) in [
            ("200000000000", "us-east-1"), ("200000000001", "eu-west-1"), ("200000000002", "us-east-1"),
        ] {
            #expect(ecr.lastToken(account: account, region: region) != nil, "\(ecr.requests.map(\.outcome))")
        }
        kill(daemon.processIdentifier, SIGHUP)
        try await Task.sleep(for: .seconds(3))
        // An edit of the config file is noticed without a signal.
        try sandbox.write(".config/ecr-sessions/config", "[settings]\nrefresh_before = 4s  # edited\n")
        try await Task.sleep(for: .seconds(6))
        // Renewals at about 4 s and 8 s after the first pass. On a busy machine an answer may arrive late, leaving less
        // of the token and so an earlier renewal; what a busy loop would show is renewals with no pause between them.
        let renewals = ecr.requests.filter {
            guard case .issued = $0.outcome else { return false }  // not a request retried after a transient failure
            return $0.account == "200000000000" && $0.region == "us-east-1"
        }.map(\.receivedAt)
        #expect(renewals.count >= 2, "\(renewals.count) requests for one registry in 10 s")
        for (earlier, later) in zip(renewals, renewals.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) >= 1, "renewals \(renewals) are not paced by the tokens' lives")
        }

        kill(daemon.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(10)
        while daemon.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!daemon.isRunning, "the daemon stops within 10 s of SIGTERM")
        if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(daemon.terminationStatus == 0, "\(log)")
        #expect(log.contains("pass (reload requested)"), "\(log)")
        #expect(log.contains("pass (configuration changed)"), "\(log)")
        #expect(log.contains("renewed 200000000000.dkr.ecr.us-east-1.amazonaws.com"), "\(log)")
        #expect(log.hasSuffix("stopped\n"), "\(log)")
        #expect(!log.contains("secret-of-account"), "\(log)")

        // Every registry still holds a live token in docker's config.json.
        let status = try sandbox.run("status", "--json")
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        let entries = try #require(object?["registries"] as? [[String: Any]])
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { $0["last_error"] is NSNull }, "\(status)")
    }
}
