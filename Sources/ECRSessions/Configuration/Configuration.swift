import Foundation

/// ecr-sessions' own config file: settings, and the accounts to keep logged in when zero-config is not enough.
///
/// It is read on its own, without the AWS files: a profile that does not exist is that account's failure at login
/// time, not a reason to refuse the whole file.
public struct Configuration: Sendable, Equatable {
    /// The `[settings]` section.
    public struct Settings: Sendable, Equatable {
        /// Renew a token when less than this is left; nil lets the scheduler use a quarter of the token's life.
        public var refreshBefore: Duration?
        /// Where logins are written, for accounts that do not name their own targets.
        public var targets: [LoginTarget]
        /// How many logins may run at once.
        public var concurrency: Int
        /// `cred_helpers`: what to do about a `credsStore` or `credHelpers` entry that hides a managed host.
        public var credentialHelpers: CredentialHelperPolicy
        /// `login_timeout`: how long one account's login may take, retries included, before it fails alone.
        public var loginTimeout: Duration = defaultLoginTimeout
        /// `kubernetes_namespaces`: where the `kubernetes` target keeps its Secret; empty means the cluster's own
        /// namespace (the service account's, or the kubeconfig context's).
        public var kubernetesNamespaces: [String] = []
        /// `kubernetes_secret`: the name of that Secret.
        public var kubernetesSecret = "ecr-sessions"

        /// A minute: long enough for a slow STS hop and ECR's retries, short enough that cron's next run is not late.
        public static let defaultLoginTimeout = Duration.seconds(60)
        /// `regions`: where an account goes whose profile has no region of its own and that names none.
        public var regions: [String]
        /// `metrics_file`: where each refresh and daemon pass writes the Prometheus metrics (`~` not yet expanded).
        public var metricsFile: String?

        public init(
            refreshBefore: Duration? = nil, targets: [LoginTarget] = [.docker], concurrency: Int = 16,
            credentialHelpers: CredentialHelperPolicy = .register, metricsFile: String? = nil,
            regions: [String] = []
        ) {
            self.refreshBefore = refreshBefore
            self.targets = targets
            self.concurrency = concurrency
            self.credentialHelpers = credentialHelpers
            self.metricsFile = metricsFile
            self.regions = regions
        }

        /// Where `account`'s logins are written: its own targets, else these.
        public func targets(for account: Account) -> [LoginTarget] {
            account.targets ?? targets
        }
    }

    /// Where the file was read from, with `~` expanded.
    public var path: String?
    public var settings: Settings
    /// Every `[account]` in file order, disabled ones included with `isEnabled == false` so they can be listed.
    public var accounts: [Account]
    /// Every `[registry]` in file order: the profiles that serve registries no account covers.
    public var registries: [RegistryMapping]

    public init(
        path: String?, settings: Settings = Settings(), accounts: [Account] = [], registries: [RegistryMapping] = []
    ) {
        self.path = path
        self.settings = settings
        self.accounts = accounts
        self.registries = registries
    }

    /// Where to look for the config file, and who said so.
    public struct FileLocation: Sendable, Equatable {
        /// Who chose the path; a file named explicitly must exist.
        public enum Choice: Sendable, Equatable {
            case commandLine
            case environment
            case defaultLocation
        }

        public var path: String
        public var choice: Choice

        /// `--config` (`explicitPath`), else `ECR_SESSIONS_CONFIG`, else `$XDG_CONFIG_HOME/ecr-sessions/config`, else
        /// `~/.config/ecr-sessions/config`; `~` is expanded in each.
        public init(explicitPath: String?, environment: Environment) {
            if let explicitPath, !explicitPath.isEmpty {
                self.init(path: environment.expandingTilde(explicitPath), choice: .commandLine)
            } else if let variable = environment["ECR_SESSIONS_CONFIG"] {
                self.init(path: environment.expandingTilde(variable), choice: .environment)
            } else if let base = environment["XDG_CONFIG_HOME"], base.hasPrefix("/") {
                // The XDG spec says a relative path in XDG_CONFIG_HOME is invalid and must be ignored.
                self.init(path: base + "/ecr-sessions/config", choice: .defaultLocation)
            } else {
                self.init(path: environment.homeDirectory + "/.config/ecr-sessions/config", choice: .defaultLocation)
            }
        }

