import ECRSessions
import Foundation
import TestSupport
import Testing

/// `status`'s table, written as bytes in one pass, against the layout it replaced (cells as `String`s padded to
/// their column's width in characters), over cells that are not ASCII: accented, wide, combined and emoji text.
@Suite struct StatusLayoutTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// The table as the code before the byte writer laid it out, from the same report.
    static func slowText(_ report: StatusReport, colored: Bool) -> String {
        func paint(_ text: String, _ code: String) -> String { colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
        func relative(_ date: Date) -> String { date.relativeDescription(to: report.now) }
        func columns(_ rows: [[String]]) -> [[String]] {
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            return rows.map { row in
                row.indices.map { column in
                    column == row.count - 1
                        ? row[column] : row[column] + String(repeating: " ", count: widths[column] - row[column].count)
                }
            }
        }
        var lines: [String] = []
        let header = ["REGISTRY", "REGION", "STATE", "EXPIRES", "NEXT RENEWAL", "REFRESHED", "LAST ERROR"]
        let rows = report.entries.map { entry in
            [
                entry.registry ?? "-", entry.region, entry.state.words, entry.expiresAt.map(relative) ?? "-",
                entry.nextRenewalAt.map { $0 <= report.now ? "due now" : relative($0) } ?? "-",
                entry.fetchedAt.map(relative) ?? "-", entry.lastError.map(StatusText.oneLine) ?? "-",
            ]
        }
        let laidOut = columns([header] + rows)
        lines.append("  " + laidOut[0].joined(separator: "  "))
        var group: String?
        let colours: [RegistryState: String] = [
            .ok: "32", .notConfigured: "2", .renewingSoon: "33", .failing: "33", .expired: "31", .neverLoggedIn: "31",
        ]
        for (entry, cells) in zip(report.entries, laidOut.dropFirst()) {
            if entry.account != group {
                group = entry.account
                lines.append(
                    paint(entry.account, "1") + (entry.profile == entry.account ? "" : " (profile \(entry.profile))"))
            }
            var cells = cells
            cells[2] = paint(cells[2], colours[entry.state] ?? "")
            lines.append("  " + cells.joined(separator: "  "))
        }
        lines.append(paint("User logins", "1") + " (ecr-sessions login; kept until ecr-sessions logout HOST)")
        let users = report.userLogins.map { [$0.host, "user \($0.username)", "saved \(relative($0.savedAt))"] }
        for cells in columns(users) { lines.append("  " + cells.joined(separator: "  ")) }
        if let refresh = report.lastRefresh { lines.append("Last refresh \(relative(refresh.finishedAt)).") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Every time in the table is minutes from `now`, so that the child's clock running on cannot change a cell.
    @Test(arguments: [false, true])
    func wideAndNonASCIICellsKeepTheirColumns(colored: Bool) throws {
        var sandbox = try CLISandbox(["ECR_SESSIONS_FAKE_NOW": "2027-01-15T08:00:00Z"])
        sandbox.environment["ECR_SESSIONS_STATE_DIR"] = sandbox.home.path + "/state"
        defer { sandbox.remove() }
        let cache = try Cache(path: sandbox.home.path + "/state/cache.sqlite3")
        let names = ["plain", "café", "日本語", "e\u{301}x", "👩‍💻dev"]
        try cache.recordRefresh(
            RefreshRecord(
                jobs: names.map { ConfiguredJob(account: "Konto \($0)", profile: $0, region: "eu-west-1") },
                refreshBefore: nil, startedAt: Self.now - 3601, finishedAt: Self.now - 3600))
        for (index, name) in names.enumerated() {
            let fetched = Self.now.addingTimeInterval(Double(-index - 1) * 3000)
            try cache.replaceLogins(
                profile: name, region: "eu-west-1",
                with: [
                    RegistryLogin(
                        profile: name, accountID: "111122223333", region: "eu-west-1",
                        registry: "registry-\(name).example", token: AuthorizationToken(encoded: "QVdTOng="),
                        expiresAt: fetched + 43200, fetchedAt: fetched)
                ])
            try cache.record(
                LoginAttempt(
                    profile: name, region: "eu-west-1", startedAt: Self.now - 7201, finishedAt: Self.now - 7200,
                    error: index.isMultiple(of: 2) ? "Fehler für \(name):\n  日本 ☕ zu breit" : nil))
            try cache.save(
                UserLogin(
                    host: "\(name).example", serverURL: "https://\(name).example", username: "nutzer-\(name)",
                    secret: "s", savedAt: Self.now - 7200))
        }
        let report = StatusReport(
            snapshot: StatusSnapshot(
                logins: try cache.logins(), latestAttempts: try cache.latestAttempts(),
                streaks: try cache.failureStreaks(), userLogins: try cache.userLogins(),
                lastRefresh: try cache.lastRefresh()),
            now: Self.now)
        let result = try sandbox.run("status", "--color", colored ? "always" : "never")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == Self.slowText(report, colored: colored))
    }
}
