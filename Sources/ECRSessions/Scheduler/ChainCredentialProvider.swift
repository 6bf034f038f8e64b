public import Foundation

/// Resolves a profile's whole credential chain, as the AWS CLI does: static keys, `credential_source`,
/// `credential_process`, web identity or SSO as the base, then each `role_arn` step assumed with the credentials
/// of the step before.
///
/// Temporary credentials are kept in the cache's `sessions` table until `sessionMargin` before they expire, keyed
/// by a hash of the step's settings and of its source credentials, so changing either fetches new ones. Within
/// one provider, jobs that need the same step share one call (and its failure): 100 accounts assumed from one
/// source make one STS call per role, not one per job.
public struct ChainCredentialProvider: CredentialProvider {
    public let profiles: AWSProfiles
    public let environment: Environment
    public let transport: any HTTPTransport
    public let clock: any WallClock
    public let retry: RetryPolicy
    /// Where temporary credentials are kept between runs; nil keeps them only for this provider's lifetime.
    public let sessions: Cache?
    /// Who to ask for MFA codes; nil never asks (refresh, daemon, no terminal).
    public let mfaPrompt: (any MFAPrompt)?
    /// How long a `credential_process` may run.
    public let processTimeout: Duration
    private let flights = Flights<AWSCredentials>()
    /// SSO access tokens being renewed, by cache file: accounts sharing an SSO session renew it once.
    private let ssoTokens = Flights<SSOToken>()

    /// Cached credentials are reused only while they have at least this long left, so a login that starts with
    /// them can finish with them.
    public static let sessionMargin: TimeInterval = 5 * 60

    public init(
        profiles: AWSProfiles, environment: Environment, transport: any HTTPTransport, clock: any WallClock,
        retry: RetryPolicy = RetryPolicy(), sessions: Cache?, mfaPrompt: (any MFAPrompt)? = nil,
        processTimeout: Duration = .seconds(60)
    ) {
        self.profiles = profiles
        self.environment = environment
        self.transport = transport
        self.clock = clock
        self.retry = retry
        self.sessions = sessions
        self.mfaPrompt = mfaPrompt
        self.processTimeout = processTimeout
    }

    /// The profile's credentials at the end of its chain, with its region and endpoint settings. Every STS and SSO
    /// call uses the selected profile's region and endpoints, as the AWS CLI's clients do.
    ///
    /// An ambient profile (`AmbientSource.isAmbientProfile`) takes its region and endpoint settings from the profile
    /// the AWS CLI would select (`AWS_PROFILE`, else `default`), as the SDKs' default chain does.
    public func resolve(profile: String) async throws -> ResolvedProfile {
        let chain = try chain(forProfile: profile)
        let isAmbient = AmbientSource.isAmbientProfile(profile)
        let settings = isAmbient ? AWSProfiles.selectedProfile(explicit: nil, environment: environment) : profile
        let block = profiles.profiles[settings]
        let hop = try Hop(
            profile: profile, region: profiles.region(ofProfile: settings, environment: environment),
            endpointURL: block?["endpoint_url"],
            serviceEndpointURLs: block.map(profiles.serviceEndpointURLs(for:)) ?? [:],
            environment: environment, settings: profiles.endpointSettings(ofProfile: profile, environment: environment))
        var credentials = try await baseCredentials(chain.base, hop)
        for role in chain.roles {
            credentials = try await assume(role, with: credentials, hop)
        }
        let origin: ResolvedProfile.CredentialsOrigin =
            if chain.roles.isEmpty, case .accessKey(let keys) = chain.base {
                profiles.origin(of: keys)
            } else if isAmbient, chain.base == .namedSource(NamedSource(profile: profile, name: "Environment")) {
                .environment
            } else {
                .chain(chain)
            }
        var resolved = profiles.resolved(
            profile: settings, credentials: credentials, origin: origin, environment: environment)
        resolved.profile = profile
        return resolved
    }

    /// The chain of `profile`. The `AWS_WEB_IDENTITY_TOKEN_FILE`/`AWS_ROLE_ARN` pair (what EKS sets in a pod) is
    /// the source of a profile that has none of its own, and of `default` when no file defines it.
    ///
    /// botocore lets that pair win even over a profile's own keys; here a profile's own settings win, so that what
    /// `accounts list` shows for it is what it uses.
    func chain(forProfile profile: String) throws -> CredentialChain {
        if AmbientSource.isAmbientProfile(profile) { return try ambientChain(profile) }
        do {
            return try profiles.credentialChain(forProfile: profile)
        } catch {
            let applies =
                switch error {
                case .noCredentialSource(let name, _): name == profile
                case .noProfiles, .profileNotFound: profile == "default"
                default: false
                }
            guard applies, let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"],
                let roleARN = environment["AWS_ROLE_ARN"]
            else { throw error }
            return CredentialChain(
                base: .webIdentityToken(
                    WebIdentityToken(
                        profile: profile, roleARN: roleARN, tokenFile: tokenFile,
                        sessionName: environment["AWS_ROLE_SESSION_NAME"])))
        }
    }

