import ECRSessions
import Foundation
import TestSupport
import Testing

/// What `accounts login` shows on a terminal and off it, and `-q`/`-v`: the real binary against the fake ECR, on a
/// pseudo-terminal made by util-linux's `script` where a person's terminal is meant.
@Suite struct ProgressOutputTests {
    let ecr: FakeECR
    let sandbox: CLISandbox
    /// Four profiles ECR knows and one, `stranger`, whose key it refuses.
    static let profiles = ["a0", "a1", "a2", "a3", "stranger"]

    init() throws {
        ecr = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        var sandbox = try CLISandbox(ecr.environment)
        sandbox.environment["ECR_SESSIONS_STATE_DIR"] = sandbox.home.path + "/state"
        var credentials = ""
        for (index, profile) in Self.profiles.enumerated() {
            let key = AWSCredentials(
                accessKeyID: "AKIAPROGRESS0000000\(index)", secretAccessKey: "secret-of-progress-\(index)")
            if profile != "stranger" { ecr.register(key, account: "30000000000\(index)") }
            credentials +=
                "[\(profile)]\naws_access_key_id = \(key.accessKeyID)\n"
                + "aws_secret_access_key = \(key.secretAccessKey)\nregion = eu-west-1\n"
        }
        try sandbox.write(".aws/credentials", credentials)
        self.sandbox = sandbox
    }

    func cleanUp() {
        ecr.stop()
        sandbox.remove()
    }

    /// Runs `ecr-sessions arguments` with stdin, stdout and stderr on one pseudo-terminal, as in a person's shell;
    /// what the terminal received comes back as stdout, and the exit status is the command's (`script -e`).
    func runOnTerminal(_ arguments: [String]) throws -> ProcessResult {
        let script = try #require(which("script"), "util-linux's script is missing: run scripts/bootstrap")
        let command = ([CLISandbox.executable] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return try run(
            script, ["--quiet", "--flush", "--return", "--command", command, "/dev/null"],
            environment: sandbox.environment, currentDirectory: sandbox.home.path)
    }

    /// No secret key, and no password ECR issued (nor its base64), anywhere in `text`.
    func expectNoSecret(_ text: String) {
        #expect(!text.contains("secret-of-progress"), "\(text)")
        for account in (0..<4).map({ "30000000000\($0)" }) {
            guard let token = ecr.lastToken(account: account, region: "eu-west-1") else { continue }
            #expect(!text.contains(token.password) && !text.contains(token.authorizationToken), "\(text)")
        }
    }

    @Test func onATerminalLoginShowsACounterFailuresAsTheyComeAndASummary() throws {
        defer { cleanUp() }
        let result = try runOnTerminal(["accounts", "login", "--all", "--concurrency", "1"])
        #expect(result.status == 1, "\(result)")
        let screen = result.stdout
        // One line at the bottom, redrawn: each result updates it, and a line printed (a failure at once, a success
        // once its registry is written, within a quarter second) takes the counter's place (carriage return, erase
        // line) with the counter drawn again below it.
        #expect(screen.hasPrefix("Logging in: 0/5 done, 0 failed\r\u{1B}[K"), "\(screen)")
        for done in 1...4 {
            #expect(screen.contains("Logging in: \(done)/5 done, 0 failed\r\u{1B}[K"), "\(screen)")
        }
        #expect(screen.contains("\r\u{1B}[KLogin Succeeded: 30000000000"), "\(screen)")
        #expect(screen.contains("\r\u{1B}[Kerror: profile 'stranger' (eu-west-1): "), "\(screen)")
        #expect(screen.contains("\nLogging in: 5/5 done, 1 failed"), "\(screen)")
        #expect(screen.contains("\r\u{1B}[KLogged in 4 of 5 (4 registries); 1 failed, in "), "\(screen)")
        #expect(screen.components(separatedBy: "Login Succeeded: ").count == 5, "\(screen)")
        expectNoSecret(screen)
    }

    @Test func offATerminalLoginPrintsOneLinePerRegistryAndNoCounter() throws {
        defer { cleanUp() }
        let result = try sandbox.run("accounts", "login", "--all")
        #expect(result.status == 1, "\(result)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 4 && lines.allSatisfy { $0.hasPrefix("Login Succeeded: 30000000000") }, "\(result)")
        #expect(result.stderr.hasPrefix("error: profile 'stranger' (eu-west-1): "), "\(result)")
        #expect(!(result.stdout + result.stderr).contains("Logging in") && !result.stderr.contains("\r"), "\(result)")
    }

    @Test func quietOnATerminalPrintsOnlyWhatIsWrong() throws {
        defer { cleanUp() }
        let result = try runOnTerminal(["accounts", "login", "--all", "-q"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.hasPrefix("error: profile 'stranger' (eu-west-1): "), "\(result)")
        #expect(!result.stdout.contains("Logging in") && !result.stdout.contains("Login Succeeded"), "\(result)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result)")
    }

    @Test func verboseSaysWhatIsDoneOnStderrAndNeverASecret() throws {
        defer { cleanUp() }
        let login = try sandbox.run("accounts", "login", "--verbose", "a0", "a1")
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.split(separator: "\n").count == 2, "\(login)")
        #expect(login.stderr.contains("debug: logging in 2 profile and region pairs"), "\(login)")
        #expect(login.stderr.contains("debug: profile 'a0' (eu-west-1): 1 registry, answered after "), "\(login)")
        #expect(login.stderr.contains("debug: Logged in 2 of 2 (2 registries), in "), "\(login)")
        expectNoSecret(login.stdout + login.stderr)

        // a2, a3 and stranger were never logged in; stranger fails.
        let refresh = try sandbox.run("refresh", "-v")
        #expect(refresh.status == 1, "\(refresh)")
        #expect(refresh.stderr.contains("debug: 3 due, 3 tried, in "), "\(refresh)")
        expectNoSecret(refresh.stdout + refresh.stderr)
    }

    @Test func quietAndVerboseTogetherAreBadUsage() throws {
        defer { cleanUp() }
        let result = try sandbox.run("status", "-q", "-v")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.hasPrefix("error: Use --quiet or --verbose, not both."), "\(result)")
    }

