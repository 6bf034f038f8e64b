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

    /// docker's answer to `get`: `{"Secret":…,"ServerURL":…,"Username":…}`.
    public var json: String {
        Self.json(["ServerURL": serverURL, "Username": username, "Secret": secret])
    }

    /// `members` as docker's credential helpers print them: compact, keys in byte order, slashes not escaped.
    /// Written here rather than by JSONSerialization, whose dynamic casts cost a quarter of a cached `get`.
    public static func json(_ members: [String: String]) -> String {
        var text: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in members.keys.sorted().enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(key, to: &text)
            text.append(UInt8(ascii: ":"))
            JSONText.appendQuoted(members[key] ?? "", to: &text)
        }
        text.append(UInt8(ascii: "}"))
        return String(decoding: text, as: UTF8.self)
    }
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

        /// The credentials for `serverURL`, or nil when it is no registry ecr-sessions can log in to.
        ///
        /// A user/password login is answered as stored. An ECR registry is answered from the cache while its token
        /// has more than `freshness` left; otherwise a fresh token is fetched (and cached) for the profile and region
        /// that logged it in. An ECR host the cache does not know is fetched on demand with the profile
        /// `onDemandProfile(for:)` chooses, in one call, and cached like the rest. An expired token is never
        /// returned: if the fetch fails, a cached token that is still valid is the answer, else the failure is
        /// thrown.
        public func get(_ serverURL: String) async throws -> HelperCredentials? {
            // An ECR host by its canonical name (see `ECRRegistryHost`); any other as docker names it.
            let host = ECRRegistryHost(RegistryHost.of(serverURL))?.description ?? RegistryHost.of(serverURL)
            let cache = try context.cache(scan: false)
            let userHost = RegistryHost.userLoginKeys(serverURL).host  // Docker Hub by any of its names
            if let user = try cache.userLogins().first(where: { $0.host == userHost }) {
                return HelperCredentials(serverURL: serverURL, username: user.username, secret: user.secret)
            }
            let logins = try cache.logins()
            let now = context.clock.now()
            let login: RegistryLogin
            if let cached = logins.filter({ $0.registry == host }).max(by: { $0.expiresAt < $1.expiresAt }) {
                login = try await renewedIfDue(cached, host: host, logins: logins, now: now)
            } else {
                guard let registry = ECRRegistryHost(host), let profile = try onDemandProfile(for: registry) else {
                    return nil
                }
                login = try await fetch(registry, host: host, profile: profile, logins: logins, now: now)
            }
            guard let credentials = login.token.credentials else {
                throw ECRError(.malformedResponse, detail: "the token for \(host) is not base64 of user:password")
            }
            return HelperCredentials(
                serverURL: serverURL, username: credentials.username, secret: credentials.password)
        }

        /// `cached`, or a fresh token for its profile and region when it has less than `freshness` left.
        private func renewedIfDue(_ cached: RegistryLogin, host: String, logins: [RegistryLogin], now: Date)
            async throws -> RegistryLogin
        {
            guard cached.expiresAt <= now.addingTimeInterval(Self.freshness) else { return cached }
            let isPublic = host == ECRRegistryHost.publicRegistry.description  // one registry, signed in us-east-1
            let job = LoginJob(
                profile: cached.profile, region: cached.region, isPublic: isPublic,
                registryIDs: isPublic
                    ? []
                    : registryIDs(
                        profile: cached.profile, region: cached.region, adding: cached.accountID, logins: logins))
            let result = try await context.loginRunner().login(job)
            if let fresh = answer(for: host, in: result), fresh.expiresAt > now { return fresh }
            guard cached.expiresAt > now else {
                throw LoginFailure(
                    description: "the token for \(host) expired and a new one could not be fetched: "
                        + "\(job): \(result.error?.description ?? "ECR returned no token for \(host)")")
            }
            return cached
        }

        /// One fetch for an ECR host the cache does not know, with `profile`'s credentials in the host's region.
        private func fetch(
            _ registry: ECRRegistryHost, host: String, profile: String, logins: [RegistryLogin], now: Date
        ) async throws -> RegistryLogin {
            let job = LoginJob(
                profile: profile, region: registry.region, isPublic: registry.isPublic,
                registryIDs: registry.account.map {
                    registryIDs(profile: profile, region: registry.region, adding: $0, logins: logins)
                } ?? [])
            let result = try await context.loginRunner().login(job)
            guard let fresh = answer(for: host, in: result), fresh.expiresAt > now else {
                throw LoginFailure(
                    description: "no token for \(host): \(job): "
                        + "\(result.error?.description ?? "ECR returned no token for \(host)")")
            }
            return fresh
        }

        /// The login of `result` for `host`: its own, or the one for the same registry under another variant's
        /// name (a token serves every name of its registry).
        private func answer(for host: String, in result: LoginResult) -> RegistryLogin? {
            if let exact = result.logins.first(where: { $0.registry == host }) { return exact }
            guard let wanted = ECRRegistryHost(host) else { return nil }
            return result.logins.first { login in
                ECRRegistryHost(login.registry).map { $0.account == wanted.account && $0.region == wanted.region }
                    ?? false
            }
        }

        /// The registries a job for `profile` in `region` must keep: those its account and the cache already have
        /// there, and `account`. The cache replaces a (profile, region)'s logins with each fetch, so a job that
        /// named only one would drop the others.
        private func registryIDs(profile: String, region: String, adding account: String, logins: [RegistryLogin])
            -> [String]
        {
            let configured = ((try? context.accounts()) ?? [])
                .filter { $0.profile == profile && $0.regions.contains(region) }.flatMap(\.registryIDs)
            let cached = logins.filter { $0.profile == profile && $0.region == region }.map(\.accountID)
            var seen: Set<String> = []
            return (configured + cached + [account]).filter { !$0.isEmpty && seen.insert($0).inserted }
        }

        /// Which profile fetches a token for an ECR registry no cached login covers, in this order: (a) an account
        /// whose `registry_ids` (or, for ECR Public, `public = true`) or own account ID covers it; (b) a
        /// `[registry]` mapping of the config file; (c) `AWS_PROFILE`, else `default` when the AWS files define
        /// it. Nil when none applies.
        public func onDemandProfile(for registry: ECRRegistryHost) throws -> String? {
            let accounts = try context.accounts().filter(\.isEnabled)
            if registry.isPublic {
                if let account = accounts.first(where: \.isPublic) { return account.profile }
            } else if let id = registry.account {
                if let account = accounts.first(where: { $0.registryIDs.contains(id) }) { return account.profile }
                let owners = try context.cache().logins().filter { $0.accountID == id }.map(\.profile)
                if let owner = accounts.first(where: { owners.contains($0.profile) }) { return owner.profile }
            }
            if let mapping = try context.configuration()?.registries.first(where: { $0.covers(registry) }) {
                return mapping.profile
            }
            // As the AWS CLI picks credentials with no --profile: the environment's keys first, then AWS_PROFILE.
            if let source = AmbientSource.inEnvironment(context.environment) { return source.profile }
            if let profile = context.environment["AWS_PROFILE"] { return profile }
            return try context.awsProfiles().profiles["default"] != nil ? "default" : nil
        }

        /// Every registry ecr-sessions answers for, as the helper protocol's `list`: server URL to user name.
        public func list() throws -> [String: String] {
            let cache = try context.cache(scan: false)
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
            guard try context.cache(scan: false).userLogins().contains(where: { $0.host == host }) else {
                return LogoutReport()
            }
            return try Logout(context).registries([serverURL])
        }
    }
}
