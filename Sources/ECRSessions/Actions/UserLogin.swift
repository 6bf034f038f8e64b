import Foundation

/// What a user/password login did.
public struct UserLoginReport: Sendable, Equatable {
    /// The `auths` key written, e.g. `https://index.docker.io/v1/` for Docker Hub.
    public var serverURL: String
    /// What was changed or found about credential helpers in the targets written.
    public var notices: [String]
    /// Targets that could not be written, with the reason (each is left as it was).
    public var targetErrors: [TargetError]
}

extension Actions {
    /// `login --username U --password-stdin HOST`: a user/password registry (Docker Hub, ghcr.io, a private one),
    /// written into the `[settings]` targets like an ECR login and remembered as user-managed: never refreshed,
    /// answered by the credential helper, removed by `logout HOST`.
    public struct UserLogin: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        public func run(registry: String, username: String, password: String) throws -> UserLoginReport {
            let settings = try context.settings()
            let (host, serverURL) = RegistryHost.userLoginKeys(registry)
            let login = ECRSessions.UserLogin(
                host: host, serverURL: serverURL, username: username, secret: password, savedAt: context.clock.now())
            try context.cache().save(login)
            let written = TargetWriter(context: context, settings: settings).write([
                PendingEntry(
                    entry: TargetEntry(host: serverURL, token: login.token, owner: nil), targets: settings.targets)
            ])
            return UserLoginReport(serverURL: serverURL, notices: written.notices, targetErrors: written.errors)
        }
    }
}

/// The registry refused the user name and password, or could not be asked.
public struct RegistryCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// 401 (or 403) from `/v2/` or its token service.
        case wrongCredentials
        /// An answer that is neither yes nor no.
        case unexpectedAnswer(status: Int)
        /// No HTTP answer at all.
        case unreachable(HTTPError)
    }

    public var kind: Kind
    public var registry: String

    public var description: String {
        switch kind {
        case .wrongCredentials:
            "\(registry) refused the login: wrong user name or password (or token); nothing was written"
        case .unexpectedAnswer(let status):
            "\(registry) answered HTTP \(status) to the login check; nothing was written (--no-verify skips the check)"
        case .unreachable(let error):
            "could not check the login with \(registry): \(error); nothing was written (--no-verify skips the check)"
        }
    }
}

extension Actions.UserLogin {
    /// Checks `username` and `password` with the registry before anything is written, as `docker login` does:
    /// `GET https://HOST/v2/` with Basic auth; a registry that answers 401 with a Bearer challenge is asked for a
    /// token at its realm with the same Basic auth (Docker Hub, ghcr.io, Harbor).
    public func verify(registry: String, username: String, password: String)
        async throws(RegistryCredentialsError)
    {
        let (host, _) = RegistryHost.userLoginKeys(registry)
        // Docker Hub's API lives on registry-1.docker.io, whatever name the login is filed under.
        let apiHost = host == "index.docker.io" ? "registry-1.docker.io" : host
        let basic = "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        func fail(_ kind: RegistryCredentialsError.Kind) -> RegistryCredentialsError {
            RegistryCredentialsError(kind: kind, registry: host)
        }
        func get(_ url: URL) async throws(RegistryCredentialsError) -> HTTPResponse {
            do {
                return try await context.transport.send(
                    HTTPRequest(method: "GET", url: url, headers: [HTTPHeader("Authorization", basic)]))
            } catch {
                throw fail(.unreachable(error))
            }
        }
        guard let base = URL(string: "https://\(apiHost)/v2/") else { throw fail(.unexpectedAnswer(status: 0)) }
        let answer = try await get(base)
        switch answer.status {
        case 200..<300: return
        case 401:
            guard let challenge = answer.headers.first(where: { $0.name.lowercased() == "www-authenticate" })?.value,
                let tokenURL = Self.tokenURL(challenge, username: username)
            else { throw fail(.wrongCredentials) }
            let token = try await get(tokenURL)
            switch token.status {
            case 200..<300: return
            case 401, 403: throw fail(.wrongCredentials)
            default: throw fail(.unexpectedAnswer(status: token.status))
            }
        case 403: throw fail(.wrongCredentials)
        default: throw fail(.unexpectedAnswer(status: answer.status))
        }
    }

    /// The token request a `Bearer realm="…",service="…"` challenge asks for, with `account` as docker sends it;
    /// nil for any other challenge (Basic: the 401 was the answer).
    static func tokenURL(_ challenge: String, username: String) -> URL? {
        let trimmed = challenge.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bearer ") else { return nil }
        var parameters: [String: String] = [:]
        var rest = Substring(trimmed.dropFirst("bearer ".count))
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: CharacterSet(charactersIn: " ,")).lowercased()
            rest = rest[rest.index(after: equals)...]
            let value: Substring
            if rest.first == "\"" {
                let body = rest.dropFirst()
                let end = body.firstIndex(of: "\"") ?? body.endIndex
                value = body[..<end]
                rest = end < body.endIndex ? body[body.index(after: end)...] : ""
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                value = rest[..<end]
                rest = rest[end...]
            }
            parameters[name] = String(value)
        }
        guard let realm = parameters["realm"], var components = URLComponents(string: realm),
            components.scheme == "https" || components.scheme == "http"
        else { return nil }
        var query = components.queryItems ?? []
        if let service = parameters["service"] { query.append(URLQueryItem(name: "service", value: service)) }
        if let scope = parameters["scope"] { query.append(URLQueryItem(name: "scope", value: scope)) }
        query.append(URLQueryItem(name: "account", value: username))
        components.queryItems = query
        return components.url
    }
}

/// How docker names registries.
public enum RegistryHost {
    /// The registry host docker means by `serverURL`: `https://` or `http://` and any path stripped, as docker's
    /// `ConvertToHostname` does (`https://index.docker.io/v1/` is `index.docker.io`).
    public static func of(_ serverURL: String) -> String {
        var text = Substring(serverURL.trimmingWhitespace)
        for scheme in ["https://", "http://"] where text.hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
        }
        return String(text.prefix { $0 != "/" })
    }

    /// The host and `auths` key of a registry given as docker accepts it: Docker Hub by any of its names is
    /// `index.docker.io` keyed `https://index.docker.io/v1/` (as `docker login` writes it); others are the host.
    static func userLoginKeys(_ registry: String) -> (host: String, serverURL: String) {
        let host = of(registry)
        if ["docker.io", "index.docker.io", "registry-1.docker.io"].contains(host) {
            return ("index.docker.io", "https://index.docker.io/v1/")
        }
        return (host, host)
    }
}
