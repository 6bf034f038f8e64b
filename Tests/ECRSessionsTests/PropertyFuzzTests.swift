import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// Random inputs for the parsers: texts mutated from a valid one with the characters each grammar gives a meaning to.
struct InputMutator {
    /// The simulation's seeded SplitMix64, so a failing input is found again from its seed alone.
    var random: SimulationTests.SeededGenerator

    init(seed: UInt64) { random = SimulationTests.SeededGenerator(state: seed) }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &random)] }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }

    /// `text` with 1 to 6 random edits: a span deleted, duplicated or replaced by tokens from `alphabet`.
    mutating func mutate(_ text: String, alphabet: [String]) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<int(1...6) {
            let start = scalars.isEmpty ? 0 : int(0...scalars.count)
            let length = min(scalars.count - start, int(0...8))
            let span = Array(scalars[start..<(start + length)])
            switch int(0...3) {
            case 0: scalars.removeSubrange(start..<(start + length))
            case 1: scalars.insert(contentsOf: span, at: start)
            default:
                let insert = (0..<int(1...3)).map { _ in pick(alphabet) }.joined()
                scalars.replaceSubrange(start..<(start + length), with: Array(insert.unicodeScalars))
            }
        }
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }
}

/// The kept corpus: inputs that once broke something or reach a rare branch, one file each, run on every test run.
enum FuzzCorpus {
    /// `Tests/FuzzCorpus/<kind>/`, outside every target so SwiftPM does not take the files for resources.
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzCorpus")

    static func inputs(_ kind: String) -> [String] {
        let directory = folder.appendingPathComponent(kind)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
    }
}

