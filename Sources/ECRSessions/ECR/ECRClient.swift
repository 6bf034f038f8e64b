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

/// Calls ECR's (and ECR Public's) GetAuthorizationToken over the JSON 1.1 protocol, on the AWS client shell.
public struct ECRClient: Sendable {
    let service: AWSServiceClient

    public var transport: any HTTPTransport { service.transport }
    public var clock: any WallClock { service.clock }
    public var retry: RetryPolicy { service.retry }

    public init(transport: any HTTPTransport, clock: any WallClock, retry: RetryPolicy = RetryPolicy()) {
        service = AWSServiceClient(transport: transport, clock: clock, retry: retry)
    }

    /// Tokens for private ECR in `region`: one for the caller's own registry, or one per `registryIDs` entry.
    public func authorizationTokens(
        credentials: AWSCredentials, region: String, endpoint: URL, registryIDs: [String] = []
    ) async throws(ECRError) -> [AuthorizationData] {
        var body: [UInt8] = Array(#"{"#.utf8)
        if !registryIDs.isEmpty {
            body += #""registryIds":"#.utf8
            JSONText.appendArray(of: registryIDs, to: &body)
        }
        body.append(UInt8(ascii: "}"))
        let answer = try await call(
            target: "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken", body: Data(body),
            credentials: credentials, region: region, signingName: "ecr", endpoint: endpoint)
        guard case .array(let list)? = answer["authorizationData"], !list.isEmpty,
            case let entries = list.compactMap(\.objectValue), entries.count == list.count
        else {
            throw ECRError(.malformedResponse, detail: "ECR at \(endpoint.host ?? "?") returned no authorizationData")
        }
        var tokens: [AuthorizationData] = []
        for entry in entries {
            tokens.append(try authorizationData(entry, service: .privateECR(region: region), from: endpoint))
        }
        return tokens
    }

    /// The token for ECR Public (`public.ecr.aws`), which is always signed for us-east-1.
    public func publicAuthorizationToken(credentials: AWSCredentials, endpoint: URL) async throws(ECRError)
        -> AuthorizationData
    {
        let answer = try await call(
            target: "SpencerFrontendService.GetAuthorizationToken", body: Data("{}".utf8), credentials: credentials,
            region: "us-east-1", signingName: "ecr-public", endpoint: endpoint)
        guard let entry = answer["authorizationData"]?.objectValue else {
            throw ECRError(.malformedResponse, detail: "ECR Public returned no authorizationData")
        }
        return try authorizationData(entry, service: .publicECR, from: endpoint)
    }

    /// One entry of an answer, checked before anything of it is used: its registry (`RegistryEndpoint`), a token
    /// of user `AWS`, and an expiry after now and at most `RegistryLogin.longestLifetime` away.
    /// ECR Public's answer names no `proxyEndpoint`: its one registry is implied.
    private func authorizationData(
        _ entry: [String: JSONValue], service: RegistryEndpoint.Service, from endpoint: URL
    )
        throws(ECRError) -> AuthorizationData
    {
        let host = endpoint.host ?? "?"
        let defaultEndpoint = service == .publicECR ? "https://public.ecr.aws" : nil
        guard let token = entry["authorizationToken"]?.stringValue, !token.isEmpty, entry["expiresAt"] != nil,
            let proxyEndpoint = entry["proxyEndpoint"]?.stringValue ?? defaultEndpoint
        else {
            throw ECRError(
                .malformedResponse,
                detail:
                    "ECR at \(host) returned authorizationData without authorizationToken, expiresAt or proxyEndpoint")
        }
        let registry = try RegistryEndpoint.host(of: proxyEndpoint, service: service, api: endpoint)
        guard let expiresAt = AWSTimestamp.epochSeconds(entry["expiresAt"]) else {
            let value = RegistryEndpoint.quoted(entry["expiresAt"].map(Self.text) ?? "")
            throw ECRError(
                .implausibleExpiry,
                detail: "ECR at \(host) returned expiresAt \(value) for \(registry), which is not a time")
        }
        let data = AuthorizationData(
            token: AuthorizationToken(encoded: token), expiresAt: expiresAt, proxyEndpoint: proxyEndpoint)
        guard let credentials = data.token.credentials else {
            throw ECRError(
                .malformedResponse, detail: "ECR at \(host) returned a token that is not base64 of user:password")
        }
        guard credentials.username == "AWS" else {
            throw ECRError(
                .malformedResponse,
                detail:
                    "ECR at \(host) returned a token for \(registry) whose user is not AWS, as every ECR token's is; "
                    + "it was not used")
        }
        let now = clock.now()
        guard data.expiresAt > now else {
            throw ECRError(
                .tokenAlreadyExpired,
                detail: "\(registry): expires \(data.expiresAt.formatted(.iso8601)), now is \(now.formatted(.iso8601))")
        }
        guard data.expiresAt.timeIntervalSince(now) <= RegistryLogin.longestLifetime else {
            throw ECRError(
                .implausibleExpiry,
                detail:
                    "ECR at \(host) returned a token for \(registry) that expires "
                    + "\(data.expiresAt.formatted(.iso8601)), more than \(Int(RegistryLogin.longestLifetime / 86_400)) "
                    + "days from now (\(now.formatted(.iso8601)))"
            )
        }
        return data
    }

    /// An answer's value as an error quotes it: a string's text, anything else as JSON.
    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text), .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        case .array, .object: value.rendered.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    /// One JSON 1.1 call, retried while the failure is throttling, a 5xx or the network. The answer is read by
    /// `JSONValue`, not JSONSerialization, whose `Any` values and the casts out of them were a tenth of a login's
    /// CPU in a sweep.
    private func call(
        target: String, body payload: Data, credentials: AWSCredentials, region: String, signingName: String,
        endpoint: URL
    ) async throws(ECRError) -> [String: JSONValue] {
        let request = HTTPRequest(
            method: "POST", url: endpoint,
            headers: [HTTPHeader("Content-Type", "application/x-amz-json-1.1"), HTTPHeader("X-Amz-Target", target)],
            body: payload)
        return try await service.perform(
            request, signer: SigV4Signer(credentials: credentials, region: region, service: signingName),
            errors: ECRErrorMapping(credentials: credentials)
        ) { response throws(ECRError) in
            // An empty body is no answer, although `JSONValue` reads it as `{}`, as docker reads an empty file.
            guard response.body.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }),
                let object = (try? JSONValue.parse(response.body))?.objectValue
            else {
                throw ECRError(
                    .malformedResponse,
                    detail: "ECR at \(endpoint.host ?? "?") answered HTTP \(response.status) with a body that is not a "
                        + "JSON object")
            }
            return object
        }
    }
}
