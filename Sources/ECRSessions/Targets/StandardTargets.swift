/// docker, finch, containers and helm: where each tool reads its docker-style file.
extension RegistryAuthFile {
    /// The name ecr-sessions registers in `credHelpers`: docker then runs `docker-credential-ecr-sessions`.
    public static let credentialHelperName = "ecr-sessions"

    static let standardKinds: [TargetKind] = [
        TargetKind(name: LoginTarget.docker.rawValue) { environment, helpers in
            RegistryAuthFile.docker(environment: environment).registering(helpers)
        },
        TargetKind(name: LoginTarget.finch.rawValue) { environment, helpers in
            RegistryAuthFile(path: environment.homeDirectory + "/.finch/config.json", readsCredentialHelpers: true)
                .registering(helpers)
        },
        TargetKind(name: LoginTarget.containers.rawValue) { environment, _ in
            // containers-auth.json(5): $REGISTRY_AUTH_FILE, else ${XDG_RUNTIME_DIR}/containers/auth.json, else
            // ~/.config/containers/auth.json. podman and skopeo ignore credsStore.
            if let path = environment["REGISTRY_AUTH_FILE"] {
                return RegistryAuthFile(path: environment.expandingTilde(path))
            }
            if let runtime = environment["XDG_RUNTIME_DIR"] {
                return RegistryAuthFile(path: runtime + "/containers/auth.json")
            }
            return RegistryAuthFile(path: environment.homeDirectory + "/.config/containers/auth.json")
        },
        TargetKind(name: LoginTarget.helm.rawValue) { environment, _ in
            let config = environment["HELM_REGISTRY_CONFIG"].map(environment.expandingTilde)
            return RegistryAuthFile(path: config ?? environment.homeDirectory + "/.config/helm/registry/config.json")
        },
    ]

    /// This file, registering ecr-sessions' helper where a credential store would hide an entry, unless the
    /// `[settings]` say `cred_helpers = warn`.
    func registering(_ policy: CredentialHelperPolicy) -> RegistryAuthFile {
        var file = self
        file.helperToRegister = policy == .register ? Self.credentialHelperName : nil
        return file
    }
}
