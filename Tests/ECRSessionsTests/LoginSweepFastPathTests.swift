import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The login sweep's byte-level shortcuts against the text-level code they stand in for: each must give the same
/// answer for every input it takes, and hand every other input to that code.
@Suite("Login sweep fast paths agree with the text-level code")
struct LoginSweepFastPathTests {
    typealias SeededGenerator = SimulationTests.SeededGenerator

    /// Hosts of every shape `isECRHost` tells apart, with the bytes that could trip a byte-level reading.
    static let hosts = [
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com", "111122223333.DKR.ECR.EU-WEST-1.AMAZONAWS.COM",
        "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com",
        "HTTPS://111122223333.dkr.ecr.us-east-1.amazonaws.com/v2/",
        "111122223333.dkr.ecr-fips.us-east-1.amazonaws.com", "111122223333.dkr-ecr.eu-west-1.on.aws",
        "111122223333.dkr-ecr-fips.us-east-1.on.aws", "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn",
        "public.ecr.aws", "PUBLIC.ECR.AWS", "https://public.ecr.aws/", "public.ecr.aws.example.com",
        "11112222333.dkr.ecr.eu-west-1.amazonaws.com", "1111222233334.dkr.ecr.eu-west-1.amazonaws.com",
        "11112222333a.dkr.ecr.eu-west-1.amazonaws.com", "111122223333.dkr.ecr.amazonaws.com",
        "111122223333.dkrx.ecr.eu-west-1.amazonaws.com", "111122223333..ecr.eu-west-1.amazonaws.com",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com:443", "ftp://x/111122223333.dkr.ecr.a.b", "://public.ecr.aws",
        "a://b://111122223333.dkr.ecr.eu-west-1.amazonaws.com", "", ".", "....", "docker.io", "ghcr.io",
        "localhost:5000", "111122223333.dkr.ecr.eu-west-1.amazonaws.com\r\n",
        // Not ASCII: the Unicode reading answers (a Kelvin sign lowercases to k, Arabic-Indic digits are numbers).
        "111122223333.d\u{212A}r.ecr.eu-west-1.amazonaws.com", "\u{661}11122223333.dkr.ecr.eu-west-1.amazonaws.com",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com\u{301}", "publİc.ecr.aws",
    ]

    @Test("isECRHost's ASCII reading answers as the Unicode one for every host shape")
    func ecrHostOnBytes() {
        for host in Self.hosts {
            #expect(ExpiredECRToken.isECRHost(host) == ExpiredECRToken.isECRHostAsText(host), "\(host)")
        }
        #expect(ExpiredECRToken.isECRHost("111122223333.DKR.ecr.eu-west-1.amazonaws.com"))
        #expect(!ExpiredECRToken.isECRHost("docker.io"))
    }

    @Test("isECRHost's ASCII reading answers as the Unicode one for random hosts made of registry pieces")
    func ecrHostOnRandomPieces() {
        var random = SeededGenerator(state: 11)
        let pieces = [
            "111122223333", "1111", "dkr", "DKR", "ecr", "ecr-fips", "dkr-ecr", "eu-west-1", "amazonaws", "com",
            ".", ".", ".", "/", "://", "https", "public", "aws", ":", "0", "a",
        ]
        for _ in 0..<2000 {
            let host = (0..<Int.random(in: 0...12, using: &random)).map { _ in
                pieces[Int.random(in: 0..<pieces.count, using: &random)]
            }.joined()
            #expect(ExpiredECRToken.isECRHost(host) == ExpiredECRToken.isECRHostAsText(host), "\(host)")
        }
    }

    /// What `addHeaderLine(bytes:)` makes of `lines`, and what the text-level `addHeaderLine(_:)` makes of them.
    static func headers(_ lines: [String]) -> (bytes: [HTTPHeader], text: [HTTPHeader]) {
        let (bytes, text) = (ResponseSink(), ResponseSink())
        for line in lines {
            Array(line.utf8).withUnsafeBytes { bytes.addHeaderLine(bytes: $0) }
            text.addHeaderLine(line)
        }
        return (bytes.headers, text.headers)
    }

