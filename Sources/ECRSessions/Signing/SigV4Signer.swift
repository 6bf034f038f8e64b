public import Foundation
import Synchronization

/// Signs HTTP requests with AWS Signature Version 4, in the `Authorization` header.
///
/// A pure value: it does no I/O and reads no clock, so the same request, credentials and date always give the same
/// signature. `sign(_:date:)` is built from stages (canonical request, string to sign, signing key, signature) that
/// tests check one by one against the AWS SigV4 test suite.
///
/// Its `description` never shows the secret key or the session token.
public struct SigV4Signer: Sendable, CustomStringConvertible, CustomReflectable {
    /// The credentials requests are signed with.
    public var credentials: AWSCredentials
    /// The region in the credential scope, such as `us-east-1`.
    public var region: String
    /// The signing name of the service in the credential scope, such as `ecr` or `sts`.
    public var service: String
    /// Whether signed requests also carry `x-amz-content-sha256` (S3-style services want it; ECR and STS do not).
    public var addsContentSHA256Header: Bool

    /// A signer for `service` in `region`.
    public init(credentials: AWSCredentials, region: String, service: String, addsContentSHA256Header: Bool = false) {
        self.credentials = credentials
        self.region = region
        self.service = service
        self.addsContentSHA256Header = addsContentSHA256Header
    }

    /// `request` with `X-Amz-Date`, `X-Amz-Security-Token` (for temporary credentials), `x-amz-content-sha256` (when
    /// asked) and an `Authorization` header signing all of them, the body and the other headers, at `date`.
    ///
    /// Headers of the same names already in `request` are replaced. The request must not be changed afterwards,
    /// except for headers the signer leaves unsigned (`User-Agent`, `Expect`) and ones the transport adds itself.
    public func sign(_ request: HTTPRequest, date: Date) -> HTTPRequest {
        var signed = withSigningHeaders(request, date: date)
        let canonical = Self.canonicalRequest(signed, payloadHash: Self.payloadHash(request.body))
        let key = Self.signingKeys.key(
            secretAccessKey: credentials.secretAccessKey,
            dateStamp: Self.dateStamp(date),
            region: region,
            service: service
        )
        let signature = Self.signature(of: stringToSign(canonicalRequest: canonical.text, date: date), key: key)
        let value = authorization(signedHeaders: canonical.signedHeaders, signature: signature, date: date)
        signed.headers.append(HTTPHeader("Authorization", value))
        return signed
    }

    public var description: String {
        "SigV4Signer(accessKeyID: \(credentials.accessKeyID), region: \(region), service: \(service))"
    }

    /// Shows the same fields as `description`, so `dump` and debuggers do not reveal the secret either.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["accessKeyID": credentials.accessKeyID, "region": region, "service": service],
            displayStyle: .struct
        )
    }
}

// MARK: - Stages

extension SigV4Signer {
    static let algorithm = "AWS4-HMAC-SHA256"

    /// Headers never signed: the one being computed, and ones that proxies and HTTP clients are known to rewrite
    /// or add on their own (botocore leaves out the same ones).
    static let unsignedHeaders: Set<String> = ["authorization", "user-agent", "expect"]

    /// The canonical request's text and its `SignedHeaders` list.
    struct CanonicalRequest: Equatable {
        var text: String
        var signedHeaders: String
    }

    /// `request` with the headers the signature covers besides the caller's own, replacing earlier copies.
    func withSigningHeaders(_ request: HTTPRequest, date: Date) -> HTTPRequest {
        var added = [HTTPHeader("X-Amz-Date", Self.amzDate(date))]
        if let token = credentials.sessionToken {
            added.append(HTTPHeader("X-Amz-Security-Token", token))
        }
        if addsContentSHA256Header {
            added.append(HTTPHeader("x-amz-content-sha256", Self.payloadHash(request.body)))
        }
        let replaced = Set(added.map { $0.name.lowercased() } + ["authorization"])
        var prepared = request
        prepared.headers.removeAll { replaced.contains($0.name.lowercased()) }
        prepared.headers += added
        return prepared
    }

    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash, one a line.
    static func canonicalRequest(_ request: HTTPRequest, payloadHash: String) -> CanonicalRequest {
        let headers = canonicalHeaders(request)
        let signedHeaders = headers.map(\.name).joined(separator: ";")
        var text = request.method.uppercased()
        text.reserveCapacity(512)
        for part in [canonicalURI(request.url), canonicalQuery(request.url)] {
            text += "\n"
            text += part
        }
        text += "\n"
        for header in headers {
            text += header.name
            text += ":"
            text += header.value
            text += "\n"
        }
        text += "\n"
        text += signedHeaders
        text += "\n"
        text += payloadHash
        return CanonicalRequest(text: text, signedHeaders: signedHeaders)
    }

