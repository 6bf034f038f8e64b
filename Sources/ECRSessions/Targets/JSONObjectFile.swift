import Foundation
import Synchronization

/// A file holding one JSON object, changed by read-modify-write under a lock and replaced atomically.
///
/// The building block under every registry config target; it knows nothing of `auths`.
struct JSONObjectFile {
    /// What to do with the file once its new contents are known.
    enum Change {
        case keep
        case write([String: JSONValue])
        /// Writes these exact bytes: how logout puts back the text the user had, formatting and all.
        case writeText(Data)
        case delete
    }

    /// The file as read: its object, and its bytes so that a caller can later put them back exactly.
    struct Contents {
        var object: [String: JSONValue]
        var text: Data
    }

    /// The path as configured; it may be a symbolic link, which is followed and kept.
    let path: String
    let lockTimeout: Duration

    /// Whether the file (or the symbolic link's target) exists.
    func exists() throws(TargetError) -> Bool {
        FileSystem.exists(try target())
    }

    /// The current object, or nil when there is no file. Reads without the lock: the file is only ever
    /// replaced whole by rename, so a reader sees one version or the other.
    func currentObject() throws(TargetError) -> [String: JSONValue]? {
        try load(try target())?.object
    }

    /// Reads the object (nil when there is no file), lets `body` decide the change, and applies it, all under
    /// the lock. A file that is not a JSON object is refused before `body` runs, and left as it is.
    func modify<Result>(_ body: ([String: JSONValue]?) throws(TargetError) -> (Change, Result)) throws(TargetError)
        -> Result
    {
        try modifyContents { (current) throws(TargetError) in try body(current?.object) }
    }

    /// How many times a change is worked out afresh when another process replaced the file meanwhile.
    static let attempts = 10

    /// The last text this process read or wrote at each file, with its object: a login sweep's next batch that finds
    /// the file as the last one left it need not parse it again (a thousand entries cost 11 M instructions a parse,
    /// once a batch). The file is still read each time and compared byte for byte, so any change by anyone, even to
    /// the same size and time, is parsed afresh; the object is only ever the parse of exactly these bytes, or the
    /// object they were rendered from (`JSONValue.rendered` parses back to it).
    private static let lastParsed = Mutex<[String: (text: Data, object: [String: JSONValue])]>([:])

    /// `modify`, with the file's bytes as well as its object.
    ///
    /// Writers that take no lock (docker, podman: temp file and rename) may replace the file between our read and our
    /// rename, and our rename would then drop what they wrote. So once the new bytes are on disk, the file's stamp
    /// (inode, size, modification time) is compared with the one taken before the read, and when it changed the
    /// read, `body` and the write start over, up to `attempts` times, a few milliseconds apart (the last attempt
    /// writes regardless). What is left is the moment between that comparison and the rename, a few microseconds
    /// instead of the whole read-to-rename time with its fsync; no file API closes it, since rename cannot be made
    /// conditional. A writer that keeps rewriting the file faster than one attempt takes can still lose a key.
    /// `body` may therefore run more than once; each run sees the file as it is then.
    func modifyContents<Result>(_ body: (Contents?) throws(TargetError) -> (Change, Result)) throws(TargetError)
        -> Result
    {
        let target = try target()
        let directory = FileSystem.directory(of: target)
        // 0700 like `~/.docker` made by docker.
        try system { () throws(SystemError) in try FileSystem.makePrivateDirectory(directory) }
        return try FileLock.withExclusiveLock(at: target + ".lock", timeout: lockTimeout, guarding: path) {
            () throws(TargetError) -> Result in
            var attempt = 1
            while true {
                let stamp = FileStamp(path: target)
                let current = try load(target)
                let (change, result) = try body(current.map { Contents(object: $0.object, text: $0.text) })
                let lastAttempt = attempt == Self.attempts
                let isStillCurrent = { lastAttempt || FileStamp(path: target) == stamp }
                attempt += 1
                let bytes: Data
                switch change {
                case .keep:
                    return result
                case .write(let object):
                    bytes = Data(JSONValue.object(object).renderedBytes)
                    Self.lastParsed.withLock { $0[target] = (bytes, object) }
                case .writeText(let text):
                    bytes = text
                case .delete:
                    guard isStillCurrent() else { continue }
                    try system { () throws(SystemError) in try FileSystem.remove(target) }
                    FileSystem.syncDirectory(directory)
                    return result
                }
                // Temporary files of runs killed before their rename; ours, since they match our pattern.
                AtomicFile.removeAbandonedTemporaryFiles(beside: target)
                // A new file is private: it holds registry passwords. An existing one keeps the mode its owner chose.
                let replaced = try system { () throws(SystemError) in
                    try AtomicFile.replace(
                        target, with: bytes, mode: current?.mode ?? 0o600, ifStillCurrent: isStillCurrent)
                }
                if replaced { return result }
                // Another writer is at work: let it finish before reading again.
                Pause.randomMilliseconds(in: 1...4)
            }
        }
    }

    // MARK: - Steps

    /// Runs a System step, turning its failure into the error that names this file.
    private func system<Value>(_ step: () throws(SystemError) -> Value) throws(TargetError) -> Value {
        do {
            return try step()
        } catch {
            throw .fileSystem(file: path, action: error.action, code: error.code)
        }
    }

    /// The file to read and replace: `path` with symbolic links followed, as docker does, so replacing the
    /// file keeps the link (dotfile managers link `config.json` into a repository).
    private func target() throws(TargetError) -> String {
        try system { () throws(SystemError) in try FileSystem.followingSymbolicLinks(path) }
    }

    /// The file's object and permission bits, or nil when it does not exist.
    private func load(_ target: String) throws(TargetError) -> (object: [String: JSONValue], text: Data, mode: mode_t)?
    {
        guard let contents = try system({ () throws(SystemError) in try FileSystem.contents(atPath: target) }) else {
            return nil
        }
        if let known = Self.lastParsed.withLock({ $0[target] }), known.text == contents.data {
            return (known.object, contents.data, contents.mode)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(contents.data)
        } catch  where error.tooDeep {
            throw .nestedTooDeeply(file: path, limit: JSONValue.maximumDepth)
        } catch {
            throw .invalidJSON(file: path, line: error.line, column: error.column)
        }
        guard let object = value.objectValue else { throw .notAnObject(file: path, keyPath: []) }
        Self.lastParsed.withLock { $0[target] = (contents.data, object) }
        return (object, contents.data, contents.mode)
    }
}
