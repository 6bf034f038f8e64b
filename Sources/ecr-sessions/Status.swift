import ArgumentParser
import ECRSessions
import Foundation
import Synchronization

extension Root {
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show where every registry stands, from the cache (no network).",
            discussion: """
                One line per registry, grouped by account: its state (ok, renewing soon, expired, failing, never \
                logged in, no longer configured), expiry, next renewal, last refresh and last error; then the \
                user/password logins. Which accounts are configured, and the refresh window, are what the last \
                refresh recorded. --json prints schema version 1 (see the README); --prometheus the metrics in \
                Prometheus' text format. --check prints one line and exits as a monitoring plugin (Nagios, \
                Icinga, systemd ExecCondition): 0 ok; 1 warning when a token expires within --within (default: \
                the refresh window) or a registry's last attempt failed while its token still works; 2 critical \
                when a token has expired or a configured registry was never logged in; 3 unknown when the cache \
                cannot be read.
                """)

        @Flag(name: .long, help: "Print JSON (schema version 1): every registry with its state.")
        var json = false

        @Flag(name: .long, help: "Print the metrics in the Prometheus text exposition format.")
        var prometheus = false

        @Flag(name: .long, help: "Print one line and exit 0 ok, 1 warning, 2 critical, 3 unknown.")
        var check = false

        @Option(
            name: .long,
            help: ArgumentHelp("Warn when a token expires within this, e.g. 2h or 90m.", valueName: "duration"))
        var within: String?

        @Option(name: .long, help: "Colour the states: auto (on a terminal, unless NO_COLOR is set), always, never.")
        var color: ColorChoice = .auto

        @OptionGroup var output: OutputOptions

        func validate() throws {
            if [json, prometheus, check].count(where: { $0 }) > 1 {
                throw ValidationError("Use one of --json, --prometheus and --check.")
            }
            if let within, Duration(configurationText: within) == nil {
                throw ValidationError("--within takes a duration such as 2h, 90m or 1h30m (units d, h, m, s).")
            }
        }

        func run() throws {
            let warnWithin = within.flatMap(Duration.init(configurationText:))
            guard check else {
                let context = try ActionContext.live(cacheRecovered: printCacheRecovery)
                let report = try Actions.Status(context).report(warnWithin: warnWithin)
                if json {
                    print(report.json, terminator: "")
                } else if prometheus {
                    print(report.prometheusText, terminator: "")
                } else {
                    print(StatusTable(report: report, colored: color.enabled(environment: context.environment)).text)
                }
                return
            }
            // A monitoring check never exits 2 for a cache it cannot read: that is "unknown", 3. Nor does it say ok
            // for a cache it just rebuilt from a damaged one: until a refresh has run, nothing is known.
            let recovered = Mutex<CacheRecovery?>(nil)
            let report: StatusReport
            do {
                let context = try ActionContext.live { recovery in
                    printCacheRecovery(recovery)
                    recovered.withLock { $0 = recovery }
                }
                report = try Actions.Status(context).report(warnWithin: warnWithin)
                if let recovery = recovered.withLock({ $0 }) { throw recovery.problem }
            } catch {
                print("ECR-SESSIONS \(CheckOutcome.unknown.label) - \(StatusText.oneLine("\(error)"))")
                throw ExitCode(CheckOutcome.unknown.rawValue)
            }
            print(report.checkSummary)
            if report.outcome != .ok { throw ExitCode(report.outcome.rawValue) }
        }
    }
}

/// `--color`: whether the states are coloured.
enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, always, never

    /// `auto` colours only on a terminal, and never when `NO_COLOR` is set to anything but the empty string.
    func enabled(environment: Environment) -> Bool {
        switch self {
        case .always: true
        case .never: false
        case .auto: Terminal.standardOutputIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty
        }
    }
}

/// The text of `status`: a header, then each account's registries indented under its name, then the user logins.
struct StatusTable {
    var report: StatusReport
    var colored: Bool

    /// Written as UTF-8 bytes in one pass over the entries, after one pass that measures the columns.
    var text: String {
        let now = report.now
        guard !report.entries.isEmpty || !report.userLogins.isEmpty else {
            return "No logins yet. Run: ecr-sessions accounts login --all"
        }
        var text: [UInt8] = []
        text.reserveCapacity(256 + report.entries.count * 160 + report.userLogins.count * 80)
        if !report.entries.isEmpty {
            var columns = TextColumns(count: 7, rows: report.entries.count + 1)
            for header in ["REGISTRY", "REGION", "STATE", "EXPIRES", "NEXT RENEWAL", "REFRESHED", "LAST ERROR"] {
                columns.append(header)
            }
            for entry in report.entries {
                columns.append(entry.registry ?? "-")
                columns.append(entry.region)
                columns.append(entry.state.words)
                columns.append(entry.expiresAt.map { relative($0, to: now) } ?? "-")
                columns.append(entry.nextRenewalAt.map { $0 <= now ? "due now" : relative($0, to: now) } ?? "-")
                columns.append(entry.fetchedAt.map { relative($0, to: now) } ?? "-")
                columns.append(entry.lastError.map(StatusText.oneLine) ?? "-")
            }
            columns.write(row: 0, indent: "  ", to: &text)
            var group: String?
            for (index, entry) in report.entries.enumerated() {
                if entry.account != group {
                    group = entry.account
                    text.append(UInt8(ascii: "\n"))
                    paint(entry.account, "1", to: &text)
                    if entry.profile != entry.account { text += " (profile \(entry.profile))".utf8 }
                }
                text.append(UInt8(ascii: "\n"))
                columns.write(
                    row: index + 1, indent: "  ", painting: colored ? 2 : nil, sgr: Self.color(of: entry.state),
                    to: &text)
            }
        }
        if !report.userLogins.isEmpty {
            if !text.isEmpty { text.append(UInt8(ascii: "\n")) }
            paint("User logins", "1", to: &text)
            text += " (ecr-sessions login; kept until ecr-sessions logout HOST)".utf8
            var columns = TextColumns(count: 3, rows: report.userLogins.count)
            for login in report.userLogins {
                columns.append(login.host)
                columns.append("user \(login.username)")
                columns.append("saved \(relative(login.savedAt, to: now))")
            }
            for row in 0..<columns.rowCount {
                text.append(UInt8(ascii: "\n"))
                columns.write(row: row, indent: "  ", to: &text)
            }
        }
        if let refresh = report.lastRefresh {
            text += "\nLast refresh \(relative(refresh.finishedAt, to: now)).".utf8
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// SGR colour of a state: green ok, yellow warnings, red critical, dim for what is going away.
    static func color(of state: RegistryState) -> String {
        switch state.severity {
        case .ok: state == .notConfigured ? "2" : "32"
        case .warning: "33"
        case .critical, .unknown: "31"
        }
    }

    private func paint(_ text: String, _ code: String, to bytes: inout [UInt8]) {
        if colored { bytes += "\u{1B}[\(code)m".utf8 }
        bytes += text.utf8
        if colored { bytes.append(literal: "\u{1B}[0m") }
    }
}
