import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct SSOTokenCacheTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test(arguments: [
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("https://d-abc123.awsapps.com/start", "40a89917e3175433e361b710a9d43528d7f1890a"),
        ("my-sso", "0ad374308c5a4e22f723adf10145eafad7c4031c"),
    ])
    func namesCacheFilesAsTheAWSCLIDoes(key: String, sha1: String) {
        #expect(SSOTokenCache.sha1Hex(key) == sha1)
        #expect(
            SSOTokenCache.path(key: key, environment: Environment(["HOME": "/home/me"]))
                == "/home/me/.aws/sso/cache/\(sha1).json")
    }

    @Test(arguments: ["2027-01-15T09:00:00Z", "2027-01-15T09:00:00UTC", "2027-01-15T09:00:00.000Z"])
    func readsACurrentToken(expiresAt: String) throws {
        let home = try TemporaryDirectory("sso-home")
        defer { home.remove() }
        try home.write(
            ".aws/sso/cache/\(SSOTokenCache.sha1Hex("my-sso")).json",
            #"{"startUrl": "https://d-abc123.awsapps.com/start", "region": "eu-west-1", "accessToken": "TOKEN-VALUE", "expiresAt": "\#(expiresAt)"}"#
        )
        let token = try SSOTokenCache.token(
            key: "my-sso", profile: "dev", environment: Environment(["HOME": home.path]), now: now)
        #expect(token == SSOToken(accessToken: "TOKEN-VALUE", expiresAt: now.addingTimeInterval(3600)))
        #expect(!token.description.contains("TOKEN-VALUE"))
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains("TOKEN-VALUE"))
    }

    @Test(
        arguments: [
            (nil, SSOError.Kind.notLoggedIn),
            ("not json", .notLoggedIn),
            (#"{"accessToken": "TOKEN-VALUE"}"#, .notLoggedIn),
            (#"{"accessToken": "TOKEN-VALUE", "expiresAt": "2027-01-15T07:00:00Z"}"#, .loginExpired),
        ] as [(String?, SSOError.Kind)])
    func aMissingOrExpiredTokenSaysToLogIn(file: String?, kind: SSOError.Kind) throws {
        let home = try TemporaryDirectory("sso-home")
        defer { home.remove() }
        if let file { try home.write(".aws/sso/cache/\(SSOTokenCache.sha1Hex("my-sso")).json", file) }
        let error = #expect(throws: SSOError.self) {
            try SSOTokenCache.token(
                key: "my-sso", profile: "dev", environment: Environment(["HOME": home.path]), now: now)
        }
        #expect(error?.kind == kind)
        #expect(error?.description.contains("run `aws sso login --profile dev`") == true)
        #expect(error?.description.contains("TOKEN-VALUE") == false)
    }
}

@Suite struct SSOClientTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let token = SSOToken(accessToken: "BEARER-TOKEN-VALUE", expiresAt: Date(timeIntervalSince1970: 1_800_003_600))
    let endpoint = URL(string: "https://portal.sso.eu-west-1.amazonaws.com")!

    func client(_ transport: ScriptedTransport) -> SSOClient {
        SSOClient(transport: transport, clock: ManualClock(now), retry: RetryPolicy(maxAttempts: 3, baseDelay: .zero))
    }

    func answer(expirationMilliseconds: Int64 = 1_800_003_600_000) -> String {
        #"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"sso/secret","sessionToken":"sso-session","expiration":\#(expirationMilliseconds)}}"#
    }

    @Test func getsRoleCredentialsWithTheBearerToken() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        let credentials = try await client(transport).roleCredentials(
            accountID: "111122223333", roleName: "Admin+Ops", token: token, endpoint: endpoint, profile: "dev")
        #expect(
            credentials
                == AWSCredentials(
                    accessKeyID: "ASIASSO", secretAccessKey: "sso/secret", sessionToken: "sso-session",
                    expiration: now.addingTimeInterval(3600)))
        let request = try #require(transport.requests.first)
        #expect(request.method == "GET")
        #expect(
            request.url.absoluteString
                == "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=Admin%2BOps"
        )
        #expect(request.header("x-amz-sso_bearer_token") == "BEARER-TOKEN-VALUE")
        #expect(request.header("Authorization") == nil)
    }

    @Test(arguments: [
        (401, #"{"message":"Session token not found or invalid BEARER-TOKEN-VALUE"}"#, SSOError.Kind.loginExpired),
        (403, #"{"message":"No access"}"#, .roleNotAllowed),
        (
            404, #"{"__type":"ResourceNotFoundException","message":"No such role"}"#,
            .service(code: "ResourceNotFoundException")
        ),
    ])
    func mapsPortalErrors(status: Int, body: String, kind: SSOError.Kind) async throws {
        let transport = ScriptedTransport([respond(status, body)])
        let error = await #expect(throws: SSOError.self) {
            _ = try await client(transport).roleCredentials(
                accountID: "111122223333", roleName: "Admin", token: token, endpoint: endpoint, profile: "dev")
        }
        #expect(error?.kind == kind)
        #expect(transport.requests.count == 1)
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("role Admin in account 111122223333"))
        #expect(!text.contains("BEARER-TOKEN-VALUE"))
        if kind == .loginExpired { #expect(text.contains("aws sso login --profile dev")) }
    }

    @Test func retriesThrottlingAndServerErrors() async throws {
        let transport = ScriptedTransport([respond(429, "{}"), respond(502, ""), respond(200, answer())])
        _ = try await client(transport).roleCredentials(
            accountID: "111122223333", roleName: "Admin", token: token, endpoint: endpoint, profile: "dev")
        #expect(transport.requests.count == 3)
    }

    @Test(arguments: ["not json", #"{"roleCredentials":{"accessKeyId":"A"}}"#])
    func rejectsMalformedAnswers(body: String) async throws {
        let error = await #expect(throws: SSOError.self) {
            _ = try await client(ScriptedTransport([respond(200, body)])).roleCredentials(
                accountID: "1", roleName: "r", token: token, endpoint: endpoint, profile: "dev")
        }
        #expect(error?.kind == .malformedResponse)
    }

    @Test func refusesExpiredCredentials() async throws {
        let error = await #expect(throws: SSOError.self) {
            _ = try await client(ScriptedTransport([respond(200, answer(expirationMilliseconds: 1_799_999_000_000))]))
                .roleCredentials(accountID: "1", roleName: "r", token: token, endpoint: endpoint, profile: "dev")
        }
        #expect(error?.kind == .credentialsAlreadyExpired)
    }

    @Test func endpoints() throws {
        #expect(
            try SSOEndpoint.url(ssoRegion: "cn-north-1", environment: Environment()).absoluteString
                == "https://portal.sso.cn-north-1.amazonaws.com.cn")
        let environment = Environment([
            "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:2",
        ])
        #expect(try SSOEndpoint.url(ssoRegion: "eu-west-1", environment: environment).port == 1)
        // The environment beats the config file, as the SDKs document: AWS_ENDPOINT_URL over the services block.
        #expect(
            try SSOEndpoint.url(
                ssoRegion: "eu-west-1", environment: Environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:2"]),
                profileServiceEndpoint: "http://x:3"
            ).port == 2)
        #expect(
            try SSOEndpoint.url(
                ssoRegion: "eu-west-1", environment: Environment(), profileServiceEndpoint: "http://x:3",
                profileEndpoint: "http://x:4"
            ).port == 3)
        #expect(throws: SSOError.self) {
            try SSOEndpoint.url(ssoRegion: "eu-west-1", environment: Environment(["AWS_ENDPOINT_URL_SSO": "nope"]))
        }
    }
}
