import Foundation

extension StatusReport {
    /// `status --prometheus` and the `metrics_file`: the Prometheus text exposition format (version 0.0.4), one
    /// series per registry, as node_exporter's textfile collector reads it.
    public var prometheusText: String {
        var text = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            guard !samples.isEmpty else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for sample in samples { text += "\(name){\(sample.labels)} \(sample.value)\n" }
        }
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        }
        let labelled = entries.map { entry in (entry, Self.labels(entry)) }
        family(
            "ecr_sessions_token_expiry_timestamp_seconds", "When the cached token of the registry expires (Unix time).",
            labelled.compactMap { entry, labels in entry.expiresAt.map { (labels, number($0.timeIntervalSince1970)) } })
        family(
            "ecr_sessions_last_success_timestamp_seconds", "When the registry's token was last fetched (Unix time).",
            labelled.compactMap { entry, labels in entry.fetchedAt.map { (labels, number($0.timeIntervalSince1970)) } })
        family(
            "ecr_sessions_consecutive_failures", "Failed login attempts since the last success.",
            labelled.map { entry, labels in (labels, String(entry.consecutiveFailures)) })
        family(
            "ecr_sessions_last_refresh_duration_seconds", "How long the latest login attempt took.",
            labelled.compactMap { entry, labels in entry.lastAttemptDuration.map { (labels, String($0)) } })
        family(
            "ecr_sessions_registry_state", "1 for the registry's state (ok, renewing_soon, expired, failing, "
                + "never_logged_in, not_configured), 0 for the others.",
            labelled.flatMap { entry, labels in
                RegistryState.allCases.map { state in
                    ("\(labels),state=\"\(state.rawValue)\"", entry.state == state ? "1" : "0")
                }
            })
        if let record = lastRefresh {
            for (name, help, value) in [
                (
                    "ecr_sessions_refresh_run_timestamp_seconds", "When the last refresh run finished (Unix time).",
                    number(record.finishedAt.timeIntervalSince1970)
                ),
                (
                    "ecr_sessions_refresh_run_duration_seconds", "How long the last refresh run took.",
                    String(record.finishedAt.timeIntervalSince(record.startedAt))
                ),
            ] {
                text += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(value)\n"
            }
        }
        return text
    }

    private static func labels(_ entry: StatusEntry) -> String {
        [
            ("account", entry.account), ("profile", entry.profile), ("region", entry.region),
            ("registry", entry.registry ?? ""),
        ].map { "\($0)=\"\(escaped($1))\"" }.joined(separator: ",")
    }

    /// A label value as the exposition format escapes it: backslash, double quote and line feed.
    static func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}

/// The `[settings] metrics_file`: the metrics text, replaced atomically so the textfile collector never reads
/// half a file.
enum MetricsFile {
    /// Writes `report`'s metrics to `path` (mode 0644: node_exporter usually runs as another user).
    static func write(_ report: StatusReport, to path: String) throws(SystemError) {
        try AtomicFile.replace(path, with: Data(report.prometheusText.utf8), mode: 0o644)
    }
}
