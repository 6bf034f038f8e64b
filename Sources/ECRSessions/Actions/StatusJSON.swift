public import Foundation

extension StatusReport {
    /// `status --json`, schema version 1 (see the README's status section): an object with `version`,
    /// `generated_at`, `outcome` (what `--check` would say), `last_refresh`, `registries` and `user_logins`. Times
    /// are ISO 8601 in UTC, absent values null. Never holds a token or a password.
    public var json: String {
        func value(_ text: String?) -> Any { text ?? NSNull() }
        func value(_ date: Date?) -> Any { date?.utcTimestamp ?? NSNull() }
        let registries = entries.map { entry -> [String: Any] in
            [
                "account_name": entry.account,
                "profile": entry.profile,
                "account": value(entry.accountID),
                "region": entry.region,
                "registry": value(entry.registry),
                "state": entry.state.rawValue,
                "expires_at": value(entry.expiresAt),
                "fetched_at": value(entry.fetchedAt),
                "next_renewal_at": value(entry.nextRenewalAt),
                "last_attempt_at": value(entry.lastAttemptAt),
                "last_attempt_seconds": entry.lastAttemptDuration.map { $0 as Any } ?? NSNull(),
                "consecutive_failures": entry.consecutiveFailures,
                "last_error": value(entry.lastError),
            ]
        }
        let users = userLogins.map { login -> [String: Any] in
            [
                "host": login.host, "server_url": login.serverURL, "username": login.username,
                "saved_at": login.savedAt.utcTimestamp,
            ]
        }
        let refresh: Any =
            lastRefresh.map { record -> [String: Any] in
                [
                    "started_at": record.startedAt.utcTimestamp, "finished_at": record.finishedAt.utcTimestamp,
                    "duration_seconds": record.finishedAt.timeIntervalSince(record.startedAt),
                ]
            } ?? NSNull()
        return JSONText.render(
            [
                "version": Self.schemaVersion, "generated_at": now.utcTimestamp, "outcome": outcome.label.lowercased(),
                "last_refresh": refresh, "registries": registries, "user_logins": users,
            ] as [String: Any])
    }
}

extension Date {
    /// `2026-11-22T19:31:15Z`: UTC, whole seconds (rounded down). Computed with integer arithmetic, because
    /// `status` formats many dates and Foundation's formatters are slow to set up.
    public var utcTimestamp: String {
        let seconds = Int(timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(year)-\(two(month))-\(two(dayOfMonth))T\(two(second / 3600)):\(two(second % 3600 / 60)):"
            + "\(two(second % 60))Z"
    }
}
