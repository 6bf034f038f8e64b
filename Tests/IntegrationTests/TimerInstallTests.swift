import Foundation
import TestSupport
import Testing

/// `timer install|uninstall` through the real binary. systemd's and cron's own commands are stood in for by small
/// scripts first on PATH (this machine has no user systemd session, and a test must not edit root's crontab); they
/// record how they were called and keep the crontab in a file.
@Suite struct TimerInstallTests {
    let sandbox: CLISandbox
    let tools: String

    init() throws {
        var sandbox = try CLISandbox()
        tools = sandbox.home.path + "/tools"
        try sandbox.write(
            "tools/systemctl",
            """
            #!/bin/sh
            echo "$*" >> "$HOME/systemctl.log"
            [ -f "$HOME/systemctl.fail" ] && { echo "Failed to connect to bus" >&2; exit 1; }
            exit 0
            """)
        try sandbox.write(
            "tools/crontab",
            """
            #!/bin/sh
            case "$1" in
              -l) [ -f "$HOME/crontab.txt" ] || { echo "no crontab for $USER" >&2; exit 1; }; cat "$HOME/crontab.txt" ;;
              -) cat > "$HOME/crontab.txt" ;;
              *) exit 2 ;;
            esac
            """)
        for tool in ["systemctl", "crontab"] {
            chmod("\(tools)/\(tool)", 0o755)
        }
        sandbox.environment["PATH"] = tools + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin")
        self.sandbox = sandbox
    }

    @Test func systemdTimerInstallsOnceEnablesAndUninstalls() throws {
        defer { sandbox.remove() }
        let install = try sandbox.run("timer", "install")
        #expect(install.status == 0, "\(install)")
        let timer = try sandbox.read(".config/systemd/user/ecr-sessions-refresh.timer")
        let service = try sandbox.read(".config/systemd/user/ecr-sessions-refresh.service")
        #expect(timer.contains("OnCalendar=*:0/5"))
        #expect(timer.contains("Persistent=true"))
        #expect(service.contains("refresh --quiet"))
        #expect(service.contains("ExecStart=/"), "an absolute path: systemd does not search PATH the same way")
        #expect(
            try sandbox.read("systemctl.log")
                == "--user daemon-reload\n--user enable --now ecr-sessions-refresh.timer\n")
        #expect(install.stdout.contains("Wrote"))

