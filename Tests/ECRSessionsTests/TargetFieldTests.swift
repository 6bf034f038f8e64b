import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

/// Target files as they are found in the field: tokens no undo record knows of, auth files in the runtime directory,
/// credHelpers in auth.json, finch per platform.
@Suite struct TargetFieldTests {
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A token shaped like ECR's: base64 of `AWS:` and a base64 JSON password with an `expiration`.
    func ecrToken(expiresAt: Date) -> AuthorizationToken {
        let password = Data(
            #"{"payload":"x","version":"2","expiration":\#(Int(expiresAt.timeIntervalSince1970))}"#.utf8
        )
        .base64EncodedString()
        return AuthorizationToken(encoded: Data("AWS:\(password)".utf8).base64EncodedString())
    }

    @Test func recognisesExpiredECRTokensForECRHostsOnly() {
        let expired = ecrToken(expiresAt: now.addingTimeInterval(-60)).encoded
        let valid = ecrToken(expiresAt: now.addingTimeInterval(60)).encoded
        #expect(ExpiredECRToken.matches(auth: expired, host: host, now: now))
        #expect(ExpiredECRToken.matches(auth: expired, host: "https://" + host, now: now))
        #expect(ExpiredECRToken.matches(auth: expired, host: "public.ecr.aws", now: now))
        #expect(ExpiredECRToken.matches(auth: expired, host: "111122223333.dkr-ecr-fips.us-east-1.on.aws", now: now))
        #expect(!ExpiredECRToken.matches(auth: valid, host: host, now: now))
        #expect(!ExpiredECRToken.matches(auth: expired, host: "ghcr.io", now: now))
        #expect(!ExpiredECRToken.matches(auth: "Z2g6dG9rZW4=", host: host, now: now))  // gh:token
        #expect(!ExpiredECRToken.matches(auth: "not base64", host: host, now: now))
    }

    /// The cache was lost (0 bytes, deleted): the file holds our own, now expired, token and no undo record knows it.
    /// The next login must not take it for the user's entry, so logout removes the host instead of putting it back.
    @Test func anExpiredECRTokenIsNeverKeptAsTheEarlierEntry() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let stale = ecrToken(expiresAt: now.addingTimeInterval(-3600))
        let path = try temp.write(
            "config.json",
            #"{"auths": {"\#(host)": {"auth": "\#(stale.encoded)"}, "ghcr.io": {"auth": "Z2g6dG9rZW4="}}}"#)
        let file = RegistryAuthFile(path: path)

        let update = try file.set([host: ecrToken(expiresAt: now.addingTimeInterval(43_200))], now: now)

        #expect(update.written[host]?.priorAuth == nil)
        try file.restore(Array(update.written.values), prior: update.prior, original: update.original, now: now)
        #expect(try json(path) as NSDictionary == ["auths": ["ghcr.io": ["auth": "Z2g6dG9rZW4="]]])
    }

