public import Foundation

/// The monitoring-plugin result of `status --check` (Nagios, Icinga, systemd `ExecCondition`): its raw value is the
/// exit status.
public enum CheckOutcome: Int32, Sendable, Equatable, Comparable, CaseIterable {
    case ok = 0
    case warning = 1
    case critical = 2
    /// The cache could not be read, so nothing is known.
    case unknown = 3

    /// `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`: the plugin convention's words.
    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public static func < (lhs: CheckOutcome, rhs: CheckOutcome) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A user/password login (`ecr-sessions login`) as `status` lists it: never its secret.
public struct UserLoginStatus: Sendable, Equatable {
    public var host: String
    public var serverURL: String
    public var username: String
    public var savedAt: Date
}

/// Everything `status` reads from the cache, in one go.
public struct StatusSnapshot: Sendable {
    public var logins: [RegistryLogin]
    public var latestAttempts: [LoginAttempt]
    public var streaks: [FailureStreak]
    public var userLogins: [UserLogin]
    /// Nil when no refresh has recorded its configuration yet: then nothing counts as unconfigured.
    public var lastRefresh: RefreshRecord?

    public init(
        logins: [RegistryLogin] = [], latestAttempts: [LoginAttempt] = [], streaks: [FailureStreak] = [],
        userLogins: [UserLogin] = [], lastRefresh: RefreshRecord? = nil
    ) {
        self.logins = logins
        self.latestAttempts = latestAttempts
        self.streaks = streaks
        self.userLogins = userLogins
        self.lastRefresh = lastRefresh
    }
}

/// Where every registry stands at one moment: the pure core of `status`, its `--json`, `--check` and
/// `--prometheus`, and of the metrics file.
public struct StatusReport: Sendable, Equatable {
    /// The version of the `status --json` schema; raised when a field changes meaning or goes away.
    public static let schemaVersion = 1

    public var now: Date
    /// Grouped by account, then region and registry.
    public var entries: [StatusEntry]
    public var userLogins: [UserLoginStatus]
    public var lastRefresh: RefreshRecord?
    /// The horizon the states were judged with: `--within`, else nil for the refresh window.
    public var warnWithin: Duration?

    /// The worst state's severity: what `status --check` exits with.
    public var outcome: CheckOutcome { entries.map(\.state.severity).max() ?? .ok }

    /// The entries that make the outcome what it is.
    public var worst: [StatusEntry] {
        let outcome = outcome
        return outcome == .ok ? [] : entries.filter { $0.state.severity == outcome }
    }

    /// Judges every entry of `snapshot` at `now`. A token is "renewing soon" when it expires within `warnWithin`,
    /// or, when that is nil, once it is past its renewal time under the recorded refresh window.
    public init(snapshot: StatusSnapshot, now: Date, warnWithin: Duration? = nil) {
        self.now = now
        self.warnWithin = warnWithin
        lastRefresh = snapshot.lastRefresh
        userLogins = snapshot.userLogins.map {
            UserLoginStatus(host: $0.host, serverURL: $0.serverURL, username: $0.username, savedAt: $0.savedAt)
        }
        let policy = RefreshPolicy(refreshBefore: snapshot.lastRefresh?.refreshBefore)
        let configured = snapshot.lastRefresh.map { record in
            Dictionary(record.jobs.map { ($0.key, $0.account) }) { first, _ in first }
        }
        let streaks = Dictionary(snapshot.streaks.map { ($0.key, $0) }) { $1 }
        // Of a (profile, region)'s registries, the one renewed first decides when the job runs.
        var renewal: [ProfileRegion: Date] = [:]
        for login in snapshot.logins {
            let renewAt = policy.renewalTime(for: login)
            renewal[login.key] = min(renewal[login.key] ?? renewAt, renewAt)
        }
        var entries = StatusEntry.entries(logins: snapshot.logins, latestAttempts: snapshot.latestAttempts)
        let seen = Set(entries.map { ProfileRegion(profile: $0.profile, region: $0.region) })
        for job in snapshot.lastRefresh?.jobs ?? [] where !seen.contains(job.key) {
            entries.append(StatusEntry(profile: job.profile, region: job.region))
        }
        for index in entries.indices {
            let key = ProfileRegion(profile: entries[index].profile, region: entries[index].region)
            let streak = streaks[key]
            entries[index].account = configured?[key] ?? key.profile
            entries[index].consecutiveFailures = streak?.failures ?? 0
            let isConfigured = configured.map { $0[key] != nil } ?? true
            // A job no longer configured is never renewed again: the next refresh forgets it.
            // A configured job without a token is due at once.
            entries[index].nextRenewalAt =
                isConfigured ? streak.map(policy.retryTime(after:)) ?? renewal[key] ?? now : nil
            entries[index].state = Self.state(
                of: entries[index], configured: isConfigured, renewAt: renewal[key], now: now, warnWithin: warnWithin)
        }
        self.entries = entries.sorted {
            ($0.account, $0.region, $0.registry ?? "") < ($1.account, $1.region, $1.registry ?? "")
        }
    }

    /// The state of one entry: the first that applies of not configured, never logged in, expired, failing,
    /// renewing soon, ok.
    static func state(of entry: StatusEntry, configured: Bool, renewAt: Date?, now: Date, warnWithin: Duration?)
        -> RegistryState
    {
        guard configured else { return .notConfigured }
        guard let expiresAt = entry.expiresAt else { return .neverLoggedIn }
        if expiresAt <= now { return .expired }
        if entry.lastError != nil { return .failing }
        let soon =
            warnWithin.map { expiresAt.timeIntervalSince(now) <= $0.seconds } ?? (renewAt.map { $0 <= now } ?? false)
        return soon ? .renewingSoon : .ok
    }
}

extension StatusReport {
    /// One line for `status --check`, in the monitoring-plugin form `ECR-SESSIONS OK - ...`, naming the registries
    /// that decide the outcome.
    public var checkSummary: String {
        let outcome = outcome
        let counts = RegistryState.allCases.compactMap { state -> String? in
            let count = entries.count { $0.state == state }
            return count == 0 ? nil : "\(count) \(state.words)"
        }
        var text = "ECR-SESSIONS \(outcome.label) - "
        if entries.isEmpty {
            text += "no registries"
        } else {
            text += counts.joined(separator: ", ")
        }
        let named = worst.prefix(5).map { entry in
            let error = entry.lastError.map { ": " + StatusText.oneLine($0) } ?? ""
            return "\(entry.registry ?? "\(entry.account) (\(entry.region))") \(entry.state.words)\(error)"
        }
        if !named.isEmpty {
            text += "; " + named.joined(separator: "; ")
            if worst.count > named.count { text += "; and \(worst.count - named.count) more" }
        }
        return text
    }
}

/// Small text helpers for status output.
public enum StatusText {
    /// `text` on one line: line breaks and runs of white space become one space.
    public static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
