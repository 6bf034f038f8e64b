import ArgumentParser
import ECRSessions

extension Root {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Copy this ecr-sessions to ~/.local/bin (or PREFIX/bin), link the credential helper beside it, "
                + "install the manual page and the bash, zsh and fish completions, and point an installed timer at "
                + "the copy.",
            discussion: "Run it from the build folder once (`.build/release/ecr-sessions install`); from then on run "
                + "the installed copy, so `timer install` and the helper never point into .build/. The manual page "
                + "goes to PREFIX/share/man/man1 (`man ecr-sessions` once PREFIX/bin is on PATH); the completions to "
                + "PREFIX/share/bash-completion/completions, PREFIX/share/zsh/site-functions (add it to fpath before "
                + "compinit) and PREFIX/share/fish/vendor_completions.d.")

        @Option(
            help: ArgumentHelp(
                "Where to install: the binary goes to PREFIX/bin (default: ~/.local).", valueName: "dir"),
            completion: .directory)
        var prefix: String?

        func run() throws {
            let environment = Environment.current
            let completions = ShellCompletionScript.Shell.allCases.map { shell in
                let generated: CompletionShell =
                    switch shell {
                    case .bash: .bash
                    case .zsh: .zsh
                    case .fish: .fish
                    }
                return ShellCompletionScript(shell: shell, text: Root.completionScript(for: generated))
            }
            let installation = Installation(
                prefix: prefix.map { environment.expandingTilde($0) }
                    ?? Installation.defaultPrefix(environment: environment),
                environment: environment, completions: completions)
            let outcome: Installation.Outcome
            do {
                outcome = try installation.install()
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            print(outcome.copied ? "Installed \(installation.executable)" : "\(installation.executable) is up to date.")
            if outcome.helper != .alreadyLinked {
                print(
                    "Linked \(installation.binDirectory)/docker-credential-ecr-sessions -> \(installation.executable)")
            }
            if let page = outcome.manualPage {
                if page.changed { print("Installed \(page.path) (man ecr-sessions)") }
            } else {
                printError(
                    "warning: no manual page beside \(installation.source) to install: run install from the source "
                        + "checkout's .build, whose man/\(ManualPage.fileName) it copies")
            }
            for script in outcome.completions where script.changed { print("Installed \(script.path)") }
            for path in outcome.repointed { print("Pointed \(path) at \(installation.executable)") }
            if !outcome.onPath {
                printError(
                    "warning: \(installation.binDirectory) is not on PATH: add it "
                        + "(export PATH=\"\(installation.binDirectory):$PATH\") to run ecr-sessions and its helper")
            }
        }
    }
}