@Suite struct PropertyFuzzTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let fastRetry = RetryPolicy(maxAttempts: 1, baseDelay: .zero, maxDelay: .zero)
    let credentials = AWSCredentials(accessKeyID: "AKIAFUZZFUZZFUZZ0001", secretAccessKey: "fuzz/secret")

    // MARK: INI

    static let iniAlphabet = [
        "[", "]", "=", " ", "\t", "#", ";", "\n", "\r\n", "profile ", "sso-session ", "a", "b_c", "é", "\\", "\"",
        "  ", "\n  ", "region", "services", "\u{0}", "[profile x]", "k = v", "\u{FEFF}",
    ]

    static let iniSeed = """
        [default]
        region = eu-west-1 # comment
        ; a comment
        [profile dev]
        role_arn = arn:aws:iam::111122223333:role/dev
        services = dev-services
          ecr =
            endpoint_url = http://localhost:4566
        [services dev-services]
        sts =
          endpoint_url = http://localhost:4567
        """

    @Test(arguments: seeds) func iniParserNeverCrashesOnMutatedFiles(seed: UInt64) {
        var mutator = InputMutator(seed: seed)
        var parsed = 0
        for _ in 0..<1_000 {
            let text = mutator.mutate(Self.iniSeed, alphabet: Self.iniAlphabet)
            for dialect in [INIDialect.awsConfig, .awsCredentials, .plain] {
                if let file = try? INIFile(parsing: text, path: "/fuzz/config", dialect: dialect) {
                    parsed += 1
                    for section in file.sections {
                        #expect(!section.header.text.contains("\n"), "seed \(seed): \(text.debugDescription)")
                    }
                }
            }
        }
        #expect(parsed > 0)
    }

    @Test(arguments: seeds) func iniRoundTripKeepsEverySectionAndValue(seed: UInt64) throws {
        var mutator = InputMutator(seed: seed)
        let nameCharacters = Array("abcdefghijklmnopqrstuvwxyz0123456789_")
        let valueCharacters = Array("abcXYZ0189/+=:._-@ ")
        func word(_ characters: [Character], _ length: ClosedRange<Int>) -> String {
            String((0..<mutator.int(length)).map { _ in mutator.pick(characters) })
        }
        for _ in 0..<300 {
            var expected: [(String, [String: String])] = []
            var text = ""
            for index in 0..<mutator.int(1...5) {
                let name = "s\(index)" + word(nameCharacters, 0...8)
                var properties: [String: String] = [:]
                text += mutator.pick(["", "\n", "# note\n", "; note\n"]) + "[\(name)]\n"
                for _ in 0..<mutator.int(0...5) {
                    let key = "k" + word(nameCharacters, 0...6)
                    let value = word(valueCharacters, 1...12).trimmingCharacters(in: .whitespaces)
                    guard properties[key] == nil, !value.isEmpty else { continue }
                    properties[key] = value
                    text += "\(key)\(mutator.pick(["=", " = ", "  =\t"]))\(value)\n"
                }
                expected.append((name, properties))
            }
            let file = try INIFile(parsing: text, path: "/fuzz/plain", dialect: .plain)
            #expect(file.sections.map(\.header.text) == expected.map(\.0), "\(text.debugDescription)")
            for (section, (_, properties)) in zip(file.sections, expected) {
                #expect(section.properties.mapValues(\.value) == properties, "\(text.debugDescription)")
            }
        }
    }

    // MARK: config.json merge

    /// A random JSON value with random spacing, and whether it holds a boolean or a fraction (which a rewrite
    /// does not yet keep byte for byte).
    static func json(_ mutator: inout InputMutator, depth: Int) -> (text: String, lossy: Bool) {
        let space = mutator.pick(["", " ", "\n", "\t", "\n    "])
        switch mutator.int(0...(depth > 3 ? 3 : 6)) {
        case 0: return (mutator.pick(["0", "-12", "123456789012", "3", "1e2"]), false)
        case 1:
            return (mutator.pick([#""text""#, #""é\u00e9""#, #""a\"b\\c""#, #""""#, #""\ud83d\ude00""#]), false)
        case 2: return ("null", false)
        case 3: return (mutator.pick(["true", "false", "1.5", "-0.0"]), true)
        case 4:
            var lossy = false
            let items = (0..<mutator.int(0...3)).map { _ in
                let item = json(&mutator, depth: depth + 1)
                lossy = lossy || item.lossy
                return item.text
            }
            return ("[\(space)" + items.joined(separator: ",\(space)") + "\(space)]", lossy)
        default:
            var lossy = false
            var seen = Set<String>()
            var members: [String] = []
            for index in 0..<mutator.int(0...4) {
                let key = mutator.pick(["k", "auth", "auths", "credHelpers", "x-y", "é"]) + "\(index)"
                guard seen.insert(key).inserted else { continue }
                let value = json(&mutator, depth: depth + 1)
                lossy = lossy || value.lossy
                members.append("\(JSONText.quoted(key)):\(space)\(value.text)")
            }
            return ("{\(space)" + members.joined(separator: ",\(space)") + "\(space)}", lossy)
        }
    }

    /// A docker config.json: foreign top-level keys and foreign `auths` entries around where ours will go.
    static func dockerConfig(_ mutator: inout InputMutator) -> (text: String, lossy: Bool) {
        var lossy = false
        var members: [String] = []
        for index in 0..<mutator.int(0...3) {
            let value = json(&mutator, depth: 1)
            lossy = lossy || value.lossy
            members.append("\"key\(index)\": \(value.text)")
        }
        if mutator.int(0...3) > 0 {
            let hosts = (0..<mutator.int(0...3)).map { #""registry\#($0).example.com": {"auth": "Zm9vOmJhcg=="}"# }
            members.insert("\"auths\": {" + hosts.joined(separator: ", ") + "}", at: mutator.int(0...members.count))
        }
        return ("{\n" + members.joined(separator: ",\n") + "\n}\n", lossy)
    }

    @Test(arguments: seeds) func mergeKeepsForeignEntriesAndRestoreGivesTheOriginalBack(seed: UInt64) throws {
        var mutator = InputMutator(seed: seed)
        let directory = try TemporaryDirectory("fuzz-merge")
        let path = directory.path + "/config.json"
        let ours = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
        let token = AuthorizationToken(encoded: Data("AWS:fuzz-password".utf8).base64EncodedString())
        for round in 0..<150 {
            let (text, lossy) = Self.dockerConfig(&mutator)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let before = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
            let file = RegistryAuthFile(path: path)
            let update = try file.set([ours: token])

            let after = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
            let auths = try #require(after["auths"] as? [String: Any], "seed \(seed) round \(round)")
            #expect((auths[ours] as? [String: Any])?["auth"] as? String == token.encoded)
            for (key, value) in before where key as? String != "auths" {
                #expect((after[key as! String] as? NSObject)?.isEqual(value) == true, "seed \(seed) round \(round)")
            }
            for (host, entry) in (before["auths"] as? [String: Any]) ?? [:] {
                #expect((auths[host] as? NSObject)?.isEqual(entry) == true, "seed \(seed) round \(round)")
            }

            try file.restore(Array(update.written.values), prior: update.prior, original: update.original)
            let restored = try Data(contentsOf: URL(fileURLWithPath: path))
            let again = try JSONSerialization.jsonObject(with: restored) as? NSDictionary
            #expect(again == before, "seed \(seed) round \(round): \(text.debugDescription)")
            if !lossy {
                #expect(restored == Data(text.utf8), "seed \(seed) round \(round): \(text.debugDescription)")
            }
        }
    }

    // MARK: service answers

    static let jsonAlphabet = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "1e300", "-1", "0", "null", "true", "\"\"", "\\u0000", "AWS:",
        "https://", "1800043200.5", "9.3e18", " ", "é",
    ]

    func ecrAnswer() -> String {
        let token = Data("AWS:pw".utf8).base64EncodedString()
        return #"{"authorizationData":[{"authorizationToken":"\#(token)","expiresAt":\#(now.timeIntervalSince1970 + 43200),"proxyEndpoint":"https://111122223333.dkr.ecr.eu-west-1.amazonaws.com"}]}"#
    }

    @Test(arguments: seeds) func ecrAnswersNeverCrashAndNeverYieldAnImplausibleLogin(seed: UInt64) async throws {
        var mutator = InputMutator(seed: seed)
        let inputs = FuzzCorpus.inputs("ecr") + (0..<600).map { _ in
            mutator.mutate(ecrAnswer(), alphabet: Self.jsonAlphabet)
        }
        let endpoint = URL(string: "https://api.ecr.eu-west-1.amazonaws.com/")!
        var accepted = 0
        for body in inputs {
            let client = ECRClient(
                transport: ScriptedTransport([respond(200, body)]), clock: ManualClock(now), retry: fastRetry)
            guard
                let tokens = try? await client.authorizationTokens(
                    credentials: credentials, region: "eu-west-1", endpoint: endpoint)
            else { continue }
            accepted += 1
            for login in tokens {
                #expect(login.expiresAt > now, "\(body.debugDescription)")
                #expect(login.expiresAt < now.addingTimeInterval(2 * 86_400), "\(body.debugDescription)")
                #expect(login.registryHost.hasSuffix(".amazonaws.com"), "\(body.debugDescription)")
                #expect(!login.registryHost.contains("\u{0}") && !login.registryHost.contains("/"))
                #expect(login.token.credentials?.username == "AWS", "\(body.debugDescription)")
            }
        }
        #expect(accepted > 0)
    }

    static let xmlAlphabet = ["<", ">", "</", "/>", "&amp;", "&#0;", "&#x110000;", "<![CDATA[", "]]>", "\"", " ", "é"]

    @Test(arguments: seeds) func stsAnswersNeverCrash(seed: UInt64) async throws {
        var mutator = InputMutator(seed: seed)
        let expiration = now.addingTimeInterval(3_600).formatted(.iso8601)
        let valid = """
            <AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser><Arn>arn:aws:sts::111122223333:assumed-role/r/me\
            </Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAFUZZ</AccessKeyId><SecretAccessKey>s/k&amp;\
            </SecretAccessKey><SessionToken><![CDATA[tok]]></SessionToken><Expiration>\(expiration)</Expiration>\
            </Credentials></AssumeRoleResult></AssumeRoleResponse>
            """
        let role = AssumeRoleRequest(roleARN: "arn:aws:iam::111122223333:role/r", sessionName: "me")
        let endpoint = URL(string: "https://sts.eu-west-1.amazonaws.com")!
        var accepted = 0
        for body in FuzzCorpus.inputs("sts") + (0..<600).map({ _ in mutator.mutate(valid, alphabet: Self.xmlAlphabet) }) {
            let client = STSClient(
                transport: ScriptedTransport([respond(200, body)]), clock: ManualClock(now), retry: fastRetry)
            if let assumed = try? await client.assumeRole(
                role, credentials: credentials, region: "eu-west-1", endpoint: endpoint)
            {
                accepted += 1
                #expect(!assumed.credentials.accessKeyID.isEmpty, "\(body.debugDescription)")
                #expect(!assumed.credentials.secretAccessKey.isEmpty, "\(body.debugDescription)")
            }
        }
        #expect(accepted > 0)
    }

    @Test(arguments: seeds) func ssoAnswersNeverCrash(seed: UInt64) async throws {
        var mutator = InputMutator(seed: seed)
        let valid = #"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"sso/secret","sessionToken":"s","expiration":1800003600000}}"#
        let token = SSOToken(accessToken: "BEARER", expiresAt: now.addingTimeInterval(3_600))
        let endpoint = URL(string: "https://portal.sso.eu-west-1.amazonaws.com")!
        var accepted = 0
        for body in FuzzCorpus.inputs("sso") + (0..<600).map({ _ in mutator.mutate(valid, alphabet: Self.jsonAlphabet) }) {
            let client = SSOClient(
                transport: ScriptedTransport([respond(200, body)]), clock: ManualClock(now), retry: fastRetry)
            if let credentials = try? await client.roleCredentials(
                accountID: "111122223333", roleName: "Admin", token: token, endpoint: endpoint, profile: "dev")
            {
                accepted += 1
                #expect(!credentials.accessKeyID.isEmpty && !credentials.secretAccessKey.isEmpty)
            }
        }
        #expect(accepted > 0)
    }
}
