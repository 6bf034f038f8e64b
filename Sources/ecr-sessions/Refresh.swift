import ArgumentParser
import ECRSessions
import Foundation

extension Root {
    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "refresh",
            abstract: "Renew the registries that are due; what cron or a systemd timer runs every few minutes.",
            discussion: """
                A registry is due when its token has less than refresh_before left (default: a quarter of its \
                life). Failing accounts back off (the backoff is kept in the cache, so cron runs honour it). \
                A second refresh while one runs says so and exits 0. Exit status 1 only when some registry is \
                failing and its token is expired or inside the refresh window.
                """)

        @Flag(name: .long, help: "Renew every registry now, whatever is due.")
        var force = false

        @Flag(name: .shortAndLong, help: "Print nothing unless something is wrong.")
        var quiet = false

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let sessions = try options.sessions()
            // Everything a bad configuration breaks is read first: that is exit 2, with nothing changed.
            do {
                _ = try sessions.cache()
                _ = try sessions.accounts()
                _ = try sessions.refreshPolicy()
            } catch {
                throw configurationFailure(error)
            }
            let report: RefreshReport
            let quiet = quiet
            do {
                report = try await sessions.refresh(force: force) { result in
                    printLoginResult(result, now: sessions.clock.now(), quiet: quiet)
                }
            } catch {
                // Past this point some registries may have been renewed: a failure is exit 1, never 2.
                printError("error: \(error)")
                throw ExitCode(1)
            }
            if let holder = report.heldBy {
                if !quiet {
                    print(
                        "Another ecr-sessions refresh is running\(holder.pid.map { " (pid \($0))" } ?? ""); nothing to do."
                    )
                }
                return
            }
            if !quiet {
                for host in report.repaired {
                    print("Rewrote the login for \(host): a registry config file had lost it.")
                }
            }
            if let login = report.login {
                printLoginProblems(login, includingTargetErrors: false)
            } else if !quiet && report.repaired.isEmpty {
                let next = report.nextDue.map { "; next due \(relative($0, to: sessions.clock.now()))" } ?? ""
                print("Nothing is due\(next).")
            }
            for failure in report.targetErrors { printError("error: \(failure)") }
            for problem in report.endangered { printError("error: \(problem)") }
            if !report.endangered.isEmpty || !report.targetErrors.isEmpty { throw ExitCode(1) }
        }
    }
}
