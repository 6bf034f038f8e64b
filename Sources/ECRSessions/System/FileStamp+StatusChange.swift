import Foundation

extension FileStamp {
    /// The time of the file's last status change (`st_ctime`), in nanoseconds since 1970, or nil when it is not
    /// there. Unlike the modification time no program can set it back: a file rewritten and dated back to its old
    /// modification time (`touch -r`, a restore that keeps times) in the same inode still shows a new one.
    static func statusChangeNanoseconds(path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        #if canImport(Darwin)
            return Int(status.st_ctimespec.tv_sec) * 1_000_000_000 + Int(status.st_ctimespec.tv_nsec)
        #else
            return Int(status.st_ctim.tv_sec) * 1_000_000_000 + Int(status.st_ctim.tv_nsec)
        #endif
    }
}