    /// An ambient profile's chain: the instance metadata service, or what the environment names now.
    private func ambientChain(_ profile: String) throws(CredentialChainError) -> CredentialChain {
        let named = { (name: String) in CredentialChain(base: .namedSource(NamedSource(profile: profile, name: name))) }
        if profile == AmbientSource.instanceMetadataProfile { return named("Ec2InstanceMetadata") }
        switch AmbientSource.inEnvironment(environment) {
        case .environmentKeys: return named("Environment")
        case .webIdentity(var web):
            web.profile = profile
            return CredentialChain(base: .webIdentityToken(web))
        case .container: return named("EcsContainer")
        case .instanceMetadata, nil: throw .environmentSourceMissing(profile: profile)
        }
    }

    /// What every step of one resolution shares: the selected profile, whose region and endpoint settings every
    /// call uses, as the AWS CLI creates its STS and SSO clients from the selected profile.
    struct Hop {
        var profile: String
        /// STS calls are signed for this region, and go to the global endpoint when it is nil.
        var region: String?
        var endpointURL: String?
        var serviceEndpointURLs: [String: String]
        var stsEndpoint: URL

        init(
            profile: String, region: String?, endpointURL: String?, serviceEndpointURLs: [String: String],
            environment: Environment, settings: EndpointSettings? = nil
        ) throws(STSError) {
            self.profile = profile
            self.region = region
            self.endpointURL = endpointURL
            self.serviceEndpointURLs = serviceEndpointURLs
            stsEndpoint = try STSEndpoint.url(
                region: region, environment: environment, profileServiceEndpoint: serviceEndpointURLs["sts"],
                profileEndpoint: endpointURL, settings: settings)
        }

        /// Where STS calls go, for cache keys: a session from one endpoint is not offered to another. The standard
        /// regional endpoints of one partition hand out the same sessions, so they share one key: accounts in
        /// different regions that share a hop assume it once (the region only picks the endpoint and signs).
        var sts: String {
            let standard = try? STSEndpoint.url(region: region, environment: Environment())
            guard stsEndpoint == standard else { return "endpoint\u{1F}\(stsEndpoint.absoluteString)" }
            return "partition\u{1F}" + (region.map { Partition(region: $0).id } ?? Partition.aws.id)
        }
    }

    // MARK: The base of the chain

    private func baseCredentials(_ base: CredentialSource, _ hop: Hop) async throws -> AWSCredentials {
        switch base {
        case .accessKey(let keys):
            return keys.credentials
        case .namedSource(let source):
            return try await namedSource(source)
        case .credentialProcess(let process):
            let runner = CredentialProcessRunner(
                commandLine: process.command, profile: process.profile, timeout: processTimeout,
                environment: environment)
            let clock = clock
            return try await session(
                key: ["credential_process", process.command], label: "credential_process of '\(process.profile)'"
            ) { try await runner.credentials(clock: clock) }
        case .webIdentityToken(let web):
            return try await webIdentity(web, hop)
        case .sso(let sso):
            return try await ssoCredentials(sso, hop)
        }
    }

    private func namedSource(_ source: NamedSource) async throws -> AWSCredentials {
        // The AWS CLI compares these names exactly.
        switch source.name {
        case "Environment":
            guard let keys = AWSProfiles.environmentCredentials(environment) else {
                throw CredentialChainError.environmentCredentialsMissing(profile: source.profile)
            }
            return keys
        case "Ec2InstanceMetadata":
            guard AmbientSource.isInstanceMetadataEnabled(environment) else {
                throw CredentialChainError.credentialSourceUnavailable(profile: source.profile, source: source.name)
            }
            let client = try InstanceMetadataClient(transport: transport, environment: environment)
            return try await session(
                key: ["instance_metadata", client.endpoint.absoluteString], label: "instance profile"
            ) { try await client.credentials() }
        case "EcsContainer":
            guard let uri = ContainerCredentialsEndpoint.configuredURI(environment) else {
                throw CredentialChainError.credentialSourceUnavailable(profile: source.profile, source: source.name)
            }
            let client = ContainerCredentialsClient(transport: transport, environment: environment)
            return try await session(key: ["container", uri], label: "container credentials") {
                try await client.credentials()
            }
        default:
            throw CredentialChainError.unknownCredentialSource(profile: source.profile, source: source.name)
        }
    }

    private func webIdentity(_ web: WebIdentityToken, _ hop: Hop) async throws -> AWSCredentials {
        let path = environment.expandingTilde(web.tokenFile)
        // Read each time: the identity provider rotates the file (hourly on EKS).
        let token: String
        do {
            token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw CredentialChainError.webIdentityTokenUnreadable(
                profile: web.profile, path: path, reason: (error as NSError).localizedDescription)
        }
        guard !token.isEmpty else {
            throw CredentialChainError.webIdentityTokenUnreadable(
                profile: web.profile, path: path, reason: "it is empty")
        }
        let request = WebIdentityRoleRequest(
            roleARN: web.roleARN, sessionName: web.sessionName ?? STSClient.defaultSessionName(now: clock.now()),
            webIdentityToken: token)
        let sts = STSClient(transport: transport, clock: clock, retry: retry)
        return try await session(
            key: ["web_identity", web.roleARN, web.sessionName ?? "", Self.hash(token), hop.sts],
            label: "web identity \(web.roleARN) of '\(web.profile)'"
        ) { try await sts.assumeRoleWithWebIdentity(request, endpoint: hop.stsEndpoint).credentials }
    }

