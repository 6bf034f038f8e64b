import Foundation

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
        // As the AWS CLI's subprocess finds it. No `~` expansion: the AWS CLI does none either, and a profile
        // should not work here yet fail with `aws`.
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let executable = ExecutableSearch.find(program, path: path) else {
            throw CredentialProcessError(
                .couldNotStart, profile: profile, program: program, detail: "not found on PATH")
        }
        let child = ChildProcess(executable, arguments: arguments, environment: environment.values, timeout: timeout)
        let error = { (kind: CredentialProcessError.Kind, detail: String, stderr: [UInt8]) in
            CredentialProcessError(kind, profile: profile, program: program, detail: detail, stderr: stderr)
        }
        let output: ChildProcess.Output
        do {
            output = try await child.run()
        } catch let failure {
            throw error(.couldNotStart, failure.reason, [])
        }
        guard !output.timedOut else {
            throw error(.timedOut, "it did not finish within \(timeout) and was killed", output.stderr)
        }
        guard output.exitStatus == 0 else { throw error(.failed, output.exitDescription, output.stderr) }
        do throws(OutputProblem) {
            return try Self.credentials(fromJSON: output.stdout, now: clock.now())
        } catch let problem {
            throw error(problem.kind, problem.detail, output.stderr)
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