    /// The algorithm, the date, the credential scope and the hash of the canonical request, one a line.
    func stringToSign(canonicalRequest: String, date: Date) -> String {
        [
            Self.algorithm,
            Self.amzDate(date),
            credentialScope(date),
            Digest.sha256(Array(canonicalRequest.utf8)).lowercaseHex,
        ].joined(separator: "\n")
    }

    /// The key for one day, region and service: a chain of HMACs starting from the secret, so the secret itself
    /// never signs anything.
    static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        var key = Array("AWS4\(secretAccessKey)".utf8)
        for part in [dateStamp, region, service, "aws4_request"] {
            key = Digest.hmacSHA256(key: key, Array(part.utf8))
        }
        return key
    }

    /// Signing keys derived in this process, for the next request with the same secret, day, region and service.
    static let signingKeys = SigningKeyCache()

    /// The signature: the string to sign's HMAC under the signing key, in lowercase hex.
    static func signature(of stringToSign: String, key: [UInt8]) -> String {
        Digest.hmacSHA256(key: key, Array(stringToSign.utf8)).lowercaseHex
    }

    /// The `Authorization` header's value.
    func authorization(signedHeaders: String, signature: String, date: Date) -> String {
        "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(credentialScope(date)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    func credentialScope(_ date: Date) -> String {
        "\(Self.dateStamp(date))/\(region)/\(service)/aws4_request"
    }

    static func payloadHash(_ body: Data) -> String {
        Digest.sha256(body).lowercaseHex
    }
}

/// Signing keys by what they are derived from: the chain of four HMACs was a third of a signature, and a process
/// signs many requests with one key in a day (the AWS SDKs keep such a cache too). Never printed.
final class SigningKeyCache: Sendable {
    private struct Scope: Hashable {
        var secretAccessKey: String
        var dateStamp: String
        var region: String
        var service: String
    }

    /// More scopes than this (many accounts and regions) start the cache over rather than grow it.
    private static let limit = 256
    private let keys = Mutex<[Scope: [UInt8]]>([:])

