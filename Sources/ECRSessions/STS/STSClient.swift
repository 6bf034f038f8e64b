public import Foundation

/// Which role to assume with AssumeRole, and how.
public struct AssumeRoleRequest: Sendable, Equatable {
    /// `arn:aws:iam::<account>:role/<name>`.
    public var roleARN: String
    /// The name CloudTrail shows for the session (`role_session_name`).
    public var sessionName: String
    /// The external ID the role's trust policy asks for (`external_id`).
    public var externalID: String?
    /// How long the credentials should live (`duration_seconds`); STS's default, one hour, when nil.
    public var durationSeconds: Int?
    /// The MFA device's serial number or ARN (`mfa_serial`).
    public var mfaSerial: String?
    /// The current code from that device; without one, a role with `mfa_serial` cannot be assumed.
    public var mfaCode: String?

    public init(
        roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int? = nil,
        mfaSerial: String? = nil, mfaCode: String? = nil
    ) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.externalID = externalID
        self.durationSeconds = durationSeconds
        self.mfaSerial = mfaSerial
        self.mfaCode = mfaCode
    }
}

/// Which role to assume with AssumeRoleWithWebIdentity, and the identity provider's token that vouches for it.
///
/// Its `description` never shows the token.
public struct WebIdentityRoleRequest: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// `arn:aws:iam::<account>:role/<name>`.
    public var roleARN: String
    /// The name CloudTrail shows for the session (`role_session_name`).
    public var sessionName: String
    /// The OIDC token, as read from `web_identity_token_file`.
    public var webIdentityToken: String
    /// How long the credentials should live (`duration_seconds`); STS's default, one hour, when nil.
    public var durationSeconds: Int?

    public init(roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.webIdentityToken = webIdentityToken
        self.durationSeconds = durationSeconds
    }

    public var description: String {
        "WebIdentityRoleRequest(roleARN: \(roleARN), sessionName: \(sessionName), webIdentityToken: <redacted>)"
    }

    /// Shows the same fields as `description`, so `dump` and debuggers do not reveal the token either.
    public var customMirror: Mirror {
        Mirror(self, children: ["roleARN": roleARN, "sessionName": sessionName], displayStyle: .struct)
    }
}

/// A role's temporary credentials, as STS handed them out.
public struct AssumedRole: Sendable, Equatable {
    /// Temporary credentials, always with a session token and an expiration.
    public var credentials: AWSCredentials
    /// The session's own ARN: `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    public var arn: String

    public init(credentials: AWSCredentials, arn: String) {
        self.credentials = credentials
        self.arn = arn
    }
}

/// Whose credentials these are, as STS's GetCallerIdentity says. Nothing in it is a secret.
public struct CallerIdentity: Sendable, Equatable {
    /// The 12-digit account the principal belongs to.
    public var account: String
    /// The principal: `arn:aws:iam::<account>:user/<name>`, `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    public var arn: String
    /// The principal's unique ID (`AIDA...`, or `AROA...:<session>` for a role).
    public var userID: String

    public init(account: String, arn: String, userID: String) {
        self.account = account
        self.arn = arn
        self.userID = userID
    }
}

/// Calls STS's AssumeRole, AssumeRoleWithWebIdentity and GetCallerIdentity over the Query protocol, retrying
/// throttling and server errors.
public struct STSClient: Sendable {
    let service: AWSServiceClient

    public init(transport: any HTTPTransport, clock: any WallClock, retry: RetryPolicy = RetryPolicy()) {
        service = AWSServiceClient(transport: transport, clock: clock, retry: retry)
    }

