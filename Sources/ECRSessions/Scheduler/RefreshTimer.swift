import Foundation

/// Installs what runs `ecr-sessions refresh --quiet` every five minutes: a systemd user timer, or a crontab line.
/// Installing twice changes nothing; uninstalling removes exactly what was installed.
public struct RefreshTimer: Sendable {
    /// The absolute path of the `ecr-sessions` to run.
    public var executable: String
    /// A config file to pass with `--config`, if the user chose one.
    public var configPath: String?
    public var environment: Environment

    public init(executable: String, configPath: String? = nil, environment: Environment) {
        self.executable = executable
        self.configPath = configPath
        self.environment = environment
    }

    /// The timer that runs this very executable, with `configPath` (as the user typed it: `~` and relative paths
    /// allowed) made absolute, since neither systemd nor cron runs it from here.
    public static func forThisExecutable(configPath: String?, environment: Environment) -> RefreshTimer {
        RefreshTimer(
            executable: CurrentExecutable.path,
            configPath: configPath.map { FileSystem.absolutePath(environment.expandingTilde($0)) },
            environment: environment)
    }

    public static let unitName = "ecr-sessions-refresh"
    static let cronMarker = "# ecr-sessions refresh"

    /// The command line the timer runs, quoted for both systemd and the shell cron uses.
    public var command: String {
        ([executable, "refresh", "--quiet"] + (configPath.map { ["--config", $0] } ?? []))
            .map(quoted).joined(separator: " ")
    }

    func quoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:@,".contains($0) }
            ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    // MARK: systemd

    /// `$XDG_CONFIG_HOME/systemd/user`, else `~/.config/systemd/user`.
    public var systemdDirectory: String {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? environment.homeDirectory + "/.config"
        return base + "/systemd/user"
    }

    var serviceUnit: String {
        """
        # Written by `ecr-sessions timer install`; removed by `ecr-sessions timer uninstall`.
        [Unit]
        Description=Renew Amazon ECR registry logins that are due

        [Service]
        Type=oneshot
        ExecStart=\(command)

        """
    }

    var timerUnit: String {
        """
        # Written by `ecr-sessions timer install`; removed by `ecr-sessions timer uninstall`.
        [Unit]
        Description=Renew Amazon ECR registry logins every five minutes

        [Timer]
        OnCalendar=*:0/5
        # Runs missed while the machine was off or asleep happen at once on wake.
        Persistent=true
        RandomizedDelaySec=30

        [Install]
        WantedBy=timers.target

        """
    }

    /// Writes the service and timer units; returns the files it changed (none when they were already so).
    public func installSystemdUnits() throws(TimerError) -> [String] {
        var changed: [String] = []
        for (name, text) in [("service", serviceUnit), ("timer", timerUnit)] {
            let path = "\(systemdDirectory)/\(Self.unitName).\(name)"
            if (try? FileSystem.contents(atPath: path))??.data == Data(text.utf8) { continue }
            do {
                try FileSystem.makeDirectory(systemdDirectory)
                // Readable by all, as systemd's own units are: they hold no secret.
                try AtomicFile.replace(path, with: Data(text.utf8), mode: 0o644)
            } catch {
                throw TimerError(description: "cannot write \(path): \(error.reason)")
            }
            changed.append(path)
        }
        return changed
    }

    /// Removes the units, and the link `enable` made in `timers.target.wants` when no `disable` could remove it (no
    /// user bus); returns the files it removed.
    public func removeSystemdUnits() throws(TimerError) -> [String] {
        var removed: [String] = []
        let paths = [
            "\(systemdDirectory)/timers.target.wants/\(Self.unitName).timer",
            "\(systemdDirectory)/\(Self.unitName).timer", "\(systemdDirectory)/\(Self.unitName).service",
        ]
        for path in paths {
            guard FileSystem.entryExists(path) else { continue }
            do {
                try FileSystem.remove(path)
            } catch {
                throw TimerError(description: "cannot remove \(path): \(error.reason)")
            }
            removed.append(path)
        }
        return removed
    }

    // MARK: cron

    /// The crontab line: every five minutes, marked so that it can be found again.
    public var cronLine: String { "*/5 * * * * \(command) \(Self.cronMarker)" }

    /// The crontab with our line added (or replaced), or nil when it is already there as it should be.
    public func crontab(adding current: String) -> String? {
        var lines = current.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        if lines.contains(cronLine) { return nil }
        lines.removeAll { $0.hasSuffix(Self.cronMarker) }
        return (lines + [cronLine]).joined(separator: "\n") + "\n"
    }

    /// The crontab without our line, or nil when it has none.
    public func crontab(removingFrom current: String) -> String? {
        // Blank lines and the final newline are the user's: keep them.
        let lines = current.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let kept = lines.filter { !$0.hasSuffix(Self.cronMarker) }
        return kept.count == lines.count ? nil : kept.joined(separator: "\n")
    }
}

/// The timer could not be installed or removed.
public struct TimerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
