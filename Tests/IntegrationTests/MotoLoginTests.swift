import ECRSessions
import Foundation
import TestSupport
import Testing

/// One moto_server for the whole suite, with an IAM user's key created before signature checks were turned on.
actor MotoFixture {
    static let shared = MotoFixture()
    /// A second server for the ambient-credential tests, so that two suites' parallel logins do not queue on one
    /// single-process moto (one of them saw its connections refused while the other ran).
    static let ambient = MotoFixture()
    private var started: (server: MotoServer, key: AWSCredentials)?

    func get() async throws -> (server: MotoServer, key: AWSCredentials) {
        if let started { return started }
        let server = try await MotoServer()
        let key = try await server.createUserWithAccessKey("ecr-user")
        try await server.enableSignatureChecks()
        started = (server, key)
        return (server, key)
    }
}

/// moto's tokens say they expire at 2015-01-01T00:00:00Z; at this fake "now" they have twelve hours left.
let motoNow = "2014-12-31T12:00:00Z"

/// The scenario: two working profiles in different regions and one with a wrong secret, against
/// moto_server with signature checking on, run as the real binary in a temporary HOME.
@Suite(.serialized) struct MotoLoginTests {
    let sandbox: CLISandbox
    let key: AWSCredentials
    let otherDockerConfig = """
        {"auths": {"ghcr.io": {"auth": "Z2hvc3Q6dG9rZW4="}}, "credsStore": "", "proxies": {"default": {"httpProxy": "http://proxy:3128"}}, "experimental": "enabled"}
        """

    init() async throws {
        let (server, key) = try await MotoFixture.shared.get()
        self.key = key
        sandbox = try CLISandbox(["AWS_ENDPOINT_URL_ECR": server.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow])
        try sandbox.write(
            ".aws/credentials",
            """
            [dev]
            aws_access_key_id = \(key.accessKeyID)
            aws_secret_access_key = \(key.secretAccessKey)

            [prod]
            aws_access_key_id = \(key.accessKeyID)
            aws_secret_access_key = \(key.secretAccessKey)

            [broken]
            aws_access_key_id = \(key.accessKeyID)
            aws_secret_access_key = wrong-secret-wrong-secret-wrong-secret00
            """)
        try sandbox.write(
            ".aws/config",
            """
            [profile dev]
            region = eu-west-1

            [profile prod]
            region = us-east-1

            [profile broken]
            region = eu-central-1
            """)
        try sandbox.write(".docker/config.json", otherDockerConfig)
    }

    let devHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    let prodHost = "123456789012.dkr.ecr.us-east-1.amazonaws.com"

    @Test func loginAllLogsTheWorkingProfilesInAndNamesTheBrokenOne() async throws {
        defer { sandbox.remove() }
        let result = try sandbox.run("accounts", "login", "--all")

        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.contains("Login Succeeded: \(devHost)"), "\(result)")
        #expect(result.stdout.contains("Login Succeeded: \(prodHost)"), "\(result)")
        #expect(result.stderr.contains("profile 'broken' (eu-central-1)"), "\(result)")
        #expect(result.stderr.contains("secret access key does not match"), "\(result)")

