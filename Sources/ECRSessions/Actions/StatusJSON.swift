import Foundation

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
