import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Refresh's repair answers "is this target up to date?" without reading it while the target's version and the
/// tokens are those of a check that found it so: these tests change one or the other and expect a real read, so that
/// the remembered answer can never hide a lost login.
@Suite struct RepairCheckTests {
    /// A folder target whose version the test sets, counting the checks that read it.
    struct ProbedTarget: Target {
        final class Probe: Sendable {
            let state = Mutex<(version: String?, checks: Int)>((nil, 0))
            var version: String? {
                get { state.withLock { $0.version } }
                set { state.withLock { $0.version = newValue } }
            }
            var checks: Int { state.withLock { $0.checks } }
        }

        static let kindName = "test-probed"
        let folder: FolderTarget
        let probe: Probe
        var kind: String { Self.kindName }
        var place: String { folder.place }
        var contentsVersion: String? { probe.version }

        func write(_ entries: [TargetEntry], journal: any UndoJournal) throws(TargetError) -> TargetWriteOutcome {
            try folder.write(entries, journal: journal)
        }

        func hostsOutOfDate(_ tokens: [String: AuthorizationToken]) throws(TargetError) -> Set<String> {
            probe.state.withLock { $0.checks += 1 }
            return try folder.hostsOutOfDate(tokens)
        }

        func undo(hosts: Set<String>, record: UndoRecord) throws(TargetError) -> TargetUndoOutcome {
            try folder.undo(hosts: hosts, record: record)
        }
    }

    /// A world whose only target is a probed folder.
    private func probedWorld(accounts: Int = 2) throws -> (world: SchedulerWorld, probe: ProbedTarget.Probe) {
        let probe = ProbedTarget.Probe()
        let kind = TargetKind(name: "probed") { environment, _ in
            ProbedTarget(folder: FolderTarget(folder: environment.homeDirectory + "/registry-tokens"), probe: probe)
        }
        let catalog = TargetCatalog.standard.adding(kind, kindName: ProbedTarget.kindName) {
            ProbedTarget(folder: FolderTarget(folder: $0), probe: probe)
        }
        let world = try SchedulerWorld(accountCount: accounts, config: "[settings]\ntargets = probed\n", targets: catalog)
        return (world, probe)
    }

    /// A probed world logged in, whose target then got version "v1" and one check under it.
    private func rememberedWorld() async throws -> (world: SchedulerWorld, probe: ProbedTarget.Probe) {
        let (world, probe) = try probedWorld()
        _ = try await Actions.Refresh(world.context).run()
        probe.version = "v1"
        _ = try await Actions.Refresh(world.context).run()
        return (world, probe)
    }

