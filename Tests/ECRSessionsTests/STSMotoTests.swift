import ECRSessions
import Foundation
import TestSupport
import Testing

/// AssumeRole against a real moto_server that checks every signature with botocore's code. Fails, never skips,
/// when moto_server is missing.
@Suite(.serialized) struct STSMotoTests {
    let transport = CurlTransport(settings: CurlSettings())

    func client(clock: any WallClock = SystemClock()) -> STSClient {
        STSClient(transport: transport, clock: clock, retry: .none)
    }

    @Test func assumesRolesInTheSameAndAnotherAccountWithSignatureChecksOn() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let endpoint = try #require(URL(string: moto.endpoint))
        let user = try await moto.createUserWithAccessKey("sts-user")
        let sameAccountRole = try await moto.createRole("deploy")
        // While moto does not check yet, any key may assume a role anywhere; credentials from STS belong to the
        // role's account, so they can create a role in that other account.
        let foothold = try await client().assumeRole(
            AssumeRoleRequest(roleARN: "arn:aws:iam::222233334444:role/setup", sessionName: "setup"),
            credentials: AWSCredentials(accessKeyID: "AKIASETUPSETUPSETUP1", secretAccessKey: "setup"),
            region: "us-east-1", endpoint: endpoint)
        let otherAccountRole = try await moto.createRole("cross", credentials: foothold.credentials)
        #expect(otherAccountRole == "arn:aws:iam::222233334444:role/cross")
        try await moto.enableSignatureChecks()

        for roleARN in [sameAccountRole, otherAccountRole] {
            let assumed = try await client().assumeRole(
                AssumeRoleRequest(roleARN: roleARN, sessionName: "integration", durationSeconds: 900),
                credentials: user, region: "us-east-1", endpoint: endpoint)
            #expect(assumed.credentials.accessKeyID.hasPrefix("ASIA"))
            #expect(assumed.credentials.sessionToken?.isEmpty == false)
            #expect(try #require(assumed.credentials.expiration) > Date())
            #expect(assumed.arn.contains(":assumed-role/"))
            #expect(assumed.arn.hasSuffix("/integration"))
        }
    }

    @Test func assumesARoleWithAWebIdentityTokenUnsigned() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let endpoint = try #require(URL(string: moto.endpoint))
        let roleARN = try await moto.createRole("web")
        // moto does not verify the token's signature; this checks the unsigned request's shape and the answer.
        let assumed = try await client().assumeRoleWithWebIdentity(
            WebIdentityRoleRequest(
                roleARN: roleARN, sessionName: "pod", webIdentityToken: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
                durationSeconds: 900),
            endpoint: endpoint)
        #expect(assumed.credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(try #require(assumed.credentials.expiration) > Date())
        #expect(assumed.arn.hasSuffix("/pod"))
    }

    @Test func aWrongSecretIsAnInvalidSignatureThatKeepsTheSecretOut() async throws {
        let moto = try await MotoServer()
        defer { moto.stop() }
        let endpoint = try #require(URL(string: moto.endpoint))
        let user = try await moto.createUserWithAccessKey("sts-user")
        let roleARN = try await moto.createRole("deploy")
        try await moto.enableSignatureChecks()

        let wrong = AWSCredentials(accessKeyID: user.accessKeyID, secretAccessKey: "wrong-secret-WRONG-secret")
        let error = await #expect(throws: STSError.self) {
            _ = try await client().assumeRole(
                AssumeRoleRequest(roleARN: roleARN, sessionName: "integration"), credentials: wrong,
                region: "us-east-1", endpoint: endpoint)
        }
        #expect(error?.kind == .invalidSignature)
        let text = error.map(String.init(describing:)) ?? ""
        #expect(text.contains(roleARN))
        #expect(text.contains(user.accessKeyID))
        #expect(!text.contains("wrong-secret-WRONG-secret"))
        #expect(!text.contains(user.secretAccessKey))
    }
}
