import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The GetCallerIdentity call `doctor --online` makes: its form and signature, what it reads from STS's answer, and
/// the account a profile says its credentials belong to. The moto_server run is in `DoctorOnlineTests`.
@Suite struct DoctorOnlineCallerIdentityTests {
    let keys = AWSCredentials(
        accessKeyID: "AKIAIDENTITY00000001", secretAccessKey: "s3cr3t/IDENTITY+secret", sessionToken: "IDTOKEN")
    let endpoint = URL(string: "https://sts.eu-west-1.amazonaws.com")!

    func client(_ transport: ScriptedTransport) -> STSClient {
        STSClient(
            transport: transport, clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            retry: RetryPolicy(maxAttempts: 2, baseDelay: .zero, maxDelay: .zero))
    }

    @Test func asksWithASignedFormAndReadsTheAccountArnAndUserID() async throws {
        let transport = ScriptedTransport([
            respond(500, "<ErrorResponse><Error><Code>InternalFailure</Code></Error></ErrorResponse>"),
            respond(
                200,
                """
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <GetCallerIdentityResult>
                    <Arn>arn:aws:iam::123456789012:user/dev</Arn>
                    <UserId>AIDAEXAMPLE</UserId>
                    <Account>123456789012</Account>
                  </GetCallerIdentityResult>
                </GetCallerIdentityResponse>
                """),
        ])
        let identity = try await client(transport).getCallerIdentity(
            credentials: keys, region: "eu-west-1", endpoint: endpoint)
        #expect(
            identity
                == CallerIdentity(
                    account: "123456789012", arn: "arn:aws:iam::123456789012:user/dev", userID: "AIDAEXAMPLE"))
        #expect(transport.requests.count == 2)  // the 5xx was retried
        let request = try #require(transport.requests.last)
        #expect(request.method == "POST" && request.url == endpoint)
        #expect(String(decoding: request.body, as: UTF8.self) == "Action=GetCallerIdentity&Version=2011-06-15")
        let authorization = request.headers.first { $0.name == "Authorization" }?.value ?? ""
        #expect(authorization.contains("Credential=AKIAIDENTITY00000001/20270115/eu-west-1/sts/aws4_request"))
        #expect(request.headers.contains { $0.name == "X-Amz-Security-Token" && $0.value == "IDTOKEN" })
    }

    @Test func anAnswerWithoutAnAccountIsMalformedAndAnErrorHidesTheSecret() async throws {
        let empty = ScriptedTransport([respond(200, "<GetCallerIdentityResponse/>")])
        let malformed = await #expect(throws: STSError.self) {
            _ = try await client(empty).getCallerIdentity(credentials: keys, region: nil, endpoint: endpoint)
        }
        #expect(malformed?.kind == .malformedResponse)
        #expect(malformed?.description.contains("without an Account") == true)

        let denied = ScriptedTransport([
            respond(
                403,
                "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>secret s3cr3t/IDENTITY+secret"
                    + "</Message></Error></ErrorResponse>")
        ])
        let error = await #expect(throws: STSError.self) {
            _ = try await client(denied).getCallerIdentity(credentials: keys, region: nil, endpoint: endpoint)
        }
        #expect(error?.kind == .invalidSignature)
        #expect(error?.roleARN == nil)
        #expect(error.map { !String(describing: $0).contains(keys.secretAccessKey) } == true)
    }

    @Test(arguments: [
        ("aws_account_id = 111122223333\nsso_account_id = 444455556666\n", "111122223333", "aws_account_id"),
        (
            "sso_account_id = 444455556666\nrole_arn = arn:aws:iam::777788889999:role/x\n", "444455556666",
            "sso_account_id"
        ),
        ("role_arn = arn:aws-cn:iam::777788889999:role/x\nsource_profile = base\n", "777788889999", "role_arn"),
        ("aws_access_key_id = AKIA\naws_secret_access_key = s\n", nil, nil),
        ("role_arn = not-an-arn\n", nil, nil),
    ])
    func theAccountAProfileSays(settings: String, id: String?, setting: String?) throws {
        let profiles = try AWSProfiles(config: "[profile dev]\n" + settings, credentials: "")
        let expected = Actions.Doctor.expectedAccount(ofProfile: "dev", in: profiles)
        #expect(expected?.id == id && expected?.setting == setting)
    }
}
