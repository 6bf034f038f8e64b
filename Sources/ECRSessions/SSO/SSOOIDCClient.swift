public import Foundation

/// IAM Identity Center's OIDC service, for the one call unattended runs need: `CreateToken` with
/// `grant_type=refresh_token`, which renews an SSO access token the way the AWS CLI does, without a browser.
public struct SSOOIDCClient: Sendable {
    public let transport: any HTTPTransport

    public init(transport: any HTTPTransport) {
        self.transport = transport
    }

    /// What `CreateToken` gave: a new access token, how long it lives, and the refresh token to use next time (the
    /// service may rotate it; nil keeps the old one).
    public struct Renewal: Sendable {
        public var accessToken: String
        public var expiresIn: TimeInterval
        public var refreshToken: String?
    }

    /// `https://oidc.<region>.<partition's suffix>`, or `AWS_ENDPOINT_URL_SSO_OIDC` / `AWS_ENDPOINT_URL`.
    public static func endpoint(ssoRegion: String, environment: Environment) -> URL? {
        let override = AWSEndpoint.override(
            variable: "AWS_ENDPOINT_URL_SSO_OIDC", environment: environment, profileServiceEndpoint: nil,
            profileEndpoint: nil)
        return AWSEndpoint.httpURL(override ?? "https://" + Partition.endpointHost("oidc", region: ssoRegion))
    }

    /// Renews with the client registration and refresh token `aws sso login` cached. The error's detail says
    /// what the service answered, never a token or the client secret.
    public func renew(clientID: String, clientSecret: String, refreshToken: String, endpoint: URL)
        async throws(SSOError) -> Renewal
    {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let fields = ["clientId": clientID, "clientSecret": clientSecret, "grantType": "refresh_token",
                      "refreshToken": refreshToken]
        guard let url = URL(string: base + "/token"), let body = try? JSONSerialization.data(withJSONObject: fields)
        else { throw SSOError(.invalidEndpoint, profile: nil, detail: "cannot build a URL from '\(base)'") }
        let request = HTTPRequest(
            method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")], body: body)
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw SSOError(.network, profile: nil, detail: "renewing the SSO token: \(error)")
        }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        guard response.status == 200 else {
            let code = (object?["error"] as? String) ?? (object?["__type"] as? String) ?? "HTTP \(response.status)"
            throw SSOError(.loginExpired, profile: nil, detail: "renewing the SSO token failed: \(code.prefix(80))")
        }
        guard let accessToken = object?["accessToken"] as? String, !accessToken.isEmpty,
            let expiresIn = (object?["expiresIn"] as? NSNumber)?.doubleValue
        else {
            throw SSOError(.malformedResponse, profile: nil, detail: "CreateToken answered without accessToken")
        }
        return Renewal(
            accessToken: accessToken, expiresIn: expiresIn,
            refreshToken: (object?["refreshToken"] as? String).flatMap { $0.isEmpty ? nil : $0 })
    }
}
