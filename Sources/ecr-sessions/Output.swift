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
func table(_ header: [String], _ rows: [[String]]) -> String {
    var columns = TextColumns(count: header.count)
    for row in [header] + rows {
        for cell in row { columns.append(cell) }
    }
    var text: [UInt8] = []
    for row in 0..<columns.rowCount {
        if row > 0 { text.append(UInt8(ascii: "\n")) }
        columns.write(row: row, indent: "", to: &text)
    }
    return String(decoding: text, as: UTF8.self)
}

/// Cells laid out in columns two spaces apart, every cell but a row's last padded to its column's width, written
/// as UTF-8 bytes: `status` lays out seven cells for each of thousands of registries.
///
/// Widths are in characters: a cell's bytes when it is ASCII (most cells), its grapheme clusters (`count`)
/// otherwise, which spares `status` counting them in every cell of every row.
struct TextColumns {
    /// How many cells make a row.
    let count: Int
    /// Every cell's bytes, one after another.
    private var bytes: [UInt8] = []
    /// Where each cell ends in `bytes`, and its width.
    private var ends: [Int] = []
    private var cellWidths: [Int] = []
    private var widths: [Int]

    init(count: Int, rows: Int = 0) {
        self.count = count
        widths = Array(repeating: 0, count: count)
        ends.reserveCapacity(rows * count)
        cellWidths.reserveCapacity(rows * count)
        bytes.reserveCapacity(rows * count * 16)
    }

    var rowCount: Int { ends.count / count }

    /// Appends the next cell, filling rows left to right.
    mutating func append(_ cell: String) {
        var cell = cell
        let ascii = cell.withUTF8 { utf8 in
            bytes += utf8
            return utf8.allSatisfy { $0 < 0x80 }
        }
        let width = ascii ? cell.utf8.count : cell.count
        let column = ends.count % count
        widths[column] = max(widths[column], width)
        ends.append(bytes.count)
        cellWidths.append(width)
    }

    /// Writes row `row` after `indent`, its cells two spaces apart; the cell in column `painted` (if any) is wrapped
    /// in the SGR colour `sgr` with its padding, so that colouring never moves a column.
    func write(row: Int, indent: StaticString, painting painted: Int? = nil, sgr: String = "", to text: inout [UInt8]) {
        indent.withUTF8Buffer { text += $0 }
        for column in 0..<count {
            let index = row * count + column
            if column > 0 { text.append(literal: "  ") }
            if column == painted { text += "\u{1B}[\(sgr)m".utf8 }
            text += bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]]
            if column < count - 1 {
                text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: widths[column] - cellWidths[index]))
            }
            if column == painted { text.append(literal: "\u{1B}[0m") }
        }
    }
}

extension [UInt8] {
    /// Appends a literal with one copy: `+=` of a string literal's `utf8` goes through the generic sequence path.
    mutating func append(literal text: StaticString) {
        text.withUTF8Buffer { self += $0 }
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