    /// The role's credentials, asked for with `credentials` (signed for `region`, or for us-east-1 when nil, as
    /// the global endpoint wants).
    public func assumeRole(
        _ role: AssumeRoleRequest, credentials: AWSCredentials, region: String?, endpoint: URL
    ) async throws(STSError) -> AssumedRole {
        if let serial = role.mfaSerial, role.mfaCode?.isEmpty ?? true {
            throw STSError(.mfaCodeRequired, roleARN: role.roleARN, detail: serial)
        }
        try STSEndpoint.checkPartition(of: role.roleARN, at: endpoint)
        var parameters = [("RoleArn", role.roleARN), ("RoleSessionName", role.sessionName)]
        if let externalID = role.externalID { parameters.append(("ExternalId", externalID)) }
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        if let serial = role.mfaSerial, let code = role.mfaCode {
            parameters += [("SerialNumber", serial), ("TokenCode", code)]
        }
        let call = Call(
            action: "AssumeRole", parameters: parameters, roleARN: role.roleARN, endpoint: endpoint,
            signer: SigV4Signer(credentials: credentials, region: region ?? "us-east-1", service: "sts"),
            secrets: [credentials.secretAccessKey, credentials.sessionToken, role.mfaCode])
        return try await perform(call)
    }

    /// The role's credentials, vouched for by an identity provider's token. The request is not signed: the token
    /// is the proof.
    public func assumeRoleWithWebIdentity(_ role: WebIdentityRoleRequest, endpoint: URL) async throws(STSError)
        -> AssumedRole
    {
        try STSEndpoint.checkPartition(of: role.roleARN, at: endpoint)
        var parameters = [
            ("RoleArn", role.roleARN), ("RoleSessionName", role.sessionName),
            ("WebIdentityToken", role.webIdentityToken),
        ]
        if let duration = role.durationSeconds { parameters.append(("DurationSeconds", String(duration))) }
        let call = Call(
            action: "AssumeRoleWithWebIdentity", parameters: parameters, roleARN: role.roleARN, endpoint: endpoint,
            signer: nil, secrets: [role.webIdentityToken])
        return try await perform(call)
    }

    /// Who `credentials` belong to (signed for `region`, or for us-east-1 when nil). Any valid credentials may ask,
    /// whatever their policies, so this proves the credentials themselves and nothing more.
    public func getCallerIdentity(credentials: AWSCredentials, region: String?, endpoint: URL)
        async throws(STSError) -> CallerIdentity
    {
        let call = Call(
            action: "GetCallerIdentity", parameters: [], roleARN: nil, endpoint: endpoint,
            signer: SigV4Signer(credentials: credentials, region: region ?? "us-east-1", service: "sts"),
            secrets: [credentials.secretAccessKey, credentials.sessionToken])
        return try await perform(call) { answer throws(STSError) in
            guard let result = answer.element("GetCallerIdentityResult"), let account = result.value("Account"),
                !account.isEmpty
            else {
                throw STSError(
                    .malformedResponse, roleARN: nil,
                    detail: "STS at \(endpoint.host ?? "?") answered GetCallerIdentity without an Account")
            }
            return CallerIdentity(
                account: account, arn: result.value("Arn") ?? "", userID: result.value("UserId") ?? "")
        }
    }

    /// A session name for when the profile names none (`role_session_name`): botocore uses a timestamp too.
    public static func defaultSessionName(now: Date) -> String {
        "ecr-sessions-\(Int(now.timeIntervalSince1970))"
    }
}

// MARK: - The Query protocol

extension STSClient {
    /// One Query protocol call: what to send, and what must never show in an error.
    struct Call: AWSErrorMapping {
        var action: String
        var parameters: [(String, String)]
        /// The role to assume; nil for GetCallerIdentity.
        var roleARN: String?
        var endpoint: URL
        /// Nil for the unsigned web identity call.
        var signer: SigV4Signer?
        var secrets: [String?]

        var isWebIdentity: Bool { signer == nil }

        /// The form body: `Action`, `Version`, then the parameters, each percent-encoded as SigV4 does.
        var body: Data {
            let pairs = [("Action", action), ("Version", "2011-06-15")] + parameters
            let form = pairs.map { "\(SigV4Signer.uriEncode($0.0))=\(SigV4Signer.uriEncode($0.1))" }
            return Data(form.joined(separator: "&").utf8)
        }

        func failure(network detail: String) -> STSError {
            STSError(.network, roleARN: roleARN, detail: detail)
        }

