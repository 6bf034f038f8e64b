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
            let context = try ActionContext.live(cacheRecovered: printCacheRecovery)
            let entries = try Actions.Status(context).run()
            if json {
                print(StatusEntry.json(entries), terminator: "")
            } else if entries.isEmpty {
                print("No logins yet. Run: ecr-sessions accounts login --all")
            } else {
                print(statusTable(entries, now: context.clock.now()))
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
    }
}
