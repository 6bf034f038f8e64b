import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The JSON value type behind faithful rewrites of registry config files.
@Suite struct TargetJSONValueTests {
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    let token = AuthorizationToken(encoded: "QVdTOnNlY3JldC1wYXNzd29yZA==")

    static let documents = [
        #"{"b": [], "a": {"x/y": "1/2"}, "auths": {}}"#,
        #"{"k": ["x", null, {}], "t": "tab\tquote\"slash/é \u0001 😀", "n": {"deep": [[1, "2"], {"z": "y"}]}}"#,
        #"{}"#, "  \n", #"{"": "", "é": "e", "E": "E", "e": "e", "a\u0000b": "nul"}"#,
    ]

    /// For objects made of strings, arrays, objects and null, the layout is JSONText.render's, byte for byte.
    @Test(arguments: documents) func rendersLikeJSONText(document: String) throws {
        let data = Data(document.utf8)
        // Foundation's parser as the judge of what the document means (a blank file is `{}`, as docker reads it).
        let blank = data.allSatisfy { [0x20, 0x09, 0x0A, 0x0D].contains($0) }
        let foundation =
            blank ? [String: Any]() : try JSONSerialization.jsonObject(with: data, options: .fragmentsAllowed)
        #expect(try JSONValue.parse(data).rendered == JSONText.render(foundation))
    }