    private func ssoCredentials(_ sso: SSOSource, _ hop: Hop) async throws -> AWSCredentials {
        func require(_ value: String?, _ setting: String) throws(CredentialChainError) -> String {
            guard let value else { throw .incompleteSSOProfile(profile: sso.profile, missing: setting) }
            return value
        }
        let accountID = try require(sso.accountID, "sso_account_id")
        let roleName = try require(sso.roleName, "sso_role_name")
        let startURL = try require(sso.startURL, "sso_start_url")
        let ssoRegion = try require(sso.region, "sso_region")
        // `aws sso login` caches the token under the session's name, or for legacy profiles under the start URL. The
        // profile named in errors is the one with the SSO settings: `aws sso login --profile` needs those.
        let (environment, clock, oidc) = (environment, clock, SSOOIDCClient(transport: transport))
        let tokenKey = sso.session ?? startURL
        let token = try await ssoTokens.value(for: tokenKey) {
            try await SSOTokenCache.freshToken(
                key: tokenKey, profile: sso.profile, ssoRegion: ssoRegion, environment: environment, now: clock.now(),
                oidc: oidc)
        }
        let endpoint = try SSOEndpoint.url(
            ssoRegion: ssoRegion, environment: environment,
            profileServiceEndpoint: hop.serviceEndpointURLs["sso"], profileEndpoint: hop.endpointURL)
        let client = SSOClient(transport: transport, clock: clock, retry: retry)
        return try await session(
            key: ["sso", startURL, accountID, roleName, Self.hash(token.accessToken), endpoint.absoluteString],
            label: "SSO role \(roleName) in \(accountID) of '\(sso.profile)'"
        ) {
            try await client.roleCredentials(
                accountID: accountID, roleName: roleName, token: token, endpoint: endpoint, profile: sso.profile)
        }
    }

    // MARK: Role steps

    private func assume(_ role: AssumeRole, with source: AWSCredentials, _ hop: Hop) async throws -> AWSCredentials {
        let key = [
            "assume_role", role.roleARN, role.externalID ?? "", role.sessionName ?? "",
            role.durationSeconds.map(String.init) ?? "", role.mfaSerial ?? "", hop.sts,
            // The source's key ID, not its secret: new source keys mean new sessions, and no secret is hashed.
            source.accessKeyID,
        ]
        let sts = STSClient(transport: transport, clock: clock, retry: retry)
        let (mfaPrompt, clock) = (mfaPrompt, clock)
        return try await session(key: key, label: role.description) {
            var request = AssumeRoleRequest(
                roleARN: role.roleARN, sessionName: role.sessionName ?? STSClient.defaultSessionName(now: clock.now()),
                externalID: role.externalID, durationSeconds: role.durationSeconds, mfaSerial: role.mfaSerial)
            if let serial = role.mfaSerial {
                guard let mfaPrompt else {
                    throw CredentialChainError.mfaRequired(
                        profile: hop.profile, roleProfile: role.profile, serial: serial)
                }
                request.mfaCode = try await mfaPrompt.code(serial: serial, roleARN: role.roleARN, profile: hop.profile)
            }
            return try await sts.assumeRole(
                request, credentials: source, region: hop.region, endpoint: hop.stsEndpoint
            ).credentials
        }
    }

    // MARK: The session cache

    /// The credentials stored under the hash of `key` while they have `sessionMargin` left, else `fetch`'s,
    /// stored. One fetch per key in this provider's lifetime; its result (or error) serves every caller.
    private func session(
        key parts: [String], label: String, fetch: @escaping @Sendable () async throws -> AWSCredentials
    ) async throws -> AWSCredentials {
        let key = Self.hash(parts.joined(separator: "\u{1F}"))
        let (sessions, clock) = (sessions, clock)
        return try await flights.value(for: key) {
            if let cached = try sessions?.session(
                key: key, validUntil: clock.now().addingTimeInterval(Self.sessionMargin))
            {
                return cached
            }
            let fresh = try await fetch()
            try sessions?.saveSession(fresh, key: key, label: label, now: clock.now())
            return fresh
        }
    }

    /// SHA-256 in hex: cache keys say nothing about the settings or tokens they were made from.
    static func hash(_ text: String) -> String {
        Digest.sha256(Array(text.utf8)).lowercaseHex
    }
}

/// One fetch per key: the first caller starts it, later callers wait for the same result. Results are kept for
/// the provider's lifetime (one login run), so a failing step is tried once per run, not once per job.
actor Flights<Value: Sendable> {
    private var flights: [String: Task<Value, any Error>] = [:]

    func value(for key: String, fetch: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let flight = flights[key] { return try await flight.value }
        let flight = Task { try await fetch() }
        flights[key] = flight
        return try await flight.value
    }
}
