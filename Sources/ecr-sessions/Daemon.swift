import ArgumentParser
import ECRSessions
import Foundation

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
            let daemon = RefreshDaemon(context: context) { event in
                log(event, now: context.clock.now())
            }
            let signals = ProcessSignal.events()
            log("started (pid \(ProcessInfo.processInfo.processIdentifier))", now: context.clock.now())
            await daemon.run(handling: signals)
        }
    }
}

private func log(_ text: String, now: Date) {
    // Written straight to the descriptor: print() buffers when stdout is a file or journald's pipe.
    FileHandle.standardOutput.write(Data("\(now.iso8601) \(text)\n".utf8))
}

private func log(_ event: DaemonEvent, now: Date) {
    switch event {
    case .pass(let reason, let report):
        if let holder = report.heldBy {
            log("another refresh is running\(holder.pid.map { " (pid \($0))" } ?? ""); waiting", now: now)
            return
        }
        for result in report.login?.results ?? [] {
            if let error = result.error {
                log("error: \(result.job): \(error)", now: now)
            } else {
                for login in result.logins {
                    log(
                        "renewed \(login.registry) (profile \(login.profile)), expires \(login.expiresAt.iso8601)",
                        now: now)
                }
            }
        }
        for problem in report.endangered { log("error: \(problem)", now: now) }
        for host in report.repaired {
            log("rewrote the login for \(host): a registry config file had lost it", now: now)
        }
        for failure in report.targetErrors { log("error: \(failure)", now: now) }
        if let problem = report.metricsError { log("warning: \(problem)", now: now) }
        let next = report.nextDue.map { "next renewal \(relative($0, to: now))" } ?? "nothing scheduled"
        log("pass (\(reason.rawValue)): \(report.plan.due.count) due; \(next)", now: now)
    case .failed(let reason, let error):
        log("pass (\(reason.rawValue)) failed: \(error); retrying in 1m", now: now)
    case .stopped:
        log("stopped", now: now)
    }
}
