import Foundation

/// Short, blocking pauses for code that retries a file operation while holding a lock (not for async code).
enum Pause {
    /// Sleeps a random number of milliseconds in `range`, so two retrying processes fall out of step.
    static func randomMilliseconds(in range: ClosedRange<UInt32>) {
        usleep(UInt32.random(in: range) * 1000)
    }
}
