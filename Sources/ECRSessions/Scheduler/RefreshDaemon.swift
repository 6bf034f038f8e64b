public import Foundation

/// `ecr-sessions daemon`: one process that renews registries as they fall due.
///
/// It checks the wall clock every `tick` rather than sleeping once until the next renewal: a monotonic sleep
/// stands still while a laptop is suspended, so after a wake the daemon would renew hours late. Each tick also
/// looks at the config and AWS files' stamps, so an edit takes effect without a restart; `reload()` (SIGHUP) does
/// the same at once. `stop()` (SIGTERM, SIGINT) lets the pass in flight finish — every file write is atomic — and
/// returns; a second `stop()` before that asks for an immediate exit.
public actor RefreshDaemon {
    /// Sleeps for a while; returns early (or late, it does not matter) when its task is cancelled.
    public typealias Sleep = @Sendable (Duration) async -> Void

    /// The one place the daemon's situation is kept: every request (stop, reload) is a transition of it.
    private enum State {
        /// Between steps of `run()`; `reloadRequested` makes the next step a pass.
        case awake(reloadRequested: Bool)
        /// A pass is in flight; a reload asked for meanwhile runs another pass after it.
        case refreshing(reloadRequested: Bool)
        case sleeping(Nap)
        /// A stop was asked for: the pass in flight, if any, finishes, then `run()` returns. Another stop now
        /// means "exit at once".
        case stopping
        case stopped
    }

    /// One sleep between ticks. Its `id` tells its own end apart from a sleep that was woken early and cancelled,
    /// so that a stray end never wakes a later sleep.
    private struct Nap {
        var id: Int
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>
    }

    private let tick: Duration
    private let clock: any WallClock
    private let sleep: Sleep
    private let refresh: @Sendable () async throws -> RefreshReport
    private let fileStamps: @Sendable () -> [FileStamp?]
    private let report: @Sendable (DaemonEvent) -> Void
    private let exitNow: @Sendable (Int32) -> Void
    private var state = State.awake(reloadRequested: false)
    private var lastNapID = 0

    /// - Parameters:
    ///   - tick: how often the wall clock and the files are looked at.
    ///   - clock: the wall clock due times are read against.
    ///   - sleep: waits a tick; the daemon cancels its task to wake it early.
    ///   - refresh: one refresh pass.
    ///   - fileStamps: stamps of the files a pass reads; a change runs a pass.
    ///   - report: sees what each pass did, for the log.
    ///   - exitNow: ends the process with this status, when a stop is asked for while stopping.
    init(
        tick: Duration,
        clock: any WallClock,
        sleep: @escaping Sleep,
        refresh: @escaping @Sendable () async throws -> RefreshReport,
        fileStamps: @escaping @Sendable () -> [FileStamp?],
        report: @escaping @Sendable (DaemonEvent) -> Void,
        exitNow: @escaping @Sendable (Int32) -> Void
    ) {
        self.tick = tick
        self.clock = clock
        self.sleep = sleep
        self.refresh = refresh
        self.fileStamps = fileStamps
        self.report = report
        self.exitNow = exitNow
    }

    /// A daemon that runs `refresh` passes in `context` on its clock, watching its config file and the two AWS files.
    /// - Parameters:
    ///   - tick: how often the wall clock and the files are looked at.
    ///   - report: sees what each pass did, for the log.
    ///   - exitNow: ends the process, when a second stop is asked for while the first is under way.
    public init(
        context: ActionContext,
        tick: Duration = .seconds(5),
        report: @escaping @Sendable (DaemonEvent) -> Void,
        exitNow: @escaping @Sendable (Int32) -> Void = { exit($0) }
    ) {
        let paths = [context.configurationPath] + context.awsFilePaths
        self.init(
            tick: tick,
            clock: context.clock,
            sleep: { try? await Task.sleep(for: $0) },
            refresh: { try await Actions.Refresh(context).run() },
            fileStamps: { paths.map(FileStamp.init(path:)) },
            report: report,
            exitNow: exitNow)
    }

    /// Runs until `stop()`: a pass when one is due, on `reload()`, or when the files change; otherwise a tick's
    /// sleep.
    public func run() async {
        var nextPass = Date.distantPast
        var stamps = fileStamps()
        while case .awake(let reloadRequested) = state {
            let currentStamps = fileStamps()
            let reason: DaemonEvent.Reason?
            if reloadRequested {
                reason = .reload
            } else if currentStamps != stamps {
                reason = .filesChanged
            } else if clock.now() >= nextPass {
                reason = .due
            } else {
                reason = nil
            }
            if let reason {
                stamps = currentStamps
                nextPass = await pass(reason: reason)
                // A reload asked for during the pass runs another one at once.
                guard case .awake(reloadRequested: false) = state else { continue }
            }
            // Sleep a tick, or less when the next pass is sooner.
            let untilNext = nextPass.timeIntervalSince(clock.now())
            await nap(for: min(tick, .milliseconds(max(Int(untilNext * 1000), 50))))
        }
        state = .stopped
        report(.stopped)
    }

    /// Runs until stopped, acting on each signal of `signals` as `handle(_:)` says.
    public func run(handling signals: AsyncStream<ProcessSignal>) async {
        let forwarding = Task { [weak self] in
            for await signal in signals { await self?.handle(signal) }
        }
        await run()
        forwarding.cancel()
    }

    /// SIGHUP reloads; SIGTERM and SIGINT stop, and a second one while stopping exits at once with 128 + its
    /// number, as a shell reports a process a signal ended.
    public func handle(_ signal: ProcessSignal) {
        switch signal {
        case .hangUp: reload()
        case .terminate, .interrupt: stop(immediateExitStatus: signal.immediateExitStatus)
        }
    }

    /// Asks the daemon to finish the pass in flight, if any, and return from `run()`. Asked again before `run()`
    /// has returned, it ends the process at once with `immediateExitStatus`, for someone who will not wait.
    public func stop(immediateExitStatus: Int32 = 1) {
        switch state {
        case .awake, .refreshing:
            state = .stopping
        case .sleeping(let nap):
            state = .stopping
            wake(nap)
        case .stopping:
            exitNow(immediateExitStatus)
        case .stopped:
            break
        }
    }

    /// Re-reads the configuration and re-plans at once (SIGHUP).
    public func reload() {
        switch state {
        case .awake:
            state = .awake(reloadRequested: true)
        case .refreshing:
            state = .refreshing(reloadRequested: true)
        case .sleeping(let nap):
            state = .awake(reloadRequested: true)
            wake(nap)
        case .stopping, .stopped:
            break
        }
    }

    /// One refresh pass; returns when the next one is due.
    private func pass(reason: DaemonEvent.Reason) async -> Date {
        state = .refreshing(reloadRequested: false)
        defer {
            if case .refreshing(let reloadRequested) = state { state = .awake(reloadRequested: reloadRequested) }
        }
        do {
            let outcome = try await refresh()
            report(.pass(reason: reason, outcome))
            if outcome.heldBy != nil {
                // Someone else (a manual refresh) is renewing; look again soon.
                return clock.now().addingTimeInterval(30)
            }
            // Re-plan at least hourly, so a token renewed elsewhere (by hand) is seen.
            return min(outcome.nextDue ?? .distantFuture, clock.now().addingTimeInterval(3600))
        } catch {
            report(.failed(reason: reason, String(describing: error)))
            return clock.now().addingTimeInterval(60)
        }
    }

    /// Sleeps for `duration` unless woken first by `stop()` or `reload()`.
    private func nap(for duration: Duration) async {
        guard case .awake(reloadRequested: false) = state else { return }
        lastNapID += 1
        let id = lastNapID
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let timer = Task { [sleep] in
                await sleep(duration)
                self.napEnded(id)
            }
            state = .sleeping(Nap(id: id, continuation: continuation, timer: timer))
        }
    }

    /// A sleep's own end: it wakes the daemon only if that sleep is still the current one.
    private func napEnded(_ id: Int) {
        guard case .sleeping(let nap) = state, nap.id == id else { return }
        state = .awake(reloadRequested: false)
        nap.continuation.resume()
    }

    /// Ends a sleep early; the caller has already moved `state` on.
    private func wake(_ nap: Nap) {
        nap.timer.cancel()
        nap.continuation.resume()
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