    @Test func theDaemonLogsToStderrWithATimestampOnEveryLine() async throws {
        defer { cleanUp() }
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: CLISandbox.executable)
        daemon.arguments = ["daemon"]
        daemon.environment = sandbox.environment
        let output = Pipe()
        let errors = Pipe()
        daemon.standardOutput = output
        daemon.standardError = errors
        try daemon.run()
        let deadline = Date().addingTimeInterval(30)
        while ecr.lastToken(account: "300000000003", region: "eu-west-1") == nil && Date() < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(500))
        kill(daemon.processIdentifier, SIGTERM)
        let stopBy = Date().addingTimeInterval(10)
        while daemon.isRunning && Date() < stopBy { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!daemon.isRunning, "the daemon stops within 10 s of SIGTERM")
        if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.fileHandleForReading.readDataToEndOfFile().isEmpty, "stdout is for results, not the log")
        let lines = log.split(separator: "\n")
        let stamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (error: |warning: )?[a-z]/
        #expect(lines.count >= 4 && lines.allSatisfy { $0.contains(stamped) }, "\(log)")
        #expect(lines.contains { $0.contains("Z error: profile 'stranger' (eu-west-1): ") }, "\(log)")
        #expect(lines.contains { $0.contains("Z renewed 300000000000.dkr.ecr.eu-west-1.amazonaws.com") }, "\(log)")
        #expect(log.hasSuffix(" stopped\n"), "\(log)")
        expectNoSecret(log)
    }

    /// Every command takes both flags, so scripts can pass them uniformly.
    @Test(arguments: [
        ["accounts", "list"], ["accounts", "login"], ["accounts", "logout"], ["refresh"], ["daemon"], ["status"],
        ["get-login-password"], ["login"], ["logout"], ["credential-helper", "get"], ["credential-helper", "store"],
        ["credential-helper", "erase"], ["credential-helper", "list"], ["credential-helper", "install"],
        ["kubelet-credential-provider"], ["timer", "install"], ["timer", "uninstall"], ["version"],
    ])
    func everyCommandTakesQuietAndVerbose(command: [String]) throws {
        defer { cleanUp() }
        let help = try TestSupport.run(
            CLISandbox.executable, ["help"] + command, environment: sandbox.environment)
        #expect(help.status == 0, "\(help)")
        #expect(help.stdout.contains("-q, --quiet") && help.stdout.contains("-v, --verbose"), "\(help)")
    }
}
