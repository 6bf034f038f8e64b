import ArgumentParser
import Dispatch
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
            let sessions = try options.sessions()
            do {
                _ = try sessions.accounts()
                _ = try sessions.cache()
            } catch {
                throw configurationFailure(error)
            }
            let daemon = RefreshDaemon(sessions: sessions) { event in
                log(event, now: sessions.clock.now())
            }
            let signals = SignalWatcher { signal in
                switch signal {
                case SIGHUP: Task { await daemon.reload() }
                default: Task { await daemon.stop() }
                }
            }
            log("started (pid \(getpid()))", now: sessions.clock.now())
            await daemon.run()
            withExtendedLifetime(signals) {}
        }
    }
}

/// Turns SIGTERM, SIGINT and SIGHUP into calls, on a queue rather than in a signal handler. A second SIGTERM or
/// SIGINT exits at once.
private final class SignalWatcher {
    private let sources: [any DispatchSourceSignal]

    init(_ handle: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "ecr-sessions.signals")
        let stops = StopCounter()
        sources = [SIGTERM, SIGINT, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if number != SIGHUP, stops.increment() > 1 { exit(128 + number) }
                handle(number)
            }
            source.resume()
            return source
        }
    }
}

private final class StopCounter: @unchecked Sendable {
    // Only touched on the signal queue.
    private var count = 0
    func increment() -> Int {
        count += 1
        return count
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
        let next = report.nextDue.map { "next renewal \(relative($0, to: now))" } ?? "nothing scheduled"
        log("pass (\(reason.rawValue)): \(report.plan.due.count) due; \(next)", now: now)
    case .failed(let reason, let error):
        log("pass (\(reason.rawValue)) failed: \(error); retrying in 1m", now: now)
    case .stopped:
        log("stopped", now: now)
    }
}
