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
        // The message is made only for a refusal: quoting the answer and reading the URL's host were most of the
        // check's cost, once for every token of a login sweep. The checks run on bytes: once every byte is printable
        // ASCII, each is one character.
        func refused(_ why: String) -> ECRError {
            let answered = "ECR at \(api.host ?? "?")\(service.regionText) returned the registry"
            return ECRError(.unexpectedRegistry, detail: "\(answered) \(quoted(proxyEndpoint)), \(why)")
        }
        let bytes = ArraySlice(proxyEndpoint.utf8)
        guard bytes.allSatisfy({ (0x21...0x7e).contains($0) }) else {
            throw refused("which holds spaces or control characters")
        }
        guard bytes.starts(with: "https://".utf8) else { throw refused("which is not an https:// URL") }
        var authority = bytes.dropFirst("https://".utf8.count)
        while authority.last == UInt8(ascii: "/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains(where: { "/?#@\\".utf8.contains($0) }) else {
            throw refused("which is not just https:// and a host (no path or user)")
        }
        let host = String(decoding: authority, as: UTF8.self)
        if isLoopback(host), let apiHost = api.host, isLoopback(apiHost) { return host }
        guard accepts(host, service) else { throw refused("which is not \(service.expectedHost)") }
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
        var name = ArraySlice(host.utf8)
        if name.first == UInt8(ascii: "[") {
            guard let end = name.firstIndex(of: UInt8(ascii: "]")) else { return false }
            let rest = name[(end + 1)...]
            guard rest.isEmpty || isPort(rest) else { return false }
            return name[...end].elementsEqual("[::1]".utf8)
        }
        if let colon = name.lastIndex(of: UInt8(ascii: ":")) {
            guard isPort(name[colon...]) else { return false }
            name = name[..<colon]
        }
        return ["localhost", "127.0.0.1", "::1"].contains { name.elementsEqual($0.utf8) }
    }

    /// `:` and 1 to 5 digits.
    private static func isPort(_ text: ArraySlice<UInt8>) -> Bool {
        let digits = text.dropFirst()
        return text.first == UInt8(ascii: ":") && (1...5).contains(digits.count)
            && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
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
