public import Foundation

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

extension Actions {
    /// docker's credential-helper protocol (`docker-credential-ecr-sessions get|list|erase`).
    public struct CredentialHelper: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// A cached token is handed out only while it has at least this long left, so a push that starts with it can
        /// finish with it.
        public static let freshness: TimeInterval = 30 * 60

        /// The credentials for `serverURL`, or nil when ecr-sessions does not manage that registry.
        ///
        /// A user/password login is answered as stored. An ECR registry is answered from the cache while its token
        /// has more than `freshness` left; otherwise a fresh token is fetched (and cached) for the profile and region
        /// that logged it in. An expired token is never returned: if the fetch fails, a cached token that is still
        /// valid is the answer, else the failure is thrown.
        public func get(_ serverURL: String) async throws -> HelperCredentials? {
            let host = RegistryHost.of(serverURL)
            let cache = try context.cache()
            let userHost = RegistryHost.userLoginKeys(serverURL).host  // Docker Hub by any of its names
            if let user = try cache.userLogins().first(where: { $0.host == userHost }) {
                return HelperCredentials(serverURL: serverURL, username: user.username, secret: user.secret)
            }
            guard
                let cached = try cache.logins().filter({ $0.registry == host }).max(by: { $0.expiresAt < $1.expiresAt })
            else { return nil }
            let now = context.clock.now()
            var login = cached
            if cached.expiresAt <= now.addingTimeInterval(Self.freshness) {
                let runner = try context.loginRunner()
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
                            + "\(job): \(result.error?.description ?? "ECR returned no token for \(host)")")
                }
            }
            guard let credentials = login.token.credentials else {
                throw ECRError(.malformedResponse, detail: "the token for \(host) is not base64 of user:password")
            }
            return HelperCredentials(
                serverURL: serverURL, username: credentials.username, secret: credentials.password)
        }

        /// Every registry ecr-sessions answers for, as the helper protocol's `list`: server URL to user name.
        public func list() throws -> [String: String] {
            let cache = try context.cache()
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
        public func erase(_ serverURL: String) throws -> LogoutReport {
            let host = RegistryHost.userLoginKeys(serverURL).host
            guard try context.cache().userLogins().contains(where: { $0.host == host }) else { return LogoutReport() }
            return try Logout(context).registries([serverURL])
        }
    }
}