    /// The key `SigV4Signer.signingKey` derives for these, derived once.
    func key(secretAccessKey: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        let scope = Scope(secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        if let key = keys.withLock({ $0[scope] }) { return key }
        let key = SigV4Signer.signingKey(
            secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        keys.withLock { keys in
            if keys.count >= Self.limit { keys.removeAll() }
            keys[scope] = key
        }
        return key
    }
}

// MARK: - Canonical parts

extension SigV4Signer {
    /// The URL's path as sent, with `.` and `..` segments resolved and duplicate slashes collapsed, each segment
    /// URI-encoded.
    ///
    /// The path is taken percent-encoded, as it goes on the wire, and encoded again: every service but S3 expects
    /// that double encoding (`/a%20b` signs as `/a%2520b`).
    static func canonicalURI(_ url: URL) -> String {
        let wirePath = url.path(percentEncoded: true)
        let rawSegments = wirePath.split(separator: "/", omittingEmptySubsequences: true)
        var segments: [Substring] = []
        for segment in rawSegments {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        guard !segments.isEmpty else { return "/" }
        // A path naming a folder keeps saying so: `/a/`, `/a/b/..` and `/a/.` all end in a slash (RFC 3986 5.2.4).
        let endsInFolder = wirePath.hasSuffix("/") || rawSegments.last == "." || rawSegments.last == ".."
        let path = "/" + segments.map { uriEncode($0) }.joined(separator: "/")
        return endsInFolder ? path + "/" : path
    }

    /// The query's parameters decoded, encoded the one canonical way, and sorted by key, then value.
    static func canonicalQuery(_ url: URL) -> String {
        guard let query = url.query(percentEncoded: true), !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&").map { pair -> (key: String, value: String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in part.removingPercentEncoding ?? String(part) }
            return (uriEncode(decode(parts[0])), parts.count > 1 ? uriEncode(decode(parts[1])) : "")
        }
        return pairs.sorted { a, b in
            a.key == b.key
                ? a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
                : a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        .map { "\($0.key)=\($0.value)" }
        .joined(separator: "&")
    }

    /// The signed headers: names lower-cased and sorted, values trimmed with runs of whitespace made one space,
    /// values of repeated names joined with commas in the order given, and `host` from the URL when not given.
    static func canonicalHeaders(_ request: HTTPRequest) -> [(name: String, value: String)] {
        // Sorted, then each run of one name merged: no dictionary to hash every name into.
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        for header in request.headers {
            let name = header.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            headers.append((name, canonicalHeaderValue(header.value)))
        }
        if !headers.contains(where: { $0.name == "host" }), let host = hostHeader(request.url) {
            headers.append(("host", host))
        }
        // By name, and by position for one name, so its values keep the order they were given in.
        let sorted = headers.indices.sorted { a, b in
            headers[a].name == headers[b].name
                ? a < b : headers[a].name.utf8.lexicographicallyPrecedes(headers[b].name.utf8)
        }
        var merged: [(name: String, value: String)] = []
        merged.reserveCapacity(headers.count)
        for index in sorted {
            if let last = merged.last, last.name == headers[index].name {
                merged[merged.count - 1].value += "," + headers[index].value
            } else {
                merged.append(headers[index])
            }
        }
        return merged
    }

    /// `value` trimmed, with each run of whitespace inside made one space.
    static func canonicalHeaderValue(_ value: String) -> String {
        var value = value
        // Byte by byte when the value is ASCII, as nearly every header is; by characters (whose whitespace includes
        // Unicode's) otherwise.
        let collapsed = value.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return String(unsafeUninitializedCapacity: bytes.count) { buffer in
                var count = 0
                var spaceDue = false
                for byte in bytes {
                    if byte == UInt8(ascii: " ") || (0x09...0x0D).contains(byte) {
                        spaceDue = count > 0
                        continue
                    }
                    if spaceDue {
                        buffer[count] = UInt8(ascii: " ")
                        count += 1
                        spaceDue = false
                    }
                    buffer[count] = byte
                    count += 1
                }
                return count
            }
        }
        return collapsed ?? value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The `Host` header an HTTP client sends for `url`: the host, and the port unless it is the scheme's default.
    static func hostHeader(_ url: URL) -> String? {
        guard var host = url.host(percentEncoded: true), !host.isEmpty else { return nil }
        if host.utf8.contains(UInt8(ascii: ":")) { host = "[\(host)]" }  // an IPv6 address
        let defaultPort = url.scheme?.lowercased() == "http" ? 80 : 443
        if let port = url.port, port != defaultPort {
            host += ":\(port)"
        }
        return host
    }

    /// `text` with every byte outside RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) written as `%XX`.
    static func uriEncode(_ text: some StringProtocol) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }
}

// MARK: - Dates

extension SigV4Signer {
    /// `date` as SigV4 writes it in `X-Amz-Date`: `20150830T123600Z`, always UTC.
    ///
    /// By arithmetic on the Unix time (proleptic Gregorian calendar), not `Calendar`, which cost a quarter of a
    /// signature; years are kept within 0001 to 9999, the four digits the format has.
    static func amzDate(_ date: Date) -> String {
        let civil = UTCTime(date)
        return String(unsafeUninitializedCapacity: 16) { buffer in
            var end = 0
            func put(_ number: Int, digits: Int) {
                var rest = number
                for position in (end..<end + digits).reversed() {
                    buffer[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                end += digits
            }
            func put(_ letter: Unicode.Scalar) {
                buffer[end] = UInt8(ascii: letter)
                end += 1
            }
            put(civil.year, digits: 4)
            put(civil.month, digits: 2)
            put(civil.day, digits: 2)
            put("T")
            put(civil.hour, digits: 2)
            put(civil.minute, digits: 2)
            put(civil.second, digits: 2)
            put("Z")
            return end
        }
    }

    /// The day part of `amzDate`, as the credential scope uses it: `20150830`.
    static func dateStamp(_ date: Date) -> String {
        String(amzDate(date).utf8.prefix(8))!
    }
}
