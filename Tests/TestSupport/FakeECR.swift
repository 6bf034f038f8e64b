public import ECRSessions
public import Foundation
import Synchronization

/// A fake ECR and ECR Public API on 127.0.0.1, speaking GetAuthorizationToken over HTTP/1.1.
///
/// Unlike moto_server, its tokens expire when they should: `expiresAt` is the test clock's `now()` plus
/// `tokenLifetime`, so scheduler tests can watch tokens age. It knows accounts by access key and checks every
/// request's SigV4 signature (recomputed with `SigV4Signer`) and credential scope. Tests inject latency,
/// throttling, server errors, garbage bodies, expired tokens and outages at any time, from any thread, and read
/// back what it saw and what it issued.
///
/// One instance serves private ECR in every region in `regions` and ECR Public (us-east-1), on one endpoint:
/// point `AWS_ENDPOINT_URL_ECR` and `AWS_ENDPOINT_URL_ECR_PUBLIC` at `endpoint` (see `environment`).
public final class FakeECR: Sendable {
    /// A failure injected into requests that are otherwise fine (known key, good signature and scope).
    public enum Fault: Sendable, Equatable, CaseIterable {
        /// HTTP 400 `ThrottlingException`.
        case throttle
        /// HTTP 500 `ServerException`.
        case serverError
        /// HTTP 200 with a body cut off in the middle of the JSON.
        case malformedBody
        /// HTTP 200 with well-formed tokens whose `expiresAt` is an hour before now.
        case expiredToken
    }

    /// What the fake answered to one request.
    public enum Outcome: Sendable, Equatable {
        /// Fresh tokens: one per registry for private ECR, one for ECR Public.
        case issued(tokens: Int)
        /// Tokens that had already expired (the `.expiredToken` fault).
        case issuedExpired
        /// HTTP 200 with garbage (the `.malformedBody` fault).
        case malformedBody
        /// An AWS error answer: its status, `__type` and message.
        case rejected(status: Int, code: String, message: String)
    }

    /// One request as the fake saw it. Fields the request did not carry, or that could not be parsed, are nil.
    public struct Request: Sendable, Equatable {
        /// The access key ID in the `Authorization` header.
        public var accessKeyID: String?
        /// The account registered for that access key.
        public var account: String?
        /// The region of the credential scope.
        public var region: String?
        /// The service of the credential scope: `ecr` or `ecr-public`.
        public var service: String?
        /// The `X-Amz-Target` header.
        public var target: String?
        /// The `registryIds` asked for (empty: the caller's own registry).
        public var registryIDs: [String]
        /// The fake's clock when the request arrived.
        public var receivedAt: Date
        /// The injected latency the request waited before being answered.
        public var latency: Duration = .zero
        /// What the fake answered.
        public var outcome: Outcome
    }

    /// A token the fake handed out, as it went on the wire.
    public struct IssuedToken: Sendable, Equatable {
        /// Base64 of `AWS:<password>`, the `authorizationToken` field.
        public var authorizationToken: String
        /// The password inside `authorizationToken`.
        public var password: String
        /// The `expiresAt` sent, epoch seconds with their fraction.
        public var expiresAt: Date
        /// `https://<account>.dkr.ecr.<region>.amazonaws.com` (or the account's `setProxyEndpoint` choice), or
        /// `https://public.ecr.aws`.
        public var proxyEndpoint: String
        /// The registry host, as docker config files key it.
        public var registryHost: String { String(proxyEndpoint.dropFirst("https://".count)) }
    }

    private let service: Service
    private let server: LoopbackHTTPServer

    /// Starts a fake on a free loopback port. Private ECR answers in `regions`; ECR Public in us-east-1 only.
    public init(
        clock: any WallClock, regions: Set<String> = ["us-east-1", "us-west-2", "eu-west-1"],
        tokenLifetime: TimeInterval = 12 * 3600
    ) throws {
        let service = Service(clock: clock, regions: regions, tokenLifetime: tokenLifetime)
        self.service = service
        server = try LoopbackHTTPServer { request in service.handle(request) }
    }