    @Test func anUnchangedVersionWithTheSameTokensIsNotReadAgain() async throws {
        let (world, probe) = try probedWorld()
        defer { world.remove() }
        #expect(try await Actions.Refresh(world.context).run().login?.succeeded == true)
        probe.version = "v1"
        let checks = probe.checks
        #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty)
        #expect(probe.checks == checks + 1, "the first check under a version reads the place")
        for _ in 0..<2 { #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty) }
        #expect(probe.checks == checks + 1, "the same version and tokens: answered from the cache")
    }

    @Test func aNewVersionIsReadAndWhatItLostIsWrittenBack() async throws {
        let (world, probe) = try await rememberedWorld()
        defer { world.remove() }
        let host = ECREndpoint.registryHost(account: world.accounts[1].account, region: world.accounts[1].region)
        try FileManager.default.removeItem(atPath: world.home.path + "/registry-tokens/" + host)
        probe.version = "v2"
        let checks = probe.checks
        #expect(try await Actions.Refresh(world.context).run().repaired == [host])
        #expect(probe.checks == checks + 1)
        // A check that found something out of date is not remembered: the next one reads again, then finds it right.
        #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty)
        #expect(probe.checks == checks + 2)
        #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty)
        #expect(probe.checks == checks + 2)
    }

    @Test func newTokensUnderTheSameVersionAreChecked() async throws {
        let (world, probe) = try await rememberedWorld()
        defer { world.remove() }
        let checks = probe.checks
        // Forced logins bring new tokens; the version stays (a target that cannot tell it was written).
        world.clock.advance(by: 60)
        let forced = try await Actions.Refresh(world.context).run(force: true)
        #expect(forced.login?.succeeded == true)
        #expect(probe.checks == checks + 1, "the tokens changed: the place is read")
    }

    @Test func aTargetWithoutAVersionIsReadEveryTime() async throws {
        let (world, probe) = try probedWorld()
        defer { world.remove() }
        _ = try await Actions.Refresh(world.context).run()
        let checks = probe.checks
        for _ in 0..<3 { _ = try await Actions.Refresh(world.context).run() }
        #expect(probe.checks == checks + 3)
    }

    @Test func theRememberedCheckDependsOnEveryHostAndToken() {
        let tokens = ["a.example": AuthorizationToken(encoded: "YTpi"), "b.example": AuthorizationToken(encoded: "Yzpk")]
        let check = TargetCheck(kind: "k", place: "/p", version: "v", tokens: tokens)
        #expect(check.inputs == TargetCheck(kind: "k", place: "/p", version: "v", tokens: tokens).inputs)
        var other = tokens
        other["b.example"] = AuthorizationToken(encoded: "Yzpl")
        #expect(check.inputs != TargetCheck(kind: "k", place: "/p", version: "v", tokens: other).inputs)
        other = tokens
        other["c.example"] = AuthorizationToken(encoded: "YTpi")
        #expect(check.inputs != TargetCheck(kind: "k", place: "/p", version: "v", tokens: other).inputs)
        #expect(check.inputs != TargetCheck(kind: "k", place: "/p", version: "w", tokens: tokens).inputs)
        #expect(check.kind != TargetCheck(kind: "k", place: "/q", version: "v", tokens: tokens).kind)
    }

    // MARK: - docker's config.json

    /// The exact modification and access times of `path`.
    private func times(_ path: String) -> [timespec] {
        var status = stat()
        _ = stat(path, &status)
        #if canImport(Darwin)
            return [status.st_atimespec, status.st_mtimespec]
        #else
            return [status.st_atim, status.st_mtim]
        #endif
    }

    /// Rewrites `path` in place (same inode) with `text` and puts its times back exactly: only the status change time
    /// tells.
    private func rewriteInPlace(_ path: String, _ text: String) throws {
        let saved = times(path)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        #expect(utimensat(AT_FDCWD, path, saved, 0) == 0)
    }

    @Test func aFileVersionIsGivenOnlyOnceSettledAndChangesWithAnyRewrite() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/config.json"
        #expect(FileStamp.settledVersion(path: path, now: Date(timeIntervalSinceNow: 10)) == nil, "no file")
        _ = try temp.write("config.json", #"{"auths":{"a":{"auth":"YTpi"}}}"#)
        #expect(FileStamp.settledVersion(path: path) == nil, "just written: not settled")
        let later = Date(timeIntervalSinceNow: 10)
        let first = try #require(FileStamp.settledVersion(path: path, now: later))
        #expect(FileStamp.settledVersion(path: path, now: later) == first)
        // Past one tick of the kernel's coarse clock, which dates both times.
        Thread.sleep(forTimeInterval: 0.05)
        try rewriteInPlace(path, #"{"auths":{"a":{"auth":"YTpj"}}}"#)
        let inPlace = try #require(FileStamp.settledVersion(path: path, now: Date(timeIntervalSinceNow: 10)))
        #expect(inPlace != first, "same inode, size and modification time: the status change time differs")
        Thread.sleep(forTimeInterval: 0.05)
        let saved = times(path)
        try AtomicFile.replace(path, with: Data(#"{"auths":{"a":{"auth":"YTpk"}}}"#.utf8), mode: 0o600)
        #expect(utimensat(AT_FDCWD, path, saved, 0) == 0)
        #expect(FileStamp.settledVersion(path: path, now: Date(timeIntervalSinceNow: 10)) != inPlace, "replaced")
    }

    @Test func aDockerConfigRewrittenInPlaceWithTheSameSizeIsStillRepaired() async throws {
        let world = try SchedulerWorld(accountCount: 2)
        defer { world.remove() }
        #expect(try await Actions.Refresh(world.context).run().login?.succeeded == true)
        let path = world.home.path + "/.docker/config.json"
        // Once the file is settled, a check that finds it right is remembered.
        try await Task.sleep(for: .milliseconds(Int(FileStampSettle.seconds * 1000) + 100))
        #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty)
        let docker = RegistryAuthFile.docker(environment: world.context.environment)
        let version = try #require(docker.contentsVersion)
        let logins = try world.context.cache().logins()
        let check = TargetCheck(
            kind: docker.kind, place: docker.place, version: version,
            tokens: Dictionary(logins.map { ($0.registry, $0.token) }) { $1 })
        #expect(try world.context.cache().derivedValue(kind: check.kind, inputs: check.inputs) == TargetCheck.upToDate)

        // Another tool changes one token to another of the same length, in place, and dates the file back.
        let login = logins[0]
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let encoded = login.token.encoded
        let altered = String(encoded.dropLast()) + (encoded.hasSuffix("A") ? "B" : "A")
        #expect(text.contains(encoded))
        try rewriteInPlace(path, text.replacingOccurrences(of: encoded, with: altered))
        #expect(try String(contentsOfFile: path, encoding: .utf8).utf8.count == text.utf8.count)
        // Settled again, so the version is given: it must differ from the remembered one.
        try await Task.sleep(for: .milliseconds(Int(FileStampSettle.seconds * 1000) + 100))
        #expect(try await Actions.Refresh(world.context).run().repaired == [login.registry])
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains(encoded))
    }

    @Test func aMalformedConfigIsReportedOnEveryRunEvenAfterARememberedCheck() async throws {
        let world = try SchedulerWorld(accountCount: 1)
        defer { world.remove() }
        _ = try await Actions.Refresh(world.context).run()
        let path = world.home.path + "/.docker/config.json"
        try await Task.sleep(for: .milliseconds(Int(FileStampSettle.seconds * 1000) + 100))
        #expect(try await Actions.Refresh(world.context).run().targetErrors.isEmpty)
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        for _ in 0..<2 {
            let report = try await Actions.Refresh(world.context).run()
            #expect(report.targetErrors.count == 1)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json", "left as it was")
    }

    @Test func undoPlacesNameTheRecordsWithAProfilesEntry() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let cache = try Cache(path: temp.path + "/cache.sqlite3")
        try cache.saveUndoRecord(
            UndoRecord(kind: "k", place: "/b", state: "{}", entries: ["h": .init(owner: "p", state: "{}")]))
        try cache.saveUndoRecord(
            UndoRecord(kind: "k", place: "/a", state: "{}", entries: ["h": .init(owner: "q", state: "{}")]))
        try cache.saveUndoRecord(
            UndoRecord(kind: "k", place: "/user", state: "{}", entries: ["h": .init(owner: nil, state: "{}")]))
        #expect(try cache.undoPlaces() == [UndoPlace(kind: "k", place: "/a"), UndoPlace(kind: "k", place: "/b")])
        #expect(try cache.undoPlaces() == cache.undoRecords(.everyOwner).map { UndoPlace(kind: $0.kind, place: $0.place) })
    }
}

/// How long the tests wait for a file to settle: `FileStamp.settledVersion`'s default.
private enum FileStampSettle {
    static let seconds: TimeInterval = 2
}

/// The target check's fingerprint is FNV-1a, 64 bits: its published test vectors, and that every part counts.
@Suite struct FingerprintTests {
    func fnv(_ text: String) -> String {
        var fingerprint = Fingerprint()
        fingerprint.add(text)
        return fingerprint.hex
    }

    @Test func theReferenceVectors() {
        #expect(fnv("") == "cbf29ce484222325")
        #expect(fnv("a") == "af63dc4c8601ec8c")
        #expect(fnv("foobar") == "85944171f73967e8")
    }

    @Test func aChangedTokenHostOrVersionIsAnotherCheck() {
        let token = AuthorizationToken(encoded: "QVdTOnNlY3JldA==")
        let other = AuthorizationToken(encoded: "QVdTOnNlY3JldB==")
        func check(version: String = "1", _ tokens: [String: AuthorizationToken]) -> TargetCheck {
            TargetCheck(kind: "docker", place: "/c.json", version: version, tokens: tokens)
        }
        let base = check(["a.example": token])
        #expect(base.inputs == check(["a.example": token]).inputs)
        for changed in [
            check(version: "2", ["a.example": token]), check(["a.example": other]), check(["b.example": token]),
            check(["a.example": token, "b.example": token]),
        ] {
            #expect(changed.inputs != base.inputs)
        }
        #expect(!base.inputs.contains(token.encoded))
    }
}
