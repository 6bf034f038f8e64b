public import Foundation

extension Date {
    /// "in 11h 58m", "3m ago": how far this date is from `now`, for people.
    public func relativeDescription(to now: Date) -> String {
        let seconds = Int(timeIntervalSince(now).rounded())
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
}
