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
        let configFile = try INIFile(
            parsing: config, path: configPath, dialect: .awsConfig,
            includingSection: ConfigSectionFilter().callAsFunction)
        let credentialsFile = try INIFile(
            parsing: credentials, path: credentialsPath, dialect: .awsCredentials,
            includingSection: { $0.text.isValidAWSProfileName })
        self.init(configFile: configFile, credentialsFile: credentialsFile)
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

/// Which config-file sections to parse: like the SDKs, once `[profile default]` is seen a later `[default]` is
/// skipped unchecked.
private final class ConfigSectionFilter {
    private var seenPrefixedDefault = false

    func callAsFunction(_ header: INISection.Header) -> Bool {
        switch ConfigSection(header) {
        case .ignored:
            return false
        case .bareDefault:
            return !seenPrefixedDefault
        case .profile(let name):
            if name == "default" { seenPrefixedDefault = true }
            return true
        case .ssoSession, .services:
            return true
        }
    }
}
