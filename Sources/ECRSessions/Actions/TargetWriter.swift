import Foundation

/// One registry login to write into targets, and whose it is.
struct PendingEntry {
    var entry: TargetEntry
    var targets: [LoginTarget]
}

/// What writing logins into their targets came to.
public struct TargetWrites: Sendable, Equatable {
    /// Warnings: a credential store or helper that docker asks instead, what was changed about it.
    public var notices: [String] = []
    /// Targets that could not be written, each with the reason; each was left as it was.
    public var errors: [TargetError] = []
    /// Registry hosts some target could not be given, with that target's error.
    public var failedHosts: [String: TargetError] = [:]
}

/// Writes logins into the targets the configuration names, and puts back what a target lost: the one place that
/// turns logins into target writes, for every action.
struct TargetWriter {
    let context: ActionContext
    let settings: Configuration.Settings

    /// Two `targets` names may resolve to one place (`REGISTRY_AUTH_FILE=~/.docker/config.json`): one write each.
    private typealias Key = UndoPlace

    /// Every place `name` writes; resolved once per write, since one (a cluster's Secrets) reads files to know it.
    private func resolver() -> (LoginTarget) -> [any Target] {
        var resolved: [LoginTarget: [any Target]] = [:]
        return { name in
            if let targets = resolved[name] { return targets }
            let targets = context.targets.resolveAll(name, environment: context.environment, settings: settings)
            resolved[name] = targets
            return targets
        }
    }

    /// Writes the logins of `results` into each account's targets: one locked read-modify-write per target, so
    /// hundreds of registries cost one rewrite. A target that cannot be written is reported and left as it was; the
    /// others are still written.
    func write(results: [LoginResult], accounts: [Account]) -> TargetWrites {
        // Each job's registries go to its own account's targets: two accounts may share a profile.
        let targetsByJob = Dictionary(
            accounts.flatMap { account in account.jobs.map { ($0, settings.targets(for: account)) } }
        ) { $0 + $1 }
        return write(
            results.flatMap { result in
                result.logins.map { login in
                    PendingEntry(
                        entry: TargetEntry(host: login.registry, token: login.token, owner: login.profile),
                        targets: targetsByJob[result.job] ?? settings.targets)
                }
            })
    }

    /// Writes `pending` into their targets, each recording in the cache how to undo its change before making it.
    ///
    /// A host also goes to every other place that holds our undo record for it with the same owner: a place the
    /// configuration or the environment named at an earlier login (a desktop shell's `$XDG_RUNTIME_DIR` auth.json,
    /// seen from cron; an earlier `DOCKER_CONFIG`) keeps fresh tokens until logout undoes it, instead of expiring.
    func write(_ pending: [PendingEntry]) -> TargetWrites {
        var byTarget: [Key: (target: any Target, entries: [TargetEntry])] = [:]
        let resolve = resolver()
        for item in pending {
            for name in item.targets {
                for target in resolve(name) {
                    byTarget[Key(kind: target.kind, place: target.place), default: (target, [])].entries.append(
                        item.entry)
                }
            }
        }
        var writes = TargetWrites()
        let journal: Cache
        do {
            journal = try context.cache()
            // The records are read only when some place holding one of these hosts is not a target already: each
            // batch of a sweep would otherwise read back every entry the batches before it recorded. Nor are the
            // hosts looked up when every place with a record is a target (a sweep's usual case).
            if try journal.undoRecordPlaces().contains(where: { byTarget[$0] == nil }),
                try journal.undoPlaces(holding: pending.map(\.entry.host)).contains(where: { byTarget[$0] == nil })
            {
                for (key, item) in try recordedPlaces(holding: pending.map(\.entry), in: journal)
                where byTarget[key] == nil {
                    byTarget[key] = item
                }
            }
        } catch {
            for (key, item) in byTarget.sorted(by: { $0.key < $1.key }) {
                fail(.undoNotRecorded(file: key.place, reason: error.description), item.entries, &writes)
            }
            return writes
        }
        var registered = false
        for (_, item) in byTarget.sorted(by: { $0.key < $1.key }) {
            do {
                let outcome = try item.target.write(item.entries, journal: journal)
                writes.notices += outcome.warnings
                registered = registered || outcome.registeredCredentialHelper
            } catch {
                fail(error, item.entries, &writes)
            }
        }
        if registered && !helperIsOnPath {
            writes.notices.append(
                "docker-credential-\(RegistryAuthFile.credentialHelperName) is not on PATH, so docker cannot run it "
                    + "yet: run `ecr-sessions credential-helper install`.")
        }
        return writes
    }

