public import Foundation

/// Which registry a GetAuthorizationToken answer may name, checked in this one place before its host is written to
/// any file: a host ECR cannot mean (`""`, `docker.io`, one with a NUL or a path) would otherwise become an `auths`
/// key that overwrites another login or that logout can never remove.
public enum RegistryEndpoint {
    /// Which ECR answered, and so which registry hosts it may name.
    public enum Service: Sendable, Equatable {
        /// Private ECR in a region: `https://<12 digits>.dkr.ecr[-fips].<region>.<partition's DNS suffix>`.
        case privateECR(region: String)
        /// ECR Public: `https://public.ecr.aws`.
        case publicECR
    }

    /// The registry host of `proxyEndpoint`, or an error saying what is wrong with it (the value quoted escaped).
    ///
    /// A registry on this machine (`localhost`, `127.0.0.1`, `[::1]`, any port) is accepted only when `api`, the
    /// endpoint that answered, is on this machine too: a local stand-in for ECR (a test fake, LocalStack) names its
    /// own registry.
    public static func host(of proxyEndpoint: String, service: Service, api: URL) throws(ECRError) -> String {
        let answered = "ECR at \(api.host ?? "?")\(service.regionText) returned the registry \(quoted(proxyEndpoint))"
        guard proxyEndpoint.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) }) else {
            throw ECRError(.unexpectedRegistry, detail: "\(answered), which holds spaces or control characters")
        }
        guard proxyEndpoint.hasPrefix("https://") else {
            throw ECRError(.unexpectedRegistry, detail: "\(answered), which is not an https:// URL")
        }
        var authority = Substring(proxyEndpoint.dropFirst("https://".count))
        while authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains(where: { "/?#@\\".contains($0) }) else {
            throw ECRError(
                .unexpectedRegistry, detail: "\(answered), which is not just https:// and a host (no path or user)")
        }
        let host = String(authority)
        if isLoopback(host), let apiHost = api.host, isLoopback(apiHost) { return host }
        guard accepts(host, service) else {
            throw ECRError(.unexpectedRegistry, detail: "\(answered), which is not \(service.expectedHost)")
        }
        return host
    }

    /// Whether `host` is a registry of `service`: `ECRRegistryHost` is the one table of ECR's registry hosts, every
    /// partition and endpoint variant included.
    static func accepts(_ host: String, _ service: Service) -> Bool {
        guard let registry = ECRRegistryHost(host) else { return false }
        switch service {
        case .publicECR: return registry.isPublic
        case .privateECR(let region): return !registry.isPublic && registry.region == region
        }
    }

    /// `localhost`, `127.0.0.1` or `[::1]`, with or without a port.
    private static func isLoopback(_ host: String) -> Bool {
        var name = Substring(host)
        if name.hasPrefix("[") {
            guard let end = name.firstIndex(of: "]") else { return false }
            let rest = name[name.index(after: end)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            return name[...end] == "[::1]"
        }
        if let colon = name.lastIndex(of: ":") {
            guard isPort(name[colon...]) else { return false }
            name = name[..<colon]
        }
        return name == "localhost" || name == "127.0.0.1" || name == "::1"
    }

    /// `:` and 1 to 5 digits.
    private static func isPort(_ text: Substring) -> Bool {
        let digits = text.dropFirst()
        return text.first == ":" && (1...5).contains(digits.count) && digits.allSatisfy { ("0"..."9").contains($0) }
    }

    /// `text` in double quotes, with quotes, backslashes and every character outside printable ASCII escaped and
    /// at most 200 characters of it, so that an answer can never smuggle control characters into a terminal or log.
    static func quoted(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars.prefix(200) {
            switch scalar {
            case "\"", "\\": escaped += "\\" + String(scalar)
            case " "..."~": escaped.unicodeScalars.append(scalar)
            default: escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return "\"" + escaped + (text.unicodeScalars.count > 200 ? "…" : "") + "\""
    }
}

extension RegistryEndpoint.Service {
    fileprivate var regionText: String {
        switch self {
        case .privateECR(let region): " for \(region)"
        case .publicECR: ""
        }
    }

    fileprivate var expectedHost: String {
        switch self {
        case .privateECR(let region):
            "https://<12-digit account>.dkr.ecr.\(region).\(Partition(region: region).dnsSuffix)"
        case .publicECR: "https://public.ecr.aws"
        }
    }
}
