import ECRSessions
import Foundation
import TestSupport
import Testing

/// A moto_server with signature checks on, an IAM user's key in moto's default account (123456789012), and a role
/// `ecr-pull` in each of two other accounts that the user may assume.
actor CrossAccountMoto {
    static let shared = CrossAccountMoto()
    static let accounts = ["222233334444", "555566667777"]
    private var started: (server: MotoServer, key: AWSCredentials)?

    func get() async throws -> (server: MotoServer, key: AWSCredentials) {
        if let started { return started }
        let server = try await MotoServer()
        let key = try await server.createUserWithAccessKey("source-user")
        let sts = STSClient(transport: CurlTransport(settings: CurlSettings()), clock: SystemClock(), retry: .none)
        for account in Self.accounts {
            // While moto does not check signatures, any key may assume a role anywhere, and the session belongs to
            // that role's account: a foothold to create the real role there.
            let foothold = try await sts.assumeRole(
                AssumeRoleRequest(roleARN: "arn:aws:iam::\(account):role/setup", sessionName: "setup"),
                credentials: AWSCredentials(accessKeyID: "AKIASETUPSETUPSETUP1", secretAccessKey: "setup"),
                region: "us-east-1", endpoint: URL(string: server.endpoint)!)
            _ = try await server.createRole("ecr-pull", credentials: foothold.credentials)
        }
        try await server.enableSignatureChecks()
        started = (server, key)
        return (server, key)
    }
}

/// The scenario for assumed roles, run as the real binary in a temporary HOME against moto_server with
/// every signature checked: one source profile with static keys assumes a role in two other accounts.
@Suite(.serialized) struct AssumeRoleLoginTests {
    let moto: MotoServer
    let key: AWSCredentials
    let sandbox: CLISandbox

    init() async throws {
        (moto, key) = try await CrossAccountMoto.shared.get()
        sandbox = try CLISandbox([
            "AWS_ENDPOINT_URL_ECR": moto.endpoint, "AWS_ENDPOINT_URL_STS": moto.endpoint,
            "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        try sandbox.write(
            ".aws/credentials",
            """
            [source]
            aws_access_key_id = \(key.accessKeyID)
            aws_secret_access_key = \(key.secretAccessKey)
            """)
    }

    func writeConfig(_ extra: String = "") throws {
        let (a, b) = (CrossAccountMoto.accounts[0], CrossAccountMoto.accounts[1])
        try sandbox.write(
            ".aws/config",
            """
            [profile source]
            region = eu-north-1

            [profile team-a]
            role_arn = arn:aws:iam::\(a):role/ecr-pull
            source_profile = source
            region = eu-west-1

            [profile team-b]
            role_arn = arn:aws:iam::\(b):role/ecr-pull
            source_profile = source
            role_session_name = ecr-sessions-test
            duration_seconds = 3600
            region = us-east-1
            \(extra)
            """)
    }

    var hostA: String { "\(CrossAccountMoto.accounts[0]).dkr.ecr.eu-west-1.amazonaws.com" }
    var hostB: String { "\(CrossAccountMoto.accounts[1]).dkr.ecr.us-east-1.amazonaws.com" }

    @Test func rolesInTwoAccountsLogInAndASecondRunReusesTheirSessions() async throws {
        defer { sandbox.remove() }
        try writeConfig()
        let before = try await moto.assumedRoleCount()
        let first = try sandbox.run("accounts", "login", "--all")
        #expect(first.status == 0, "\(first)")
        for host in [hostA, hostB, "123456789012.dkr.ecr.eu-north-1.amazonaws.com"] {
            #expect(first.stdout.contains("Login Succeeded: \(host)"), "\(first)")
        }
        let auths = try #require(
            (try JSONSerialization.jsonObject(with: Data(sandbox.read(".docker/config.json").utf8)) as? [String: Any])?[
                "auths"] as? [String: Any])
        #expect(auths[hostA] != nil && auths[hostB] != nil, "\(auths.keys)")
        #expect(try await moto.assumedRoleCount() == before + 2)

        // The sessions are in the cache, which only its owner may read.
        let cachePath = sandbox.home.path + "/.local/state/ecr-sessions/cache.sqlite3"
        let mode = try FileManager.default.attributesOfItem(atPath: cachePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(cacheRowCount("sessions", path: cachePath) == 2)

        // Within the sessions' lifetime a second run fetches new ECR tokens with them and never calls STS:
        // moto's count of the sessions it handed out stays the same.
        let second = try sandbox.run("accounts", "login", "--all")
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("Login Succeeded: \(hostA)"), "\(second)")
        #expect(second.stdout.contains("Login Succeeded: \(hostB)"), "\(second)")
        #expect(try await moto.assumedRoleCount() == before + 2)

        // The password for an assumed-role profile comes from the cache, without STS either.
        let password = try sandbox.run("get-login-password", "--profile", "team-a")
        #expect(password.status == 0, "\(password)")
        #expect(password.stdout == "\(CrossAccountMoto.accounts[0])-auth-token\n")
        #expect(try await moto.assumedRoleCount() == before + 2)

        let status = try sandbox.run("status")
        for output in [first.stdout, first.stderr, second.stdout, second.stderr, status.stdout, status.stderr] {
            #expect(!output.contains(key.secretAccessKey))
        }
    }

