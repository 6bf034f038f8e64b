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
        let text: String
        if magnitude < 60 {
            text = "\(magnitude)s"
        } else if magnitude < 3600 {
            text = "\(magnitude / 60)m"
        } else if magnitude < 86400 {
            text = "\(magnitude / 3600)h \(magnitude % 3600 / 60)m"
        } else {
            text = "\(magnitude / 86400)d \(magnitude % 86400 / 3600)h"
        }
        return seconds > 0 ? "in \(text)" : "\(text) ago"
    }

    /// A hundred years of 365.25 days, in seconds.
    private static let relativeDescriptionLimit: TimeInterval = 36525 * 86400
}
