import ECRSessions
import Foundation
import TestSupport
import Testing

/// `accounts login` and `accounts list` say only what is true: no `Login Succeeded` for a registry whose file could
/// not be written, and an `[account]` naming a profile the AWS files lack is flagged, with advice that fits it.
@Suite struct AccountsDefectsTests {
    let ecr: FakeECR
    let sandbox: CLISandbox
    let host = "210000000001.dkr.ecr.eu-west-1.amazonaws.com"

    init() throws {
        ecr = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        var sandbox = try CLISandbox()
        sandbox.environment.merge(ecr.environment) { $1 }
        let key = AWSCredentials(accessKeyID: "AKIADEFECTS000000001", secretAccessKey: "secret-of-dev")
        ecr.register(key, account: "210000000001")
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n")
        try sandbox.write(".aws/config", "[profile dev]\nregion = eu-west-1\n")
        self.sandbox = sandbox
    }

    func cleanUp() {
        ecr.stop()
        sandbox.remove()
    }

    @Test func noLoginSucceededForARegistryWhoseFileCouldNotBeWritten() throws {
        defer { cleanUp() }
        try sandbox.write(".docker/config.json", "{ not json")
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 1, "\(login)")
        #expect(!login.stdout.contains("Login Succeeded"), "\(login)")
        #expect(login.stderr.contains("config.json"), "\(login)")
        #expect(try sandbox.read(".docker/config.json") == "{ not json")

        try sandbox.write(".docker/config.json", "{}")
        let again = try sandbox.run("accounts", "login", "--all")
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("Login Succeeded: \(host) (profile dev"), "\(again)")
    }

    @Test func anAccountWithAnUnknownProfileIsFlaggedAndAdvisedRightly() throws {
        defer { cleanUp() }
        try sandbox.write(
            ".config/ecr-sessions/config",
            "[account dev]\nprofile = dev\n\n[account typo]\nprofile = nope\nregions = eu-west-1\n")
        let list = try sandbox.run("accounts", "list")
        // Every account is listed, and the exit status tells a script that a login would fail; stderr says why.
        #expect(list.status == 1, "\(list)")
        let row = try #require(list.stdout.split(separator: "\n").first { $0.hasPrefix("typo ") })
        #expect(row.contains("profile 'nope' is not in the AWS config or credentials files"), "\(list)")
        #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("dev ") }, "\(list)")
        #expect(list.stderr.contains("account typo") && list.stderr.contains("'nope'"), "\(list)")
        #expect(list.stderr.contains(".aws/config") && list.stderr.contains("add [profile nope]"), "\(list)")

        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 1, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: \(host)"), "\(login)")
        #expect(login.stderr.contains("profile 'nope' is not defined"), "\(login)")
        #expect(login.stderr.contains("this [account]'s 'profile = ...'"), "\(login)")
        #expect(!login.stderr.contains("--profile"), "\(login)")
    }
}
