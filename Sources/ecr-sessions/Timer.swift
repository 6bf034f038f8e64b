import ArgumentParser
import ECRSessions

extension Root {
    struct Timer: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "timer",
            abstract: "Install or remove what runs `ecr-sessions refresh --quiet` every five minutes.",
            subcommands: [Install.self, Uninstall.self])
    }
}

/// Options of both timer subcommands.
struct TimerOptions: ParsableArguments {
    @Flag(name: .long, help: "Use a crontab line instead of a systemd user timer.")
    var cron = false

    @Option(
        name: .long, help: ArgumentHelp("The config file the timer's refresh should use.", valueName: "file"),
        completion: .file())
    var config: String?

    @OptionGroup var output: OutputOptions

    func timer() -> RefreshTimer {
        RefreshTimer.forThisExecutable(configPath: config, environment: .current)
    }
}

extension Root.Timer {
    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Install a systemd user timer (or, with --cron, a crontab line) for `refresh --quiet`.")

        @OptionGroup var options: TimerOptions

        func run() throws {
            let timer = options.timer()
            if options.cron {
                try editCrontab(adding: true, timer: timer)
                return
            }
            let changed: [String]
            do {
                changed = try timer.installSystemdUnits()
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            for path in changed { print("Wrote \(path)") }
            if changed.isEmpty { print("The systemd units are already installed in \(timer.systemdDirectory).") }
            try report { () throws(TimerError) in try timer.enableSystemdTimer() }
            print("Every five minutes systemd runs: \(timer.command)")
        }
    }

    struct Uninstall: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "uninstall",
            abstract: "Remove the systemd user timer (or, with --cron, the crontab line) that `install` added.")

        @OptionGroup var options: TimerOptions

        func run() throws {
            let timer = options.timer()
            if options.cron {
                try editCrontab(adding: false, timer: timer)
                return
            }
            // Without a user bus (a container, an ssh session without lingering) nothing can be stopped, and nothing
            // runs the timer either: its files are still removed, so that none is left behind.
            do {
                try report { () throws(TimerError) in try timer.disableSystemdTimer() }
            } catch {
                printError("warning: the timer could not be stopped; its unit files are removed anyway")
            }
            let removed: [String]
            do {
                removed = try timer.removeSystemdUnits()
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            for path in removed { print("Removed \(path)") }
            if removed.isEmpty { print("No ecr-sessions timer is installed in \(timer.systemdDirectory).") }
        }
    }
}

/// Says what `systemctl --user` came to. Without systemctl, says what to run; when it fails (no user session, as in
/// containers), says so and exits 1: the units are in place but nothing will run them yet.
private func report(_ systemctl: () throws(TimerError) -> RefreshTimer.SystemctlOutcome?) throws {
    do {
        switch try systemctl() {
        case .ran(let command): print("Ran: \(command)")
        case .notFound(let command): print("systemctl was not found; to start the timer, run: \(command)")
        case nil: break
        }
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}

/// Adds or removes our line with the `crontab` command; without one, prints the line to add.
private func editCrontab(adding: Bool, timer: RefreshTimer) throws {
    let outcome: RefreshTimer.CrontabOutcome
    do {
        outcome = try adding ? timer.addToCrontab() : timer.removeFromCrontab()
    } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
    switch (outcome, adding) {
    case (.crontabNotFound, true):
        print("crontab was not found; add this line to your crontab:\n\(timer.cronLine)")
    case (.crontabNotFound, false):
        print("crontab was not found; remove the line ending in '# ecr-sessions refresh' from your crontab.")
    case (.unchanged, true): print("The crontab line is already installed:\n\(timer.cronLine)")
    case (.unchanged, false): print("No ecr-sessions line in the crontab.")
    case (.changed, true): print("Added to the crontab:\n\(timer.cronLine)")
    case (.changed, false): print("Removed the ecr-sessions line from the crontab.")
    }
}
