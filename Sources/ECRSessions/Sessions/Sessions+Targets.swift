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

extension Sessions {
    /// Writes the logins of `results` into each account's target files: one locked read-modify-write per file, so
    /// hundreds of registries cost one rewrite. A file that cannot be written is reported and left as it was; the
    /// other files are still written.
    func writeTargets(results: [LoginResult], accounts: [Account], settings: Configuration.Settings)
        -> (notices: [String], errors: [String])
    {
        let targetsByProfile = Dictionary(accounts.map { ($0.profile, settings.targets(for: $0)) }) { $0 + $1 }
        var entriesByFile: [String: (file: RegistryAuthFile, entries: [String: AuthorizationToken])] = [:]
        for login in results.flatMap(\.logins) {
            for target in targetsByProfile[login.profile] ?? settings.targets {
                let file = target.file(environment: environment)
                entriesByFile[file.path, default: (file, [:])].entries[login.registry] = login.token
            }
        }
        var notices: [String] = []
        var errors: [String] = []
        for (_, (file, entries)) in entriesByFile.sorted(by: { $0.key < $1.key }) {
            do {
                notices += try file.set(entries).notices.map(\.description)
            } catch {
                errors.append(error.description)
            }
        }
        return (notices, errors)
    }
}