        // Every other key and entry of the existing config.json is still there, with the same meaning.
        let written = try JSONSerialization.jsonObject(with: Data(sandbox.read(".docker/config.json").utf8))
        let before = try JSONSerialization.jsonObject(with: Data(otherDockerConfig.utf8))
        let config = try #require(written as? [String: Any])
        let original = try #require(before as? [String: Any])
        #expect(
            NSDictionary(dictionary: config["proxies"] as! [String: Any]).isEqual(
                to: original["proxies"] as! [String: Any]))
        #expect(config["credsStore"] as? String == "")
        #expect(config["experimental"] as? String == "enabled")
        let auths = try #require(config["auths"] as? [String: [String: Any]])
        #expect(auths["ghcr.io"]?["auth"] as? String == "Z2hvc3Q6dG9rZW4=")
        #expect(Set(auths.keys) == ["ghcr.io", devHost, prodHost])

        // Real consumers read both logins: skopeo (containers/image) and docker's Python library.
        for host in [devHost, prodHost] {
            let skopeo = try run(
                try #require(which("skopeo"), "skopeo is not installed: scripts/bootstrap installs it"),
                ["login", "--get-login", "--authfile", sandbox.dockerConfigPath, host], environment: sandbox.environment
            )
            #expect(skopeo.status == 0, "\(skopeo)")
            #expect(skopeo.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "AWS")

            let python = try run(
                try #require(which("python3")),
                [
                    "-c",
                    "import docker.auth as a, sys; c = a.load_config(sys.argv[1]); "
                        + "r = a.resolve_authconfig(c, sys.argv[2]); print(r['username'], r['password'])",
                    sandbox.dockerConfigPath, host,
                ], environment: sandbox.environment)
            #expect(python.status == 0, "\(python)")
            #expect(python.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "AWS 123456789012-auth-token")
        }

        // The password is what get-login-password prints, served from the cache.
        let password = try sandbox.run("get-login-password", "--profile", "dev", "--region", "eu-west-1")
        #expect(password.status == 0, "\(password)")
        #expect(password.stdout == "123456789012-auth-token\n")

        // status names all three profiles, the broken one with its error, and never a secret.
        let status = try sandbox.run("status")
        #expect(status.status == 0, "\(status)")
        for profile in ["dev", "prod", "broken"] { #expect(status.stdout.contains(profile)) }
        #expect(status.stdout.contains("secret access key does not match"))

        let json = try sandbox.run("status", "--json")
        #expect(json.status == 0, "\(json)")
        let entries = try #require(
            (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["registries"]
                as? [[String: Any]])
        #expect(Set(entries.compactMap { $0["profile"] as? String }) == ["dev", "prod", "broken"])
        let dev = try #require(entries.first { $0["profile"] as? String == "dev" })
        #expect(dev["registry"] as? String == devHost)
        #expect(dev["region"] as? String == "eu-west-1")
        #expect(dev["account"] as? String == "123456789012")
        #expect(dev["expires_at"] as? String == "2015-01-01T00:00:00Z")
        #expect(dev["last_error"] is NSNull)
        let broken = try #require(entries.first { $0["profile"] as? String == "broken" })
        #expect((broken["last_error"] as? String)?.contains("aws_secret_access_key") == true)

        for output in [result.stdout, result.stderr, status.stdout, status.stderr, json.stdout] {
            #expect(!output.contains(key.secretAccessKey))
            #expect(!output.contains("wrong-secret-wrong-secret"))
            #expect(!output.contains("123456789012-auth-token"))
            #expect(!output.contains(Data("AWS:123456789012-auth-token".utf8).base64EncodedString()))
        }
    }

    @Test func loginOfNamedProfilesTouchesOnlyThose() async throws {
        defer { sandbox.remove() }
        let result = try sandbox.run("accounts", "login", "prod")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Login Succeeded: \(prodHost)"))
        #expect(!result.stdout.contains(devHost))
        let status = try sandbox.run("status", "--json")
        let entries = try #require(
            (try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])?["registries"]
                as? [[String: Any]])
        #expect(entries.compactMap { $0["profile"] as? String } == ["prod"])
    }

    @Test func getLoginPasswordFetchesWhenNothingIsCached() async throws {
        defer { sandbox.remove() }
        let result = try sandbox.run("get-login-password", "--profile", "prod")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "123456789012-auth-token\n")
        // It kept the token in the cache, but wrote no registry config file: like the AWS CLI, it only prints.
        let status = try sandbox.run("status", "--json")
        #expect(status.stdout.contains("\"prod\""))
        #expect(try sandbox.read(".docker/config.json") == otherDockerConfig)
    }

    @Test func aMalformedDockerConfigIsLeftUntouchedAndNamed() async throws {
        defer { sandbox.remove() }
        let malformed = "{\"auths\": {\"ghcr.io\": {\"auth\": \"x\"}},,}\n"
        let path = try sandbox.write(".docker/config.json", malformed)
        let result = try sandbox.run("accounts", "login", "dev")
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(path) || result.stderr.contains("~/.docker/config.json"), "\(result)")
        #expect(try sandbox.read(".docker/config.json") == malformed)
    }

    @Test func badUsageAndBadConfigurationExitTwoAndChangeNothing() async throws {
        defer { sandbox.remove() }
        let usage = try sandbox.run("accounts", "login")
        #expect(usage.status == 2, "\(usage)")
        #expect(usage.stderr.contains("--all"))

        let unknown = try sandbox.run("accounts", "login", "nosuchprofile")
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stderr.contains("nosuchprofile"))

        try sandbox.write(".aws/config", "[profile dev]\nregion = eu-west-1\nthis line is not ini\n")
        let config = try sandbox.run("accounts", "login", "--all")
        #expect(config.status == 2, "\(config)")
        #expect(config.stderr.contains("line 3"), "\(config)")
        #expect(try sandbox.read(".docker/config.json") == otherDockerConfig)
    }
}
