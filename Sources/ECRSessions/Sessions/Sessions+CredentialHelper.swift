import Foundation

/// What a docker credential helper answers for one registry: the `get` reply.
public struct HelperCredentials: Sendable, Equatable, CustomStringConvertible {
    public var serverURL: String
    public var username: String
    public var secret: String

    public init(serverURL: String, username: String, secret: String) {
        self.serverURL = serverURL
        self.username = username
        self.secret = secret
    }

    public var description: String { "\(username) at \(serverURL)" }
}

extension Sessions {
    /// The registry host docker means by `serverURL`: `https://` or `http://` and any path stripped, as docker's
    /// `ConvertToHostname` does (`https://index.docker.io/v1/` is `index.docker.io`).
    public static func registryHost(_ serverURL: String) -> String {
        var text = Substring(serverURL.trimmingCharacters(in: .whitespacesAndNewlines))
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        return String(text.prefix { $0 != "/" })
    }

    /// The credentials for `serverURL`, or nil when ecr-sessions does not manage that registry.
    ///
    /// A user/password login is answered as stored. An ECR registry is answered from the cache while its token
    /// has more than `passwordFreshness` left; otherwise a fresh token is fetched (and cached) for the profile and
    /// region that logged it in. An expired token is never returned: if the fetch fails, a cached token that is
    /// still valid is the answer, else the failure is thrown.
    public func helperCredentials(for serverURL: String) async throws -> HelperCredentials? {
        let host = Self.registryHost(serverURL)
        let cache = try cache()
        let userHost = Self.userLoginKeys(serverURL).host  // Docker Hub by any of its names
        if let user = try cache.userLogins().first(where: { $0.host == userHost }) {
            return HelperCredentials(serverURL: serverURL, username: user.username, secret: user.secret)
        }
        guard let cached = try cache.logins().filter({ $0.registry == host }).max(by: { $0.expiresAt < $1.expiresAt })
        else { return nil }
        let now = clock.now()
        var login = cached
        if cached.expiresAt <= now.addingTimeInterval(Self.passwordFreshness) {
            let runner = try loginRunner()
            let isPublic = host == "public.ecr.aws"  // ECR Public: one registry, signed in us-east-1
            let job = LoginJob(
                profile: cached.profile, region: cached.region, isPublic: isPublic,
                registryIDs: isPublic || cached.accountID.isEmpty ? [] : [cached.accountID])
            let result = await runner.login(job)
            if let fresh = result.logins.first(where: { $0.registry == host }), fresh.expiresAt > now {
                login = fresh
            } else if cached.expiresAt <= now {
                throw LoginFailure(
                    description: "the token for \(host) expired and a new one could not be fetched: "
                        + "\(job): \(result.error ?? "ECR returned no token for \(host)")")
            }
        }
        guard let credentials = login.token.credentials else {
            throw ECRError(.malformedResponse, detail: "the token for \(host) is not base64 of user:password")
        }
        return HelperCredentials(serverURL: serverURL, username: credentials.username, secret: credentials.password)
    }

    /// Every registry ecr-sessions answers for, as the helper protocol's `list`: server URL to user name.
    public func helperList() throws -> [String: String] {
        let cache = try cache()
        var list: [String: String] = [:]
        for login in try cache.logins() {
            list[login.registry] = login.token.credentials?.username ?? "AWS"
        }
        for user in try cache.userLogins() {
            list[user.serverURL] = user.username
        }
        return list
    }

    /// The helper protocol's `erase` (`docker logout`): a user/password login is logged out of every target.
    /// Anything else has no effect: an ECR registry stays logged in, because keeping it so is ecr-sessions' job
    /// (`accounts logout` ends that), and a registry ecr-sessions does not manage is not its business.
    public func helperErase(_ serverURL: String) throws -> LogoutReport {
        let host = Self.userLoginKeys(serverURL).host
        guard try cache().userLogins().contains(where: { $0.host == host }) else { return LogoutReport() }
        return try logout(hosts: [serverURL])
    }
}
