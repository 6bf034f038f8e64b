import ECRSessions
import Foundation
import TestSupport
import Testing

/// The fake ECR endpoint, driven by the real `ECRClient` over the real libcurl transport.
@Suite struct FakeECRTests {
    static let privateTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
    static let publicTarget = "SpencerFrontendService.GetAuthorizationToken"

    let start = Date(timeIntervalSince1970: 1_800_000_000.5)
    let alice = AWSCredentials(accessKeyID: "AKIAFAKEALICE0000001", secretAccessKey: "alice/Secret+key")
    let bob = AWSCredentials(accessKeyID: "AKIAFAKEBOB000000002", secretAccessKey: "bob/Secret+key")
    let aliceAccount = "111122223333"
    let bobAccount = "444455556666"
    let clock: ManualClock
    let fake: FakeECR
    let transport = CurlTransport(settings: CurlSettings())

    init() throws {
        clock = ManualClock(start)
        fake = try FakeECR(clock: clock, regions: ["eu-west-1", "us-east-1"])
        fake.register(alice, account: aliceAccount)
        fake.register(bob, account: bobAccount)
    }

    func client(retry: RetryPolicy = RetryPolicy(maxAttempts: 3, baseDelay: .zero, maxDelay: .zero)) -> ECRClient {
        ECRClient(transport: transport, clock: clock, retry: retry)
    }

    func tokens(_ credentials: AWSCredentials, region: String = "eu-west-1", registryIDs: [String] = [])
        async throws(ECRError) -> [AuthorizationData]
    {
        try await client().authorizationTokens(
            credentials: credentials, region: region, endpoint: fake.endpoint, registryIDs: registryIDs)
    }

