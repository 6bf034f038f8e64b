/// How a failed action ends, as the command line's exit status contract has it.
public enum FailureCategory: Sendable, Equatable {
    /// Something failed after work began: some account or file, while the others were still done (exit 1).
    case partial
    /// Bad usage or configuration, found before anything changed (exit 2).
    case configuration
}

/// An error that knows how the command it ends should exit. Errors that do not conform end as `.partial`.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
}

extension ConfigurationFileError: CategorizedError {
    public var category: FailureCategory { .configuration }
}

extension AWSConfigError: CategorizedError {
    public var category: FailureCategory { .configuration }
}

extension ClockError: CategorizedError {
    public var category: FailureCategory { .configuration }
}

/// A damaged or unusable cache is found when it is opened, before anything changed.
extension CacheError: CategorizedError {
    public var category: FailureCategory { .configuration }
}

extension RunLockError: CategorizedError {
    public var category: FailureCategory { .configuration }
}

/// A configuration problem found before anything ran: nothing was changed.
public struct ConfigurationError: CategorizedError, Sendable, Equatable {
    public var description: String
    public var category: FailureCategory { .configuration }

    public init(_ description: String) {
        self.description = description
    }
}

/// A login that was tried and failed; the text names the profile and region and says what to do.
public struct LoginFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

/// A failure after some work was done (some registries may be logged in already): whatever its cause, the command
/// exits 1, never 2.
public struct PartialFailure: CategorizedError {
    public var underlying: any Error
    public var category: FailureCategory { .partial }
    public var description: String { "\(underlying)" }

    public init(_ underlying: any Error) {
        self.underlying = underlying
    }
}

extension FailureCategory {
    /// The category of any error: its own, else `.partial`.
    public init(of error: any Error) {
        self = (error as? any CategorizedError)?.category ?? .partial
    }
}

/// Runs `body`, turning whatever it throws into a `PartialFailure`: for work that may already have changed files.
public func afterChanges<T>(_ body: () async throws -> T) async throws(PartialFailure) -> T {
    do {
        return try await body()
    } catch {
        throw PartialFailure(error)
    }
}
