import Foundation

/// Creates the cache file and its directories with owner-only modes before SQLite opens the file, so a token is
/// never written to a file others can read, whatever the umask; and moves a damaged one aside.
enum CacheFile {
    /// Creates the missing directories of `path`'s parent with mode 0700 and the file itself with mode 0600.
    ///
    /// Directories that already exist are left as they are: they may be the user's (`~/.local/state`, or whatever
    /// `ECR_SESSIONS_STATE_DIR` names). The file is ours, so a looser mode on it is tightened. A folder where the
    /// file should be is `CacheError.notAFile`.
    static func prepare(_ path: String) throws(CacheError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if directory != "/" { try FileSystem.makePrivateDirectory(directory) }
        } catch {
            throw Self.error(error, path: path)
        }
        guard !FileSystem.isDirectory(path) else { throw .notAFile(path: path) }
        do {
            try FileSystem.createPrivateFile(path)
        } catch {
            throw Self.error(error, path: path)
        }
    }

    /// The cache error for an OS call about `path` that failed: no permission, or anything else.
    static func error(_ error: SystemError, path: String) -> CacheError {
        let reason = "cannot \(error.action): \(error.reason)"
        return error.code == EACCES || error.code == EPERM || error.code == EROFS
            ? .permissionDenied(path: path, reason: reason) : .failed(path: path, reason: reason)
    }

    /// Moves the file or folder at `path`, and its `-wal` journal, to `<path>.broken-<now as 20261122T193115Z>`
    /// (with `-2`, `-3`, … when that is taken) and returns where it went. The `-shm` index is only removed: SQLite
    /// rebuilds it from the journal.
    static func moveAside(_ path: String, now: Date) throws(CacheError) -> String {
        let stamp = now.formatted(Date.ISO8601FormatStyle(dateSeparator: .omitted, timeSeparator: .omitted))
        var destination = "\(path).broken-\(stamp)"
        var attempt = 1
        while FileSystem.entryExists(destination) || FileSystem.entryExists(destination + "-wal") {
            attempt += 1
            destination = "\(path).broken-\(stamp)-\(attempt)"
        }
        do {
            try FileSystem.move(path, to: destination)
            if FileSystem.entryExists(path + "-wal") { try FileSystem.move(path + "-wal", to: destination + "-wal") }
            try FileSystem.remove(path + "-shm")
        } catch {
            throw Self.error(error, path: path)
        }
        return destination
    }
}
