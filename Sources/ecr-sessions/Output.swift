import ArgumentParser
import ECRSessions
import Foundation
import Logging
import Synchronization

/// Writes a line to standard error.
func printError(_ text: String) {
    writeError(text + "\n")
}

/// Writes `text` to standard error at once: unbuffered, so that it keeps its place among stdout's lines and a
/// progress line can be redrawn.
func writeError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// swift-log's handler for the command line: one line per message on stderr, worded as the rest of the output
/// (`warning: ...`, `error: ...`, `debug: ...`; info plain), after a UTC timestamp when `timestamps` gives the time.
struct StandardErrorLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let timestamps: (@Sendable () -> Date)?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let prefix =
            switch event.level {
            case .trace, .debug: "debug: "
            case .info, .notice: ""
            case .warning: "warning: "
            case .error, .critical: "error: "
            }
        writeError("\(timestamps.map { "\($0().iso8601) " } ?? "")\(prefix)\(event.message)\n")
    }
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
    let counts = all.map { row in row.map(displayWidth) }
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

/// The characters `text` shows: its bytes when it is ASCII (most cells), which spares `status` counting grapheme
/// clusters in every cell of every row.
private func displayWidth(_ text: String) -> Int {
    text.utf8.allSatisfy { $0 < 0x80 } ? text.utf8.count : text.count
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

/// What `accounts login` shows while it works: a line per registry and each failure as it comes, as `docker login`
/// would. On a terminal (stdout and stderr both) also one line at the bottom of stderr, redrawn in place,
/// `Logging in: 37/120 done, 2 failed`, and a summary in its place at the end.
final class LoginProgress: Sendable {
    private struct Counts {
        var done = 0
        var failed = 0
        var registries = 0
        /// MFA questions being asked: the counter stays off the line the person types on.
        var prompts = 0
    }

    private let counts = Mutex(Counts())
    private let total: Int
    private let live: Bool
    private let quiet: Bool
    private let logger: Logger
    private let now: Date
    private let started = ContinuousClock.now

    init(total: Int, output: OutputOptions, now: Date) {
        self.total = total
        self.quiet = output.quiet
        self.logger = output.logger()
        self.now = now
        live = !output.quiet && Terminal.standardOutputIsTerminal && Terminal.standardErrorIsTerminal
        logger.debug("logging in \(total) profile and region pairs")
        if live { writeError(Self.line(Counts(), total: total)) }
    }

    /// Counts one job's result and shows it; safe to call from concurrent jobs (one at a time is drawn).
    func record(_ result: LoginResult) {
        counts.withLock { counts in
            counts.done += 1
            counts.registries += result.logins.count
            if !result.succeeded { counts.failed += 1 }
            redraw(counts) {
                logger.debug(
                    "\(result.job): \(registries(result.logins.count)), answered after \(seconds(since: started))")
                printLoginResult(result, now: now, quiet: true)  // its error now; success once written
            }
        }
    }

    /// Says `Login Succeeded` for the registries of `results` that every target got.
    func recordWritten(_ results: [LoginResult], failedHosts: [String: TargetError]) {
        guard !quiet else { return }
        counts.withLock { counts in
            redraw(counts) { printLoginsWritten(results, failedHosts: failedHosts, now: now) }
        }
    }

    /// `prompt` with the counter taken off the terminal while it asks.
    func pausing(_ prompt: (any MFAPrompt)?) -> (any MFAPrompt)? {
        guard live, let prompt else { return prompt }
        return PausingPrompt(prompt: prompt, progress: self)
    }

    /// Replaces the counter with the summary; off a terminal, logs the summary with `-v` only (the lines per
    /// registry already said it all).
    func finish() {
        let counts = counts.withLock { $0 }
        let failed = counts.failed == 0 ? "" : "; \(counts.failed) failed"
        let summary =
            "Logged in \(counts.done - counts.failed) of \(total) (\(registries(counts.registries)))\(failed), "
            + "in \(seconds(since: started))."
        if live {
            writeError("\r\u{1B}[K" + summary + "\n")
        } else {
            logger.debug("\(summary)")
        }
    }

    /// Clears the counter, lets `body` print whole lines, and draws the counter again below them.
    private func redraw(_ counts: Counts, _ body: () -> Void) {
        guard live else { return body() }
        writeError("\r\u{1B}[K")
        body()
        fflush(nil)  // stdout's lines first, then the counter after them on stderr
        if counts.prompts == 0 { writeError(Self.line(counts, total: total)) }
    }

    private func prompting(_ starts: Bool) {
        counts.withLock { counts in
            counts.prompts += starts ? 1 : -1
            redraw(counts) {}
        }
    }

    private struct PausingPrompt: MFAPrompt {
        let prompt: any MFAPrompt
        let progress: LoginProgress

        func code(serial: String, roleARN: String, profile: String) async throws -> String {
            progress.prompting(true)
            defer { progress.prompting(false) }
            return try await prompt.code(serial: serial, roleARN: roleARN, profile: profile)
        }
    }

    private static func line(_ counts: Counts, total: Int) -> String {
        "Logging in: \(counts.done)/\(total) done, \(counts.failed) failed"
    }
}

/// "1 registry", "3 registries".
private func registries(_ count: Int) -> String {
    count == 1 ? "1 registry" : "\(count) registries"
}

/// `0.231 s`: the time since `start`, for `-v`'s timings.
func seconds(since start: ContinuousClock.Instant) -> String {
    let elapsed = ContinuousClock.now - start
    let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    return "\(Double(milliseconds) / 1000) s"
}
