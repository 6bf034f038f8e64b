import ArgumentParser
import ECRSessions
import Foundation

@main
struct Root: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecr-sessions",
        abstract: "Keeps every Amazon ECR registry you use logged in, ahead of expiry.",
        discussion: "Exit status: 0 all good, 1 some account failed (the others were still done), 2 bad usage or "
            + "bad configuration (nothing changed). `status --check` exits 0 ok, 1 warning, 2 critical, 3 unknown.",
        version: ECRSessionsVersion.current,
        subcommands: [
            Accounts.self, Refresh.self, Daemon.self, Status.self, GetLoginPassword.self, Login.self, Logout.self,
            CredentialHelper.self, KubeletCredentialProvider.self, Doctor.self, Install.self, Timer.self, Version.self,
        ]
    )

    /// `ecr-sessions version`: the same as `--version`, for those who type it as a command.
    struct Version: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "version", abstract: "Print the version of ecr-sessions.")

        @OptionGroup var output: OutputOptions

        func run() {
            print(ECRSessionsVersion.current)
        }
    }

    /// Parses, runs, and turns what the command threw into text and an exit status, in this one place: bad usage
    /// is 2 (argument-parser's own 64 included), a library error exits as its `FailureCategory` says.
    static func main() async {
        var frequent: (any QuickParsable)?
        var command: (any ParsableCommand)?
        do {
            // Run as docker-credential-ecr-sessions, this binary is its own credential helper.
            let helper = CommandLine.arguments.first?.split(separator: "/").last == "\(CredentialHelper.executableName)"
            let arguments = (helper ? ["credential-helper"] : []) + CommandLine.arguments.dropFirst()
            frequent = QuickArguments.command(arguments)
            if frequent == nil { command = try parseAsRoot(arguments) }
        } catch {
            exitForUsage(error)
        }
        do {
            if var frequent {
                try await frequent.runQuickParsed()
            } else if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command?.run()
            }
        } catch let error as ExitCode {
            exit(withError: error)  // already reported by the command
        } catch let error as ValidationError {
            exitForUsage(error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch where exitCode(for: error) == .success {
            // `--help` and `--version` arrive as a help command whose run() throws the request: print it, exit 0.
            exit(withError: error)
        } catch {
            printError("error: \(error)")
            Foundation.exit(FailureCategory(of: error).exitStatus)
        }
    }

    /// argument-parser exits 64 (EX_USAGE) for bad usage; our contract says 2, like bad configuration.
    private static func exitForUsage(_ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        // argument-parser says "Error: ..."; everything else in ecr-sessions says "error: ...".
        let message = fullMessage(for: error)
        printError(message.hasPrefix("Error: ") ? "error: " + message.dropFirst("Error: ".count) : message)
        Foundation.exit(2)
    }
}

extension FailureCategory {
    /// The exit status the contract gives this kind of failure.
    var exitStatus: Int32 {
        switch self {
        case .partial: 1
        case .configuration: 2
        }
    }
}