    @Test("header lines cut on their bytes give the headers the text-level parser gives")
    func headerLinesOnBytes() {
        let lines = [
            "HTTP/1.1 200 OK\r\n", "Content-Type: application/x-amz-json-1.1\r\n", "Content-Length:  130 \r\n",
            "x-amzn-RequestId:\t1f2e\t\r\n", " Spaced-Name \t: value\r\n", "Empty:\r\n", "Empty-Spaces: \t \r\n",
            ":no name\r\n", "no colon at all\r\n", "Colons: a:b:c\r\n", "Trailing-LF: v\n",
            "Vertical: \u{0B}v\u{0C}\r\n",
            "Non-ASCII: caf\u{E9}\u{A0}\r\n", "\u{A0}Nbsp-Name\u{A0}: x\u{2028}\r\n", "\r\n",
        ]
        let (bytes, text) = Self.headers(lines)
        #expect(bytes == text)
        #expect(bytes.first == HTTPHeader("Content-Type", "application/x-amz-json-1.1"))
        #expect(bytes.contains(HTTPHeader("Content-Length", "130")))
        // A second status line (after `100 Continue`, or a proxy's CONNECT) starts again on either path.
        let (restarted, restartedText) = Self.headers(["HTTP/1.1 100 Continue\r\n", "A: 1\r\n", "HTTP/1.1 200 OK\r\n"])
        #expect(restarted.isEmpty && restartedText.isEmpty)
    }

    @Test("random header lines of ASCII and a few other characters give the same headers on both paths")
    func randomHeaderLines() {
        var random = SeededGenerator(state: 12)
        let characters = Array("ab:: \t\r\n\u{0B}\u{0C}HTTP/-\u{E9}\u{A0}\u{85}")
        for _ in 0..<2000 {
            let line = String(
                (0..<Int.random(in: 0...16, using: &random)).map { _ in
                    characters[Int.random(in: 0..<characters.count, using: &random)]
                })
            let (bytes, text) = Self.headers([line])
            #expect(bytes == text, "\(line.debugDescription)")
        }
    }

    @Test("endpoint keys of ASCII service names are what lowercasing and replacing give")
    func endpointKeysOnBytes() {
        let services = [
            "ecr", "ECR", "ecr_public", "ECR PUBLIC", "ecr-public", "sts", "SSO OIDC", "Api.Gateway-2", "", " -",
            "\u{130}cr", "ecr\u{DF}", "stra\u{DF}e", "\u{212A}ms",
        ]
        for service in services {
            let key = service.lowercased().replacing(" ", with: "_").replacing("-", with: "_")
            let keys = ResolvedProfile.endpointKeys(forService: service)
            #expect(keys.key == key && keys.variable == "AWS_ENDPOINT_URL_" + key.uppercased(), "\(service)")
        }
    }

    // MARK: The parse of a file this process last wrote

    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    let token = AuthorizationToken(encoded: "QVdTOnNlY3JldC1wYXNzd29yZA==")  // AWS:secret-password
    let same = AuthorizationToken(encoded: "QVdTOnNlY3JldC1wYXNzd29yYQ==")  // AWS:secret-passworda, same length

