import Foundation

/// Replaces a file whole: a crash or a full disk leaves either the old file or the new one, never a torn one, and
/// readers without a lock see one version or the other.
enum AtomicFile {
    /// Writes `data` to a temporary file beside `path` with exactly `mode`, flushes it to disk and renames it over
    /// `path`. On failure the temporary file is removed and `path` is left as it was.
    ///
    /// `isStillCurrent` is asked once the new bytes are on disk, just before the rename: when it says no (another
    /// process replaced `path` since the caller read it), the temporary file is removed, `path` is left alone and
    /// the result is false, so the caller can start over from what is there now.
    @discardableResult
    static func replace(
        _ path: String, with data: Data, mode: mode_t, ifStillCurrent isStillCurrent: () -> Bool = { true }
    ) throws(SystemError) -> Bool {
        let (descriptor, temporary) = try createTemporaryFile(beside: path)
        var renamed = false
        defer { if !renamed { unlink(temporary) } }

        // fchmod rather than a creation mode, so the umask cannot change the result.
        var failure: SystemError? = nil
        if fchmod(descriptor, mode) != 0 {
            failure = SystemError("set the permissions of \(temporary)")
        } else if let code = writeAll(data, to: descriptor) {
            failure = SystemError("write \(temporary)", code: code)
        } else if fsync(descriptor) != 0 {
            failure = SystemError("flush \(temporary) to disk")
        }
        if close(descriptor) != 0 && failure == nil {
            failure = SystemError("write \(temporary)")
        }
        if let failure { throw failure }

        guard isStillCurrent() else { return false }
        guard rename(temporary, path) == 0 else { throw SystemError("replace \(path)") }
        renamed = true
        FileSystem.syncDirectory(FileSystem.directory(of: path))
        return true
    }

    /// Removes the temporary files `replace` left beside `path` when a process was killed between creating one and
    /// renaming it (they may hold registry passwords): entries named like ours, regular files owned by this user,
    /// last modified more than `age` ago, so a write in progress in another process is never touched. Best effort.
    static func removeAbandonedTemporaryFiles(beside path: String, olderThan age: TimeInterval = 60) {
        let directory = FileSystem.directory(of: path)
        let prefix = "." + (path.split(separator: "/").last.map(String.init) ?? path) + "."
        let names = FileSystem.names(in: directory)
        let cutoff = Int(Date().timeIntervalSince1970 - age)
        for name in names where name.hasPrefix(prefix) {
            let suffix = name.utf8.dropFirst(prefix.utf8.count)
            guard (1...8).contains(suffix.count), suffix.allSatisfy({ isLowercaseHexDigit($0) }) else { continue }
            let candidate = directory + "/" + name
            var status = stat()
            guard lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFREG, status.st_uid == getuid()
            else { continue }
            #if canImport(Darwin)
                let modified = Int(status.st_mtimespec.tv_sec)
            #else
                let modified = Int(status.st_mtim.tv_sec)
            #endif
            if modified < cutoff { unlink(candidate) }
        }
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    /// Creates a new, empty file named like `.config.json.01a2b3c4` (eight hex digits) next to `path`, open for
    /// writing and closed on exec (O_CLOEXEC, which mkstemp cannot promise, because other threads may be starting
    /// children).
    private static func createTemporaryFile(beside path: String) throws(SystemError) -> (
        descriptor: Int32, path: String
    ) {
        let directory = FileSystem.directory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        while true {
            let hex = String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let candidate = "\(directory)/.\(name).\(String(repeating: "0", count: 8 - hex.count))\(hex)"
            let descriptor = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, candidate) }
            guard errno == EEXIST else { throw SystemError("create a temporary file in \(directory)") }
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
}
