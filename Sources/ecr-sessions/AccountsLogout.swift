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
                + "stay: remove them with `ecr-sessions logout HOST`. A name that is neither an account nor a "
                + "profile with something to remove is exit 2.")

        @Flag(name: .long, help: "Log every account out.")
        var all = false

        @Argument(help: "Accounts (profiles) to log out.", completion: ShellCompletion.accountNames)
        var profiles: [String] = []

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            if all && !profiles.isEmpty { throw ValidationError("Use --all or name profiles, not both.") }
            if !all && profiles.isEmpty { throw ValidationError("Name the profiles to log out, or use --all.") }
        }

        func run() throws {
            let context = try options.context()
            let logout = Actions.Logout(context)
            // Known names: an account that is configured but has nothing to remove is not a mistake.
            let known = Set(((try? context.accounts()) ?? []).flatMap { [$0.name, $0.profile] })
            let (report, unknown) = try logOut(all ? [nil] : profiles.map { $0 }, known: known) { name in
                try logout.accounts(name.map { [$0] } ?? [])
            }
            printLogout(report, asked: all ? "any account" : quotedList(profiles))
            if report.forgottenLogins > 0 {
                // Logout is not a pause: the accounts are still configured, and the next refresh logs them in.
                let zeroConfiguration = ((try? context.configuration()) ?? nil)?.accounts.isEmpty ?? true
                print(
                    "Note: `ecr-sessions refresh` (a timer, cron or the daemon) logs configured accounts in again; "
                        + (zeroConfiguration
                            ? "without [account] sections every profile with credentials and a region is one: to "
                                + "keep one out, list the accounts to keep as [account] sections in the config file."
                            : "to keep one out, set `enabled = false` in its [account] section."))
            }
            for name in unknown {
                printError("error: no account or profile named '\(name)' has anything to log out")
            }
            try exitForLogout(report, unknown: unknown)
        }
    }
}

/// Logs each of `names` out in turn (nil: everything), merging the reports, and returns the names that matched
/// nothing and are not in `known`.
func logOut(_ names: [String?], known: Set<String>, _ body: (String?) throws -> LogoutReport) throws
    -> (LogoutReport, unknown: [String])
{
    var merged = LogoutReport()
    var unknown: [String] = []
    for name in names {
        let report = try body(name)
        if let name, report.isEmpty, !known.contains(name) { unknown.append(name) }
        merged.removed += report.removed
        merged.forgottenLogins += report.forgottenLogins
        merged.errors += report.errors
    }
    return (merged, unknown)
}

/// Exit 2 when nothing named was found and nothing changed, 1 when something failed or only part was found.
func exitForLogout(_ report: LogoutReport, unknown: [String]) throws {
    if !unknown.isEmpty { throw ExitCode(report.isEmpty ? 2 : 1) }
    if !report.succeeded { throw ExitCode(1) }
}

/// `'a', 'b'`: what was asked for, for messages.
func quotedList(_ names: [String]) -> String {
    names.map { "'\($0)'" }.joined(separator: ", ")
}

extension LogoutReport {
    /// Nothing was removed, forgotten or attempted.
    var isEmpty: Bool { removed.isEmpty && forgottenLogins == 0 && errors.isEmpty }
}

/// Says what a logout changed, and what it could not; `asked` names what was asked for.
func printLogout(_ report: LogoutReport, asked: String) {
    for line in report.removed { print("Removed: \(line)") }
    if report.isEmpty {
        print("Nothing to remove: ecr-sessions wrote no entry for \(asked) in any file.")
    }
    if report.forgottenLogins > 0 { print("Forgot \(report.forgottenLogins) cached login(s).") }
    for failure in report.errors { printError("error: \(failure)") }
}
