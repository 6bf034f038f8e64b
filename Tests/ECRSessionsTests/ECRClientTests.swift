import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct ECRClientTests {
    let credentials = AWSCredentials(
        accessKeyID: "AKIAEXAMPLEEXAMPLE01", secretAccessKey: "s3cr3t/SECRET+secret", sessionToken: "SESSIONTOKENVALUE")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let endpoint = URL(string: "https://api.ecr.eu-west-1.amazonaws.com/")!
    let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .zero, maxDelay: .zero)

    func token(_ password: String) -> String { Data("AWS:\(password)".utf8).base64EncodedString() }

    func answer(expiresIn seconds: TimeInterval = 43200, account: String = "111122223333") -> String {
        """
        {"authorizationData":[{"authorizationToken":"\(token("pw-\(account)"))",\
        "expiresAt":\(now.timeIntervalSince1970 + seconds + 0.25),\
        "proxyEndpoint":"https://\(account).dkr.ecr.eu-west-1.amazonaws.com"}]}
        """
    }

    func client(_ transport: ScriptedTransport) -> ECRClient {
        ECRClient(transport: transport, clock: ManualClock(now), retry: fastRetry)
    }

    @Test func parsesTheTokenAndSendsASignedJSONRequest() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        let tokens = try await client(transport).authorizationTokens(
            credentials: credentials, region: "eu-west-1", endpoint: endpoint)

        #expect(tokens.count == 1)
        #expect(tokens[0].registryHost == "111122223333.dkr.ecr.eu-west-1.amazonaws.com")
        #expect(tokens[0].accountID == "111122223333")
        #expect(tokens[0].token.credentials?.password == "pw-111122223333")
        #expect(tokens[0].expiresAt.timeIntervalSince1970 == now.timeIntervalSince1970 + 43200.25)
        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.header("X-Amz-Target") == "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken")
        #expect(request.header("Content-Type") == "application/x-amz-json-1.1")
        #expect(request.header("X-Amz-Security-Token") == "SESSIONTOKENVALUE")
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.contains("Credential=AKIAEXAMPLEEXAMPLE01/20270115/eu-west-1/ecr/aws4_request"))
        #expect(String(decoding: request.body, as: UTF8.self) == "{}")
    }

    @Test func asksForOtherRegistriesByID() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        _ = try await client(transport).authorizationTokens(
            credentials: credentials, region: "eu-west-1", endpoint: endpoint, registryIDs: ["444455556666"])
        #expect(String(decoding: transport.requests[0].body, as: UTF8.self) == #"{"registryIds":["444455556666"]}"#)
    }

    @Test func retriesThrottlingAndServerErrorsThenSucceeds() async throws {
        let transport = ScriptedTransport([
            respond(400, #"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
            respond(503, ""),
            respond(200, answer()),
        ])
        let tokens = try await client(transport).authorizationTokens(
            credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        #expect(tokens.count == 1)
        #expect(transport.requests.count == 3)
    }

    @Test func givesUpAfterTheLastRetry() async throws {
        let transport = ScriptedTransport([respond(500, #"{"__type":"ServerException","message":"boom"}"#)])
        let error = await #expect(throws: ECRError.self) {
            _ = try await client(transport).authorizationTokens(
                credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .serverError)
        #expect(transport.requests.count == 3)
    }

    @Test(arguments: [
        (
            400,
            #"{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match. The Canonical String was x-amz-security-token:SESSIONTOKENVALUE"}"#,
            ECRError.Kind.invalidSignature
        ),
        (
            400,
            #"{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}"#,
            .unknownAccessKey
        ),
        (
            400,
            #"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#,
            .expiredCredentials
        ),
        (
            400,
            #"{"__type":"com.amazonaws.ecr#AccessDeniedException","message":"not authorized to perform: ecr:GetAuthorizationToken"}"#,
            .accessDenied
        ),
        (
            403,
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>mismatch SESSIONTOKENVALUE</Message></Error></ErrorResponse>",
            .invalidSignature
        ),
        (
            403,
            "<Response><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors></Response>",
            .unknownAccessKey
        ),
        (400, #"{"__type":"InvalidParameterException","message":"bad"}"#, .service(code: "InvalidParameterException")),
    ])
    func mapsErrorBodiesToWhatTheUserShouldDo(status: Int, body: String, kind: ECRError.Kind) async throws {
        let transport = ScriptedTransport([respond(status, body)])
        let error = await #expect(throws: ECRError.self) {
            _ = try await client(transport).authorizationTokens(
                credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == kind)
        #expect(transport.requests.count == 1, "only throttling, 5xx and the network are retried")
        let text = error.map(String.init(describing:)) ?? ""
        #expect(!text.contains(credentials.secretAccessKey))
        #expect(!text.contains("SESSIONTOKENVALUE"))
    }

    @Test(arguments: [
        "not json", "", " \n", "[]", #"{"authorizationData":[]}"#, #"{"authorizationData":{}}"#,
        #"{"authorizationData":[{"authorizationToken":"x"}]}"#, #"{"authorizationData":["x"]}"#,
        #"{"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1900000000,"proxyEndpoint":7}]}"#,
        #"{"authorizationData":[{"authorizationToken":"QVdTOnB3","expiresAt":1900000000"#,
    ])
    func rejectsMalformedAnswers(body: String) async throws {
        let error = await #expect(throws: ECRError.self) {
            _ = try await client(ScriptedTransport([respond(200, body)])).authorizationTokens(
                credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .malformedResponse)
    }

    @Test func refusesATokenThatAlreadyExpired() async throws {
        let error = await #expect(throws: ECRError.self) {
            _ = try await client(ScriptedTransport([respond(200, answer(expiresIn: -60))])).authorizationTokens(
                credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .tokenAlreadyExpired)
        #expect(error?.description.contains("clock") == true)
    }

    @Test func networkFailuresAreRetriedAndNamed() async throws {
        let transport = ScriptedTransport([
            { _ in
                .failure(HTTPError(kind: .couldNotConnect, host: "api.ecr.eu-west-1.amazonaws.com", detail: "refused"))
            }
        ])
        let error = await #expect(throws: ECRError.self) {
            _ = try await client(transport).authorizationTokens(
                credentials: credentials, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .network)
        #expect(error?.description.contains("api.ecr.eu-west-1.amazonaws.com") == true)
        #expect(transport.requests.count == 3)
    }

    @Test func publicTokensAreSignedForUSEast1AndServePublicECR() async throws {
        let body =
            #"{"authorizationData":{"authorizationToken":"\#(token("pub"))","expiresAt":\#(now.timeIntervalSince1970 + 3600)}}"#
        let transport = ScriptedTransport([respond(200, body)])
        let data = try await client(transport).publicAuthorizationToken(
            credentials: credentials, endpoint: URL(string: "https://api.ecr-public.us-east-1.amazonaws.com/")!)
        #expect(data.registryHost == "public.ecr.aws")
        #expect(data.accountID == nil)
        let request = try #require(transport.requests.first)
        #expect(request.header("X-Amz-Target") == "SpencerFrontendService.GetAuthorizationToken")
        #expect(request.header("Authorization")?.contains("/us-east-1/ecr-public/aws4_request") == true)
    }
}

@Suite struct ECREndpointTests {
    @Test(arguments: [
        ("eu-west-1", "https://api.ecr.eu-west-1.amazonaws.com"),
        ("cn-north-1", "https://api.ecr.cn-north-1.amazonaws.com.cn"),
        ("us-gov-west-1", "https://api.ecr.us-gov-west-1.amazonaws.com"),
    ])
    func partitions(region: String, expected: String) throws {
        #expect(try ECREndpoint.privateAPI(region: region).absoluteString == expected)
    }

    @Test func overridesReplaceTheDefault() throws {
        #expect(try ECREndpoint.privateAPI(region: "eu-west-1", override: "http://127.0.0.1:1").port == 1)
        #expect(try ECREndpoint.publicAPI().absoluteString == "https://api.ecr-public.us-east-1.amazonaws.com")
        #expect(try ECREndpoint.publicAPI(override: "http://127.0.0.1:4").port == 4)
    }

    @Test(arguments: ["not a url", "ftp://example.com", "https://"])
    func aBadOverrideIsAnErrorNamingIt(override: String) {
        let error = #expect(throws: ECRError.self) {
            try ECREndpoint.privateAPI(region: "eu-west-1", override: override)
        }
        #expect(error?.description.contains(override) == true)
    }
}

@Suite struct RetryPolicyTests {
    @Test func delaysGrowAndStayUnderTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(100), maxDelay: .seconds(1))
        var random = SystemRandomNumberGenerator()
        for attempt in 1...10 {
            let ceiling = min(Duration.seconds(1), .milliseconds(100) * (1 << (attempt - 1)))
            for _ in 0..<50 {
                let delay = policy.delay(afterAttempt: attempt, using: &random)
                #expect(delay >= .zero && delay <= ceiling)
            }
        }
    }
}
