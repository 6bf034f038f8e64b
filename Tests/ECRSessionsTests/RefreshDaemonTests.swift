import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

/// The daemon's transitions, on a manual clock with scripted passes and sleeps: no real time passes unless a test
/// says so.
@Suite struct RefreshDaemonTests {
    static let start = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func aDuePassRunsAtOnce() async {
        let rig = DaemonRig(
            pass: { rig, _ in rig.report(nextDueIn: 3 * 3600) },
            sleep: { rig, _, _ in await rig.daemon.stop() })
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start])
        #expect(rig.record.reasons == [.due])
        #expect(rig.record.sleeps.count == 1)
        #expect(rig.record.stopped)
    }

    @Test func itSleepsInTicksUntilTheNextDueTime() async {
        let rig = DaemonRig(
            tick: .seconds(60),
            pass: DaemonRig.passes(nextDueIn: 20 * 60),
            sleep: DaemonRig.advancingTheClock)
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start, Self.start.addingTimeInterval(20 * 60)])
        #expect(rig.record.sleeps.count == 20)
        #expect(rig.record.sleeps.allSatisfy { $0 == .seconds(60) })
        #expect(rig.record.reasons == [.due, .due])
    }

    @Test func aSleepShorterThanATickEndsAtTheDueTime() async {
        let rig = DaemonRig(
            tick: .seconds(60),
            pass: DaemonRig.passes(nextDueIn: 90),
            sleep: DaemonRig.advancingTheClock)
        await rig.daemon.run()

        #expect(rig.record.sleeps == [.seconds(60), .seconds(30)])
        #expect(rig.record.passes.last == Self.start.addingTimeInterval(90))
    }

    @Test func itReplansAtLeastHourly() async {
        let rig = DaemonRig(
            tick: .seconds(600),
            pass: DaemonRig.passes(nextDueIn: 5 * 3600),
            sleep: DaemonRig.advancingTheClock)
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start, Self.start.addingTimeInterval(3600)])
    }

    @Test func wakingFromLaptopSleepRenewsAtOnce() async {
        // The next pass is 50 minutes away; the machine is suspended for three hours during one 5 s tick.
        let rig = DaemonRig(
            tick: .seconds(5),
            pass: DaemonRig.passes(nextDueIn: 50 * 60),
            sleep: { rig, _, duration in
                rig.clock.advance(by: rig.record.sleeps.count == 1 ? 3 * 3600 : duration.seconds)
            })
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start, Self.start.addingTimeInterval(3 * 3600)])
        #expect(rig.record.sleeps == [.seconds(5)], "no sleep between the wake and the pass")
        #expect(rig.record.reasons == [.due, .due])
    }

    @Test func aReloadDuringASleepRunsAPassAtOnce() async {
        let rig = DaemonRig(
            pass: DaemonRig.passes(nextDueIn: 3 * 3600),
            sleep: { rig, _, _ in
                await rig.daemon.reload()
                await rig.sleepUntilCancelled()
            })
        await rig.daemon.run()

        #expect(rig.record.reasons == [.due, .reload])
        #expect(rig.record.passes == [Self.start, Self.start], "no time passed")
        #expect(rig.record.cancelledSleeps == 1, "the sleep that was woken was cancelled")
    }

    @Test func aReloadDuringAPassRunsAnotherPassAfterIt() async {
        let rig = DaemonRig(
            pass: { rig, number in
                switch number {
                case 1: await rig.daemon.reload()
                default: await rig.daemon.stop()
                }
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: { rig, _, _ in Issue.record("slept between the two passes") })
        await rig.daemon.run()

        #expect(rig.record.reasons == [.due, .reload])
    }

    @Test func changedFilesRunAPass() async {
        let rig = DaemonRig(
            pass: DaemonRig.passes(nextDueIn: 3 * 3600),
            sleep: { rig, _, duration in
                rig.clock.advance(by: duration.seconds)
                if rig.record.sleeps.count == 3 { rig.changeFiles() }
            })
        await rig.daemon.run()

        #expect(rig.record.reasons == [.due, .filesChanged])
        #expect(rig.record.passes.last == Self.start.addingTimeInterval(15))
    }

    @Test func aStopDuringASleepReturnsFromRun() async {
        let rig = DaemonRig(
            pass: { rig, _ in rig.report(nextDueIn: 3 * 3600) },
            sleep: { rig, _, _ in
                await rig.daemon.stop()
                await rig.sleepUntilCancelled()
            })
        await rig.daemon.run()

        #expect(rig.record.passes.count == 1)
        #expect(rig.record.stopped)
        #expect(rig.record.cancelledSleeps == 1)
        #expect(rig.record.exits.isEmpty)
    }

    @Test func aStopDuringAPassLetsItFinish() async {
        let rig = DaemonRig(
            pass: { rig, _ in
                await rig.daemon.stop()
                await Task.yield()
                rig.clock.advance(by: 2)
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: { rig, _, _ in Issue.record("slept after a stop") })
        await rig.daemon.run()

        #expect(rig.record.events.count == 2)
        #expect(rig.record.reasons == [.due], "the pass was reported, then the stop")
        #expect(rig.record.stopped)
    }

    @Test func aSecondStopWhileStoppingExitsAtOnce() async {
        let rig = DaemonRig(
            pass: { rig, _ in
                await rig.daemon.handle(.terminate)
                #expect(rig.record.exits.isEmpty)
                await rig.daemon.handle(.interrupt)
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: { _, _, _ in })
        await rig.daemon.run()

        #expect(rig.record.exits == [128 + SIGINT])
        // Once run() has returned there is nothing left to cut short.
        await rig.daemon.stop()
        #expect(rig.record.exits.count == 1)
    }

    @Test func aSignalOfHangUpReloads() async {
        let rig = DaemonRig(
            pass: { rig, number in
                if number == 2 { await rig.daemon.handle(.terminate) }
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: { rig, _, _ in
                await rig.daemon.handle(.hangUp)
                await rig.sleepUntilCancelled()
            })
        await rig.daemon.run()

        #expect(rig.record.reasons == [.due, .reload])
        #expect(rig.record.exits.isEmpty)
    }

    @Test func aPassHeldByAnotherRefreshLooksAgainIn30Seconds() async {
        let rig = DaemonRig(
            pass: { rig, number in
                if number == 2 { await rig.daemon.stop() }
                var report = rig.report(nextDueIn: 3 * 3600)
                if number == 1 { report.heldBy = RunningRefresh(pid: 4242) }
                return report
            },
            sleep: DaemonRig.advancingTheClock)
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start, Self.start.addingTimeInterval(30)])
    }

    @Test func aFailingPassRetriesIn60Seconds() async {
        let rig = DaemonRig(
            pass: { rig, number in
                if number == 1 { throw CacheError.busy(path: "/tmp/cache.sqlite3") }
                await rig.daemon.stop()
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: DaemonRig.advancingTheClock)
        await rig.daemon.run()

        #expect(rig.record.passes == [Self.start, Self.start.addingTimeInterval(60)])
        guard case .failed(.due, let message) = rig.record.events.first else {
            Issue.record("\(rig.record.events)")
            return
        }
        #expect(message.contains("cache.sqlite3"))
    }

    @Test func anEarlyWokenSleepNeverShortensALaterOne() async throws {
        // The first sleep is woken by a reload but ignores its cancellation and ends only while the second sleep
        // is under way: that late end must not wake the second sleep.
        let firstSleepMayEnd = Gate()
        let rig = DaemonRig(
            pass: { rig, _ in rig.report(nextDueIn: 3 * 3600) },
            sleep: { rig, number, _ in
                switch number {
                case 1:
                    await rig.daemon.reload()
                    await firstSleepMayEnd.wait()
                case 2:
                    firstSleepMayEnd.open()
                    // Long enough for the first sleep's end to reach the daemon, were it to act on it.
                    try? await Task.sleep(for: .milliseconds(30))
                    rig.note("second sleep over")
                default:
                    rig.note("third sleep")
                    await rig.daemon.stop()
                }
            })
        await rig.daemon.run()

        #expect(rig.record.notes == ["pass 1", "pass 2", "second sleep over", "third sleep"])
    }
}

/// A daemon on a manual clock whose passes and sleeps the test scripts, and what it did.
private final class DaemonRig: Sendable {
    struct Record {
        var passes: [Date] = []
        var sleeps: [Duration] = []
        var cancelledSleeps = 0
        var events: [DaemonEvent] = []
        var exits: [Int32] = []
        var notes: [String] = []

        var reasons: [DaemonEvent.Reason] {
            events.compactMap { event in
                switch event {
                case .pass(let reason, _), .failed(let reason, _): reason
                case .stopped: nil
                }
            }
        }

        var stopped: Bool {
            if case .stopped = events.last { true } else { false }
        }
    }

    let clock = ManualClock(RefreshDaemonTests.start)
    private let recorded = Mutex(Record())
    private let stamps = Mutex<[FileStamp?]>([nil])
    private let slot = Mutex<RefreshDaemon?>(nil)

    var record: Record { recorded.withLock { $0 } }
    var daemon: RefreshDaemon { slot.withLock { $0! } }

    /// - Parameters:
    ///   - pass: the `number`th pass (from 1).
    ///   - sleep: the `number`th sleep (from 1), asked for `duration`; recorded before it is called.
    init(
        tick: Duration = .seconds(5),
        pass: @escaping Pass,
        sleep: @escaping Sleep
    ) {
        let daemon = RefreshDaemon(
            tick: tick,
            clock: clock,
            sleep: { [unowned self] duration in
                let number = recorded.withLock {
                    $0.sleeps.append(duration)
                    return $0.sleeps.count
                }
                await sleep(self, number, duration)
            },
            refresh: { [unowned self] in
                let number = recorded.withLock {
                    $0.passes.append(clock.now())
                    $0.notes.append("pass \($0.passes.count)")
                    return $0.passes.count
                }
                return try await pass(self, number)
            },
            fileStamps: { [unowned self] in stamps.withLock { $0 } },
            report: { [unowned self] event in recorded.withLock { $0.events.append(event) } },
            exitNow: { [unowned self] status in recorded.withLock { $0.exits.append(status) } })
        slot.withLock { $0 = daemon }
    }

    typealias Pass = @Sendable (DaemonRig, _ number: Int) async throws -> RefreshReport
    typealias Sleep = @Sendable (DaemonRig, _ number: Int, _ duration: Duration) async -> Void

    /// Passes that each plan the next one `seconds` away; the `stopAt`th asks the daemon to stop.
    static func passes(nextDueIn seconds: TimeInterval, stoppingAt stopAt: Int = 2) -> Pass {
        { rig, number in
            if number == stopAt { await rig.daemon.stop() }
            return rig.report(nextDueIn: seconds)
        }
    }

    /// Sleeps that take no time but move the clock on as far as asked.
    static let advancingTheClock: Sleep = { rig, _, duration in rig.clock.advance(by: duration.seconds) }

    /// A report of a pass after which the next job falls due in `seconds`.
    func report(nextDueIn seconds: TimeInterval) -> RefreshReport {
        RefreshReport(
            plan: RefreshPlan(entries: [], now: clock.now()), endangered: [],
            nextDue: clock.now().addingTimeInterval(seconds))
    }

    /// An edit of one of the watched files.
    func changeFiles() {
        stamps.withLock { $0 = [FileStamp(path: "/")] }
    }

    func note(_ text: String) {
        recorded.withLock { $0.notes.append(text) }
    }

    /// A sleep that only the daemon ends, by cancelling it.
    func sleepUntilCancelled() async {
        try? await Task.sleep(for: .seconds(60))
        if Task.isCancelled { recorded.withLock { $0.cancelledSleeps += 1 } }
    }
}

extension Duration {
    fileprivate var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Holds whoever waits until it is opened, cancelled or not.
private final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.open { return true }
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiting = state.withLock { state in
            state.open = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// Signals as events, and the daemon acting on them.
@Suite struct ProcessSignalTests {
    @Test func aHangUpArrivesAsAnEventAndDoesNotEndTheProcess() async {
        let events = ProcessSignal.events([.hangUp])
        // The source is armed asynchronously, and a signal sent before that is ignored: send until one arrives.
        let sender = Task {
            for _ in 0..<200 where !Task.isCancelled {
                kill(getpid(), SIGHUP)
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        var iterator = events.makeAsyncIterator()
        let first = await iterator.next()
        sender.cancel()
        await sender.value
        #expect(first == .hangUp)
    }

    @Test func theDaemonActsOnTheSignalsItIsGiven() async {
        let (signals, send) = AsyncStream.makeStream(of: ProcessSignal.self)
        let rig = DaemonRig(
            pass: { rig, number in
                if number == 2 { send.yield(.terminate) }
                return rig.report(nextDueIn: 3 * 3600)
            },
            sleep: { rig, number, _ in
                if number == 1 { send.yield(.hangUp) }
                await rig.sleepUntilCancelled()
            })
        await rig.daemon.run(handling: signals)

        #expect(rig.record.reasons == [.due, .reload])
        #expect(rig.record.stopped)
    }

    @Test func theImmediateExitStatusIs128PlusTheSignalNumber() {
        #expect(ProcessSignal.terminate.immediateExitStatus == 143)
        #expect(ProcessSignal.interrupt.immediateExitStatus == 130)
    }
}
