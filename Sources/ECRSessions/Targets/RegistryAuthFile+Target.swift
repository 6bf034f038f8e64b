import Foundation

/// The docker-style JSON files as one kind of target: docker, finch, containers and helm differ only in where their
/// file is and whether its readers ask credential helpers first.
extension RegistryAuthFile: Target {
    /// What the undo records of every docker-style file are filed under.
    public static let kindName = "registry-auth-file"

    public var kind: String { Self.kindName }
    public var place: String { path }

    /// The file's settled stamp (`FileStamp.settledVersion`): docker and podman replace the file by rename, we do
    /// too, and an edit in place changes its times; a file changed in the last two seconds has none, so is read.
    public var contentsVersion: String? { Self.contentsVersion(of: path) }

    /// `contentsVersion` of the file at `path`, for a caller that kept the path and not the target (`QuietRefresh`).
    static func contentsVersion(of path: String) -> String? { FileStamp.settledVersion(path: path) }

    public func write(_ entries: [TargetEntry], journal: any UndoJournal) throws(TargetError) -> TargetWriteOutcome {
        var tokens: [String: AuthorizationToken] = [:]
        var owners: [String: String?] = [:]
        for entry in entries {
            tokens[entry.host] = entry.token
            owners[entry.host] = entry.owner
        }
        // A credsStore in a file only podman or helm reads shadows nothing: no warning for it, nor a helper.
        let honoured = honouredSettings
        // The record is read under the lock before the file's entries are looked at, so that a host it already
        // holds (every later write of a sweep's entries) is not worked out again; a failure to read it fails the
        // write where `remember` would have read it, as before.
        let hosts = Set(tokens.keys)
        var recorded: Result<UndoRecord?, TargetError> = .success(nil)
        let update = try set(
            tokens, registeringHelper: honoured.isEmpty ? nil : helperToRegister, honouring: honoured, now: Date(),
            priorWanted: {
                recorded = Result { () throws(TargetError) in try recordedEntries(of: hosts, in: journal) }
                guard case .success(let record?) = recorded else { return { _ in true } }
                return { host in
                    record.entries[host].flatMap { try? EntryState(decoding: $0.state, file: path) } == nil
                }
            }
        ) { (update) throws(TargetError) in
            try remember(update, owners: owners, in: journal, recorded: recorded.get())
        }
        return TargetWriteOutcome(
            warnings: update.notices.map(\.description),
            registeredCredentialHelper: update.notices.contains { $0.registeredHelper != nil })
    }

    /// This file's undo record with only the entries of `hosts`, as `remember` reads it.
    private func recordedEntries(of hosts: Set<String>, in journal: any UndoJournal) throws(TargetError)
        -> UndoRecord?
    {
        do {
            return try journal.undoRecord(kind: kind, place: place, hosts: hosts)
        } catch {
            throw .undoNotRecorded(file: path, reason: error.description)
        }
    }

    public func undo(hosts: Set<String>, record: UndoRecord) throws(TargetError) -> TargetUndoOutcome {
        let place = try PlaceState(decoding: record.state, file: path)
        var written: [WrittenEntry] = []
        for host in hosts.sorted() {
            guard let entry = record.entries[host] else { continue }
            written.append(try EntryState(decoding: entry.state, file: path).written(host: host))
        }
        let removal = try restore(written, prior: place.prior, original: place.original.map { Data($0.utf8) })
        return TargetUndoOutcome(restoredHosts: removal.removedHosts, removedPlace: removal.removedFile)
    }

