public import Foundation

/// A date's UTC calendar fields, by integer arithmetic on the Unix time (proleptic Gregorian calendar), for the
/// formats that write them often: SigV4's `X-Amz-Date` on every signature, `status` on every row. Foundation's
/// `Calendar` and formatters cost more to set up than the whole format. Years are kept within 0001 to 9999, the four
/// digits the formats have, so no date (a NaN or 1e300 included) can trap.
public struct UTCTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(_ date: Date) {
        let time = date.timeIntervalSince1970.rounded(.down)
        let seconds = time.isNaN ? 0 : Int(min(max(time, -62_135_596_800), 253_402_300_799))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, daySeconds) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        (year, month, self.day) = Self.civilDate(daysSince1970: day)
        (hour, minute, second) = (daySeconds / 3600, daySeconds % 3600 / 60, daySeconds % 60)
    }

    /// The year, month and day `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civilDate(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468  // days since 0000-03-01, so that a leap day ends its year
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Date {
    /// `2026-11-22T19:31:15Z`: UTC, whole seconds (rounded down), as `status --json` writes times.
    public var utcTimestamp: String {
        let time = UTCTime(self)
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
        let year = String(time.year)
        return String(repeating: "0", count: max(0, 4 - year.count)) + year
            + "-\(two(time.month))-\(two(time.day))T\(two(time.hour)):\(two(time.minute)):\(two(time.second))Z"
    }
}
