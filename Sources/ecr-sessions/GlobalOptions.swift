import ArgumentParser
import ECRSessions
import Foundation
import Logging

/// Options every command that reads the configuration shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The ecr-sessions config file (default: ECR_SESSIONS_CONFIG, else ~/.config/ecr-sessions/config).",
            valueName: "file"),
        completion: .file())
    var config: String?

    @OptionGroup var output: OutputOptions

    /// The actions' context for this process.
    func context() throws(ClockError) -> ActionContext {
        try ActionContext.live(configPath: config, cacheRecovered: printCacheRecovery)
    }
}

/// How much a command says, on every command: `-q` only what is wrong, `-v` also what it is doing.
///
/// Accepted everywhere so that scripts can pass them uniformly; commands whose output is a protocol's answer
/// (credential helpers, `get-login-password`) keep their answer as it is and only log less or more on stderr.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print nothing unless something is wrong.")
    var quiet = false

    @Flag(
        name: .shortAndLong,
        help: "Also say what is being done on stderr: profiles, regions, timings (never a secret).")
    var verbose = false

    func validate() throws {
        if quiet && verbose { throw ValidationError("Use --quiet or --verbose, not both.") }
    }

    /// The least severe level logged: debug with `-v`, warning with `-q`, else info.
    var level: Logger.Level { verbose ? .debug : quiet ? .warning : .info }

    /// A logger writing to stderr at `level`; with `timestamps`, each line starts with `now()` in UTC (the daemon's
    /// lines, read later in a journal or `kubectl logs`).
    func logger(timestamps: (@Sendable () -> Date)? = nil) -> Logger {
        var logger = Logger(label: "ecr-sessions") { _ in StandardErrorLogHandler(timestamps: timestamps) }
        logger.logLevel = level
        return logger
    }
}