    /// Merges what `update` found into this file's undo record and saves it: how the file and each host were before
    /// ecr-sessions first wrote them is kept from the first write only, since later writes find our own entries.
    /// Only the written hosts' entries are read and saved: a sweep's batch costs its own hosts, not every earlier one.
    /// `recorded` is the record of the written hosts when the caller has just read it (`recordedEntries`).
    func remember(
        _ update: Update, owners: [String: String?], in journal: any UndoJournal, recorded: UndoRecord?? = nil
    ) throws(TargetError) {
        do {
            let existing: UndoRecord?
            if let recorded {
                existing = recorded
            } else {
                existing = try journal.undoRecord(kind: kind, place: place, hosts: Set(update.written.keys))
            }
            var record =
                existing
                ?? UndoRecord(
                    kind: kind, place: place,
                    state: PlaceState(
                        prior: update.prior, original: update.original.map { String(decoding: $0, as: UTF8.self) }
                    ).encoded)
            for (host, found) in update.written {
                var state = EntryState(found)
                if let known = record.entries[host], let earlier = try? EntryState(decoding: known.state, file: path) {
                    // A helper registered later is added; what the host had before stays the first write's.
                    state.priorAuth = earlier.priorAuth
                    if earlier.registeredHelper { state.priorHelper = earlier.priorHelper }
                    state.registeredHelper = earlier.registeredHelper || found.registeredHelper
                    // Unchanged (every later write of our own entry): its text is kept, not encoded again.
                    if state == earlier {
                        record.entries[host] = UndoRecord.Entry(owner: owners[host] ?? nil, state: known.state)
                        continue
                    }
                }
                record.entries[host] = UndoRecord.Entry(owner: owners[host] ?? nil, state: state.encoded)
            }
            guard record != existing else { return }
            try journal.mergeUndoRecord(record)
        } catch {
            throw .undoNotRecorded(file: path, reason: error.description)
        }
    }
}

// MARK: - What the undo record holds

extension RegistryAuthFile {
    /// The file before the first write: whether it existed and had `auths`, and its bytes.
    struct PlaceState: Codable, Equatable {
        var prior: PriorState
        var original: String?

        init(prior: PriorState, original: String?) {
            self.prior = prior
            self.original = original
        }

        init(decoding text: String, file: String) throws(TargetError) {
            self = try decodeState(text, file: file)
        }

        /// Without `JSONEncoder` when there was no file (a sweep's first write to a new place), byte for byte what it
        /// writes (`UndoRecordStorageTests`): a login then maps none of the coders' code.
        var encoded: String {
            guard original == nil else { return encodeState(self) }
            return #"{"prior":""# + prior.name + #""}"#
        }
    }

    /// One host before the first write: its `auths` entry and `credHelpers` value, and whether we registered ours.
    struct EntryState: Codable, Equatable {
        var priorAuth: String?
        var registeredHelper: Bool
        var priorHelper: String?

        init(_ entry: WrittenEntry) {
            priorAuth = entry.priorAuth
            registeredHelper = entry.registeredHelper
            priorHelper = entry.priorHelper
        }

        init(decoding text: String, file: String) throws(TargetError) {
            if let plain = Self.plain.first(where: { $0.text == text }) {
                self = plain.state
            } else {
                self = try decodeState(text, file: file)
            }
        }

        var encoded: String {
            guard priorAuth == nil, priorHelper == nil else { return encodeState(self) }
            return Self.plain[registeredHelper ? 1 : 0].text
        }

        /// The states of nearly every entry (a host with no entry and no helper before ecr-sessions wrote it) and
        /// their text, byte for byte what `JSONEncoder` writes for them (`UndoRecordStorageTests`): a sweep records a
        /// thousand entries, and the coders cost more per entry than the rest of the record.
        static let plain: [(state: EntryState, text: String)] = [
            (EntryState(WrittenEntry(host: "")), #"{"registeredHelper":false}"#),
            (EntryState(WrittenEntry(host: "", registeredHelper: true)), #"{"registeredHelper":true}"#),
        ]

        func written(host: String) -> WrittenEntry {
            WrittenEntry(
                host: host, priorAuth: priorAuth, registeredHelper: registeredHelper, priorHelper: priorHelper)
        }
    }
}

extension RegistryAuthFile.PriorState: Codable {
    /// The name stored in undo records.
    var name: String {
        switch self {
        case .noFile: "noFile"
        case .noAuths: "noAuths"
        case .hadAuths: "hadAuths"
        }
    }

    public init(from decoder: any Decoder) throws {
        switch try decoder.singleValueContainer().decode(String.self) {
        case "noFile": self = .noFile
        case "noAuths": self = .noAuths
        // An unknown name errs on the safe side: the file is kept.
        default: self = .hadAuths
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }
}

private func encodeState(_ value: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    // Encoding these plain structs cannot fail.
    return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
}

private func decodeState<State: Decodable>(_ text: String, file: String) throws(TargetError) -> State {
    do {
        return try JSONDecoder().decode(State.self, from: Data(text.utf8))
    } catch {
        throw .undoNotRecorded(file: file, reason: "its undo record in the cache is damaged")
    }
}
