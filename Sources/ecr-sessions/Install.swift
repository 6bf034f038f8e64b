import ArgumentParser
import ECRSessions

extension Root {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Copy this ecr-sessions to ~/.local/bin (or PREFIX/bin), link the credential helper beside it, "
                + "and point an installed timer at the copy.",
            discussion: "Run it from the build folder once (`.build/release/ecr-sessions install`); from then on run "
                + "the installed copy, so `timer install` and the helper never point into .build/.")

        @Option(
            help: ArgumentHelp("Where to install: the binary goes to PREFIX/bin (default: ~/.local).", valueName: "dir")
        )
        var prefix: String?

        func run() throws {
            let environment = Environment.current
            let installation = Installation(
                prefix: prefix.map { environment.expandingTilde($0) }
                    ?? Installation.defaultPrefix(environment: environment),
                environment: environment)
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
            for path in outcome.repointed { print("Pointed \(path) at \(installation.executable)") }
            if !outcome.onPath {
                printError(
                    "warning: \(installation.binDirectory) is not on PATH: add it "
                        + "(export PATH=\"\(installation.binDirectory):$PATH\") to run ecr-sessions and its helper")
            }
        }
    }
}
