import Foundation
import TestSupport
import Testing

/// The shell completions `install` puts under the prefix, run by the real shells: bash through bash-completion's own
/// loader, fish and zsh at a real prompt (a pseudo-terminal). Names come from a temporary HOME's AWS files: `alpha`
/// (keys in the config file), `beta` (no credentials, so a profile but no account) and `gamma` (the credentials
/// file).
@Suite struct CompletionTests {
    let sandbox: CLISandbox
    /// The default prefix, whose bin is first on PATH, as the README's install leaves it.
    let prefix: String

    init() throws {
        var sandbox = try CLISandbox()
        try sandbox.write(
            ".aws/config",
            "[profile alpha]\nregion = eu-west-1\naws_access_key_id = AKIAALPHA\naws_secret_access_key = a\n\n"
                + "[profile beta]\nregion = us-east-1\n")
        try sandbox.write(".aws/credentials", "[gamma]\naws_access_key_id = AKIAGAMMA\naws_secret_access_key = g\n")
        prefix = sandbox.home.path + "/.local"
        sandbox.environment["PATH"] = prefix + "/bin:/usr/bin:/bin"
        let install = try sandbox.run("install")
        #expect(install.status == 0, "\(install)")
        for path in ["bash-completion/completions/ecr-sessions", "zsh/site-functions/_ecr-sessions"]
            + ["fish/vendor_completions.d/ecr-sessions.fish"]
        {
            #expect(install.stdout.contains("Installed \(prefix)/share/\(path)\n"), "\(install)")
        }
        self.sandbox = sandbox
    }

