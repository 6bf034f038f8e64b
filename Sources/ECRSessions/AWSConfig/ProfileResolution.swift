/// A profile resolved to what a request needs: credentials, region and endpoint settings.
///
/// Its `description` shows where the credentials came from, never the secret key or token.
public struct ResolvedProfile: Sendable, Equatable, CustomStringConvertible {
    /// Where the credentials came from.
    public enum CredentialsOrigin: Sendable, Equatable {
        /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
        case environment
        /// The keys of a profile; the location is where `aws_access_key_id` is written.
        case profile(String, SourceLocation)
        /// Temporary credentials from a chain: assumed roles, `credential_process`, SSO, web identity.
        case chain(CredentialChain)
    }

    /// The selected profile's name: the explicit one, else `AWS_PROFILE`, else `default`.
    public var profile: String
    public var credentials: AWSCredentials
    public var credentialsOrigin: CredentialsOrigin
    /// `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`; nil when none is set.
    public var region: String?
    /// The profile's `endpoint_url`.
    public var profileEndpointURL: String?
    /// `endpoint_url` per service from the profile's `services` block, keyed like `ecr` or `ecr_public`.
    public var serviceEndpointURLs: [String: String]
    /// The profile's `use_fips_endpoint`, `use_dualstack_endpoint` and `sts_regional_endpoints`, as written.
    public var endpointKeys: [String: String] = [:]

    public init(
        profile: String, credentials: AWSCredentials, credentialsOrigin: CredentialsOrigin, region: String?,
        profileEndpointURL: String? = nil, serviceEndpointURLs: [String: String] = [:]
    ) {
        self.profile = profile
        self.credentials = credentials
        self.credentialsOrigin = credentialsOrigin
        self.region = region
        self.profileEndpointURL = profileEndpointURL
        self.serviceEndpointURLs = serviceEndpointURLs
    }

    public var description: String {
        let origin =
            switch credentialsOrigin {
            case .environment: "AWS_ACCESS_KEY_ID"
            case .profile(let name, let location): "profile '\(name)' (\(location))"
            case .chain(let chain): chain.description
            }
        return
            "profile '\(profile)': access key \(credentials.accessKeyID) from \(origin), region \(region ?? "not set")"
    }

    /// The endpoint configured for a service (`ecr`, `ecr_public`, `sts`), nil for the service's default.
    ///
    /// In the SDKs' order: `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the `services` block,
    /// then the profile's `endpoint_url`.
    public func endpointURL(forService service: String, environment: Environment) -> String? {
        let (key, variable) = Self.endpointKeys(forService: service)
        return environment[variable] ?? environment["AWS_ENDPOINT_URL"] ?? serviceEndpointURLs[key]
            ?? profileEndpointURL
    }

    /// The `services` section's key of `service` (lowercase, `_` for spaces and dashes) and its environment
    /// variable, `AWS_ENDPOINT_URL_` and the key in uppercase. An ASCII name (every service's) is mapped byte by
    /// byte: `lowercased().replacing(...)` cost 16 k instructions a call, one call per login.
    static func endpointKeys(forService service: String) -> (key: String, variable: String) {
        guard service.utf8.allSatisfy({ $0 < 0x80 }) else {
            let key = service.lowercased().replacing(" ", with: "_").replacing("-", with: "_")
            return (key, "AWS_ENDPOINT_URL_" + key.uppercased())
        }
        let key = service.utf8.map { byte -> UInt8 in
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "-") { return UInt8(ascii: "_") }
            return (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
        }
        let upper = key.map { (0x61...0x7A).contains($0) ? $0 & ~0x20 : $0 }
        return (String(decoding: key, as: UTF8.self), "AWS_ENDPOINT_URL_" + String(decoding: upper, as: UTF8.self))
    }

    /// The FIPS, dual-stack and STS endpoint settings of this profile's calls: each variable over its key.
    public func endpointSettings(environment: Environment) -> EndpointSettings {
        EndpointSettings(environment: environment) { endpointKeys[$0] }
    }
}