    /// The places, other than each entry's own targets, whose undo records hold one of `entries`' hosts for the same
    /// owner, with those entries; reopened from the record as logout would.
    private func recordedPlaces(holding entries: [TargetEntry], in cache: Cache) throws(CacheError)
        -> [Key: (target: any Target, entries: [TargetEntry])]
    {
        guard !entries.isEmpty else { return [:] }
        var places: [Key: (target: any Target, entries: [TargetEntry])] = [:]
        let byHost = Dictionary(entries.map { ($0.host, $0) }) { _, last in last }
        for record in try cache.undoRecords(.hosts(Array(byHost.keys))) {
            guard let target = context.targets.reopen(record, environment: context.environment) else { continue }
            let held = record.entries.compactMap { host, recorded in
                byHost[host].flatMap { $0.owner == recorded.owner ? $0 : nil }
            }
            guard !held.isEmpty else { continue }
            places[Key(kind: record.kind, place: record.place)] = (target, held.sorted { $0.host < $1.host })
        }
        return places
    }

    private func fail(_ error: TargetError, _ entries: [TargetEntry], _ writes: inout TargetWrites) {
        writes.errors.append(error)
        for entry in entries { writes.failedHosts[entry.host] = error }
    }

    /// Whether `docker-credential-ecr-sessions` is on this environment's PATH.
    private var helperIsOnPath: Bool {
        let name = "docker-credential-\(RegistryAuthFile.credentialHelperName)"
        return ExecutableSearch.find(name, path: context.environment["PATH"] ?? "") != nil
    }

    /// Puts back, without a call to ECR, every cached and still valid login that a target of its account lacks:
    /// after a `docker logout`, or a config.json deleted or rewritten by another tool. Targets that already hold the
    /// right tokens are only read, or not even that while they are as an earlier check found them (`hostsOutOfDate`).
    /// `logins` are the cache's, when the caller has just read them. Returns the hosts written back, and what could
    /// not be read or written.
    func repair(accounts: [Account], logins: [RegistryLogin]? = nil) throws(CacheError)
        -> (repaired: [String], writes: TargetWrites, checked: [CheckedPlace])
    {
        let now = context.clock.now()
        let cache = try context.cache()
        let targetsByKey = Dictionary(
            accounts.flatMap { account in account.jobs.map { ($0.key, settings.targets(for: account)) } }
        ) { $0 + $1 }
        // Jobs share a few lists of target names: each list is resolved once, at its first valid login, into the
        // places it names, so that each of a thousand logins costs one lookup per place and nothing more.
        var listIndex: [[LoginTarget]: Int] = [:]
        var lists: [(names: [LoginTarget], places: [Int]?)] = []
        let listByJob = targetsByKey.mapValues { names in
            if let index = listIndex[names] { return index }
            lists.append((names, nil))
            listIndex[names] = lists.count - 1
            return lists.count - 1
        }
        let resolve = resolver()
        var placeIndex: [Key: Int] = [:]
        var expected: [(key: Key, target: any Target, names: [LoginTarget], logins: [String: RegistryLogin])] = []
        /// The index of `key`'s place in `expected`, added with `names` the first time.
        func slot(_ key: Key, _ target: any Target, names: [LoginTarget]) -> Int {
            if let index = placeIndex[key] { return index }
            expected.append((key, target, names, [:]))
            placeIndex[key] = expected.count - 1
            return expected.count - 1
        }
        let stored: [RegistryLogin]
        if let logins { stored = logins } else { stored = try cache.logins() }
        let valid = stored.filter { $0.expiresAt > now }
        for login in valid {
            guard let list = listByJob[login.key] else { continue }
            if lists[list].places == nil {
                var places: [Int] = []
                for name in lists[list].names {
                    for target in resolve(name) {
                        let index = slot(Key(kind: target.kind, place: target.place), target, names: [])
                        if !expected[index].names.contains(name) { expected[index].names.append(name) }
                        if !places.contains(index) { places.append(index) }
                    }
                }
                lists[list].places = places
            }
            for index in lists[list].places ?? [] { expected[index].logins[login.registry] = login }
        }
        // Places an earlier login wrote (their undo records say so) are kept up to date as well; see `write`. Their
        // entries are read only when some such place is not a configured target already.
        if try cache.undoPlaces().contains(where: { placeIndex[$0] == nil }) {
            let byRegistry = Dictionary(grouping: valid, by: \.registry)
            for record in try cache.undoRecords(.everyOwner) {
                let key = Key(kind: record.kind, place: record.place)
                guard placeIndex[key] == nil,
                    let target = context.targets.reopen(record, environment: context.environment)
                else { continue }
                for (host, entry) in record.entries.sorted(by: { $0.key < $1.key }) {
                    guard let login = byRegistry[host]?.first(where: { $0.profile == entry.owner }) else { continue }
                    let index = slot(key, target, names: targetsByKey[login.key] ?? [])
                    expected[index].logins[host] = login
                }
            }
        }
        var pending: [PendingEntry] = []
        var errors: [TargetError] = []
        var checked: [CheckedPlace] = []
        for item in expected.sorted(by: { $0.key < $1.key }) {
            do {
                let hosts = try hostsOutOfDate(item.target, item.logins.mapValues(\.token), cache: cache, checked: &checked)
                for host in hosts.sorted() {
                    guard let login = item.logins[host] else { continue }
                    pending.append(
                        PendingEntry(
                            entry: TargetEntry(host: host, token: login.token, owner: login.profile),
                            targets: item.names))
                }
            } catch {
                errors.append(error)
            }
        }
        var writes = pending.isEmpty ? TargetWrites() : write(pending)
        writes.errors = errors + writes.errors
        return (pending.map(\.entry.host).filter { writes.failedHosts[$0] == nil }, writes, checked)
    }

