import Foundation

/// Runs blocking `body` (child processes, waits) on a thread of its own and awaits its result: on the concurrency
/// pool's few threads, other tests' blocking waits could hold it up for many seconds on a busy machine.
public func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.start()
    }
}
