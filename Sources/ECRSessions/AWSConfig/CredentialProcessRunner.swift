import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A profile's `credential_process`: a command that prints credentials as JSON on its standard output.
///
/// The command line is split as the AWS CLI splits it (POSIX shell quoting, no shell), and the program runs with the
/// given environment, standard input closed, and a time limit after which it and its children are killed.
public struct CredentialProcessRunner: Sendable, Equatable {
    /// The `credential_process` value, as written in the profile.
    public var commandLine: String
    /// The profile it belongs to, for error messages.
    public var profile: String
    /// How long the command may run before it is killed.
    public var timeout: Duration
    /// The environment the command runs with.
    public var environment: Environment

    public init(commandLine: String, profile: String, timeout: Duration = .seconds(60), environment: Environment) {
        self.commandLine = commandLine
        self.profile = profile
        self.timeout = timeout
        self.environment = environment
    }

    /// Runs the command and returns the credentials it printed.
    ///
    /// Errors name the profile and include what the command wrote to standard error, never what it wrote to
    /// standard output: that is where the secrets are.
    public func credentials(clock: any WallClock) async throws(CredentialProcessError) -> AWSCredentials {
        let arguments = try Self.arguments(of: commandLine, profile: profile)
        let program = arguments[0]
        guard let executable = Self.executablePath(program, environment: environment) else {
            throw CredentialProcessError(
                .couldNotStart, profile: profile, program: program, detail: "not found on PATH")
        }
        let environment = environment.values
        let timeout = timeout
        let result = await withCheckedContinuation { continuation in
            // The child is watched with blocking calls (poll, waitpid); keep them off the concurrency pool.
            DispatchQueue.global().async {
                continuation.resume(returning: ChildRun.run(executable, arguments, environment, timeout: timeout))
            }
        }
        let error = { (kind: CredentialProcessError.Kind, detail: String, stderr: [UInt8]) in
            CredentialProcessError(kind, profile: profile, program: program, detail: detail, stderr: stderr)
        }
        switch result {
        case .failure(let failure):
            throw error(.couldNotStart, String(cString: strerror(failure.code)), [])
        case .success(let output) where output.timedOut:
            throw error(.timedOut, "it did not finish within \(timeout) and was killed", output.stderr)
        case .success(let output) where output.exitStatus != 0:
            throw error(.failed, output.exitDescription, output.stderr)
        case .success(let output):
            do throws(OutputProblem) {
                return try Self.credentials(fromJSON: output.stdout, now: clock.now())
            } catch let problem {
                throw error(problem.kind, problem.detail, output.stderr)
            }
        }
    }
}

/// Why a `credential_process` gave no credentials. Its text names the profile and shows the command's standard
/// error (trimmed, at most about 500 characters), never its standard output.
public struct CredentialProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The command line is empty or its quoting is unbalanced.
        case invalidCommandLine
        /// The program could not be started.
        case couldNotStart
        /// The program ran longer than the time limit and was killed.
        case timedOut
        /// The program exited with a non-zero status or was killed by a signal.
        case failed
        /// Standard output was not the JSON object the AWS CLI expects.
        case invalidOutput
        /// The JSON's `Version` is not 1.
        case unsupportedVersion
        /// `AccessKeyId` or `SecretAccessKey` is missing or empty.
        case missingKeys
        /// `Expiration` lies in the past.
        case alreadyExpired
    }

    public var kind: Kind
    public var profile: String
    /// The program's name or path (the first word of the command line, without its arguments, which may be private).
    public var program: String
    /// More about what happened; never holds a secret.
    public var detail: String
    /// The program's standard error, trimmed and shortened.
    public var stderr: String

    public init(_ kind: Kind, profile: String, program: String, detail: String, stderr: String = "") {
        self.kind = kind
        self.profile = profile
        self.program = program
        self.detail = detail
        self.stderr = stderr
    }

    init(_ kind: Kind, profile: String, program: String, detail: String, stderr: [UInt8]) {
        var text = String(decoding: stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > 500 { text = text.prefix(500) + "…" }
        self.init(kind, profile: profile, program: program, detail: detail, stderr: text)
    }

    public var description: String {
        let subject = "credential_process of profile '\(profile)'"
        let running = program.isEmpty ? subject : "\(subject) (\(program))"
        let text: String
        switch kind {
        case .invalidCommandLine: text = "\(subject) cannot be split into words: \(detail); fix its quoting"
        case .couldNotStart: text = "\(running) could not be started: \(detail); check the command and PATH"
        case .timedOut: text = "\(running) timed out: \(detail)"
        case .failed: text = "\(running) failed: \(detail)"
        case .invalidOutput, .unsupportedVersion, .missingKeys:
            text =
                "\(running) printed unusable credentials: \(detail); it must print JSON with Version 1, "
                + "AccessKeyId and SecretAccessKey"
        case .alreadyExpired: text = "\(running) printed credentials that already expired: \(detail)"
        }
        return stderr.isEmpty ? text : "\(text)\nits standard error: \(stderr)"
    }
}

