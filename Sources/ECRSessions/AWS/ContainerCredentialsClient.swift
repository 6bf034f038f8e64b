public import Foundation

/// Where a container's credentials come from: ECS's `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` (EKS Pod Identity on 169.254.170.23, or any https URL or loopback one).
public enum ContainerCredentialsEndpoint {
    /// ECS's credentials host, which the relative URI is a path on.
    static let ecsHost = "http://169.254.170.2"
    /// Hosts plain http may use besides loopback addresses, as in the SDKs: ECS, and EKS Pod Identity (v4, v6).
    static let httpHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "fd00:ec2::23", "localhost"]

    /// The relative URI (ECS) when set, else the full URI; nil when neither is.
    public static func configuredURI(_ environment: Environment) -> String? {
        environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] ?? environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    }

    /// The URL to ask, checked as the SDKs check it: plain http only to the hosts above or a loopback address, so
    /// the authorization token never crosses a network in the clear.
    public static func url(_ environment: Environment) throws(MetadataCredentialsError) -> URL {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] {
            let path = relative.hasPrefix("/") ? relative : "/" + relative
            guard let url = URL(string: ecsHost + path) else {
                throw refused(ecsHost, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is not a URL path")
            }
            return url
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] else {
            throw refused(
                ecsHost,
                "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set")
        }
        guard let url = AWSEndpoint.httpURL(full), let host = url.host else {
            throw refused(full, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL")
        }
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        guard url.scheme == "https" || httpHosts.contains(bare) || isLoopback(bare) else {
            throw refused(
                MetadataHTTP.origin(url),
                "plain http is only allowed to a loopback address or the ECS and EKS credential hosts; use https")
        }
        return url
    }

    /// 127.0.0.0/8 and ::1, written as addresses (a name other than localhost could resolve anywhere).
    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    private static func refused(_ endpoint: String, _ detail: String) -> MetadataCredentialsError {
        MetadataCredentialsError(source: "container credentials", endpoint: endpoint, detail: detail)
    }
}

/// Asks a container credentials endpoint for the task's or pod's role credentials, with the authorization token
/// the environment gives (`AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, read each time as EKS rotates it, else
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`).
public struct ContainerCredentialsClient: Sendable {
    public let transport: any HTTPTransport
    public let environment: Environment
    /// The SDKs' deadline per request, and their number of tries.
    static let timeout: Duration = .seconds(2)
    static let attempts = 3

    public init(transport: any HTTPTransport, environment: Environment) {
        self.transport = transport
        self.environment = environment
    }

    public func credentials() async throws(MetadataCredentialsError) -> AWSCredentials {
        let url = try ContainerCredentialsEndpoint.url(environment)
        let failure = { (detail: String) in
            MetadataCredentialsError(
                source: "container credentials", endpoint: MetadataHTTP.origin(url), detail: detail)
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        if let token = try authorizationToken(failure) { headers.append(HTTPHeader("Authorization", token)) }
        let request = HTTPRequest(method: "GET", url: url, headers: headers)
        var last = "no answer"
        for _ in 0..<Self.attempts {
            let response: HTTPResponse
            do {
                response = try await MetadataHTTP.send(request, transport: transport, timeout: Self.timeout)
            } catch {
                last = error.description
                continue
            }
            if response.status == 200 { return try MetadataHTTP.credentials(response.body, error: failure) }
            last = "HTTP \(response.status)"
            if response.status < 500 { break }
        }
        throw failure("\(last); check the task or pod role and AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)")
    }

    private func authorizationToken(_ failure: (String) -> MetadataCredentialsError) throws(MetadataCredentialsError)
        -> String?
    {
        var token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] {
            guard let contents = (try? FileSystem.contents(atPath: path)) ?? nil else {
                throw failure("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(path) could not be read")
            }
            token = String(decoding: contents.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let token, !token.isEmpty else { return nil }
        // A header line break would let the file smuggle headers into the request.
        guard !token.contains(where: \.isNewline) else { throw failure("the authorization token holds a line break") }
        return token
    }
}