    @Test func aCredentialProcessLogsInWhileALoopAndAnMFAProfileGetTheirReasons() async throws {
        defer { sandbox.remove() }
        let script = try sandbox.write(
            "bin/print-credentials",
            """
            #!/bin/sh
            echo '{"Version": 1, "AccessKeyId": "\(key.accessKeyID)", "SecretAccessKey": "\(key.secretAccessKey)"}'
            """)
        chmod(script, 0o755)
        try writeConfig(
            """

            [profile tool]
            credential_process = \(script)
            region = eu-central-1

            [profile loop-a]
            role_arn = arn:aws:iam::\(CrossAccountMoto.accounts[0]):role/ecr-pull
            source_profile = loop-b
            region = eu-west-1

            [profile loop-b]
            role_arn = arn:aws:iam::\(CrossAccountMoto.accounts[0]):role/ecr-pull
            source_profile = loop-a
            region = eu-west-1

            [profile needs-mfa]
            role_arn = arn:aws:iam::\(CrossAccountMoto.accounts[1]):role/ecr-pull
            source_profile = source
            mfa_serial = arn:aws:iam::123456789012:mfa/someone
            region = us-east-1
            """)
        let result = try sandbox.run("accounts", "login", "--all")

        #expect(result.status == 1, "\(result)")
        for host in [hostA, hostB, "123456789012.dkr.ecr.eu-central-1.amazonaws.com"] {
            #expect(result.stdout.contains("Login Succeeded: \(host)"), "\(result)")
        }
        #expect(
            result.stderr.contains(
                "source_profile of profile 'loop-a' formed an infinite loop (loop-a -> loop-b -> loop-a)"),
            "\(result)")
        #expect(
            result.stderr.contains(
                "profile 'needs-mfa' needs an MFA code (mfa_serial arn:aws:iam::123456789012:mfa/someone); run "
                    + "`ecr-sessions accounts login needs-mfa` in a terminal"), "\(result)")
        #expect(!result.stdout.contains(key.secretAccessKey) && !result.stderr.contains(key.secretAccessKey))
    }

    @Test func anMFAProfileAsksOnlyOnATerminalAndRefreshReusesItsSession() async throws {
        defer { sandbox.remove() }
        try sandbox.write(
            ".aws/config",
            """
            [profile source]
            region = eu-north-1

            [profile needs-mfa]
            role_arn = arn:aws:iam::\(CrossAccountMoto.accounts[1]):role/ecr-pull
            source_profile = source
            mfa_serial = arn:aws:iam::123456789012:mfa/someone
            region = us-east-1
            """)
        let before = try await moto.assumedRoleCount()
        // util-linux `script` gives the command a terminal; the code is typed on it. (moto does not check the code.)
        let login = try run(
            try #require(which("script")),
            ["-qec", "\(CLISandbox.executable) accounts login needs-mfa", "/dev/null"],
            environment: sandbox.environment, input: "123456\n", currentDirectory: sandbox.home.path)
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("MFA code for arn:aws:iam::123456789012:mfa/someone"), "\(login)")
        #expect(login.stdout.contains("Login Succeeded: \(hostB)"), "\(login)")
        #expect(try await moto.assumedRoleCount() == before + 1)

        // No terminal: nobody is asked, and the session from the login serves the refresh.
        let refresh = try sandbox.run("refresh", "--force")
        #expect(refresh.status == 0, "\(refresh)")
        #expect(refresh.stdout.contains("Login Succeeded: \(hostB)"), "\(refresh)")
        #expect(!refresh.stderr.contains("MFA code"), "\(refresh)")
        #expect(try await moto.assumedRoleCount() == before + 1)
    }
}
