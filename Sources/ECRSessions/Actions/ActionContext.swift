import Foundation
import Synchronization

/// What every user action works with: one user's environment, clock and network, the files read at most once per
/// change, and the cache, opened at most once per process.
public final class ActionContext: Sendable {
    public let environment: Environment
    public let clock: any WallClock
    public let transport: any HTTPTransport
    /// The ecr-sessions config file named on the command line, if any (else `ECR_SESSIONS_CONFIG` or the default).
    public let configPath: String?
    /// How AWS calls are retried within one login.
    public let retry: RetryPolicy
    /// Where logins can be written, and how to reopen a target from its undo record.
    public let targets: TargetCatalog
    /// Told once when the cache was unusable and was replaced by a new one, for the command line to warn about.
    public let cacheRecovered: @Sendable (CacheRecovery) -> Void
    private let openedCache = Mutex<Cache?>(nil)
    private let loadedProfiles = FileBackedValue<AWSProfiles>()
    private let loadedConfiguration = FileBackedValue<Configuration?>()

    public init(
        environment: Environment, clock: any WallClock, transport: any HTTPTransport, configPath: String? = nil,
        retry: RetryPolicy = RetryPolicy(), targets: TargetCatalog = .standard,
        cacheRecovered: @escaping @Sendable (CacheRecovery) -> Void = { _ in }
    ) {
        self.environment = environment
        self.clock = clock
        self.transport = transport
        self.configPath = configPath
        self.retry = retry
        self.targets = targets
        self.cacheRecovered = cacheRecovered
    }

    /// The context of this process: its environment, the system clock (or `ECR_SESSIONS_FAKE_NOW`) and libcurl.
    public static func live(
        environment: Environment = .current, configPath: String? = nil,
        cacheRecovered: @escaping @Sendable (CacheRecovery) -> Void = { _ in }
    ) throws(ClockError) -> ActionContext {
        ActionContext(
            environment: environment, clock: try environment.clock(),
            transport: CurlTransport(settings: CurlSettings(environment: environment)), configPath: configPath,
            cacheRecovered: cacheRecovered)
    }

    /// Where the config file is looked for.
    var configurationPath: String {
        Configuration.FileLocation(explicitPath: configPath, environment: environment).path
    }

    /// The ecr-sessions config file, or nil when there is none (zero-config); read again only when it changes.
    public func configuration() throws(ConfigurationFileError) -> Configuration? {
        try loadedConfiguration.value(paths: [configurationPath]) { () throws(ConfigurationFileError) in
            try Configuration.load(explicitPath: configPath, environment: environment, targets: targets.names)
        }
    }

    /// The `[settings]` of the config file, or the defaults.
    public func settings() throws(ConfigurationFileError) -> Configuration.Settings {
        try configuration()?.settings ?? Configuration.Settings()
    }

    /// The AWS config and credentials files, as the environment locates them; read again only when they change.
    public func awsProfiles() throws(AWSConfigError) -> AWSProfiles {
        try loadedProfiles.value(paths: awsFilePaths) { () throws(AWSConfigError) in
            try AWSProfiles.load(environment: environment)
        }
    }

    /// The AWS config and credentials files' paths.
    var awsFilePaths: [String] {
        [
            AWSProfiles.configFilePath(environment: environment),
            AWSProfiles.credentialsFilePath(environment: environment),
        ]
    }

    /// The SQLite cache, opened on first use; a damaged one is moved aside for a new one (see `Cache.healing`) and
    /// `cacheRecovered` told, so that cron's renewals go on. `scan: false` (the first opener decides) skips reading
    /// every page for damage, which costs ~10 ms at a thousand registries: for the actions that run on every docker
    /// pull and monitoring poll, where a damaged page still fails the read and the next refresh heals it.
    public func cache(scan: Bool = true) throws(CacheError) -> Cache {
        let opened = try openedCache.withLock { (cache: inout Cache?) throws(CacheError) -> (Cache, Bool) in
            if let cache { return (cache, false) }
            let opened = try Cache.healing(
                path: Cache.defaultPath(environment: environment), scan: scan, now: clock.now())
            cache = opened
            return (opened, true)
        }
        if opened.1, let recovery = opened.0.recovery { cacheRecovered(recovery) }
        return opened.0
    }

    /// The accounts to keep logged in: the config file's, else one per profile of the AWS files.
    public func accounts() throws -> [Account] {
        Account.accounts(configuration: try configuration(), profiles: try awsProfiles(), environment: environment)
    }

    /// `accounts`, with the instance profile's region asked of the instance metadata where nothing else names one
    /// (`Account.regionFromInstanceMetadata`). Where the metadata cannot tell one, this is no instance (a laptop with
    /// nothing configured): that account is dropped, as the SDKs' chain moves past an unreachable metadata service.
    func resolvingInstanceRegions(_ accounts: [Account]) async -> [Account] {
        var resolved: [Account] = []
        for var account in accounts {
            if account.regionFromInstanceMetadata {
                guard
                    let region = try? await InstanceMetadataClient(transport: transport, environment: environment)
                        .region()
                else { continue }
                account.regions = [region]
                account.regionFromInstanceMetadata = false
            }
            resolved.append(account)
        }
        return resolved
    }

    /// Starts loading the network libraries in the background when this context's transport is libcurl's, for a
    /// command that is about to log in (`CurlTransport.loadInBackground()`); wait for it before exiting.
    public func loadNetworkInBackground() -> NetworkLoad? {
        transport is CurlTransport ? CurlTransport.loadInBackground() : nil
    }

    /// The ECR client every login of this process uses.
    var ecrClient: ECRClient {
        ECRClient(transport: transport, clock: clock, retry: retry)
    }

    /// Follows every kind of credential chain, keeping temporary credentials in the cache.
    /// `profiles` are the AWS files' (`awsProfiles()`) unless given.
    func credentialProvider(profiles: AWSProfiles? = nil, mfaPrompt: (any MFAPrompt)? = nil) throws
        -> ChainCredentialProvider
    {
        ChainCredentialProvider(
            profiles: try profiles ?? awsProfiles(), environment: environment, transport: transport, clock: clock,
            retry: retry, sessions: try cache(), mfaPrompt: mfaPrompt)
    }

    /// The runner logins go through: the ECR client, the credential chains, the cache, `[settings]`' timeout.
    func loginRunner(concurrency: Int? = nil, mfaPrompt: (any MFAPrompt)? = nil) throws -> LoginRunner {
        let settings = try settings()
        return LoginRunner(
            ecr: ecrClient, credentials: try credentialProvider(mfaPrompt: mfaPrompt), cache: try cache(),
            environment: environment, concurrency: concurrency ?? settings.concurrency,
            deadline: settings.loginTimeout)
    }
}
