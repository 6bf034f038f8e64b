public import Foundation

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
        let key = Self.signingKey(
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
        let lines = [
            request.method.uppercased(),
            canonicalURI(request.url),
            canonicalQuery(request.url),
            headers.map { "\($0.name):\($0.value)\n" }.joined(),
            signedHeaders,
            payloadHash,
        ]
        return CanonicalRequest(text: lines.joined(separator: "\n"), signedHeaders: signedHeaders)
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
        var values: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased()
            guard !unsignedHeaders.contains(name) else { continue }
            values[name, default: []].append(header.value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        if values["host"] == nil, let host = hostHeader(request.url) {
            values["host"] = [host]
        }
        return values.keys
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { ($0, values[$0]!.joined(separator: ",")) }
    }

    /// The `Host` header an HTTP client sends for `url`: the host, and the port unless it is the scheme's default.
    static func hostHeader(_ url: URL) -> String? {
        guard var host = url.host(percentEncoded: true), !host.isEmpty else { return nil }
        if host.contains(":") { host = "[\(host)]" }  // an IPv6 address
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
    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func digits(_ number: Int?, _ width: Int) -> String {
            let text = String(number ?? 0)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let day = digits(parts.year, 4) + digits(parts.month, 2) + digits(parts.day, 2)
        return day + "T" + digits(parts.hour, 2) + digits(parts.minute, 2) + digits(parts.second, 2) + "Z"
    }

    /// The day part of `amzDate`, as the credential scope uses it: `20150830`.
    static func dateStamp(_ date: Date) -> String {
        String(amzDate(date).prefix(8))
    }
}