    deinit {
        server.stop()
    }

    /// Stops listening. Requests already being answered finish.
    public func stop() {
        server.stop()
    }

    /// `http://127.0.0.1:<port>/`, for `ECRClient` and the `AWS_ENDPOINT_URL_ECR*` variables.
    public var endpoint: URL { server.endpoint }

    /// The port the fake listens on.
    public var port: UInt16 { server.port }

    /// `AWS_ENDPOINT_URL_ECR` and `AWS_ENDPOINT_URL_ECR_PUBLIC` pointing at this fake, for child processes.
    public var environment: [String: String] {
        let url = endpoint.absoluteString
        return ["AWS_ENDPOINT_URL_ECR": url, "AWS_ENDPOINT_URL_ECR_PUBLIC": url]
    }

    // MARK: Accounts and settings

    /// Makes `accessKeyID` a key of `account` (12 digits). With `sessionToken`, requests must carry exactly that
    /// token (temporary credentials); without, they must carry none.
    public func register(accessKeyID: String, secretAccessKey: String, account: String, sessionToken: String? = nil) {
        precondition(account.count == 12 && account.allSatisfy(\.isASCII) && account.allSatisfy(\.isNumber))
        let key = Service.Key(secretAccessKey: secretAccessKey, account: account, sessionToken: sessionToken)
        service.state.withLock { $0.keys[accessKeyID] = key }
    }

    /// Makes `credentials` (keys and session token) a key of `account`.
    public func register(_ credentials: AWSCredentials, account: String) {
        register(
            accessKeyID: credentials.accessKeyID, secretAccessKey: credentials.secretAccessKey, account: account,
            sessionToken: credentials.sessionToken)
    }

    /// How long issued tokens live: `expiresAt` is the clock's `now()` plus this. Twelve hours, like ECR's.
    public var tokenLifetime: TimeInterval {
        get { service.state.withLock { $0.tokenLifetime } }
        set { service.state.withLock { $0.tokenLifetime = newValue } }
    }

    /// Makes every private token for `account`'s registry name `proxyEndpoint` (`https://localhost:5000`) instead
    /// of `https://<account>.dkr.ecr.<region>.amazonaws.com`, so a real registry can stand in for ECR's.
    /// `nil` brings back ECR's host.
    public func setProxyEndpoint(_ proxyEndpoint: String?, account: String) {
        service.state.withLock { $0.proxyEndpoints[account] = proxyEndpoint }
    }

    /// Makes every token issued to a caller of `account` carry `password` instead of a random one, so a real
    /// registry can be told it before the token exists. `nil` brings back random passwords.
    public func setPassword(_ password: String?, account: String) {
        service.state.withLock { $0.passwords[account] = password }
    }

    // MARK: Faults

    /// Delays every answer (for `account` only, when given; an account's own latency replaces the global one).
    /// `.zero` removes it. The delay is real time, not the test clock's.
    public func setLatency(_ latency: Duration, account: String? = nil) {
        service.state.withLock { state in
            if let account { state.accountLatency[account] = latency } else { state.latency = latency }
        }
    }

    /// Answers the next `times` good requests (of `account`, or of anyone) with `fault`. An account's own faults
    /// come before global ones; faults queued earlier come first. `Int.max` fails until `clearFaults()`.
    public func fail(account: String? = nil, with fault: Fault, times: Int = 1) {
        precondition(times > 0)
        service.state.withLock { state in
            if let account {
                state.accountFaults[account, default: []].append((fault, times))
            } else {
                state.faults.append((fault, times))
            }
        }
    }

    /// Starts or ends an outage: every request (of `account` only, when given) gets HTTP 503 until it ends.
    /// A global outage answers before looking at the request at all, like a load balancer with no backends.
    public func setOutage(_ on: Bool, account: String? = nil) {
        service.state.withLock { state in
            if let account {
                if on { state.accountOutages.insert(account) } else { state.accountOutages.remove(account) }
            } else {
                state.outage = on
            }
        }
    }

