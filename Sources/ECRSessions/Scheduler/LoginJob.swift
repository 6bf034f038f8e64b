public import Foundation

/// One GetAuthorizationToken call to make: a profile's credentials in one region (or ECR Public), and the
/// registries that one token serves.
public struct LoginJob: Sendable, Hashable, CustomStringConvertible {
    public var profile: String
    public var region: String
    /// True for ECR Public (`public.ecr.aws`, always signed in us-east-1).
    public var isPublic: Bool
    /// The API endpoint to call, with every override already applied.
    public var endpoint: URL
    /// Other accounts' registries the same token should be written for; empty means the caller's own.
    public var registryIDs: [String]

    public init(profile: String, region: String, isPublic: Bool = false, endpoint: URL, registryIDs: [String] = []) {
        self.profile = profile
        self.region = region
        self.isPublic = isPublic
        self.endpoint = endpoint
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

/// Turns a profile's name into credentials. The real one reads the AWS files; issue-specific sources (assumed
/// roles, SSO, processes) plug in here.
public protocol CredentialProvider: Sendable {
    func credentials(forProfile profile: String) async throws -> AWSCredentials
}
