import ArgumentParser
import ECRSessions
import Foundation

extension Root.Accounts {
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login",
            abstract: "Log accounts in now: fetch a fresh ECR token for each and write it where the tools read it.",
            discussion: "Exit status: 0 all logged in, 1 some failed (the others were still logged in), 2 bad usage "
                + "or configuration (nothing changed).")

        @Flag(name: .long, help: "Log every account in.")
        var all = false

        @Argument(help: "Accounts (profiles) to log in.", completion: ShellCompletion.accountNames)
        var profiles: [String] = []

        @Option(name: .long, help: "How many accounts to log in at once (default: the config file's, else 16).")
        var concurrency: Int?

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            if all && !profiles.isEmpty { throw ValidationError("Use --all or name profiles, not both.") }
            if !all && profiles.isEmpty { throw ValidationError("Name the profiles to log in, or use --all.") }
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1.") }
        }

        func run() async throws {
            let context = try options.context()
            let loading = context.loadNetworkInBackground()
            defer { loading?.wait() }
            let action = Actions.AccountsLogin(context)
            let accounts = try await action.accounts(named: profiles)
            if accounts.isEmpty {
                print(
                    profiles.isEmpty && (try? context.configuration())??.accounts.isEmpty == false
                        ? "Every account in the config file is disabled (enabled = false); nothing to log in."
                        : "No profile in the AWS config or credentials files yields credentials. Run: aws configure")
                return
            }
            let progress = LoginProgress(
                total: accounts.flatMap(\.jobs).count, output: options.output, now: context.clock.now())
            // Only a person at a terminal can type an MFA code; anywhere else such a role fails with its reason.
            // Past this point some registries may already be logged in: a failure is exit 1, never 2. Errors are
            // told as they come; a success once its registry is written into every target (within a quarter second).
            let report = try await afterChanges {
                try await action.run(
                    accounts, concurrency: concurrency, recordingForStatus: all,
                    mfaPrompt: progress.pausing(TerminalMFAPrompt.ifInteractive()),
                    progress: { result in progress.record(result) },
                    written: { results, failed in progress.recordWritten(results, failedHosts: failed) })
            }
            progress.finish()
            printLoginProblems(report)
            if let problem = report.metricsError { printError("warning: \(problem)") }
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}
