import ArgumentParser
import ECRSessions

/// Options every command that reads the configuration shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ecr-sessions config file (default: ECR_SESSIONS_CONFIG, else ~/.config/ecr-sessions/config).",
            valueName: "file"))
    var config: String?

    /// The library's front door for this process, or exit 2 when the environment is unusable.
    func sessions() throws -> Sessions {
        do {
            return try Sessions.live(configPath: config)
        } catch {
            throw configurationFailure(error)
        }
    }
}