    /// Removes every queued fault, outage and latency.
    public func clearFaults() {
        service.state.withLock { state in
            state.faults = []
            state.accountFaults = [:]
            state.outage = false
            state.accountOutages = []
            state.latency = .zero
            state.accountLatency = [:]
        }
    }

    // MARK: Records

    /// Every request answered so far, oldest first.
    public var requests: [Request] { service.state.withLock { $0.requests } }

    /// How many requests `account` signed for `region` (and `service`, when given), whatever their outcome.
    public func requestCount(account: String, region: String, service name: String? = nil) -> Int {
        requests.count(where: { $0.account == account && $0.region == region && (name == nil || $0.service == name) })
    }

    /// The most requests ever being answered at the same time (latency included).
    public var maxConcurrentRequests: Int { service.state.withLock { $0.maxInFlight } }

    /// The token last issued for the private registry of `account` in `region` (a `registryIds` entry or the
    /// caller's own account), expired ones included.
    public func lastToken(account: String, region: String) -> IssuedToken? {
        service.state.withLock { $0.lastTokens[Service.TokenKey(service: "ecr", account: account, region: region)] }
    }

    /// The ECR Public token last issued to a caller of `account`.
    public func lastPublicToken(account: String) -> IssuedToken? {
        service.state.withLock {
            $0.lastTokens[Service.TokenKey(service: "ecr-public", account: account, region: Service.publicRegion)]
        }
    }

    /// Forgets the recorded requests, tokens and concurrency high-water mark (accounts and faults stay).
    public func resetRecords() {
        service.state.withLock { state in
            state.requests = []
            state.lastTokens = [:]
            state.maxInFlight = state.inFlight
        }
    }
}

// MARK: - Answering requests

/// The fake's state and request handling, apart from `FakeECR` so the server's handler does not keep the fake
/// alive (the fake's `deinit` stops the server).
private final class Service: Sendable {
    static let publicRegion = "us-east-1"
    static let privateTarget = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
    static let publicTarget = "SpencerFrontendService.GetAuthorizationToken"
    /// How far the signature's date may be from the fake's clock, as AWS allows.
    static let allowedSkew: TimeInterval = 15 * 60

    struct Key {
        var secretAccessKey: String
        var account: String
        var sessionToken: String?
    }

    struct TokenKey: Hashable {
        var service: String
        var account: String
        var region: String
    }

    struct State {
        var keys: [String: Key] = [:]
        var tokenLifetime: TimeInterval
        var latency: Duration = .zero
        var accountLatency: [String: Duration] = [:]
        var faults: [(fault: FakeECR.Fault, times: Int)] = []
        var accountFaults: [String: [(fault: FakeECR.Fault, times: Int)]] = [:]
        var outage = false
        var accountOutages: Set<String> = []
        var requests: [FakeECR.Request] = []
        var lastTokens: [TokenKey: FakeECR.IssuedToken] = [:]
        var proxyEndpoints: [String: String] = [:]
        var passwords: [String: String] = [:]
        var inFlight = 0
        var maxInFlight = 0

        /// Takes the next fault for `account`: its own first, then a global one.
        mutating func takeFault(account: String) -> FakeECR.Fault? {
            if let fault = Self.take(from: &accountFaults[account, default: []]) { return fault }
            return Self.take(from: &faults)
        }

        private static func take(from queue: inout [(fault: FakeECR.Fault, times: Int)]) -> FakeECR.Fault? {
            guard let first = queue.first else { return nil }
            if first.times > 1 { queue[0].times -= 1 } else { queue.removeFirst() }
            return first.fault
        }
    }

    /// An AWS error answer, thrown from wherever the request is found wanting.
    struct Rejection: Error {
        var status: Int
        var code: String
        var message: String

        init(_ status: Int, _ code: String, _ message: String) {
            self.status = status
            self.code = code
            self.message = message
        }

