/// What `login(host:username:password:)` did.
public struct UserLoginReport: Sendable, Equatable {
    /// The `auths` key written, e.g. `https://index.docker.io/v1/` for Docker Hub.
    public var serverURL: String
    /// What was changed or found about credential helpers in the files written.
    public var notices: [String]
    /// Files that could not be written, with the reason (the file is left as it was).
    public var targetErrors: [String]
}

extension Sessions {
    /// The host and `auths` key of a registry given as docker accepts it: Docker Hub by any of its names is
    /// `index.docker.io` keyed `https://index.docker.io/v1/` (as `docker login` writes it); others are the host.
    static func userLoginKeys(_ registry: String) -> (host: String, serverURL: String) {
        let host = registryHost(registry)
        if ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host) {
            return ("index.docker.io", "https://index.docker.io/v1/")
        }
        return (host, host)
    }

    /// Logs in to a user/password registry (Docker Hub, ghcr.io, a private registry): writes the login into the
    /// `[settings]` targets like an ECR one, and remembers it as user-managed: never refreshed, answered by the
    /// credential helper, removed by `logout(hosts:)`.
    public func login(registry: String, username: String, password: String) throws -> UserLoginReport {
        let settings = try configuration()?.settings ?? Configuration.Settings()
        let (host, serverURL) = Self.userLoginKeys(registry)
        let login = UserLogin(
            host: host, serverURL: serverURL, username: username, secret: password, savedAt: clock.now())
        try cache().save(login)
        let written = writeTargets(
            [PendingEntry(host: serverURL, token: login.token, profile: nil, targets: settings.targets)],
            settings: settings)
        return UserLoginReport(serverURL: serverURL, notices: written.notices, targetErrors: written.errors)
    }
}
