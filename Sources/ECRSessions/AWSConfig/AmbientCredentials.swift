/// Credentials the AWS SDKs find with no profile at all: the process environment, then the host it runs on.
///
/// In zero-config use the environment's source is an account of its own, so a CI runner with only
/// `AWS_ACCESS_KEY_ID` set logs in and refreshes like a machine with profiles.
public enum AmbientSource: Sendable, Equatable, CustomStringConvertible {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    case environmentKeys(accessKeyID: String)
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (what EKS's IRSA sets in a pod).
    case webIdentity(WebIdentityToken)
    /// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (ECS) or `..._FULL_URI` (EKS Pod Identity and others).
    case container(uri: String)
    /// The EC2 instance metadata service: the instance profile's role.
    case instanceMetadata

    /// The profile name jobs of an environment account go by. A cache key, so it holds a hash of what identifies
    /// the source, never a key or token: new keys in the environment are a new account in the cache.
    public static let environmentProfilePrefix = "@environment"
    /// The profile name of the instance profile's account; `[account]` sections may name it too.
    public static let instanceMetadataProfile = "@instance-metadata"

    /// The source the environment names, in the SDKs' order (keys, web identity, container); nil when none is set.
    /// The instance metadata service is never in the environment: see `isInstanceMetadataEnabled`.
    public static func inEnvironment(_ environment: Environment) -> AmbientSource? {
        if let keys = AWSProfiles.environmentCredentials(environment) {
            return .environmentKeys(accessKeyID: keys.accessKeyID)
        }
        if let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], let roleARN = environment["AWS_ROLE_ARN"] {
            return .webIdentity(
                WebIdentityToken(
                    profile: environmentProfilePrefix, roleARN: roleARN, tokenFile: tokenFile,
                    sessionName: environment["AWS_ROLE_SESSION_NAME"]))
        }
        if let uri = ContainerCredentialsEndpoint.configuredURI(environment) {
            return .container(uri: uri)
        }
        return nil
    }

    /// False when `AWS_EC2_METADATA_DISABLED` is `true`, as in the SDKs.
    public static func isInstanceMetadataEnabled(_ environment: Environment) -> Bool {
        environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true"
    }

    /// Whether `profile` is one of the names above rather than a profile of the AWS files.
    public static func isAmbientProfile(_ profile: String) -> Bool {
        profile.hasPrefix(environmentProfilePrefix) || profile == instanceMetadataProfile
    }

    /// The account's profile: `@environment-<hash>` of what identifies the source, or `@instance-metadata`.
    public var profile: String {
        guard self != .instanceMetadata else { return Self.instanceMetadataProfile }
        let hash = Digest.sha256(Array("\(variable)\u{1F}\(identity)".utf8)).lowercaseHex
        return "\(Self.environmentProfilePrefix)-\(hash.prefix(12))"
    }

    /// The variable that selects this source, as `accounts list` shows where the account came from.
    public var variable: String {
        switch self {
        case .environmentKeys: "AWS_ACCESS_KEY_ID"
        case .webIdentity: "AWS_WEB_IDENTITY_TOKEN_FILE"
        case .container(let uri):
            uri.hasPrefix("http") ? "AWS_CONTAINER_CREDENTIALS_FULL_URI" : "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
        case .instanceMetadata: "AWS_EC2_METADATA_SERVICE_ENDPOINT"
        }
    }

    public var kind: CredentialSourceKind {
        switch self {
        case .environmentKeys: .environment
        case .webIdentity: .webIdentity
        case .container: .containerCredentials
        case .instanceMetadata: .instanceMetadata
        }
    }

    /// What tells two sources of one kind apart; the key ID is not secret, and only its hash is kept.
    private var identity: String {
        switch self {
        case .environmentKeys(let keyID): keyID
        case .webIdentity(let web): "\(web.roleARN)\u{1F}\(web.tokenFile)"
        case .container(let uri): uri
        case .instanceMetadata: ""
        }
    }

    public var description: String {
        switch self {
        case .environmentKeys(let keyID): "access key \(keyID) from AWS_ACCESS_KEY_ID"
        case .webIdentity(let web): "web identity \(web.roleARN) from AWS_WEB_IDENTITY_TOKEN_FILE"
        case .container: "container credentials from \(variable)"
        case .instanceMetadata: "the instance profile from instance metadata"
        }
    }
}
