import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct STSClientTests {
    let source = AWSCredentials(
        accessKeyID: "AKIASOURCESOURCE0001", secretAccessKey: "s3cr3t/SOURCE+secret", sessionToken: "SOURCESESSIONTOKEN"
    )
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let endpoint = URL(string: "https://sts.eu-west-1.amazonaws.com")!
    let fastRetry = RetryPolicy(maxAttempts: 3, baseDelay: .zero, maxDelay: .zero)
    let role = AssumeRoleRequest(
        roleARN: "arn:aws:iam::111122223333:role/deploy", sessionName: "me", externalID: "ext&id=1",
        durationSeconds: 3600)

    func answer(action: String = "AssumeRole", expiresIn seconds: TimeInterval = 3600) -> String {
        let expiration = now.addingTimeInterval(seconds).formatted(.iso8601)
        return """
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <\(action)Result>
                <AssumedRoleUser>
                  <AssumedRoleId>AROA3XFRBF535PLBIFPI4:me</AssumedRoleId>
                  <Arn>arn:aws:sts::111122223333:assumed-role/deploy/me</Arn>
                </AssumedRoleUser>
                <Credentials>
                  <AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>
                  <SecretAccessKey>wJal/K7&amp;MDENG&lt;&gt;&#x2B;&#43;</SecretAccessKey>
                  <SessionToken><![CDATA[FQoG&ZXIvYXdz]]></SessionToken>
                  <Expiration>\(expiration)</Expiration>
                </Credentials>
              </\(action)Result>
              <ResponseMetadata><RequestId>c6104cbe</RequestId></ResponseMetadata>
            </\(action)Response>
            """
    }

    func client(_ transport: ScriptedTransport) -> STSClient {
        STSClient(transport: transport, clock: ManualClock(now), retry: fastRetry)
    }

    func form(_ request: HTTPRequest) -> [String: String] {
        let pairs = String(decoding: request.body, as: UTF8.self).split(separator: "&").map {
            $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
        }
        return Dictionary(pairs.map { ($0[0], $0.count > 1 ? $0[1] : "") }) { $1 }
    }

    @Test func assumesARoleWithASignedFormRequest() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        let assumed = try await client(transport).assumeRole(
            role, credentials: source, region: "eu-west-1", endpoint: endpoint)

        #expect(assumed.credentials.accessKeyID == "ASIAEXAMPLEEXAMPLE01")
        #expect(assumed.credentials.secretAccessKey == "wJal/K7&MDENG<>++")
        #expect(assumed.credentials.sessionToken == "FQoG&ZXIvYXdz")
        #expect(assumed.credentials.expiration == now.addingTimeInterval(3600))
        #expect(assumed.arn == "arn:aws:sts::111122223333:assumed-role/deploy/me")

        let request = try #require(transport.requests.first)
        #expect(request.method == "POST")
        #expect(request.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(request.header("X-Amz-Security-Token") == "SOURCESESSIONTOKEN")
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.contains("Credential=AKIASOURCESOURCE0001/20270115/eu-west-1/sts/aws4_request"))
        #expect(
            form(request) == [
                "Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": role.roleARN, "RoleSessionName": "me",
                "ExternalId": "ext&id=1", "DurationSeconds": "3600",
            ])
        #expect(String(decoding: request.body, as: UTF8.self).hasPrefix("Action=AssumeRole&Version=2011-06-15&"))
    }

    @Test func theGlobalEndpointIsSignedForUSEast1() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        _ = try await client(transport).assumeRole(
            role, credentials: source, region: nil, endpoint: URL(string: "https://sts.amazonaws.com")!)
        #expect(transport.requests[0].header("Authorization")?.contains("/us-east-1/sts/aws4_request") == true)
    }

    @Test func sendsTheMFACodeWhenGivenAndRefusesToAskForOne() async throws {
        let transport = ScriptedTransport([respond(200, answer())])
        var withCode = role
        withCode.mfaSerial = "arn:aws:iam::111122223333:mfa/me"
        withCode.mfaCode = "123456"
        _ = try await client(transport).assumeRole(
            withCode, credentials: source, region: "eu-west-1", endpoint: endpoint)
        #expect(form(transport.requests[0])["SerialNumber"] == "arn:aws:iam::111122223333:mfa/me")
        #expect(form(transport.requests[0])["TokenCode"] == "123456")

        var withoutCode = withCode
        withoutCode.mfaCode = nil
        let error = await #expect(throws: STSError.self) {
            _ = try await client(transport).assumeRole(
                withoutCode, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .mfaCodeRequired)
        #expect(error?.description.contains("arn:aws:iam::111122223333:mfa/me") == true)
        #expect(transport.requests.count == 1, "no request is sent without a code")
    }

    @Test func assumesARoleWithAWebIdentityTokenUnsigned() async throws {
        let transport = ScriptedTransport([respond(200, answer(action: "AssumeRoleWithWebIdentity"))])
        let request = WebIdentityRoleRequest(
            roleARN: role.roleARN, sessionName: "pod", webIdentityToken: "eyJhbGciOi.JWT+TOKEN/VALUE")
        let assumed = try await client(transport).assumeRoleWithWebIdentity(request, endpoint: endpoint)
        #expect(assumed.credentials.accessKeyID == "ASIAEXAMPLEEXAMPLE01")
        let sent = try #require(transport.requests.first)
        #expect(sent.header("Authorization") == nil)
        #expect(sent.header("X-Amz-Date") == nil)
        #expect(
            form(sent) == [
                "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role.roleARN,
                "RoleSessionName": "pod", "WebIdentityToken": "eyJhbGciOi.JWT+TOKEN/VALUE",
            ])
        #expect(!String(describing: request).contains("JWT"))
        var dumped = ""
        dump(request, to: &dumped)
        #expect(!dumped.contains("JWT"))
    }

    @Test func retriesThrottlingAndServerErrorsThenSucceeds() async throws {
        let transport = ScriptedTransport([
            respond(
                400,
                "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>"),
            respond(503, ""),
            respond(200, answer()),
        ])
        _ = try await client(transport).assumeRole(role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        #expect(transport.requests.count == 3)
        #expect(transport.requests[0].header("X-Amz-Date") != nil)
    }

    @Test func givesUpAfterTheLastRetry() async throws {
        let transport = ScriptedTransport([
            respond(500, "<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>")
        ])
        let error = await #expect(throws: STSError.self) {
            _ = try await client(transport).assumeRole(
                role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .serverError)
        #expect(transport.requests.count == 3)
    }

    static func errorBody(_ code: String, _ message: String) -> String {
        """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error>
          <RequestId>1a2b</RequestId>
        </ErrorResponse>
        """
    }

    @Test(arguments: [
        (
            403, "SignatureDoesNotMatch", "The Canonical String was x-amz-security-token:SOURCESESSIONTOKEN",
            STSError.Kind.invalidSignature
        ),
        (403, "InvalidClientTokenId", "The security token included in the request is invalid.", .unknownAccessKey),
        (400, "ExpiredToken", "The security token SOURCESESSIONTOKEN is expired", .expiredCredentials),
        (
            403, "AccessDenied",
            "User: arn:aws:iam::1:user/me is not authorized to perform: sts:AssumeRole on resource", .accessDenied
        ),
        (
            403, "RegionDisabledException", "STS is not activated in this region for account:111122223333.",
            .regionDisabled
        ),
        (400, "MalformedPolicyDocument", "Syntax errors in policy &quot;x&quot;", .malformedPolicy),
        (
            400, "ValidationError",
            "1 validation error detected: Value &apos;99999&apos; at &apos;durationSeconds&apos;",
            .service(code: "ValidationError")
        ),
    ])
    func mapsErrorsToWhatTheUserShouldDo(status: Int, code: String, message: String, kind: STSError.Kind) async throws {
        let transport = ScriptedTransport([respond(status, Self.errorBody(code, message))])
        let error = await #expect(throws: STSError.self) {
            _ = try await client(transport).assumeRole(
                role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == kind)
        #expect(transport.requests.count == 1, "only throttling, 5xx and the network are retried")
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains("arn:aws:iam::111122223333:role/deploy"))
        #expect(text.contains(code))
        #expect(!text.contains(source.secretAccessKey))
        #expect(!text.contains("SOURCESESSIONTOKEN"))
        #expect(!text.contains("&quot;") && !text.contains("&apos;"))
    }

    @Test(arguments: [
        ("ExpiredTokenException", STSError.Kind.invalidWebIdentityToken),
        ("InvalidIdentityToken", .invalidWebIdentityToken),
        ("AccessDenied", .accessDenied),
    ])
    func webIdentityErrorsNeverShowTheToken(code: String, kind: STSError.Kind) async throws {
        let token = "eyJhbGciOi.JWT.SIGNATURE"
        let transport = ScriptedTransport([respond(400, Self.errorBody(code, "Token \(token) rejected"))])
        let error = await #expect(throws: STSError.self) {
            _ = try await client(transport).assumeRoleWithWebIdentity(
                WebIdentityRoleRequest(roleARN: role.roleARN, sessionName: "pod", webIdentityToken: token),
                endpoint: endpoint)
        }
        #expect(error?.kind == kind)
        #expect(error?.description.contains(role.roleARN) == true)
        #expect(error?.description.contains(token) == false)
    }

    @Test func identityProviderTroubleIsRetried() async throws {
        let transport = ScriptedTransport([
            respond(400, Self.errorBody("IDPCommunicationError", "could not reach the provider")),
            respond(200, answer(action: "AssumeRoleWithWebIdentity")),
        ])
        _ = try await client(transport).assumeRoleWithWebIdentity(
            WebIdentityRoleRequest(roleARN: role.roleARN, sessionName: "pod", webIdentityToken: "t0ken"),
            endpoint: endpoint)
        #expect(transport.requests.count == 2)
    }

    @Test(arguments: [
        "not xml",
        "<AssumeRoleResponse><AssumeRoleResult></AssumeRoleResult></AssumeRoleResponse>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA</AccessKeyId></Credentials></AssumeRoleResult></AssumeRoleResponse>",
        "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey><SessionToken>T</SessionToken><Expiration>tomorrow</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>",
    ])
    func rejectsMalformedAnswers(body: String) async throws {
        let error = await #expect(throws: STSError.self) {
            _ = try await client(ScriptedTransport([respond(200, body)])).assumeRole(
                role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .malformedResponse)
    }

    @Test func refusesCredentialsThatAlreadyExpired() async throws {
        let error = await #expect(throws: STSError.self) {
            _ = try await client(ScriptedTransport([respond(200, answer(expiresIn: -60))])).assumeRole(
                role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .credentialsAlreadyExpired)
        #expect(error?.description.contains("clock") == true)
    }

    @Test func networkFailuresAreRetriedAndNamed() async throws {
        let transport = ScriptedTransport([
            { _ in .failure(HTTPError(kind: .couldNotConnect, host: "sts.eu-west-1.amazonaws.com", detail: "refused")) }
        ])
        let error = await #expect(throws: STSError.self) {
            _ = try await client(transport).assumeRole(
                role, credentials: source, region: "eu-west-1", endpoint: endpoint)
        }
        #expect(error?.kind == .network)
        #expect(error?.description.contains("sts.eu-west-1.amazonaws.com") == true)
        #expect(transport.requests.count == 3)
    }
}

