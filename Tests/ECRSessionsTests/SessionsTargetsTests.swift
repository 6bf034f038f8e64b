@testable import ECRSessions
import Foundation
import TestSupport
import Testing

/// Target paths, written-entry tracking, logout, user logins and the credential helper's answers from the cache,
/// on real files in a temporary HOME and without network.
@Suite struct SessionsTargetsTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    func sessions(_ home: TemporaryDirectory, _ extra: [String: String] = [:]) -> ActionContext {
        ActionContext(
            environment: Environment(["HOME": home.path].merging(extra) { $1 }), clock: ManualClock(now),
            transport: ScriptedTransport([respond(500, "{}")]))
    }

    func ecrLogin(expiresIn seconds: TimeInterval, profile: String = "dev") -> RegistryLogin {
        RegistryLogin(
            profile: profile, accountID: "111122223333", region: "eu-west-1", registry: host,
            token: AuthorizationToken(encoded: Data("AWS:pw-\(Int(seconds))".utf8).base64EncodedString()),
            expiresAt: now.addingTimeInterval(seconds), fetchedAt: now.addingTimeInterval(-60))
    }

    @Test(
        arguments: [
            (LoginTarget.docker, [:], "/h/.docker/config.json"),
            (.docker, ["DOCKER_CONFIG": "/d"], "/d/config.json"),
            (.finch, [:], finchConfigPath),
            (.containers, [:], "/h/.config/containers/auth.json"),
            (.containers, ["XDG_RUNTIME_DIR": "/run/user/1"], "/run/user/1/containers/auth.json"),
            (.containers, ["XDG_RUNTIME_DIR": "/run/user/1", "REGISTRY_AUTH_FILE": "~/auth.json"], "/h/auth.json"),
            (.helm, [:], "/h/.config/helm/registry/config.json"),
            (.helm, ["HELM_REGISTRY_CONFIG": "/etc/helm.json"], "/etc/helm.json"),
        ] as [(LoginTarget, [String: String], String)])
    func targetPaths(target: LoginTarget, variables: [String: String], path: String) {
        let environment = Environment(["HOME": "/h"].merging(variables) { $1 })
        #expect(TargetCatalog.standard.resolve(target, environment: environment)?.place == path)
    }

    @Test(arguments: [
        ("https://index.docker.io/v1/", "index.docker.io"), ("ghcr.io", "ghcr.io"),
        ("http://localhost:5000/v2/x", "localhost:5000"),
        (" 1.dkr.ecr.eu-west-1.amazonaws.com\n", "1.dkr.ecr.eu-west-1.amazonaws.com"),
    ])
    func hostsNormaliseLikeDocker(serverURL: String, host: String) {
        #expect(RegistryHost.of(serverURL) == host)
    }

    @Test func theCacheRemembersTheFirstPriorStateAndForgetsFilesWithNoEntryLeft() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let cache = try Cache(path: temp.path + "/cache.sqlite3")
        let first = RegistryAuthFile.Update(
            prior: .noAuths, addedHosts: [host], notices: [], original: Data("{}".utf8),
            written: [host: .init(host: host, priorHelper: "desktop")])
        var later = first
        later.prior = .hadAuths
        later.original = Data("{\"auths\": {}}".utf8)
        later.written = [host: .init(host: host, priorAuth: "{}", registeredHelper: true, priorHelper: "pass")]
        let file = RegistryAuthFile(path: "/f")
        try file.remember(first, owners: [host: "dev"], in: cache)
        try file.remember(later, owners: [host: "dev"], in: cache)
        try file.remember(
            .init(prior: .hadAuths, addedHosts: [], notices: [], written: ["docker.io": .init(host: "docker.io")]),
            owners: ["docker.io": nil], in: cache)

        let records = try cache.undoRecords(.owners(["dev"]))
        #expect(records.count == 1)
        let place = try records.first.map { try RegistryAuthFile.PlaceState(decoding: $0.state, file: "/f") }
        #expect(place?.prior == .noAuths && place?.original == "{}")
        // The prior entry stays the first one's; the helper registered later is remembered with what it replaced.
        #expect(records.first?.entries.keys.sorted() == [host] && records.first?.entries[host]?.owner == "dev")
        let entry = try records.first?.entries[host].map {
            try RegistryAuthFile.EntryState(decoding: $0.state, file: "/f").written(host: host)
        }
        #expect(entry == .init(host: host, registeredHelper: true, priorHelper: "pass"))
        #expect(try cache.undoRecords(.everyOwner).flatMap(\.entries.keys) == [host])
        #expect(try cache.undoRecords(.hosts(["docker.io"])).flatMap(\.entries.values).map(\.owner) == [nil])

        try cache.forgetUndo(kind: file.kind, place: "/f", hosts: [host])
        #expect(try cache.undoRecords(.hosts(["docker.io"])).count == 1)
        try cache.forgetUndo(kind: file.kind, place: "/f", hosts: ["docker.io"])
        #expect(try cache.undoRecords(.hosts([host, "docker.io"])).isEmpty)
        #expect(try cache.undoRecord(kind: file.kind, place: "/f") == nil)
    }

    @Test func helperAnswersFreshTokensFromTheCacheAndNothingForUnknownHosts() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let sessions = sessions(temp)
        try sessions.cache().save(ecrLogin(expiresIn: 6 * 3600))

        let answer = try await Actions.CredentialHelper(sessions).get("https://\(host)")
        #expect(answer == HelperCredentials(serverURL: "https://\(host)", username: "AWS", secret: "pw-21600"))
        #expect(try await Actions.CredentialHelper(sessions).get("ghcr.io") == nil)
        #expect(try Actions.CredentialHelper(sessions).list() == [host: "AWS"])
    }

    @Test func helperNeverReturnsAnExpiredToken() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let sessions = sessions(temp, ["AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret"])
        try sessions.cache().save(
            RegistryLogin(
                profile: "dev", accountID: "111122223333", region: "eu-west-1", registry: host,
                token: AuthorizationToken(encoded: Data("AWS:old".utf8).base64EncodedString()),
                expiresAt: now.addingTimeInterval(-1), fetchedAt: now.addingTimeInterval(-3600)))

        // No profile 'dev' in the AWS files and no network: the refresh fails, and the expired token stays unused.
        await #expect(throws: LoginFailure.self) { try await Actions.CredentialHelper(sessions).get(host) }
    }

    @Test func aUserLoginIsWrittenToEveryTargetAndLogoutPutsEachFileBack() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write(".config/ecr-sessions/config", "[settings]\ntargets = docker containers\n")
        let original = "{\"auths\": {\"ghcr.io\": {\"auth\": \"x\"}}}"
        let docker = try temp.write(".docker/config.json", original)
        let containers = temp.path + "/.config/containers/auth.json"
        let sessions = sessions(temp)

        let report = try Actions.UserLogin(sessions).run(registry: "index.docker.io", username: "me", password: "pw")

        #expect(report.serverURL == "https://index.docker.io/v1/" && report.notices.isEmpty)
        #expect(report.targetErrors.isEmpty)
        for path in [docker, containers] {
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("https://index.docker.io/v1/"))
        }
        #expect(try await Actions.CredentialHelper(sessions).get("docker.io")?.secret == "pw")
        #expect(try Actions.CredentialHelper(sessions).list()["https://index.docker.io/v1/"] == "me")

        let logout = try Actions.Logout(sessions).registries(["docker.io"])

        #expect(logout.errors.isEmpty && logout.forgottenLogins == 1)
        #expect(logout.removed.count == 2)
        #expect(try String(contentsOfFile: docker, encoding: .utf8) == original)
        #expect(!FileManager.default.fileExists(atPath: containers))
        #expect(try sessions.cache().userLogins().isEmpty)
    }

    @Test func accountsLogoutTouchesOnlyTheNamedProfiles() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let sessions = sessions(temp)
        let file = RegistryAuthFile.docker(environment: sessions.environment)
        let other = "222233334444.dkr.ecr.eu-west-1.amazonaws.com"
        for (profile, registry) in [("dev", host), ("prod", other)] {
            _ = try file.write(
                [TargetEntry(host: registry, token: AuthorizationToken(encoded: "QVdTOngK"), owner: profile)],
                journal: sessions.cache())
            var login = ecrLogin(expiresIn: 3600, profile: profile)
            login.registry = registry
            try sessions.cache().save(login)
        }

        let report = try Actions.Logout(sessions).accounts(["prod"])

        #expect(report.removed == ["\(file.path): \(other)"] && report.forgottenLogins == 1)
        #expect(try sessions.cache().logins().map(\.profile) == ["dev"])
        let everything = try Actions.Logout(sessions).accounts([])
        #expect(everything.removed == ["\(file.path): \(host) (file removed)"])
        #expect(!FileManager.default.fileExists(atPath: file.path))
    }
}

/// finch on macOS has its own file; on Linux it is nerdctl reading docker's.
#if os(macOS)
    private let finchConfigPath = "/h/.finch/config.json"
#else
    private let finchConfigPath = "/h/.docker/config.json"
#endif
