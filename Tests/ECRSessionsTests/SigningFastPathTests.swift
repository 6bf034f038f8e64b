import Foundation
import Testing

@testable import ECRSessions

/// The signer's byte-level pieces against the plain definitions they replace, written out here the slow, obvious
/// way, over many random inputs (from a fixed seed, so a failure repeats).
@Suite("SigV4 fast paths agree with the plain definitions")
struct SigningFastPathTests {
    /// The simulation's seeded SplitMix64, so every run draws the same inputs.
    typealias SeededGenerator = SimulationTests.SeededGenerator

    static func bytes(_ count: Int, _ random: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
    }

    // MARK: Hex

    @Test("lowercase hex matches String(format: \"%02x\") for random bytes, and appends after what is there")
    func hex() {
        var random = SeededGenerator(state: 1)
        for _ in 0..<500 {
            let bytes = Self.bytes(Int.random(in: 0...80, using: &random), &random)
            let expected = bytes.map { String(format: "%02x", $0) }.joined()
            #expect(bytes.lowercaseHex == expected)
            #expect(bytes[...].lowercaseHex == expected)
            var text = Array("prefix:".utf8)
            text.appendLowercaseHex(of: bytes)
            #expect(String(decoding: text, as: UTF8.self) == "prefix:" + expected)
        }
    }

    // MARK: Digests

    @Test("a precomputed HMAC key, and one digest context reused, give what the one-shot functions give")
    func hmacKeyAndReusedContext() {
        var random = SeededGenerator(state: 2)
        let context = DigestContext()
        for _ in 0..<200 {
            // Keys shorter than, equal to and longer than the 64-byte block.
            let key = Self.bytes(Int.random(in: 0...140, using: &random), &random)
            let message = Self.bytes(Int.random(in: 0...300, using: &random), &random)
            var mac = [UInt8](repeating: 0, count: 32)
            message.withUnsafeBytes { message in
                mac.withUnsafeMutableBytes { HMACKey(key).authenticate(message, into: $0, context: context) }
            }
            #expect(mac == Digest.hmacSHA256(key: key, message))
            #expect(message.withUnsafeBytes { context.sha256($0) } == Digest.sha256(message))
        }
        // RFC 4231 test case 2, through the cached-key path.
        var mac = [UInt8](repeating: 0, count: 32)
        Array("what do ya want for nothing?".utf8).withUnsafeBytes { message in
            mac.withUnsafeMutableBytes { HMACKey(Array("Jefe".utf8)).authenticate(message, into: $0, context: context) }
        }
        #expect(mac.lowercaseHex == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("the signing key chain, derived in place, is four plain HMACs")
    func signingKeyChain() {
        var random = SeededGenerator(state: 3)
        for _ in 0..<50 {
            let secret = String(
                decoding: Self.bytes(Int.random(in: 0...90, using: &random), &random).map {
                    $0 % 94 + 33
                }, as: UTF8.self)
            var key = Array("AWS4\(secret)".utf8)
            for part in ["20260101", "eu-west-1", "ecr", "aws4_request"] {
                key = Digest.hmacSHA256(key: key, Array(part.utf8))
            }
            #expect(
                SigV4Signer.signingKey(
                    secretAccessKey: secret, dateStamp: "20260101", region: "eu-west-1", service: "ecr") == key)
        }
    }

    // MARK: Dates