    @Test("a file changed after our write, to the same size and times, is parsed again, not taken from memory")
    func changedFileIsParsedAgain() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = RegistryAuthFile(path: temp.path + "/config.json")
        try file.set([host: token])
        let written = try #require(FileManager.default.contents(atPath: file.path))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        // Another writer puts another token of the same length in place, and the old times back.
        let changed = String(decoding: written, as: UTF8.self).replacingOccurrences(
            of: token.encoded, with: same.encoded)
        #expect(changed.utf8.count == written.count && changed.utf8.elementsEqual(written) == false)
        try Data(changed.utf8).write(to: URL(fileURLWithPath: file.path))
        try FileManager.default.setAttributes(
            [.modificationDate: try #require(attributes[.modificationDate])], ofItemAtPath: file.path)
        #expect(try file.hostsOutOfDate([host: same]).isEmpty)
        #expect(try file.hostsOutOfDate([host: token]) == [host])
        // A write of another host keeps the other writer's entry.
        try file.set(["public.ecr.aws": token])
        #expect(try file.hostsOutOfDate([host: same, "public.ecr.aws": token]).isEmpty)
    }

    @Test("a file made malformed after our write is refused and left as it is, as at the first read")
    func malformedAfterOurWriteIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = RegistryAuthFile(path: temp.path + "/config.json")
        try file.set([host: token])
        let broken = Data(#"{"auths": {"#.utf8)
        try broken.write(to: URL(fileURLWithPath: file.path))
        #expect(throws: TargetError.self) { try file.set(["public.ecr.aws": token]) }
        #expect(FileManager.default.contents(atPath: file.path) == broken)
    }

    @Test("what a write leaves in memory is what parsing the written file gives")
    func rememberedObjectIsTheParse() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write(
            "config.json", #"{"n": [1.0, -0.0, 1e5, true, null], "s": "\u00e9\t\"/", "auths": {"x": {"auth": "a"}}}"#)
        let file = JSONObjectFile(path: path, lockTimeout: .seconds(1))
        var random = SeededGenerator(state: 13)
        for round in 0..<20 {
            let key = "k\(round)-\(UInt32.random(in: 0...UInt32.max, using: &random))\u{E9}\u{301}"
            try file.modify { object throws(TargetError) in
                var object = object ?? [:]
                object[key] = .array([
                    .string("\u{0}\u{1F}\"\\/"), .number("\(round).50"), .bool(round.isMultiple(of: 2)),
                ])
                return (.write(object), ())
            }
            let remembered = try file.currentObject()
            let parsed = try JSONValue.parse(#require(FileManager.default.contents(atPath: path))).objectValue
            #expect(remembered == parsed)
            #expect(remembered?[key] != nil)
        }
    }

    // MARK: One transaction for a login's logins and attempt

    @Test("the logins and attempt saved together are what replaceLogins and record save one after the other")
    func loginsAndAttemptTogether() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (together, apart) = (
            try Cache(path: temp.path + "/together/cache.sqlite3"), try Cache(path: temp.path + "/apart/cache.sqlite3")
        )
        let fetchedAt = Date(timeIntervalSince1970: 1_750_000_000)
        func login(_ registry: String) -> RegistryLogin {
            RegistryLogin(
                profile: "prod", accountID: "111122223333", region: "eu-west-1", registry: registry, token: token,
                expiresAt: fetchedAt.addingTimeInterval(43_200), fetchedAt: fetchedAt)
        }
        for round in 0..<(Cache.attemptsKept + 3) {
            let logins = round.isMultiple(of: 2) ? [login(host), login("a.example")] : [login(host)]
            let attempt = LoginAttempt(
                profile: "prod", region: "eu-west-1", startedAt: fetchedAt.addingTimeInterval(Double(round)),
                finishedAt: fetchedAt.addingTimeInterval(Double(round) + 0.5), error: nil)
            try together.replaceLogins(profile: "prod", region: "eu-west-1", with: logins, recording: attempt)
            try apart.replaceLogins(profile: "prod", region: "eu-west-1", with: logins)
            try apart.record(attempt)
            #expect(try together.logins() == apart.logins())
            #expect(try together.latestAttempts() == apart.latestAttempts())
            #expect(try together.failureStreaks() == apart.failureStreaks())
        }
        // An expired token writes neither the logins nor the attempt.
        var expired = login(host)
        expired.expiresAt = fetchedAt
        let attempt = LoginAttempt(
            profile: "prod", region: "eu-west-1", startedAt: fetchedAt.addingTimeInterval(100),
            finishedAt: fetchedAt.addingTimeInterval(101), error: nil)
        let before = (try together.logins(), try together.latestAttempts())
        #expect(throws: CacheError.self) {
            try together.replaceLogins(profile: "prod", region: "eu-west-1", with: [expired], recording: attempt)
        }
        #expect(try together.logins() == before.0 && together.latestAttempts() == before.1)
    }

