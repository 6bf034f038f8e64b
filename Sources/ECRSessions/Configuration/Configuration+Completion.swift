/// The names a shell completes on the command line, read from the files alone: no network, no cache, no output.
///
/// A completion runs on every press of TAB, so it must be quick and quiet: a file that cannot be read gives what the
/// others give (or nothing), never an error.
extension Configuration {
    /// The accounts `accounts login` and `accounts logout` take, sorted: the config file's `[account]` names, else
    /// the zero-config profiles that yield credentials, as `accounts list` shows them.
    public static func completionAccountNames(configPath: String?, environment: Environment) -> [String] {
        let configuration = try? load(explicitPath: configPath, environment: environment)
        let profiles = (try? AWSProfiles.load(environment: environment)) ?? AWSProfiles()
        let accounts = Account.accounts(
            configuration: configuration ?? nil, profiles: profiles, environment: environment)
        return Array(Set(accounts.map(\.name))).sorted()
    }

    /// Every profile of the AWS config and credentials files, sorted, for `--profile`.
    public static func completionProfileNames(environment: Environment) -> [String] {
        ((try? AWSProfiles.load(environment: environment))?.profiles.keys).map { $0.sorted() } ?? []
    }
}
