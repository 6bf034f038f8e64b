import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct AWSCoreTests {
    // MARK: Partitions

    @Test(arguments: [
        ("us-east-1", "aws", "amazonaws.com"),
        ("eu-west-1", "aws", "amazonaws.com"),
        ("il-central-1", "aws", "amazonaws.com"),
        ("cn-north-1", "aws-cn", "amazonaws.com.cn"),
        ("cn-northwest-1", "aws-cn", "amazonaws.com.cn"),
        ("us-gov-west-1", "aws-us-gov", "amazonaws.com"),
        ("us-iso-east-1", "aws-iso", "c2s.ic.gov"),
        ("us-isob-east-1", "aws-iso-b", "sc2s.sgov.gov"),
        ("eu-isoe-west-1", "aws-iso-e", "cloud.adc-e.uk"),
        ("us-isof-south-1", "aws-iso-f", "csp.hci.ic.gov"),
        ("xx-unknown-1", "aws", "amazonaws.com"),
    ])
    func eachRegionPrefixHasItsPartition(region: String, id: String, dnsSuffix: String) {
        let partition = Partition(region: region)
        #expect(partition.id == id)
        #expect(partition.dnsSuffix == dnsSuffix)
        #expect(Partition.endpointHost("sts", region: region) == "sts.\(region).\(dnsSuffix)")
    }

    @Test func everyEndpointTakesItsPartitionsSuffix() throws {
        #expect(
            try ECREndpoint.privateAPI(region: "us-iso-east-1").absoluteString
                == "https://api.ecr.us-iso-east-1.c2s.ic.gov")
        #expect(
            ECREndpoint.registryHost(account: "111122223333", region: "us-isob-east-1")
                == "111122223333.dkr.ecr.us-isob-east-1.sc2s.sgov.gov")
        #expect(
            try STSEndpoint.url(region: "eu-isoe-west-1", environment: Environment()).absoluteString
                == "https://sts.eu-isoe-west-1.cloud.adc-e.uk")
        #expect(
            try SSOEndpoint.url(ssoRegion: "us-isof-south-1", environment: Environment()).absoluteString
                == "https://portal.sso.us-isof-south-1.csp.hci.ic.gov")
    }

    // MARK: Error bodies

    @Test(arguments: [
        (#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#, "ThrottlingException", "Rate exceeded"),
        (
            #"{"__type":"com.amazonaws.ecr#AccessDeniedException:http://x/","Message":"no"}"#, "AccessDeniedException",
            "no"
        ),
        (#"{"code":"ExpiredToken"}"#, "ExpiredToken", ""),
        (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                + "<Message>User arn:aws:iam::1:user/a &amp; b is not authorized</Message></Error></ErrorResponse>",
            "AccessDenied", "User arn:aws:iam::1:user/a & b is not authorized"
        ),
        (
            "<Response><Errors><Error><Code>InvalidClientTokenId</Code></Error></Errors></Response>",
            "InvalidClientTokenId", ""
        ),
    ])
    func readsBothErrorBodyForms(body: String, code: String, message: String) throws {
        let error = try #require(AWSErrorBody(Data(body.utf8)))
        #expect(error == AWSErrorBody(code: code, message: message))
    }

    @Test(arguments: [
        "", "not json, not xml", #"{"message":"no code"}"#, "[1, 2]", "<Error><Message>m</Message></Error>",
    ])
    func aBodyWithoutACodeIsNoErrorBody(body: String) {
        #expect(AWSErrorBody(Data(body.utf8)) == nil)
    }

    @Test func anErrorAnswerHidesTheSecretsAndReadsTheTypeHeader() {
        let response = HTTPResponse(
            status: 403, headers: [HTTPHeader("X-Amzn-ErrorType", "ForbiddenException:http://internal.amazon.com/")],
            body: Data(#"{"__type":"AccessDenied","message":"token SECRET-TOKEN was refused"}"#.utf8))
        let answer = AWSErrorAnswer(response, host: "api.example", secrets: ["SECRET-TOKEN", nil, "ab"])
        #expect(answer.body?.message == "token <redacted> was refused")
        #expect(answer.typeHeader == "ForbiddenException")
        #expect(answer.statusDetail == "HTTP 403 from api.example")
        #expect(answer.statusKind(serverError: "5xx", throttled: "429", unexpected: "other") == "other")
        let body = AWSErrorBody(code: "SignatureDoesNotMatch", message: "the canonical request was ...")
        #expect(
            answer.detail(body, hidingMessage: true, accessKeyID: "AKID")
                == "SignatureDoesNotMatch from api.example, key AKID")
        #expect(
            answer.detail(body, hidingMessage: false, accessKeyID: "AKID").hasSuffix(": the canonical request was ..."))
    }

    // MARK: Timestamps

    @Test(arguments: [
        "2027-01-15T08:00:00Z", "2027-01-15T08:00:00.000Z", "2027-01-15T08:00:00+00:00", " 2027-01-15T09:00:00+01:00",
    ])
    func readsISO8601(text: String) {
        #expect(AWSTimestamp.iso8601(text) == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func readsTheOldCLIsUTCSuffix() {
        #expect(AWSTimestamp.iso8601("2027-01-15T08:00:00UTC") == Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test func readsEpochSecondsWithAFractionAndEpochMilliseconds() throws {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(#"{"s":1800000000.25,"i":1800000000,"ms":1800000000250}"#.utf8))
                as? [String: Any])
        #expect(AWSTimestamp.epochSeconds(object["s"]) == Date(timeIntervalSince1970: 1_800_000_000.25))
        #expect(AWSTimestamp.epochSeconds(object["i"]) == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(AWSTimestamp.epochMilliseconds(object["ms"]) == Date(timeIntervalSince1970: 1_800_000_000.25))
    }

    @Test(arguments: ["", "tomorrow", "2027-01-15", "2027-13-45T08:00:00Z", "1800000000"])
    func malformedISO8601IsNil(text: String) {
        #expect(AWSTimestamp.iso8601(text) == nil)
    }

    @Test func malformedEpochIsNil() {
        let malformed: [Any?] = [nil, "1800000000", [1], ["s": 1], NSNull()]
        for value in malformed {
            #expect(AWSTimestamp.epochSeconds(value) == nil)
            #expect(AWSTimestamp.epochMilliseconds(value) == nil)
        }
    }

    // MARK: The client shell

    struct Mapping: AWSErrorMapping {
        var secrets: [String?] { [] }
        func failure(network detail: String) -> ECRError { ECRError(.network, detail: detail) }
        func failure(_ answer: AWSErrorAnswer) -> ECRError {
            ECRError(
                answer.statusKind(serverError: .serverError, throttled: .throttled, unexpected: .malformedResponse),
                detail: answer.body?.code ?? answer.statusDetail)
        }
    }

    let request = HTTPRequest(method: "POST", url: URL(string: "https://svc.eu-west-1.amazonaws.com/")!)
    let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")

    func shell(_ transport: ScriptedTransport, clock: ManualClock) -> AWSServiceClient {
        AWSServiceClient(
            transport: transport, clock: clock, retry: RetryPolicy(maxAttempts: 3, baseDelay: .zero, maxDelay: .zero))
    }

    @Test func retriesWhatMayPassAndSignsEachTryAnew() async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let transport = ScriptedTransport([
            { _ in
                clock.advance(by: 1); return .success(HTTPResponse(status: 503))
            },
            respond(200, "ok"),
        ])
        let signer = SigV4Signer(credentials: credentials, region: "eu-west-1", service: "svc")
        let body = try await shell(transport, clock: clock).perform(request, signer: signer, errors: Mapping()) {
            response throws(ECRError) in String(decoding: response.body, as: UTF8.self)
        }
        #expect(body == "ok")
        #expect(transport.requests.count == 2)
        #expect(transport.requests.map { $0.header("X-Amz-Date") } == ["20270115T080000Z", "20270115T080001Z"])
    }

    @Test func anUnsignedCallIsSentAsItIsAndAFinalErrorIsMapped() async {
        let transport = ScriptedTransport([respond(400, #"{"__type":"ValidationException"}"#)])
        let error = await #expect(throws: ECRError.self) {
            try await shell(transport, clock: ManualClock(Date())).perform(request, signer: nil, errors: Mapping()) {
                _ throws(ECRError) in ()
            }
        }
        #expect(error == ECRError(.malformedResponse, detail: "ValidationException"))
        #expect(transport.requests == [request], "not retried, not signed")
    }

    @Test func aNetworkFailureIsRetriedThenMapped() async {
        let transport = ScriptedTransport([
            { _ in .failure(HTTPError(kind: .couldNotConnect, host: "svc", detail: "refused")) }
        ])
        let error = await #expect(throws: ECRError.self) {
            try await shell(transport, clock: ManualClock(Date())).perform(request, signer: nil, errors: Mapping()) {
                _ throws(ECRError) in ()
            }
        }
        #expect(error?.kind == .network)
        #expect(transport.requests.count == 3)
    }
}