        public init(path: String, choice: Choice) {
            self.path = path
            self.choice = choice
        }

        /// How an error message names whoever chose the path; nil for the default location.
        var chooser: String? {
            switch choice {
            case .commandLine: "--config"
            case .environment: "ECR_SESSIONS_CONFIG"
            case .defaultLocation: nil
            }
        }
    }

    /// Reads the config file, if there is one.
    ///
    /// - Parameter explicitPath: the `--config` option, if given.
    /// - Returns: nil when there is no file at the default location: zero-config.
    /// - Throws: `ConfigurationFileError` for a file named by `--config` or `ECR_SESSIONS_CONFIG` that does not
    ///   exist, a file that cannot be read, and any line that is not valid.
    public static func load(
        explicitPath: String?,
        environment: Environment,
        targets: [String] = TargetCatalog.standard.names
    ) throws(ConfigurationFileError) -> Configuration? {
        let location = FileLocation(explicitPath: explicitPath, environment: environment)
        let name = AWSProfiles.displayName(location.path, home: environment.homeDirectory)
        guard let text = try readText(atPath: location.path, name: name) else {
            if let chooser = location.chooser { throw .fileNotFound(path: name, namedBy: chooser) }
            return nil
        }
        return try Configuration(parsing: text, path: location.path, name: name, targets: targets)
    }

    /// Parses the text of a config file.
    ///
    /// - Parameters:
    ///   - path: where the file is, kept in `path`.
    ///   - name: the file as error messages and account origins name it, e.g. `~/.config/ecr-sessions/config`.
    ///   - targets: the names `targets =` accepts (a `TargetCatalog`'s).
    public init(
        parsing text: String, path: String?, name: String, targets: [String] = TargetCatalog.standard.names
    ) throws(ConfigurationFileError) {
        let file: INIFile
        do {
            file = try INIFile(parsing: text, path: name, dialect: .plain)
        } catch {
            guard case .syntax(let syntax) = error else {
                throw .unreadableFile(path: name, reason: error.description)
            }
            throw .syntax(syntax)
        }
        var settings: Settings?
        var settingsLocation: SourceLocation?
        var accounts: [Account] = []
        var accountLocations: [String: SourceLocation] = [:]
        var registries: [RegistryMapping] = []
        var registryLocations: [String: SourceLocation] = [:]
        for section in file.sections {
            switch (section.header.kind, section.header.name) {
            case (nil, "settings"):
                if let first = settingsLocation {
                    throw .duplicateSection(header: "[settings]", first: first, second: section.location)
                }
                settings = try Self.settings(section, targets: targets)
                settingsLocation = section.location
            case (nil, "account"):
                throw .invalidAccountName(name: "", location: section.location)
            case ("account", let name):
                if let first = accountLocations[name] {
                    throw .duplicateSection(header: "[account \(name)]", first: first, second: section.location)
                }
                accounts.append(try Self.account(section, targets: targets))
                accountLocations[name] = section.location
            case ("registry", let name):
                if let first = registryLocations[name] {
                    throw .duplicateSection(header: "[registry \(name)]", first: first, second: section.location)
                }
                registries.append(try Self.registry(section))
                registryLocations[name] = section.location
            default:
                throw .unknownSection(header: section.header.description, location: section.location)
            }
        }
        self.init(path: path, settings: settings ?? Settings(), accounts: accounts, registries: registries)
    }

