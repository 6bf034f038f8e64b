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
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { row in
        row.indices.map { column in
            column == row.count - 1
                ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}

extension Date {
    /// `2026-11-22T19:31:15Z`: UTC, second precision, as in `status --json`.
    var iso8601: String { formatted(.iso8601) }
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
