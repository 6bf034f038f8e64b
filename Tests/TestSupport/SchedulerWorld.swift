public import ECRSessions
public import Foundation

/// An in-process world for scheduler tests: a temporary HOME with AWS profiles, a FakeECR that knows their keys,
/// an `ActionContext` over the real libcurl transport and SQLite cache, and one manual clock for all of them.
public final class SchedulerWorld: Sendable {
    public let clock: ManualClock
    public let ecr: FakeECR
    public let home: TemporaryDirectory
    public let context: ActionContext
    /// Profile name → (account ID, region).
    public let accounts: [(profile: String, account: String, region: String)]

    public init(
        accountCount: Int, config: String? = nil, start: Date = Date(timeIntervalSince1970: 1_800_000_000),
        targets: TargetCatalog = .standard
    ) throws {
        clock = ManualClock(start)
        let regions = ["us-east-1", "us-west-2", "eu-west-1"]
        ecr = try FakeECR(clock: clock, regions: Set(regions))
        home = try TemporaryDirectory("ecr-sessions-world")
        accounts = (0..<accountCount).map { index in
            ("p\(index)", String(format: "1000000000%02d", index), regions[index % regions.count])
        }
        var credentials = ""
        var awsConfig = ""
        for (index, account) in accounts.enumerated() {
            let key = AWSCredentials(
                accessKeyID: String(format: "AKIAWORLD%011d", index),
                secretAccessKey: "secret-\(index)-\(account.account)")
            ecr.register(key, account: account.account)
            credentials +=
                "[\(account.profile)]\naws_access_key_id = \(key.accessKeyID)\n"
                + "aws_secret_access_key = \(key.secretAccessKey)\n\n"
            awsConfig += "[profile \(account.profile)]\nregion = \(account.region)\n\n"
        }
        try home.write(".aws/credentials", credentials)
        try home.write(".aws/config", awsConfig)
        if let config { try home.write(".config/ecr-sessions/config", config) }
        // The fake serves private ECR and ECR Public alike.
        let environment = Environment(ecr.environment.merging(["HOME": home.path]) { $1 })
        context = ActionContext(
            environment: environment, clock: clock, transport: CurlTransport(settings: CurlSettings()),
            retry: RetryPolicy(maxAttempts: 3, baseDelay: .zero, maxDelay: .zero), targets: targets)
    }

    public func remove() {
        ecr.stop()
        home.remove()
    }
}
