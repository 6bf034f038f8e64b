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

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let context = try options.context()
            let refresh = Actions.Refresh(context)
            let quiet = options.output.quiet
            let logger = options.output.logger()
            let started = ContinuousClock.now
            let report: RefreshReport
            if !force, let unchanged = refresh.quietRun() {
                // Cron's usual run: nothing changed since the last refresh, which had nothing to do.
                report = unchanged
            } else {
                // Everything a bad configuration breaks is read first: that is exit 2, with nothing changed.
                try refresh.check()
                // Past this point some registries may have been renewed: a failure is exit 1, never 2.
                report = try await afterChanges {
                    try await refresh.run(force: force) { result in
                        printLoginResult(result, now: context.clock.now(), quiet: quiet)
                    }
                }
            }
            if let since = report.quietSince {
                logger.debug(
                    """
                    nothing changed since the refresh \(relative(since, to: report.plan.now)), which had nothing to do \
                    (the AWS files, the config file, the environment, the cache and the targets): not planned again; \
                    `ecr-sessions status` lists each registry
                    """)
            }
            for entry in report.plan.entries {
                let expiry = entry.expiresAt.map { "expires \(relative($0, to: report.plan.now))" } ?? "no token"
                let failures = entry.failures == 0 ? "" : ", \(entry.failures) failures in a row"
                logger.debug("\(entry.job): \(expiry), due \(relative(entry.dueAt, to: report.plan.now))\(failures)")
            }
            let tried = report.login?.results.count ?? 0
            logger.debug("\(report.plan.due.count) due, \(tried) tried, in \(seconds(since: started))")
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
            } else if !quiet && report.repaired.isEmpty && report.succeeded {
                // Not next to an error: a failing registry is "due" at the end of its backoff, not "nothing due".
                let next = report.nextDue.map { "; next due \(relative($0, to: context.clock.now()))" } ?? ""
                print("Nothing is due\(next).")
            }
            for failure in report.targetErrors { printError("error: \(failure)") }
            for problem in report.endangered { printError("error: \(problem)") }
            if let problem = report.metricsError { printError("warning: \(problem)") }
            if !report.succeeded { throw ExitCode(1) }
        }
    }
}