/// What kind of source a profile is set up to get credentials from.
public enum CredentialSourceKind: String, Sendable, Equatable, CaseIterable {
    case accessKeys = "aws_access_key_id"
    case assumeRole = "role_arn"
    case credentialProcess = "credential_process"
    case sso = "sso"
    case webIdentity = "web_identity_token_file"
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` in the environment, with no profile.
    case environment = "AWS_ACCESS_KEY_ID"
    /// An ECS or EKS Pod Identity credentials endpoint named by the environment.
    case containerCredentials = "container"
    /// The EC2 instance profile, from the instance metadata service.
    case instanceMetadata = "instance metadata"
}

/// A profile that is set up to yield credentials: one account for zero-config use.
public struct CredentialProfile: Sendable, Equatable {
    public var name: String
    /// The profile's own `region`, nil when it has none (the environment's region is not applied here).
    public var region: String?
    public var source: CredentialSourceKind
    /// Where the profile starts, for "where each account came from".
    public var location: SourceLocation

    public init(name: String, region: String?, source: CredentialSourceKind, location: SourceLocation) {
        self.name = name
        self.region = region
        self.source = source
        self.location = location
    }
}

extension AWSProfiles {
    /// The profile meant when `explicit` is nil: `AWS_PROFILE`, else `default`.
    public static func selectedProfile(explicit: String?, environment: Environment) -> String {
        explicit ?? environment["AWS_PROFILE"] ?? "default"
    }

    /// Resolves a profile to credentials and region, as the AWS CLI would.
    ///
    /// With no explicit profile, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) win over
    /// any profile, even one named by `AWS_PROFILE`. Only static keys resolve for now; a profile set up any other
    /// way is `AWSConfigError.unsupportedCredentialSource`: resolving those needs the network, which is
    /// `ChainCredentialProvider`'s business.
    public func resolve(profile explicit: String? = nil, environment: Environment) throws(AWSConfigError)
        -> ResolvedProfile
    {
        let name = Self.selectedProfile(explicit: explicit, environment: environment)
        let block = profiles[name]
        let credentials: AWSCredentials
        let origin: ResolvedProfile.CredentialsOrigin
        if explicit == nil, let keys = Self.environmentCredentials(environment) {
            credentials = keys
            origin = .environment
        } else {
            guard block != nil else { throw .profileNotFound(profile: name, files: files) }
            let chain = try credentialChain(forProfile: name)
            guard chain.roles.isEmpty, case .accessKey(let keys) = chain.base else {
                let setting = chain.roles.isEmpty ? chain.base.setting : "role_arn"
                throw .unsupportedCredentialSource(profile: name, setting: setting)
            }
            credentials = keys.credentials
            origin = self.origin(of: keys)
        }
        return resolved(profile: name, credentials: credentials, origin: origin, environment: environment)
    }

    /// Static keys' origin: their profile, and where `aws_access_key_id` is written.
    func origin(of keys: AccessKey) -> ResolvedProfile.CredentialsOrigin {
        let keysProfile = profiles[keys.profile]
        let written = keysProfile?.properties["aws_access_key_id"]?.location ?? keysProfile?.location
        return .profile(keys.profile, written ?? SourceLocation(file: "", line: 0))
    }

    /// `profile`'s region and endpoint settings, with credentials found elsewhere.
    func resolved(
        profile name: String, credentials: AWSCredentials, origin: ResolvedProfile.CredentialsOrigin,
        environment: Environment
    ) -> ResolvedProfile {
        let block = profiles[name]
        var resolved = ResolvedProfile(
            profile: name,
            credentials: credentials,
            credentialsOrigin: origin,
            region: region(ofProfile: name, environment: environment),
            profileEndpointURL: block?["endpoint_url"],
            serviceEndpointURLs: block.map(serviceEndpointURLs(for:)) ?? [:])
        resolved.endpointKeys = EndpointSettings.profileKeys.reduce(into: [:]) { $0[$1] = block?[$1] }
        return resolved
    }

    /// The FIPS, dual-stack and STS endpoint settings of `profile`'s calls (see `EndpointSettings`).
    public func endpointSettings(ofProfile name: String, environment: Environment) -> EndpointSettings {
        EndpointSettings(environment: environment) { profiles[name]?[$0] }
    }

    /// The region requests for `profile` go to: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's
    /// `region`; nil when none is set.
    public func region(ofProfile name: String, environment: Environment) -> String? {
        environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? profiles[name]?["region"]
    }

    /// Every profile set up to yield credentials, by name, with the kind of source its settings select.
    ///
    /// A profile listed here may still fail to resolve (half a key pair, a `source_profile` loop): that is
    /// the account's reason for failing, reported when it is used.
    public func credentialProfiles() -> [CredentialProfile] {
        profiles.values.compactMap { profile in
            sourceKind(of: profile).map {
                CredentialProfile(name: profile.name, region: profile["region"], source: $0, location: profile.location)
            }
        }
        .sorted { $0.name < $1.name }
    }

    /// The credentials in the environment, when both halves of the key pair are set.
    static func environmentCredentials(_ environment: Environment) -> AWSCredentials? {
        guard let keyID = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            return nil
        }
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
    }

    /// The kind of source in the order `credentialChain(forProfile:)` looks at a selected profile.
    private func sourceKind(of profile: AWSSettingsBlock) -> CredentialSourceKind? {
        let has = { (setting: String) in profile[setting] != nil }
        if has("web_identity_token_file") { return .webIdentity }
        if has("role_arn") { return .assumeRole }
        if ["sso_session", "sso_start_url", "sso_account_id", "sso_role_name"].contains(where: has) { return .sso }
        if has("credential_process") { return .credentialProcess }
        if has("aws_access_key_id") || has("aws_secret_access_key") { return .accessKeys }
        return nil
    }

    /// `endpoint_url` per service from the `[services name]` block the profile names.
    func serviceEndpointURLs(for profile: AWSSettingsBlock) -> [String: String] {
        guard let blockName = profile["services"], let block = services[blockName] else { return [:] }
        return block.properties.compactMapValues { property in
            property.subProperties["endpoint_url"].flatMap { $0.isEmpty ? nil : $0 }
        }
    }
}
