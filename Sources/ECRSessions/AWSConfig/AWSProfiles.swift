/// A named block of AWS settings: a profile, an `[sso-session]` or a `[services]` block, merged from every place
/// it is written.
public struct AWSSettingsBlock: Sendable, Equatable {
    public var name: String
    /// Properties by lower-cased name; where both files set one, the credentials file's value.
    public var properties: [String: INIProperty]
    /// Every header that contributes, in the order read (config file first): the first is where it starts.
    public var locations: [SourceLocation]

    public init(name: String, properties: [String: INIProperty] = [:], locations: [SourceLocation] = []) {
        self.name = name
        self.properties = properties
        self.locations = locations
    }

    /// Where the block starts, for "where each account came from".
    public var location: SourceLocation { locations.first ?? SourceLocation(file: "", line: 0) }

    /// The value of a setting, by name in any case; nil when unset or empty.
    public subscript(name: String) -> String? {
        guard let value = properties[name.lowercased()]?.value, !value.isEmpty else { return nil }
        return value
    }

    mutating func merge(_ section: INISection) {
        locations.append(section.location)
        properties.merge(section.properties) { _, later in later }
    }
}

/// The profiles and SSO sessions of `~/.aws/config` and `~/.aws/credentials`, merged as the AWS SDKs merge them.
public struct AWSProfiles: Sendable, Equatable {
    public var profiles: [String: AWSSettingsBlock]
    public var ssoSessions: [String: AWSSettingsBlock]
    /// `[services name]` blocks of the config file, which profiles name with `services = name`.
    public var services: [String: AWSSettingsBlock]
    /// The files read, as named in messages (config first).
    public var files: [String]
    /// Whether the files define profiles that a scoped read (`load(chainsOf:)`) left out: "no profiles at all" is
    /// then not the error for one that is missing.
    var hasUnreadProfiles = false

    public init(
        profiles: [String: AWSSettingsBlock] = [:],
        ssoSessions: [String: AWSSettingsBlock] = [:],
        services: [String: AWSSettingsBlock] = [:],
        files: [String] = []
    ) {
        self.profiles = profiles
        self.ssoSessions = ssoSessions
        self.services = services
        self.files = files
    }

    /// Parses the text of the two files.
    ///
    /// In the config file a profile is `[profile name]` (or `[default]`); in the credentials file it is `[name]`.
    /// Other headers are ignored, as the SDKs ignore them. `[profile default]` wins over `[default]`, a profile
    /// written twice is merged, and the credentials file wins over the config file for the same setting.
    public init(
        config: String,
        configPath: String = "~/.aws/config",
        credentials: String,
        credentialsPath: String = "~/.aws/credentials"
    ) throws(AWSConfigError) {
        try self.init(
            config: config, configPath: configPath, credentials: credentials, credentialsPath: credentialsPath,
            scope: nil)
    }

    /// Parses only the blocks `scope` names (all of them when nil): profiles, `[sso-session]` and `[services]`
    /// blocks by name. The other sections are skipped unchecked.
    init(
        config: String, configPath: String, credentials: String, credentialsPath: String, scope: Scope?
    ) throws(AWSConfigError) {
        let filter = ConfigSectionFilter(scope: scope)
        let configFile = try INIFile(
            parsing: config, path: configPath, dialect: .awsConfig, includingSection: filter.callAsFunction)
        var skippedCredentials = false
        let credentialsFile = try INIFile(
            parsing: credentials, path: credentialsPath, dialect: .awsCredentials,
            includingSection: { header in
                guard header.text.isValidAWSProfileName else { return false }
                guard scope?.profiles.contains(header.text) != false else {
                    skippedCredentials = true
                    return false
                }
                return true
            })
        self.init(configFile: configFile, credentialsFile: credentialsFile)
        hasUnreadProfiles = filter.skippedProfile || skippedCredentials
    }

    /// Names of the blocks to read.
    struct Scope: Equatable {
        var profiles: Set<String>
        var ssoSessions: Set<String> = []
        var services: Set<String> = []

        /// Adds the blocks that `profiles`' blocks name (`source_profile`, `sso_session`, `services`); false when
        /// there was none to add, so the scope holds everything the named profiles' chains read.
        mutating func insertReferences(of profiles: AWSProfiles) -> Bool {
            let before = self
            for name in self.profiles {
                guard let block = profiles.profiles[name] else { continue }
                if let source = block["source_profile"] { self.profiles.insert(source) }
                if let session = block["sso_session"] { ssoSessions.insert(session) }
                if let services = block["services"] { self.services.insert(services) }
            }
            return self != before
        }
    }

    /// Merges files already parsed with the filters of `init(config:credentials:)`.
    init(configFile: INIFile, credentialsFile: INIFile) {
        self.init(files: [configFile.path, credentialsFile.path])
        let prefixedDefaultExists = configFile.sections.contains { ConfigSection($0.header) == .profile("default") }
        for section in configFile.sections {
            switch ConfigSection(section.header) {
            case .bareDefault where !prefixedDefaultExists:
                profiles["default", default: AWSSettingsBlock(name: "default")].merge(section)
            case .profile(let name):
                profiles[name, default: AWSSettingsBlock(name: name)].merge(section)
            case .ssoSession(let name):
                ssoSessions[name, default: AWSSettingsBlock(name: name)].merge(section)
            case .services(let name):
                services[name, default: AWSSettingsBlock(name: name)].merge(section)
            case .bareDefault, .ignored:
                continue
            }
        }
        for section in credentialsFile.sections {
            let name = section.header.text
            profiles[name, default: AWSSettingsBlock(name: name)].merge(section)
        }
    }
}

/// What a header of the config file means.
private enum ConfigSection: Equatable {
    case profile(String)
    /// `[default]`, which `[profile default]` overrides.
    case bareDefault
    case ssoSession(String)
    case services(String)
    case ignored

    init(_ header: INISection.Header) {
        switch header.kind {
        case "profile" where header.name.isValidAWSProfileName:
            self = .profile(header.name)
        case "sso-session" where header.name.isValidAWSIdentifier:
            self = .ssoSession(header.name)
        case "services" where header.name.isValidAWSIdentifier:
            self = .services(header.name)
        case nil where header.text == "default":
            self = .bareDefault
        default:
            self = .ignored
        }
    }
}

/// Which config-file sections to parse: those in the scope (every one without a scope), and like the SDKs, once
/// `[profile default]` is seen a later `[default]` is skipped unchecked.
private final class ConfigSectionFilter {
    private let scope: AWSProfiles.Scope?
    private var seenPrefixedDefault = false
    /// Whether a profile was left out for being outside the scope.
    private(set) var skippedProfile = false

    init(scope: AWSProfiles.Scope?) {
        self.scope = scope
    }

    func callAsFunction(_ header: INISection.Header) -> Bool {
        switch ConfigSection(header) {
        case .ignored:
            return false
        case .bareDefault:
            return !seenPrefixedDefault && inScope(profile: "default")
        case .profile(let name):
            // Seen even outside the scope: a `[default]` after it would be skipped by a whole read too.
            if name == "default" { seenPrefixedDefault = true }
            return inScope(profile: name)
        case .ssoSession(let name):
            return scope?.ssoSessions.contains(name) != false
        case .services(let name):
            return scope?.services.contains(name) != false
        }
    }

    private func inScope(profile name: String) -> Bool {
        guard scope?.profiles.contains(name) != false else {
            skippedProfile = true
            return false
        }
        return true
    }
}
