import Foundation
import Testing

@testable import ECRSessions

@Suite("SigV4Signer stages and behaviour")
struct SigningSignerTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN"
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    static func signer(secret: String = secret, token: String? = nil, contentHash: Bool = false) -> SigV4Signer {
        SigV4Signer(
            credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: secret, sessionToken: token),
            region: "eu-west-1",
            service: "ecr",
            addsContentSHA256Header: contentHash
        )
    }

    static let request = HTTPRequest(
        method: "POST",
        url: URL(string: "https://api.ecr.eu-west-1.amazonaws.com/")!,
        headers: [
            HTTPHeader("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"),
            HTTPHeader("Content-Type", "application/x-amz-json-1.1"),
        ],
        body: Data("{}".utf8)
    )

    @Test("signing key: the AWS documentation's example derivation")
    func signingKey() {
        let key = SigV4Signer.signingKey(
            secretAccessKey: Self.secret, dateStamp: "20120215", region: "us-east-1", service: "iam")
        #expect(key.lowercaseHex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }

    @Test(
        "canonical URI: normalized, and the wire path encoded once more",
        arguments: [
            ("https://h", "/"),
            ("https://h/", "/"),
            ("https://h/a/./b//c", "/a/b/c"),
            ("https://h/a/b/..", "/a/"),
            ("https://h/a/.", "/a/"),
            ("https://h/../..", "/"),
            ("https://h/documents%20and%20settings/", "/documents%2520and%2520settings/"),
            ("https://h/functions/arn:aws:lambda", "/functions/arn%3Aaws%3Alambda"),
        ])
    func canonicalURI(url: String, expected: String) throws {
        #expect(SigV4Signer.canonicalURI(try #require(URL(string: url))) == expected)
    }

    @Test(
        "canonical query: decoded, re-encoded with RFC 3986, sorted by key then value",
        arguments: [
            ("https://h/", ""),
            ("https://h/?", ""),
            ("https://h/?b=2&a=1&a=0", "a=0&a=1&b=2"),
            ("https://h/?flag", "flag="),
            ("https://h/?k=%e1%88%b4&x=a+b", "k=%E1%88%B4&x=a%2Bb"),
            ("https://h/?k=%7E%2D", "k=~-"),
            ("https://h/?k=a/b:c", "k=a%2Fb%3Ac"),
        ])
    func canonicalQuery(url: String, expected: String) throws {
        #expect(SigV4Signer.canonicalQuery(try #require(URL(string: url))) == expected)
    }

    @Test(
        "host: the Host header when given, else the URL's host with a port only when not the default",
        arguments: [
            ("https://api.ecr.eu-west-1.amazonaws.com/", nil, "api.ecr.eu-west-1.amazonaws.com"),
            ("https://localhost:443/", nil, "localhost"),
            ("http://localhost:80/", nil, "localhost"),
            ("http://localhost:5000/", nil, "localhost:5000"),
            ("https://localhost:8080/", nil, "localhost:8080"),
            ("http://[::1]:5000/", nil, "[::1]:5000"),
            ("http://127.0.0.1:5000/", "ecr.example", "ecr.example"),
        ] as [(String, String?, String)])
    func host(url: String, hostHeader: String?, expected: String) throws {
        var request = HTTPRequest(method: "GET", url: try #require(URL(string: url)))
        if let hostHeader { request.headers.append(HTTPHeader("Host", hostHeader)) }
        let headers = SigV4Signer.canonicalHeaders(request)
        #expect(headers.map(\.name) == ["host"])
        #expect(headers.first?.value == expected)
    }

    @Test("sign adds X-Amz-Date and Authorization, and no token or content hash unless there is reason to")
    func signsPlainCredentials() throws {
        let signed = Self.signer().sign(Self.request, date: Self.date)
        #expect(signed.header("X-Amz-Date") == "20150830T123600Z")
        #expect(signed.header("X-Amz-Security-Token") == nil)
        #expect(signed.header("x-amz-content-sha256") == nil)
        let authorization = try #require(signed.header("Authorization"))
        let scope = "AKIDEXAMPLE/20150830/eu-west-1/ecr/aws4_request"
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=\(scope), "))
        #expect(authorization.contains(", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="))
        #expect(signed.url == Self.request.url && signed.body == Self.request.body && signed.method == "POST")
        #expect(Array(signed.headers.prefix(2)) == Self.request.headers)
    }

    @Test("with a session token, X-Amz-Security-Token is added and signed")
    func signsSessionToken() {
        let signed = Self.signer(token: Self.token).sign(Self.request, date: Self.date)
        #expect(signed.header("X-Amz-Security-Token") == Self.token)
        #expect(signed.header("Authorization")?.contains(";x-amz-security-token;") == true)
    }

    @Test("x-amz-content-sha256 when asked: the body's hash, signed")
    func signsContentHash() {
        let signed = Self.signer(contentHash: true).sign(Self.request, date: Self.date)
        // SHA-256 of "{}".
        let hash = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        #expect(signed.header("x-amz-content-sha256") == hash)
        #expect(signed.header("Authorization")?.contains(";x-amz-content-sha256;") == true)
    }

    @Test("signing again replaces the earlier signing headers instead of adding copies")
    func resigns() {
        let signer = Self.signer(token: Self.token)
        let once = signer.sign(Self.request, date: Self.date)
        let twice = signer.sign(once, date: Self.date.addingTimeInterval(60))
        for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
            #expect(twice.headers.filter { $0.name.lowercased() == name }.count == 1, "\(name)")
        }
        #expect(twice.header("X-Amz-Date") == "20150830T123700Z")
        #expect(signer.sign(Self.request, date: Self.date.addingTimeInterval(60)) == twice)
    }

    @Test("User-Agent and Expect are left unsigned, since clients and proxies rewrite them")
    func unsignedHeaders() {
        var request = Self.request
        request.headers += [HTTPHeader("User-Agent", "ecr-sessions/1.0"), HTTPHeader("Expect", "100-continue")]
        let plain = Self.signer().sign(Self.request, date: Self.date).header("Authorization")
        #expect(Self.signer().sign(request, date: Self.date).header("Authorization") == plain)
    }

    @Test("the signature changes with the secret, the date, the body and the headers")
    func signatureDependsOnInputs() {
        func signature(_ signer: SigV4Signer, _ request: HTTPRequest = Self.request, _ date: Date = Self.date)
            -> String?
        {
            signer.sign(request, date: date).header("Authorization")?.components(separatedBy: "Signature=").last
        }
        let base = signature(Self.signer())
        #expect(base?.count == 64)
        #expect(signature(Self.signer()) == base)
        #expect(signature(Self.signer(secret: Self.secret + "x")) != base)
        #expect(signature(Self.signer(), Self.request, Self.date.addingTimeInterval(1)) != base)
        #expect(signature(Self.signer(), Self.request, Self.date.addingTimeInterval(86_400)) != base)
        var otherBody = Self.request
        otherBody.body = Data("{ }".utf8)
        #expect(signature(Self.signer(), otherBody) != base)
        var otherHeader = Self.request
        otherHeader.headers[0].value += "x"
        #expect(signature(Self.signer(), otherHeader) != base)
    }

    @Test("no description of the signer, its credentials or a signed request shows the secret or the token")
    func descriptionsHideSecrets() {
        let signer = Self.signer(token: Self.token)
        let signed = signer.sign(Self.request, date: Self.date)
        var dumped = ""
        dump(signer, to: &dumped)
        let texts = [
            String(describing: signer), String(reflecting: signer), dumped, "\(signer)",
            String(describing: signer.credentials), String(reflecting: signer.credentials),
            signed.header("Authorization") ?? "",
        ]
        for text in texts {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(!text.contains(Self.token), "\(text)")
        }
        #expect(String(describing: signer) == "SigV4Signer(accessKeyID: AKIDEXAMPLE, region: eu-west-1, service: ecr)")
    }
}
