import Foundation

/// A copy of every undo record outside the SQLite file, one small JSON file per place in `undo-records/` beside the
/// cache, so that a cache damaged beyond reading and rebuilt (`Cache.healing`) still knows every place ecr-sessions
/// wrote and how each was before: refresh keeps them all fresh (a desktop session's `$XDG_RUNTIME_DIR` auth.json
/// that cron would not find by itself) and logout restores them exactly.
///
/// The cache stays the truth; the copy is only read when a new cache file is created. It is written inside the
/// cache's write transaction, before the commit, so no other process's change can come between the two, and a crash
/// leaves the copy holding at least what the database holds (an entry saved but not committed is an entry whose
/// place, at worst, is kept fresh once more). Writing it is best effort: a failure here never fails a login, it only
/// weakens the insurance.
struct UndoMirror: Sendable {
    /// `undo-records/` in the cache's folder.
    let directory: String

    init(cachePath: String) {
        directory = FileSystem.directory(of: cachePath) + "/undo-records"
    }

    /// The file holding the record of (`kind`, `place`): named by a digest, since a place may be any path or name.
    func file(kind: String, place: String) -> String {
        directory + "/" + Digest.sha256(Array((kind + "\u{0}" + place).utf8)).prefix(16).lowercaseHex + ".json"
    }

    /// Writes `record` whole, replacing the copy of its place. `sortedEntries` are its entries sorted by host, when
    /// the caller has them.
    func save(_ record: UndoRecord, sortedEntries: [(key: String, value: UndoRecord.Entry)]? = nil) {
        let data = Data(Self.rendered(record, sortedEntries: sortedEntries ?? JSONText.sortedByKey(record.entries)))
        let path = file(kind: record.kind, place: record.place)
        do {
            try FileSystem.makePrivateDirectory(directory)
            try AtomicFile.replace(path, with: data, mode: 0o600)
            AtomicFile.removeAbandonedTemporaryFiles(beside: path)
        } catch {
            // Best effort, as the type says: the database holds the record.
        }
    }

    /// Forgets the copy of (`kind`, `place`).
    func remove(kind: String, place: String) {
        try? FileSystem.remove(file(kind: kind, place: place))
    }

    /// Whether the folder exists: every cache opened for writing since the copy existed has made it.
    var exists: Bool { FileSystem.isDirectory(directory) }

    /// Makes the folder (empty) so that `exists` says the copy is being kept.
    func create() {
        try? FileSystem.makePrivateDirectory(directory)
    }

    /// Every record copied, sorted by kind and place. A copy that cannot be read is removed: it is ours, and no
    /// later run could read it either.
    func records() -> [UndoRecord] {
        var records: [UndoRecord] = []
        for name in FileSystem.names(in: directory) where name.hasSuffix(".json") && !name.hasPrefix(".") {
            let path = directory + "/" + name
            guard let contents = try? FileSystem.contents(atPath: path) else { continue }
            guard let copy = try? JSONDecoder().decode(Copy.self, from: contents.data), copy.version == 1,
                file(kind: copy.kind, place: copy.place) == path
            else {
                try? FileSystem.remove(path)
                continue
            }
            records.append(copy.record)
        }
        return records.sorted { ($0.kind, $0.place) < ($1.kind, $1.place) }
    }

    /// `record` as `Copy` decodes it: compact JSON, keys and hosts sorted (so equal records are equal bytes), an owner
    /// that is nil left out. Written byte by byte rather than by `JSONEncoder`: a sweep's batches save a thousand
    /// entries each, and Codable's encoding cost more than the database rows.
    static func rendered(_ record: UndoRecord) -> [UInt8] {
        rendered(record, sortedEntries: record.entries.sorted { $0.key < $1.key })
    }

    /// `rendered(record)`, with its entries sorted by host already.
    static func rendered(_ record: UndoRecord, sortedEntries: [(key: String, value: UndoRecord.Entry)]) -> [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(256 + record.entries.count * 160)
        text += #"{"entries":{"#.utf8
        for (index, (host, entry)) in sortedEntries.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(host, to: &text)
            text += ":{".utf8
            if let owner = entry.owner {
                text += #""owner":"#.utf8
                JSONText.appendQuoted(owner, to: &text)
                text.append(UInt8(ascii: ","))
            }
            text += #""state":"#.utf8
            JSONText.appendQuoted(entry.state, to: &text)
            text.append(UInt8(ascii: "}"))
        }
        text += #"},"kind":"#.utf8
        JSONText.appendQuoted(record.kind, to: &text)
        text += #","place":"#.utf8
        JSONText.appendQuoted(record.place, to: &text)
        text += #","state":"#.utf8
        JSONText.appendQuoted(record.state, to: &text)
        text += #","version":1}"#.utf8
        return text
    }

    /// One record as its file holds it (`rendered` writes it).
    struct Copy: Decodable {
        struct Entry: Decodable {
            var owner: String?
            var state: String
        }

        var version = 1
        var kind: String
        var place: String
        var state: String
        var entries: [String: Entry]

        var record: UndoRecord {
            UndoRecord(
                kind: kind, place: place, state: state,
                entries: entries.mapValues { UndoRecord.Entry(owner: $0.owner, state: $0.state) })
        }
    }
}
