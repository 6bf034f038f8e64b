/// `[registry NAME]`: which profile serves ECR registries no account covers, for the credential helper's
/// on-demand fetch (`credential-helper get` for a host ecr-sessions does not keep logged in).
///
/// ```ini
/// [registry shared-images]
/// profile = ci
/// registry_ids = 444455556666              # these accounts' registries, in any region
/// hosts = *.dkr.ecr.eu-central-1.amazonaws.com    # or hosts matching these patterns (* is any text)
/// ```
public struct RegistryMapping: Sendable, Equatable {
    public var name: String
    /// The profile whose credentials fetch the token; the section's name when not given.
    public var profile: String
    public var registryIDs: [String]
    /// Host patterns, lowercase; `*` stands for any text, dots included.
    public var hostPatterns: [String]
    /// Where the section is, e.g. `~/.config/ecr-sessions/config line 12`.
    public var origin: String

    public init(name: String, profile: String, registryIDs: [String], hostPatterns: [String], origin: String) {
        self.name = name
        self.profile = profile
        self.registryIDs = registryIDs
        self.hostPatterns = hostPatterns
        self.origin = origin
    }

    /// Whether this mapping names `host`'s registry: by its account ID, or by a pattern its name matches.
    public func covers(_ host: ECRRegistryHost) -> Bool {
        if let account = host.account, registryIDs.contains(account) { return true }
        let name = host.description
        return hostPatterns.contains { Self.matches(Substring(name), pattern: Substring($0)) }
    }

    /// Glob matching with `*` only: the pattern's literal pieces in order, the first anchored at the start and the
    /// last at the end.
    static func matches(_ text: Substring, pattern: Substring) -> Bool {
        let pieces = pattern.split(separator: "*", omittingEmptySubsequences: false)
        guard pieces.count > 1 else { return text == pattern }
        guard text.hasPrefix(pieces[0]) else { return false }
        var rest = text.dropFirst(pieces[0].count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = rest.firstRange(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.hasSuffix(pieces[pieces.count - 1])
    }
}
