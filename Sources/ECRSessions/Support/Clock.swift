public import Foundation

/// Wall-clock time, the seam tests use to move time. Token expiry is a wall-clock fact, so this is not a
/// monotonic clock.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that starts at a chosen instant and then runs at the real rate. Child-process tests select it with
/// `ECR_SESSIONS_FAKE_NOW` (ISO 8601), e.g. to treat moto_server's fixed 2015-01-01 expiry as twelve hours away.
public struct OffsetClock: WallClock {
    public let offset: TimeInterval

    public init(startingAt start: Date, realNow: Date = Date()) {
        offset = start.timeIntervalSince(realNow)
    }

    public func now() -> Date { Date().addingTimeInterval(offset) }
}

extension Environment {
    /// The clock this process should use: the system clock unless `ECR_SESSIONS_FAKE_NOW` names an instant.
    public func clock() throws(ClockError) -> any WallClock {
        guard let text = self["ECR_SESSIONS_FAKE_NOW"] else { return SystemClock() }
        guard let start = try? Date(text, strategy: .iso8601) else {
            throw ClockError(text: text)
        }
        return OffsetClock(startingAt: start)
    }
}

/// `ECR_SESSIONS_FAKE_NOW` was set to something that is not an ISO 8601 instant.
public struct ClockError: Error, Sendable, Equatable, CustomStringConvertible {
    public let text: String
    public var description: String {
        "ECR_SESSIONS_FAKE_NOW is '\(text)', which is not an ISO 8601 instant like 2014-12-31T12:00:00Z; unset it."
    }
}