    @Test func numbersAndBooleansKeepTheirText() throws {
        let text = #"{"a": 1.0, "b": -0.0, "c": 1e400, "d": 12345678901234567890123, "e": true, "f": false, "g": 0}"#
        let value = try JSONValue.parse(Data(text.utf8))
        #expect(
            value.rendered
                == "{\n\t\"a\": 1.0,\n\t\"b\": -0.0,\n\t\"c\": 1e400,\n\t\"d\": 12345678901234567890123,\n"
                + "\t\"e\": true,\n\t\"f\": false,\n\t\"g\": 0\n}\n")
        #expect(value.objectValue?["e"] == .bool(true) && value.objectValue?["g"] == .number("0"))
        #expect(value.objectValue?["e"] != JSONValue.number("1"))
    }

    @Test(arguments: [
        ("{", 1, 2), (#"{"a": 01}"#, 1, 8), (#"{"a": tru}"#, 1, 7), ("{\n\"a\": [1,]\n}", 2, 9),
        (#"{"a": "\x"}"#, 1, 9), (#"{"a": 1} x"#, 1, 10), ("{\"a\": \"\u{01}\"}", 1, 8), (#"{"a" 1}"#, 1, 6),
        (#"{"a": "\ud800"}"#, 1, 14),
    ])
    func refusesInvalidJSONWithWhereItFailed(text: String, line: Int, column: Int) {
        #expect {
            try JSONValue.parse(Data(text.utf8))
        } throws: { error in
            let failure = error as? JSONText.SyntaxError
            return failure?.line == line && failure?.column == column && failure?.tooDeep == false
        }
    }

    @Test func decodesEscapes() throws {
        let value = try JSONValue.parse(Data(#"["\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"]"#.utf8))
        #expect(value == .array([.string("\"\\/\u{08}\u{0C}\n\r\t\u{E9}\u{1F600}")]))
    }

    /// Nesting up to the limit is read and written back (on a small thread stack: nothing recurses); one more
    /// level is refused with its own error.
    @Test func nestsToTheLimitWithoutRecursion() async throws {
        let limit = JSONValue.maximumDepth
        // The outer object, limit - 2 arrays and an empty object inside: `limit` levels.
        let deep = String(repeating: "[", count: limit - 2) + "{}" + String(repeating: "]", count: limit - 2)
        let document = #"{"deep": "# + deep + "}"
        // Written back too, but smaller: the layout indents each level by one more tab, so the text grows with the
        // square of the depth (as docker's own MarshalIndent does).
        let shallower = String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000)
        let (equal, rendered) = try await Task.detached {
            let value = try JSONValue.parse(Data(document.utf8))
            let equal = value == (try JSONValue.parse(Data(document.utf8)))
            return (equal, try JSONValue.parse(Data(shallower.utf8)).rendered.count)
        }.value
        #expect(equal && rendered > 2000 * 2000)
        let tooDeep = "[" + document + "]"
        #expect {
            try JSONValue.parse(Data(tooDeep.utf8))
        } throws: { error in
            (error as? JSONText.SyntaxError)?.tooDeep == true
        }
    }

    @Test func aFileNestedTooDeeplyIsRefusedByNameAndLeftAlone() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let limit = JSONValue.maximumDepth
        let text = #"{"x": "# + String(repeating: "[", count: limit) + String(repeating: "]", count: limit) + "}"
        let path = try temp.write("config.json", text)
        #expect(throws: TargetError.nestedTooDeeply(file: path, limit: limit)) {
            try RegistryAuthFile(path: path).set([host: token])
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
        #expect(TargetError.nestedTooDeeply(file: path, limit: limit).description.contains("10000 levels"))
    }

    /// Booleans, number text and deep nesting anywhere in the file: logout still puts back the original bytes,
    /// and login changes nothing but the entry it writes.
    @Test func rewritesAreFaithfulAndLogoutRestoresTheOriginalBytes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let deep = String(repeating: "[", count: 600) + "true" + String(repeating: "]", count: 600)
        let original = #"{"auths": {}, "features": {"buildkit": true}, "ratio": 1.0, "z": -0.0, "deep": "# + deep + "}"
        let path = try temp.write("config.json", original)
        let file = RegistryAuthFile(path: path)

        let update = try file.set([host: token])

        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.contains("\"buildkit\": true") && written.contains("\"ratio\": 1.0"))
        #expect(written.contains("\"z\": -0.0"))
        try file.restore(Array(update.written.values), prior: update.prior, original: update.original)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == original)
    }

    /// Parsing is linear: a file with many hosts is read and rewritten quickly.
    @Test func parsesLargeFilesInLinearTime() throws {
        let members = (0..<20_000).map { #""host\#($0).example": {"auth": "dXNlcjpwYXNzd29yZA==", "n": \#($0).5}"# }
        let text = #"{"auths": {"# + members.joined(separator: ", ") + "}}"
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            let value = try JSONValue.parse(Data(text.utf8))
            #expect(value.objectValue?["auths"]?.objectValue?.count == 20_000)
            _ = value.rendered
        }
        // Well under a second on an idle machine; the quadratic parser this replaced took minutes.
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }

    /// The recursive writer (the top `recursionLimit` levels) and the explicit stack (below, and the judge) write the
    /// same bytes for any value, however deep, with keys that sort differently as bytes and as strings.
    @Test func recursiveAndStackWritersAgree() {
        var random = SimulationTests.SeededGenerator(state: 21)
        let keys = ["", "a", "B", "é", "e\u{301}", "z", "\"q\"", "tab\t", "\u{0}", "😀", "auths", "111122223333.dkr"]
        func value(_ depth: Int) -> JSONValue {
            let leafOnly = depth > JSONValueWriter.recursionLimit + 8
            switch Int.random(in: leafOnly ? 0...3 : 0...6, using: &random) {
            case 0: return .null
            case 1: return .bool(Bool.random(using: &random))
            case 2: return .number(["0", "-0.0", "1e5", "12.50"][Int.random(in: 0...3, using: &random)])
            case 3: return .string(keys[Int.random(in: 0..<keys.count, using: &random)])
            case 4: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in value(depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                for _ in 0..<Int.random(in: 0...4, using: &random) {
                    members[keys[Int.random(in: 0..<keys.count, using: &random)]] = value(depth + 1)
                }
                return .object(members)
            }
        }
        /// A chain of one-member objects and one-element arrays past the limit, with a random value at the bottom.
        func chain(_ levels: Int) -> JSONValue {
            (0..<levels).reduce(value(levels)) { inner, level in
                level.isMultiple(of: 3) ? .array([inner, .null]) : .object(["k\(level % 2)": inner, "b": .bool(true)])
            }
        }
        for round in 0..<300 {
            let root = round.isMultiple(of: 10) ? chain(JSONValueWriter.recursionLimit + round % 7 - 3) : value(0)
            var stack: [UInt8] = []
            JSONValueWriter.write(root, to: &stack)
            stack.append(UInt8(ascii: "\n"))
            #expect(root.renderedBytes == stack, "round \(round)")
            #expect(root.rendered == String(decoding: stack, as: UTF8.self))
        }
    }

    /// The byte order `sortedByKey` uses for ASCII keys is String's order, and other keys still get String's.
    @Test func membersSortByKeyAsStringsSort() {
        var random = SimulationTests.SeededGenerator(state: 22)
        let ascii = Array("aAzZ09.-_:/\"\\ \t\u{0}\u{7F}")
        let other = Array("éE\u{301}😀ünï\u{2028}")
        for round in 0..<300 {
            var dictionary: [String: Int] = [:]
            for index in 0..<Int.random(in: 0...40, using: &random) {
                let pool = round.isMultiple(of: 3) ? ascii + other : ascii
                // Keys that share their first sixteen bytes, or all of a shorter one, and keys that differ in them.
                let prefix = ["", "0123456789abcdef", "0123456789abcde", "0123456789abcdefg"][round % 4]
                let suffix = String(
                    (0..<Int.random(in: 0...6, using: &random)).map { _ in pool.randomElement(using: &random)! })
                dictionary[Bool.random(using: &random) ? prefix + suffix : suffix] = index
            }
            let expected = dictionary.sorted { $0.key < $1.key }
            #expect(JSONText.sortedByKey(dictionary).map(\.key) == expected.map(\.key), "round \(round)")
        }
        let hosts = (0..<1000).map { String(format: "%012d.dkr.ecr.eu-west-1.amazonaws.com", ($0 * 7919) % 1000) }
        let dictionary = Dictionary(uniqueKeysWithValues: hosts.map { ($0, 0) })
        #expect(JSONText.sortedByKey(dictionary).map(\.key) == hosts.sorted())
    }

    /// Strings without escapes are made from their bytes at once; bytes that are not UTF-8 are still refused where
    /// the string starts, with or without an escape before them.
    @Test func stringsWithoutEscapesParseAsWithThem() throws {
        let plain = try JSONValue.parse(Data(#"{"h": "111122223333.dkr.ecr.eu-west-1.amazonaws.com", "é": "😀"}"#.utf8))
        #expect(plain == .object(["h": .string("111122223333.dkr.ecr.eu-west-1.amazonaws.com"), "é": .string("😀")]))
        for (bytes, column) in [(Array(#"{"a": "x"#.utf8) + [0xFF] + Array(#""}"#.utf8), 8),
            (Array(#"{"a": "\n"#.utf8) + [0xC3] + Array(#""}"#.utf8), 10), (Array(#"{"a": "x"#.utf8), 9)]
        {
            #expect {
                try JSONValue.parse(Data(bytes))
            } throws: { error in
                (error as? JSONText.SyntaxError).map { $0.line == 1 && $0.column == column } == true
            }
        }
    }
}
