import Foundation

/// What `doctor` asks of a file without reading it: its permission bits, and whether this user could write it.
extension FileSystem {
    /// The permission bits of what `path` names (a symbolic link is followed); nil when nothing is there.
    static func permissions(atPath path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & 0o7777
    }

    /// Whether this user may write `path`, or, when it does not exist yet, create it in the nearest folder above it
    /// that does.
    static func isWritable(_ path: String) -> Bool {
        var candidate = path
        while !exists(candidate) {
            let parent = directory(of: candidate)
            guard parent != candidate else { return false }
            candidate = parent
        }
        return access(candidate, W_OK) == 0
    }
}
