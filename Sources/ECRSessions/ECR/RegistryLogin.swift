public import Foundation

/// The token ECR returns: base64 of `AWS:<password>`, as docker's `auth` field wants it.
///
/// Its `description` is redacted, so it never reaches a log, an error or `status` by accident.
public struct AuthorizationToken: Sendable, Equatable, CustomStringConvertible {
    /// The token exactly as ECR returned it.
    public let encoded: String

    public init(encoded: String) {
        self.encoded = encoded
    }

    /// The token's user and password, or nil when it is not base64 of `user:password`.
    public var credentials: (username: String, password: String)? {
        guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    public var description: String { "<redacted token>" }
}

/// One registry host kept logged in: what the targets write and `status` shows.
public struct RegistryLogin: Sendable, Equatable {
    /// The profile whose credentials fetched the token.
    public var profile: String
    public var accountID: String
    public var region: String
    /// The registry host, e.g. `111122223333.dkr.ecr.eu-west-1.amazonaws.com` or `public.ecr.aws`.
    public var registry: String
    public var token: AuthorizationToken
    public var expiresAt: Date
    public var fetchedAt: Date

    /// The longest a token is believed to live. ECR's live 12 hours; a week leaves room for a machine whose clock is
    /// days behind while still refusing (and renewing) the year-10000 expiries a broken endpoint may claim.
    public static let longestLifetime: TimeInterval = 7 * 86_400

    public init(
        profile: String, accountID: String, region: String, registry: String, token: AuthorizationToken,
        expiresAt: Date, fetchedAt: Date
    ) {
        self.profile = profile
        self.accountID = accountID
        self.region = region
        self.registry = registry
        self.token = token
        self.expiresAt = expiresAt
        self.fetchedAt = fetchedAt
    }
}

/// One attempt to log a (profile, region) in, kept in the cache for `status`.
public struct LoginAttempt: Sendable, Equatable {
    public var profile: String
    public var region: String
    public var startedAt: Date
    public var finishedAt: Date
    /// Nil when the attempt succeeded; otherwise the error's text, which never holds a secret.
    public var error: String?

    public init(profile: String, region: String, startedAt: Date, finishedAt: Date, error: String?) {
        self.profile = profile
        self.region = region
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.error = error
    }

    public var succeeded: Bool { error == nil }
}