    /// The file's text; nil when there is no such file (or a file stands where a folder on its path should).
    private static func readText(atPath path: String, name: String) throws(ConfigurationFileError) -> String? {
        do {
            return try TextFile.read(atPath: path)
        } catch {
            throw .unreadableFile(path: name, reason: error.reason)
        }
    }
}

// MARK: - Sections

extension Configuration {
    static let settingsKeys = [
        "refresh_before", "targets", "concurrency", "cred_helpers", "regions", "login_timeout", "metrics_file",
        "kubernetes_namespaces", "kubernetes_secret",
    ]
    static let regionsExpected = "AWS regions such as eu-west-1 or us-gov-west-1, separated by spaces or commas"
    static let accountKeys = ["profile", "regions", "registry_ids", "public", "enabled", "targets"]
    static let registryKeys = ["profile", "registry_ids", "hosts"]
    static let registryIDsExpected = "12-digit AWS account IDs such as 111122223333, separated by spaces or commas"

    private static func settings(_ section: INISection, targets: [String]) throws(ConfigurationFileError) -> Settings {
        let values = SectionValues(section: section, allowedKeys: settingsKeys, targetNames: targets)
        try values.rejectUnknownKeys()
        var settings = Settings()
        if let refreshBefore = values["refresh_before"] {
            let twelveHours = Duration.seconds(12 * 3_600)
            guard let duration = Duration(configurationText: refreshBefore.value),
                duration > .zero, duration < twelveHours
            else {
                throw values.invalid(
                    refreshBefore, item: refreshBefore.value,
                    expected: "a duration more than 0 and less than 12h (ECR tokens live 12h), "
                        + "such as 90m, 3h or 1h30m; units d, h, m, s")
            }
            settings.refreshBefore = duration
        }
        if let targets = values["targets"] {
            settings.targets = try values.targets(targets)
        }
        if let concurrency = values["concurrency"] {
            guard let count = Int(concurrency.value), (1...256).contains(count) else {
                throw values.invalid(concurrency, item: concurrency.value, expected: "a whole number from 1 to 256")
            }
            settings.concurrency = count
        }
        if let timeout = values["login_timeout"] {
            guard let duration = Duration(configurationText: timeout.value),
                duration >= .seconds(1), duration <= .seconds(600)
            else {
                throw values.invalid(
                    timeout, item: timeout.value, expected: "a duration from 1s to 10m, such as 30s, 1m or 2m30s")
            }
            settings.loginTimeout = duration
        }
        if let policy = values["cred_helpers"] {
            guard let value = CredentialHelperPolicy(rawValue: policy.value) else {
                throw values.invalid(policy, item: policy.value, expected: "register or warn")
            }
            settings.credentialHelpers = value
        }
        if let metricsFile = values["metrics_file"] {
            // Absolute: cron, systemd and a shell run refresh from different directories.
            guard metricsFile.value.hasPrefix("/") || metricsFile.value.hasPrefix("~/") else {
                throw values.invalid(
                    metricsFile, item: metricsFile.value,
                    expected: "an absolute path (or one under ~/), e.g. /var/lib/node_exporter/ecr-sessions.prom")
            }
            settings.metricsFile = metricsFile.value
        }
        if let namespaces = values["kubernetes_namespaces"] {
            settings.kubernetesNamespaces = namespaces.value.split(whereSeparator: \.isWhitespace).map(String.init)
            if let bad = settings.kubernetesNamespaces.first(where: { !KubernetesSecret.isName($0, maxLength: 63) }) {
                throw values.invalid(namespaces, item: bad, expected: "namespace names (lower-case DNS labels)")
            }
        }
        if let secret = values["kubernetes_secret"] {
            guard KubernetesSecret.isName(secret.value, maxLength: 253) else {
                throw values.invalid(secret, item: secret.value, expected: "a Secret name (a lower-case DNS name)")
            }
            settings.kubernetesSecret = secret.value
        }
        if let regions = values["regions"] {
            settings.regions = try values.regions(regions)
        }
        return settings
    }

