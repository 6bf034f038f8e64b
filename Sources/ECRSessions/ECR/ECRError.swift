/// Why a call to ECR failed, in terms of what the user should do about it.
public struct ECRError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The secret access key does not match the access key ID.
        case invalidSignature
        /// AWS does not know the access key ID.
        case unknownAccessKey
        /// The session token has expired.
        case expiredCredentials
        /// The principal may not call GetAuthorizationToken.
        case accessDenied
        /// ECR throttled us, even after retries.
        case throttled
        /// ECR answered 5xx, even after retries.
        case serverError
        /// No HTTP answer at all, even after retries.
        case network
        /// An answer we could not understand.
        case malformedResponse
        /// The endpoint setting is not a URL.
        case invalidEndpoint
        /// The token ECR returned expires before now: the clock is probably wrong.
        case tokenAlreadyExpired
        /// The token's expiry is not a time, or further away than any ECR token lives.
        case implausibleExpiry
        /// The answer names a registry that is not one of this ECR's (see `RegistryEndpoint`).
        case unexpectedRegistry
        /// Any other error code from the service.
        case service(code: String)
    }

    public var kind: Kind
    /// More about what happened; never holds a secret.
    public var detail: String

    public init(_ kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .invalidSignature:
            "the secret access key does not match the access key ID (\(detail)); fix aws_secret_access_key"
        case .unknownAccessKey:
            "AWS does not recognize the access key ID (\(detail)); check aws_access_key_id or that the key is active"
        case .expiredCredentials:
            "the session credentials have expired (\(detail)); renew them (aws_session_token) or log in again"
        case .accessDenied:
            "access denied (\(detail)); the principal needs ecr:GetAuthorizationToken"
        case .throttled:
            "ECR throttled the request and retries did not help (\(detail)); it will be retried later"
        case .serverError:
            "ECR answered with a server error and retries did not help (\(detail)); try again later"
        case .network, .malformedResponse, .invalidEndpoint:
            detail
        case .tokenAlreadyExpired:
            "ECR returned a token that already expired (\(detail)); is this machine's clock right?"
        case .implausibleExpiry:
            "\(detail); the token was not used. ECR tokens live 12 hours: is this machine's clock right, and is the "
                + "ECR endpoint setting (endpoint_url, AWS_ENDPOINT_URL_ECR) really ECR?"
        case .unexpectedRegistry:
            "\(detail); nothing was written for it. Check the ECR endpoint setting (endpoint_url, "
                + "AWS_ENDPOINT_URL_ECR): it should be ECR's API"
        case .service(let code):
            "\(code): \(detail)"
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

extension ECRError: AWSServiceError {}

/// ECR's errors from its answers, in the user's terms.
struct ECRErrorMapping: AWSErrorMapping {
    let credentials: AWSCredentials

    var secrets: [String?] { [credentials.secretAccessKey, credentials.sessionToken] }

    func failure(network detail: String) -> ECRError {
        ECRError(.network, detail: detail)
    }

    func failure(_ answer: AWSErrorAnswer) -> ECRError {
        guard let body = answer.body else {
            let kind = answer.statusKind(
                serverError: ECRError.Kind.serverError, throttled: .throttled, unexpected: .malformedResponse)
            return ECRError(kind, detail: answer.statusDetail)
        }
        let kind = Self.kind(of: body.code, status: answer.status)
        return ECRError(
            kind,
            detail: answer.detail(body, hidingMessage: kind == .invalidSignature, accessKeyID: credentials.accessKeyID))
    }

    /// The error code's kind in the user's terms.
    static func kind(of code: String, status: Int) -> ECRError.Kind {
        switch code {
        case "InvalidSignatureException", "SignatureDoesNotMatch": .invalidSignature
        case "UnrecognizedClientException", "InvalidClientTokenId": .unknownAccessKey
        case "ExpiredTokenException", "ExpiredToken", "RequestExpired": .expiredCredentials
        case "AccessDeniedException", "AccessDenied": .accessDenied
        case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded": .throttled
        default: status >= 500 ? .serverError : .service(code: code)
        }
    }
}
