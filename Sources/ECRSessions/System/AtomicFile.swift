import Foundation

/// Replaces a file whole: a crash or a full disk leaves either the old file or the new one, never a torn one, and
/// readers without a lock see one version or the other.
enum AtomicFile {
    /// Writes `data` to a temporary file beside `path` with exactly `mode`, flushes it to disk and renames it over
    /// `path`. On failure the temporary file is removed and `path` is left as it was.
    static func replace(_ path: String, with data: Data, mode: mode_t) throws(SystemError) {
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

        guard rename(temporary, path) == 0 else { throw SystemError("replace \(path)") }
        renamed = true
        FileSystem.syncDirectory(FileSystem.directory(of: path))
    }

    /// Creates a new, empty file named like `.config.json.1a2b3c4d` next to `path`, open for writing and closed on
    /// exec (O_CLOEXEC, which mkstemp cannot promise, because other threads may be starting children).
    private static func createTemporaryFile(beside path: String) throws(SystemError) -> (descriptor: Int32, path: String)
    {
        let directory = FileSystem.directory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        while true {
            let candidate = "\(directory)/.\(name).\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
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
