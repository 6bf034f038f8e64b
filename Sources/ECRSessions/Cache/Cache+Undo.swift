/// Which undo records to look up.
public enum UndoSelection: Sendable, Equatable {
    /// Entries written for these profiles.
    case owners([String])
    /// Every profile's entries (not user/password logins).
    case everyOwner
    /// Entries for these hosts, whoever wrote them.
    case hosts([String])
}

/// Where an undo record belongs: a target's kind and place. Equal ones are one target.
public struct UndoPlace: Sendable, Hashable, Comparable {
    public var kind: String
    public var place: String

    public init(kind: String, place: String) {
        self.kind = kind
        self.place = place
    }

    public static func < (lhs: UndoPlace, rhs: UndoPlace) -> Bool { (lhs.kind, lhs.place) < (rhs.kind, rhs.place) }
}

extension Cache: UndoJournal {
    // MARK: Undo records

    /// The whole undo record of one target's place, or nil when ecr-sessions has written nothing there.
    public func undoRecord(kind: String, place: String) throws(CacheError) -> UndoRecord? {
        try withDatabase { database throws(SQLiteError) in
            try Self.undoRecords(in: database, filter: "p.kind = ?1 AND p.place = ?2", [.text(kind), .text(place)])
                .first
        }
    }

    /// Stores `record` as the whole truth about its place: entries it no longer lists are forgotten. The copy in
    /// `undo-records/` is written before the commit (see `UndoMirror`).
    public func saveUndoRecord(_ record: UndoRecord) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try Self.store(record, in: database)
                undoMirror.save(record)
            }
        }
    }

    /// The record of one place with only the entries of `hosts`: what a write of those hosts needs, without
    /// reading back the thousand entries that a login sweep's earlier batches recorded there.
    public func undoRecord(kind: String, place: String, hosts: Set<String>) throws(CacheError) -> UndoRecord? {
        try withDatabase { database throws(SQLiteError) in
            var record: UndoRecord?
            try database.prepare(
                """
                SELECT p.state, e.host, e.owner, e.state
                FROM undo_places AS p LEFT JOIN undo_entries AS e
                    ON e.kind = p.kind AND e.place = p.place AND e.host IN (SELECT value FROM json_each(?3))
                WHERE p.kind = ?1 AND p.place = ?2
                """
            ).query([.text(kind), .text(place), .text(Self.jsonList(Array(hosts)))]) { row throws(SQLiteError) in
                if record == nil { record = UndoRecord(kind: kind, place: place, state: row.text(0) ?? "{}") }
                if let host = row.text(1) {
                    record?.entries[host] = UndoRecord.Entry(owner: row.text(2), state: row.text(3) ?? "{}")
                }
            }
            return record
        }
    }

    /// Stores `record`'s state and entries over its place's record, keeping the entries it does not list, read and
    /// written under one write transaction (so another process's entries saved meanwhile are kept too). The copy in
    /// `undo-records/` is written whole, before the commit, as `saveUndoRecord` writes it.
    public func mergeUndoRecord(_ record: UndoRecord) throws(CacheError) {
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                let key: [SQLiteValue] = [.text(record.kind), .text(record.place)]
                let stored = try Self.undoRecords(in: database, filter: "p.kind = ?1 AND p.place = ?2", key).first
                // The rows just read are what `store` compares with: a sweep's record is read once a batch, not twice.
                let whole = record.merged(into: stored)
                // One sort of the entries, for the rows and the copy both.
                let sorted = JSONText.sortedByKey(whole.entries)
                try Self.store(whole, in: database, storedEntries: stored?.entries, sortedEntries: sorted)
                undoMirror.save(whole, sortedEntries: sorted)
            }
        }
    }

    /// The records holding entries that `selection` names, each with only those entries, sorted by kind and place.
    public func undoRecords(_ selection: UndoSelection) throws(CacheError) -> [UndoRecord] {
        let (filter, values): (String, [SQLiteValue]) =
            switch selection {
            case .owners(let owners):
                ("e.owner IN (SELECT value FROM json_each(?1))", [.text(Self.jsonList(owners))])
            case .everyOwner:
                ("e.owner IS NOT NULL", [])
            case .hosts(let hosts):
                ("e.host IN (SELECT value FROM json_each(?1))", [.text(Self.jsonList(hosts))])
            }
        return try withDatabase { database throws(SQLiteError) in
            try Self.undoRecords(in: database, filter: filter, values)
        }
    }

    /// The kind and place of every record holding an entry some profile wrote, sorted: the places that
    /// `undoRecords(.everyOwner)` returns, without reading their entries.
    public func undoPlaces() throws(CacheError) -> [UndoPlace] {
        try withDatabase { database throws(SQLiteError) in
            var places: [UndoPlace] = []
            try database.prepare(
                """
                SELECT p.kind, p.place FROM undo_places AS p WHERE EXISTS (
                    SELECT 1 FROM undo_entries AS e
                    WHERE e.kind = p.kind AND e.place = p.place AND e.owner IS NOT NULL)
                ORDER BY p.kind, p.place
                """
            ).query { row throws(SQLiteError) in
                places.append(UndoPlace(kind: row.text(0) ?? "", place: row.text(1) ?? ""))
            }
            return places
        }
    }

    /// The kind and place of every record holding an entry for one of `hosts`, whoever wrote it, sorted: the places
    /// that `undoRecords(.hosts(hosts))` returns, without reading their entries.
    public func undoPlaces(holding hosts: [String]) throws(CacheError) -> [UndoPlace] {
        try withDatabase { database throws(SQLiteError) in
            var places: [UndoPlace] = []
            try database.prepare(
                """
                SELECT DISTINCT kind, place FROM undo_entries WHERE host IN (SELECT value FROM json_each(?1))
                ORDER BY kind, place
                """
            ).query([.text(Self.jsonList(hosts))]) { row throws(SQLiteError) in
                places.append(UndoPlace(kind: row.text(0) ?? "", place: row.text(1) ?? ""))
            }
            return places
        }
    }

    /// The kind and place of every record, sorted: every place that `undoPlaces(holding:)` can name, whatever the
    /// hosts (an entry's place always has its record: the foreign key), read from the few place rows alone.
    public func undoRecordPlaces() throws(CacheError) -> [UndoPlace] {
        try withDatabase { database throws(SQLiteError) in
            var places: [UndoPlace] = []
            try database.prepare("SELECT kind, place FROM undo_places ORDER BY kind, place").query {
                row throws(SQLiteError) in
                places.append(UndoPlace(kind: row.text(0) ?? "", place: row.text(1) ?? ""))
            }
            return places
        }
    }

    /// Forgets the entries of `hosts` in one target's record, and the record itself once none is left.
    public func forgetUndo(kind: String, place: String, hosts: some Sequence<String>) throws(CacheError) {
        let key: [SQLiteValue] = [.text(kind), .text(place)]
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                try database.prepare(
                    """
                    DELETE FROM undo_entries WHERE kind = ?1 AND place = ?2
                    AND host IN (SELECT value FROM json_each(?3))
                    """
                ).run(key + [.text(Self.jsonList(Array(hosts)))])
                try database.prepare(
                    """
                    DELETE FROM undo_places WHERE kind = ?1 AND place = ?2
                    AND NOT EXISTS (SELECT 1 FROM undo_entries WHERE kind = ?1 AND place = ?2)
                    """
                ).run(key)
                if let left = try Self.undoRecords(in: database, filter: "p.kind = ?1 AND p.place = ?2", key).first {
                    undoMirror.save(left)
                } else {
                    undoMirror.remove(kind: kind, place: place)
                }
            }
        }
    }

    // MARK: The copy outside the database

    /// Brings the copy in `undo-records/` and the database together at open: a new database (whoever creates it)
    /// takes the records of the one it replaces (damaged and moved aside, or deleted), for the places it lacks; a
    /// database from before the copy existed writes its records out once, at its first open for writing.
    func reconcileUndoMirror(newDatabase: Bool) throws(CacheError) {
        guard newDatabase || !undoMirror.exists else { return }
        try withDatabase { database throws(SQLiteError) in
            try database.writeTransaction { () throws(SQLiteError) in
                if newDatabase {
                    for record in undoMirror.records() {
                        let key: [SQLiteValue] = [.text(record.kind), .text(record.place)]
                        guard try Self.undoRecords(in: database, filter: "p.kind = ?1 AND p.place = ?2", key).isEmpty
                        else { continue }
                        try Self.store(record, in: database)
                    }
                } else if !undoMirror.exists {
                    // Under the write lock, so no save in another process can come between reading and copying.
                    for record in try Self.undoRecords(in: database, filter: "1", []) { undoMirror.save(record) }
                }
                undoMirror.create()
            }
        }
    }

    /// Makes the rows of `record`'s place say what `record` says, touching only the entries that differ: a login
    /// sweep saves the record of a thousand hosts once a batch, and rewriting every row each time cost more than the
    /// logins. Reads the rows under the same write transaction, so no other writer's change is lost or kept.
    /// `storedEntries` are the place's rows when the caller has just read them under this transaction (its record
    /// exists); nil reads them here. `sortedEntries` are `record`'s entries sorted by host, when the caller has them.
    private static func store(
        _ record: UndoRecord, in database: SQLiteDatabase, storedEntries: [String: UndoRecord.Entry]? = nil,
        sortedEntries: [(key: String, value: UndoRecord.Entry)]? = nil
    ) throws(SQLiteError) {
        let key: [SQLiteValue] = [.text(record.kind), .text(record.place)]
        try database.prepare(
            """
            INSERT INTO undo_places (kind, place, state) VALUES (?1, ?2, ?3)
            ON CONFLICT (kind, place) DO UPDATE SET state = excluded.state
            """
        ).run(key + [.text(record.state)])
        var stored: [String: UndoRecord.Entry] = storedEntries ?? [:]
        if storedEntries == nil {
            try database.prepare("SELECT host, owner, state FROM undo_entries WHERE kind = ?1 AND place = ?2").query(
                key
            ) { row throws(SQLiteError) in
                stored[row.text(0) ?? ""] = UndoRecord.Entry(owner: row.text(1), state: row.text(2) ?? "{}")
            }
        }
        let gone = stored.keys.filter { record.entries[$0] == nil }.sorted()
        if !gone.isEmpty {
            try database.prepare(
                "DELETE FROM undo_entries WHERE kind = ?1 AND place = ?2 AND host IN (SELECT value FROM json_each(?3))"
            ).run(key + [.text(jsonList(gone))])
        }
        let changed =
            sortedEntries?.filter { stored[$0.key] != $0.value }
            ?? JSONText.sortedByKey(record.entries.filter { stored[$0.key] != $0.value })
        guard !changed.isEmpty else { return }
        let upsert = """
            ON CONFLICT (kind, place, host) DO UPDATE SET owner = excluded.owner, state = excluded.state
            """
        // One statement over a JSON array of [host, owner, state], in the same order: a sweep's first batch writes a
        // thousand rows, and a statement a row cost a third more. Text with a NUL, which a bound string ends at, is
        // written a row at a time as before.
        guard let rows = entryRows(changed) else {
            let statement = try database.prepare(
                "INSERT INTO undo_entries (kind, place, host, owner, state) VALUES (?1, ?2, ?3, ?4, ?5) " + upsert)
            for (host, entry) in changed {
                try statement.run(key + [.text(host), entry.owner.map { .text($0) } ?? .null, .text(entry.state)])
            }
            return
        }
        try database.prepare(
            """
            INSERT INTO undo_entries (kind, place, host, owner, state)
            SELECT ?1, ?2, value ->> 0, value ->> 1, value ->> 2 FROM json_each(?3) WHERE true
            """ + " " + upsert
        ).run(key + [.text(rows)])
    }

    /// `entries` as the JSON array `store` inserts, `[[host, owner or null, state], ...]`; nil when some text holds a
    /// NUL character.
    private static func entryRows(_ entries: [(key: String, value: UndoRecord.Entry)]) -> String? {
        guard !entries.contains(where: holdsNUL) else { return nil }
        var text: [UInt8] = []
        text.reserveCapacity(entries.count * 128)
        text.append(UInt8(ascii: "["))
        for (index, (host, entry)) in entries.enumerated() {
            text += index == 0 ? "[".utf8 : ",[".utf8
            JSONText.appendQuoted(host, to: &text)
            text.append(UInt8(ascii: ","))
            if let owner = entry.owner {
                JSONText.appendQuoted(owner, to: &text)
            } else {
                text += "null".utf8
            }
            text.append(UInt8(ascii: ","))
            JSONText.appendQuoted(entry.state, to: &text)
            text.append(UInt8(ascii: "]"))
        }
        text.append(UInt8(ascii: "]"))
        return String(decoding: text, as: UTF8.self)
    }

    /// `strings` as a JSON array, bound as one parameter and unpacked with `json_each` for `IN` lists; built in one
    /// buffer rather than a string per element (a sweep's batch passes a thousand hosts, several times).
    static func jsonList(_ strings: [String]) -> String {
        var text: [UInt8] = []
        JSONText.appendArray(of: strings, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    private static func holdsNUL(_ entry: (key: String, value: UndoRecord.Entry)) -> Bool {
        containsNUL(entry.key) || containsNUL(entry.value.state) || entry.value.owner.map(containsNUL) == true
    }

    /// Whether `text` holds a NUL character, looked for in its own buffer (`utf8.contains` costs tens of
    /// instructions a byte).
    private static func containsNUL(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { $0.contains(0) }
    }

    private static func undoRecords(in database: SQLiteDatabase, filter: String, _ values: [SQLiteValue])
        throws(SQLiteError) -> [UndoRecord]
    {
        var records: [UndoRecord] = []
        try database.prepare(
            """
            SELECT p.kind, p.place, p.state, e.host, e.owner, e.state
            FROM undo_places AS p LEFT JOIN undo_entries AS e ON e.kind = p.kind AND e.place = p.place
            WHERE \(filter) ORDER BY p.kind, p.place, e.host
            """
        ).query(values) { row throws(SQLiteError) in
            let (kind, place) = (row.text(0) ?? "", row.text(1) ?? "")
            if records.last?.kind != kind || records.last?.place != place {
                records.append(UndoRecord(kind: kind, place: place, state: row.text(2) ?? "{}"))
            }
            if let host = row.text(3) {
                records[records.count - 1].entries[host] = UndoRecord.Entry(
                    owner: row.text(4), state: row.text(5) ?? "{}")
            }
        }
        return records
    }
}
