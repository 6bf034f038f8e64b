import Foundation

/// Turning the installed timer on and off: `systemctl --user` for the systemd units, the `crontab` command for the
/// cron line. Both are found on the timer's environment's PATH; without them the outcome says what to do by hand.
extension RefreshTimer {
    /// What `systemctl --user` came to, when it did not fail.
    public enum SystemctlOutcome: Sendable, Equatable {
        /// It ran `command` (for example `systemctl --user enable --now ecr-sessions-refresh.timer`).
        case ran(command: String)
        /// There is no systemctl on PATH: the user should run `command` once there is.
        case notFound(command: String)
    }

    /// What adding or removing the crontab line came to.
    public enum CrontabOutcome: Sendable, Equatable {
        case changed
        /// The line was already there (adding) or not there (removing).
        case unchanged
        /// There is no `crontab` command on PATH: the user should edit the crontab by hand.
        case crontabNotFound
    }

    /// Reloads systemd's units and enables and starts the timer. Fails when systemctl does (as it does without a
    /// user session, in containers): the units are in place, but nothing runs them yet.
    public func enableSystemdTimer() throws(TimerError) -> SystemctlOutcome {
        try systemctl(["daemon-reload"], then: ["enable", "--now", "\(Self.unitName).timer"])
    }

    /// Stops and disables the timer; nil when its unit is not installed, so there is nothing to stop.
    public func disableSystemdTimer() throws(TimerError) -> SystemctlOutcome? {
        guard FileSystem.exists("\(systemdDirectory)/\(Self.unitName).timer") else { return nil }
        return try systemctl(["disable", "--now", "\(Self.unitName).timer"], then: nil)
    }

    /// Adds the cron line to the user's crontab (replacing an older one of ours).
    public func addToCrontab() throws(TimerError) -> CrontabOutcome {
        try editCrontab { crontab(adding: $0) }
    }

    /// Removes the cron line from the user's crontab.
    public func removeFromCrontab() throws(TimerError) -> CrontabOutcome {
        try editCrontab { crontab(removingFrom: $0) }
    }

    /// Whether the systemd timer unit is in place.
    public var hasSystemdUnits: Bool {
        FileSystem.exists("\(systemdDirectory)/\(Self.unitName).timer")
    }

    /// The installed service unit's text; nil when there is none.
    public var installedServiceUnit: String? {
        (try? FileSystem.contents(atPath: "\(systemdDirectory)/\(Self.unitName).service"))?
            .map { String(decoding: $0.data, as: UTF8.self) }
    }

    /// Whether the user's crontab holds an ecr-sessions line; nil when there is no `crontab` command to ask.
    public func isInCrontab() -> Bool? {
        guard let crontab = program("crontab") else { return nil }
        let list = run(crontab, ["-l"])
        return list.status == 0 && list.stdout.split(separator: "\n").contains { $0.hasSuffix(Self.cronMarker) }
    }

    /// Points an installed timer (the systemd service, the crontab line) at `executable`, its other arguments kept;
    /// returns what it changed: the unit's path, `crontab`. Nothing when none is installed or it points there already.
    public func repoint(to executable: String) throws(TimerError) -> [String] {
        var changed: [String] = []
        let service = "\(systemdDirectory)/\(Self.unitName).service"
        if let unit = installedServiceUnit {
            let updated = Self.replacingExecutable(in: unit, prefix: "ExecStart=", with: quoted(executable))
            if updated != unit {
                do {
                    try AtomicFile.replace(service, with: Data(updated.utf8), mode: 0o644)
                } catch {
                    throw TimerError(description: "cannot write \(service): \(error.reason)")
                }
                changed.append(service)
                // Best effort: without a user bus systemd reads the unit at its next start anyway.
                if let systemctl = program("systemctl") { _ = run(systemctl, ["--user", "daemon-reload"]) }
            }
        }
        let fields = "*/5 * * * * "
        let edited = try editCrontab { current in
            guard current.contains(Self.cronMarker) else { return nil }
            let updated = Self.replacingExecutable(in: current, prefix: fields, with: quoted(executable)) {
                $0.hasSuffix(Self.cronMarker)
            }
            return updated == current ? nil : updated
        }
        if edited == .changed { changed.append("crontab") }
        return changed
    }

    /// `text` with the first word after `prefix` on each matching line replaced by `word`; a quoted word
    /// (`'/my dir/ecr-sessions'`) counts as one.
    static func replacingExecutable(
        in text: String, prefix: String, with word: String, where matches: (Substring) -> Bool = { _ in true }
    ) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.hasPrefix(prefix), matches(line) else { return String(line) }
            let rest = line.dropFirst(prefix.count)
            let end: Substring.Index =
                rest.first == "'"
                ? rest.dropFirst().firstIndex(of: "'").map { rest.index(after: $0) } ?? rest.endIndex
                : rest.firstIndex(of: " ") ?? rest.endIndex
            return prefix + word + rest[end...]
        }.joined(separator: "\n")
    }

    // MARK: - Running the commands

    /// Runs `systemctl --user` with `first`, then `second`.
    private func systemctl(_ first: [String], then second: [String]?) throws(TimerError) -> SystemctlOutcome {
        let manual = "systemctl --user " + (second ?? first).joined(separator: " ")
        guard let systemctl = program("systemctl") else { return .notFound(command: manual) }
        for arguments in [first] + (second.map { [$0] } ?? []) {
            let result = run(systemctl, ["--user"] + arguments)
            guard result.status == 0 else {
                throw TimerError(
                    description: "systemctl --user \(arguments.joined(separator: " ")) failed: \(result.output)\n"
                        + "Once a user session with systemd is available, run: \(manual)")
            }
        }
        return .ran(command: manual)
    }

    /// Reads the crontab with `crontab -l`, and writes `update`'s result (unless nil) back with `crontab -`.
    private func editCrontab(_ update: (String) -> String?) throws(TimerError) -> CrontabOutcome {
        guard let crontab = program("crontab") else { return .crontabNotFound }
        let list = run(crontab, ["-l"])
        // `crontab -l` fails with "no crontab for USER" when there is none yet: that is an empty crontab.
        guard let updated = update(list.status == 0 ? list.stdout : "") else { return .unchanged }
        let write = run(crontab, ["-"], input: updated)
        guard write.status == 0 else { throw TimerError(description: "crontab - failed: \(write.output)") }
        return .changed
    }

    private func program(_ name: String) -> String? {
        ExecutableSearch.find(name, path: environment["PATH"] ?? "/usr/bin:/bin")
    }

    /// Runs `executable` with the timer's environment; `output` is what it printed on both streams, trimmed.
    private func run(_ executable: String, _ arguments: [String], input: String? = nil) -> (
        status: Int32, stdout: String, output: String
    ) {
        let child = ChildProcess(
            executable, arguments: [executable] + arguments, environment: environment.values,
            input: Array((input ?? "").utf8))
        do {
            let result = try child.runBlocking()
            let stdout = String(decoding: result.stdout, as: UTF8.self)
            let output = (stdout + String(decoding: result.stderr, as: UTF8.self))
            return (result.exitStatus, stdout, output.trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return (127, "", error.description)
        }
    }
}
