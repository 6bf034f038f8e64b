import Dispatch
import Foundation
import Synchronization

/// A signal a long-running command acts on.
public enum ProcessSignal: Sendable, Equatable, CaseIterable {
    /// SIGTERM: systemd, launchd and `kill` asking for a clean stop.
    case terminate
    /// SIGINT: Ctrl-C.
    case interrupt
    /// SIGHUP: the usual "re-read your configuration".
    case hangUp

    /// The signal's number on this system.
    public var number: Int32 {
        switch self {
        case .terminate: SIGTERM
        case .interrupt: SIGINT
        case .hangUp: SIGHUP
        }
    }

    /// The exit status of a process this signal ends: 128 + its number, as shells report it.
    public var immediateExitStatus: Int32 { 128 + number }

    /// Each of `signals` as it arrives, from now until the stream ends.
    ///
    /// The events are delivered on a dispatch queue, not in a signal handler, so whoever reads them may do
    /// anything. While the stream lives the signals' own action (ending the process) is off; when its reader goes
    /// away (the reading task is cancelled) their previous action is back.
    public static func events(_ signals: [ProcessSignal] = allCases) -> AsyncStream<ProcessSignal> {
        let (stream, continuation) = AsyncStream.makeStream(of: ProcessSignal.self)
        let watch = SignalWatch(signals) { continuation.yield($0) }
        continuation.onTermination = { _ in watch.end() }
        return stream
    }
}

/// The dispatch sources behind one `ProcessSignal.events(_:)` stream, and the signal actions they replaced.
private final class SignalWatch: Sendable {
    #if canImport(Darwin)
        typealias Action = sig_t
    #else
        typealias Action = __sighandler_t
    #endif

    private struct Watched {
        var source: any DispatchSourceSignal
        var signal: ProcessSignal
        var previousAction: Action?
    }

    private let watched: Mutex<[Watched]>

    init(_ signals: [ProcessSignal], deliver: @escaping @Sendable (ProcessSignal) -> Void) {
        let queue = DispatchQueue(label: "ecr-sessions.signals")
        watched = Mutex(
            signals.map { signal in
                // Off first, or the signal would end the process before the source sees it.
                let previousAction = Foundation.signal(signal.number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signal.number, queue: queue)
                source.setEventHandler { deliver(signal) }
                source.resume()
                return Watched(source: source, signal: signal, previousAction: previousAction)
            })
    }

    /// Stops watching and gives each signal its previous action back.
    func end() {
        let ended = watched.withLock { watched in
            defer { watched = [] }
            return watched
        }
        for entry in ended {
            entry.source.cancel()
            _ = Foundation.signal(entry.signal.number, entry.previousAction)
        }
    }
}
