import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// A damaged cache between two runs of the real binary, as cron meets it: the next run moves it aside, says so in
/// one warning, renews and repairs every registry and exits 0 (issue 12). The HOME and fake ECR of
/// `RefreshProcessTests`: three profiles, three registries.
extension RefreshProcessTests {
    var cachePath: String { sandbox.home.path + "/.local/state/ecr-sessions/cache.sqlite3" }

    /// Replaces the cache and its journal with bytes that are no database.
    func damageCache() throws {
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: cachePath + suffix) }
        try Data(repeating: 0x5a, count: 8192).write(to: URL(fileURLWithPath: cachePath))
    }

    func warnings(_ result: ProcessResult) -> [String] {
        result.stderr.split(separator: "\n").filter { $0.hasPrefix("warning: the ecr-sessions cache") }.map(String.init)
    }

    @Test func refreshOnADamagedCacheRenewsRepairsAndWarnsOnce() throws {
        defer { cleanUp() }
        let first = try sandbox.run("refresh", "--quiet")
        #expect(first.status == 0, "\(first)")
        #expect(ecr.requests.count == 3)
        try damageCache()
        // The files still hold the logins; one of them is lost meanwhile and must be repaired.
        try sandbox.write(".docker/config.json", "{}")

        let second = try sandbox.run("refresh")
        #expect(second.status == 0, "\(second)")
        let warning = try #require(warnings(second).first, "\(second)")
        #expect(warnings(second).count == 1, "\(second)")
        let moved = try #require(
            try FileManager.default.contentsOfDirectory(atPath: FileSystem.directory(of: cachePath)).first {
                $0.hasPrefix("cache.sqlite3.broken-") && !$0.hasSuffix("-wal")
            })
        #expect(warning.contains(cachePath) && warning.contains(FileSystem.directory(of: cachePath) + "/" + moved))
        #expect(warning.contains("logout"))
        #expect(ecr.requests.count == 6, "every registry renewed: the new cache knows none")
        let docker = try sandbox.read(".docker/config.json")
        for account in ["200000000000", "200000000001", "200000000002"] {
            #expect(docker.contains(account + ".dkr.ecr."), "\(docker)")
        }

        let third = try sandbox.run("refresh")
        #expect(third.status == 0 && warnings(third).isEmpty, "\(third)")
        #expect(third.stdout.hasPrefix("Nothing is due"), "\(third)")
    }

    @Test func statusOnADamagedCacheHealsAndAnswers() throws {
        defer { cleanUp() }
        #expect(try sandbox.run("refresh", "--quiet").status == 0)
        try FileManager.default.removeItem(atPath: cachePath)
        try FileManager.default.createDirectory(atPath: cachePath, withIntermediateDirectories: false)

        let status = try sandbox.run("status")
        #expect(status.status == 0, "\(status)")
        #expect(warnings(status).count == 1, "\(status)")
        #expect(status.stdout.contains("No logins yet"), "\(status)")
    }

    @Test func statusShowsARowWithAnAbsurdExpiryAsExpiredAndRefreshRenewsIt() throws {
        defer { cleanUp() }
        #expect(try sandbox.run("refresh", "--quiet").status == 0)
        try SQLiteDatabase(path: cachePath).prepare("UPDATE registry_logins SET expires_at = ?1").run([.real(1e300)])

        let status = try sandbox.run("status")
        #expect(status.status == 0, "\(status)")
        let json = try sandbox.run("status", "--json")
        #expect(json.stdout.components(separatedBy: "\"state\": \"expired\"").count == 4, "every row expired: \(json)")
        let refresh = try sandbox.run("refresh", "--quiet")
        #expect(refresh.status == 0, "\(refresh)")
        #expect(ecr.requests.count == 6, "every row was due")
    }

    @Test func aProxyEndpointThatIsNoECRRegistryFailsThatAccountAndLeavesDockerHubAlone() throws {
        defer { cleanUp() }
        let hub = #"{"auths":{"docker.io":{"auth":"dXNlcjpodWI="}}}"#
        try sandbox.write(".docker/config.json", hub)
        ecr.setProxyEndpoint("https://docker.io", account: "200000000001")

        let result = try sandbox.run("refresh", "--quiet")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("profile 'a1' (eu-west-1)"), "\(result)")
        #expect(result.stderr.contains(#""https://docker.io""#), "\(result)")
        let docker = try JSONSerialization.jsonObject(with: Data(try sandbox.read(".docker/config.json").utf8))
        let auths = try #require((docker as? [String: Any])?["auths"] as? [String: Any])
        #expect((auths["docker.io"] as? [String: String])?["auth"] == "dXNlcjpodWI=")
        #expect(auths.keys.filter { $0.contains(".dkr.ecr.") }.count == 2, "the other accounts are logged in")
    }
}

/// A cache the user may not open is no damage: it stays where it is and the command stops with what to do.
extension PermissionTests {
    @Test func aCacheFileThatCannotBeOpenedIsNotMovedAside() throws {
        defer { sandbox.remove() }
        let state = sandbox.home.path + "/.local/state/ecr-sessions"
        _ = try Cache(path: state + "/cache.sqlite3")
        #expect(chmod(state + "/cache.sqlite3", 0) == 0)

        let result = try runUnprivileged("status")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("own the state directory"), "\(result)")
        #expect(!result.stderr.contains("warning:"), "\(result)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: state)
        #expect(entries.contains("cache.sqlite3") && !entries.contains { $0.contains("broken") }, "\(entries)")
    }
}
