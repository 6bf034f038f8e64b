import ECRSessions
import Foundation
import TestSupport
import Testing

/// A target that exists only here: a folder with one file per registry holding its `auth` value. It shows that a new
/// kind of target is one type plus its registration, going through login, refresh's repair and logout like the
/// docker-style files.
struct FolderTarget: Target {
    static let kindName = "test-folder"
    static let kind = TargetKind(name: "folder") { environment, _ in
        FolderTarget(folder: environment.homeDirectory + "/registry-tokens")
    }

    let folder: String
    var kind: String { Self.kindName }
    var place: String { folder }

    private func path(_ host: String) -> String { folder + "/" + host }

    private func contents(_ host: String) -> String? {
        FileManager.default.contents(atPath: path(host)).map { String(decoding: $0, as: UTF8.self) }
    }

    func write(_ entries: [TargetEntry], journal: any UndoJournal) throws(TargetError) -> TargetWriteOutcome {
        do {
            var record =
                try journal.undoRecord(kind: kind, place: place)
                ?? UndoRecord(
                    kind: kind, place: place, state: FileManager.default.fileExists(atPath: folder) ? "kept" : "made")
            for entry in entries where record.entries[entry.host] == nil {
                // The file's earlier contents, or "-" when there was none.
                record.entries[entry.host] = .init(owner: entry.owner, state: contents(entry.host) ?? "-")
            }
            try journal.saveUndoRecord(record)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for entry in entries {
                try Data(entry.token.encoded.utf8).write(to: URL(fileURLWithPath: path(entry.host)))
            }
        } catch {
            throw .fileSystem(file: folder, action: "write \(error)", code: EIO)
        }
        return TargetWriteOutcome()
    }

    func hostsOutOfDate(_ tokens: [String: AuthorizationToken]) throws(TargetError) -> Set<String> {
        Set(tokens.filter { contents($0.key) != $0.value.encoded }.keys)
    }

    func undo(hosts: Set<String>, record: UndoRecord) throws(TargetError) -> TargetUndoOutcome {
        var outcome = TargetUndoOutcome()
        for host in hosts {
            guard let prior = record.entries[host]?.state else { continue }
            if prior == "-" {
                try? FileManager.default.removeItem(atPath: path(host))
            } else {
                try? Data(prior.utf8).write(to: URL(fileURLWithPath: path(host)))
            }
            outcome.restoredHosts.insert(host)
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        if record.state == "made" && left.isEmpty && hosts.count == record.entries.count {
            try? FileManager.default.removeItem(atPath: folder)
            outcome.removedPlace = true
        }
        return outcome
    }
}

@Suite struct TargetProtocolTests {
    let catalog = TargetCatalog.standard.adding(FolderTarget.kind, kindName: FolderTarget.kindName) {
        FolderTarget(folder: $0)
    }

    @Test func aTargetDefinedOutsideTheLibraryIsLoggedInRepairedAndLoggedOut() async throws {
        let world = try SchedulerWorld(
            accountCount: 2, config: "[settings]\ntargets = docker folder\n", targets: catalog)
        defer { world.remove() }
        let folder = world.home.path + "/registry-tokens"
        let hosts = world.accounts.map { "\($0.account).dkr.ecr.\($0.region).amazonaws.com" }
        // The user's own files in the folder: one for a registry ecr-sessions will manage, one it never touches.
        try world.home.write("registry-tokens/\(hosts[0])", "the user's own")
        try world.home.write("registry-tokens/other.example", "untouched")

        let first = try await Actions.Refresh(world.context).run()
        #expect(first.login?.succeeded == true, "\(String(describing: first.login?.targetErrors))")
        let logins = try world.context.cache().logins()
        for login in logins {
            let written = FileManager.default.contents(atPath: folder + "/" + login.registry)
            #expect(written.map { String(decoding: $0, as: UTF8.self) } == login.token.encoded)
        }
        #expect(logins.count == 2)

        // A file the folder lost is written back by the next refresh, without ECR.
        try FileManager.default.removeItem(atPath: folder + "/" + hosts[1])
        let requests = world.ecr.requests.count
        let second = try await Actions.Refresh(world.context).run()
        #expect(second.repaired == [hosts[1]] && world.ecr.requests.count == requests)
        #expect(FileManager.default.fileExists(atPath: folder + "/" + hosts[1]))

        // Logout reopens the target from its undo record and puts the folder back as it was.
        let logout = try Actions.Logout(world.context).accounts([])
        #expect(logout.errors.isEmpty)
        #expect(logout.removed.contains("\(folder): \(hosts.sorted().joined(separator: ", "))"))
        #expect(try String(contentsOfFile: folder + "/" + hosts[0], encoding: .utf8) == "the user's own")
        #expect(!FileManager.default.fileExists(atPath: folder + "/" + hosts[1]))
        #expect(try String(contentsOfFile: folder + "/other.example", encoding: .utf8) == "untouched")
        #expect(try world.context.cache().undoRecords(.everyOwner).isEmpty)
    }

    @Test func theConfigFileAcceptsTheTargetsOfItsCatalogOnly() throws {
        let text = "[settings]\ntargets = folder docker\n"
        let configuration = try Configuration(parsing: text, path: nil, name: "c", targets: catalog.names)
        #expect(configuration.settings.targets == ["folder", .docker])
        #expect(throws: ConfigurationFileError.self) { try Configuration(parsing: text, path: nil, name: "c") }
    }
}