    /// An older undo record (written before this rule) that holds an ECR token as the earlier entry: logout once it
    /// has expired removes the host rather than put back a token no registry accepts; other keys of the entry stay.
    @Test func logoutNeverPutsBackAnExpiredECRToken() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"auths": {"\#(host)": {"auth": "b3Vycw=="}}}"#)
        let file = RegistryAuthFile(path: path)
        let earlier = ecrToken(expiresAt: now.addingTimeInterval(-1))
        let written = RegistryAuthFile.WrittenEntry(
            host: host, priorAuth: #"{"auth": "\#(earlier.encoded)", "email": "me@example.com"}"#)

        let removal = try file.restore([written], prior: .hadAuths, original: nil, now: now)

        #expect(removal.removedHosts == [host])
        #expect(try json(path) as NSDictionary == ["auths": [host: ["email": "me@example.com"]]])
        let valid = ecrToken(expiresAt: now.addingTimeInterval(600))
        try temp.write("config.json", #"{"auths": {"\#(host)": {"auth": "b3Vycw=="}}}"#)
        try file.restore(
            [.init(host: host, priorAuth: #"{"auth": "\#(valid.encoded)"}"#)], prior: .hadAuths, original: nil, now: now
        )
        #expect(try json(path) as NSDictionary == ["auths": [host: ["auth": valid.encoded]]])
    }

    // MARK: - Where the containers auth file is

    @Test(
        arguments: [
            ([:], nil, "/h/.config/containers/auth.json"),
            ([:], "/run/user/1000", "/run/user/1000/containers/auth.json"),
            (["XDG_RUNTIME_DIR": "/run/user/7"], "/run/user/1000", "/run/user/7/containers/auth.json"),
            (["XDG_RUNTIME_DIR": ""], "/run/user/1000", "/run/user/1000/containers/auth.json"),
            (["REGISTRY_AUTH_FILE": "~/a.json", "XDG_RUNTIME_DIR": "/r"], "/run/user/1000", "/h/a.json"),
            (["XDG_CONFIG_HOME": "/xdg"], nil, "/xdg/containers/auth.json"),
        ] as [([String: String], String?, String)])
    func containersAuthFileAsContainersImageFindsIt(variables: [String: String], runtime: String?, path: String) {
        let environment = Environment(["HOME": "/h"].merging(variables) { $1 })
        let file = RegistryAuthFile.containers(environment: environment, userRuntimeDirectory: runtime)
        #if os(macOS)
            if variables["REGISTRY_AUTH_FILE"] == nil {
                #expect(file.path.hasSuffix("/containers/auth.json") && !file.path.hasPrefix("/run"))
                return
            }
        #endif
        #expect(file.path == path)
        #expect(file.honoursCredHelpers && !file.honoursCredsStore)
    }

    @Test func finchWritesTheFileFinchReadsOnThisPlatform() {
        let environment = Environment(["HOME": "/h", "DOCKER_CONFIG": "/d"])
        let finch = TargetCatalog.standard.resolve(.finch, environment: environment)?.place
        #if os(macOS)
            #expect(finch == "/h/.finch/config.json")
        #else
            #expect(finch == "/d/config.json")
        #endif
    }

    // MARK: - credHelpers in auth.json

    /// skopeo and podman run `credHelpers[host]` from auth.json (not `credsStore`): a foreign helper there hides our
    /// entry, so ecr-sessions registers its own for the host; a credsStore in auth.json changes nothing.
    @Test func authJSONCredHelpersAreHandledLikeDockers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write(
            "auth.json", #"{"credsStore": "pass", "credHelpers": {"\#(host)": "ecr-login", "gcr.io": "gcloud"}}"#)
        let environment = Environment(["HOME": temp.path, "REGISTRY_AUTH_FILE": path])
        let target = try #require(TargetCatalog.standard.resolve(.containers, environment: environment))
        let journal = MemoryJournal()
        let token = ecrToken(expiresAt: Date().addingTimeInterval(3600))

        let outcome = try target.write(
            [
                TargetEntry(host: host, token: token, owner: "dev"),
                .init(host: "public.ecr.aws", token: token, owner: "dev"),
            ],
            journal: journal)

        #expect(outcome.registeredCredentialHelper)
        #expect(outcome.warnings.count == 1 && outcome.warnings[0].contains("credHelpers['\(host)'] = 'ecr-login'"))
        let object = try json(path)
        #expect(object["credHelpers"] as? NSDictionary == [host: "ecr-sessions", "gcr.io": "gcloud"])
        #expect(object["credsStore"] as? String == "pass")

        let record = try #require(try journal.undoRecord(kind: target.kind, place: target.place))
        _ = try target.undo(hosts: [host, "public.ecr.aws"], record: record)
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(#""\#(host)": "ecr-login""#))
    }

    // MARK: - Writers that take no lock, and runs that were killed

    /// A docker-style writer (temp file and rename, no lock) replaces the file after our read: our rename must not
    /// drop what it wrote. `beforeChange` runs between the read and the rename, so it stands in for that writer.
    @Test func aFileReplacedAfterTheReadIsReadAgainAndNothingIsLost() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"auths": {}}"#)
        var foreignWrites = 0
        let token = ecrToken(expiresAt: Date().addingTimeInterval(3600))

        try RegistryAuthFile(path: path).set([host: token]) { _ in
            guard foreignWrites == 0 else { return }
            foreignWrites += 1
            let foreign = temp.path + "/config.json.foreign"
            try? Data(#"{"auths": {"ghcr.io": {"auth": "Z2g6dG9rZW4="}}, "foreign": "kept"}"#.utf8)
                .write(to: URL(fileURLWithPath: foreign))
            rename(foreign, path)
        }

        let object = try json(path)
        #expect(object["foreign"] as? String == "kept")
        #expect((object["auths"] as? [String: Any])?.keys.sorted() == [host, "ghcr.io"])
    }

    /// A run killed between creating its temporary file and renaming it leaves a file holding tokens: the next write
    /// of that file removes ours once they are a minute old, and nothing else.
    @Test func theNextWriteRemovesTemporaryFilesOfKilledRuns() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{}")
        let abandoned = [".config.json.0badcafe", ".config.json.1a2b3c"]
        let kept = [".config.json.notours", ".config.json.0123456789", ".other.json.0badcafe", "config.json.0badcafe"]
        for name in abandoned + kept {
            try temp.write(name, "secret")
            var times = [timespec(tv_sec: 1_000_000, tv_nsec: 0), timespec(tv_sec: 1_000_000, tv_nsec: 0)]
            utimensat(AT_FDCWD, temp.path + "/" + name, &times, 0)
        }
        try temp.write(".config.json.12345678", "a write in progress")

        try RegistryAuthFile(path: path).set([host: ecrToken(expiresAt: Date().addingTimeInterval(3600))])

        let names = Set(try FileManager.default.contentsOfDirectory(atPath: temp.path))
        #expect(names == Set(kept + ["config.json", ".config.json.12345678"]))
    }
}

/// Undo records in memory, for targets tested without SQLite.
final class MemoryJournal: UndoJournal {
    private let records = Mutex<[String: UndoRecord]>([:])

    func undoRecord(kind: String, place: String) throws(CacheError) -> UndoRecord? {
        records.withLock { $0[kind + "\u{0}" + place] }
    }

    func saveUndoRecord(_ record: UndoRecord) throws(CacheError) {
        records.withLock { $0[record.kind + "\u{0}" + record.place] = record }
    }
}
