import ECRSessions
import Foundation
import TestSupport
import Testing

/// Every place a login was written stays up to date until logout, whatever the environment of later runs.
@Suite(.serialized) struct TargetPlacesTests {
    let fake: FakeECR
    let sandbox: CLISandbox
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    init() throws {
        fake = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        sandbox = try .devProfile(of: fake, accessKeyID: "AKIDPLACES", secretAccessKey: "places-secret")
        try sandbox.write(".config/ecr-sessions/config", "[settings]\ntargets = containers\n")
    }

    private func auth(_ relative: String) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: Data(sandbox.read(relative).utf8)) as? [String: Any]
        return ((object?["auths"] as? [String: Any])?[host] as? [String: Any])?["auth"] as? String
    }

    /// Logged in from a desktop shell (XDG_RUNTIME_DIR set), then renewed from cron (unset): podman's file in the
    /// runtime directory gets each new token too, refresh puts it back after a `podman logout`, and one logout
    /// clears both files.
    /// Where a desktop session's podman reads, relative to HOME (`XDG_RUNTIME_DIR` is `~/run` in `desktopLogin`).
    private let runtimeFile = "run/containers/auth.json"

    /// `accounts login dev` from a desktop shell: XDG_RUNTIME_DIR set, and not /run/user/UID.
    private func desktopLogin() throws {
        var desktop = sandbox
        desktop.environment["XDG_RUNTIME_DIR"] = sandbox.home.path + "/run"
        try FileManager.default.createDirectory(atPath: sandbox.home.path + "/run", withIntermediateDirectories: true)
        let first = try desktop.run("accounts", "login", "dev")
        #expect(first.status == 0, "\(first)")
    }

    @Test func aDesktopLoginsAuthFileIsKeptFreshFromCron() throws {
        defer { sandbox.remove() }
        try desktopLogin()
        #expect(
            try auth(runtimeFile) == fake.lastToken(account: "111122223333", region: "eu-west-1")?.authorizationToken)

        let cron = try sandbox.run("accounts", "login", "dev")
        #expect(cron.status == 0, "\(cron)")
        let renewed = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1")?.authorizationToken)
        #expect(try auth(".config/containers/auth.json") == renewed)
        #expect(try auth(runtimeFile) == renewed)

        try sandbox.write(runtimeFile, #"{"auths": {}}"#)  // podman logout
        let refresh = try sandbox.run("refresh")
        #expect(refresh.status == 0, "\(refresh)")
        #expect(try auth(runtimeFile) == renewed, "\(refresh)")

        let logout = try sandbox.run("accounts", "logout", "--all")
        #expect(logout.status == 0, "\(logout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.home.path + "/" + runtimeFile), "\(logout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.home.path + "/.config/containers/auth.json"))
    }

    /// The same desktop login, then the cache overwritten with bytes that are no database: the run from cron that
    /// rebuilds it still knows the runtime directory's file from the undo records' copy, renews it, and logout still
    /// clears it (the week in the field of the reliability suite found it expiring).
    @Test func aDesktopLoginsAuthFileSurvivesADamagedCache() throws {
        defer { sandbox.remove() }
        try desktopLogin()
        let cache = sandbox.home.path + "/.local/state/ecr-sessions/cache.sqlite3"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cache + suffix) }
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: cache))

        let cron = try sandbox.run("refresh")
        #expect(cron.status == 0, "\(cron)")
        #expect(cron.stderr.contains("come back from their copy"), "\(cron)")
        let renewed = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1")?.authorizationToken)
        #expect(try auth(".config/containers/auth.json") == renewed)
        #expect(try auth(runtimeFile) == renewed, "\(cron)")

        let logout = try sandbox.run("accounts", "logout", "--all")
        #expect(logout.status == 0, "\(logout)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.home.path + "/" + runtimeFile), "\(logout)")
    }
}
