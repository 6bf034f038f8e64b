import ECRSessions
import Foundation
import TestSupport
import Testing

/// `credsStore`/`credHelpers` registration and the exact undo of `RegistryAuthFile.restore`, on real files.
@Suite struct TargetCredentialHelperTests {
    let token = AuthorizationToken(encoded: "QVdTOnNlY3JldC1wYXNzd29yZA==")  // AWS:secret-password
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    @Test func registersItsHelperWhenACredentialStoreWouldAnswer() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"credsStore": "desktop", "credHelpers": {"gcr.io": "gcloud"}}"#)

        let update = try RegistryAuthFile(path: path).set([host: token], registeringHelper: "ecr-sessions")

        let object = try json(path)
        #expect(object["credsStore"] as? String == "desktop")
        #expect(object["credHelpers"] as? NSDictionary == ["gcr.io": "gcloud", host: "ecr-sessions"])
        #expect(update.notices.map(\.registeredHelper) == ["ecr-sessions"])
        #expect(update.notices.first?.description.contains("set credHelpers['\(host)'] = 'ecr-sessions'") == true)
        #expect(update.written[host] == .init(host: host, registeredHelper: true))

        // Once registered, the next login has nothing to say.
        #expect(try RegistryAuthFile(path: path).set([host: token], registeringHelper: "ecr-sessions").notices == [])
    }

    @Test func replacesAnotherHelperForTheHostAndRemembersIt() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{\"credHelpers\": {\"\(host)\": \"ecr-login\"}}")

        let update = try RegistryAuthFile(path: path).set([host: token], registeringHelper: "ecr-sessions")

        #expect(update.written[host]?.priorHelper == "ecr-login")
        #expect(try json(path)["credHelpers"] as? NSDictionary == [host: "ecr-sessions"])
    }

    @Test func onlyWarnsWithoutAHelper() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let text = #"{"credsStore": "pass"}"#
        let path = try temp.write("config.json", text)

        let update = try RegistryAuthFile(path: path).set([host: token])

        #expect(update.notices == [.init(file: path, host: host, setting: .credsStore, helper: "pass")])
        #expect(try json(path)["credHelpers"] == nil)
    }

    static let befores: [String?] = [
        nil,
        "{\n  \"auths\": {\"ghcr.io\": {\"auth\": \"Z2g6dG9rZW4=\"}},\n  \"experimental\": \"enabled\"\n}\n",
        #"{"credsStore": "desktop", "credHelpers": {"gcr.io": "gcloud"}, "auths": {}}"#,
        #"{"credsStore":"osxkeychain"}"#,
        "",
    ]

    @Test(arguments: befores) func restoreLeavesTheFileAsItWasBeforeTheFirstSet(before: String?) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/.docker/config.json"
        if let before { try temp.write(".docker/config.json", before) }
        let file = RegistryAuthFile(path: path)

        let first = try file.set([host: token], registeringHelper: "ecr-sessions")
        let second = try file.set([host: token, "public.ecr.aws": token], registeringHelper: "ecr-sessions")
        let written = Array(first.written.values) + [second.written["public.ecr.aws"]!]
        try file.restore(written, prior: first.prior, original: first.original)

        if let before {
            #expect(try String(contentsOfFile: path, encoding: .utf8) == before)
        } else {
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    @Test func restorePutsBackAnEntryThatWasThereAndKeepsLaterChanges() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{\"auths\": {\"\(host)\": {\"auth\": \"b2xkOm9sZA==\"}}}")
        let file = RegistryAuthFile(path: path)
        let update = try file.set([host: token])
        // Someone else logs in to another registry meanwhile: that entry stays.
        try file.set(["ghcr.io": AuthorizationToken(encoded: "Z2g6dG9rZW4=")])

        try file.restore(Array(update.written.values), prior: update.prior, original: update.original)

        #expect(
            try json(path) as NSDictionary == [
                "auths": [host: ["auth": "b2xkOm9sZA=="], "ghcr.io": ["auth": "Z2g6dG9rZW4="]]
            ])
    }
}
