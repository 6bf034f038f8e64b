import Foundation
import Testing

@testable import ECRSessions

/// The AWS SigV4 test suite, one test case a folder, read from `../shared/testdata/aws4_testsuite` beside the
/// repository at run time.
@Suite("AWS SigV4 test suite")
struct SigningSuiteTests {
    /// Cases not compared in full, with why. Only cases whose request line cannot be an HTTP request belong here
    /// (the suite's README allows skipping those); `exclusionsAreRequestParsingCases` holds the list to that.
    ///
    /// Their request target holds a raw space or raw UTF-8, which no URL carries: any URL holds it percent-encoded
    /// (`/example%20space/`), and for every service but S3 the signer encodes the wire path once more, as the AWS docs
    /// say (`/documents and settings/` signs as `/documents%2520and%2520settings/`). The suite expects the raw path
    /// encoded only once. `excludedCasesDifferOnlyInPathEncoding` checks that this is the only difference.
    static let exclusions: [String: String] = [
        "get-space": "raw space in the request line's path; the signer double-encodes the wire path (%20 -> %2520)",
        "get-utf8": "raw non-ASCII bytes in the request line's path; the signer double-encodes the wire path",
    ]

    static let credentials = AWSCredentials(
        accessKeyID: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    @Test("the suite is there and every case is either compared in full or excluded with a reason")
    func suiteIsComplete() {
        #expect(SuiteCase.all.count >= 31, "suite not found or incomplete at \(SuiteCase.root.path)")
        #expect(SuiteCase.compared.count + SuiteCase.excluded.count == SuiteCase.all.count)
        #expect(Set(SuiteCase.excluded.map(\.name)) == Set(Self.exclusions.keys), "an exclusion names no suite case")
    }

    @Test("the date is the suite's X-Amz-Date")
    func date() {
        #expect(SigV4Signer.amzDate(Self.date) == "20150830T123600Z")
    }

    @Test("canonical request, string to sign and Authorization match", arguments: SuiteCase.compared)
    func signs(_ suiteCase: SuiteCase) throws {
        let result = try suiteCase.sign()
        #expect(result.canonicalRequest == (try suiteCase.expected("creq")))
        #expect(result.stringToSign == (try suiteCase.expected("sts")))
        #expect(result.authorization == (try suiteCase.expected("authz")))
    }

    @Test("excluded: the request line is not a valid HTTP request target", arguments: SuiteCase.excluded)
    func exclusionsAreRequestParsingCases(_ suiteCase: SuiteCase) throws {
        let target = try suiteCase.parsedRequest().target
        #expect(target.utf8.contains { $0 == UInt8(ascii: " ") || $0 >= 0x80 }, "\(Self.exclusions[suiteCase.name]!)")
    }

    @Test(
        "excluded: everything matches but the path, which is the suite's path encoded once more",
        arguments: SuiteCase.excluded)
    func excludedCasesDifferOnlyInPathEncoding(_ suiteCase: SuiteCase) throws {
        let ours = try suiteCase.sign().canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)
        let theirs = try suiteCase.expected("creq").split(separator: "\n", omittingEmptySubsequences: false)
        try #require(ours.count == theirs.count)
        #expect(ours[1] == theirs[1].replacing("%", with: "%25"))
        #expect(
            ours.enumerated().filter { $0.offset != 1 }.map(\.element)
                == theirs.enumerated().filter { $0.offset != 1 }.map(\.element))
    }
}

/// One folder of the suite: `NAME/NAME.req` and the expected `NAME.creq`, `NAME.sts`, `NAME.authz`, `NAME.sreq`.
struct SuiteCase: Sendable, CustomTestStringConvertible {
    var name: String
    var folder: URL

    var testDescription: String { name }

    /// `shared/` sits beside the repository root (this file is `Tests/ECRSessionsTests/` under it).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("../shared/testdata/aws4_testsuite").standardizedFileURL

