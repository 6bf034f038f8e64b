import ECRSessions
import Foundation
import TestSupport
import Testing

/// credHelpers registration, the credential helper, logout and user logins, through the real binary in a temporary
/// HOME, with FakeECR as ECR (real expiries) and skopeo as a real consumer.
@Suite(.serialized) struct TargetsCLITests {
    let fake: FakeECR
    let sandbox: CLISandbox
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    init() throws {
        fake = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        sandbox = try .devProfile(of: fake, accessKeyID: "AKIDTARGETS", secretAccessKey: "targets-secret")
    }

    private func dockerConfig() throws -> [String: Any] {
        try #require(
            JSONSerialization.jsonObject(with: Data(sandbox.read(".docker/config.json").utf8)) as? [String: Any])
    }

    private func login() throws -> ProcessResult {
        let result = try sandbox.run("accounts", "login", "dev")
        #expect(result.status == 0, "\(result)")
        return result
    }

    @Test func aCredsStoreGetsOurHelperForTheManagedHostAndKeepsEverythingElse() throws {
        defer { sandbox.remove() }
        try sandbox.write(
            ".docker/config.json",
            #"{"auths": {"ghcr.io": {}}, "credsStore": "desktop", "credHelpers": {"gcr.io": "gcloud"}}"#)

        let result = try login()

        #expect(result.stderr.contains("set credHelpers['\(host)'] = 'ecr-sessions'"), "\(result)")
        #expect(result.stderr.contains("credsStore 'desktop'"), "\(result)")
        let config = try dockerConfig()
        #expect(config["credsStore"] as? String == "desktop")
        #expect(config["credHelpers"] as? NSDictionary == ["gcr.io": "gcloud", host: "ecr-sessions"])
        let auths = try #require(config["auths"] as? [String: [String: Any]])
        #expect(auths["ghcr.io"]?.isEmpty == true)
        #expect(
            auths[host]?["auth"] as? String
                == fake.lastToken(account: "111122223333", region: "eu-west-1")?
                .authorizationToken)
    }

    @Test func warnOnlyLeavesTheHelpersAlone() throws {
        defer { sandbox.remove() }
        try sandbox.write(".config/ecr-sessions/config", "[settings]\ncred_helpers = warn\n")
        try sandbox.write(".docker/config.json", #"{"credsStore": "pass"}"#)

        let result = try login()

        #expect(result.stderr.contains("docker will ask docker-credential-pass"), "\(result)")
        #expect(try dockerConfig()["credHelpers"] == nil)
    }

    static let before: [String?] = [
        nil,
        "{\n    \"auths\": {\"ghcr.io\": {\"auth\": \"Z2g6dG9rZW4=\"}},\n    \"experimental\": \"enabled\"\n}\n",
        #"{"auths":{},"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"}}"#,
    ]

    @Test(arguments: before) func logoutLeavesTheFileAsItWasBeforeLogin(before: String?) throws {
        defer { sandbox.remove() }
        if let before { try sandbox.write(".docker/config.json", before) }
        _ = try login()
        #expect(try sandbox.read(".docker/config.json") != before)

        let result = try sandbox.run("accounts", "logout", "dev")

        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Removed: \(sandbox.dockerConfigPath): \(host)"), "\(result)")
        if let before {
            #expect(try sandbox.read(".docker/config.json") == before)
        } else {
            #expect(!FileManager.default.fileExists(atPath: sandbox.dockerConfigPath))
        }
        #expect(try sandbox.run("status", "--json").stdout.contains(host) == false)
        let again = try sandbox.run("accounts", "logout", "--all")
        #expect(again.status == 0 && again.stdout.contains("Nothing to remove"), "\(again)")
    }

    @Test func theCredentialHelperAnswersFromTheCacheAndSpeaksDockersProtocol() throws {
        defer { sandbox.remove() }
        _ = try login()
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))

        let get = try sandbox.run("credential-helper", "get", input: "https://\(host)/v2/\n")
        #expect(get.status == 0, "\(get)")
        let reply = try #require(JSONSerialization.jsonObject(with: Data(get.stdout.utf8)) as? [String: String])
        #expect(reply == ["ServerURL": "https://\(host)/v2/", "Username": "AWS", "Secret": issued.password])
        #expect(fake.requestCount(account: "111122223333", region: "eu-west-1") == 1)

        let unknown = try sandbox.run("credential-helper", "get", input: "ghcr.io")
        #expect(unknown.status == 1)
        #expect(unknown.stdout == "credentials not found in native keychain\n")

        let list = try sandbox.run("credential-helper", "list")
        #expect(list.status == 0, "\(list)")
        #expect(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: String] == [host: "AWS"])

        let store = try sandbox.run(
            "credential-helper", "store", input: #"{"ServerURL":"ghcr.io","Username":"u","Secret":"s"}"#)
        #expect(store.status == 0 && store.stdout.isEmpty, "\(store)")

        // erase (docker logout) leaves an ECR registry logged in, and an unknown one alone.
        for server in [host, "ghcr.io"] {
            let erase = try sandbox.run("credential-helper", "erase", input: server)
            #expect(erase.status == 0 && erase.stdout.isEmpty, "\(erase)")
        }
        let after = try sandbox.run("credential-helper", "get", input: host)
        #expect(after.status == 0 && after.stdout.contains(issued.password), "\(after)")
        #expect(fake.requestCount(account: "111122223333", region: "eu-west-1") == 1)
    }

    @Test func anUnconfiguredECRHostIsFetchedOnDemandThroughTheMappingWithOneCall() throws {
        defer { sandbox.remove() }
        try sandbox.write(
            ".config/ecr-sessions/config",
            "[account other]\nprofile = other\nregions = eu-west-1\n\n"
                + "[registry shared]\nprofile = dev\nregistry_ids = 444455556666\n")
        let shared = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"

        let get = try sandbox.run("credential-helper", "get", input: "https://\(shared)\n")

        #expect(get.status == 0, "\(get)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        let reply = try #require(JSONSerialization.jsonObject(with: Data(get.stdout.utf8)) as? [String: String])
        #expect(reply == ["ServerURL": "https://\(shared)", "Username": "AWS", "Secret": issued.password])
        #expect(fake.requests.count == 1)
        // Cached like the rest: the next get is answered without a call, and status lists the registry.
        let again = try sandbox.run("credential-helper", "get", input: shared)
        #expect(again.status == 0 && again.stdout.contains(issued.password), "\(again)")
        #expect(fake.requests.count == 1)
        #expect(try sandbox.run("status", "--json").stdout.contains(shared))
        // A host that neither an account, the mapping nor AWS_PROFILE covers is not found, without a call.
        let unmapped = try sandbox.run(
            "credential-helper", "get", input: "555566667777.dkr.ecr.eu-west-1.amazonaws.com")
        #expect(unmapped.status == 1 && unmapped.stdout == "credentials not found in native keychain\n", "\(unmapped)")
        #expect(fake.requests.count == 1)
    }

    @Test func aTokenAboutToExpireIsRenewedAndAnExpiredOneNeverReturned() throws {
        defer { sandbox.remove() }
        fake.tokenLifetime = 10 * 60  // less than the 30 minutes a handed-out token must have left
        _ = try login()
        let first = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))

        let get = try sandbox.run("credential-helper", "get", input: host)
        #expect(get.status == 0, "\(get)")
        #expect(fake.requestCount(account: "111122223333", region: "eu-west-1") == 2)
        let second = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        #expect(get.stdout.contains(second.password) && !get.stdout.contains(first.password))

        // An hour later every token has expired, and ECR is down: no secret, exit 1.
        fake.setOutage(true)
        var later = sandbox
        later.environment["ECR_SESSIONS_FAKE_NOW"] = Date().addingTimeInterval(3600).formatted(.iso8601)
        let expired = try later.run("credential-helper", "get", input: host)
        #expect(expired.status == 1, "\(expired)")
        #expect(!expired.stdout.contains(second.password) && !expired.stdout.contains("Secret"))
    }

    @Test func installLinksTheHelperAndTheLinkSpeaksTheProtocol() throws {
        defer { sandbox.remove() }
        _ = try login()
        let bin = sandbox.home.path + "/bin"
        let install = try sandbox.run("credential-helper", "install", "--dir", bin)
        #expect(install.status == 0, "\(install)")
        #expect(install.stdout.contains("Linked \(bin)/docker-credential-ecr-sessions"), "\(install)")
        #expect(install.stdout.contains("not on PATH"), "\(install)")
        let again = try sandbox.run("credential-helper", "install", "--dir", bin)
        #expect(again.stdout.contains("nothing changed"), "\(again)")

        let helper = bin + "/docker-credential-ecr-sessions"
        let list = try run(helper, ["list"], environment: sandbox.environment)
        #expect(list.status == 0 && list.stdout.contains(host), "\(list)")
        let get = try run(helper, ["get"], environment: sandbox.environment, input: host)
        #expect(get.status == 0 && get.stdout.contains("\"Username\":\"AWS\""), "\(get)")
        let unknown = try run(helper, ["get"], environment: sandbox.environment, input: "quay.io")
        #expect(unknown.status == 1 && unknown.stdout == "credentials not found in native keychain\n")

        // skopeo (containers/image) runs docker-credential-ecr-sessions for a credHelpers entry in its authfile.
        var environment = sandbox.environment
        environment["PATH"] = bin + ":" + (environment["PATH"] ?? "")
        let authfile = try sandbox.write("helpers-only.json", "{\"credHelpers\": {\"\(host)\": \"ecr-sessions\"}}")
        let skopeo = try run(
            try #require(which("skopeo"), "skopeo is not installed: scripts/bootstrap installs it"),
            ["login", "--get-login", "--authfile", authfile, host], environment: environment)
        #expect(skopeo.status == 0, "\(skopeo)")
        #expect(skopeo.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "AWS")
    }

    @Test func aUserPasswordLoginIsWrittenAnsweredAndLoggedOut() throws {
        defer { sandbox.remove() }
        let before = #"{"auths": {"ghcr.io": {"auth": "Z2g6dG9rZW4="}}}"#
        try sandbox.write(".docker/config.json", before)

        let login = try sandbox.run(
            "login", "--username", "me", "--password-stdin", "--no-verify", "docker.io", input: "hub-pass\n")

        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: https://index.docker.io/v1/"), "\(login)")
        let auths = try #require(try dockerConfig()["auths"] as? [String: [String: Any]])
        #expect(
            auths["https://index.docker.io/v1/"]?["auth"] as? String == Data("me:hub-pass".utf8).base64EncodedString())
        let skopeo = try run(
            try #require(which("skopeo")),
            ["login", "--get-login", "--authfile", sandbox.dockerConfigPath, "docker.io"],
            environment: sandbox.environment)
        #expect(skopeo.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "me", "\(skopeo)")
        let get = try sandbox.run("credential-helper", "get", input: "https://index.docker.io/v1/")
        #expect(get.stdout.contains("\"Secret\":\"hub-pass\""), "\(get)")

        // accounts logout leaves user logins alone; logout HOST removes it.
        _ = try sandbox.run("accounts", "logout", "--all")
        #expect(try sandbox.read(".docker/config.json").contains("index.docker.io"))
        let logout = try sandbox.run("logout", "docker.io")
        #expect(logout.status == 0, "\(logout)")
        #expect(try sandbox.read(".docker/config.json") == before)
        #expect(try sandbox.run("credential-helper", "get", input: "docker.io").status == 1)

        let usage = try sandbox.run("login", "--username", "me", "docker.io")
        #expect(usage.status == 2, "\(usage)")
    }
}
