import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// Saving an undo record writes only the rows that differ, and its copy in `undo-records/` is rendered without
/// Codable: both must still hold exactly the record saved.
@Suite struct UndoRecordStorageTests {
    private func record(_ entries: [String: UndoRecord.Entry], state: String = #"{"prior":"noFile"}"#) -> UndoRecord {
        UndoRecord(kind: "registry-auth-file", place: "/home/u/.docker/config.json", state: state, entries: entries)
    }

    @Test func eachSaveLeavesExactlyTheRecordSaved() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let cache = try Cache(path: temp.path + "/cache.sqlite3")
        let first = record([
            "a.example": .init(owner: "p", state: #"{"priorAuth":null}"#),
            "b.example": .init(owner: "q", state: "{}"), "c.example": .init(owner: nil, state: "{}"),
        ])
        try cache.saveUndoRecord(first)
        #expect(try cache.undoRecord(kind: first.kind, place: first.place) == first)
        // One entry changed, one gone, one added, one kept; the place's state changed too.
        let second = record(
            [
                "a.example": .init(owner: "p", state: #"{"priorAuth":"x"}"#), "c.example": .init(owner: nil, state: "{}"),
                "d.example": .init(owner: "r", state: "{}"),
            ], state: #"{"prior":"hadAuths"}"#)
        try cache.saveUndoRecord(second)
        #expect(try cache.undoRecord(kind: first.kind, place: first.place) == second)
        // An owner that changes is written as well.
        var third = second
        third.entries["c.example"]?.owner = "p"
        try cache.saveUndoRecord(third)
        #expect(try cache.undoRecord(kind: first.kind, place: first.place) == third)
        #expect(UndoMirror(cachePath: cache.path).records() == [third])
    }

    @Test func theCopyDecodesToTheRecordWhateverItsText() throws {
        let awkward = record([
            "quote\"and\\slash": .init(owner: "ünï\u{1F}code", state: "{\"priorAuth\":\"line\\nbreak\"}"),
            "plain.example": .init(owner: nil, state: "{}"),
        ], state: "tab\there \u{0} nul")
        let text = UndoMirror.rendered(awkward)
        let copy = try JSONDecoder().decode(UndoMirror.Copy.self, from: Data(text))
        #expect(copy.version == 1)
        #expect(copy.record == awkward)
        #expect(UndoMirror.rendered(awkward) == text, "equal records are equal bytes")
    }

    @Test func theEntryStatesWrittenWithoutTheCodersAreTheCodersBytes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for (state, text) in RegistryAuthFile.EntryState.plain {
            #expect(String(decoding: try encoder.encode(state), as: UTF8.self) == text)
            #expect(try JSONDecoder().decode(RegistryAuthFile.EntryState.self, from: Data(text.utf8)) == state)
            #expect(state.encoded == text)
            #expect(try RegistryAuthFile.EntryState(decoding: text, file: "/f") == state)
        }
        // Any other state still goes through the coders, both ways.
        for entry in [
            RegistryAuthFile.WrittenEntry(host: "h", priorAuth: "{\n\t\"auth\": \"x/y\"\n}\n"),
            RegistryAuthFile.WrittenEntry(host: "h", registeredHelper: true, priorHelper: "desktop"),
            RegistryAuthFile.WrittenEntry(host: "h", priorHelper: "\u{1F}ünï"),
        ] {
            let state = RegistryAuthFile.EntryState(entry)
            #expect(state.encoded == String(decoding: try encoder.encode(state), as: UTF8.self))
            #expect(try RegistryAuthFile.EntryState(decoding: state.encoded, file: "/f") == state)
        }
        // The same text with other spacing is read by the decoder, to the same state.
        #expect(try RegistryAuthFile.EntryState(decoding: #"{ "registeredHelper" : true }"#, file: "/f")
            == RegistryAuthFile.EntryState.plain[1].state)
    }
}
