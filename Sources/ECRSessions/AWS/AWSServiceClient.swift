import Foundation

/// The shell every AWS service client is built on: it signs a request (anew for each try), sends it, retries
/// throttling, server errors and network failures with backoff, and turns any other answer than 2xx into the
/// service's own error through its `AWSErrorMapping`. A client on it is its operations only.
struct AWSServiceClient: Sendable {
    let transport: any HTTPTransport
    let clock: any WallClock
    let retry: RetryPolicy

    /// Sends `request`, signed by `signer` when there is one (a bearer-token or web identity call has none), until
    /// it succeeds or fails for good, and reads a 2xx answer with `decode`.
    func perform<Mapping: AWSErrorMapping, Value>(
        _ request: HTTPRequest, signer: SigV4Signer?, errors: Mapping,
        decode: (HTTPResponse) throws(Mapping.Failure) -> Value
    ) async throws(Mapping.Failure) -> Value {
        // Without libcrypto there is no signature: one clear failure, not a trap in the signer or retries.
        if signer != nil, case .failure(var missing) = Libcrypto.shared {
            missing.host = request.url.host ?? "?"
            throw errors.failure(network: missing.description)
        }
        return try await retry.run(isRetryable: \Mapping.Failure.isRetryable) { () async throws(Mapping.Failure) in
            let signed = signer.map { $0.sign(request, date: clock.now()) } ?? request
            return try decode(try await send(signed, errors: errors))
        }
    }

    private func send<Mapping: AWSErrorMapping>(_ request: HTTPRequest, errors: Mapping)
        async throws(Mapping.Failure) -> HTTPResponse
    {
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw errors.failure(network: error.description)
        }
        guard (200..<300).contains(response.status) else {
            throw errors.failure(AWSErrorAnswer(response, host: request.url.host ?? "?", secrets: errors.secrets))
        }
        return response
    }
}

/// An error a service client throws, and whether trying again soon may help.
protocol AWSServiceError: Error {
    var isRetryable: Bool { get }
}

/// How one service (or one call) turns what went wrong into its own error type.
protocol AWSErrorMapping {
    associatedtype Failure: AWSServiceError
    /// What must never show in an error text: keys, tokens, codes sent with the request.
    var secrets: [String?] { get }
    /// The error for a request that got no HTTP answer.
    func failure(network detail: String) -> Failure
    /// The error for an answer other than 2xx.
    func failure(_ answer: AWSErrorAnswer) -> Failure
}

/// An answer other than 2xx, read once for a service's `AWSErrorMapping`.
struct AWSErrorAnswer {
    var status: Int
    /// The host the request went to, for the error text.
    var host: String
    /// The body's code and message, the message with the secrets removed; nil when the body is in neither form.
    var body: AWSErrorBody?
    /// The `x-amzn-ErrorType` header's code, which REST services send besides (or instead of) a body.
    var typeHeader: String?

    init(_ response: HTTPResponse, host: String, secrets: [String?]) {
        status = response.status
        self.host = host
        body = AWSErrorBody(response.body).map {
            AWSErrorBody(code: $0.code, message: redacting(secrets, in: $0.message))
        }
        typeHeader = response.headers.first { $0.name.lowercased() == "x-amzn-errortype" }?.value
            .split(separator: ":").first.map(String.init)
    }

    /// The kind the status alone says, for an answer whose body names no error code: 5xx, 429 or else one we could
    /// not understand.
    func statusKind<Kind>(serverError: Kind, throttled: Kind, unexpected: Kind) -> Kind {
        status >= 500 ? serverError : status == 429 ? throttled : unexpected
    }

    /// `HTTP <status> from <host>`, for an answer without an error code.
    var statusDetail: String {
        "HTTP \(status) from \(host)"
    }

    /// `<code> from <host>: <message>`, or only `<code> from <host>, key <access key ID>` when the message is empty
    /// or `hidingMessage`: a signature error's message quotes the canonical request, and the code alone says what
    /// the user must know.
    func detail(_ body: AWSErrorBody, hidingMessage: Bool, accessKeyID: String?) -> String {
        guard hidingMessage || body.message.isEmpty else {
            return "\(body.code) from \(host): \(body.message.prefix(300))"
        }
        return "\(body.code) from \(host)" + (accessKeyID.map { ", key \($0)" } ?? "")
    }
}
