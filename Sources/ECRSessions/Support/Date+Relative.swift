public import Foundation

extension Date {
    /// "in 11h 58m", "3m ago": how far this date is from `now`, for people.
    ///
    /// Beyond a hundred years it says only that ("in more than 100 years"): a server may send any date, and
    /// `expiresAt: 1e300` must not crash `status` turning it into whole seconds.
    public func relativeDescription(to now: Date) -> String {
        let interval = timeIntervalSince(now).rounded()
        // Also false for NaN, which can come from no real date.
        guard abs(interval) <= Self.relativeDescriptionLimit else {
            return interval > 0 ? "in more than 100 years" : "more than 100 years ago"
        }
        let seconds = Int(interval)
        let magnitude = abs(seconds)
        // Written as bytes into one small string, with no allocation: interpolating the parts cost 1,100 instructions
        // a call, and `status` makes three a registry. The longest, "36525d 23h ago", is 14 bytes, within the 15 a
        // small string holds (a larger capacity allocates).
        return String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            func append(_ text: StaticString) {
                for offset in 0..<text.utf8CodeUnitCount {
                    buffer[count] = text.utf8Start[offset]
                    count += 1
                }
            }
            func append(_ number: Int) {
                var divisor = 1
                while divisor <= number / 10 { divisor *= 10 }
                while divisor > 0 {
                    buffer[count] = UInt8(ascii: "0") + UInt8(number / divisor % 10)
                    count += 1
                    divisor /= 10
                }
            }
            if seconds > 0 { append("in ") }
            if magnitude < 60 {
                append(magnitude)
                append("s")
            } else if magnitude < 3600 {
                append(magnitude / 60)
                append("m")
            } else if magnitude < 86400 {
                append(magnitude / 3600)
                append("h ")
                append(magnitude % 3600 / 60)
                append("m")
            } else {
                append(magnitude / 86400)
                append("d ")
                append(magnitude % 86400 / 3600)
                append("h")
            }
            if seconds <= 0 { append(" ago") }
            return count
        }
    }

    /// A hundred years of 365.25 days, in seconds.
    private static let relativeDescriptionLimit: TimeInterval = 36525 * 86400
}