    /// Every folder holding a `.req` of its own name, at any depth (`normalize-path/get-slash`), sorted by name.
    static let all: [SuiteCase] = {
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects ?? []
        return files.compactMap { item -> SuiteCase? in
            guard let file = item as? URL, file.pathExtension == "req" else { return nil }
            let folder = file.deletingLastPathComponent()
            let name = folder.lastPathComponent
            guard file.deletingPathExtension().lastPathComponent == name else { return nil }
            return SuiteCase(name: name, folder: folder)
        }
        .sorted { $0.name < $1.name }
    }()

    static let compared = all.filter { SigningSuiteTests.exclusions[$0.name] == nil }
    static let excluded = all.filter { SigningSuiteTests.exclusions[$0.name] != nil }

    func file(_ suffix: String) -> URL {
        folder.appendingPathComponent("\(name).\(suffix)")
    }

    func expected(_ suffix: String) throws -> String {
        String(decoding: try Data(contentsOf: file(suffix)), as: UTF8.self)
    }

    func parsedRequest() throws -> RawRequest {
        try RawRequest(parsing: Data(contentsOf: file("req")))
    }

    /// The token the case signs with: from the `.req`, or, for `get-vanilla-with-session-token` whose `.req` (as
    /// botocore carries it) lacks the header its `.creq` signs, from the `.sreq`.
    func sessionToken() throws -> String? {
        if let token = try parsedRequest().header("X-Amz-Security-Token") { return token }
        guard name == "get-vanilla-with-session-token" else { return nil }
        return try RawRequest(parsing: Data(contentsOf: file("sreq"))).header("X-Amz-Security-Token")
    }

    struct Signed {
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    /// Runs each stage of the signer on the case, and `sign` as a whole, which must agree with the stages.
    func sign() throws -> Signed {
        let raw = try parsedRequest()
        let request = try raw.httpRequest()
        var credentials = SigningSuiteTests.credentials
        credentials.sessionToken = try sessionToken()
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")
        let date = SigningSuiteTests.date

        let prepared = signer.withSigningHeaders(request, date: date)
        let canonical = SigV4Signer.canonicalRequest(prepared, payloadHash: SigV4Signer.payloadHash(request.body))
        let stringToSign = signer.stringToSign(canonicalRequest: canonical.text, date: date)
        let key = SigV4Signer.signingKey(
            secretAccessKey: credentials.secretAccessKey,
            dateStamp: "20150830",
            region: "us-east-1",
            service: "service"
        )
        let signature = SigV4Signer.signature(of: stringToSign, key: key)
        let authorization = signer.authorization(
            signedHeaders: canonical.signedHeaders, signature: signature, date: date)

        let signed = signer.sign(request, date: date)
        #expect(signed.header("Authorization") == authorization)
        #expect(signed.headers.filter { $0.name.lowercased() == "authorization" }.count == 1)
        return Signed(canonicalRequest: canonical.text, stringToSign: stringToSign, authorization: authorization)
    }
}

/// An HTTP/1.1 request as the suite writes it: request line, headers (a line starting with whitespace continues
/// the previous value), a blank line, the body.
struct RawRequest {
    var method: String
    var target: String
    var headers: [HTTPHeader]
    var body: Data

    struct Malformed: Error {
        var reason: String
    }

    init(parsing data: Data) throws {
        var lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        let requestLine = lines.removeFirst()
        // Method up to the first space, version after the last: a raw space inside the target stays in the target.
        guard let first = requestLine.firstIndex(of: " "), let last = requestLine.lastIndex(of: " "), first < last
        else { throw Malformed(reason: "request line \(requestLine)") }
        method = String(requestLine[..<first])
        target = String(requestLine[requestLine.index(after: first)..<last])

        headers = []
        while let line = lines.first, !line.isEmpty {
            lines.removeFirst()
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw Malformed(reason: "continuation before any header") }
                headers[headers.count - 1].value += " " + line
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw Malformed(reason: "header line \(line)") }
                headers.append(HTTPHeader(String(line[..<colon]), String(line[line.index(after: colon)...])))
            }
        }
        body = Data(lines.dropFirst().joined(separator: "\n").utf8)
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    func httpRequest() throws -> HTTPRequest {
        guard let host = header("Host"), let url = URL(string: "https://\(host)\(target)") else {
            throw Malformed(reason: "no URL for target \(target)")
        }
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }
}
