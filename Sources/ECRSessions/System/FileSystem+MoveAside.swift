import Foundation

/// What healing a damaged cache needs of the file system: how big a file is, and moving a file or folder aside.
extension FileSystem {
    /// The size in bytes of the regular file at `path`; nil when nothing is there or it is not a regular file.
    static func regularFileSize(_ path: String) -> Int64? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int64(status.st_size)
    }

    /// Renames the file or folder at `path` to `destination` in the same folder, refusing (EEXIST) to replace
    /// anything already there. Callers that race each other hold a lock around it: the check and the rename are
    /// two calls.
    static func move(_ path: String, to destination: String) throws(SystemError) {
        guard !entryExists(destination) else { throw SystemError("move \(path) to \(destination)", code: EEXIST) }
        guard rename(path, destination) == 0 else { throw SystemError("move \(path) to \(destination)") }
        syncDirectory(directory(of: destination))
    }
}
