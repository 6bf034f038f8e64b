import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates the cache file and its directories with owner-only modes before SQLite opens the file, so a token is
/// never written to a file others can read, whatever the umask.
enum CacheFile {
    /// Creates the missing directories of `path`'s parent with mode 0700 and the file itself with mode 0600.
    ///
    /// Directories that already exist are left as they are: they may be the user's (`~/.local/state`, or whatever
    /// `ECR_SESSIONS_STATE_DIR` names). The file is ours, so a looser mode on it is tightened.
    static func prepare(_ path: String) throws(CacheError) {
        try makeDirectories((path as NSString).deletingLastPathComponent, path: path)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure(errno, "cannot create or open the file", path: path) }
        defer { close(descriptor) }
        // open()'s mode is masked by the umask; fchmod is not, and also tightens a file someone loosened.
        guard fchmod(descriptor, 0o600) == 0 else { throw failure(errno, "cannot set its mode to 0600", path: path) }
    }

    private static func makeDirectories(_ directory: String, path: String) throws(CacheError) {
        guard !directory.isEmpty, directory != "/" else { return }
        var info = stat()
        if stat(directory, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw .failed(path: path, reason: "\(directory) is not a directory")
            }
            return
        }
        try makeDirectories((directory as NSString).deletingLastPathComponent, path: path)
        if mkdir(directory, 0o700) != 0 {
            // Another process (cron and a manual run) may have created it in between.
            guard errno == EEXIST else { throw failure(errno, "cannot create the directory \(directory)", path: path) }
            return
        }
        guard chmod(directory, 0o700) == 0 else {
            throw failure(errno, "cannot set the mode of \(directory) to 0700", path: path)
        }
    }

    private static func failure(_ code: Int32, _ what: String, path: String) -> CacheError {
        let reason = "\(what): \(String(cString: strerror(code)))"
        return code == EACCES || code == EPERM || code == EROFS
            ? .permissionDenied(path: path, reason: reason) : .failed(path: path, reason: reason)
    }
}