// MARK: - Command line and output

extension CredentialProcessRunner {
    /// The words of a command line, split as Python's `shlex.split` does, which is what the AWS CLI uses: blanks
    /// separate words; single quotes keep everything literally; double quotes keep everything but `\"` and `\\`;
    /// outside quotes a backslash keeps the next character literally. No `#` comments, no variables, no globbing.
    static func arguments(of commandLine: String, profile: String) throws(CredentialProcessError) -> [String] {
        enum Quote { case none, single, double }
        func invalid(_ detail: String) -> CredentialProcessError {
            CredentialProcessError(.invalidCommandLine, profile: profile, program: "", detail: detail)
        }
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote = Quote.none
        var characters = commandLine.makeIterator()
        while let character = characters.next() {
            switch (quote, character) {
            case (.single, "'"), (.double, "\""):
                quote = .none
            case (.single, _):
                word.append(character)
            case (.double, "\\"):
                guard let next = characters.next() else { throw invalid("no closing quotation") }
                if next != "\"" && next != "\\" { word.append("\\") }
                word.append(next)
            case (.double, _):
                word.append(character)
            case (.none, " "), (.none, "\t"), (.none, "\n"), (.none, "\r"):
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case (.none, "\\"):
                guard let next = characters.next() else { throw invalid("a backslash at the end escapes nothing") }
                word.append(next)
                inWord = true
            case (.none, "'"):
                quote = .single
                inWord = true
            case (.none, "\""):
                quote = .double
                inWord = true
            case (.none, _):
                word.append(character)
                inWord = true
            }
        }
        guard quote == .none else { throw invalid("no closing quotation") }
        if inWord { words.append(word) }
        guard !words.isEmpty else { throw invalid("it is empty") }
        return words
    }

    /// Where the program lives: a name with a slash as given, otherwise the first executable of that name on the
    /// environment's `PATH`, as the AWS CLI's subprocess finds it. No `~` expansion: the AWS CLI does none either,
    /// and a profile should not work here yet fail with `aws`.
    static func executablePath(_ program: String, environment: Environment) -> String? {
        if program.contains("/") { return program }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
                access(candidate, X_OK) == 0
            {
                return candidate
            }
        }
        return nil
    }

    /// A problem with the JSON, before it is tied to a profile and program.
    struct OutputProblem: Error {
        var kind: CredentialProcessError.Kind
        var detail: String
    }

    /// The credentials in the JSON the AWS CLI defines: `Version` 1, `AccessKeyId`, `SecretAccessKey`, and
    /// optionally `SessionToken` and an ISO 8601 `Expiration` (none means they never expire).
    static func credentials(fromJSON data: [UInt8], now: Date) throws(OutputProblem) -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any] else {
            throw OutputProblem(
                kind: .invalidOutput,
                detail: data.isEmpty ? "its standard output was empty" : "its standard output is not a JSON object")
        }
        guard let version = object["Version"] as? NSNumber, version == 1 else {
            let shown = object["Version"].map { "\($0)".prefix(20) } ?? "missing"
            throw OutputProblem(kind: .unsupportedVersion, detail: "Version is \(shown), only 1 is supported")
        }
        func text(_ key: String) -> String? {
            (object[key] as? String).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let keyID = text("AccessKeyId"), let secret = text("SecretAccessKey") else {
            let missing = ["AccessKeyId", "SecretAccessKey"].filter { text($0) == nil }
            throw OutputProblem(kind: .missingKeys, detail: "\(missing.joined(separator: " and ")) missing or empty")
        }
        var expiration: Date?
        if let expirationText = text("Expiration") {
            guard let date = parseAWSTimestamp(expirationText) else {
                throw OutputProblem(
                    kind: .invalidOutput, detail: "Expiration '\(expirationText.prefix(40))' is not an ISO 8601 time")
            }
            guard date > now else {
                throw OutputProblem(
                    kind: .alreadyExpired,
                    detail: "Expiration \(date.formatted(.iso8601)) is before now, \(now.formatted(.iso8601))")
            }
            expiration = date
        }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: text("SessionToken"), expiration: expiration)
    }
}

// MARK: - Running the child

/// One run of a child process with posix_spawn: its own process group (so a timeout kills its children too),
/// default signal handling and an empty signal mask (whatever thread starts it, with whatever it blocks), standard
/// input from /dev/null, and both outputs collected.
enum ChildRun {
    /// Why a child could not be started: an errno value.
    struct SpawnFailure: Error {
        var code: Int32
    }

