import Foundation

extension LoginTarget {
    /// The registry auth file this target's tools read.
    public func file(environment: Environment) -> RegistryAuthFile {
        let home = environment.homeDirectory
        switch self {
        case .docker:
            return .docker(environment: environment)
        case .finch:
            return RegistryAuthFile(path: home + "/.finch/config.json")
        case .containers:
            // containers-auth.json(5): $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json, else
            // ~/.config/containers/auth.json.
            if let path = environment["REGISTRY_AUTH_FILE"] {
                return RegistryAuthFile(path: environment.expandingTilde(path))
            }
            if let runtime = environment["XDG_RUNTIME_DIR"] {
                return RegistryAuthFile(path: runtime + "/containers/auth.json")
            }
            return RegistryAuthFile(path: home + "/.config/containers/auth.json")
        case .helm:
            let config = environment["HELM_REGISTRY_CONFIG"].map(environment.expandingTilde)
            return RegistryAuthFile(path: config ?? home + "/.config/helm/registry/config.json")
        }
    }
}

extension LoginTarget {
    /// Whether docker, nerdctl or finch read this file, and so honour its `credsStore` and `credHelpers`.
    /// (podman and skopeo ignore `credsStore`; helm's file is its own.)
    var readsCredentialHelpers: Bool { self == .docker || self == .finch }
}

/// One registry login to write into the target files, and whose it is.
struct PendingEntry {
    var host: String
    var token: AuthorizationToken
    /// The profile whose ECR login this is; nil for a user/password login.
    var profile: String?
    var targets: [LoginTarget]
}

extension Sessions {
    /// The name ecr-sessions registers in `credHelpers`: docker then runs `docker-credential-ecr-sessions`.
    public static let credentialHelperName = "ecr-sessions"

    /// Writes the logins of `results` into each account's target files: one locked read-modify-write per file, so
    /// hundreds of registries cost one rewrite. A file that cannot be written is reported and left as it was; the
    /// other files are still written.
    func writeTargets(results: [LoginResult], accounts: [Account], settings: Configuration.Settings)
        -> TargetWrites
    {
        // Each job's registries go to its own account's targets: two accounts may share a profile.
        let targetsByJob = Dictionary(
            accounts.flatMap { account in account.jobs.map { ($0, settings.targets(for: account)) } }
        ) { $0 + $1 }
        let pending = results.flatMap { result in
            result.logins.map { login in
                PendingEntry(
                    host: login.registry, token: login.token, profile: login.profile,
                    targets: targetsByJob[result.job] ?? settings.targets)
            }
        }
        return writeTargets(pending, settings: settings)
    }

    /// Writes `pending` into their target files, registers ecr-sessions' credential helper where a credential
    /// store would hide an entry (unless `cred_helpers = warn`), and remembers in the cache what was written, so
    /// that logout can undo exactly that.
    func writeTargets(_ pending: [PendingEntry], settings: Configuration.Settings) -> TargetWrites {
        struct FileWrite {
            var file: RegistryAuthFile
            /// docker, nerdctl and finch consult credsStore/credHelpers; podman, skopeo and helm do not.
            var readsHelpers: Bool
            var registersHelper: Bool
            var entries: [String: AuthorizationToken] = [:]
            var profiles: [String: String?] = [:]
        }
        var writes: [String: FileWrite] = [:]
        for entry in pending {
            for target in entry.targets {
                let file = target.file(environment: environment)
                let registers = target.readsCredentialHelpers && settings.credentialHelpers == .register
                writes[
                    file.path,
                    default: FileWrite(
                        file: file, readsHelpers: target.readsCredentialHelpers, registersHelper: registers)
                ].entries[entry.host] =
                    entry.token
                writes[file.path]?.profiles[entry.host] = entry.profile
            }
        }
        var notices: [String] = []
        var errors: [String] = []
        var failedHosts: [String: String] = [:]
        var registered = false
        for (path, write) in writes.sorted(by: { $0.key < $1.key }) {
            do {
                let update = try write.file.set(
                    write.entries, registeringHelper: write.registersHelper ? Self.credentialHelperName : nil)
                // A credsStore in a file only podman or helm reads shadows nothing: no warning for it.
                if write.readsHelpers { notices += update.notices.map(\.description) }
                registered = registered || update.notices.contains { $0.registeredHelper != nil }
                let byProfile = Dictionary(grouping: update.written.values) { write.profiles[$0.host] ?? nil }
                for (profile, entries) in byProfile {
                    var part = update
                    part.written = Dictionary(uniqueKeysWithValues: entries.map { ($0.host, $0) })
                    try cache().recordWritten(file: path, update: part, profile: profile)
                }
            } catch {
                errors.append(String(describing: error))
                for host in write.entries.keys { failedHosts[host] = String(describing: error) }
            }
        }
        if registered && !helperIsOnPath {
            notices.append(
                "docker-credential-\(Self.credentialHelperName) is not on PATH, so docker cannot run it yet: "
                    + "run `ecr-sessions credential-helper install`.")
        }
        return TargetWrites(notices: notices, errors: errors, failedHosts: failedHosts)
    }

