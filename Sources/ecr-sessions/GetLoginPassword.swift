import ArgumentParser
import ECRSessions

extension Root {
    struct GetLoginPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get-login-password",
            abstract: "Print the registry password for a profile and region, like `aws ecr get-login-password`.",
            discussion: "Served from the cache while the cached token has more than 30 minutes left.")

        @Option(
            name: .long, help: "The profile (default: AWS_PROFILE, else default).",
            completion: ShellCompletion.profileNames)
        var profile: String?

        @Option(name: .long, help: "The region (default: AWS_REGION, AWS_DEFAULT_REGION, else the profile's).")
        var region: String?

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let context = try ActionContext.live(cacheRecovered: printCacheRecovery)
            print(try await Actions.LoginPassword(context).run(profile: profile, region: region))
        }
    }
}
