import Foundation

/// Creates the cache file and its directories with owner-only modes before SQLite opens the file, so a token is
/// never written to a file others can read, whatever the umask.
enum CacheFile {
    /// Creates the missing directories of `path`'s parent with mode 0700 and the file itself with mode 0600.
    ///
    /// Directories that already exist are left as they are: they may be the user's (`~/.local/state`, or whatever
    /// `ECR_SESSIONS_STATE_DIR` names). The file is ours, so a looser mode on it is tightened.
    static func prepare(_ path: String) throws(CacheError) {
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if directory != "/" { try FileSystem.makePrivateDirectory(directory) }
            try FileSystem.createPrivateFile(path)
        } catch {
            let reason = "cannot \(error.action): \(error.reason)"
            throw error.code == EACCES || error.code == EPERM || error.code == EROFS
                ? .permissionDenied(path: path, reason: reason) : .failed(path: path, reason: reason)
        }
    }
}
