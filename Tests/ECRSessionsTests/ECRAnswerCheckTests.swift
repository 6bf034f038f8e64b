import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// What ECR's answer must look like before any of it is written: a registry host of that ECR, a token of user
/// `AWS`, an expiry within a week (issue 12).
@Suite struct ECRAnswerCheckTests {
    let credentials = AWSCredentials(accessKeyID: "AKIAEXAMPLEEXAMPLE01", secretAccessKey: "s3cr3t/SECRET+secret")
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let endpoint = URL(string: "https://api.ecr.eu-west-1.amazonaws.com/")!
    let fastRetry = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero)
    let goodToken = Data("AWS:pw-of-the-test".utf8).base64EncodedString()
    let ownRegistry = "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    /// A private answer with one entry; `expiresAt` is raw JSON.
    func answer(token: String? = nil, expiresAt: String? = nil, proxyEndpoint: String? = nil) throws -> String {
        let entry: [String: Any] = [
            "authorizationToken": token ?? goodToken, "expiresAt": 0, "proxyEndpoint": proxyEndpoint ?? ownRegistry,
        ]
        let json = try JSONSerialization.data(withJSONObject: ["authorizationData": [entry]], options: [.sortedKeys])
        let text = String(decoding: json, as: UTF8.self)
        return text.replacingOccurrences(
            of: #""expiresAt":0"#, with: #""expiresAt":"# + (expiresAt ?? "\(now.timeIntervalSince1970 + 43_200)"))
    }

    func tokens(_ body: String, api: URL? = nil) async throws(ECRError) -> [AuthorizationData] {
        let client = ECRClient(
            transport: ScriptedTransport([respond(200, body)]), clock: ManualClock(now), retry: fastRetry)
        return try await client.authorizationTokens(
            credentials: credentials, region: "eu-west-1", endpoint: api ?? endpoint)
    }

    func failure(_ body: String, api: URL? = nil) async -> ECRError? {
        do {
            _ = try await tokens(body, api: api)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Expiries

    @Test(
        "an absurd or far expiry is refused, naming the registry, instead of being stored",
        arguments: [
            "1e300", "9.3e18", "253402300800", "\(1_800_000_000 + 8 * 86_400)", "-5", "\"soon\"", "true", "null",
            "[1800043200]", "1e400",
        ])
    func absurdExpiries(expiresAt: String) async throws {
        let error = try #require(await failure(try answer(expiresAt: expiresAt)))
        #expect(error.kind == .implausibleExpiry)
        #expect(error.description.contains("111122223333.dkr.ecr.eu-west-1.amazonaws.com"))
        #expect(error.description.contains("clock"))
    }

    @Test(
        "an expiry is read in any of JSON's ways to write a number",
        arguments: ["1.8000432e9", "1800043200.0", "18000432E2"])
    func expiryNumberForms(expiresAt: String) async throws {
        let tokens = try await tokens(try answer(expiresAt: expiresAt))
        #expect(tokens.map(\.expiresAt) == [Date(timeIntervalSince1970: 1_800_043_200)])
    }

    @Test("an expiry within a week is taken as it is")
    func weekLongExpiry() async throws {
        let expiresAt = now.timeIntervalSince1970 + RegistryLogin.longestLifetime
        let tokens = try await tokens(try answer(expiresAt: "\(expiresAt)"))
        #expect(tokens.map(\.expiresAt) == [Date(timeIntervalSince1970: expiresAt)])
    }

    @Test("AWS timestamps past year 9999 or not finite are no time")
    func timestampBounds() {
        #expect(AWSTimestamp.epochSeconds(NSNumber(value: 1e300)) == nil)
        #expect(AWSTimestamp.epochSeconds(NSNumber(value: Double.infinity)) == nil)
        #expect(AWSTimestamp.epochSeconds(NSNumber(value: 253_402_300_800)) == nil)
        #expect(AWSTimestamp.epochSeconds(NSNumber(value: 253_402_300_799)) == AWSTimestamp.latest)
        #expect(AWSTimestamp.epochMilliseconds(NSNumber(value: 9.3e18 * 1000)) == nil)
    }

    // MARK: Registries

    @Test(
        "a proxyEndpoint that is not this ECR's registry fails the login, quoted escaped",
        arguments: [
            "", "https://docker.io", "https://index.docker.io/v1/",
            "http://111122223333.dkr.ecr.eu-west-1.amazonaws.com",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com\u{0}.evil",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/v2",
            "https://user@111122223333.dkr.ecr.eu-west-1.amazonaws.com",
            "https://111122223333.dkr.ecr.us-east-1.amazonaws.com",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com.cn",
            "https://11112222333.dkr.ecr.eu-west-1.amazonaws.com",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com?x",
            "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com:443",
            "https://localhost:5000", "https://\u{1b}[31mred", " https://111122223333.dkr.ecr.eu-west-1.amazonaws.com",
        ])
    func foreignRegistries(proxyEndpoint: String) async throws {
        let error = try #require(await failure(try answer(proxyEndpoint: proxyEndpoint)))
        #expect(error.kind == .unexpectedRegistry)
        #expect(error.description.contains("eu-west-1"))
        #expect(error.description.contains("nothing was written"))
        #expect(!error.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f })
        #expect(!error.description.contains(goodToken))
    }

    @Test("a NUL in the host is shown escaped, not cut off")
    func nulShownEscaped() async throws {
        let error = try #require(await failure(try answer(proxyEndpoint: "https://docker.io\u{0}x")))
        #expect(error.description.contains(#""https://docker.io\u{0}x""#))
    }

    @Test(
        "ECR's own registry hosts are accepted, FIPS and other partitions too",
        arguments: [
            ("eu-west-1", "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/"),
            ("us-gov-west-1", "https://111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com"),
            ("cn-north-1", "https://111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"),
        ])
    func ownRegistries(region: String, proxyEndpoint: String) throws {
        let host = try RegistryEndpoint.host(of: proxyEndpoint, service: .privateECR(region: region), api: endpoint)
        #expect(!host.hasPrefix("https://") && !host.hasSuffix("/"))
    }

    @Test("a registry on this machine is accepted only from an ECR endpoint on this machine")
    func loopbackRegistries() throws {
        let local = URL(string: "http://127.0.0.1:4566/")!
        for registry in ["https://localhost:5000", "https://127.0.0.1:5000", "https://[::1]:5000", "https://localhost"]
        {
            #expect(throws: Never.self) {
                try RegistryEndpoint.host(of: registry, service: .privateECR(region: "eu-west-1"), api: local)
            }
            #expect(throws: ECRError.self) {
                try RegistryEndpoint.host(of: registry, service: .privateECR(region: "eu-west-1"), api: endpoint)
            }
        }
        #expect(throws: ECRError.self) {
            try RegistryEndpoint.host(of: "https://docker.io", service: .privateECR(region: "eu-west-1"), api: local)
        }
    }

    @Test("ECR Public's answer may name only public.ecr.aws")
    func publicRegistry() async throws {
        let body = """
            {"authorizationData":{"authorizationToken":"\(goodToken)","expiresAt":\(now.timeIntervalSince1970 + 3600),\
            "proxyEndpoint":"https://docker.io"}}
            """
        let client = ECRClient(
            transport: ScriptedTransport([respond(200, body)]), clock: ManualClock(now), retry: fastRetry)
        let error = await #expect(throws: ECRError.self) {
            _ = try await client.publicAuthorizationToken(
                credentials: credentials, endpoint: URL(string: "https://api.ecr-public.us-east-1.amazonaws.com/")!)
        }
        #expect(error?.kind == .unexpectedRegistry)
    }

    // MARK: Tokens

    @Test("a token whose user is not AWS is refused, never quoted", arguments: ["bob:pw", "aws:pw", "AWS :pw", ":pw"])
    func tokenUser(decoded: String) async throws {
        let token = Data(decoded.utf8).base64EncodedString()
        let error = try #require(await failure(try answer(token: token)))
        #expect(error.kind == .malformedResponse)
        #expect(error.description.contains("not AWS"))
        #expect(!error.description.contains(token) && !error.description.contains(decoded))
    }
}
