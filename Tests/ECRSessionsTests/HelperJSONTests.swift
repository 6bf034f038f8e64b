import Foundation
import Testing

@testable import ECRSessions

/// The credential helper's answers, written by hand, must be what JSONSerialization wrote before them (compact,
/// sorted keys, slashes not escaped), byte for byte: docker and its helper libraries parse them.
@Suite struct HelperJSONTests {
    func foundation(_ members: [String: String]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    @Test func aGetAnswerIsWhatJSONSerializationWrites() throws {
        let found = HelperCredentials(
            serverURL: "https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/", username: "AWS",
            secret: "eyJwYXlsb2FkIjoi+/=")
        let members = ["ServerURL": found.serverURL, "Username": "AWS", "Secret": found.secret]
        #expect(found.json == (try foundation(members)))
        #expect(found.json.hasPrefix(#"{"Secret":"eyJwYXlsb2FkIjoi+/=","ServerURL":"https://123"#))
    }

    @Test func awkwardTextIsEscapedAsJSONSerializationEscapesIt() throws {
        // Every control character, quotes, backslashes, slashes, non-ASCII and astral characters, in keys and values.
        let pieces = (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
            + ["\"", "\\", "/", "é", "ü", "中", "🐳", "\u{7f}", "\u{2028}", "a", " "]
        var generator = SystemRandomNumberGenerator()
        func text(_ count: ClosedRange<Int>) -> String {
            (0..<Int.random(in: count, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined()
        }
        for _ in 0..<300 {
            let member = [text(0...6): text(0...12)]
            #expect(HelperCredentials.json(member) == (try foundation(member)), "\(member)")
        }
    }

    /// `list` answers many registries: a JSON object, whose order docker ignores. Ours is by bytes, the same in
    /// every locale; JSONSerialization's sorted keys compare like Finder (case-insensitive, numbers by value).
    @Test func aListIsEveryMemberInByteOrder() throws {
        let members = [
            "b9.example": "1", "b10.example": "2", "B1.example": "3", "a_b": "4", "a-b": "5", "aB": "6",
            "https://index.docker.io/v1/": "user",
        ]
        let json = HelperCredentials.json(members)
        let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String]
        #expect(parsed == members)
        let keys = members.keys.sorted()
        let positions = keys.compactMap { json.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.count == keys.count && positions == positions.sorted(), "\(json)")
    }
}
