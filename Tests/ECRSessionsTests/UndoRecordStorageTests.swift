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
        for prior in [RegistryAuthFile.PriorState.noFile, .noAuths, .hadAuths] {
            for original in [nil, "{\n\t\"auths\": {}\n}\n", ""] {
                let place = RegistryAuthFile.PlaceState(prior: prior, original: original)
                #expect(place.encoded == String(decoding: try encoder.encode(place), as: UTF8.self))
                #expect(try RegistryAuthFile.PlaceState(decoding: place.encoded, file: "/f") == place)
            }
        }
        // The same text with other spacing is read by the decoder, to the same state.
        #expect(try RegistryAuthFile.EntryState(decoding: #"{ "registeredHelper" : true }"#, file: "/f")
            == RegistryAuthFile.EntryState.plain[1].state)
    }

    /// The rows a save writes in one statement (a JSON array through `json_each`) read back as saved, whatever their
    /// text, in the same order and with the same change count as the statement a row that text with a NUL still takes.
    @Test func theRowsWrittenInOneStatementAreTheRowsSaved() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let cache = try Cache(path: temp.path + "/cache.sqlite3")
        let awkward = [
            "quote\"and\\back\\slash", "tab\tline\nfeed\u{1}\u{1F}", "ünï\u{301}code 😀 \u{2028}", "/slash/", "",
            "[\"json\", null]", "null",
        ]
        var entries: [String: UndoRecord.Entry] = [:]
        for (index, text) in awkward.enumerated() {
            entries["h\(index)" + text] = .init(owner: index.isMultiple(of: 3) ? nil : text, state: text)
        }
        for index in 0..<1000 {
            entries[String(format: "%012d.dkr.ecr.eu-west-1.amazonaws.com", index)] = .init(
                owner: "bench\(index)", state: RegistryAuthFile.EntryState.plain[index % 2].text)
        }
        let first = record(entries)
        try cache.saveUndoRecord(first)
        #expect(try cache.undoRecord(kind: first.kind, place: first.place) == first)
        var second = first
        for (index, host) in entries.keys.sorted().enumerated() where index.isMultiple(of: 7) {
            second.entries[host] = .init(owner: "other", state: #"{"priorAuth":"x\\y"}"#)
        }
        try cache.mergeUndoRecord(record(["new.example": .init(owner: nil, state: "{}")]))
        second.entries["new.example"] = .init(owner: nil, state: "{}")
        try cache.saveUndoRecord(second)
        #expect(try cache.undoRecord(kind: first.kind, place: first.place) == second)
        #expect(UndoMirror(cachePath: cache.path).records() == [second])

        // The same changes to two places, one of them through a row at a time (a NUL in one of its entries): the
        // rows and the change count move alike.
        func changes(_ place: String, nul: Bool) throws -> (counts: [Int64], stored: [UndoRecord.Entry]) {
            let extra = nul ? "a\u{0}b" : "a-b"
            var counts: [Int64] = []
            var stored: [UndoRecord.Entry] = []
            for round in 0..<3 {
                let before = try #require(try cache.changeCount())
                // Changed every round on both paths (a bound NUL ends the text, so that entry never matches).
                var entries: [String: UndoRecord.Entry] = ["x": .init(owner: "p", state: extra + "\(round)")]
                for index in 0..<5 { entries["h\(index)"] = .init(owner: "p\(round % 2)", state: "s\(index * round)") }
                try cache.mergeUndoRecord(UndoRecord(kind: "k", place: place, state: "{}", entries: entries))
                counts.append(try #require(try cache.changeCount()) - before)
                let read = try #require(try cache.undoRecord(kind: "k", place: place))
                stored = (0..<5).compactMap { read.entries["h\($0)"] }
            }
            return (counts, stored)
        }
        let (bulk, rowwise) = (try changes("/bulk", nul: false), try changes("/rows", nul: true))
        #expect(bulk.counts == rowwise.counts, "\(bulk.counts) \(rowwise.counts)")
        #expect(bulk.stored == rowwise.stored)
        #expect(bulk.counts.first == 7)
    }

    @Test func theListOfHostsIsTheTextOfJSONArray() {
        let lists = [[], [""], ["a"], ["111122223333.dkr.ecr.eu-west-1.amazonaws.com", "quote\"back\\slash\u{0}\u{1F}", "ünï 😀"]]
        // The text of each string quoted, then joined: what the list was before it was built in one buffer.
        let joined = { (strings: [String]) in "[" + strings.map(JSONText.quoted).joined(separator: ",") + "]" }
        for list in lists {
            #expect(Cache.jsonList(list) == joined(list))
        }
    }
}