    /// Sends a GetAuthorizationToken request signed by hand, for scopes the client would never use.
    func sendSigned(target: String, service: String, region: String, date: Date? = nil) async throws
        -> (status: Int, code: String, message: String)
    {
        let request = HTTPRequest(
            method: "POST", url: fake.endpoint,
            headers: [
                HTTPHeader("Content-Type", "application/x-amz-json-1.1"), HTTPHeader("X-Amz-Target", target),
            ],
            body: Data("{}".utf8))
        let signer = SigV4Signer(credentials: alice, region: region, service: service)
        let response = try await transport.send(signer.sign(request, date: date ?? clock.now()))
        let object = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: String])
        return (response.status, object["__type"] ?? "", object["message"] ?? "")
    }

    @Test func issuesATokenThatExpiresByTheTestClock() async throws {
        defer { fake.stop() }
        let first = try #require(try await tokens(alice).first)
        #expect(first.expiresAt == start.addingTimeInterval(12 * 3600))
        #expect(first.registryHost == "111122223333.dkr.ecr.eu-west-1.amazonaws.com")
        #expect(first.token.credentials?.username == "AWS")
        let issued = try #require(fake.lastToken(account: aliceAccount, region: "eu-west-1"))
        #expect(issued.authorizationToken == first.token.encoded)
        #expect(issued.password == first.token.credentials?.password)
        #expect(issued.expiresAt == first.expiresAt)
        #expect(issued.registryHost == first.registryHost)

        clock.advance(by: 3600)
        fake.tokenLifetime = 600
        let second = try #require(try await tokens(alice).first)
        #expect(second.expiresAt == start.addingTimeInterval(3600 + 600))
        #expect(second.token != first.token)
        #expect(fake.requests.map(\.outcome) == [.issued(tokens: 1), .issued(tokens: 1)])
        #expect(fake.requests.map(\.receivedAt) == [start, start.addingTimeInterval(3600)])
    }

    @Test func aWrongSecretIsAnInvalidSignature() async throws {
        defer { fake.stop() }
        var forged = alice
        forged.secretAccessKey = "not-alice's-secret"
        let error = await #expect(throws: ECRError.self) { _ = try await tokens(forged) }
        #expect(error?.kind == .invalidSignature)
        let request = try #require(fake.requests.last)
        #expect(request.account == aliceAccount)
        guard case .rejected(400, "InvalidSignatureException", let message) = request.outcome else {
            Issue.record("unexpected outcome \(request.outcome)")
            return
        }
        #expect(message.contains("does not match"))
    }

    @Test func anUnknownAccessKeyIsUnrecognized() async throws {
        defer { fake.stop() }
        let stranger = AWSCredentials(accessKeyID: "AKIAFAKESTRANGER0003", secretAccessKey: "whatever")
        let error = await #expect(throws: ECRError.self) { _ = try await tokens(stranger) }
        #expect(error?.kind == .unknownAccessKey)
        #expect(fake.requests.last?.accessKeyID == "AKIAFAKESTRANGER0003")
        #expect(fake.requests.last?.account == nil)
    }

    @Test func sessionTokensMustMatchTheRegisteredOne() async throws {
        defer { fake.stop() }
        let temporary = AWSCredentials(
            accessKeyID: "ASIAFAKETEMPORARY004", secretAccessKey: "temporary/secret", sessionToken: "SESSION-ONE")
        fake.register(temporary, account: aliceAccount)
        #expect(try await tokens(temporary).count == 1)

        var stale = temporary
        stale.sessionToken = "SESSION-ZERO"
        let error = await #expect(throws: ECRError.self) { _ = try await tokens(stale) }
        #expect(error?.kind == .unknownAccessKey)
    }

    @Test(arguments: [
        (privateTarget, "ecr", "ap-south-1", "valid region, not 'ap-south-1'"),
        (privateTarget, "ecr-public", "eu-west-1", "correct service: 'ecr', not 'ecr-public'"),
        (publicTarget, "ecr", "us-east-1", "correct service: 'ecr-public', not 'ecr'"),
        (publicTarget, "ecr-public", "eu-west-1", "valid region, not 'eu-west-1' (ECR Public is us-east-1 only)"),
    ])
    func aWrongScopeIsAnInvalidSignatureThatSaysWhy(target: String, service: String, region: String, why: String)
        async throws
    {
        defer { fake.stop() }
        let answer = try await sendSigned(target: target, service: service, region: region)
        #expect(answer.status == 400)
        #expect(answer.code == "InvalidSignatureException")
        #expect(answer.message.contains(why), "\(answer.message)")
    }

    @Test(arguments: [-20 * 60.0, 20 * 60.0])
    func aSignatureFarFromTheClockIsRejected(offset: TimeInterval) async throws {
        defer { fake.stop() }
        let answer = try await sendSigned(
            target: Self.privateTarget, service: "ecr", region: "eu-west-1", date: start.addingTimeInterval(offset))
        #expect(answer.code == "InvalidSignatureException")
        #expect(answer.message.contains(offset < 0 ? "Signature expired" : "Signature not yet current"))
    }

    @Test func unknownTargetsAreUnknownOperations() async throws {
        defer { fake.stop() }
        let answer = try await sendSigned(
            target: "AmazonEC2ContainerRegistry_V20150921.ListImages", service: "ecr", region: "eu-west-1")
        #expect(answer.code == "UnknownOperationException")
    }

    @Test func throttlingTwiceIsRetriedByTheClient() async throws {
        defer { fake.stop() }
        fake.fail(account: aliceAccount, with: .throttle, times: 2)
        #expect(try await tokens(alice).count == 1)
        let throttled = FakeECR.Outcome.rejected(status: 400, code: "ThrottlingException", message: "Rate exceeded")
        #expect(fake.requests.map(\.outcome) == [throttled, throttled, .issued(tokens: 1)])
        #expect(fake.requestCount(account: aliceAccount, region: "eu-west-1") == 3)
        #expect(try await tokens(bob).count == 1, "alice's faults are not bob's")
    }

    @Test(arguments: [
        (FakeECR.Fault.throttle, ECRError.Kind.throttled),
        (.serverError, .serverError),
        (.malformedBody, .malformedResponse),
        (.expiredToken, .tokenAlreadyExpired),
    ])
    func eachFaultReachesTheClientAsItsError(fault: FakeECR.Fault, kind: ECRError.Kind) async throws {
        defer { fake.stop() }
        fake.fail(with: fault, times: .max)
        let error = await #expect(throws: ECRError.self) { _ = try await tokens(bob) }
        #expect(error?.kind == kind)
        if fault == .expiredToken {
            let issued = try #require(fake.lastToken(account: bobAccount, region: "eu-west-1"))
            #expect(issued.expiresAt == start.addingTimeInterval(-3600))
        }
        fake.clearFaults()
        #expect(try await tokens(bob).count == 1)
    }

    @Test func anOutageFailsEveryRequestUntilItEnds() async throws {
        defer { fake.stop() }
        fake.setOutage(true)
        let error = await #expect(throws: ECRError.self) { _ = try await tokens(alice) }
        #expect(error?.kind == .serverError)
        #expect(fake.requests.count == 3)
        #expect(fake.requests.allSatisfy { if case .rejected(503, _, _) = $0.outcome { true } else { false } })

        fake.setOutage(false)
        fake.setOutage(true, account: bobAccount)
        #expect(try await tokens(alice).count == 1)
        await #expect(throws: ECRError.self) { _ = try await tokens(bob) }
        fake.setOutage(false, account: bobAccount)
        #expect(try await tokens(bob).count == 1)
    }

    @Test func registryIDsFanOutOneTokenToEachRegistry() async throws {
        defer { fake.stop() }
        let ids = [aliceAccount, bobAccount, "777788889999"]
        let answer = try await tokens(alice, region: "us-east-1", registryIDs: ids)
        #expect(answer.map(\.registryHost) == ids.map { "\($0).dkr.ecr.us-east-1.amazonaws.com" })
        #expect(Set(answer.map(\.token.encoded)).count == 1, "one token per principal and region")
        for id in ids {
            #expect(fake.lastToken(account: id, region: "us-east-1")?.authorizationToken == answer[0].token.encoded)
        }
        #expect(fake.requests.last?.registryIDs == ids)
        #expect(fake.requests.last?.outcome == .issued(tokens: 3))
        #expect(fake.requestCount(account: aliceAccount, region: "us-east-1") == 1)
        #expect(fake.requestCount(account: aliceAccount, region: "eu-west-1") == 0)
    }

    @Test func speaksECRPublic() async throws {
        defer { fake.stop() }
        let answer = try await client().publicAuthorizationToken(credentials: bob, endpoint: fake.endpoint)
        #expect(answer.registryHost == "public.ecr.aws")
        #expect(answer.expiresAt == start.addingTimeInterval(12 * 3600))
        #expect(fake.lastPublicToken(account: bobAccount)?.authorizationToken == answer.token.encoded)
        #expect(fake.lastToken(account: bobAccount, region: "us-east-1") == nil)
        #expect(fake.requestCount(account: bobAccount, region: "us-east-1", service: "ecr-public") == 1)
        #expect(fake.requestCount(account: bobAccount, region: "us-east-1", service: "ecr") == 0)
    }

    @Test func latencyOverlapsParallelCallsAndTheHighWaterMarkSeesIt() async throws {
        defer { fake.stop() }
        _ = try await tokens(alice)
        #expect(fake.maxConcurrentRequests == 1)
        fake.resetRecords()

        fake.setLatency(.milliseconds(400))
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<8 {
                group.addTask { try await tokens(index.isMultiple(of: 2) ? alice : bob).count }
            }
            for try await count in group { #expect(count == 1) }
        }
        let elapsed = ContinuousClock.now - started
        #expect(fake.requests.count == 8)
        // Only overlap is required, not all 8 at once: CurlTransport runs transfers on a GCD queue, which on a
        // 2-core Linux machine runs about 3 blocking transfers at a time.
        #expect(fake.maxConcurrentRequests > 1)
        #expect(fake.maxConcurrentRequests <= 8)
        // That they overlapped is what the high-water mark shows; a wall-clock bound would fail on a busy machine.
        #expect(elapsed >= .milliseconds(400))
    }

    @Test func perAccountLatencyDelaysOnlyThatAccount() async throws {
        defer { fake.stop() }
        fake.setLatency(.milliseconds(300), account: bobAccount)
        _ = try await tokens(alice)
        let slow = try await ContinuousClock().measure { _ = try await tokens(bob) }
        #expect(slow >= .milliseconds(300))
        #expect(fake.requests.map(\.account) == [aliceAccount, bobAccount])
        #expect(fake.requests.map(\.latency) == [.zero, .milliseconds(300)])
    }

    @Test func namesItsEndpointForTheEnvironment() {
        defer { fake.stop() }
        let url = "http://127.0.0.1:\(fake.port)/"
        #expect(fake.endpoint.absoluteString == url)
        #expect(fake.environment == ["AWS_ENDPOINT_URL_ECR": url, "AWS_ENDPOINT_URL_ECR_PUBLIC": url])
    }
}
