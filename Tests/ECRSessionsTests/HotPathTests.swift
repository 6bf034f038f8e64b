import Foundation
import Testing

@testable import ECRSessions

/// The byte-level rewrites of code that runs on every command: each gives what the slower code it replaced gave.
@Suite("Hot paths")
struct HotPathTests {
    @Test("a profile name with ; or # is read as botocore reads it, comments after the header still skipped")
    func profileNamesWithCommentCharacters() throws {
        let profiles = try AWSProfiles(
            config: """
                [profile a;b]
                region = eu-west-1
                [profile c#d] ; a comment
                region = us-east-1
                [profile e];f
                region = eu-central-1
                """,
            credentials: "[g;h]#note\naws_access_key_id = AKIDEXAMPLE\n")
        #expect(profiles.profiles["a;b"]?.plainValues == ["region": "eu-west-1"])
        #expect(profiles.profiles["c#d"]?.plainValues == ["region": "us-east-1"])
        #expect(profiles.profiles["e"]?.plainValues == ["region": "eu-central-1"])
        #expect(profiles.profiles["g;h"]?.plainValues == ["aws_access_key_id": "AKIDEXAMPLE"])
        #expect(profiles.profiles.count == 4)
    }

    @Test("a header with text after its closing bracket that is not a comment is still an error")
    func headerWithTrailingText() {
        #expect(throws: AWSConfigError.self) {
            try INIFile(parsing: "[profile foo] bar\n", path: "~/.aws/config", dialect: .awsConfig)
        }
    }

    @Test("values keep non-ASCII text, CRLF line ends and inner whitespace; names are lower-cased")
    func nonASCIIValues() throws {
        let file = try INIFile(
            parsing: "[sect]\r\nNAME = caf\u{E9} \u{1F600}  x \r\nlist =\r\n  a = 1\r\n", path: "f")
        #expect(file.sections.first?["name"] == "caf\u{E9} \u{1F600}  x")
        #expect(file.sections.first?.properties["list"]?.subProperties == ["a": "1"])
        #expect(file.sections.first?.properties["name"]?.location.line == 2)
    }

    @Test(
        "X-Amz-Date by arithmetic matches the ISO 8601 formatter",
        arguments: [0, 951_782_400, 1_440_938_160, 1_709_164_799.999, 4_107_542_400, -86_401])
    func amzDate(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        let expected = date.formatted(
            Date.ISO8601FormatStyle(dateSeparator: .omitted, dateTimeSeparator: .standard, timeSeparator: .omitted))
        #expect(SigV4Signer.amzDate(date) == expected)
        #expect(SigV4Signer.dateStamp(date) == String(expected.prefix(8)))
    }

    @Test("header values are trimmed and their whitespace runs collapsed, ASCII or not")
    func headerValues() {
        #expect(SigV4Signer.canonicalHeaderValue("  a \t b\n\nc  ") == "a b c")
        #expect(SigV4Signer.canonicalHeaderValue("plain") == "plain")
        #expect(SigV4Signer.canonicalHeaderValue("") == "")
        #expect(SigV4Signer.canonicalHeaderValue(" caf\u{E9}\u{A0}\u{A0}x ") == "caf\u{E9} x")
    }

    @Test("JSON strings escape exactly quotes, backslashes and control characters")
    func jsonQuoting() {
        #expect(JSONText.quoted("plain/text") == #""plain/text""#)
        #expect(
            JSONText.quoted("a\"b\\c\n\r\t\u{08}\u{0C}\u{01}\u{1F}caf\u{E9}\u{1F600}")
                == #""a\"b\\c\n\r\t\b\f\u0001\u001fcafé😀""#)
        #expect(
            JSONText.render(["k": ["x", NSNull(), [String: Any]()] as [Any]])
                == "{\n\t\"k\": [\n\t\t\"x\",\n\t\tnull,\n\t\t{}\n\t]\n}\n")
    }

    @Test("a date centuries away is described, not a crash")
    func farDates() {
        let now = Date(timeIntervalSince1970: 1_764_000_000)
        #expect(Date(timeIntervalSince1970: 1e300).relativeDescription(to: now) == "in more than 100 years")
        #expect(Date(timeIntervalSince1970: -1e300).relativeDescription(to: now) == "more than 100 years ago")
        #expect(Date.distantFuture.relativeDescription(to: now) == "in more than 100 years")
        #expect(now.addingTimeInterval(90_000).relativeDescription(to: now) == "in 1d 1h")
        #expect(now.addingTimeInterval(-59).relativeDescription(to: now) == "59s ago")
    }

    @Test("a prepared statement is reused, and one still in use is not handed out twice")
    func statementCache() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite3").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let database = try SQLiteDatabase(path: path)
        try database.execute("CREATE TABLE t (n INTEGER)")
        for n in 1...3 { try database.prepare("INSERT INTO t VALUES (?1)").run([.integer(Int64(n))]) }
        let select = "SELECT n FROM t ORDER BY n"
        var pairs: [[Int64]] = []
        try database.prepare(select).query { outer throws(SQLiteError) in
            let first = outer.integer(0)
            try database.prepare(select).query { inner throws(SQLiteError) in pairs.append([first, inner.integer(0)]) }
        }
        #expect(pairs.count == 9)
        #expect(throws: SQLiteError.self) { try database.prepare("INSERT INTO missing VALUES (1)").run() }
        var all: [Int64] = []
        try database.prepare(select).query { row throws(SQLiteError) in all.append(row.integer(0)) }
        #expect(all == [1, 2, 3])
    }
}
