import Foundation

/// A file holding one JSON object, changed by read-modify-write under a lock and replaced atomically.
///
/// The building block under every registry config target; it knows nothing of `auths`.
struct JSONObjectFile {
    /// What to do with the file once its new contents are known.
    enum Change {
        case keep
        case write([String: Any])
        /// Writes these exact bytes: how logout puts back the text the user had, formatting and all.
        case writeText(Data)
        case delete
    }

    /// The file as read: its object, and its bytes so that a caller can later put them back exactly.
    struct Contents {
        var object: [String: Any]
        var text: Data
    }

    /// The path as configured; it may be a symbolic link, which is followed and kept.
    let path: String
    let lockTimeout: Duration

    /// Whether the file (or the symbolic link's target) exists.
    func exists() throws(TargetError) -> Bool {
        access(try target(), F_OK) == 0
    }

    /// The current object, or nil when there is no file. Reads without the lock: the file is only ever
    /// replaced whole by rename, so a reader sees one version or the other.
    func currentObject() throws(TargetError) -> [String: Any]? {
        try load(try target())?.object
    }

    /// Reads the object (nil when there is no file), lets `body` decide the change, and applies it, all under
    /// the lock. A file that is not a JSON object is refused before `body` runs, and left as it is.
    func modify<Result>(_ body: ([String: Any]?) throws(TargetError) -> (Change, Result)) throws(TargetError)
        -> Result
    {
        try modifyContents { (current) throws(TargetError) in try body(current?.object) }
    }

    /// `modify`, with the file's bytes as well as its object.
    func modifyContents<Result>(_ body: (Contents?) throws(TargetError) -> (Change, Result)) throws(TargetError)
        -> Result
    {
        let target = try target()
        let directory = Self.directory(of: target)
        try makeDirectory(directory)
        return try FileLock.withExclusiveLock(at: target + ".lock", timeout: lockTimeout, guarding: path) {
            () throws(TargetError) -> Result in
            let current = try load(target)
            let (change, result) = try body(current.map { Contents(object: $0.object, text: $0.text) })
            switch change {
            case .keep:
                break
            case .write(let object):
                // A new file is private: it holds registry passwords. An existing one keeps the mode its owner chose.
                try replace(target, with: Data(JSONText.render(object).utf8), mode: current?.mode ?? 0o600)
            case .writeText(let text):
                try replace(target, with: text, mode: current?.mode ?? 0o600)
            case .delete:
                guard unlink(target) == 0 || errno == ENOENT else {
                    throw .fileSystem(file: path, action: "remove \(target)", code: errno)
                }
                syncDirectory(directory)
            }
            return result
        }
    }

    // MARK: - Steps

    /// The file to read and replace: `path` with symbolic links followed, as docker does, so replacing the
    /// file keeps the link (dotfile managers link `config.json` into a repository).
    private func target() throws(TargetError) -> String {
        var current = path
        for _ in 0..<40 {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = readlink(current, &buffer, buffer.count - 1)
            // Not a link (EINVAL) or not there (ENOENT): this is the file. Other errors surface on open.
            guard length >= 0 else { return current }
            let destination = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = destination.hasPrefix("/") ? destination : Self.directory(of: current) + "/" + destination
        }
        throw .fileSystem(file: path, action: "follow the symbolic links of \(path)", code: ELOOP)
    }

    /// The file's object and permission bits, or nil when it does not exist.
    private func load(_ target: String) throws(TargetError) -> (object: [String: Any], text: Data, mode: mode_t)? {
        let descriptor = open(target, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .fileSystem(file: path, action: "open \(target)", code: errno)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .fileSystem(file: path, action: "inspect \(target)", code: errno)
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw .fileSystem(file: path, action: "read \(target)", code: errno)
            }
            data.append(contentsOf: chunk[..<count])
        }
        let value: Any
        do {
            value = try JSONText.parse(data)
        } catch {
            throw .invalidJSON(file: path, line: error.line, column: error.column)
        }
        guard let object = value as? [String: Any] else { throw .notAnObject(file: path, keyPath: []) }
        return (object, data, status.st_mode & 0o7777)
    }

    /// Creates `directory` and any missing parents, 0700 like `~/.docker` made by docker.
    private func makeDirectory(_ directory: String) throws(TargetError) {
        if mkdir(directory, 0o700) == 0 {
            // mkdir's mode passes through the umask; an unusual one (say 0277) would leave a folder we cannot write.
            chmod(directory, 0o700)
            return
        }
        switch errno {
        case EEXIST:
            return
        case ENOENT where directory != Self.directory(of: directory):
            try makeDirectory(Self.directory(of: directory))
            try makeDirectory(directory)
        case let code:
            throw .fileSystem(file: path, action: "create the folder \(directory)", code: code)
        }
    }

    /// Writes a temporary file beside `target`, flushes it to disk and renames it over `target`, so a crash
    /// leaves either the old file or the new one, never a torn one.
    private func replace(_ target: String, with data: Data, mode: mode_t) throws(TargetError) {
        let (descriptor, temporary) = try createTemporaryFile(beside: target)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }

        // fchmod rather than a creation mode, so the umask cannot change the result.
        var failure: (action: String, code: Int32)? = nil
        if fchmod(descriptor, mode) != 0 {
            failure = ("set the permissions of \(temporary)", errno)
        } else if let code = Self.writeAll(data, to: descriptor) {
            failure = ("write \(temporary)", code)
        } else if fsync(descriptor) != 0 {
            failure = ("flush \(temporary) to disk", errno)
        }
        if close(descriptor) != 0 && failure == nil {
            failure = ("write \(temporary)", errno)
        }
        if let failure { throw .fileSystem(file: path, action: failure.action, code: failure.code) }

        guard rename(temporary, target) == 0 else {
            throw .fileSystem(file: path, action: "replace \(target)", code: errno)
        }
        renamed = true
        syncDirectory(Self.directory(of: target))
    }

    /// Creates a new, empty file named like `.config.json.1a2b3c4d` next to `target`, open for writing and
    /// closed on exec (O_CLOEXEC, which mkstemp cannot promise, because other threads may be starting children).
    private func createTemporaryFile(beside target: String) throws(TargetError) -> (descriptor: Int32, path: String) {
        let directory = Self.directory(of: target)
        let name = target.split(separator: "/").last.map(String.init) ?? target
        while true {
            let candidate = "\(directory)/.\(name).\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, candidate) }
            guard errno == EEXIST else {
                throw .fileSystem(file: path, action: "create a temporary file in \(directory)", code: errno)
            }
        }
    }

    /// Returns errno on failure, nil when every byte was written.
    private static func writeAll(_ data: Data, to descriptor: Int32) -> Int32? {
        var written = 0
        while written < data.count {
            let count = data.withUnsafeBytes { bytes in
                write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return errno
            }
            written += count
        }
        return nil
    }

    /// Flushes the directory entry so the rename itself survives a power cut. Best effort: the file is already
    /// replaced, and some file systems refuse fsync on a directory.
    private func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
