import ECRSessions
import Foundation
import TestSupport
import Synchronization
import Testing

/// A moto_server that does not check signatures: its instance metadata hands out the key `test-key`, which its
/// IAM does not know, so the ECR calls signed with it must not be judged.
actor OpenMoto {
    static let shared = OpenMoto()
    private var server: MotoServer?

    func get() async throws -> MotoServer {
        if let server { return server }
        let started = try await MotoServer()
        server = started
        return started
    }
}

/// Credentials from where the binary runs, through the built binary: the environment's keys, moto's instance
/// metadata (with botocore reading the same endpoint as the judge), container endpoints on loopback, an SSO
/// token renewed with its refresh token, and a hop shared by accounts in two regions.
@Suite(.serialized) struct AmbientCredentialsTests {
    /// The JSON answer of the metadata and container endpoints.
    static func credentialsJSON(_ key: String) -> String {
        #"{"AccessKeyId": "\#(key)", "SecretAccessKey": "secret-\#(key)", "Token": "token-\#(key)", "#
            + #""Expiration": "2015-01-01T06:00:00Z"}"#
    }

    func dockerAuths(_ sandbox: CLISandbox) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(sandbox.read(".docker/config.json").utf8))
        return ((object as? [String: Any])?["auths"] as? [String: Any]) ?? [:]
    }

    @Test func aCIEnvironmentWithOnlyKeyVariablesLogsInAndRefreshes() async throws {
        let (moto, key) = try await MotoFixture.ambient.get()
        let sandbox = try CLISandbox([
            "AWS_ACCESS_KEY_ID": key.accessKeyID, "AWS_SECRET_ACCESS_KEY": key.secretAccessKey,
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_ECR": moto.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        let list = try sandbox.run("accounts", "list")
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout.contains("environment") && list.stdout.contains("AWS_ACCESS_KEY_ID"), "\(list)")
        #expect(!list.stdout.contains(key.secretAccessKey) && !list.stdout.contains(key.accessKeyID), "\(list)")

        let host = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
        let refresh = try sandbox.run("refresh")
        #expect(refresh.status == 0, "\(refresh)")
        #expect(try dockerAuths(sandbox)[host] != nil)
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: \(host)"), "\(login)")
        let again = try sandbox.run("refresh")
        #expect(again.status == 0, "\(again)")
    }

    @Test func theCredentialHelperServesAnUncachedHostWithTheEnvironmentsKeys() async throws {
        let (moto, key) = try await MotoFixture.ambient.get()
        let sandbox = try CLISandbox([
            "AWS_ACCESS_KEY_ID": key.accessKeyID, "AWS_SECRET_ACCESS_KEY": key.secretAccessKey,
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_ECR": moto.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        // Nothing logged in yet, no profile at all: the environment's keys fetch the token on demand.
        let get = try sandbox.run("credential-helper", "get", input: "123456789012.dkr.ecr.eu-west-1.amazonaws.com")
        #expect(get.status == 0, "\(get)")
        #expect(get.stdout.contains("\"Username\":\"AWS\""), "\(get)")
        #expect(!get.stdout.contains(key.secretAccessKey) && !get.stderr.contains(key.secretAccessKey))
    }

    @Test func theInstanceProfileFromMotosMetadataLogsInAndBotocoreReadsTheSameCredentials() async throws {
        let moto = try await OpenMoto.shared.get()
        let sandbox = try CLISandbox([
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": moto.endpoint, "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_ECR": moto.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: 123456789012.dkr.ecr.us-east-1.amazonaws.com"), "\(login)")

        // botocore's own fetcher on the same endpoint, and the key the binary kept in its cache.
        let script = """
            import sqlite3, sys
            import botocore.session
            creds = botocore.session.get_session().get_credentials()
            row = sqlite3.connect(sys.argv[1]).execute(
                "SELECT access_key_id FROM sessions WHERE label = 'instance profile'").fetchone()
            print(creds.method, creds.access_key, row[0] if row else "none")
            """
        let judge = try TestSupport.run(
            try #require(which("python3")),
            ["-c", script, sandbox.home.path + "/.local/state/ecr-sessions/cache.sqlite3"],
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin",
                "HOME": sandbox.home.path, "AWS_EC2_METADATA_SERVICE_ENDPOINT": moto.endpoint,
            ])
        #expect(judge.status == 0, "\(judge)")
        let keys = judge.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(keys.count == 3 && keys[0] == "iam-role" && keys[1] == keys[2] && !keys[1].isEmpty, "\(judge)")
    }

    @Test func withNoRegionNamedTheInstanceProfileLogsInInTheInstancesOwnRegion() async throws {
        let moto = try await OpenMoto.shared.get()
        // No AWS_REGION, no profile: the region is moto's placement/region (us-east-1), as the SDKs would use it.
        let sandbox = try CLISandbox([
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": moto.endpoint, "AWS_ENDPOINT_URL_ECR": moto.endpoint,
            "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: 123456789012.dkr.ecr.us-east-1.amazonaws.com"), "\(login)")
        let refresh = try sandbox.run("refresh")
        #expect(refresh.status == 0, "\(refresh)")

        // Where no metadata service answers (a laptop with nothing configured), there is no instance account: the
        // hint to configure one, exit 0, as before the instance profile was known.
        var nowhere = sandbox
        nowhere.environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:9"
        let nothing = try nowhere.run("accounts", "login", "--all")
        #expect(nothing.status == 0, "\(nothing)")
        #expect(nothing.stdout.contains("Run: aws configure"), "\(nothing)")
    }

    @Test func podIdentityOnLoopbackLogsInWithTheTokenFileAndPlainHTTPElsewhereIsRefused() async throws {
        let moto = try await OpenMoto.shared.get()
        let seen = LockedValue<[String]>([])
        let endpoint = try LoopbackHTTPServer { request in
            seen.withLock { $0.append(request.header("Authorization") ?? "none") }
            guard request.url.path == "/v1/credentials", request.header("Authorization") == "pod-token" else {
                return HTTPResponse(status: 403)
            }
            return HTTPResponse(status: 200, body: Data(Self.credentialsJSON("ASIAPOD").utf8))
        }
        defer { endpoint.stop() }
        var sandbox = try CLISandbox([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(endpoint.port)/v1/credentials",
            "AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL_ECR": moto.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        sandbox.environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = try sandbox.write("token", "pod-token\n")
        let list = try sandbox.run("accounts", "list")
        #expect(list.stdout.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"), "\(list)")
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 0, "\(login)")
        #expect(login.stdout.contains("Login Succeeded: 123456789012.dkr.ecr.eu-central-1.amazonaws.com"), "\(login)")
        #expect(seen.withLock { $0 } == ["pod-token"])

        sandbox.environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.10/v1/credentials"
        let refused = try sandbox.run("accounts", "login", "--all")
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stdout.contains("plain http") || refused.stderr.contains("plain http"), "\(refused)")
        #expect(!refused.stdout.contains("pod-token") && !refused.stderr.contains("pod-token"))
    }

    @Test func anEcsContainerCredentialSourceOnLoopbackLogsIn() async throws {
        let moto = try await OpenMoto.shared.get()
        let endpoint = try LoopbackHTTPServer { request in
            HTTPResponse(status: 200, body: Data(Self.credentialsJSON("ASIATASK").utf8))
        }
        defer { endpoint.stop() }
        let sandbox = try CLISandbox([
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:\(endpoint.port)/task",
            "AWS_ENDPOINT_URL_ECR": moto.endpoint, "AWS_ENDPOINT_URL_STS": moto.endpoint,
            "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        try sandbox.write(
            ".aws/config",
            "[profile task]\nrole_arn = arn:aws:iam::123456789012:role/task\ncredential_source = EcsContainer\n"
                + "region = eu-west-1\n")
        let login = try sandbox.run("accounts", "login", "task")
        #expect(login.status == 0, "\(login)")
        #expect(endpoint.requestCount == 1)
    }

    @Test func anExpiredSSOTokenWithARefreshTokenIsRenewedAndWrittenBack() async throws {
        let moto = try await OpenMoto.shared.get()
        let bearer = LockedValue<[String]>([])
        let fakeNow = try #require(AWSTimestampForTests.date(motoNow))
        let server = try LoopbackHTTPServer { request in
            if request.url.path == "/token" {
                let fields = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: String] ?? [:]
                guard fields["grantType"] == "refresh_token", fields["refreshToken"] == "refresh-1",
                    fields["clientId"] == "client-1", fields["clientSecret"] == "client-secret"
                else { return HTTPResponse(status: 400, body: Data(#"{"error":"invalid_grant"}"#.utf8)) }
                let body = #"{"accessToken":"access-2","expiresIn":28800,"refreshToken":"refresh-2","tokenType":"Bearer"}"#
                return HTTPResponse(status: 200, body: Data(body.utf8))
            }
            bearer.withLock { $0.append(request.header("x-amz-sso_bearer_token") ?? "none") }
            let expiry = Int((fakeNow.timeIntervalSince1970 + 3600) * 1000)
            let body = #"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"s","sessionToken":"t","expiration":\#(expiry)}}"#
            return HTTPResponse(status: 200, body: Data(body.utf8))
        }
        defer { server.stop() }
        let sandbox = try CLISandbox([
            "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:\(server.port)",
            "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:\(server.port)",
            "AWS_ENDPOINT_URL_ECR": moto.endpoint, "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        try sandbox.write(
            ".aws/config",
            """
            [profile dev]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = Developer
            region = eu-west-1

            [profile ops]
            sso_session = corp
            sso_account_id = 123456789012
            sso_role_name = Ops
            region = us-east-1

            [sso-session corp]
            sso_start_url = https://corp.awsapps.com/start
            sso_region = eu-west-1
            """)
        let cachePath = SSOTokenCache.path(key: "corp", environment: Environment(["HOME": sandbox.home.path]))
        try FileManager.default.createDirectory(
            atPath: (cachePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let cached = """
            {"startUrl": "https://corp.awsapps.com/start", "region": "eu-west-1", "accessToken": "access-1",
             "expiresAt": "2014-12-31T11:00:00Z", "clientId": "client-1", "clientSecret": "client-secret",
             "registrationExpiresAt": "2015-03-01T00:00:00Z", "refreshToken": "refresh-1"}
            """
        try Data(cached.utf8).write(to: URL(fileURLWithPath: cachePath))
        let login = try sandbox.run("accounts", "login", "--all")
        #expect(login.status == 0, "\(login)")
        #expect(bearer.withLock { $0 } == ["access-2", "access-2"])
        let written = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cachePath))) as? [String: Any])
        #expect(written["accessToken"] as? String == "access-2")
        #expect(written["refreshToken"] as? String == "refresh-2")
        #expect(written["clientId"] as? String == "client-1" && written["startUrl"] != nil)
        let expiresAt = try #require((written["expiresAt"] as? String).flatMap(AWSTimestampForTests.date))
        #expect(expiresAt == fakeNow.addingTimeInterval(28800))
        let mode = try FileManager.default.attributesOfItem(atPath: cachePath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!login.stdout.contains("aws sso login") && !login.stderr.contains("aws sso login"))
    }

    @Test func twoAccountsInDifferentRegionsThatShareAHopAssumeItOnce() async throws {
        let (moto, key) = try await CrossAccountMoto.shared.get()
        let (a, b) = (CrossAccountMoto.accounts[0], CrossAccountMoto.accounts[1])
        let sandbox = try CLISandbox([
            "AWS_ENDPOINT_URL_ECR": moto.endpoint, "AWS_ENDPOINT_URL_STS": moto.endpoint,
            "ECR_SESSIONS_FAKE_NOW": motoNow,
        ])
        defer { sandbox.remove() }
        try sandbox.write(
            ".aws/credentials",
            "[source]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n")
        try sandbox.write(
            ".aws/config",
            """
            [profile hub]
            role_arn = arn:aws:iam::\(a):role/ecr-pull
            source_profile = source

            [profile west]
            role_arn = arn:aws:iam::\(b):role/ecr-pull
            role_session_name = west
            source_profile = hub
            region = eu-west-1

            [profile east]
            role_arn = arn:aws:iam::\(b):role/ecr-pull
            role_session_name = east
            source_profile = hub
            region = us-east-1
            """)
        let before = try await moto.assumedRoleCount()
        let login = try sandbox.run("accounts", "login", "west", "east")
        #expect(login.status == 0, "\(login)")
        // hub once, west and east once each.
        #expect(try await moto.assumedRoleCount() == before + 3)
    }
}

/// Mutable state shared with a loopback handler.
final class LockedValue<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    func withLock<R>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

enum AWSTimestampForTests {
    static func date(_ text: String) -> Date? { try? Date(text, strategy: .iso8601) }
}
