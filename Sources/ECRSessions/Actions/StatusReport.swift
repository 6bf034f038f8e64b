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
        // What is known of each (profile, region), in one dictionary: one look-up per source row and per entry.
        var pairs: [ProfileRegion: Pair] = [:]
        pairs.reserveCapacity(snapshot.logins.count + (snapshot.lastRefresh?.jobs.count ?? 0))
        for login in snapshot.logins {
            // Of a (profile, region)'s registries, the one renewed first decides when the job runs.
            let renewAt = policy.renewalTime(for: login)
            Self.update(&pairs, login.key) { $0.renewAt = min($0.renewAt ?? renewAt, renewAt) }
        }
        for attempt in snapshot.latestAttempts { Self.update(&pairs, attempt.key) { $0.attempt = attempt } }
        for streak in snapshot.streaks { Self.update(&pairs, streak.key) { $0.streak = streak } }
        let jobs = snapshot.lastRefresh?.jobs ?? []
        for job in jobs { Self.update(&pairs, job.key) { $0.account = $0.account ?? job.account } }
        let configuredOnly = snapshot.lastRefresh != nil

        func judged(_ entry: StatusEntry, _ pair: Pair) -> StatusEntry {
            var entry = entry
            entry.account = pair.account ?? entry.profile
            entry.consecutiveFailures = pair.streak?.failures ?? 0
            let isConfigured = !configuredOnly || pair.account != nil
            // A job no longer configured is never renewed again: the next refresh forgets it.
            // A configured job without a token is due at once.
            entry.nextRenewalAt = isConfigured ? pair.streak.map(policy.retryTime(after:)) ?? pair.renewAt ?? now : nil
            entry.state = Self.state(
                of: entry, configured: isConfigured, renewAt: pair.renewAt, now: now, warnWithin: warnWithin)
            return entry
        }
        // One entry per registry, one per (profile, region) whose attempts never produced one, and one per
        // configured job with neither; the last group is ordered after the others where the sort cannot tell.
        var entries: [StatusEntry] = []
        entries.reserveCapacity(snapshot.logins.count + jobs.count)
        for login in snapshot.logins {
            let pair = pairs[login.key] ?? Pair()
            let attempt = pair.attempt
            entries.append(
                judged(
                    StatusEntry(
                        profile: login.profile, region: login.region,
                        accountID: login.accountID.isEmpty ? nil : login.accountID, registry: login.registry,
                        expiresAt: login.expiresAt, fetchedAt: login.fetchedAt, lastAttemptAt: attempt?.finishedAt,
                        lastAttemptDuration: attempt?.duration, lastError: attempt?.error),
                    pair))
        }
        for attempt in snapshot.latestAttempts {
            guard var pair = pairs[attempt.key], pair.renewAt == nil, !pair.listed, let latest = pair.attempt else {
                continue
            }
            pair.listed = true
            pairs[attempt.key] = pair
            entries.append(
                judged(
                    StatusEntry(
                        profile: attempt.profile, region: attempt.region, lastAttemptAt: latest.finishedAt,
                        lastAttemptDuration: latest.duration, lastError: latest.error),
                    pair))
        }
        let joined = entries.count
        for job in jobs {
            guard let pair = pairs[job.key], pair.renewAt == nil, pair.attempt == nil else { continue }
            entries.append(judged(StatusEntry(profile: job.profile, region: job.region), pair))
        }
        self.entries = Self.sorted(entries, joined: joined)
    }

    /// What the snapshot says of one (profile, region).
    private struct Pair {
        var attempt: LoginAttempt?
        var streak: FailureStreak?
        /// The configured account's name; nil when the last refresh did not have the pair.
        var account: String?
        /// The earliest renewal of its registries; nil when it has none.
        var renewAt: Date?
        /// Whether its entry without a registry is made.
        var listed = false
    }

    private static func update(
        _ pairs: inout [ProfileRegion: Pair], _ key: ProfileRegion, _ change: (inout Pair) -> Void
    ) {
        change(&pairs[key, default: Pair()])
    }

    /// `entries` grouped by account, then region and registry; ties as a stable sort of the entries in profile,
    /// region and registry order, followed by the configured jobs without either (from `joined` on) in their order.
    private static func sorted(_ entries: [StatusEntry], joined: Int) -> [StatusEntry] {
        let order = entries.indices.sorted { left, right in
            let (a, b) = (entries[left], entries[right])
            if a.account != b.account { return a.account < b.account }
            if a.region != b.region { return a.region < b.region }
            let (registryA, registryB) = (a.registry ?? "", b.registry ?? "")
            if registryA != registryB { return registryA < registryB }
            let (jobA, jobB) = (left >= joined, right >= joined)
            if jobA != jobB { return jobB }
            if !jobA, a.profile != b.profile { return a.profile < b.profile }
            return left < right
        }
        return order.map { entries[$0] }
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