    struct Output: Sendable {
        /// The raw wait status.
        var waitStatus: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        var timedOut: Bool

        /// The exit code, or 128 + the signal when a signal ended it, as shells report it.
        var exitStatus: Int32 {
            waitStatus & 0x7f == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        }

        var exitDescription: String {
            waitStatus & 0x7f == 0
                ? "it exited with status \(exitStatus)" : "it was killed by signal \(waitStatus & 0x7f)"
        }
    }

    /// More output than any credentials need is read and dropped, so a runaway child cannot fill memory.
    static let outputLimit = 1 << 20

    /// Runs `executable` with `arguments` (the first one is the program's name) and exactly `environment`, and
    /// waits for it, killing its process group after `timeout`. Fails with an errno when it cannot be started.
    static func run(_ executable: String, _ arguments: [String], _ environment: [String: String], timeout: Duration)
        -> Result<Output, SpawnFailure>
    {
        let started = spawning.withLock { _ -> Result<(pid: pid_t, stdout: Int32, stderr: Int32), SpawnFailure> in
            var stdoutPipe: [Int32] = [-1, -1]
            var stderrPipe: [Int32] = [-1, -1]
            guard makePipe(&stdoutPipe) else { return .failure(SpawnFailure(code: errno)) }
            guard makePipe(&stderrPipe) else {
                let failure = SpawnFailure(code: errno)
                stdoutPipe.forEach { close($0) }
                return .failure(failure)
            }
            let spawned = spawn(executable, arguments, environment, stdout: stdoutPipe[1], stderr: stderrPipe[1])
            close(stdoutPipe[1])
            close(stderrPipe[1])
            if case .failure = spawned {
                close(stdoutPipe[0])
                close(stderrPipe[0])
            }
            return spawned.map { ($0, stdoutPipe[0], stderrPipe[0]) }
        }
        return started.map { watch($0.pid, stdout: $0.stdout, stderr: $0.stderr, timeout: timeout) }
    }

    /// Held from making the pipes until the parent has closed its copies of their write ends, so that two children
    /// started at once never inherit each other's pipes (which would keep them open after a child exits). Swift's
    /// Glibc has no `pipe2`, so close-on-exec is set in a second step.
    private static let spawning = Mutex(())

    /// A pipe whose ends are closed in every program started later.
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], _ environment: [String: String], stdout: Int32, stderr: Int32
    ) -> Result<pid_t, SpawnFailure> {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // "Text file busy": a program written a moment ago can still be open for writing in a child some other
        // thread is starting, until that child's exec closes it. That clears within milliseconds.
        for _ in 0..<20 where code == ETXTBSY {
            usleep(10_000)
            code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        return code == 0 ? .success(pid) : .failure(SpawnFailure(code: code))
    }

    /// Reads both outputs until they close and the child has exited, or kills the child's process group when the
    /// time is up.
    private static func watch(_ pid: pid_t, stdout: Int32, stderr: Int32, timeout: Duration) -> Output {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var collected: [Int32: [UInt8]] = [stdout: [], stderr: []]
        var open = [stdout, stderr]
        var waitStatus: Int32 = 0
        var exited = false
        var buffer = [UInt8](repeating: 0, count: 16384)

        while !exited || !open.isEmpty {
            let left = clock.now.duration(to: deadline)
            if left <= .zero { break }
            // Poll in short slices: an exited child whose grandchild still holds a pipe must not stall the check.
            let slice = Int32(min(left, .milliseconds(50)).components.attoseconds / 1_000_000_000_000_000 + 1)
            if open.isEmpty {
                usleep(useconds_t(min(slice, 10)) * 1000)
            } else {
                var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
                if poll(&fds, nfds_t(fds.count), slice) > 0 {
                    for entry in fds where entry.revents != 0 {
                        let count = read(entry.fd, &buffer, buffer.count)
                        if count > 0 {
                            if collected[entry.fd, default: []].count < outputLimit {
                                collected[entry.fd, default: []] += buffer[0..<count]
                            }
                        } else if count == 0 || errno != EINTR {
                            open.removeAll { $0 == entry.fd }
                            close(entry.fd)
                        }
                    }
                }
            }
            if !exited, waitpid(pid, &waitStatus, WNOHANG) == pid {
                exited = true
            }
        }

        // Out of time with the child still running: kill it and everything it started. A child that exited but
        // left a grandchild holding its outputs is not waited for any longer; it keeps running, reading nothing.
        let timedOut = !exited
        if timedOut {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            while waitpid(pid, &waitStatus, 0) == -1 && errno == EINTR {}
        }
        open.forEach { close($0) }
        return Output(
            waitStatus: waitStatus, stdout: collected[stdout] ?? [], stderr: collected[stderr] ?? [],
            timedOut: timedOut)
    }
}
