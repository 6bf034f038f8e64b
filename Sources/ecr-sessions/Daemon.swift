import ArgumentParser
import ECRSessions
import Foundation
import Logging

extension Root {
    struct Daemon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "daemon",
            abstract: "Keep renewing registries as they fall due, in one long-running process.",
            discussion: """
                Sleeps until the next token is due, checking the wall clock every few seconds so that a laptop \
                waking from sleep renews at once. Re-reads the configuration when it changes or on SIGHUP; \
                stops cleanly on SIGTERM or SIGINT (a second signal stops at once).
                """)

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let context = try options.context()
            // A bad configuration or cache is exit 2 before the daemon starts.
            try Actions.Refresh(context).check()
            let clock = context.clock
            let logger = options.output.logger(timestamps: { clock.now() })
            let daemon = RefreshDaemon(context: context) { event in
                log(event, to: logger, now: clock.now())
            }
            let signals = ProcessSignal.events()
            logger.info("started (pid \(ProcessInfo.processInfo.processIdentifier))")
            await daemon.run(handling: signals)
        }
    }
}

/// The daemon's log: on stderr (journald and `kubectl logs` read it), unbuffered, a UTC timestamp on every line.
private func log(_ event: DaemonEvent, to logger: Logger, now: Date) {
    switch event {
    case .pass(let reason, let report):
        if let holder = report.heldBy {
            logger.info("another refresh is running\(holder.pid.map { " (pid \($0))" } ?? ""); waiting")
            return
        }
        for result in report.login?.results ?? [] {
            if let error = result.error {
                logger.error("\(result.job): \(error)")
            } else {
                for login in result.logins {
                    logger.info(
                        "renewed \(login.registry) (profile \(login.profile)), expires \(login.expiresAt.iso8601)")
                }
            }
        }
        for problem in report.endangered { logger.error("\(problem)") }
        for host in report.repaired {
            logger.info("rewrote the login for \(host): a registry config file had lost it")
        }
        for failure in report.targetErrors { logger.error("\(failure)") }
        if let problem = report.metricsError { logger.warning("\(problem)") }
        let next = report.nextDue.map { "next renewal \(relative($0, to: now))" } ?? "nothing scheduled"
        logger.info("pass (\(reason.rawValue)): \(report.plan.due.count) due; \(next)")
    case .failed(let reason, let error):
        logger.error("pass (\(reason.rawValue)) failed: \(error); retrying in 1m")
    case .stopped:
        logger.info("stopped")
    }
}
