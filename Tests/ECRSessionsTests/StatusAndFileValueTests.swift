import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct StatusEntryTests {
    let token = AuthorizationToken(encoded: Data("AWS:the-password".utf8).base64EncodedString())

    @Test func joinsLoginsWithTheLatestAttemptAndRendersJSONWithoutSecrets() throws {
        let fetched = Date(timeIntervalSince1970: 1_800_000_000)
        let login = RegistryLogin(
            profile: "dev", accountID: "111122223333", region: "eu-west-1",
            registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com", token: token,
            expiresAt: fetched.addingTimeInterval(43200), fetchedAt: fetched)
        let attempts = [
            LoginAttempt(profile: "dev", region: "eu-west-1", startedAt: fetched, finishedAt: fetched, error: nil),
            LoginAttempt(
                profile: "broken", region: "us-east-1", startedAt: fetched, finishedAt: fetched,
                error: "access denied \"quoted\""),
        ]
        let entries = StatusEntry.entries(logins: [login], latestAttempts: attempts)
        #expect(entries.map(\.profile) == ["broken", "dev"])

        let json = StatusReport(snapshot: StatusSnapshot(logins: [login], latestAttempts: attempts), now: fetched).json
        #expect(!json.contains("the-password") && !json.contains(token.encoded))
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let parsed = try #require(object?["registries"] as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["registry"] is NSNull)
        #expect(parsed[0]["last_error"] as? String == "access denied \"quoted\"")
        #expect(parsed[1]["expires_at"] as? String == "2027-01-15T20:00:00Z")
        #expect(parsed[1]["account"] as? String == "111122223333")
        #expect(StatusReport(snapshot: StatusSnapshot(), now: fetched).json.contains("\"registries\": []"))
    }
}

@Suite struct FileBackedValueTests {
    @Test func readsAgainOnlyWhenAFileChanges() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("config", "one")
        let value = FileBackedValue<String>()
        var reads = 0
        func read() throws -> String {
            try value.value(paths: [path, directory.path + "/missing"]) {
                reads += 1
                return try String(contentsOfFile: path, encoding: .utf8)
            }
        }
        #expect(try read() == "one")
        #expect(try read() == "one")
        #expect(reads == 1)
        try directory.write("config", "two!")
        #expect(try read() == "two!")
        #expect(reads == 2)
        try directory.write("missing", "now here")
        _ = try read()
        #expect(reads == 3)
    }
}

@Suite struct RedactionTests {
    @Test func dumpingAValueThatHoldsASecretNeverShowsIt() {
        let credentials = AWSCredentials(
            accessKeyID: "AKIAREDACTION0000001", secretAccessKey: "super-secret-key", sessionToken: "session-token-x")
        let token = AuthorizationToken(encoded: Data("AWS:registry-password".utf8).base64EncodedString())
        let login = RegistryLogin(
            profile: "p", accountID: "111122223333", region: "eu-west-1", registry: "r", token: token,
            expiresAt: Date(), fetchedAt: Date())
        let user = UserLogin(
            host: "docker.io", serverURL: "https://index.docker.io/v1/", username: "me", secret: "hub-secret",
            savedAt: Date())
        var text = ""
        dump(credentials, to: &text)
        dump(login, to: &text)
        dump(user, to: &text)
        text += String(reflecting: credentials) + String(reflecting: login) + "\(login)"
        for secret in ["super-secret-key", "session-token-x", token.encoded, "registry-password", "hub-secret"] {
            #expect(!text.contains(secret), "\(secret) leaked")
        }
        #expect(text.contains("AKIAREDACTION0000001"))
    }
}
