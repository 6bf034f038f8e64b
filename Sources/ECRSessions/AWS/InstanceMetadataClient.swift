public import Foundation

/// The EC2 instance metadata service, IMDSv2 as the SDKs use it: a session token from `PUT /latest/api/token`, then
/// the instance profile's credentials and the instance's region. Unsigned HTTP with a short deadline, so a machine
/// that is not on EC2 finds out in about a second.
public struct InstanceMetadataClient: Sendable {
    public let transport: any HTTPTransport
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`, else IPv4 or (with `..._ENDPOINT_MODE=IPv6`) IPv6 link-local.
    public let endpoint: URL
    /// `AWS_METADATA_SERVICE_TIMEOUT` seconds (1 by default), per request.
    public let timeout: Duration
    /// `AWS_METADATA_SERVICE_NUM_ATTEMPTS` (1 by default).
    public let attempts: Int

    /// How long the session token asked for lives, in seconds (the SDKs' six hours).
    static let tokenTTL = 21600

    public init(transport: any HTTPTransport, environment: Environment) throws(MetadataCredentialsError) {
        self.transport = transport
        let ipv6 = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"]?.lowercased() == "ipv6"
        let text = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
            ?? (ipv6 ? "http://[fd00:ec2::254]" : "http://169.254.169.254")
        guard let url = AWSEndpoint.httpURL(text) else {
            throw MetadataCredentialsError(
                source: "instance metadata", endpoint: text,
                detail: "not an http(s) URL; fix AWS_EC2_METADATA_SERVICE_ENDPOINT")
        }
        endpoint = url
        let seconds = environment["AWS_METADATA_SERVICE_TIMEOUT"].flatMap(Double.init) ?? 1
        timeout = .milliseconds(Int(max(0.1, seconds) * 1000))
        attempts = max(1, environment["AWS_METADATA_SERVICE_NUM_ATTEMPTS"].flatMap { Int($0) } ?? 1)
    }

    /// The instance profile's role credentials.
    public func credentials() async throws(MetadataCredentialsError) -> AWSCredentials {
        let token = try await sessionToken()
        let roles = try await get("latest/meta-data/iam/security-credentials/", token: token)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw failure("the instance has no instance profile (no role under iam/security-credentials/)")
        }
        let body = try await get("latest/meta-data/iam/security-credentials/" + role, token: token)
        return try MetadataHTTP.credentials(Data(body.utf8), error: failure)
    }

    /// The instance's region, from `placement/region`.
    public func region() async throws(MetadataCredentialsError) -> String {
        let token = try await sessionToken()
        let region = try await get("latest/meta-data/placement/region", token: token)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !region.isEmpty else { throw failure("placement/region is empty") }
        return region
    }

    /// An IMDSv2 token; nil where the service only speaks IMDSv1 (it refuses the PUT with 403, 404 or 405).
    private func sessionToken() async throws(MetadataCredentialsError) -> String? {
        let response = try await send(
            "PUT", "latest/api/token", headers: [HTTPHeader("X-aws-ec2-metadata-token-ttl-seconds", "\(Self.tokenTTL)")])
        if [403, 404, 405].contains(response.status) { return nil }
        guard response.status == 200, !response.body.isEmpty else {
            throw failure("the token request answered HTTP \(response.status)")
        }
        return String(decoding: response.body, as: UTF8.self)
    }

    private func get(_ path: String, token: String?) async throws(MetadataCredentialsError) -> String {
        let response = try await send(
            "GET", path, headers: token.map { [HTTPHeader("X-aws-ec2-metadata-token", $0)] } ?? [])
        guard response.status == 200 else { throw failure("GET /\(path) answered HTTP \(response.status)") }
        return String(decoding: response.body, as: UTF8.self)
    }

    private func send(_ method: String, _ path: String, headers: [HTTPHeader]) async throws(MetadataCredentialsError)
        -> HTTPResponse
    {
        var base = endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let request = HTTPRequest(method: method, url: URL(string: base + "/" + path) ?? endpoint, headers: headers)
        var lastError: HTTPError?
        for _ in 0..<attempts {
            do {
                let response = try await MetadataHTTP.send(request, transport: transport, timeout: timeout)
                if response.status < 500 { return response }
                lastError = HTTPError(kind: .other, host: endpoint.host ?? "?", detail: "HTTP \(response.status)")
            } catch {
                lastError = error
            }
        }
        throw failure(
            "no answer (\(lastError?.description ?? "unknown")); is this an EC2 instance? "
                + "Set AWS_EC2_METADATA_DISABLED=true where it is not")
    }

    private func failure(_ detail: String) -> MetadataCredentialsError {
        MetadataCredentialsError(source: "instance metadata", endpoint: MetadataHTTP.origin(endpoint), detail: detail)
    }
}
