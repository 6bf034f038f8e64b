public import Foundation

/// Gets a role's credentials from the SSO portal with a cached SSO access token, on the AWS client shell. The
/// request is not signed: the bearer token is the proof.
public struct SSOClient: Sendable {
    let service: AWSServiceClient

    public init(transport: any HTTPTransport, clock: any WallClock, retry: RetryPolicy = RetryPolicy()) {
        service = AWSServiceClient(transport: transport, clock: clock, retry: retry)
    }

    /// The credentials of `roleName` (`sso_role_name`) in `accountID` (`sso_account_id`). `profile` is for error
    /// texts.
    public func roleCredentials(
        accountID: String, roleName: String, token: SSOToken, endpoint: URL, profile: String
    ) async throws(SSOError) -> AWSCredentials {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let query = "account_id=\(SigV4Signer.uriEncode(accountID))&role_name=\(SigV4Signer.uriEncode(roleName))"
        guard let url = URL(string: "\(base)/federation/credentials?\(query)") else {
            throw SSOError(.invalidEndpoint, profile: profile, detail: "cannot build a URL from '\(base)'")
        }
        let request = HTTPRequest(
            method: "GET", url: url, headers: [HTTPHeader("x-amz-sso_bearer_token", token.accessToken)])
        let call = GetRoleCredentials(role: "role \(roleName) in account \(accountID)", token: token, profile: profile)
        return try await service.perform(request, signer: nil, errors: call) { response throws(SSOError) in
            try credentials(from: response.body, call)
        }
    }

    private func credentials(from body: Data, _ call: GetRoleCredentials) throws(SSOError) -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let credentials = object["roleCredentials"] as? [String: Any],
            let keyID = credentials["accessKeyId"] as? String, !keyID.isEmpty,
            let secret = credentials["secretAccessKey"] as? String, !secret.isEmpty,
            let expiration = AWSTimestamp.epochMilliseconds(credentials["expiration"])
        else {
            throw SSOError(
                .malformedResponse, profile: call.profile,
                detail: "the SSO portal answered for \(call.role) without roleCredentials, accessKeyId, "
                    + "secretAccessKey or expiration")
        }
        let now = service.clock.now()
        guard expiration > now else {
            throw SSOError(
                .credentialsAlreadyExpired, profile: call.profile,
                detail: "they expire \(expiration.formatted(.iso8601)), now is \(now.formatted(.iso8601))")
        }
        let token = (credentials["sessionToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

extension SSOClient {
    /// One GetRoleCredentials call: whose role, and how the portal's refusals read.
    struct GetRoleCredentials: AWSErrorMapping {
        /// `role <name> in account <id>`, for error texts.
        var role: String
        var token: SSOToken
        var profile: String

        var secrets: [String?] { [token.accessToken] }

        func failure(network detail: String) -> SSOError {
            SSOError(.network, profile: profile, detail: detail)
        }

        /// The portal's status says more than its code: 401 means the SSO login is over, 403 the role is not allowed.
        func failure(_ answer: AWSErrorAnswer) -> SSOError {
            let code = answer.body?.code ?? answer.typeHeader
            let message = answer.body?.message ?? ""
            let said = [code, message.isEmpty ? nil : String(message.prefix(300))].compactMap { $0 }
                .joined(separator: ": ")
            let detail = answer.statusDetail + " for \(role)" + (said.isEmpty ? "" : " (\(said))")
            let kind: SSOError.Kind
            switch answer.status {
            case 401: kind = .loginExpired
            case 403: kind = .roleNotAllowed
            case 429: kind = .throttled
            case 500...: kind = .serverError
            default:
                kind =
                    code == "TooManyRequestsException" ? .throttled : .service(code: code ?? "HTTP \(answer.status)")
            }
            return SSOError(kind, profile: profile, detail: detail)
        }
    }
}
