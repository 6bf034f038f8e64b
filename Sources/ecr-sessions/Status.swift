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

    var text: String {
        let now = report.now
        guard !report.entries.isEmpty || !report.userLogins.isEmpty else {
            return "No logins yet. Run: ecr-sessions accounts login --all"
        }
        var lines: [String] = []
        if !report.entries.isEmpty {
            let rows = report.entries.map { entry in
                [
                    entry.registry ?? "-", entry.region, entry.state.words,
                    entry.expiresAt.map { relative($0, to: now) } ?? "-",
                    entry.nextRenewalAt.map { $0 <= now ? "due now" : relative($0, to: now) } ?? "-",
                    entry.fetchedAt.map { relative($0, to: now) } ?? "-",
                    entry.lastError.map(StatusText.oneLine) ?? "-",
                ]
            }
            let header = ["REGISTRY", "REGION", "STATE", "EXPIRES", "NEXT RENEWAL", "REFRESHED", "LAST ERROR"]
            let laidOut = columns(header, rows)
            lines.append("  " + laidOut[0].joined(separator: "  "))
            var group: String?
            for (entry, cells) in zip(report.entries, laidOut.dropFirst()) {
                if entry.account != group {
                    group = entry.account
                    let profile = entry.profile == entry.account ? "" : " (profile \(entry.profile))"
                    lines.append(paint(entry.account, "1") + profile)
                }
                var cells = cells
                cells[2] = paint(cells[2], Self.color(of: entry.state))
                lines.append("  " + cells.joined(separator: "  "))
            }
        }
        if !report.userLogins.isEmpty {
            lines.append(paint("User logins", "1") + " (ecr-sessions login; kept until ecr-sessions logout HOST)")
            let rows = report.userLogins.map {
                [$0.host, "user \($0.username)", "saved \(relative($0.savedAt, to: now))"]
            }
            for cells in columns(nil, rows) { lines.append("  " + cells.joined(separator: "  ")) }
        }
        if let refresh = report.lastRefresh {
            lines.append("Last refresh \(relative(refresh.finishedAt, to: now)).")
        }
        return lines.joined(separator: "\n")
    }

    /// SGR colour of a state: green ok, yellow warnings, red critical, dim for what is going away.
    static func color(of state: RegistryState) -> String {
        switch state.severity {
        case .ok: state == .notConfigured ? "2" : "32"
        case .warning: "33"
        case .critical, .unknown: "31"
        }
    }

    private func paint(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
