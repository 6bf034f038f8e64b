public import Foundation

/// A docker-style registry auth file, `{"auths": {"<host>": {"auth": "<base64 user:password>"}}}`.
///
/// docker's `config.json` is one; finch's `~/.finch/config.json`, containers' `auth.json` (podman, skopeo,
/// buildah) and helm's `registry/config.json` share the shape, so each target is this type with another path.
///
/// Changes touch only the entries named: every other top-level key, every other host and every other key in
/// a host's entry is kept. Writes are atomic, under a lock shared by all ecr-sessions processes, and a file
/// that is not valid JSON is refused and left byte for byte as it was. The methods block while another
/// ecr-sessions process holds the lock (at most `lockTimeout`).
public struct RegistryAuthFile: Sendable, Equatable, CustomStringConvertible {
    /// The file's path; a symbolic link is followed when writing, and stays a link.
    public let path: String
    /// How long to wait for another process to finish with the file before giving up.
    public var lockTimeout: Duration
    /// Whether the file's readers ask `credsStore` for every host before `auths`: docker, nerdctl and finch do;
    /// podman, skopeo and helm do not, so a credential store in their files shadows nothing.
    public var honoursCredsStore: Bool
    /// Whether the file's readers ask `credHelpers[host]` before `auths`: docker, nerdctl and finch, and podman,
    /// skopeo and buildah (containers/image) in `auth.json` too; helm does not.
    public var honoursCredHelpers: Bool
    /// The helper to register in `credHelpers` for a host that a credential store would hide; nil only warns.
    public var helperToRegister: String?

    public init(
        path: String, lockTimeout: Duration = .seconds(30), honoursCredsStore: Bool = false,
        honoursCredHelpers: Bool = false, helperToRegister: String? = nil
    ) {
        self.path = path
        self.lockTimeout = lockTimeout
        self.honoursCredsStore = honoursCredsStore
        self.honoursCredHelpers = honoursCredHelpers
        self.helperToRegister = helperToRegister
    }

    /// A file whose readers honour both `credsStore` and `credHelpers` (`readsCredentialHelpers`), as docker's does.
    public init(
        path: String, lockTimeout: Duration = .seconds(30), readsCredentialHelpers: Bool,
        helperToRegister: String? = nil
    ) {
        self.init(
            path: path, lockTimeout: lockTimeout, honoursCredsStore: readsCredentialHelpers,
            honoursCredHelpers: readsCredentialHelpers, helperToRegister: helperToRegister)
    }

    /// Whether the file's readers ask any credential helper before `auths`.
    public var readsCredentialHelpers: Bool { honoursCredsStore || honoursCredHelpers }

    /// The settings this file's readers honour, for `set(_:registeringHelper:honouring:)`.
    public var honouredSettings: Set<CredentialStoreNotice.Setting> {
        var settings: Set<CredentialStoreNotice.Setting> = []
        if honoursCredsStore { settings.insert(.credsStore) }
        if honoursCredHelpers { settings.insert(.credHelpers) }
        return settings
    }

    /// docker's file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. nerdctl and finch on Linux read it
    /// too.
    public static func docker(environment: Environment) -> RegistryAuthFile {
        let directory = environment["DOCKER_CONFIG"] ?? environment.homeDirectory + "/.docker"
        return RegistryAuthFile(path: directory + "/config.json", readsCredentialHelpers: true)
    }

    public var description: String { path }

    /// How the file looked before a `set`, so that `restore` can put it back.
    public enum PriorState: Sendable, Equatable {
        /// There was no file.
        case noFile
        /// The file had no `auths` map (an empty file counts as `{}`).
        case noAuths
        /// The file had an `auths` map, perhaps empty.
        case hadAuths
    }

    /// What `set` found and did.
    public struct Update: Sendable, Equatable {
        /// The file's state before this call. Keep the one from the first `set` (later ones always say
        /// `.hadAuths`) and pass it to `restore` at logout.
        public var prior: PriorState
        /// Hosts that had no entry before; the others had one whose `auth` was replaced.
        public var addedHosts: Set<String>
        /// Hosts for which docker asks a credential helper instead of reading what was written, and those for
        /// which ecr-sessions registered its own helper (`registeredHelper` set).
        public var notices: [CredentialStoreNotice]
        /// The file's bytes before this call; nil when there was no file. Keep the first, for `restore`.
        public var original: Data?
        /// How each host's entries were before this call, and whether this call registered a helper for it.
        public var written: [String: WrittenEntry]

        public init(
            prior: PriorState, addedHosts: Set<String>, notices: [CredentialStoreNotice], original: Data? = nil,
            written: [String: WrittenEntry] = [:]
        ) {
            self.prior = prior
            self.addedHosts = addedHosts
            self.notices = notices
            self.original = original
            self.written = written
        }
    }

