/// docker, finch, containers and helm: where each tool reads its docker-style file.
extension RegistryAuthFile {
    /// The name ecr-sessions registers in `credHelpers`: docker then runs `docker-credential-ecr-sessions`.
    public static let credentialHelperName = "ecr-sessions"

    static let standardKinds: [TargetKind] = [
        TargetKind(name: LoginTarget.docker.rawValue) { environment, helpers in
            RegistryAuthFile.docker(environment: environment).registering(helpers)
        },
        TargetKind(name: LoginTarget.finch.rawValue) { environment, helpers in
            RegistryAuthFile.finch(environment: environment).registering(helpers)
        },
        TargetKind(name: LoginTarget.containers.rawValue) { environment, helpers in
            RegistryAuthFile.containers(environment: environment, userRuntimeDirectory: UserSession.runtimeDirectory())
                .registering(helpers)
        },
        TargetKind(name: LoginTarget.helm.rawValue) { environment, _ in
            let config = environment["HELM_REGISTRY_CONFIG"].map(environment.expandingTilde)
            return RegistryAuthFile(path: config ?? environment.homeDirectory + "/.config/helm/registry/config.json")
        },
    ]

    /// finch's file. On macOS finch runs nerdctl in its VM with `~/.finch/config.json`; on Linux finch is nerdctl
    /// on the host and reads docker's file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) of the user
    /// running it, which is usually root through sudo: run ecr-sessions as that user for finch to see its logins.
    public static func finch(environment: Environment) -> RegistryAuthFile {
        #if os(macOS)
            RegistryAuthFile(path: environment.homeDirectory + "/.finch/config.json", readsCredentialHelpers: true)
        #else
            docker(environment: environment)
        #endif
    }

    /// The containers `auth.json` that podman, skopeo and buildah (containers/image) write and read first:
    /// `$REGISTRY_AUTH_FILE`; on Linux `$XDG_RUNTIME_DIR/containers/auth.json`, and when `XDG_RUNTIME_DIR` is unset
    /// (cron) the same file under `userRuntimeDirectory` (`/run/user/<uid>`, where podman then looks) if that
    /// directory exists; else `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`, which containers/image reads
    /// next (and is its primary file on macOS). They honour `credHelpers` there, not `credsStore`.
    public static func containers(environment: Environment, userRuntimeDirectory: String?) -> RegistryAuthFile {
        func file(_ path: String) -> RegistryAuthFile {
            RegistryAuthFile(path: path, honoursCredHelpers: true)
        }
        if let path = environment["REGISTRY_AUTH_FILE"], !path.isEmpty {
            return file(environment.expandingTilde(path))
        }
        #if !os(macOS)
            if let runtime = environment["XDG_RUNTIME_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) ?? userRuntimeDirectory {
                return file(runtime + "/containers/auth.json")
            }
        #endif
        let configHome = environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        return file((configHome ?? environment.homeDirectory + "/.config") + "/containers/auth.json")
    }

    /// This file, registering ecr-sessions' helper where a credential store would hide an entry, unless the
    /// `[settings]` say `cred_helpers = warn`.
    func registering(_ policy: CredentialHelperPolicy) -> RegistryAuthFile {
        var file = self
        file.helperToRegister = policy == .register ? Self.credentialHelperName : nil
        return file
    }
}