        func failure(_ answer: AWSErrorAnswer) -> STSError {
            guard let body = answer.body else {
                let kind = answer.statusKind(
                    serverError: STSError.Kind.serverError, throttled: .throttled, unexpected: .malformedResponse)
                return STSError(kind, roleARN: roleARN, detail: answer.statusDetail)
            }
            let kind = STSClient.kind(of: body.code, status: answer.status, webIdentity: isWebIdentity)
            let detail = answer.detail(
                body, hidingMessage: kind == .invalidSignature, accessKeyID: signer?.credentials.accessKeyID)
            return STSError(kind, roleARN: roleARN, detail: detail)
        }
    }

    /// Sends the call, retrying while the failure is throttling, a 5xx or the network, and reads the credentials.
    private func perform(_ call: Call) async throws(STSError) -> AssumedRole {
        try await perform(call) { answer throws(STSError) in try assumedRole(from: answer, call) }
    }

    /// Sends the call, retrying while the failure is throttling, a 5xx or the network, and reads the answer.
    private func perform<Answer>(_ call: Call, read: (QueryXML) throws(STSError) -> Answer)
        async throws(STSError) -> Answer
    {
        let request = HTTPRequest(
            method: "POST", url: call.endpoint,
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: call.body)
        return try await service.perform(request, signer: call.signer, errors: call) {
            response throws(STSError) in try read(QueryXML(response.body))
        }
    }

    /// The error code's kind in the user's terms. The web identity call reports the provider's token expiring as
    /// `ExpiredTokenException`, which there has nothing to do with AWS credentials.
    static func kind(of code: String, status: Int, webIdentity: Bool) -> STSError.Kind {
        switch code {
        case "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature": .invalidSignature
        case "InvalidClientTokenId", "UnrecognizedClientException": .unknownAccessKey
        case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
            webIdentity ? .invalidWebIdentityToken : .expiredCredentials
        case "InvalidIdentityToken", "IDPRejectedClaim": .invalidWebIdentityToken
        case "IDPCommunicationError": .identityProviderUnreachable
        case "AccessDenied", "AccessDeniedException": .accessDenied
        case "RegionDisabledException": .regionDisabled
        case "MalformedPolicyDocument", "PackedPolicyTooLarge": .malformedPolicy
        case "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded": .throttled
        default: status >= 500 ? .serverError : .service(code: code)
        }
    }

    private func assumedRole(from answer: QueryXML, _ call: Call) throws(STSError) -> AssumedRole {
        let host = call.endpoint.host ?? "?"
        guard let result = answer.element("\(call.action)Result"), let credentials = result.element("Credentials")
        else {
            throw STSError(
                .malformedResponse, roleARN: call.roleARN,
                detail: "STS at \(host) answered \(call.action) without Credentials")
        }
        guard let keyID = credentials.value("AccessKeyId"), !keyID.isEmpty,
            let secret = credentials.value("SecretAccessKey"), !secret.isEmpty,
            let token = credentials.value("SessionToken"), !token.isEmpty,
            let expirationText = credentials.value("Expiration")
        else {
            throw STSError(
                .malformedResponse, roleARN: call.roleARN,
                detail: "STS at \(host) answered without AccessKeyId, SecretAccessKey, SessionToken or Expiration")
        }
        guard let expiration = AWSTimestamp.iso8601(expirationText) else {
            throw STSError(
                .malformedResponse, roleARN: call.roleARN,
                detail: "STS at \(host) answered with Expiration '\(expirationText.prefix(40))', not ISO 8601")
        }
        let now = service.clock.now()
        guard expiration > now else {
            throw STSError(
                .credentialsAlreadyExpired, roleARN: call.roleARN,
                detail: "they expire \(expiration.formatted(.iso8601)), now is \(now.formatted(.iso8601))")
        }
        let arn = result.element("AssumedRoleUser")?.value("Arn") ?? ""
        return AssumedRole(
            credentials: AWSCredentials(
                accessKeyID: keyID, secretAccessKey: secret, sessionToken: token, expiration: expiration),
            arn: arn)
    }
}
