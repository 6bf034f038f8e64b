import Foundation
import Synchronization

/// The library's front door: one user's AWS files, cache and registry config files, and the operations the
/// command line offers on them. Opens the cache at most once per process.
public final class Sessions: Sendable {
    public let environment: Environment
    public let clock: any WallClock
    public let transport: any HTTPTransport
    /// The ecr-sessions config file named on the command line, if any (else `ECR_SESSIONS_CONFIG` or the default).
    public let configPath: String?
    /// How ECR calls are retried within one login.
    public let retry: RetryPolicy
    private let openedCache = Mutex<Cache?>(nil)
    private let loadedProfiles = FileBackedValue<AWSProfiles>()
    private let loadedConfiguration = FileBackedValue<Configuration?>()

    public init(
        environment: Environment, clock: any WallClock, transport: any HTTPTransport, configPath: String? = nil,
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.environment = environment
        self.clock = clock
        self.transport = transport
        self.configPath = configPath
        self.retry = retry
    }

    /// The ECR client every login of this process uses.
    var ecrClient: ECRClient {
        ECRClient(transport: transport, clock: clock, retry: retry)
    }

    /// Sessions for this process: its environment, the system clock (or `ECR_SESSIONS_FAKE_NOW`) and libcurl.
    public static func live(environment: Environment = .current, configPath: String? = nil) throws(ClockError)
        -> Sessions
    {
        Sessions(
            environment: environment, clock: try environment.clock(),
            transport: CurlTransport(settings: CurlSettings(environment: environment)), configPath: configPath)
    }

    /// The ecr-sessions config file, or nil when there is none (zero-config).
    public func configuration() throws(ConfigurationFileError) -> Configuration? {
        let path = Configuration.FileLocation(explicitPath: configPath, environment: environment).path
        return try loadedConfiguration.value(paths: [path]) { () throws(ConfigurationFileError) in
            try Configuration.load(explicitPath: configPath, environment: environment)
        }
    }

    /// The AWS config and credentials files, as the environment locates them; read again only when they change.
    public func awsProfiles() throws(AWSConfigError) -> AWSProfiles {
        let paths = [
            AWSProfiles.configFilePath(environment: environment),
            AWSProfiles.credentialsFilePath(environment: environment),
        ]
        return try loadedProfiles.value(paths: paths) { () throws(AWSConfigError) in
            try AWSProfiles.load(environment: environment)
        }
    }

    /// The SQLite cache, opened on first use.
    public func cache() throws(CacheError) -> Cache {
        try openedCache.withLock { (cache: inout Cache?) throws(CacheError) -> Cache in
            if let cache { return cache }
            let opened = try Cache(path: Cache.defaultPath(environment: environment))
            cache = opened
            return opened
        }
    }

    /// Where every registry stands, from the cache alone: no network, no AWS files.
    public func status() throws(CacheError) -> [StatusEntry] {
        let cache = try cache()
        return StatusEntry.entries(logins: try cache.logins(), latestAttempts: try cache.latestAttempts())
    }
}
