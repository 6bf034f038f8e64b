/// Why SSO gave no credentials, in terms of what the user should do. Never holds the SSO access token.
public struct SSOError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No usable cached token: the user never logged in, or the cache file is damaged.
        case notLoggedIn
        /// The cached token has expired, or the portal no longer accepts it.
        case loginExpired
        /// The SSO user may not use that role in that account.
        case roleNotAllowed
        /// The portal throttled us, even after retries.
        case throttled
        /// The portal answered 5xx, even after retries.
        case serverError
        /// No HTTP answer at all, even after retries.
        case network
        /// An answer we could not understand.
        case malformedResponse
        /// The endpoint setting is not a URL.
        case invalidEndpoint
        /// The credentials the portal returned expire before now: the clock is probably wrong.
        case credentialsAlreadyExpired
        /// Any other error from the portal.
        case service(code: String)
    }

    public var kind: Kind
    /// The profile whose SSO settings were used, when known.
    public var profile: String?
    /// More about what happened; never holds a secret.
    public var detail: String

    public init(_ kind: Kind, profile: String?, detail: String) {
        self.kind = kind
        self.profile = profile
        self.detail = detail
    }

    public var description: String {
        let login = "run `aws sso login" + (profile.map { " --profile \($0)" } ?? "") + "`"
        let subject = profile.map { "profile '\($0)': " } ?? ""
        switch kind {
        case .notLoggedIn: return "\(subject)not logged in to SSO (\(detail)); \(login)"
        case .loginExpired: return "\(subject)the SSO login has expired (\(detail)); \(login)"
        case .roleNotAllowed:
            return "\(subject)the SSO user may not use this role (\(detail)); check sso_account_id and sso_role_name"
        case .throttled:
            return "\(subject)the SSO portal throttled the request and retries did not help (\(detail))"
        case .serverError:
            return "\(subject)the SSO portal answered with a server error and retries did not help (\(detail))"
        case .network, .malformedResponse, .invalidEndpoint: return subject + detail
        case .credentialsAlreadyExpired:
            return "\(subject)SSO returned credentials that already expired (\(detail)); is this machine's clock right?"
        case .service(let code): return "\(subject)\(code): \(detail)"
        }
    }

    /// Whether trying again soon may help.
    var isRetryable: Bool {
        switch kind {
        case .throttled, .serverError, .network: true
        default: false
        }
    }
}

extension SSOError: AWSServiceError {}
