/// Why STS would not hand out a role's credentials, in terms of what the user should do about it.
///
/// Its text names the role but never a secret: not the source credentials' secret or session token, not a web
/// identity token, not an MFA code.
public struct STSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The source credentials' secret access key does not match their access key ID.
        case invalidSignature
        /// AWS does not know the source credentials' access key ID.
        case unknownAccessKey
        /// The source credentials' session token has expired.
        case expiredCredentials
        /// The source principal may not assume the role, or the role does not trust it.
        case accessDenied
        /// STS is not activated in the region the request went to.
        case regionDisabled
        /// The session policy is malformed or too large.
        case malformedPolicy
        /// The identity provider's token was rejected: malformed, expired, or not trusted by the role.
        case invalidWebIdentityToken
        /// STS could not reach the identity provider to check the token, even after retries.
        case identityProviderUnreachable
        /// The role wants an MFA code and none was given: nobody is there to type one during a scheduled refresh.
        case mfaCodeRequired
        /// STS throttled us, even after retries.
        case throttled
        /// STS answered 5xx, even after retries.
        case serverError
        /// No HTTP answer at all, even after retries.
        case network
        /// An answer we could not understand.
        case malformedResponse
        /// The endpoint setting is not a URL.
        case invalidEndpoint
        /// The credentials STS returned expire before now: the clock is probably wrong.
        case credentialsAlreadyExpired
        /// Any other error code from the service.
        case service(code: String)
    }

    public var kind: Kind
    /// The role that was to be assumed, when there was one.
    public var roleARN: String?
    /// More about what happened; never holds a secret.
    public var detail: String

    public init(_ kind: Kind, roleARN: String?, detail: String) {
        self.kind = kind
        self.roleARN = roleARN
        self.detail = detail
    }

    public var description: String {
        let subject = roleARN.map { "cannot assume role \($0): " } ?? ""
        return subject + explanation
    }

    private var explanation: String {
        switch kind {
        case .invalidSignature:
            "the source credentials' secret access key does not match their access key ID (\(detail)); "
                + "fix aws_secret_access_key of the source profile"
        case .unknownAccessKey:
            "AWS does not recognize the source credentials' access key ID (\(detail)); "
                + "check the source profile's aws_access_key_id or that the key is active"
        case .expiredCredentials:
            "the source credentials have expired (\(detail)); renew the source profile's session or log in again"
        case .accessDenied:
            "access denied (\(detail)); the source principal needs sts:AssumeRole on the role, and the role's "
                + "trust policy must allow that principal (and its external_id or MFA conditions)"
        case .regionDisabled:
            "STS is not activated in this region (\(detail)); activate the region in the IAM console's account "
                + "settings, or use another region"
        case .malformedPolicy:
            "STS rejected the session policy (\(detail)); fix the policy or leave it out"
        case .invalidWebIdentityToken:
            "the web identity token was rejected (\(detail)); check that web_identity_token_file holds a current "
                + "token from the identity provider the role trusts"
        case .identityProviderUnreachable:
            "STS could not reach the identity provider and retries did not help (\(detail)); try again later"
        case .mfaCodeRequired:
            "the role needs an MFA code (mfa_serial \(detail)) and nobody is there to type one; use a profile "
                + "without mfa_serial for scheduled refresh"
        case .throttled:
            "STS throttled the request and retries did not help (\(detail)); it will be retried later"
        case .serverError:
            "STS answered with a server error and retries did not help (\(detail)); try again later"
        case .network, .malformedResponse, .invalidEndpoint:
            detail
        case .credentialsAlreadyExpired:
            "STS returned credentials that already expired (\(detail)); is this machine's clock right?"
        case .service(let code):
            "\(code): \(detail)"
        }
    }

    /// Whether trying again soon may help.
    var isRetryable: Bool {
        switch kind {
        case .throttled, .serverError, .network, .identityProviderUnreachable: true
        default: false
        }
    }
}

extension STSError: AWSServiceError {}