    /// What ecr-sessions changed for one host of a file, and how it was before, so logout can undo exactly that.
    public struct WrittenEntry: Sendable, Equatable {
        public var host: String
        /// The host's `auths` entry before ecr-sessions first wrote it, as JSON text; nil when there was none.
        public var priorAuth: String?
        /// Whether ecr-sessions set `credHelpers[host]` to its own helper.
        public var registeredHelper: Bool
        /// `credHelpers[host]` before ecr-sessions set it; nil when there was none.
        public var priorHelper: String?

        public init(host: String, priorAuth: String? = nil, registeredHelper: Bool = false, priorHelper: String? = nil)
        {
            self.host = host
            self.priorAuth = priorAuth
            self.registeredHelper = registeredHelper
            self.priorHelper = priorHelper
        }
    }

    /// What `remove` did.
    public struct Removal: Sendable, Equatable {
        /// The hosts whose entries were there and are now gone.
        public var removedHosts: Set<String> = []
        /// Whether the `auths` map, left empty, was removed as well.
        public var removedAuths = false
        /// Whether the file, left as `{}`, was deleted.
        public var removedFile = false

        public init(removedHosts: Set<String> = [], removedAuths: Bool = false, removedFile: Bool = false) {
            self.removedHosts = removedHosts
            self.removedAuths = removedAuths
            self.removedFile = removedFile
        }
    }

    /// Sets `auths[host].auth` to each token's encoded form, creating the file (0600, folder 0700) if needed.
    ///
    /// With `helper`, a host that docker would ask a credential store about instead (`credsStore`, or another
    /// `credHelpers` entry) gets `credHelpers[host] = helper`, so docker runs `docker-credential-<helper>`; the
    /// notice says so. Without, the notice only warns. Writes nothing when every entry already holds its token.
    ///
    /// `beforeChange` sees what the call found, under the file's lock and before the file is replaced: where the
    /// target records how to undo it, so that no crash can leave an entry of ours that logout does not know.
    ///
    /// Only the settings in `honoured` count (a reader that ignores `credsStore` is not shadowed by one).
    /// An ECR token that expired before `now` is not kept as a host's earlier entry (see `ExpiredECRToken`).
    @discardableResult
    public func set(
        _ entries: [String: AuthorizationToken], registeringHelper helper: String? = nil,
        honouring honoured: Set<CredentialStoreNotice.Setting> = [.credsStore, .credHelpers], now: Date = Date(),
        beforeChange: (Update) throws(TargetError) -> Void = { _ in }
    ) throws(TargetError) -> Update {
        try set(
            entries, registeringHelper: helper, honouring: honoured, now: now, priorWanted: { { _ in true } },
            beforeChange: beforeChange)
    }

    /// `set`, working out a host's earlier entry (`WrittenEntry.priorAuth`) only where the predicate that
    /// `priorWanted` gives under the lock says so, and leaving it nil elsewhere: a sweep's later batches find their
    /// own entries, whose earlier state the undo record already holds, and each costs a parse and a rendering.
    func set(
        _ entries: [String: AuthorizationToken], registeringHelper helper: String?,
        honouring honoured: Set<CredentialStoreNotice.Setting>, now: Date, priorWanted: () -> (String) -> Bool,
        beforeChange: (Update) throws(TargetError) -> Void
    ) throws(TargetError) -> Update {
        try file.modifyContents { (existing) throws(TargetError) -> (JSONObjectFile.Change, Update) in
            let wanted = priorWanted()
            var object = existing?.object ?? [:]
            var auths = try authsMap(in: object) ?? [:]
            let helpers = object["credHelpers"]?.objectValue
            var update = Update(
                prior: existing == nil ? .noFile : object["auths"] == nil ? .noAuths : .hadAuths,
                addedHosts: [],
                // A file with neither setting (a sweep's usual one) has no notice to give, for any host.
                notices: object["credsStore"] == nil && object["credHelpers"] == nil
                    ? []
                    : CredentialStoreNotice.notices(in: object, for: entries.keys, file: path)
                        .filter { $0.helper != helper && honoured.contains($0.setting) },  // ours already answers
                original: existing?.text)
            var changed = false
            for (host, token) in entries {
                var entry: [String: JSONValue]
                switch auths[host] {
                case nil:
                    entry = [:]
                    update.addedHosts.insert(host)
                case .object(let existingEntry):
                    entry = existingEntry
                default:
                    throw .notAnObject(file: path, keyPath: ["auths", host])
                }
                update.written[host] = WrittenEntry(
                    host: host,
                    priorAuth: auths[host] == nil || !wanted(host) ? nil : Self.worthRestoring(entry, host: host, now: now),
                    priorHelper: helpers?[host]?.stringValue)
                if entry["auth"] == .string(token.encoded) { continue }
                entry["auth"] = .string(token.encoded)
                auths[host] = .object(entry)
                changed = true
            }
            object["auths"] = .object(auths)
            if let helper, !update.notices.isEmpty {
                var registered = try credHelpersMap(in: object) ?? [:]
                for index in update.notices.indices {
                    let host = update.notices[index].host
                    registered[host] = .string(helper)
                    update.notices[index].registeredHelper = helper
                    update.written[host]?.registeredHelper = true
                }
                object["credHelpers"] = .object(registered)
                changed = true
            }
            try beforeChange(update)
            return (changed ? .write(object) : .keep, update)
        }
    }

