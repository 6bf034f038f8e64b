import Foundation

extension StatusReport {
    /// `status --json`, schema version 1 (see the README's status section): an object with `version`,
    /// `generated_at`, `outcome` (what `--check` would say), `last_refresh`, `registries` and `user_logins`. Times
    /// are ISO 8601 in UTC, absent values null. Never holds a token or a password.
    ///
    /// Written in one pass from the typed entries, each object's keys in sorted order: the layout and escaping of
    /// `JSONText.render`, which the tests check it against.
    public var json: String {
        var writer = JSONWriter(capacity: 512 + entries.count * 640 + userLogins.count * 160)
        writer.object { top in
            top.key("generated_at")
            top.timestamp(now)
            top.key("last_refresh")
            if let record = lastRefresh {
                top.object { refresh in
                    refresh.key("duration_seconds")
                    refresh.number(record.finishedAt.timeIntervalSince(record.startedAt))
                    refresh.key("finished_at")
                    refresh.timestamp(record.finishedAt)
                    refresh.key("started_at")
                    refresh.timestamp(record.startedAt)
                }
            } else {
                top.null()
            }
            top.key("outcome")
            top.string(outcome.label.lowercased())
            top.key("registries")
            top.array(entries) { registries, entry in
                registries.object { registry in
                    registry.key("account")
                    registry.string(entry.accountID)
                    registry.key("account_name")
                    registry.string(entry.account)
                    registry.key("consecutive_failures")
                    registry.integer(entry.consecutiveFailures)
                    registry.key("expires_at")
                    registry.timestamp(entry.expiresAt)
                    registry.key("fetched_at")
                    registry.timestamp(entry.fetchedAt)
                    registry.key("last_attempt_at")
                    registry.timestamp(entry.lastAttemptAt)
                    registry.key("last_attempt_seconds")
                    registry.number(entry.lastAttemptDuration)
                    registry.key("last_error")
                    registry.string(entry.lastError)
                    registry.key("next_renewal_at")
                    registry.timestamp(entry.nextRenewalAt)
                    registry.key("profile")
                    registry.string(entry.profile)
                    registry.key("region")
                    registry.string(entry.region)
                    registry.key("registry")
                    registry.string(entry.registry)
                    registry.key("state")
                    registry.string(entry.state.rawValue)
                }
            }
            top.key("user_logins")
            top.array(userLogins) { users, login in
                users.object { user in
                    user.key("host")
                    user.string(login.host)
                    user.key("saved_at")
                    user.timestamp(login.savedAt)
                    user.key("server_url")
                    user.string(login.serverURL)
                    user.key("username")
                    user.string(login.username)
                }
            }
            top.key("version")
            top.integer(Self.schemaVersion)
        }
        return writer.finish()
    }
}
