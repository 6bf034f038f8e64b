public import Foundation

/// Why the kubelet's credential provider could not answer. The text never holds a token or password.
public enum KubeletCredentialProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// stdin was not a `CredentialProviderRequest` the protocol describes.
    case malformedRequest(String)
    /// A protocol version this build does not speak.
    case unsupportedAPIVersion(String)
    /// ecr-sessions has no login for the image's registry (nor a profile mapped to it).
    case notManaged(host: String)
    /// The login exists but no valid token could be had.
    case noToken(host: String, reason: String)

    public var description: String {
        switch self {
        case .malformedRequest(let reason):
            "the kubelet's request on stdin is not a CredentialProviderRequest: \(reason)"
        case .unsupportedAPIVersion(let version):
            "apiVersion \(version) is not supported; use one of "
                + Actions.KubeletCredentialProvider.apiVersions.joined(separator: ", ")
        case .notManaged(let host):
            "ecr-sessions has no login for \(host): add an account for it to the config file, or run "
                + "`ecr-sessions accounts login` for the account that owns it"
        case .noToken(let host, let reason):
            "no valid token for \(host): \(reason)"
        }
    }
}

/// The kubelet's answer: which registry the password is for and how long the kubelet may keep it.
public struct KubeletCredentialProviderResponse: Sendable, Equatable, CustomStringConvertible {
    public var apiVersion: String
    /// The registry host the credentials are keyed by (the kubelet matches images against it).
    public var host: String
    public var username: String
    public var password: String
    /// How long the kubelet may reuse the answer: never past the moment ecr-sessions would renew the token.
    public var cacheDuration: Duration

    /// The `CredentialProviderResponse` as the kubelet reads it on stdout: compact JSON, `cacheKeyType: Registry`.
    public var json: String {
        let auth =
            "{\(JSONText.quoted(host)):{\"username\":\(JSONText.quoted(username)),"
            + "\"password\":\(JSONText.quoted(password))}}"
        return "{\"kind\":\"CredentialProviderResponse\",\"apiVersion\":\(JSONText.quoted(apiVersion)),"
            + "\"cacheKeyType\":\"Registry\",\"cacheDuration\":\(JSONText.quoted(cacheDuration.goText)),"
            + "\"auth\":\(auth)}"
    }

    /// Never the password.
    public var description: String { "\(username) at \(host) for \(cacheDuration.goText)" }
}

extension Actions {
    /// The kubelet's image credential provider exec plugin (`credentialprovider.kubelet.k8s.io/v1` and `v1beta1`):
    /// one request on stdin, one response on stdout, over the docker credential helper's `get`, so the kubelet is
    /// answered from the cache while the token is fresh and from a new fetch otherwise, never with an expired token.
    public struct KubeletCredentialProvider: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// The protocol versions answered, newest first.
        public static let apiVersions = [
            "credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1beta1",
        ]

        /// The response to the `CredentialProviderRequest` in `request`.
        public func answer(_ request: Data) async throws(KubeletCredentialProviderError)
            -> KubeletCredentialProviderResponse
        {
            let (apiVersion, image) = try Self.parse(request)
            let host = Self.registryHost(ofImage: image)
            let credentials: HelperCredentials?
            do {
                credentials = try await CredentialHelper(context).get(host)
            } catch {
                throw .noToken(host: host, reason: "\(error)")
            }
            guard let credentials else { throw .notManaged(host: host) }
            return KubeletCredentialProviderResponse(
                apiVersion: apiVersion, host: host, username: credentials.username, password: credentials.secret,
                cacheDuration: cacheDuration(host: host, password: credentials.secret))
        }

        /// How long the kubelet may keep the password: until the token is due for renewal (its remaining life less
        /// the refresh window), zero when that has passed or the token is not ours to date (a user/password login).
        func cacheDuration(host: String, password: String) -> Duration {
            guard
                let logins = try? context.cache().logins(),
                let login = logins.filter({ $0.registry == host && $0.token.credentials?.password == password })
                    .max(by: { $0.expiresAt < $1.expiresAt }),
                let settings = try? context.settings()
            else { return .zero }
            let renewal = RefreshPolicy(refreshBefore: settings.refreshBefore).renewalTime(for: login)
            let seconds = renewal.timeIntervalSince(context.clock.now())
            return seconds > 0 ? .seconds(Int(seconds)) : .zero
        }

        /// The API version and image of a `CredentialProviderRequest`.
        static func parse(_ request: Data) throws(KubeletCredentialProviderError) -> (apiVersion: String, image: String)
        {
            guard let object = try? JSONSerialization.jsonObject(with: request) as? [String: Any] else {
                throw .malformedRequest("it is not a JSON object")
            }
            guard let apiVersion = object["apiVersion"] as? String else {
                throw .malformedRequest("it has no apiVersion")
            }
            guard apiVersions.contains(apiVersion) else { throw .unsupportedAPIVersion(apiVersion) }
            guard object["kind"] as? String == "CredentialProviderRequest" else {
                throw .malformedRequest("its kind is not CredentialProviderRequest")
            }
            guard let image = object["image"] as? String, !image.isEmpty else {
                throw .malformedRequest("it names no image")
            }
            return (apiVersion, image)
        }

        /// The registry host of an image reference as the kubelet passes it (`HOST[:PORT]/REPO[:TAG|@DIGEST]`,
        /// possibly with a scheme): everything before the first `/`.
        static func registryHost(ofImage image: String) -> String {
            RegistryHost.of(image).lowercased()
        }
    }
}

extension Duration {
    /// Go's `time.Duration` text, as `metav1.Duration` writes it: `9h0m0s`, `5m30s`, `0s`.
    var goText: String {
        let total = max(components.seconds, 0)
        let (hours, minutes, seconds) = (total / 3_600, total % 3_600 / 60, total % 60)
        if hours > 0 { return "\(hours)h\(minutes)m\(seconds)s" }
        if minutes > 0 { return "\(minutes)m\(seconds)s" }
        return "\(seconds)s"
    }
}
