/// What `accounts login` did: each job's result, and what happened to the registry config files.
public struct LoginReport: Sendable {
    public var results: [LoginResult]
    /// Accounts that were asked for but cannot be logged in as configured, with the reason.
    public var skipped: [Account]
    /// Warnings about the files written: a `credsStore` or `credHelpers` entry that docker asks instead.
    public var notices: [String]
    /// Files that could not be written, with the reason (the file is left as it was).
    public var targetErrors: [String]

    /// True when every requested account is logged in and every file written.
    public var succeeded: Bool {
        results.allSatisfy(\.succeeded) && skipped.isEmpty && targetErrors.isEmpty
    }
}

/// A configuration problem found before anything ran: nothing was changed.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

extension Sessions {
    /// The AWS config and credentials files, as the environment locates them.
    public func awsProfiles() throws(AWSConfigError) -> AWSProfiles {
        try AWSProfiles.load(environment: environment)
    }

    /// The accounts to keep logged in.
    public func accounts() throws(AWSConfigError) -> [Account] {
        Account.zeroConfiguration(try awsProfiles(), environment: environment)
    }

    /// Selects `names` among the accounts, or all of them when `names` is empty. An unknown name is a
    /// configuration error that lists the known ones.
    public func accounts(named names: [String]) throws -> [Account] {
        let all = try accounts()
        guard !names.isEmpty else { return all }
        return try names.map { name in
            guard let account = all.first(where: { $0.name == name }) else {
                let known = all.map(\.name).joined(separator: ", ")
                throw ConfigurationError(
                    "no account or profile named '\(name)' yields credentials"
                        + (known.isEmpty ? "; the AWS files define none" : "; known: \(known)"))
            }
            return account
        }
    }

    /// Logs `accounts` in now, concurrently, and writes every fresh token into the registry config files.
    /// `progress` sees each result as soon as it is known.
    public func login(
        _ accounts: [Account], concurrency: Int = 16, progress: @Sendable (LoginResult) -> Void = { _ in }
    ) async throws -> LoginReport {
        let runner = LoginRunner(
            ecr: ECRClient(transport: transport, clock: clock),
            credentials: ProfileCredentialProvider(profiles: try awsProfiles(), environment: environment),
            cache: try cache(), environment: environment, concurrency: concurrency)
        let results = await runner.run(accounts.flatMap(\.jobs), progress: progress)
        var report = LoginReport(
            results: results, skipped: accounts.filter { $0.problem != nil }, notices: [], targetErrors: [])
        let logins = results.flatMap(\.logins)
        guard !logins.isEmpty else { return report }
        let file = RegistryAuthFile.docker(environment: environment)
        do {
            let update = try file.set(Dictionary(logins.map { ($0.registry, $0.token) }) { $1 })
            report.notices = update.notices.map(\.description)
        } catch {
            report.targetErrors.append(error.description)
        }
        return report
    }
}
