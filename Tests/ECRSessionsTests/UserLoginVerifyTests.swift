@testable import ECRSessions
import Foundation
import TestSupport
import Testing

/// `login`'s check of the user name and password, as docker login makes it, against registries that use a token
/// service (Bearer challenges), which the real registry in the integration tests does not.
@Suite struct UserLoginVerifyTests {
    func context(_ transport: ScriptedTransport) -> ActionContext {
        ActionContext(
            environment: Environment(["HOME": "/nonexistent"]), clock: ManualClock(Date(timeIntervalSince1970: 0)),
            transport: transport)
    }

    let challenge: ScriptedTransport.Answer = { _ in
        .success(
            HTTPResponse(
                status: 401,
                headers: [
                    HTTPHeader(
                        "WWW-Authenticate",
                        #"Bearer realm="https://auth.example.com/token",service="registry.example.com""#)
                ]))
    }

    @Test func aBearerChallengeIsAnsweredAtItsRealmWithBasicAuth() async throws {
        let transport = ScriptedTransport([challenge, respond(200, #"{"token": "t"}"#)])
        try await Actions.UserLogin(context(transport)).verify(registry: "ghcr.io", username: "me", password: "pw")
        let requests = transport.requests
        #expect(requests.map(\.url.absoluteString).first == "https://ghcr.io/v2/")
        let token = try #require(requests.last?.url)
        #expect(token.absoluteString == "https://auth.example.com/token?service=registry.example.com&account=me")
        let basic = "Basic " + Data("me:pw".utf8).base64EncodedString()
        #expect(requests.allSatisfy { $0.header("Authorization") == basic })
    }

    @Test func aTokenServiceThatRefusesMeansWrongCredentials() async throws {
        let transport = ScriptedTransport([challenge, respond(401, "{}")])
        await #expect(throws: RegistryCredentialsError(kind: .wrongCredentials, registry: "index.docker.io")) {
            try await Actions.UserLogin(context(transport)).verify(
                registry: "docker.io", username: "me", password: "bad")
        }
        #expect(transport.requests.first?.url.absoluteString == "https://registry-1.docker.io/v2/")
    }

    @Test func aBasicChallengeIsTheAnswer() async throws {
        let basicChallenge: ScriptedTransport.Answer = { _ in
            .success(HTTPResponse(status: 401, headers: [HTTPHeader("WWW-Authenticate", #"Basic realm="r""#)]))
        }
        let transport = ScriptedTransport([basicChallenge])
        await #expect(throws: RegistryCredentialsError(kind: .wrongCredentials, registry: "r.example.com")) {
            try await Actions.UserLogin(context(transport)).verify(
                registry: "r.example.com", username: "me", password: "bad")
        }
        #expect(transport.requests.count == 1)
    }
}
