import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct CredentialProcessSplittingTests {
    @Test(arguments: [
        ("a b  c", ["a", "b", "c"]),
        (#"'/opt/my tool/bin' --x "y z""#, ["/opt/my tool/bin", "--x", "y z"]),
        (#"a\ b"#, ["a b"]),
        (#""a\"b" 'c\d' "e\f""#, [#"a"b"#, #"c\d"#, #"e\f"#]),
        (#"a '' b"#, ["a", "", "b"]),
        ("x#y #z $HOME", ["x#y", "#z", "$HOME"]),
        (#"pre"quoted"post 'it'"'"'s'"#, ["prequotedpost", "it's"]),
        ("\ttool\n--flag\r", ["tool", "--flag"]),
    ])
    func splitsAsShlexDoes(commandLine: String, expected: [String]) throws {
        #expect(try CredentialProcessRunner.arguments(of: commandLine, profile: "p") == expected)
    }

    @Test(arguments: [#""unclosed"#, "'unclosed", #"trailing\"#, "", "   "])
    func rejectsWhatShlexRejects(commandLine: String) {
        let error = #expect(throws: CredentialProcessError.self) {
            try CredentialProcessRunner.arguments(of: commandLine, profile: "dev")
        }
        #expect(error?.kind == .invalidCommandLine)
        #expect(error?.description.contains("'dev'") == true)
    }
}

@Suite struct CredentialProcessTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory("credential-process")
    }

    /// An executable shell script in the temporary directory; returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let path = try directory.write(name, "#!/bin/sh\n" + body + "\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    func process(_ commandLine: String, timeout: Duration = .seconds(10), environment: [String: String] = [:])
        -> CredentialProcessRunner
    {
        CredentialProcessRunner(
            commandLine: commandLine, profile: "dev", timeout: timeout,
            environment: Environment(["PATH": "/usr/bin:/bin"].merging(environment) { $1 }))
    }

    @Test func runsTheCommandAndReadsItsCredentials() async throws {
        defer { directory.remove() }
        // Echoes its first argument, an environment variable and whatever stdin holds (nothing: it is closed).
        let path = try script(
            "my tool.sh",
            """
            input=$(cat)
            printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "secret%s", "SessionToken": "%s", "Expiration": "2027-01-15T09:00:00Z"}' "$1" "$input" "$TOKEN_FROM_ENV"
            """)
        let commandLine = "'\(path)' 'AKIA WITH SPACE'"
        let credentials = try await process(commandLine, environment: ["TOKEN_FROM_ENV": "tok"]).credentials(
            clock: ManualClock(now))
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyID: "AKIA WITH SPACE", secretAccessKey: "secret", sessionToken: "tok",
                    expiration: now.addingTimeInterval(3600)))
    }

    @Test func findsTheProgramOnPATHAndAllowsNoExpiration() async throws {
        defer { directory.remove() }
        _ = try script("print-creds", #"echo '{"Version": 1, "AccessKeyId": "AKIA1", "SecretAccessKey": "s"}'"#)
        let credentials = try await process("print-creds", environment: ["PATH": directory.path])
            .credentials(clock: ManualClock(now))
        #expect(credentials == AWSCredentials(accessKeyID: "AKIA1", secretAccessKey: "s"))
    }

    @Test func aFailingCommandShowsItsStderrButNeverItsStdout() async throws {
        defer { directory.remove() }
        let path = try script(
            "fails",
            """
            echo '{"Version": 1, "AccessKeyId": "AKIA1", "SecretAccessKey": "STDOUT-SECRET"}'
            echo "  token expired, run sso-login first  " >&2
            exit 3
            """)
        let error = await #expect(throws: CredentialProcessError.self) {
            _ = try await process(path + " --secret-arg").credentials(clock: ManualClock(now))
        }
        #expect(error?.kind == .failed)
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("'dev'"))
        #expect(text.contains("status 3"))
        #expect(text.contains("its standard error: token expired, run sso-login first"))
        #expect(!text.contains("STDOUT-SECRET"))
        #expect(!text.contains("--secret-arg"), "arguments may be private; only the program is named")
    }

    @Test func longStderrIsShortened() async throws {
        defer { directory.remove() }
        let path = try script("chatty", "i=0; while [ $i -lt 300 ]; do printf 'noise-' >&2; i=$((i+1)); done; exit 1")
        let error = await #expect(throws: CredentialProcessError.self) {
            _ = try await process(path).credentials(clock: ManualClock(now))
        }
        #expect(error?.stderr.count == 501)
    }

    @Test func aCommandThatHangsIsKilledWithItsChildren() async throws {
        defer { directory.remove() }
        let marker = directory.url("grandchild-pid").path
        // The shell starts `sleep` as a child of its own; both must die at the timeout.
        let path = try script("hangs", "echo starting >&2; sleep 30 & echo $! > '\(marker)'; wait")
        let started = ContinuousClock.now
        let error = await #expect(throws: CredentialProcessError.self) {
            _ = try await process(path, timeout: .milliseconds(500)).credentials(clock: ManualClock(now))
        }
        // Timed out means the shell was still waiting when it was killed, so the kill came before the grandchild's
        // 30 s were up (a wall-clock bound here failed on a busy machine, where resuming the test itself took 20 s).
        _ = started
        #expect(error?.kind == .timedOut)
        #expect(error?.stderr == "starting")
        let grandchild = try #require(
            pid_t(try String(contentsOfFile: marker, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await Task.sleep(for: .milliseconds(200))
        // Killed, it may linger as a zombie until whoever inherited it reaps it; it must not be running.
        let state = (try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8))
            .map { $0[$0.index(after: $0.lastIndex(of: ")")!)...].trimmingCharacters(in: .whitespaces).prefix(1) }
        #expect(state == nil || state == "Z", "the grandchild was killed too, state \(state ?? "-")")
    }

    @Test(arguments: [
        (
            #"{"Version": 2, "AccessKeyId": "AKIA1", "SecretAccessKey": "STDOUT-SECRET"}"#,
            CredentialProcessError.Kind.unsupportedVersion
        ),
        (#"{"AccessKeyId": "AKIA1", "SecretAccessKey": "STDOUT-SECRET"}"#, .unsupportedVersion),
        (#"{"Version": 1, "AccessKeyId": "STDOUT-SECRET"}"#, .missingKeys),
        (#"{"Version": 1, "AccessKeyId": "", "SecretAccessKey": "STDOUT-SECRET"}"#, .missingKeys),
        (#"Version: 1, SecretAccessKey: STDOUT-SECRET"#, .invalidOutput),
        ("", .invalidOutput),
        (
            #"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "STDOUT-SECRET", "Expiration": "soon"}"#,
            .invalidOutput
        ),
        (
            #"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "STDOUT-SECRET", "Expiration": "2027-01-15T07:59:59Z"}"#,
            .alreadyExpired
        ),
    ])
    func rejectsUnusableOutputWithoutShowingIt(output: String, kind: CredentialProcessError.Kind) async throws {
        defer { directory.remove() }
        let path = try script("prints", "cat <<'JSON'\n\(output)\nJSON\necho 'a warning' >&2")
        let error = await #expect(throws: CredentialProcessError.self) {
            _ = try await process(path).credentials(clock: ManualClock(now))
        }
        #expect(error?.kind == kind, "\(error.map(String.init(describing:)) ?? "")")
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("'dev'"))
        #expect(text.contains("a warning"))
        #expect(!text.contains("STDOUT-SECRET"))
    }

    @Test func aMissingProgramIsNamed() async throws {
        let error = await #expect(throws: CredentialProcessError.self) {
            _ = try await process("no-such-credential-tool --x").credentials(clock: ManualClock(now))
        }
        #expect(error?.kind == .couldNotStart)
        #expect(error?.description.contains("no-such-credential-tool") == true)
        let unexecutable = await #expect(throws: CredentialProcessError.self) {
            _ = try await process("/etc/hostname").credentials(clock: ManualClock(now))
        }
        #expect(unexecutable?.kind == .couldNotStart)
    }

    @Test func aPythonHelperWorksToo() async throws {
        defer { directory.remove() }
        let python = try #require(which("python3"), "python3 is needed for this test")
        let path = try directory.write(
            "helper.py",
            """
            import json, sys
            json.dump({"Version": 1, "AccessKeyId": "AKIAPY", "SecretAccessKey": sys.argv[1], "SessionToken": "t&<"}, sys.stdout)
            """)
        let credentials = try await process("\(python) \(path) 's3cr\"et'").credentials(clock: ManualClock(now))
        #expect(credentials == AWSCredentials(accessKeyID: "AKIAPY", secretAccessKey: "s3cr\"et", sessionToken: "t&<"))
    }
}
