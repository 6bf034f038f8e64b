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
        // What is known of each (profile, region), in one array, found through one dictionary look-up per source
        // row; each row keeps its pair's place for the entries made from it below.
        let jobs = snapshot.lastRefresh?.jobs ?? []
        var places: [PairKey: Int] = [:]
        var pairs: [Pair] = []
        places.reserveCapacity(snapshot.logins.count + jobs.count)
        pairs.reserveCapacity(snapshot.logins.count + jobs.count)
        func place(of key: ProfileRegion) -> Int {
            let key = PairKey(key)
            if let place = places[key] { return place }
            pairs.append(Pair())
            places[key] = pairs.count - 1
            return pairs.count - 1
        }
        let loginPlaces = snapshot.logins.map { login in
            let place = place(of: login.key)
            // Of a (profile, region)'s registries, the one renewed first decides when the job runs.
            let renewAt = policy.renewalTime(for: login)
            pairs[place].renewAt = min(pairs[place].renewAt ?? renewAt, renewAt)
            return place
        }
        let attemptPlaces = snapshot.latestAttempts.map { attempt in
            let place = place(of: attempt.key)
            pairs[place].attempt = attempt
            return place
        }
        for streak in snapshot.streaks { pairs[place(of: streak.key)].streak = streak }
        let jobPlaces = jobs.map { job in
            let place = place(of: job.key)
            pairs[place].account = pairs[place].account ?? job.account
            return place
        }
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
        for (login, place) in zip(snapshot.logins, loginPlaces) {
            let pair = pairs[place]
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
        for (attempt, place) in zip(snapshot.latestAttempts, attemptPlaces) {
            guard pairs[place].renewAt == nil, !pairs[place].listed, let latest = pairs[place].attempt else {
                continue
            }
            pairs[place].listed = true
            let pair = pairs[place]
            entries.append(
                judged(
                    StatusEntry(
                        profile: attempt.profile, region: attempt.region, lastAttemptAt: latest.finishedAt,
                        lastAttemptDuration: latest.duration, lastError: latest.error),
                    pair))
        }
        let joined = entries.count
        for (job, place) in zip(jobs, jobPlaces) {
            let pair = pairs[place]
            guard pair.renewAt == nil, pair.attempt == nil else { continue }
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

    /// A (profile, region) as the join's dictionary key: equal as `ProfileRegion` is, hashed once with FNV-1a over
    /// both names' bytes. Hashing the two `String`s with the standard hasher was half of the join's cost (5 M
    /// instructions at 1,000 registries, then six look-ups each).
    private struct PairKey: Hashable {
        let pair: ProfileRegion
        let hash: UInt64

        init(_ pair: ProfileRegion) {
            self.pair = pair
            var fingerprint = Fingerprint()
            fingerprint.add(pair.profile)
            fingerprint.add(byte: 0x1F)
            fingerprint.add(pair.region)
            hash = fingerprint.value
        }

        static func == (left: PairKey, right: PairKey) -> Bool { left.hash == right.hash && left.pair == right.pair }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
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