    /// Undoes what `set` did for `written`: puts back each host's `auths` entry as it was before (removing it
    /// when there was none) and each `credHelpers` entry ecr-sessions registered, then tidies up to `prior`
    /// (an `auths` map left empty is removed unless it was there before, a file left as `{}` is deleted if there
    /// was none; the folder and other keys stay), removing a `credHelpers` map left empty that `original` did not have.
    /// When the result means the same as `original` (the bytes from the first `set`), those exact bytes are
    /// written back, so a file nobody else changed is left byte for byte as it was before login. An earlier entry
    /// that is an ECR token expired before `now` is not put back: the host's entry is removed instead.
    @discardableResult
    public func restore(_ written: [WrittenEntry], prior: PriorState, original: Data?, now: Date = Date())
        throws(TargetError) -> Removal
    {
        guard try file.exists() else { return Removal() }
        return try file.modifyContents { (existing) throws(TargetError) -> (JSONObjectFile.Change, Removal) in
            guard let existing else { return (.keep, Removal()) }
            var object = existing.object
            var auths = try authsMap(in: object) ?? [:]
            var helpers = object["credHelpers"]?.objectValue
            var removal = Removal()
            for entry in written {
                if let prior = entry.priorAuth, let parsed = try? JSONValue.parse(Data(prior.utf8)),
                    let value = Self.restorable(parsed, host: entry.host, now: now)
                {
                    auths[entry.host] = value
                    removal.removedHosts.insert(entry.host)
                } else if auths.removeValue(forKey: entry.host) != nil {
                    removal.removedHosts.insert(entry.host)
                }
                if entry.registeredHelper, helpers != nil {
                    helpers?[entry.host] = entry.priorHelper.map(JSONValue.string)
                }
            }
            let originalObject = original.flatMap { try? JSONValue.parse($0) }?.objectValue
            if auths.isEmpty && prior != .hadAuths && object["auths"] != nil {
                object["auths"] = nil
                removal.removedAuths = true
            } else if object["auths"] != nil || !auths.isEmpty {
                object["auths"] = .object(auths)
            }
            if let helpers {
                object["credHelpers"] =
                    helpers.isEmpty && originalObject?["credHelpers"] == nil ? nil : .object(helpers)
            }
            // Compared as JSON values: a boolean, a number's text or nesting deeper than Foundation's limit no
            // longer stops the original bytes from coming back.
            if let original, let originalObject, object == originalObject {
                return (existing.text == original ? .keep : .writeText(original), removal)
            }
            if object.isEmpty && prior == .noFile {
                removal.removedFile = true
                return (.delete, removal)
            }
            return (object == existing.object ? .keep : .write(object), removal)
        }
    }

    /// A host's earlier `auths` entry as JSON text to keep for logout, nil when nothing of it is worth putting back.
    private static func worthRestoring(_ entry: [String: JSONValue], host: String, now: Date) -> String? {
        restorable(.object(entry), host: host, now: now)?.rendered
    }

    /// `entry` without an `auth` that is an expired ECR token; nil when nothing else is left of it.
    private static func restorable(_ entry: JSONValue, host: String, now: Date) -> JSONValue? {
        guard var object = entry.objectValue, let auth = object["auth"]?.stringValue,
            ExpiredECRToken.matches(auth: auth, host: host, now: now)
        else { return entry }
        object["auth"] = nil
        return object.isEmpty ? nil : .object(object)
    }

    private var file: JSONObjectFile { JSONObjectFile(path: path, lockTimeout: lockTimeout) }

    /// The hosts among `entries` whose `auths` entry is missing or holds another token: a `docker logout`, a
    /// deleted or replaced file. Reads without the lock (files are only ever replaced whole) and writes nothing.
    public func hostsOutOfDate(_ entries: [String: AuthorizationToken]) throws(TargetError) -> Set<String> {
        var auths: [String: JSONValue] = [:]
        if let object = try file.currentObject() {
            auths = try authsMap(in: object) ?? [:]
        }
        return Set(
            entries.compactMap { host, token in
                auths[host]?.objectValue?["auth"] == .string(token.encoded) ? nil : host
            })
    }

    /// The `credHelpers` map, nil when absent; anything but an object is refused rather than overwritten.
    private func credHelpersMap(in object: [String: JSONValue]) throws(TargetError) -> [String: JSONValue]? {
        try map("credHelpers", in: object)
    }

    /// The `auths` map, nil when absent; anything but an object is refused rather than overwritten.
    private func authsMap(in object: [String: JSONValue]) throws(TargetError) -> [String: JSONValue]? {
        try map("auths", in: object)
    }

    private func map(_ key: String, in object: [String: JSONValue]) throws(TargetError) -> [String: JSONValue]? {
        guard let value = object[key] else { return nil }
        guard let members = value.objectValue else { throw .notAnObject(file: path, keyPath: [key]) }
        return members
    }
}
