/// One place registry logins are written to: a docker-style config file, a Kubernetes Secret, a test's folder.
///
/// A target writes logins, says which of ours it lacks or holds stale, and undoes what it wrote. How the place looked
/// before is the target's own business: it keeps that in an `UndoRecord` whose contents only it reads, saved through
/// the `UndoJournal` before it changes anything, so no crash between the two can lose the way back.
///
/// A new kind of target is one file: a type conforming to this protocol and a `TargetKind` for it, registered in
/// `TargetCatalog.standard` (or, in tests, added to a catalog of their own).
public protocol Target: Sendable {
    /// The implementation's name, as undo records are filed under it: `TargetCatalog` reopens the target from it
    /// and `place` at logout, whatever the configuration says by then.
    var kind: String { get }
    /// Where, within the kind: a file's path, a namespace and name. Equal `kind` and `place` mean the same target.
    var place: String { get }

    /// Writes `entries`, recording in `journal` how the place was before each host was first written, ahead of the
    /// change. Leaves the place alone when it already holds every token.
    func write(_ entries: [TargetEntry], journal: any UndoJournal) throws(TargetError) -> TargetWriteOutcome

    /// The hosts among `tokens` whose login the place lacks or holds another token for (a `docker logout`, a file
    /// rewritten by another tool). Changes nothing.
    func hostsOutOfDate(_ tokens: [String: AuthorizationToken]) throws(TargetError) -> Set<String>

    /// Text that stays the same only while the place's contents do (a file's settled stamp), or nil when the place
    /// cannot tell cheaply. Refresh remembers a `hostsOutOfDate` that found nothing under it, and while it and the
    /// tokens are unchanged answers the next one without reading the place; nil means every check reads it.
    var contentsVersion: String? { get }

    /// Undoes what was written for `hosts`, as `record` (this target's own) says the place was before.
    func undo(hosts: Set<String>, record: UndoRecord) throws(TargetError) -> TargetUndoOutcome
}

extension Target {
    /// No cheap version: every check reads the place.
    public var contentsVersion: String? { nil }
}

/// One login to write: a registry host, its token, and whose login it is.
public struct TargetEntry: Sendable, Equatable {
    public var host: String
    public var token: AuthorizationToken
    /// The profile whose ECR login this is; nil for a user/password login (`ecr-sessions login`).
    public var owner: String?

    public init(host: String, token: AuthorizationToken, owner: String?) {
        self.host = host
        self.token = token
        self.owner = owner
    }
}

/// What a target's `write` found and did.
public struct TargetWriteOutcome: Sendable, Equatable {
    /// What the user should know about the place: a credential store that docker asks instead of the entry, and
    /// what ecr-sessions changed about it.
    public var warnings: [String]
    /// Whether the write sent the place's readers to ecr-sessions' credential helper, which then must be on PATH.
    public var registeredCredentialHelper: Bool

    public init(warnings: [String] = [], registeredCredentialHelper: Bool = false) {
        self.warnings = warnings
        self.registeredCredentialHelper = registeredCredentialHelper
    }
}

/// What a target's `undo` did.
public struct TargetUndoOutcome: Sendable, Equatable {
    /// The hosts whose entries were taken out or put back as they were.
    public var restoredHosts: Set<String>
    /// Whether the place itself was removed, because ecr-sessions had created it.
    public var removedPlace: Bool

    public init(restoredHosts: Set<String> = [], removedPlace: Bool = false) {
        self.restoredHosts = restoredHosts
        self.removedPlace = removedPlace
    }
}

/// How a target's place was before ecr-sessions wrote to it, kept by the cache until logout. The states are
/// opaque text that only the target which wrote them reads.
public struct UndoRecord: Sendable, Equatable {
    /// One host's entry: whose login it is, and how the host's part of the place was before.
    public struct Entry: Sendable, Equatable {
        /// The profile whose login was written; nil for a user/password login.
        public var owner: String?
        public var state: String

        public init(owner: String?, state: String) {
            self.owner = owner
            self.state = state
        }
    }

    public var kind: String
    public var place: String
    /// The place as a whole before the first write (did it exist; its bytes).
    public var state: String
    /// By host.
    public var entries: [String: Entry]

    public init(kind: String, place: String, state: String, entries: [String: Entry] = [:]) {
        self.kind = kind
        self.place = place
        self.state = state
        self.entries = entries
    }
}

/// Where targets keep their undo records: the cache. A target reads its record and saves the updated one while it
/// holds its place's lock, before it changes the place.
public protocol UndoJournal: Sendable {
    func undoRecord(kind: String, place: String) throws(CacheError) -> UndoRecord?
    func saveUndoRecord(_ record: UndoRecord) throws(CacheError)
    /// The record of one place with only the entries of `hosts`; nil when the place has none.
    func undoRecord(kind: String, place: String, hosts: Set<String>) throws(CacheError) -> UndoRecord?
    /// Stores `record`'s state and entries over its place's record, keeping the entries `record` does not list.
    func mergeUndoRecord(_ record: UndoRecord) throws(CacheError)
}

extension UndoJournal {
    /// The whole record, filtered: what a journal that keeps whole records only can do (the cache reads less).
    public func undoRecord(kind: String, place: String, hosts: Set<String>) throws(CacheError) -> UndoRecord? {
        guard var record = try undoRecord(kind: kind, place: place) else { return nil }
        record.entries = record.entries.filter { hosts.contains($0.key) }
        return record
    }

    /// The whole record read, merged and saved whole.
    public func mergeUndoRecord(_ record: UndoRecord) throws(CacheError) {
        try saveUndoRecord(record.merged(into: try undoRecord(kind: record.kind, place: record.place)))
    }
}

extension UndoRecord {
    /// `whole` with this record's state and entries over its own; this record when there is no `whole`.
    func merged(into whole: UndoRecord?) -> UndoRecord {
        guard var merged = whole else { return self }
        merged.state = state
        merged.entries.merge(entries) { $1 }
        return merged
    }
}
