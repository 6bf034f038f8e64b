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
    private struct Key: Hashable, Comparable {
        var kind: String
        var place: String

        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.kind, lhs.place) < (rhs.kind, rhs.place) }
    }

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
            for (key, item) in try recordedPlaces(holding: pending.map(\.entry), in: journal)
            where byTarget[key] == nil {
                byTarget[key] = item
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
    /// right tokens are only read. Returns the hosts written back, and what could not be read or written.
    func repair(accounts: [Account]) throws(CacheError) -> (repaired: [String], writes: TargetWrites) {
        let now = context.clock.now()
        let targetsByKey = Dictionary(
            accounts.flatMap { account in account.jobs.map { ($0.key, settings.targets(for: account)) } }
        ) { $0 + $1 }
        var expected: [Key: (target: any Target, names: [LoginTarget], logins: [String: RegistryLogin])] = [:]
        let resolve = resolver()
        var valid: [String: [RegistryLogin]] = [:]
        for login in try context.cache().logins() where login.expiresAt > now {
            valid[login.registry, default: []].append(login)
            for name in targetsByKey[login.key] ?? [] {
                for target in resolve(name) {
                    let key = Key(kind: target.kind, place: target.place)
                    expected[key, default: (target, [], [:])].logins[login.registry] = login
                    if expected[key]?.names.contains(name) == false { expected[key]?.names.append(name) }
                }
            }
        }
        // Places an earlier login wrote (their undo records say so) are kept up to date as well; see `write`.
        for record in try context.cache().undoRecords(.everyOwner) {
            let key = Key(kind: record.kind, place: record.place)
            guard expected[key] == nil, let target = context.targets.reopen(record, environment: context.environment) else { continue }
            for (host, entry) in record.entries {
                guard let login = valid[host]?.first(where: { $0.profile == entry.owner }) else { continue }
                expected[key, default: (target, targetsByKey[login.key] ?? [], [:])].logins[host] = login
            }
        }
        var pending: [PendingEntry] = []
        var errors: [TargetError] = []
        for (_, item) in expected.sorted(by: { $0.key < $1.key }) {
            do {
                for host in try item.target.hostsOutOfDate(item.logins.mapValues(\.token)).sorted() {
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
        return (pending.map(\.entry.host).filter { writes.failedHosts[$0] == nil }, writes)
    }
}
