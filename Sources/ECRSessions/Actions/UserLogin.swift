import Foundation

/// What a user/password login did.
public struct UserLoginReport: Sendable, Equatable {
    /// The `auths` key written, e.g. `https://index.docker.io/v1/` for Docker Hub.
    public var serverURL: String
    /// What was changed or found about credential helpers in the targets written.
    public var notices: [String]
    /// Targets that could not be written, with the reason (each is left as it was).
    public var targetErrors: [TargetError]
}

extension Actions {
    /// `login --username U --password-stdin HOST`: a user/password registry (Docker Hub, ghcr.io, a private one),
    /// written into the `[settings]` targets like an ECR login and remembered as user-managed: never refreshed,
    /// answered by the credential helper, removed by `logout HOST`.
    public struct UserLogin: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        public func run(registry: String, username: String, password: String) throws -> UserLoginReport {
            let settings = try context.settings()
            let (host, serverURL) = RegistryHost.userLoginKeys(registry)
            let login = ECRSessions.UserLogin(
                host: host, serverURL: serverURL, username: username, secret: password, savedAt: context.clock.now())
            try context.cache().save(login)
            let written = TargetWriter(context: context, settings: settings).write([
                PendingEntry(
                    entry: TargetEntry(host: serverURL, token: login.token, owner: nil), targets: settings.targets)
            ])
            return UserLoginReport(serverURL: serverURL, notices: written.notices, targetErrors: written.errors)
        }
    }
}

/// How docker names registries.
public enum RegistryHost {
    /// The registry host docker means by `serverURL`: `https://` or `http://` and any path stripped, as docker's
    /// `ConvertToHostname` does (`https://index.docker.io/v1/` is `index.docker.io`).
    public static func of(_ serverURL: String) -> String {
        var text = Substring(serverURL.trimmingCharacters(in: .whitespacesAndNewlines))
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        return String(text.prefix { $0 != "/" })
    }

    /// The host and `auths` key of a registry given as docker accepts it: Docker Hub by any of its names is
    /// `index.docker.io` keyed `https://index.docker.io/v1/` (as `docker login` writes it); others are the host.
    static func userLoginKeys(_ registry: String) -> (host: String, serverURL: String) {
        let host = of(registry)
        if ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host) {
            return ("index.docker.io", "https://index.docker.io/v1/")
        }
        return (host, host)
    }
}
