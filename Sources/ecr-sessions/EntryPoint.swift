import ArgumentParser
import Foundation

@main
struct Root: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecr-sessions",
        abstract: "Keeps every Amazon ECR registry you use logged in, ahead of expiry.",
        discussion: "Exit status: 0 all good, 1 some account failed (the others were still done), 2 bad usage or "
            + "bad configuration (nothing changed).",
        subcommands: [
            Accounts.self, Refresh.self, Daemon.self, Status.self, GetLoginPassword.self, Login.self, Logout.self,
            CredentialHelper.self, Timer.self,
        ]
    )

    /// argument-parser exits 64 (EX_USAGE) for bad usage; our contract says 2, like bad configuration.
    static func main() async {
        do {
            // Run as docker-credential-ecr-sessions, this binary is its own credential helper.
            let helper = CommandLine.arguments.first?.split(separator: "/").last == "\(CredentialHelper.executableName)"
            var command = try parseAsRoot(helper ? ["credential-helper"] + CommandLine.arguments.dropFirst() : nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            printError(fullMessage(for: error))
            Foundation.exit(2)
        }
    }
}
