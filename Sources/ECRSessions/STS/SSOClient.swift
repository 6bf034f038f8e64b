internal import CCrypto
public import Foundation

/// An IAM Identity Center (SSO) access token, as `aws sso login` leaves it in `~/.aws/sso/cache/`.
///
/// Its `description` never shows the token.
public struct SSOToken: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var accessToken: String
    public var expiresAt: Date

    public init(accessToken: String, expiresAt: Date) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }

    public var description: String {
        "SSOToken(accessToken: <redacted>, expiresAt: \(expiresAt.formatted(.iso8601)))"
    }

    /// Shows the same fields as `description`, so `dump` and debuggers do not reveal the token either.
    public var customMirror: Mirror {
        Mirror(self, children: ["expiresAt": expiresAt], displayStyle: .struct)
    }
}

/// The AWS CLI's SSO token cache: one JSON file per SSO session (or, for legacy profiles, per start URL).
public enum SSOTokenCache {
    /// The cache file for `key`, the profile's `sso_session` name or, for a legacy profile, its `sso_start_url`:
    /// `~/.aws/sso/cache/<SHA-1 of key in hex>.json`.
    public static func path(key: String, environment: Environment) -> String {
        environment.homeDirectory + "/.aws/sso/cache/" + sha1Hex(key) + ".json"
    }

    /// The token `aws sso login` cached for `key`, if it is still valid at `now`. `profile` is for the error text,
    /// which tells the user to log in again.
    public static func token(key: String, profile: String, environment: Environment, now: Date) throws(SSOError)
        -> SSOToken
    {
        let path = path(key: key, environment: environment)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SSOError(.notLoggedIn, profile: profile, detail: "no cached token at \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let accessToken = object["accessToken"] as? String, !accessToken.isEmpty,
            let expiresText = object["expiresAt"] as? String
        else {
            throw SSOError(.notLoggedIn, profile: profile, detail: "\(path) holds no accessToken and expiresAt")
        }
        // Older AWS CLI versions wrote `2021-03-05T23:59:59UTC`.
        let normalized = expiresText.hasSuffix("UTC") ? expiresText.dropLast(3) + "Z" : expiresText
        guard let expiresAt = parseAWSTimestamp(normalized) else {
            throw SSOError(
                .notLoggedIn, profile: profile, detail: "\(path) has expiresAt '\(expiresText.prefix(40))'")
        }
        guard expiresAt > now else {
            throw SSOError(
                .loginExpired, profile: profile, detail: "the SSO token expired \(expiresAt.formatted(.iso8601))")
        }
        return SSOToken(accessToken: accessToken, expiresAt: expiresAt)
    }

    /// SHA-1 in lowercase hex: only a file name here, as the AWS CLI chose it, not a security measure.
    static func sha1Hex(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: 20)
        let bytes = Array(text.utf8)
        let status = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { ecr_sha1(input.baseAddress, input.count, $0.baseAddress) }
        }
        precondition(status == 1, "libcrypto SHA-1 failed")
        return digest.lowercaseHex
    }
}

/// Where the SSO portal (the `GetRoleCredentials` API) lives.
public enum SSOEndpoint {
    /// The portal in `ssoRegion` (the profile's `sso_region`). Overrides in the SDKs' order (the same as
    /// `ResolvedProfile.endpointURL`): `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, the profile's `services` entry for
    /// sso, the profile's `endpoint_url`.
    public static func url(
        ssoRegion: String, environment: Environment, profileServiceEndpoint: String? = nil,
        profileEndpoint: String? = nil
    ) throws(SSOError) -> URL {
        let override =
            environment["AWS_ENDPOINT_URL_SSO"] ?? environment["AWS_ENDPOINT_URL"] ?? profileServiceEndpoint
            ?? profileEndpoint
        let text = override ?? "https://portal.sso.\(ssoRegion).\(ECREndpoint.dnsSuffix(region: ssoRegion))"
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw SSOError(
                .invalidEndpoint, profile: nil, detail: "'\(text)' is not an http(s) URL; fix the SSO endpoint setting")
        }
        return url
    }
}

/// Gets a role's credentials from the SSO portal with a cached SSO access token. The request is not signed: the
/// bearer token is the proof.
public struct SSOClient: Sendable {
    public let transport: any HTTPTransport
    public let clock: any WallClock
    public let retry: RetryPolicy

    public init(transport: any HTTPTransport, clock: any WallClock, retry: RetryPolicy = RetryPolicy()) {
        self.transport = transport
        self.clock = clock
        self.retry = retry
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
        let role = "role \(roleName) in account \(accountID)"
        return try await retry.run(isRetryable: \SSOError.isRetryable) { () async throws(SSOError) in
            try credentials(
                from: try await send(request, role: role, token: token, profile: profile), role: role, profile: profile)
        }
    }

    private func send(_ request: HTTPRequest, role: String, token: SSOToken, profile: String) async throws(SSOError)
        -> Data
    {
        let host = request.url.host ?? "?"
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw SSOError(.network, profile: profile, detail: error.description)
        }
        if (200..<300).contains(response.status) { return response.body }
        let body = AWSErrorBody(status: response.status, body: response.body)
        let typeHeader = response.headers.first { $0.name.lowercased() == "x-amzn-errortype" }?.value
        let code = body?.code ?? typeHeader?.split(separator: ":").first.map(String.init)
        let message = redacting([token.accessToken], in: body?.message ?? "")
        let said = [code, message.isEmpty ? nil : String(message.prefix(300))].compactMap { $0 }.joined(separator: ": ")
        let detail = "HTTP \(response.status) from \(host) for \(role)" + (said.isEmpty ? "" : " (\(said))")
        let kind: SSOError.Kind
        switch response.status {
        case 401: kind = .loginExpired
        case 403: kind = .roleNotAllowed
        case 429: kind = .throttled
        case 500...: kind = .serverError
        default:
            kind = code == "TooManyRequestsException" ? .throttled : .service(code: code ?? "HTTP \(response.status)")
        }
        throw SSOError(kind, profile: profile, detail: detail)
    }

    private func credentials(from body: Data, role: String, profile: String) throws(SSOError) -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let credentials = object["roleCredentials"] as? [String: Any],
            let keyID = credentials["accessKeyId"] as? String, !keyID.isEmpty,
            let secret = credentials["secretAccessKey"] as? String, !secret.isEmpty,
            let milliseconds = (credentials["expiration"] as? NSNumber)?.doubleValue
        else {
            throw SSOError(
                .malformedResponse, profile: profile,
                detail: "the SSO portal answered for \(role) without roleCredentials, accessKeyId, "
                    + "secretAccessKey or expiration")
        }
        let expiration = Date(timeIntervalSince1970: milliseconds / 1000)
        let now = clock.now()
        guard expiration > now else {
            throw SSOError(
                .credentialsAlreadyExpired, profile: profile,
                detail: "they expire \(expiration.formatted(.iso8601)), now is \(now.formatted(.iso8601))")
        }
        let token = (credentials["sessionToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }
}

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
