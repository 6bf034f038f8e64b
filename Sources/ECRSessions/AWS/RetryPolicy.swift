/// How often and how patiently a throttled or failing call is tried again: exponential backoff with full jitter,
/// so that many accounts failing together do not retry in lock-step.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included.
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 4, baseDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The pause before try number `attempt + 1` (attempt counts from 1): uniformly random up to
    /// `min(maxDelay, baseDelay * 2^(attempt-1))`.
    public func delay<Source: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout Source) -> Duration
    {
        let ceiling = min(maxDelay, baseDelay * (1 << min(attempt - 1, 20)))
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &random))
    }
}

extension RetryPolicy {
    /// Runs `attempt` until it succeeds, fails with an error `isRetryable` rejects, or `maxAttempts` are used up,
    /// pausing with jittered backoff between tries. Each try builds (and signs) its request anew. No try starts, and
    /// no pause runs, past the current `Deadline`.
    func run<Value, Failure: Error>(
        isRetryable: (Failure) -> Bool, _ attempt: () async throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        var random = SystemRandomNumberGenerator()
        var tries = 1
        while true {
            do {
                return try await attempt()
            } catch where isRetryable(error) && tries < maxAttempts {
                let pause = delay(afterAttempt: tries, using: &random)
                if let remaining = Deadline.remaining, remaining <= pause { throw error }
                try? await Task.sleep(for: pause)
                tries += 1
            }
        }
    }
}
