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
