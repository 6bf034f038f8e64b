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
        // The stages below, on bytes in one buffer and with one digest context: the same functions the stages'
        // `String` forms wrap, which the tests compare with the AWS SigV4 suite (and `sign` with them).
        let amzDate = Self.amzDate(date)
        let dateStamp = Self.dateStamp(ofAMZDate: amzDate)
        let context = DigestContext()
        let payloadHash = request.body.withUnsafeBytes { context.sha256($0) }.lowercaseHex
        var signed = withSigningHeaders(request, amzDate: amzDate, payloadHash: payloadHash)
        let headers = CanonicalHeaders(signed)

        var text: [UInt8] = []
        text.reserveCapacity(1024)
        Self.appendCanonicalRequest(signed, headers: headers, payloadHash: payloadHash, to: &text)
        let requestHash = text.withUnsafeBytes { context.sha256($0) }
        text.removeAll(keepingCapacity: true)
        appendStringToSign(canonicalRequestHash: requestHash, amzDate: amzDate, dateStamp: dateStamp, to: &text)
        let key = Self.signingKeys.key(
            secretAccessKey: credentials.secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        var signature = [UInt8](repeating: 0, count: 32)
        text.withUnsafeBytes { stringToSign in
            signature.withUnsafeMutableBytes { key.authenticate(stringToSign, into: $0, context: context) }
        }

        text.removeAll(keepingCapacity: true)
        appendAuthorization(signedHeaders: headers.signedHeaders, dateStamp: dateStamp, to: &text)
        text.appendLowercaseHex(of: signature)
        signed.headers.append(HTTPHeader("Authorization", String(decoding: text, as: UTF8.self)))
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

    /// The canonical request's text and its `SignedHeaders` list.
    struct CanonicalRequest: Equatable {
        var text: String
        var signedHeaders: String
    }

    /// `request` with the headers the signature covers besides the caller's own, replacing earlier copies.
    func withSigningHeaders(_ request: HTTPRequest, date: Date) -> HTTPRequest {
        withSigningHeaders(
            request, amzDate: Self.amzDate(date),
            payloadHash: addsContentSHA256Header ? Self.payloadHash(request.body) : "")
    }

    /// `withSigningHeaders(_:date:)` with the date already written and the body already hashed (the hash is used
    /// only when the signer adds `x-amz-content-sha256`).
    func withSigningHeaders(_ request: HTTPRequest, amzDate: String, payloadHash: String) -> HTTPRequest {
        let token = credentials.sessionToken
        let addsHash = addsContentSHA256Header
        var name: [UInt8] = []
        name.reserveCapacity(32)
        // Into a new array of the final size: removing from the caller's (shared) one copied it, and the appends
        // then grew the copy.
        var headers: [HTTPHeader] = []
        headers.reserveCapacity(request.headers.count + 4)  // and `Authorization`, once signed
        for header in request.headers {
            name.removeAll(keepingCapacity: true)
            Self.appendLowercased(header.name, to: &name)
            let replaced =
                Self.equal(name, "x-amz-date") || Self.equal(name, "authorization")
                || (token != nil && Self.equal(name, "x-amz-security-token"))
                || (addsHash && Self.equal(name, "x-amz-content-sha256"))
            if !replaced { headers.append(header) }
        }
        headers.append(HTTPHeader("X-Amz-Date", amzDate))
        if let token {
            headers.append(HTTPHeader("X-Amz-Security-Token", token))
        }
        if addsHash {
            headers.append(HTTPHeader("x-amz-content-sha256", payloadHash))
        }
        var prepared = request
        prepared.headers = headers
        return prepared
    }

    /// Method, canonical URI, canonical query, canonical headers, signed headers and payload hash, one a line.
    static func canonicalRequest(_ request: HTTPRequest, payloadHash: String) -> CanonicalRequest {
        let headers = CanonicalHeaders(request)
        var text: [UInt8] = []
        appendCanonicalRequest(request, headers: headers, payloadHash: payloadHash, to: &text)
        return CanonicalRequest(
            text: String(decoding: text, as: UTF8.self),
            signedHeaders: String(decoding: headers.signedHeaders, as: UTF8.self))
    }

    static func appendCanonicalRequest(
        _ request: HTTPRequest, headers: CanonicalHeaders, payloadHash: String, to text: inout [UInt8]
    ) {
        text.reserveCapacity(text.count + 512)
        appendASCIIUppercased(request.method, to: &text)
        text.append(UInt8(ascii: "\n"))
        text.appendUTF8(canonicalURI(request.url))
        text.append(UInt8(ascii: "\n"))
        text.appendUTF8(canonicalQuery(request.url))
        text.append(UInt8(ascii: "\n"))
        headers.appendLines(to: &text)
        text.append(UInt8(ascii: "\n"))
        text.append(contentsOf: headers.signedHeaders)
        text.append(UInt8(ascii: "\n"))
        text.appendUTF8(payloadHash)
    }

    /// The algorithm, the date, the credential scope and the hash of the canonical request, one a line.
    func stringToSign(canonicalRequest: String, date: Date) -> String {
        let amzDate = Self.amzDate(date)
        var text: [UInt8] = []
        appendStringToSign(
            canonicalRequestHash: Digest.sha256(Array(canonicalRequest.utf8)), amzDate: amzDate,
            dateStamp: Self.dateStamp(ofAMZDate: amzDate), to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    func appendStringToSign(
        canonicalRequestHash: [UInt8], amzDate: String, dateStamp: String, to text: inout [UInt8]
    ) {
        text.reserveCapacity(text.count + 192)
        text.appendUTF8(Self.algorithm)
        text.append(UInt8(ascii: "\n"))
        text.appendUTF8(amzDate)
        text.append(UInt8(ascii: "\n"))
        appendCredentialScope(dateStamp: dateStamp, to: &text)
        text.append(UInt8(ascii: "\n"))
        text.appendLowercaseHex(of: canonicalRequestHash)
    }

    /// The key for one day, region and service: a chain of HMACs starting from the secret, so the secret itself
    /// never signs anything.
    static func signingKey(secretAccessKey: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        let context = DigestContext()
        var secret = Array("AWS4".utf8)
        secret.appendUTF8(secretAccessKey)
        var key = [UInt8](repeating: 0, count: 32)
        key.withUnsafeMutableBytes { key in
            secret.withUnsafeBytes { secret in
                var part = dateStamp
                part.withUTF8 { context.hmacSHA256(key: secret, UnsafeRawBufferPointer($0), into: key) }
            }
            for var part in [region, service, "aws4_request"] {
                // In place: the HMAC has read its key before it writes the MAC.
                part.withUTF8 {
                    context.hmacSHA256(key: UnsafeRawBufferPointer(key), UnsafeRawBufferPointer($0), into: key)
                }
            }
        }
        secret.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
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
        var text: [UInt8] = []
        appendAuthorization(signedHeaders: Array(signedHeaders.utf8), dateStamp: Self.dateStamp(date), to: &text)
        text.appendUTF8(signature)
        return String(decoding: text, as: UTF8.self)
    }

    /// The `Authorization` header's value up to the signature, which the caller appends.
    func appendAuthorization(signedHeaders: [UInt8], dateStamp: String, to text: inout [UInt8]) {
        text.reserveCapacity(text.count + 192 + signedHeaders.count)
        text.appendUTF8(Self.algorithm)
        text.appendUTF8(" Credential=")
        text.appendUTF8(credentials.accessKeyID)
        text.append(UInt8(ascii: "/"))
        appendCredentialScope(dateStamp: dateStamp, to: &text)
        text.appendUTF8(", SignedHeaders=")
        text.append(contentsOf: signedHeaders)
        text.appendUTF8(", Signature=")
    }

    /// `20150830/us-east-1/service/aws4_request`.
    func appendCredentialScope(dateStamp: String, to text: inout [UInt8]) {
        text.appendUTF8(dateStamp)
        text.append(UInt8(ascii: "/"))
        text.appendUTF8(region)
        text.append(UInt8(ascii: "/"))
        text.appendUTF8(service)
        text.appendUTF8("/aws4_request")
    }

    static func payloadHash(_ body: Data) -> String {
        Digest.sha256(body).lowercaseHex
    }
}

/// Signing keys by what they are derived from, with both HMAC pads hashed: the chain of four HMACs was a third of a
/// signature, and a process signs many requests with one key in a day (the AWS SDKs keep such a cache too). Never
/// printed.
final class SigningKeyCache: Sendable {
    private struct Scope: Hashable {
        var secretAccessKey: String
        var dateStamp: String
        var region: String
        var service: String
    }

    private struct Keys {
        var byScope: [Scope: HMACKey] = [:]
        /// The key used last, compared before hashing four strings to look one up: one principal signs in runs.
        var last: (scope: Scope, key: HMACKey)?
    }

    /// More scopes than this (many accounts and regions) start the cache over rather than grow it.
    private static let limit = 256
    private let keys = Mutex(Keys())

    /// The key `SigV4Signer.signingKey` derives for these, derived once.
    func key(secretAccessKey: String, dateStamp: String, region: String, service: String) -> HMACKey {
        let scope = Scope(secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service)
        let cached = keys.withLock { keys -> HMACKey? in
            if let last = keys.last, last.scope == scope { return last.key }
            guard let key = keys.byScope[scope] else { return nil }
            keys.last = (scope, key)
            return key
        }
        if let cached { return cached }
        let key = HMACKey(
            SigV4Signer.signingKey(
                secretAccessKey: secretAccessKey, dateStamp: dateStamp, region: region, service: service))
        keys.withLock { keys in
            if keys.byScope.count >= Self.limit { keys.byScope.removeAll() }
            keys.byScope[scope] = key
            keys.last = (scope, key)
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
        if wirePath == "/" { return "/" }  // what nearly every AWS call signs, and what the loop below makes of it
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
        let headers = CanonicalHeaders(request)
        var merged: [(name: String, value: String)] = []
        headers.forEachName { name, values in
            var value: [UInt8] = []
            headers.appendJoined(values, to: &value)
            merged.append(
                (String(decoding: headers.bytes[name], as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return merged
    }

    /// `value` trimmed, with each run of whitespace inside made one space.
    static func canonicalHeaderValue(_ value: String) -> String {
        var text: [UInt8] = []
        appendCanonicalHeaderValue(value, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `canonicalHeaderValue(value)`.
    static func appendCanonicalHeaderValue(_ value: String, to text: inout [UInt8]) {
        // Byte by byte when the value is ASCII, as nearly every header is, in place after a copy of the whole value;
        // by characters (whose whitespace includes Unicode's) otherwise.
        let start = text.count
        text.appendUTF8(value)
        let end = text.withUnsafeMutableBufferPointer { text -> Int? in
            var count = start
            var spaceDue = false
            for index in start..<text.count {
                let byte = text[index]
                if byte >= 0x80 { return nil }
                if byte == UInt8(ascii: " ") || byte &- 0x09 <= 0x0D - 0x09 {
                    spaceDue = count > start
                    continue
                }
                if spaceDue {
                    text[count] = UInt8(ascii: " ")
                    count += 1
                    spaceDue = false
                }
                text[count] = byte
                count += 1
            }
            return count
        }
        text.removeSubrange((end ?? start)...)
        if end == nil {
            text.appendUTF8(value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
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
        dateStamp(ofAMZDate: amzDate(date))
    }

    /// The first eight characters of an `amzDate`: a small string, no allocation.
    static func dateStamp(ofAMZDate amzDate: String) -> String {
        String(amzDate.utf8.prefix(8))!
    }
}