    /// `yyyyMMdd'T'HHmmss'Z'` from Foundation's Gregorian calendar in UTC.
    static func referenceAMZDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04ld%02ld%02ldT%02ld%02ld%02ldZ", parts.year!, parts.month!, parts.day!, parts.hour!,
            parts.minute!,
            parts.second!)
    }

    @Test("X-Amz-Date by arithmetic matches the Gregorian calendar for random whole seconds from 1600 to 9999")
    func amzDates() {
        var random = SeededGenerator(state: 4)
        // Before 1582 Foundation's Gregorian calendar is Julian; the signer's is proleptic, so start later.
        let range: ClosedRange<Int64> = -11_676_096_000...253_402_300_799
        var seconds = (0..<2000).map { _ in Int64.random(in: range, using: &random) }
        seconds += [0, -1, 86_399, 86_400, 951_782_400, 951_868_799, 4_107_542_400, range.lowerBound, range.upperBound]
        for second in seconds {
            let date = Date(timeIntervalSince1970: TimeInterval(second))
            let expected = Self.referenceAMZDate(date)
            #expect(SigV4Signer.amzDate(date) == expected, "\(second)")
            #expect(SigV4Signer.dateStamp(date) == String(expected.prefix(8)))
            // A fraction of a second is dropped, not rounded.
            #expect(SigV4Signer.amzDate(date.addingTimeInterval(0.999)) == expected, "\(second).999")
        }
    }

    // MARK: Headers

    /// The canonical headers as the SigV4 documentation defines them, with `String`s, a dictionary and `sorted`.
    static func referenceCanonicalHeaders(_ request: HTTPRequest) -> [(name: String, value: String)] {
        var values: [String: [String]] = [:]
        for header in request.headers {
            let name = header.name.lowercased()
            guard !["authorization", "user-agent", "expect"].contains(name) else { continue }
            values[name, default: []].append(
                header.value.split(whereSeparator: \.isWhitespace).joined(separator: " "))
        }
        if values["host"] == nil, let host = SigV4Signer.hostHeader(request.url) {
            values["host"] = [host]
        }
        return values.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { name in
            (name, values[name]!.joined(separator: ","))
        }
    }

    static let namePool = [
        "Content-Type", "content-type", "CONTENT-TYPE", "X-Amz-Target", "X-Amz-Date", "x-amz-meta-a", "X-Amz-Meta-B",
        "My-Header", "my-header", "Host", "User-Agent", "authorization", "Expect", "a", "Z", "x-\u{E9}t\u{E9}",
        "X-\u{C9}T\u{C9}", "X-Amz-Security-To\u{212A}en", "\u{130}d", "Accept-Encoding", "",
    ]
    static let valuePieces = [
        "a", "B", "1.1", "value", " ", "  ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", ",", ":", ";", "=", "caf\u{E9}",
        "\u{A0}", "\u{2003}", "\u{1F600}", "\"q\"", "/", "",
    ]

    static func randomRequest(_ random: inout SeededGenerator) -> HTTPRequest {
        let hosts = ["https://api.ecr.eu-west-1.amazonaws.com/", "http://localhost:5000/", "https://h/a/b?x=1"]
        var request = HTTPRequest(
            method: ["POST", "get", "Put"].randomElement(using: &random)!,
            url: URL(
                string: hosts.randomElement(using: &random)!)!)
        for _ in 0..<Int.random(in: 0...9, using: &random) {
            let value = (0..<Int.random(in: 0...6, using: &random)).map { _ in
                valuePieces.randomElement(using: &random)!
            }.joined()
            request.headers.append(HTTPHeader(namePool.randomElement(using: &random)!, value))
        }
        return request
    }

    @Test("canonical headers: odd whitespace, non-ASCII, repeated names in any case, empty values, unsigned names")
    func canonicalHeadersMatchReference() {
        var random = SeededGenerator(state: 5)
        for _ in 0..<1000 {
            let request = Self.randomRequest(&random)
            let expected = Self.referenceCanonicalHeaders(request)
            let ours = SigV4Signer.canonicalHeaders(request)
            #expect(ours.map(\.name) == expected.map(\.name), "\(request.headers)")
            #expect(ours.map(\.value) == expected.map(\.value), "\(request.headers)")

            let canonical = SigV4Signer.canonicalRequest(request, payloadHash: "HASH")
            let lines = expected.map { "\($0.name):\($0.value)\n" }.joined()
            let signedHeaders = expected.map(\.name).joined(separator: ";")
            #expect(canonical.signedHeaders == signedHeaders)
            #expect(canonical.text.hasPrefix(request.method.uppercased() + "\n"))
            #expect(canonical.text.hasSuffix("\n" + lines + "\n" + signedHeaders + "\nHASH"), "\(request.headers)")
        }
    }

    @Test("header values: ASCII by bytes and anything else by characters, as the plain split and join has them")
    func headerValuesMatchReference() {
        var random = SeededGenerator(state: 6)
        for _ in 0..<2000 {
            let value = (0..<Int.random(in: 0...10, using: &random)).map { _ in
                Self.valuePieces.randomElement(using: &random)!
            }.joined()
            #expect(
                SigV4Signer.canonicalHeaderValue(value)
                    == value.split(whereSeparator: \.isWhitespace).joined(separator: " "), "\(Array(value.utf8))")
        }
    }

    @Test("names are lower-cased as lowercased() has them, ASCII or not, and the method upper-cased likewise")
    func caseMapping() {
        for name in Self.namePool + ["ABCXYZ-abcxyz-@[`{", "\u{212A}elvin", "STRASSE-\u{DF}"] {
            var text = Array("Prefix ".utf8)
            SigV4Signer.appendLowercased(name, to: &text)
            #expect(String(decoding: text, as: UTF8.self) == "Prefix " + name.lowercased())
        }
        for method in ["get", "Post", "PATCH", "d\u{E9}lete", "stra\u{DF}e", "@[`{"] {
            var text: [UInt8] = []
            SigV4Signer.appendASCIIUppercased(method, to: &text)
            #expect(String(decoding: text, as: UTF8.self) == method.uppercased())
        }
    }

    @Test("signing replaces earlier signing headers whatever their case, as lower-casing every name would")
    func replacedHeaders() {
        let signer = SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token"),
            region: "eu-west-1", service: "ecr", addsContentSHA256Header: true)
        var random = SeededGenerator(state: 7)
        for _ in 0..<300 {
            var request = Self.randomRequest(&random)
            request.headers += ["x-amz-date", "X-AMZ-CONTENT-SHA256", "Authorization", "X-Amz-Security-To\u{212A}en"]
                .filter { _ in Bool.random(using: &random) }.map { HTTPHeader($0, "old") }
            let replaced: Set = ["x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "authorization"]
            let kept = request.headers.filter { !replaced.contains($0.name.lowercased()) }
            let prepared = signer.withSigningHeaders(request, date: Date(timeIntervalSince1970: 0))
            #expect(Array(prepared.headers.prefix(kept.count)) == kept)
            #expect(
                prepared.headers.dropFirst(kept.count).map(\.name) == [
                    "X-Amz-Date", "X-Amz-Security-Token", "x-amz-content-sha256",
                ])
        }
    }

    // MARK: The whole signature

    @Test("sign (bytes, cached key) gives the Authorization the String stages give, for random requests and keys")
    func signMatchesStages() throws {
        var random = SeededGenerator(state: 8)
        for index in 0..<300 {
            var request = Self.randomRequest(&random)
            request.body = Data(Self.bytes(Int.random(in: 0...200, using: &random), &random))
            let signer = SigV4Signer(
                credentials: AWSCredentials(
                    accessKeyID: "AKID\(index % 7)", secretAccessKey: "secret-\(index % 5)",
                    sessionToken: Bool.random(using: &random) ? "token-\(index)" : nil),
                region: ["eu-west-1", "us-east-1"].randomElement(using: &random)!,
                service: ["ecr", "sts"].randomElement(using: &random)!,
                addsContentSHA256Header: Bool.random(using: &random))
            let date = Date(timeIntervalSince1970: TimeInterval(Int.random(in: 0...4_000_000_000, using: &random)))

            let prepared = signer.withSigningHeaders(request, date: date)
            let canonical = SigV4Signer.canonicalRequest(prepared, payloadHash: SigV4Signer.payloadHash(request.body))
            let key = SigV4Signer.signingKey(
                secretAccessKey: signer.credentials.secretAccessKey, dateStamp: SigV4Signer.dateStamp(date),
                region: signer.region, service: signer.service)
            let signature = SigV4Signer.signature(
                of: signer.stringToSign(canonicalRequest: canonical.text, date: date), key: key)
            let expected = signer.authorization(
                signedHeaders: canonical.signedHeaders, signature: signature, date: date)

            // Twice: the first may derive the key, the second finds it cached.
            for _ in 0..<2 {
                let signed = signer.sign(request, date: date)
                #expect(signed.headers.last == HTTPHeader("Authorization", expected))
                #expect(Array(signed.headers.dropLast()) == prepared.headers)
            }
        }
    }
}
