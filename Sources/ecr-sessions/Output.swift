import ArgumentParser
import ECRSessions
import Foundation

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// "in 11h 58m", "3m ago": how far `date` is from `now`, for people.
func relative(_ date: Date, to now: Date) -> String {
    date.relativeDescription(to: now)
}

/// Lays rows out in columns separated by two spaces, as `docker ps` does.
///
/// Widths are in characters (`count`); cells are padded by appending spaces, which is far cheaper than
/// Foundation's `padding(toLength:withPad:startingAt:)` for a `status` of thousands of rows.
func table(_ header: [String], _ rows: [[String]]) -> String {
    columns(header, rows).map { $0.joined(separator: "  ") }.joined(separator: "\n")
}

/// The header (if any) and rows with every cell but the last padded to its column's width, so that a caller can
/// colour a cell after the layout without breaking it.
func columns(_ header: [String]?, _ rows: [[String]]) -> [[String]] {
    let all = (header.map { [$0] } ?? []) + rows
    let counts = all.map { row in row.map(\.count) }
    let widths = (all.first ?? []).indices.map { column in counts.map { $0[column] }.max() ?? 0 }
    // Padding is cut from one run of spaces: appending a repeated character one at a time is slow.
    let spaces = String(repeating: " ", count: widths.max() ?? 0)
    return all.indices.map { index in
        all[index].indices.map { column in
            let cell = all[index][column]
            guard column < all[index].count - 1 else { return cell }
            return cell + Substring(spaces.utf8.prefix(max(0, widths[column] - counts[index][column])))
        }
    }
}

extension Date {
    /// `2026-11-22T19:31:15Z`: UTC, second precision, as in `status --json`.
    var iso8601: String { utcTimestamp }
}

/// One job's outcome as `docker login` would say it: `Login Succeeded` per registry, or the error on stderr.
func printLoginResult(_ result: LoginResult, now: Date, quiet: Bool) {
    if let error = result.error {
        printError("error: \(result.job): \(error)")
    }
    guard !quiet else { return }
    for login in result.logins {
        print(
            "Login Succeeded: \(login.registry) (profile \(login.profile), expires \(relative(login.expiresAt, to: now)))"
        )
    }
}

/// `Login Succeeded` for each registry of `results` that every target was given; the others failed (their target's
/// error is printed with the problems), so saying they succeeded would be false.
func printLoginsWritten(_ results: [LoginResult], failedHosts: [String: TargetError], now: Date) {
    for result in results {
        var written = result
        written.logins.removeAll { failedHosts[$0.registry] != nil }
        written.error = nil
        printLoginResult(written, now: now, quiet: false)
    }
}

/// What went wrong around the logins: accounts that cannot be logged in, credential stores that shadow our entries,
/// files that could not be written.
func printLoginProblems(_ report: LoginReport, includingTargetErrors: Bool = true) {
    for account in report.skipped {
        printError("error: profile '\(account.profile)': \(account.problem ?? "cannot be logged in")")
    }
    for notice in report.notices { printError("warning: \(notice)") }
    if includingTargetErrors {
        for failure in report.targetErrors { printError("error: \(failure)") }
    }
}

/// The one warning for a cache that was unusable and replaced by a new one: the command goes on, the user is told.
@Sendable func printCacheRecovery(_ recovery: CacheRecovery) {
    printError("warning: \(recovery)")
}