    private static func account(_ section: INISection, targets: [String]) throws(ConfigurationFileError) -> Account {
        let name = section.header.name
        // The name is typed on the command line (`accounts login NAME`), so it follows the rules of profile names.
        guard name.isValidAWSIdentifier else { throw .invalidAccountName(name: name, location: section.location) }
        let values = SectionValues(section: section, allowedKeys: accountKeys, targetNames: targets)
        try values.rejectUnknownKeys()

        let profile = try values.profile(defaultingTo: name)
        let isPublic = try values["public"].map(values.boolean) ?? false
        let isEnabled = try values["enabled"].map(values.boolean) ?? true

        var regions: [String] = []
        if let property = values["regions"] {
            // Refused rather than ignored: someone who writes regions here expects them to matter.
            if isPublic { throw .notAllowedWithPublic(key: "regions", account: name, location: property.location) }
            regions = try values.regions(property)
        }
        var registryIDs: [String] = []
        if let property = values["registry_ids"] {
            if isPublic {
                throw .notAllowedWithPublic(key: "registry_ids", account: name, location: property.location)
            }
            registryIDs = try values.registryIDs(property)
        }
        let targets = try values["targets"].map(values.targets)
        return Account(
            name: name, profile: profile, regions: regions, isPublic: isPublic, registryIDs: registryIDs,
            origin: section.location.description, isEnabled: isEnabled, targets: targets)
    }

    private static func registry(_ section: INISection) throws(ConfigurationFileError) -> RegistryMapping {
        let name = section.header.name
        guard name.isValidAWSIdentifier else { throw .invalidAccountName(name: name, location: section.location) }
        let values = SectionValues(section: section, allowedKeys: registryKeys, targetNames: [])
        try values.rejectUnknownKeys()
        let profile = try values.profile(defaultingTo: name)
        let registryIDs = try values["registry_ids"].map(values.registryIDs) ?? []
        let hosts =
            try values["hosts"].map { (property) throws(ConfigurationFileError) in
                try values.list(
                    property,
                    expected: "registry host patterns such as *.dkr.ecr.eu-west-1.amazonaws.com (* is any text)"
                ) { item in
                    !item.isEmpty
                        && item.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-.*".contains($0)) }
                }
                .map { $0.lowercased() }
            } ?? []
        guard !registryIDs.isEmpty || !hosts.isEmpty else {
            throw .emptyRegistryMapping(name: name, location: section.location)
        }
        return RegistryMapping(
            name: name, profile: profile, registryIDs: registryIDs, hostPatterns: hosts,
            origin: section.location.description)
    }
}

/// One section's properties, with the checks that turn their text into values or into errors naming the line.
private struct SectionValues {
    let section: INISection
    let allowedKeys: [String]
    let targetNames: [String]

    subscript(key: String) -> INIProperty? { section.properties[key] }

    func rejectUnknownKeys() throws(ConfigurationFileError) {
        // In line order, so the error points at the first mistake the user would see.
        let unknown = section.properties.values
            .filter { !allowedKeys.contains($0.name) }
            .min { $0.location.line < $1.location.line }
        if let unknown {
            throw .unknownKey(
                key: unknown.name, section: section.header.description, allowed: allowedKeys,
                location: unknown.location)
        }
    }

    func invalid(_ property: INIProperty, item: String, expected: String) -> ConfigurationFileError {
        .invalidValue(
            key: property.name, value: item, section: section.header.description, expected: expected,
            location: property.location)
    }