@Suite struct STSEndpointTests {
    @Test(
        arguments: [
            ("eu-west-1", "https://sts.eu-west-1.amazonaws.com"),
            ("cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn"),
            ("us-gov-west-1", "https://sts.us-gov-west-1.amazonaws.com"),
            (nil, "https://sts.amazonaws.com"),
        ] as [(String?, String)])
    func partitions(region: String?, expected: String) throws {
        #expect(try STSEndpoint.url(region: region, environment: Environment()).absoluteString == expected)
    }

    @Test func overridesApplyMostSpecificFirst() throws {
        let all = Environment(["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1", "AWS_ENDPOINT_URL": "http://127.0.0.1:3"])
        #expect(
            try STSEndpoint.url(region: "eu-west-1", environment: all, profileServiceEndpoint: "http://x:2").port == 1)
        // The environment beats the config file, as the SDKs document: AWS_ENDPOINT_URL over the services block.
        let global = Environment(["AWS_ENDPOINT_URL": "http://127.0.0.1:3"])
        #expect(try STSEndpoint.url(region: nil, environment: global, profileServiceEndpoint: "http://x:2").port == 3)
        #expect(
            try STSEndpoint.url(
                region: nil, environment: Environment(), profileServiceEndpoint: "http://x:2",
                profileEndpoint: "http://x:4"
            ).port == 2)
        #expect(try STSEndpoint.url(region: nil, environment: global, profileEndpoint: "http://x:4").port == 3)
        #expect(try STSEndpoint.url(region: nil, environment: Environment(), profileEndpoint: "http://x:4").port == 4)
    }

    @Test func aBadOverrideIsAnErrorNamingIt() {
        let error = #expect(throws: STSError.self) {
            try STSEndpoint.url(region: "eu-west-1", environment: Environment(["AWS_ENDPOINT_URL_STS": "not a url"]))
        }
        #expect(error?.kind == .invalidEndpoint)
        #expect(error?.description.contains("not a url") == true)
    }
}

@Suite struct QueryXMLTests {
    @Test func readsNestedElementsAndDecodesEntities() {
        let xml = QueryXML(
            Data("<A><ArnList>x</ArnList><B><Arn attr=\"1\">a&amp;b &#65;&#x42;</Arn><Empty/></B></A>".utf8))
        #expect(xml.element("B")?.value("Arn") == "a&b AB")
        #expect(xml.value("Arn") == "a&b AB", "<ArnList> is not <Arn>")
        #expect(xml.value("Empty") == "")
        #expect(xml.value("Missing") == nil)
        #expect(QueryXML.decoded("&unknown; &amp") == "&unknown; &amp")
    }

    @Test(arguments: [
        "2027-01-15T08:00:00Z", "2027-01-15T08:00:00.000Z", "2027-01-15T08:00:00+00:00", "2027-01-15T09:00:00+01:00",
    ])
    func parsesAWSTimestamps(text: String) {
        #expect(parseAWSTimestamp(text) == Date(timeIntervalSince1970: 1_800_000_000))
    }
}
