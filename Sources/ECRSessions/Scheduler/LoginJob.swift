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
    public var error: LoginError?

    public var succeeded: Bool { error == nil }
}

/// Why one job failed, as typed by the layer that failed (credentials, ECR, the cache, a target file), with where
/// the account is configured when the config file defines it.
public struct LoginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed; nil when the login itself worked and only recording its attempt failed.
    public var underlying: (any Error)?
    /// The config file line of the account, e.g. `~/.config/ecr-sessions/config line 5`.
    public var origin: String?
    /// The attempt could not be recorded in the cache either.
    public var unrecorded: CacheError?

    public init(_ underlying: (any Error)?, origin: String? = nil, unrecorded: CacheError? = nil) {
        self.underlying = underlying
        self.origin = origin
        self.unrecorded = unrecorded
    }

    /// What the cache keeps as the attempt's error: the cause, without the origin (status shows the job).
    public var reason: String? { underlying.map { "\($0)" } }

    public var description: String {
        let unrecorded = unrecorded.map { "could not record the attempt: \($0)" }
        let text = [reason, unrecorded].compactMap { $0 }.joined(separator: "; ")
        return origin.map { "\($0): \(text)" } ?? text
    }

    public static func == (lhs: LoginError, rhs: LoginError) -> Bool {
        lhs.description == rhs.description
    }
}

/// Resolves a profile to credentials and endpoint settings. The real one, `ChainCredentialProvider`, follows the
/// AWS files' credential chains; tests pass their own.
public protocol CredentialProvider: Sendable {
    func resolve(profile: String) async throws -> ResolvedProfile
}