        static func badSignature(_ message: String) -> Rejection {
            Rejection(400, "InvalidSignatureException", message)
        }
        static let outage = Rejection(503, "ServiceUnavailableException", "Service is unavailable (injected outage)")
    }

    /// The two operations the fake speaks.
    enum Operation {
        case privateToken
        case publicToken

        var signingName: String { self == .privateToken ? "ecr" : "ecr-public" }
    }

    let clock: any WallClock
    let regions: Set<String>
    let state: Mutex<State>

    init(clock: any WallClock, regions: Set<String>, tokenLifetime: TimeInterval) {
        self.clock = clock
        self.regions = regions
        state = Mutex(State(tokenLifetime: tokenLifetime))
    }

    func handle(_ http: HTTPRequest) -> HTTPResponse {
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
        }
        var record = FakeECR.Request(
            target: http.header("X-Amz-Target"), registryIDs: [], receivedAt: clock.now(),
            outcome: .rejected(status: 0, code: "", message: ""))
        let response: HTTPResponse
        do {
            response = try answer(http, record: &record)
        } catch {
            record.outcome = .rejected(status: error.status, code: error.code, message: error.message)
            response = Self.json(error.status, ["__type": error.code, "message": error.message])
        }
        state.withLock { state in
            state.inFlight -= 1
            state.requests.append(record)
        }
        return response
    }

    /// Checks the request in the order AWS does (who, signature, then the operation's input) and answers it.
    private func answer(_ http: HTTPRequest, record: inout FakeECR.Request) throws(Rejection) -> HTTPResponse {
        let authorization = http.header("Authorization").flatMap(SignatureHeader.init)
        let key = authorization.flatMap { header in state.withLock { $0.keys[header.accessKeyID] } }
        record.accessKeyID = authorization?.accessKeyID
        record.account = key?.account
        record.region = authorization?.region
        record.service = authorization?.service

        record.latency = pause(account: key?.account)
        if state.withLock({ $0.outage }) { throw .outage }

        guard http.method == "POST" else { throw Rejection(400, "UnknownOperationException", "Only POST is served") }
        let operation: Operation
        switch record.target {
        case Self.privateTarget: operation = .privateToken
        case Self.publicTarget: operation = .publicToken
        default: throw Rejection(400, "UnknownOperationException", "Unknown X-Amz-Target '\(record.target ?? "")'")
        }
        guard http.header("Authorization") != nil else {
            throw Rejection(400, "MissingAuthenticationTokenException", "Missing Authentication Token")
        }
        guard let authorization else {
            throw Rejection(
                400, "IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' for AWS4-HMAC-SHA256")
        }
        guard let key else {
            throw Rejection(
                400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        guard http.header("X-Amz-Security-Token") == key.sessionToken else {
            throw Rejection(
                400, "UnrecognizedClientException", "The security token included in the request is invalid.")
        }
        try checkScope(authorization, operation: operation)
        try checkSignature(http, authorization, key: key)

        if state.withLock({ $0.accountOutages.contains(key.account) }) { throw .outage }
        let registryIDs = try registryIDs(http.body, operation: operation)
        record.registryIDs = registryIDs

        let fault = state.withLock { $0.takeFault(account: key.account) }
        switch fault {
        case .throttle:
            throw Rejection(400, "ThrottlingException", "Rate exceeded")
        case .serverError:
            throw Rejection(500, "ServerException", "An internal error occurred (injected)")
        case .malformedBody:
            record.outcome = .malformedBody
            return HTTPResponse(
                status: 200, headers: Self.headers, body: Data(#"{"authorizationData":[{"authoriz"#.utf8))
        case .expiredToken, nil:
            let expired = fault == .expiredToken
            let (body, count) = issue(
                operation, account: key.account, region: authorization.region, registryIDs: registryIDs,
                expired: expired)
            record.outcome = expired ? .issuedExpired : .issued(tokens: count)
            return Self.json(200, body)
        }
    }

    /// Sleeps for the account's latency, or the global one, and returns it.
    private func pause(account: String?) -> Duration {
        let latency = state.withLock { state in account.flatMap { state.accountLatency[$0] } ?? state.latency }
        guard latency > .zero else { return .zero }
        let (seconds, attoseconds) = latency.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
        return latency
    }

    /// The credential scope must name the operation's service and a region the fake serves, and the signature must
    /// cover at least `host` and `x-amz-date`.
    private func checkScope(_ header: SignatureHeader, operation: Operation) throws(Rejection) {
        guard header.terminator == "aws4_request" else {
            throw .badSignature(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '\(header.terminator)'.")
        }
        guard header.service == operation.signingName else {
            throw .badSignature(
                "Credential should be scoped to correct service: '\(operation.signingName)', not '\(header.service)'.")
        }
        switch operation {
        case .privateToken where !regions.contains(header.region):
            throw .badSignature(
                "Credential should be scoped to a valid region, not '\(header.region)' (this endpoint serves "
                    + "\(regions.sorted().joined(separator: ", "))).")
        case .publicToken where header.region != Self.publicRegion:
            throw .badSignature(
                "Credential should be scoped to a valid region, not '\(header.region)' (ECR Public is us-east-1 only).")
        default:
            break
        }
        guard Set(header.signedHeaders).isSuperset(of: ["host", "x-amz-date"]) else {
            throw .badSignature("SignedHeaders must include host and x-amz-date, not only \(header.signedHeaders).")
        }
    }

    /// Recomputes the signature with `SigV4Signer` from what arrived: method, URL, the signed headers, body, and
    /// the date in `X-Amz-Date`, which must match the scope's day and be within 15 minutes of the fake's clock.
    private func checkSignature(_ http: HTTPRequest, _ header: SignatureHeader, key: Key) throws(Rejection) {
        guard let amzDate = http.header("X-Amz-Date"), let date = try? Date(amzDate, strategy: Self.amzDateStyle)
        else {
            throw Rejection(400, "IncompleteSignatureException", "X-Amz-Date is missing or not like 20150830T123600Z")
        }
        guard header.dateStamp == amzDate.prefix(8) else {
            throw .badSignature(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'\(header.dateStamp)' != '\(amzDate.prefix(8))'.")
        }
        let now = clock.now()
        let nowText = now.formatted(Self.amzDateStyle)
        if date < now.addingTimeInterval(-Self.allowedSkew) {
            throw .badSignature("Signature expired: \(amzDate) is now earlier than \(nowText) - 15 min.")
        }
        if date > now.addingTimeInterval(Self.allowedSkew) {
            throw .badSignature("Signature not yet current: \(amzDate) is still later than \(nowText) + 15 min.")
        }
        let signedNames = Set(header.signedHeaders)
        let unsigned = HTTPRequest(
            method: http.method, url: http.url,
            headers: http.headers.filter { signedNames.contains($0.name.lowercased()) }, body: http.body)
        let credentials = AWSCredentials(
            accessKeyID: header.accessKeyID, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken)
        let signer = SigV4Signer(credentials: credentials, region: header.region, service: header.service)
        let expected = signer.sign(unsigned, date: date)
        let recomputed = expected.header("Authorization").flatMap(SignatureHeader.init)
        guard expected.header("X-Amz-Date") == amzDate, let recomputed, recomputed.signature == header.signature,
            recomputed.signedHeaders == header.signedHeaders
        else {
            throw .badSignature(
                "The request signature we calculated does not match the signature you provided. "
                    + "Check your AWS Secret Access Key and signing method.")
        }
    }

    /// The `registryIds` of a private request (`{}` means the caller's own registry); ECR Public takes `{}` only.
    private func registryIDs(_ body: Data, operation: Operation) throws(Rejection) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw Rejection(400, "SerializationException", "The request body is not a JSON object")
        }
        let unknown = object.keys.filter { !(operation == .privateToken && $0 == "registryIds") }
        guard unknown.isEmpty else {
            throw Rejection(400, "SerializationException", "Unexpected field(s) \(unknown.sorted())")
        }
        guard let value = object["registryIds"] else { return [] }
        guard let ids = value as? [String], (1...10).contains(ids.count),
            ids.allSatisfy({ $0.count == 12 && $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else {
            throw Rejection(
                400, "InvalidParameterException", "registryIds must be 1 to 10 account IDs of 12 digits each")
        }
        return ids
    }

    /// A GetAuthorizationToken answer with one fresh password, shared by every registry it names (ECR's token is
    /// per principal and region), and the tokens recorded.
    private func issue(_ operation: Operation, account: String, region: String, registryIDs: [String], expired: Bool)
        -> (body: [String: Any], count: Int)
    {
        let (fixedPassword, proxyEndpoints) = state.withLock { ($0.passwords[account], $0.proxyEndpoints) }
        var random = SystemRandomNumberGenerator()
        let password =
            fixedPassword
            ?? Data((0..<48).map { _ in UInt8.random(in: .min ... .max, using: &random) }).base64EncodedString()
        let authorizationToken = Data("AWS:\(password)".utf8).base64EncodedString()
        let now = clock.now()
        let lifetime = expired ? -3600 : state.withLock { $0.tokenLifetime }
        let expiresAt = now.timeIntervalSince1970 + lifetime

        func token(_ proxyEndpoint: String) -> FakeECR.IssuedToken {
            FakeECR.IssuedToken(
                authorizationToken: authorizationToken, password: password,
                expiresAt: Date(timeIntervalSince1970: expiresAt), proxyEndpoint: proxyEndpoint)
        }
        switch operation {
        case .publicToken:
            let issued = token("https://public.ecr.aws")
            state.withLock {
                $0.lastTokens[TokenKey(service: "ecr-public", account: account, region: region)] = issued
            }
            return (["authorizationData": ["authorizationToken": authorizationToken, "expiresAt": expiresAt]], 1)
        case .privateToken:
            var entries: [[String: Any]] = []
            for registry in registryIDs.isEmpty ? [account] : registryIDs {
                let ecrHost = ECREndpoint.registryHost(account: registry, region: region)
                let issued = token(proxyEndpoints[registry] ?? "https://" + ecrHost)
                state.withLock { $0.lastTokens[TokenKey(service: "ecr", account: registry, region: region)] = issued }
                entries.append([
                    "authorizationToken": authorizationToken, "expiresAt": expiresAt,
                    "proxyEndpoint": issued.proxyEndpoint,
                ])
            }
            return (["authorizationData": entries], entries.count)
        }
    }

    static let amzDateStyle = Date.ISO8601FormatStyle(dateSeparator: .omitted, timeSeparator: .omitted)
    static let headers = [HTTPHeader("Content-Type", "application/x-amz-json-1.1")]

    static func json(_ status: Int, _ object: [String: Any]) -> HTTPResponse {
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return HTTPResponse(
            status: status, headers: headers + [HTTPHeader("x-amzn-RequestId", UUID().uuidString.lowercased())],
            body: body)
    }
}

/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` header.
private struct SignatureHeader {
    var accessKeyID: String
    var dateStamp: String
    var region: String
    var service: String
    var terminator: String
    var signedHeaders: [String]
    var signature: String

    init?(_ text: String) {
        let prefix = "AWS4-HMAC-SHA256 "
        guard text.hasPrefix(prefix) else { return nil }
        var fields: [String: String] = [:]
        for part in text.dropFirst(prefix.count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[String(pair[0])] = String(pair[1])
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else { return nil }
        let scope = credential.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard scope.count == 5 else { return nil }
        accessKeyID = scope[0]
        dateStamp = scope[1]
        region = scope[2]
        service = scope[3]
        terminator = scope[4]
        self.signedHeaders = signedHeaders.split(separator: ";").map(String.init)
        self.signature = signature
    }
}