    /// What bash completes for `line` (the cursor at its end), with the completion bash-completion loads on demand.
    func bash(_ line: String) throws -> [String] {
        let script = """
            source /usr/share/bash-completion/bash_completion
            __load_completion ecr-sessions || exit 3
            function=$(complete -p ecr-sessions | sed -E 's/.* -F ([^ ]+) .*/\\1/')
            COMP_LINE="$1"
            COMP_POINT=${#COMP_LINE}
            read -r -a COMP_WORDS <<< "$COMP_LINE"
            [[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
            COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            "$function" ecr-sessions "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        #expect(
            FileManager.default.fileExists(atPath: "/usr/share/bash-completion/bash_completion"),
            "bash-completion is not installed: scripts/bootstrap installs it")
        let result = try run(
            "/bin/bash", ["-c", script, "bash", line], environment: sandbox.environment,
            currentDirectory: sandbox.home.path)
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func bashCompletesAccountsProfilesAndConfigFiles() throws {
        defer { sandbox.remove() }
        #expect(try bash("ecr-sessions accounts login ") == ["alpha", "gamma"])
        #expect(try bash("ecr-sessions accounts logout alpha g") == ["gamma"])
        #expect(try bash("ecr-sessions get-login-password --profile b") == ["beta"])
        try sandbox.write("team.config", "[settings]\n")
        #expect(try bash("ecr-sessions refresh --config tea") == ["team.config"])
    }

    @Test func bashCompletesTheAccountsOfTheConfigOnTheLine() throws {
        defer { sandbox.remove() }
        try sandbox.write("team.config", "[account prod]\nprofile = gamma\n\n[account stage]\nprofile = alpha\n")
        #expect(try bash("ecr-sessions accounts login --config team.config ") == ["prod", "stage"])
    }

    /// Whether `shell`, interactive on a pseudo-terminal, shows every one of `expected` after `line` and a TAB, as
    /// users type it. `setup` (one line) makes the prompt `READY> ` (and loads what the shell needs), so that the
    /// typing starts only once the shell is ready; what the shell printed is returned when a name is missing.
    func typedAtAPrompt(_ shell: String, _ arguments: [String], setup: String, line: String, expected: [String])
        throws -> String
    {
        let typist = """
            import os, pty, select, sys, time
            setup, line, expected, command = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4:]
            pid, fd = pty.fork()
            if pid == 0:
                os.execv(command[0], command)
            seen = b""
            def read_for(seconds, until):
                global seen
                end = time.time() + seconds
                while time.time() < end and not until():
                    if select.select([fd], [], [], 0.1)[0]:
                        try:
                            seen += os.read(fd, 65536)
                        except OSError:
                            return
            os.write(fd, setup.encode() + b"\\n")
            read_for(20, lambda: b"READY> " in seen)
            typed = len(seen)
            os.write(fd, line.encode() + b"\\t")
            found = lambda: all(name.encode() in seen[typed:] for name in expected)
            read_for(20, found)
            os.kill(pid, 9)
            print("found" if found() else seen.decode(errors="replace"))
            """
        var environment = sandbox.environment
        environment["TERM"] = "xterm"
        let result = try run(
            "/usr/bin/python3", ["-c", typist, setup, line, expected.joined(separator: " "), shell] + arguments,
            environment: environment, currentDirectory: sandbox.home.path)
        return result.stdout
    }

    @Test func fishCompletesAccountsAtARealPrompt() throws {
        defer { sandbox.remove() }
        let fish = try #require(which("fish"), "fish is not installed: scripts/bootstrap installs it")
        // fish 3 gives a completion function no cursor under `complete -C`, so only a real prompt runs the
        // generated script as users do. fish finds it in the prefix's vendor_completions.d on its own.
        let shown = try typedAtAPrompt(
            fish, ["-i"], setup: "function fish_prompt; echo -n 'READY> '; end",
            line: "ecr-sessions accounts login ", expected: ["alpha", "gamma"])
        #expect(shown == "found\n", "\(shown)")
    }

    @Test func zshCompletesAccountsAndProfilesAtARealPrompt() throws {
        defer { sandbox.remove() }
        let zsh = try #require(which("zsh"), "zsh is not installed: scripts/bootstrap installs it")
        // zsh reads completions from fpath once compinit runs, as a user's .zshrc does with the prefix added.
        let setup = "fpath=(\(prefix)/share/zsh/site-functions $fpath); autoload -Uz compinit; compinit -u; "
            + "PS1='READY> '"
        let accounts = try typedAtAPrompt(
            zsh, ["-f", "-i"], setup: setup, line: "ecr-sessions accounts login ", expected: ["alpha", "gamma"])
        #expect(accounts == "found\n", "\(accounts)")
        let profile = try typedAtAPrompt(
            zsh, ["-f", "-i"], setup: setup, line: "ecr-sessions get-login-password --profile b", expected: ["beta"])
        #expect(profile == "found\n", "\(profile)")
    }

    @Test func zshsScriptCallsBackIntoTheBinaryForNamesAndCompletesFiles() throws {
        defer { sandbox.remove() }
        let script = try String(contentsOfFile: prefix + "/share/zsh/site-functions/_ecr-sessions", encoding: .utf8)
        #expect(script.hasPrefix("#compdef ecr-sessions"))
        #expect(script.contains("__ecr-sessions_custom_complete ---completion accounts login -- positional@0"))
        #expect(script.contains("__ecr-sessions_custom_complete ---completion get-login-password -- --profile"))
        #expect(script.contains("--config[") && script.contains(":file:_files"), "\(script)")
    }

    @Test func theCallbackIsQuickAndQuietAndWritesNothing() throws {
        defer { sandbox.remove() }
        // A config file with a syntax error still gives an answer (the AWS files' accounts), and no error.
        try sandbox.write(".config/ecr-sessions/config", "[account broken\nprofile = alpha\n")
        let started = Date()
        let names = try sandbox.run(
            "---completion", "accounts", "login", "--", "positional@0", "3", "0", "ecr-sessions", "accounts", "login",
            "")
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(names.status == 0 && names.stderr.isEmpty, "\(names)")
        #expect(names.stdout == "alpha\ngamma\n", "\(names)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.home.path + "/.local/state"), "a cache was opened")
    }
}
