import Foundation

/// What a refresh that found nothing to do leaves for the next one: most of cron's runs find everything as the run
/// before left it, and planning a thousand registries again (decoding the accounts, reading every login, the
/// repair check, the status record) was most of an idle refresh.
///
/// The record holds while everything the run planned from is as it was:
/// - the AWS files, the config file and the environment (the accounts' inputs, `DerivedAccounts.inputs`, and a
///   fingerprint of the whole environment and working directory, which say where the targets are);
/// - the cache's logins, attempts and undo records (`Cache.changeCount`, kept by triggers);
/// - every target file the repair check read (its version, as `RegistryAuthFile.contentsVersion` takes it);
/// - the time: before anything falls due, expires, or enters its refresh window, and at most `longestQuiet` after
///   the run that made it, so that a full refresh, which reads every page of the cache for damage, runs at least that
///   often.
///
/// Only a run that did nothing and found nothing wrong leaves one: nothing due or tried, no account that cannot be
/// logged in, nothing endangered, repaired or failing to write, no region from the instance metadata, and only
/// targets that are files. Any doubt (a file changed in the last two seconds, a record that does not decode, a cache
/// that cannot be read) means a full refresh.
struct QuietRefresh: Equatable {
    /// The kind of derived value in the cache.
    static let kind = "quiet-refresh"
    private static let version = "v1"
    /// How long a record stands for a full refresh at most.
    static let longestQuiet: TimeInterval = 3600

    /// A target file the repair check found up to date, and its version then.
    struct Place: Equatable {
        var path: String
        var version: String
    }

    /// `Cache.changeCount()` when the run planned.
    var changeCount: Int64
    /// When the run planned: a clock now earlier than this has gone back, and the record does not hold.
    var recordedAt: Date
    /// When the record stops holding.
    var quietUntil: Date
    /// What the run said falls due next.
    var nextDue: Date?
    /// The metrics file the run wrote, which a quiet run writes again.
    var metricsFile: String?
    var places: [Place]

    /// Whether `name` is a variable a shell or a tool running us sets for itself, which no target or account depends
    /// on: `_` is the path of the command just run (the binary, or `valgrind`, `time`, `timeout` before it); the
    /// loader's and C++ runtime's (`LD_PRELOAD`, `GLIBCXX_FORCE_NEW`) say how the process is loaded, as a profiler sets
    /// them; hyperfine's `HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET` changes length on every run, to move the stack.
    private static func isBookkeeping(_ name: String) -> Bool {
        ["_", "SHLVL", "OLDPWD"].contains(name) || name.hasPrefix("LD_") || name.hasPrefix("GLIBC")
            || name.hasPrefix("HYPERFINE_")
    }

    /// The record's key in the cache: the accounts' inputs, the environment and the working directory.
    static func inputs(accountsInputs: String, environment: Environment) -> String {
        var fingerprint = Fingerprint()
        fingerprint.add(accountsInputs)
        for (name, value) in environment.values.sorted(by: { $0.key < $1.key }) where !isBookkeeping(name) {
            fingerprint.add(byte: 0x1E)
            fingerprint.add(name)
            fingerprint.add(byte: 0x1F)
            // A secret's value never goes into the cache, not even hashed: its presence is what can matter here.
            if DerivedAccounts.isSecret(name) { fingerprint.add("set") } else { fingerprint.add(value) }
        }
        fingerprint.add(byte: 0x1E)
        fingerprint.add(FileSystem.currentDirectory() ?? "")
        return "\(version) \(accountsInputs) \(fingerprint.hex)"
    }

    /// Whether the record still stands for a full refresh at `now` (the action's clock), with the cache at
    /// `changeCount`. The places' versions are taken as the repair check takes them.
    func holds(now: Date, changeCount: Int64?) -> Bool {
        guard changeCount == self.changeCount, recordedAt <= now, now < quietUntil else { return false }
        return places.allSatisfy { RegistryAuthFile.contentsVersion(of: $0.path) == $0.version }
    }

    private static let separator = "\u{1E}"
    private static let fieldSeparator = "\u{1F}"

    /// The record as the cache keeps it, or nil when a path holds a character the encoding cannot keep apart.
    func encoded() -> String? {
        let paths = places.map(\.path) + [metricsFile].compactMap { $0 }
        guard paths.allSatisfy({ !$0.unicodeScalars.contains { $0.value < 0x20 } }) else { return nil }
        var fields = [
            Self.version, String(changeCount), Self.milliseconds(recordedAt), Self.milliseconds(quietUntil),
            nextDue.map(Self.milliseconds) ?? "-", metricsFile.map { "+" + $0 } ?? "-",
        ]
        fields += places.map { $0.path + Self.fieldSeparator + $0.version }
        return fields.joined(separator: Self.separator)
    }

    /// The record `encoded()` made `text` from, or nil when it is not one.
    init?(decoding text: String) {
        let fields = text.components(separatedBy: Self.separator)
        guard fields.count >= 6, fields[0] == Self.version, let changeCount = Int64(fields[1]),
            let recordedAt = Self.date(fields[2]), let quietUntil = Self.date(fields[3])
        else { return nil }
        var nextDue: Date?
        if fields[4] != "-" {
            guard let date = Self.date(fields[4]) else { return nil }
            nextDue = date
        }
        var metricsFile: String?
        if fields[5] != "-" {
            guard fields[5].hasPrefix("+") else { return nil }
            metricsFile = String(fields[5].dropFirst())
        }
        var places: [Place] = []
        for field in fields.dropFirst(6) {
            let parts = field.components(separatedBy: Self.fieldSeparator)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
            places.append(Place(path: parts[0], version: parts[1]))
        }
        self.init(
            changeCount: changeCount, recordedAt: recordedAt, quietUntil: quietUntil, nextDue: nextDue,
            metricsFile: metricsFile, places: places)
    }

    init(
        changeCount: Int64, recordedAt: Date, quietUntil: Date, nextDue: Date?, metricsFile: String?, places: [Place]
    ) {
        self.changeCount = changeCount
        self.recordedAt = recordedAt
        self.quietUntil = quietUntil
        self.nextDue = nextDue
        self.metricsFile = metricsFile
        self.places = places
    }

    private static func milliseconds(_ date: Date) -> String {
        String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    private static func date(_ text: String) -> Date? {
        Int64(text).map { Date(timeIntervalSince1970: TimeInterval($0) / 1000) }
    }
}
