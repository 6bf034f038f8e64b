import Foundation

/// `ecr-sessions daemon`: one process that renews registries as they fall due.
///
/// It checks the wall clock every `tick` rather than sleeping once until the next renewal: a monotonic sleep
/// stands still while a laptop is suspended, so after a wake the daemon would renew hours late. Each tick also
/// looks at the config and AWS files' modification times, so an edit takes effect without a restart; `reload()`
/// (SIGHUP) does the same at once. `stop()` (SIGTERM, SIGINT) lets the pass in flight finish — every file write
/// is atomic — and returns.
public actor RefreshDaemon {
    private enum State {
        case starting
        case refreshing
        case sleeping(CheckedContinuation<Void, Never>)
        case stopping
    }

    private let sessions: ActionContext
    private let tick: Duration
    private let report: @Sendable (DaemonEvent) -> Void
    private var state = State.starting
    private var stopRequested = false
    private var reloadRequested = false

    /// - Parameters:
    ///   - tick: how often the wall clock and the files are looked at.
    ///   - report: sees what each pass did, for the log.
    public init(sessions: ActionContext, tick: Duration = .seconds(5), report: @escaping @Sendable (DaemonEvent) -> Void) {
        self.sessions = sessions
        self.tick = tick
        self.report = report
    }

    /// Runs until `stop()`.
    public func run() async {
        var nextPass = Date.distantPast
        var stamps = fileStamps()
        while !stopRequested {
            let now = sessions.clock.now()
            let currentStamps = fileStamps()
            if now >= nextPass || reloadRequested || currentStamps != stamps {
                let reason: DaemonEvent.Reason =
                    reloadRequested ? .reload : currentStamps != stamps ? .filesChanged : .due
                reloadRequested = false
                stamps = currentStamps
                state = .refreshing
                nextPass = await pass(reason: reason)
            }
            guard !stopRequested else { break }
            // Sleep a tick, or less when the next pass is sooner.
            let untilNext = nextPass.timeIntervalSince(sessions.clock.now())
            await sleep(for: min(tick, .milliseconds(max(Int(untilNext * 1000), 50))))
        }
        state = .stopping
        report(.stopped)
    }

    /// Asks the daemon to finish the pass in flight, if any, and return from `run()`.
    public func stop() {
        stopRequested = true
        wake()
    }

    /// Re-reads the configuration and re-plans at once (SIGHUP).
    public func reload() {
        reloadRequested = true
        wake()
    }

    private func wake() {
        if case .sleeping(let continuation) = state {
            state = .starting
            continuation.resume()
        }
    }

    /// One refresh pass; returns when the next one is due.
    private func pass(reason: DaemonEvent.Reason) async -> Date {
        do {
            let outcome = try await Actions.Refresh(sessions).run()
            report(.pass(reason: reason, outcome))
            if outcome.heldBy != nil {
                // Someone else (a manual refresh) is renewing; look again soon.
                return sessions.clock.now().addingTimeInterval(30)
            }
            // Re-plan at least hourly, so a token renewed elsewhere (by hand) is seen.
            return min(outcome.nextDue ?? .distantFuture, sessions.clock.now().addingTimeInterval(3600))
        } catch {
            report(.failed(reason: reason, String(describing: error)))
            return sessions.clock.now().addingTimeInterval(60)
        }
    }

    private func sleep(for duration: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state = .sleeping(continuation)
            Task {
                try? await Task.sleep(for: duration)
                self.wake()
            }
        }
    }

    /// Modification times of the files a pass reads, to notice edits.
    private func fileStamps() -> [FileStamp?] {
        let environment = sessions.environment
        let paths = [
            Configuration.FileLocation(explicitPath: sessions.configPath, environment: environment).path,
            AWSProfiles.configFilePath(environment: environment),
            AWSProfiles.credentialsFilePath(environment: environment),
        ]
        return paths.map(FileStamp.init(path:))
    }
}

/// What the daemon did, for its log.
public enum DaemonEvent: Sendable {
    public enum Reason: String, Sendable {
        case due = "due"
        case reload = "reload requested"
        case filesChanged = "configuration changed"
    }

    case pass(reason: Reason, RefreshReport)
    case failed(reason: Reason, String)
    case stopped
}
