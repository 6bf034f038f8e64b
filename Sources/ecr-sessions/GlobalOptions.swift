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

    /// The actions' context for this process.
    func context() throws(ClockError) -> ActionContext {
        try ActionContext.live(configPath: config, cacheRecovered: printCacheRecovery)
    }
}