        let again = try sandbox.run("timer", "install")
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("already installed"), "\(again)")
        #expect(try sandbox.read(".config/systemd/user/ecr-sessions-refresh.timer") == timer)

        let uninstall = try sandbox.run("timer", "uninstall")
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(try sandbox.read("systemctl.log").hasSuffix("--user disable --now ecr-sessions-refresh.timer\n"))
        #expect(
            !FileManager.default.fileExists(
                atPath: sandbox.home.path + "/.config/systemd/user/ecr-sessions-refresh.timer"))
        let none = try sandbox.run("timer", "uninstall")
        #expect(none.status == 0 && none.stdout.contains("No ecr-sessions timer"), "\(none)")
    }

    @Test func withoutAUserSessionTheUnitsAreWrittenAndTheFailureIsSaid() throws {
        defer { sandbox.remove() }
        try sandbox.write("systemctl.fail", "")
        let install = try sandbox.run("timer", "install")
        #expect(install.status == 1, "\(install)")
        #expect(install.stderr.contains("Failed to connect to bus"), "\(install)")
        #expect(install.stderr.contains("systemctl --user enable --now ecr-sessions-refresh.timer"), "\(install)")
        #expect(
            FileManager.default.fileExists(
                atPath: sandbox.home.path + "/.config/systemd/user/ecr-sessions-refresh.timer"))
    }

    @Test func withoutAUserSessionUninstallStillRemovesTheUnitsAndTheirLink() throws {
        defer { sandbox.remove() }
        let units = sandbox.home.path + "/.config/systemd/user"
        #expect(try sandbox.run("timer", "install").status == 0)
        // What `systemctl --user enable` leaves, which no `disable` can remove without a bus.
        try FileManager.default.createDirectory(
            atPath: units + "/timers.target.wants", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: units + "/timers.target.wants/ecr-sessions-refresh.timer",
            withDestinationPath: units + "/ecr-sessions-refresh.timer")
        try sandbox.write("systemctl.fail", "")
        let uninstall = try sandbox.run("timer", "uninstall")
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(uninstall.stderr.contains("Failed to connect to bus"), "\(uninstall)")
        #expect(uninstall.stderr.contains("removed anyway"), "\(uninstall)")
        let leftovers = ["ecr-sessions-refresh.timer", "ecr-sessions-refresh.service"]
        for unit in leftovers + ["timers.target.wants/ecr-sessions-refresh.timer"] {
            #expect((try? FileManager.default.attributesOfItem(atPath: units + "/" + unit)) == nil, "\(unit)")
        }
    }

    @Test func installCopiesTheBinaryLinksTheHelperAndRepointsTheTimer() throws {
        defer { sandbox.remove() }
        let prefix = sandbox.home.path + "/my prefix"
        let units = sandbox.home.path + "/.config/systemd/user"
        try sandbox.write("crontab.txt", "0 3 * * * /usr/bin/backup\n")
        // Timers installed by the build folder's binary, as the old Quick start left them.
        #expect(try sandbox.run("timer", "install").status == 0)
        #expect(try sandbox.run("timer", "install", "--cron", "--config", "~/ecr.config").status == 0)

        let install = try sandbox.run("install", "--prefix", prefix)
        #expect(install.status == 0, "\(install)")
        let installed = prefix + "/bin/ecr-sessions"
        #expect(FileManager.default.contentsEqual(atPath: installed, andPath: CLISandbox.executable))
        #expect(FileManager.default.isExecutableFile(atPath: installed))
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: prefix + "/bin/docker-credential-ecr-sessions")
                == installed)
        let service = try String(contentsOfFile: units + "/ecr-sessions-refresh.service", encoding: .utf8)
        #expect(service.contains("ExecStart='\(installed)' refresh --quiet\n"), "\(service)")
        let crontab = try sandbox.read("crontab.txt")
        #expect(crontab.hasPrefix("0 3 * * * /usr/bin/backup\n"), "\(crontab)")
        #expect(
            crontab.contains("*/5 * * * * '\(installed)' refresh --quiet --config \(sandbox.home.path)/ecr.config"),
            "\(crontab)")
        #expect(install.stderr.contains("is not on PATH"), "\(install)")

        let again = try sandbox.run("install", "--prefix", prefix)
        #expect(again.status == 0 && again.stdout.contains("is up to date") && !again.stdout.contains("Pointed"))
        #expect(!again.stdout.contains("Installed "), "\(again)")  // the page and completions are there already
    }

    @Test func cronLineIsAddedOnceKeepsOtherLinesAndIsRemoved() throws {
        defer { sandbox.remove() }
        try sandbox.write("crontab.txt", "MAILTO=ops@example.com\n0 3 * * * /usr/bin/backup\n")
        let install = try sandbox.run("timer", "install", "--cron", "--config", "~/my ecr.config")
        #expect(install.status == 0, "\(install)")
        let crontab = try sandbox.read("crontab.txt")
        let lines = crontab.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == "MAILTO=ops@example.com" && lines[1] == "0 3 * * * /usr/bin/backup")
        #expect(lines[2].hasPrefix("*/5 * * * * /"))
        #expect(lines[2].contains("refresh --quiet --config '\(sandbox.home.path)/my ecr.config'"), "\(crontab)")

        let again = try sandbox.run("timer", "install", "--cron", "--config", "~/my ecr.config")
        #expect(again.stdout.contains("already installed"), "\(again)")
        #expect(try sandbox.read("crontab.txt") == crontab)

        let uninstall = try sandbox.run("timer", "uninstall", "--cron")
        #expect(uninstall.status == 0, "\(uninstall)")
        #expect(try sandbox.read("crontab.txt") == "MAILTO=ops@example.com\n0 3 * * * /usr/bin/backup\n")
    }

    @Test func cronWithoutACrontabStartsOne() throws {
        defer { sandbox.remove() }
        let install = try sandbox.run("timer", "install", "--cron")
        #expect(install.status == 0, "\(install)")
        #expect(try sandbox.read("crontab.txt").hasSuffix("refresh --quiet # ecr-sessions refresh\n"))
    }
}
