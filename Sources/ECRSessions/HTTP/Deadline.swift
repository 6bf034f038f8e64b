/// The moment by which the work in progress must be done, retries included: a task-local value, so that one login's
/// deadline reaches every request it makes (credentials, STS, ECR) without being passed through each layer.
/// Transports cut their timeouts to it and retry loops stop at it, so one endpoint that never answers costs its
/// account at most the deadline, and nobody else anything.
public enum Deadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// Time left before the current deadline; nil when there is none.
    public static var remaining: Duration? {
        current.map { ContinuousClock.now.duration(to: $0) }
    }

    /// Runs `body` with a deadline `budget` from now, or the current one if that is sooner.
    public static func within<T>(_ budget: Duration, _ body: () async throws -> T) async rethrows -> T {
        let mine = ContinuousClock.now.advanced(by: budget)
        return try await $current.withValue(min(mine, current ?? mine), operation: body)
    }
}
