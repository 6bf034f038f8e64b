import ArgumentParser
import ECRSessions
import Foundation

extension Root {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show every registry's expiry, last refresh and last error, from the cache (no network).")

        @Flag(name: .long, help: "Print JSON: one object per registry (or per failing profile and region).")
        var json = false

        func run() throws {
            let sessions: Sessions
            let entries: [StatusEntry]
            do {
                sessions = try Sessions.live()
                entries = try sessions.status()
            } catch {
                throw configurationFailure(error)
            }
            if json {
                print(statusJSON(entries))
            } else if entries.isEmpty {
                print("No logins yet. Run: ecr-sessions accounts login --all")
            } else {
                print(statusTable(entries, now: sessions.clock.now()))
            }
        }

        func statusTable(_ entries: [StatusEntry], now: Date) -> String {
            let rows = entries.map { entry in
                [
                    entry.profile, entry.region, entry.registry ?? "-",
                    entry.expiresAt.map { ($0 > now ? "" : "EXPIRED ") + relative($0, to: now) } ?? "-",
                    entry.fetchedAt.map { relative($0, to: now) } ?? "-",
                    entry.lastError ?? "ok",
                ]
            }
            return table(["PROFILE", "REGION", "REGISTRY", "EXPIRES", "REFRESHED", "LAST RESULT"], rows)
        }

        func statusJSON(_ entries: [StatusEntry]) -> String {
            let objects: [[String: Any]] = entries.map { entry in
                [
                    "profile": entry.profile,
                    "account": entry.accountID ?? NSNull(),
                    "region": entry.region,
                    "registry": entry.registry ?? NSNull(),
                    "expires_at": entry.expiresAt?.iso8601 ?? NSNull(),
                    "fetched_at": entry.fetchedAt?.iso8601 ?? NSNull(),
                    "last_attempt_at": entry.lastAttemptAt?.iso8601 ?? NSNull(),
                    "last_error": entry.lastError ?? NSNull(),
                ]
            }
            let data = try? JSONSerialization.data(
                withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        }
    }
}
