import ArgumentParser
import ECRSessions
import Foundation

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

    @Option(name: .long, help: ArgumentHelp("The config file the timer's refresh should use.", valueName: "file"))
    var config: String?

    func timer() -> RefreshTimer {
        let environment = Environment.current
        let executable = Bundle.main.executableURL?.resolvingSymlinksInPath().path ?? CommandLine.arguments[0]
        let config = self.config.map { path in
            URL(fileURLWithPath: environment.expandingTilde(path)).standardizedFileURL.path
        }
        return RefreshTimer(executable: executable, configPath: config, environment: environment)
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
            try systemctl(["daemon-reload"], then: ["enable", "--now", "\(RefreshTimer.unitName).timer"])
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
            let unitsExist = FileManager.default.fileExists(
                atPath: "\(timer.systemdDirectory)/\(RefreshTimer.unitName).timer")
            if unitsExist {
                try systemctl(["disable", "--now", "\(RefreshTimer.unitName).timer"], then: nil)
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

/// Runs `systemctl --user` with `first`, then `second`. Without systemctl, says what to run; when it fails (no user
/// session, as in containers), says so and exits 1: the units are in place but nothing will run them yet.
private func systemctl(_ first: [String], then second: [String]?) throws {
    let manual = "systemctl --user " + (second ?? first).joined(separator: " ")
    guard let path = executableOnPath("systemctl") else {
        print("systemctl was not found; to start the timer, run: \(manual)")
        return
    }
    for arguments in [first] + (second.map { [$0] } ?? []) {
        let result = runChild(path, ["--user"] + arguments)
        guard result.status == 0 else {
            printError(
                "error: systemctl --user \(arguments.joined(separator: " ")) failed: "
                    + result.output.trimmingCharacters(in: .whitespacesAndNewlines))
            printError("Once a user session with systemd is available, run: \(manual)")
            throw ExitCode(1)
        }
    }
    print("Ran: \(manual)")
}

/// Adds or removes our line with the `crontab` command; without one, prints the line to add.
private func editCrontab(adding: Bool, timer: RefreshTimer) throws {
    guard let crontab = executableOnPath("crontab") else {
        if adding {
            print("crontab was not found; add this line to your crontab:\n\(timer.cronLine)")
        } else {
            print("crontab was not found; remove the line ending in '# ecr-sessions refresh' from your crontab.")
        }
        return
    }
    let list = runChild(crontab, ["-l"])
    // `crontab -l` fails with "no crontab for USER" when there is none yet: that is an empty crontab.
    let current = list.status == 0 ? list.output : ""
    guard let updated = adding ? timer.crontab(adding: current) : timer.crontab(removingFrom: current) else {
        print(
            adding
                ? "The crontab line is already installed:\n\(timer.cronLine)" : "No ecr-sessions line in the crontab.")
        return
    }
    let write = runChild(crontab, ["-"], input: updated)
    guard write.status == 0 else {
        printError("error: crontab - failed: " + write.output.trimmingCharacters(in: .whitespacesAndNewlines))
        throw ExitCode(1)
    }
    print(adding ? "Added to the crontab:\n\(timer.cronLine)" : "Removed the ecr-sessions line from the crontab.")
}

private func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

private func runChild(_ executable: String, _ arguments: [String], input: String? = nil) -> (
    status: Int32, output: String
) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let stdin = Pipe()
    process.standardOutput = output
    process.standardError = output
    process.standardInput = stdin
    do {
        try process.run()
    } catch {
        return (127, error.localizedDescription)
    }
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try? stdin.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
