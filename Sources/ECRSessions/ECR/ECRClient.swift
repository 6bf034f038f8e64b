public import Foundation

/// One registry's login as GetAuthorizationToken returns it.
public struct AuthorizationData: Sendable, Equatable {
    public var token: AuthorizationToken
    public var expiresAt: Date
    /// `https://<account>.dkr.ecr.<region>.amazonaws.com`, or `https://public.ecr.aws` for ECR Public.
    public var proxyEndpoint: String

    public init(token: AuthorizationToken, expiresAt: Date, proxyEndpoint: String) {
        self.token = token
        self.expiresAt = expiresAt
        self.proxyEndpoint = proxyEndpoint
    }

    /// The registry host, as docker's `auths` keys and `docker login` name it.
    public var registryHost: String {
        var host = Substring(proxyEndpoint)
        if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
        while host.hasSuffix("/") { host = host.dropLast() }
        return String(host)
    }

    /// The account ID the registry host starts with, when it is a private ECR registry.
    public var accountID: String? {
        let first = registryHost.prefix { $0 != "." }
        return first.count == 12 && first.allSatisfy(\.isNumber) ? String(first) : nil
    }
}

/// Calls ECR's (and ECR Public's) GetAuthorizationToken, signed with SigV4, retrying throttling and server errors.
public struct ECRClient: Sendable {
    public let transport: any HTTPTransport
    public let clock: any WallClock
    public let retry: RetryPolicy

    public init(transport: any HTTPTransport, clock: any WallClock, retry: RetryPolicy = RetryPolicy()) {
        self.transport = transport
        self.clock = clock
        self.retry = retry
    }

    /// Tokens for private ECR in `region`: one for the caller's own registry, or one per `registryIDs` entry.
    public func authorizationTokens(
        credentials: AWSCredentials, region: String, endpoint: URL, registryIDs: [String] = []
    ) async throws(ECRError) -> [AuthorizationData] {
        var body: [String: Any] = [:]
        if !registryIDs.isEmpty { body["registryIds"] = registryIDs }
        let answer = try await call(
            target: "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", body: body,
            credentials: credentials, region: region, service: "ecr", endpoint: endpoint)
        guard let list = answer["authorizationData"] as? [[String: Any]], !list.isEmpty else {
            throw ECRError(.malformedResponse, detail: "ECR at \(endpoint.host ?? "?") returned no authorizationData")
        }
        var tokens: [AuthorizationData] = []
        for entry in list {
            tokens.append(try authorizationData(entry, defaultEndpoint: nil, from: endpoint))
        }
        return tokens
    }

    /// The token for ECR Public (`public.ecr.aws`), which is always signed for us-east-1.
    public func publicAuthorizationToken(credentials: AWSCredentials, endpoint: URL) async throws(ECRError)
        -> AuthorizationData
    {
        let answer = try await call(
            target: "SpencerFrontendService.GetAuthorizationToken", body: [:], credentials: credentials,
            region: "us-east-1", service: "ecr-public", endpoint: endpoint)
        guard let entry = answer["authorizationData"] as? [String: Any] else {
            throw ECRError(.malformedResponse, detail: "ECR Public returned no authorizationData")
        }
        return try authorizationData(entry, defaultEndpoint: "https://public.ecr.aws", from: endpoint)
    }

    private func authorizationData(_ entry: [String: Any], defaultEndpoint: String?, from endpoint: URL)
        throws(ECRError) -> AuthorizationData
    {
        let host = endpoint.host ?? "?"
        guard let token = entry["authorizationToken"] as? String, !token.isEmpty,
            let expiresAt = (entry["expiresAt"] as? NSNumber)?.doubleValue,
            let proxyEndpoint = entry["proxyEndpoint"] as? String ?? defaultEndpoint
        else {
            throw ECRError(
                .malformedResponse,
                detail:
                    "ECR at \(host) returned authorizationData without authorizationToken, expiresAt or proxyEndpoint")
        }
        let data = AuthorizationData(
            token: AuthorizationToken(encoded: token), expiresAt: Date(timeIntervalSince1970: expiresAt),
            proxyEndpoint: proxyEndpoint)
        guard data.token.credentials != nil else {
            throw ECRError(
                .malformedResponse, detail: "ECR at \(host) returned a token that is not base64 of user:password")
        }
        let now = clock.now()
        guard data.expiresAt > now else {
            throw ECRError(
                .tokenAlreadyExpired,
                detail:
                    "\(data.registryHost): expires \(data.expiresAt.formatted(.iso8601)), now is \(now.formatted(.iso8601))"
            )
        }
        return data
    }

    /// One JSON 1.1 call, retried while the failure is throttling, a 5xx or the network.
    private func call(
        target: String, body: [String: Any], credentials: AWSCredentials, region: String, service: String,
        endpoint: URL
    ) async throws(ECRError) -> [String: Any] {
        let payload = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        let request = HTTPRequest(
            method: "POST", url: endpoint,
            headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.1"), HTTPHeader("X-Amz-Target", target)],
            body: payload)
        return try await retry.run(isRetryable: \ECRError.isRetryable) { () async throws(ECRError) in
            try await send(signer.sign(request, date: clock.now()), credentials: credentials)
        }
    }

    private func send(_ request: HTTPRequest, credentials: AWSCredentials) async throws(ECRError) -> [String: Any] {
        let host = request.url.host ?? "?"
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw ECRError(.network, detail: error.description)
        }
        if (200..<300).contains(response.status) {
            guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] else {
                throw ECRError(
                    .malformedResponse,
                    detail: "ECR at \(host) answered HTTP \(response.status) with a body that is not a JSON object")
            }
            return object
        }
        guard let error = AWSErrorBody(status: response.status, body: response.body) else {
            let kind: ECRError.Kind =
                response.status >= 500 ? .serverError : response.status == 429 ? .throttled : .malformedResponse
            throw ECRError(kind, detail: "HTTP \(response.status) from \(host)")
        }
        let message = redacting([credentials.secretAccessKey, credentials.sessionToken], in: error.message)
        let kind = error.kind(status: response.status)
        // A signature error's message quotes the canonical request; the code alone says what the user must know.
        let detail =
            kind == .invalidSignature || message.isEmpty
            ? "\(error.code) from \(host), key \(credentials.accessKeyID)"
            : "\(error.code) from \(host): \(message.prefix(300))"
        throw ECRError(kind, detail: detail)
    }
}
