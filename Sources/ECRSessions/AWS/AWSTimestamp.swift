import Foundation

/// The three ways AWS answers write a point in time, read in one place.
enum AWSTimestamp {
    /// ISO 8601 as STS's `Expiration`, credential_process and the SSO token cache write it
    /// (`2026-11-22T19:42:41Z`, with or without fractional seconds, with `Z` or an offset such as `+00:00`), and
    /// `2021-03-05T23:59:59UTC`, which older AWS CLI versions wrote to the SSO cache (not every Foundation reads it).
    static func iso8601(_ text: String) -> Date? {
        var trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasSuffix("UTC") { trimmed = trimmed.dropLast(3) + "Z" }
        if let date = try? Date(trimmed, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? Date(trimmed, strategy: fractional)
    }

    /// A JSON number of seconds since 1970, which may carry a fraction, as ECR's `expiresAt`.
    static func epochSeconds(_ json: Any?) -> Date? {
        epoch(json, unitsPerSecond: 1)
    }

    /// `epochSeconds` of a number as `JSONValue` keeps it, its literal text.
    static func epochSeconds(_ json: JSONValue?) -> Date? {
        guard case .number(let text)? = json, let seconds = Double(text) else { return nil }
        return epoch(seconds, unitsPerSecond: 1)
    }

    /// A JSON number of milliseconds since 1970, as the SSO portal's `expiration`.
    static func epochMilliseconds(_ json: Any?) -> Date? {
        epoch(json, unitsPerSecond: 1000)
    }

    /// The latest time an answer may name: 9999-12-31T23:59:59Z. Later ones are no time a service means, and dates
    /// past it cannot be written as ISO 8601 nor told apart from each other in a Double's seconds.
    static let latest = Date(timeIntervalSince1970: 253_402_300_799)

    /// Nil for what is not a number of seconds between 1970 and `latest`.
    private static func epoch(_ json: Any?, unitsPerSecond: Double) -> Date? {
        guard let number = (json as? NSNumber)?.doubleValue else { return nil }
        return epoch(number, unitsPerSecond: unitsPerSecond)
    }

    private static func epoch(_ number: Double, unitsPerSecond: Double) -> Date? {
        let seconds = number / unitsPerSecond
        guard seconds.isFinite, (0...latest.timeIntervalSince1970).contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }
}

/// The ISO 8601 form of `AWSTimestamp`, under the name credential_process parsing calls it by.
func parseAWSTimestamp(_ text: String) -> Date? {
    AWSTimestamp.iso8601(text)
}