    // MARK: The places holding some hosts, without their entries

    @Test("undoPlaces(holding:) names exactly the places undoRecords(.hosts) returns, for any hosts asked")
    func placesHoldingHosts() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let cache = try Cache(path: temp.path + "/cache.sqlite3")
        let hosts = ["a.example", "b.example", "c.example", "d.example", "e.example"]
        var random = SeededGenerator(state: 14)
        for index in 0..<6 {
            var record = UndoRecord(
                kind: index.isMultiple(of: 2) ? "registry-auth-file" : "kubernetes-secret", place: "/place/\(index)",
                state: "{}")
            for host in hosts where Bool.random(using: &random) {
                record.entries[host] = .init(owner: Bool.random(using: &random) ? "p\(index)" : nil, state: "{}")
            }
            try cache.saveUndoRecord(record)
        }
        for _ in 0..<40 {
            let asked = hosts.filter { _ in Bool.random(using: &random) } + ["unknown.example"]
            let expected = try cache.undoRecords(.hosts(asked)).map { UndoPlace(kind: $0.kind, place: $0.place) }
            #expect(try cache.undoPlaces(holding: asked) == expected)
            // The places TargetWriter looks at first, to skip the hosts' lookup: never one fewer.
            #expect(Set(expected).isSubset(of: try cache.undoRecordPlaces()))
        }
        // Sorted by kind ("kubernetes-secret" first), then place; a record without entries is one too.
        #expect(try cache.undoRecordPlaces().map(\.place) == [1, 3, 5, 0, 2, 4].map { "/place/\($0)" })
        #expect(try cache.undoPlaces(holding: []).isEmpty)
    }

    // MARK: Reading and saving some hosts' undo entries

    /// A journal of whole records only, so that the protocol's own `undoRecord(kind:place:hosts:)` and
    /// `mergeUndoRecord` (read whole, filter or merge, save whole) run over the cache.
    struct WholeRecords: UndoJournal {
        let cache: Cache
        func undoRecord(kind: String, place: String) throws(CacheError) -> UndoRecord? {
            try cache.undoRecord(kind: kind, place: place)
        }
        func saveUndoRecord(_ record: UndoRecord) throws(CacheError) { try cache.saveUndoRecord(record) }
    }

    @Test("the cache's reads and merges of some hosts' entries match whole records filtered, merged and saved")
    func someHostsEntries() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (fast, whole) = (
            try Cache(path: temp.path + "/fast/cache.sqlite3"), try Cache(path: temp.path + "/whole/cache.sqlite3")
        )
        let slow = WholeRecords(cache: whole)
        let hosts = (0..<8).map { "h\($0).example" }
        var random = SeededGenerator(state: 15)
        for round in 0..<60 {
            let place = "/place/\(round % 3)"
            let asked = Set(hosts.filter { _ in Bool.random(using: &random) })
            let read = try fast.undoRecord(kind: "registry-auth-file", place: place, hosts: asked)
            #expect(read == (try slow.undoRecord(kind: "registry-auth-file", place: place, hosts: asked)))
            var record = read ?? UndoRecord(kind: "registry-auth-file", place: place, state: "{\"round\":\(round)}")
            if Int.random(in: 0..<4, using: &random) == 0 { record.state = "{\"changed\":\(round)}" }
            for host in asked where Bool.random(using: &random) {
                record.entries[host] = .init(
                    owner: Bool.random(using: &random) ? "p\(round % 2)" : nil, state: "{\"n\":\(round)}")
            }
            try fast.mergeUndoRecord(record)
            try slow.mergeUndoRecord(record)
            #expect(
                try fast.undoRecord(kind: record.kind, place: place)
                    == whole.undoRecord(kind: record.kind, place: place))
            let copies = [fast, whole].map { UndoMirror(cachePath: $0.path).records().sorted { $0.place < $1.place } }
            #expect(copies[0] == copies[1])
        }
        #expect(try fast.undoRecord(kind: "registry-auth-file", place: "/nowhere", hosts: ["h0.example"]) == nil)
    }
}
