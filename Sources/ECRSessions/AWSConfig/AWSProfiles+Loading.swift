import Foundation

extension AWSProfiles {
    /// The config file: `AWS_CONFIG_FILE`, else `~/.aws/config`, with `~` expanded.
    public static func configFilePath(environment: Environment) -> String {
        environment.expandingTilde(environment["AWS_CONFIG_FILE"] ?? "~/.aws/config")
    }

    /// The credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`, with `~` expanded.
    public static func credentialsFilePath(environment: Environment) -> String {
        environment.expandingTilde(environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "~/.aws/credentials")
    }

    /// Reads and merges the config and credentials files the environment points at.
    ///
    /// A file that does not exist counts as empty, as it does for the AWS CLI.
    /// - Throws: `AWSConfigError.unreadableFile` for a file that exists but cannot be read, and
    ///   `AWSConfigError.syntax` for a line that is not valid.
    public static func load(environment: Environment = .current) throws(AWSConfigError) -> AWSProfiles {
        let configPath = configFilePath(environment: environment)
        let credentialsPath = credentialsFilePath(environment: environment)
        let configName = displayName(configPath, home: environment.homeDirectory)
        let credentialsName = displayName(credentialsPath, home: environment.homeDirectory)
        return try AWSProfiles(
            config: readText(atPath: configPath, name: configName),
            configPath: configName,
            credentials: readText(atPath: credentialsPath, name: credentialsName),
            credentialsPath: credentialsName)
    }

    /// Reads only what `profiles`' credential chains use: their blocks, the profiles their `source_profile`s
    /// name, and the `[sso-session]` and `[services]` blocks they name, so that one profile's answer does not parse
    /// every other profile of a large file (`get-login-password`).
    ///
    /// Those blocks are the same as a whole `load`'s; a syntax error in a section outside them goes unnoticed here,
    /// where a whole read would throw it.
    public static func load(environment: Environment = .current, chainsOf profiles: Set<String>)
        throws(AWSConfigError) -> AWSProfiles
    {
        let configPath = configFilePath(environment: environment)
        let credentialsPath = credentialsFilePath(environment: environment)
        let configName = displayName(configPath, home: environment.homeDirectory)
        let credentialsName = displayName(credentialsPath, home: environment.homeDirectory)
        let config = try readText(atPath: configPath, name: configName)
        let credentials = try readText(atPath: credentialsPath, name: credentialsName)
        var scope = Scope(profiles: profiles)
        while true {
            let read = try AWSProfiles(
                config: config, configPath: configName, credentials: credentials, credentialsPath: credentialsName,
                scope: scope)
            // A chain is at most a few profiles long: each round adds what the last one's blocks name.
            guard scope.insertReferences(of: read) else { return read }
        }
    }

    /// The file's text, or "" when there is no such file.
    private static func readText(atPath path: String, name: String) throws(AWSConfigError) -> String {
        do {
            return try TextFile.read(atPath: path) ?? ""
        } catch {
            throw .unreadableFile(path: name, reason: error.reason)
        }
    }

    /// `path` with the home directory written as `~`, the way users name these files.
    static func displayName(_ path: String, home: String) -> String {
        let home = home.hasSuffix("/") ? String(home.dropLast()) : home
        guard !home.isEmpty, path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }
}
