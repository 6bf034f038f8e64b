@testable import ECRSessions
import Foundation
import TestSupport
import Testing

/// RegistryAuthFile on real files in a temporary directory.
@Suite struct TargetRegistryAuthFileTests {
    let secret = AuthorizationToken(encoded: "QVdTOnNlY3JldC1wYXNzd29yZA==")  // AWS:secret-password
    let other = AuthorizationToken(encoded: "QVdTOm90aGVyLXBhc3N3b3Jk")  // AWS:other-password
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    @Test func createsAPrivateFileInAPrivateFolder() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = RegistryAuthFile(path: temp.path + "/new/.docker/config.json")

        let update = try file.set([host: secret])

        #expect(update.prior == .noFile && update.addedHosts == [host] && update.notices.isEmpty)
        #expect(update.original == nil && update.written == [host: .init(host: host)])
        #expect(try permissions(temp.path + "/new/.docker/config.json") == 0o600)
        #expect(try permissions(temp.path + "/new/.docker") == 0o700)
        #expect(try permissions(temp.path + "/new") == 0o700)
        #expect(try json(file.path) as NSDictionary == ["auths": [host: ["auth": secret.encoded]]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path + "/new/.docker") == ["config.json"])
    }

    @Test func writesDockerLikeText() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"b": [], "a": {"x/y": "1/2"}, "auths": {}}"#)

        try RegistryAuthFile(path: path).set([host: secret])

        let expected = """
            {
            \t"a": {
            \t\t"x/y": "1/2"
            \t},
            \t"auths": {
            \t\t"\(host)": {
            \t\t\t"auth": "\(secret.encoded)"
            \t\t}
            \t},
            \t"b": []
            }

            """
        #expect(try String(contentsOfFile: path, encoding: .utf8) == expected)
    }

    @Test func keepsEveryOtherKey() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write(
            "config.json",
            """
            {
              "auths": {
                "ghcr.io": {"auth": "Z2g6dG9rZW4="},
                "\(host)": {"auth": "b2xk", "email": "me@example.com", "identitytoken": "keep"}
              },
              "credsStore": "desktop",
              "proxies": {"default": {"httpProxy": "http://proxy:3128", "noProxy": "*.local"}},
              "HttpHeaders": {"User-Agent": "custom/1.0"},
              "experimental": "enabled",
              "unknownFlag": true,
              "count": 3,
              "ratio": 0.5,
              "nothing": null,
              "list": [1, "two", {"three": false}],
              "text": "tab\\tquote\\"slash/é"
            }
            """)

        let update = try RegistryAuthFile(path: path).set([host: secret, "public.ecr.aws": other])

        #expect(update.prior == .hadAuths)
        #expect(update.addedHosts == ["public.ecr.aws"])
        let expected: NSDictionary = [
            "auths": [
                "ghcr.io": ["auth": "Z2g6dG9rZW4="],
                host: ["auth": secret.encoded, "email": "me@example.com", "identitytoken": "keep"],
                "public.ecr.aws": ["auth": other.encoded],
            ],
            "credsStore": "desktop",
            "proxies": ["default": ["httpProxy": "http://proxy:3128", "noProxy": "*.local"]],
            "HttpHeaders": ["User-Agent": "custom/1.0"],
            "experimental": "enabled",
            "unknownFlag": true,
            "count": 3,
            "ratio": 0.5,
            "nothing": NSNull(),
            "list": [1, "two", ["three": false]],
            "text": "tab\tquote\"slash/é",
        ]
        #expect(try json(path) as NSDictionary == expected)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"unknownFlag\": true") && text.contains("\"three\": false"))
        #expect(!text.contains("\\/"))
    }

    @Test(arguments: ["", "  \n\t\n"])
    func emptyFileCountsAsEmptyObject(contents: String) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", contents)

        let update = try RegistryAuthFile(path: path).set([host: secret])

        #expect(update.prior == .noAuths)
        #expect(try json(path) as NSDictionary == ["auths": [host: ["auth": secret.encoded]]])
    }

    @Test(arguments: [
        ("{\"auths\": {\"h\": {\"auth\": \"QVdTOnNlY3JldA==\"}},\n  \"x\": oops}", 2, 8),
        ("{\"auths\": {\"h\": {\"auth\": \"QVdTOnNlY3JldA==\"", 1, 44),
    ])
    func refusesMalformedJSONAndLeavesItUntouched(contents: String, line: Int, column: Int) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", contents)
        let before = try snapshot(path)

        let error = try #require(throws: TargetError.self) { try RegistryAuthFile(path: path).set([host: secret]) }

        #expect(error == .invalidJSON(file: path, line: line, column: column))
        #expect(error.description.contains(path) && error.description.contains("Fix it or move it aside"))
        #expect(!error.description.contains("QVdT") && !error.description.contains(secret.encoded))
        #expect(try snapshot(path) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["config.json"])
        #expect(throws: TargetError.invalidJSON(file: path, line: line, column: column)) {
            try RegistryAuthFile(path: path).restore(["h"].map { .init(host: $0) }, prior: .hadAuths, original: nil)
        }
        #expect(try snapshot(path) == before)
    }

    @Test(arguments: [
        (#"["not", "an", "object"]"#, [String]()),
        (#""a string""#, []),
        (#"{"auths": ["ghcr.io"]}"#, ["auths"]),
        (#"{"auths": "nope"}"#, ["auths"]),
        (
            #"{"auths": {"111122223333.dkr.ecr.eu-west-1.amazonaws.com": "QVdTOnNlY3JldA=="}}"#,
            ["auths", "111122223333.dkr.ecr.eu-west-1.amazonaws.com"]
        ),
    ])
    func refusesNonObjects(contents: String, keyPath: [String]) throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", contents)
        let before = try snapshot(path)

        let error = try #require(throws: TargetError.self) { try RegistryAuthFile(path: path).set([host: secret]) }

        #expect(error == .notAnObject(file: path, keyPath: keyPath))
        #expect(error.description.contains(path) && !error.description.contains("QVdT"))
        #expect(try snapshot(path) == before)
    }

    @Test func followsAndKeepsASymbolicLink() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let real = try temp.write("dotfiles/docker/config.json", #"{"credsStore": "pass"}"#)
        try FileManager.default.createDirectory(atPath: temp.path + "/home/.docker", withIntermediateDirectories: true)
        let link = temp.path + "/home/.docker/config.json"
        try FileManager.default.createSymbolicLink(
            atPath: link, withDestinationPath: "../../dotfiles/docker/config.json")

        let update = try RegistryAuthFile(path: link).set([host: secret])

        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "../../dotfiles/docker/config.json")
        #expect(try json(real) as NSDictionary == ["credsStore": "pass", "auths": [host: ["auth": secret.encoded]]])
        #expect(update.notices == [.init(file: link, host: host, setting: .credsStore, helper: "pass")])
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path + "/dotfiles/docker") == ["config.json"])
    }

    @Test func keepsTheModeOfAnExistingFile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{}")
        chmod(path, 0o644)

        try RegistryAuthFile(path: path).set([host: secret])

        #expect(try permissions(path) == 0o644)
    }

    @Test func setWithTheSameTokenWritesNothing() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{\"auths\": {\"\(host)\": {\"auth\": \"\(secret.encoded)\"}}}")
        let before = try snapshot(path)

        let update = try RegistryAuthFile(path: path).set([host: secret])

        #expect(update.prior == .hadAuths && update.addedHosts.isEmpty && update.notices.isEmpty)
        #expect(try snapshot(path) == before)
    }

    @Test func removeRemovesOnlyTheNamedHosts() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write(
            "config.json", #"{"auths": {"a": {"auth": "YQ=="}, "b": {"auth": "Yg=="}, "c": {"auth": "Yw=="}}, "k": 1}"#)

        let removal = try RegistryAuthFile(path: path).restore(["a", "c", "absent"].map { .init(host: $0) }, prior: .hadAuths, original: nil)

        #expect(removal == .init(removedHosts: ["a", "c"], removedAuths: false, removedFile: false))
        #expect(try json(path) as NSDictionary == ["auths": ["b": ["auth": "Yg=="]], "k": 1])
    }

    @Test func removeWithNothingToRemoveWritesNothing() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"auths": {"b": {"auth": "Yg=="}}}"#)
        let before = try snapshot(path)

        #expect(try RegistryAuthFile(path: path).restore(["a"].map { .init(host: $0) }, prior: .noFile, original: nil) == .init())
        #expect(try snapshot(path) == before)
        #expect(try RegistryAuthFile(path: temp.path + "/missing/config.json").restore(["a"].map { .init(host: $0) }, prior: .hadAuths, original: nil) == .init())
        #expect(!FileManager.default.fileExists(atPath: temp.path + "/missing"))
    }

    @Test func logoutRestoresAMissingFile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = RegistryAuthFile(path: temp.path + "/config.json")

        let prior = try file.set([host: secret, "public.ecr.aws": other]).prior
        try file.set([host: other])  // a later refresh
        let removal = try file.restore([host, "public.ecr.aws"].map { .init(host: $0) }, prior: prior, original: nil)

        #expect(removal == .init(removedHosts: [host, "public.ecr.aws"], removedAuths: true, removedFile: true))
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == [])
    }

    @Test func logoutRestoresAFileWithoutAuths() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"credsStore": "desktop"}"#)
        let file = RegistryAuthFile(path: path)

        let prior = try file.set([host: secret]).prior
        let removal = try file.restore([host].map { .init(host: $0) }, prior: prior, original: nil)

        #expect(prior == .noAuths)
        #expect(removal == .init(removedHosts: [host], removedAuths: true, removedFile: false))
        #expect(try json(path) as NSDictionary == ["credsStore": "desktop"])
    }

    @Test func logoutKeepsAnAuthsMapThatWasThere() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", #"{"auths": {}}"#)
        let file = RegistryAuthFile(path: path)

        let prior = try file.set([host: secret]).prior
        try file.restore([host].map { .init(host: $0) }, prior: prior, original: nil)

        #expect(prior == .hadAuths)
        #expect(try json(path) as NSDictionary == ["auths": [:]])
    }

    @Test func logoutKeepsKeysDockerAddedMeanwhile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = RegistryAuthFile(path: temp.path + "/config.json")
        let prior = try file.set([host: secret]).prior
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        try temp.write("config.json", "{\"currentContext\": \"remote\"," + text.dropFirst())

        let removal = try file.restore([host].map { .init(host: $0) }, prior: prior, original: nil)

        #expect(removal == .init(removedHosts: [host], removedAuths: true, removedFile: false))
        #expect(try json(file.path) as NSDictionary == ["currentContext": "remote"])
    }

    @Test func reportsCredentialHelpers() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write(
            "config.json",
            """
            {"credsStore": "desktop", "credHelpers": {"\(host)": "ecr-login", "public.ecr.aws": ""}}
            """)
        let file = RegistryAuthFile(path: path)

        let notices = try credentialStoreNotices(path, for: [host, "public.ecr.aws"])

        #expect(
            notices == [
                .init(file: path, host: host, setting: .credHelpers, helper: "ecr-login"),
                .init(file: path, host: "public.ecr.aws", setting: .credsStore, helper: "desktop"),
            ])
        #expect(notices[1].description.contains("credsStore 'desktop'"))
        #expect(try file.set([host: secret]).notices == [notices[0]])
        #expect(try credentialStoreNotices(temp.path + "/none.json", for: [host]) == [])
    }

    @Test func dockerPathFollowsDockerConfig() {
        #expect(
            RegistryAuthFile.docker(environment: Environment(["HOME": "/home/u"])).path == "/home/u/.docker/config.json"
        )
        #expect(
            RegistryAuthFile.docker(environment: Environment(["HOME": "/home/u", "DOCKER_CONFIG": "/etc/d"])).path
                == "/etc/d/config.json")
        #expect(
            RegistryAuthFile.docker(environment: Environment(["HOME": "/home/u", "DOCKER_CONFIG": ""])).path
                == "/home/u/.docker/config.json")
    }

    @Test func errorsNeverShowTokens() throws {
        let errors: [TargetError] = [
            .invalidJSON(file: "/f", line: 1, column: 2), .invalidJSON(file: "/f", line: nil, column: nil),
            .notAnObject(file: "/f", keyPath: []), .notAnObject(file: "/f", keyPath: ["auths", host]),
            .lockTimedOut(file: "/f", lockFile: "/f.lock", seconds: 30),
            .fileSystem(file: "/f", action: "x", code: EACCES),
        ]
        for error in errors {
            #expect(error.description.contains("/f"))
            #expect(!error.description.contains(secret.encoded))
        }
        #expect("\(secret)" == "<redacted token>")
    }
    /// What the file at `path` says about credential helpers for `hosts`; no file means none.
    func credentialStoreNotices(_ path: String, for hosts: [String]) throws -> [CredentialStoreNotice] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let object = try JSONValue.parse(data).objectValue ?? [:]
        return CredentialStoreNotice.notices(in: object, for: hosts, file: path)
    }
}

// MARK: - Helpers

func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
}

func json(_ path: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
}

/// Bytes, inode and modification time: equal snapshots mean the file was not rewritten.
func snapshot(_ path: String) throws -> [String] {
    var status = stat()
    guard stat(path, &status) == 0 else { throw CocoaError(.fileReadNoSuchFile) }
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return [data.base64EncodedString(), "\(status.st_ino)", "\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"]

}
