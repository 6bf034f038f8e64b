/// One GetAuthorizationToken call to make: a profile's credentials in one region (or ECR Public), and the
/// registries that one token serves.
public struct LoginJob: Sendable, Hashable, CustomStringConvertible {
    public var profile: String
    public var region: String
    /// True for ECR Public (`public.ecr.aws`, always signed in us-east-1).
    public var isPublic: Bool
    /// Other accounts' registries the same token should be written for; empty means the caller's own.
    public var registryIDs: [String]

    /// The region an ECR Public job is filed under in the cache and `status`. Its calls are signed in us-east-1, but
    /// it must never share a key with private ECR in us-east-1: their tokens, attempts and backoff differ.
    public static let publicRegion = "public"

    public init(profile: String, region: String, isPublic: Bool = false, registryIDs: [String] = []) {
        self.profile = profile
        self.region = isPublic ? Self.publicRegion : region
        self.isPublic = isPublic
        self.registryIDs = registryIDs
    }

    public var description: String {
        isPublic ? "profile '\(profile)' (ECR Public)" : "profile '\(profile)' (\(region))"
    }
}

/// What came of one job: the registries now logged in, or why not.
public struct LoginResult: Sendable, Equatable {
    public var job: LoginJob
    public var logins: [RegistryLogin]
    /// Nil on success; the reason otherwise, naming what to fix and never holding a secret.
    public var error: String?

    public var succeeded: Bool { error == nil }
}

/// Resolves a profile to credentials and endpoint settings. The real one, `ChainCredentialProvider`, follows the
/// AWS files' credential chains; tests pass their own.
public protocol CredentialProvider: Sendable {
    func resolve(profile: String) async throws -> ResolvedProfile
}