    func boolean(_ property: INIProperty) throws(ConfigurationFileError) -> Bool {
        switch property.value.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw invalid(property, item: property.value, expected: "true or false (or yes/no, 1/0)")
        }
    }

    /// The items of a list separated by spaces, commas or line breaks, each checked, duplicates dropped.
    func list(
        _ property: INIProperty,
        expected: String,
        isValid: (String) -> Bool
    ) throws(ConfigurationFileError) -> [String] {
        let items = property.value.split { $0 == "," || $0.isINIWhitespace }.map(String.init)
        guard !items.isEmpty else { throw invalid(property, item: property.value, expected: expected) }
        var seen: Set<String> = []
        var result: [String] = []
        for item in items {
            guard isValid(item) else { throw invalid(property, item: item, expected: expected) }
            if seen.insert(item).inserted { result.append(item) }
        }
        return result
    }

    /// The section's `profile`, or `name` when it has none.
    func profile(defaultingTo name: String) throws(ConfigurationFileError) -> String {
        guard let property = self["profile"] else { return name }
        guard property.value.isValidAWSIdentifier else {
            throw invalid(property, item: property.value, expected: "a profile name of letters, digits and -/.%@_:+")
        }
        return property.value
    }

    func registryIDs(_ property: INIProperty) throws(ConfigurationFileError) -> [String] {
        try list(property, expected: Configuration.registryIDsExpected) {
            $0.count == 12 && $0.allSatisfy { $0.isASCII && $0.isNumber }
        }
    }

    func regions(_ property: INIProperty) throws(ConfigurationFileError) -> [String] {
        try list(property, expected: Configuration.regionsExpected) {
            Partition.isRegionName($0)
        }
    }

    func targets(_ property: INIProperty) throws(ConfigurationFileError) -> [LoginTarget] {
        let names = targetNames.joined(separator: ", ")
        return try list(
            property,
            expected: "one or more of \(names), separated by spaces or commas (podman and skopeo use containers)"
        ) { targetNames.contains($0) }
        .map(LoginTarget.init(rawValue:))
    }
}

// MARK: - Accounts

extension Account {
    /// The accounts to keep logged in: those of the config file when it has any `[account]` section, else every
    /// profile of the AWS files that yields credentials (zero-config).
    ///
    /// A config file with only `[settings]` keeps zero-config accounts, so that choosing targets does not mean
    /// listing every account. Accounts from the file get their credential source from the AWS files where the
    /// profile is there; one that is not fails when it is logged in. An account of the file without `regions`
    /// takes its profile's region, else `[settings] regions`, else `AWS_REGION` or `AWS_DEFAULT_REGION`; with none
    /// of them it is kept with its `problem`, which every command that would log it in reports.
    public static func accounts(
        configuration: Configuration?,
        profiles: AWSProfiles,
        environment: Environment
    ) -> [Account] {
        let defaultRegions = configuration?.settings.regions ?? []
        guard let configured = configuration?.accounts, !configured.isEmpty else {
            return zeroConfiguration(profiles, environment: environment, defaultRegions: defaultRegions)
        }
        let sources = Dictionary(
            profiles.credentialProfiles().map { ($0.name, $0.source) }, uniquingKeysWith: { first, _ in first })
        return configured.map { account in
            var account = account
            account.credentialSource = account.credentialSource ?? sources[account.profile]
                ?? (account.profile == AmbientSource.instanceMetadataProfile ? .instanceMetadata : nil)
            if !account.isPublic, account.regions.isEmpty {
                account.regions = regions(
                    ownRegion: profiles.profiles[account.profile]?["region"], defaultRegions: defaultRegions,
                    environment: environment)
                if account.regions.isEmpty {
                    account.problem =
                        "no region: add 'regions = ...' to [account \(account.name)] (\(account.origin)), "
                        + "'region = ...' to profile '\(account.profile)', or 'regions = ...' to [settings]"
                }
            }
            return account
        }
    }

    /// Where an account without `regions` goes: its profile's own region, else the `[settings]` default, else the
    /// environment's region; empty when there is none.
    static func regions(ownRegion: String?, defaultRegions: [String], environment: Environment) -> [String] {
        if let ownRegion { return [ownRegion] }
        if !defaultRegions.isEmpty { return defaultRegions }
        return (environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"]).map { [$0] } ?? []
    }
}