    /// Whether `docker-credential-ecr-sessions` is on this environment's PATH.
    var helperIsOnPath: Bool {
        let name = "docker-credential-\(Self.credentialHelperName)"
        return (environment["PATH"] ?? "").split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }
}

/// What writing the registry config files came to.
struct TargetWrites {
    /// Warnings: a credential store or helper that docker asks instead, what was changed about it.
    var notices: [String]
    /// Files that could not be written, each with the reason; the file was left as it was.
    var errors: [String]
    /// Registry hosts some file could not be given, with that file's error.
    var failedHosts: [String: String]
}

extension Sessions {
    /// Puts back, without a call to ECR, every cached and still valid login that a file its account's targets name
    /// lacks: after a `docker logout`, or a config.json deleted or rewritten by another tool. Files that already
    /// hold the right tokens are only read. Returns the hosts written back, and what could not be read or written.
    func repairTargets(accounts: [Account], settings: Configuration.Settings) throws -> (
        repaired: [String], writes: TargetWrites
    ) {
        let now = clock.now()
        let targetsByJob = Dictionary(
            accounts.flatMap { account in
                account.jobs.map { ("\($0.profile)\u{1F}\($0.region)", settings.targets(for: account)) }
            }
        ) { $0 + $1 }
        var expected: [String: (file: RegistryAuthFile, logins: [String: RegistryLogin])] = [:]
        for login in try cache().logins() where login.expiresAt > now {
            guard let targets = targetsByJob["\(login.profile)\u{1F}\(login.region)"] else { continue }
            for target in targets {
                let file = target.file(environment: environment)
                expected[file.path, default: (file, [:])].logins[login.registry] = login
            }
        }
        var pending: [PendingEntry] = []
        var errors: [String] = []
        for (_, (file, logins)) in expected.sorted(by: { $0.key < $1.key }) {
            do {
                for host in try file.hostsOutOfDate(logins.mapValues(\.token)).sorted() {
                    guard let login = logins[host] else { continue }
                    let targets = targetsByJob["\(login.profile)\u{1F}\(login.region)"] ?? []
                    pending.append(
                        PendingEntry(
                            host: host, token: login.token, profile: login.profile,
                            targets: targets.filter { $0.file(environment: environment).path == file.path }))
                }
            } catch {
                errors.append(String(describing: error))
            }
        }
        var writes =
            pending.isEmpty
            ? TargetWrites(notices: [], errors: [], failedHosts: [:]) : writeTargets(pending, settings: settings)
        writes.errors = errors + writes.errors
        return (pending.map(\.host).filter { writes.failedHosts[$0] == nil }, writes)
    }
}
