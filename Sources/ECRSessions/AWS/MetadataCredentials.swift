import Foundation
import Synchronization

/// Why the instance metadata service or a container credentials endpoint gave no credentials. The text names the
/// endpoint and the variable to check; it never holds a key, a token or an authorization header.
public struct MetadataCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `instance metadata` or `container credentials`.
    public var source: String
    /// Where it was asked, without any query.
    public var endpoint: String
    public var detail: String

    public init(source: String, endpoint: String, detail: String) {
        self.source = source
        self.endpoint = endpoint
        self.detail = detail
    }

    public var description: String { "\(source) at \(endpoint): \(detail)" }
}

/// What the instance metadata service and the container endpoints share: unsigned requests with a short deadline,
/// and the same JSON answer (`AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`).
enum MetadataHTTP {
    /// `request` through `transport`, or `HTTPError.timedOut` after `timeout` even when the transport would wait
    /// longer (libcurl's connect timeout is seconds; a machine that is not on EC2 must not wait for it).
    static func send(_ request: HTTPRequest, transport: any HTTPTransport, timeout: Duration) async throws(HTTPError)
        -> HTTPResponse
    {
        let host = request.url.host ?? "?"
        let outcome = Mutex<CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>?>(nil)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPError>, Never>) in
            outcome.withLock { $0 = continuation }
            let finish = { @Sendable (result: Result<HTTPResponse, HTTPError>) in
                outcome.withLock { pending in
                    pending?.resume(returning: result)
                    pending = nil
                }
            }
            Task {
                do throws(HTTPError) { finish(.success(try await transport.send(request))) } catch {
                    finish(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: timeout)
                finish(.failure(HTTPError(kind: .timedOut, host: host, detail: "no answer within \(timeout)")))
            }
        }
        return try result.get()
    }

    /// The credentials in a metadata answer's JSON body.
    static func credentials(_ body: Data, error: (String) -> MetadataCredentialsError) throws(MetadataCredentialsError)
        -> AWSCredentials
    {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let keyID = object["AccessKeyId"] as? String, !keyID.isEmpty,
            let secret = object["SecretAccessKey"] as? String, !secret.isEmpty
        else {
            throw error("the answer holds no AccessKeyId and SecretAccessKey")
        }
        let expiration = (object["Expiration"] as? String).flatMap(AWSTimestamp.iso8601)
        return AWSCredentials(
            accessKeyID: keyID, secretAccessKey: secret, sessionToken: object["Token"] as? String,
            expiration: expiration)
    }

    /// `<scheme>://<host>[:port]` of `url`, for error texts (a path or query may hold something private).
    static func origin(_ url: URL) -> String {
        let host = url.host.map { $0.contains(":") ? "[\($0)]" : $0 } ?? "?"
        return "\(url.scheme ?? "http")://\(host)" + (url.port.map { ":\($0)" } ?? "")
    }
}
