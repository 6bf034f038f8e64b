import ArgumentParser
import ECRSessions

extension Root.Accounts {
    struct Logout: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logout",
            abstract: "Remove exactly what ecr-sessions wrote for accounts, leaving each file as it was before.",
            discussion: "Each registry config file gets back the entries it had before the first login (a file "
                + "that did not exist is removed, maps ecr-sessions added are removed when empty, credHelpers "
                + "entries it registered are undone), and the cached tokens are forgotten. User/password logins "
                + "stay: remove them with `ecr-sessions logout HOST`.")

        @Flag(name: .long, help: "Log every account out.")
        var all = false

        @Argument(help: "Accounts (profiles) to log out.")
        var profiles: [String] = []

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            if all && !profiles.isEmpty { throw ValidationError("Use --all or name profiles, not both.") }
            if !all && profiles.isEmpty { throw ValidationError("Name the profiles to log out, or use --all.") }
        }

        func run() throws {
            let report = try Actions.Logout(options.context()).accounts(profiles)
            printLogout(report)
            if report.forgottenLogins > 0 {
                // Logout is not a pause: the accounts are still configured, and the next refresh logs them in.
                print(
                    "Note: `ecr-sessions refresh` (a timer, cron or the daemon) logs configured accounts in again; "
                        + "to keep one out, set `enabled = false` in its [account] section.")
            }
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}

/// Says what a logout changed, and what it could not.
func printLogout(_ report: LogoutReport) {
    for line in report.removed { print("Removed: \(line)") }
    if report.removed.isEmpty && report.errors.isEmpty {
        print("Nothing to remove: ecr-sessions wrote no entry for that in any file.")
    }
    if report.forgottenLogins > 0 { print("Forgot \(report.forgottenLogins) cached login(s).") }
    for failure in report.errors { printError("error: \(failure)") }
}