    /// `target.hostsOutOfDate(tokens)`, answered without reading the place when an earlier check of these very
    /// tokens found nothing out of date in the same version of it (`Target.contentsVersion`, `TargetCheck`).
    private func hostsOutOfDate(
        _ target: any Target, _ tokens: [String: AuthorizationToken], cache: Cache, checked: inout [CheckedPlace]
    ) throws(TargetError) -> Set<String> {
        // Taken before the read: a change after it is a later version, never one remembered for older contents.
        let version = target.contentsVersion
        checked.append(CheckedPlace(kind: target.kind, place: target.place, version: version))
        guard let version else { return try target.hostsOutOfDate(tokens) }
        let check = TargetCheck(kind: target.kind, place: target.place, version: version, tokens: tokens)
        if (try? cache.derivedValue(kind: check.kind, inputs: check.inputs)) == TargetCheck.upToDate { return [] }
        let hosts = try target.hostsOutOfDate(tokens)
        if hosts.isEmpty {
            // Best effort: a cache that cannot keep it only means the next run reads the place again.
            try? cache.saveDerivedValue(TargetCheck.upToDate, kind: check.kind, inputs: check.inputs)
        }
        return hosts
    }
}

/// A place the repair check looked at, and the version of its contents it saw (nil for a target that has none, or
/// a file changed too recently to say).
struct CheckedPlace: Sendable, Equatable {
    var kind: String
    var place: String
    var version: String?
}

/// A repair check that found a target up to date, remembered in the cache's derived values (one row per place,
/// replaced by the next) under a fingerprint of what it depended on: the place's version and every host and token
/// checked.
struct TargetCheck {
    /// The value stored for a check that found nothing out of date.
    static let upToDate = "up to date"

    /// The derived value's kind: one per place.
    let kind: String
    /// A fingerprint of the version and the tokens, so that the cache holds no token in another table.
    let inputs: String

    init(kind targetKind: String, place: String, version: String, tokens: [String: AuthorizationToken]) {
        kind = "target-check\u{1F}\(targetKind)\u{1F}\(place)"
        var fingerprint = Fingerprint()
        fingerprint.add(version)
        for (host, token) in tokens.sorted(by: { $0.key < $1.key }) {
            fingerprint.add(byte: 0x1E)
            fingerprint.add(host)
            fingerprint.add(byte: 0x1F)
            fingerprint.add(token.encoded)
        }
        inputs = "v2 \(tokens.count) \(fingerprint.hex)"
    }
}
