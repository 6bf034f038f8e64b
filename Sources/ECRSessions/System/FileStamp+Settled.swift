import Foundation

extension FileStamp {
    /// One version of a file as text (device, inode, size, modification and status change times, from one `stat`),
    /// nil when the file is not there or changed less than `settleTime` before `now`, the wall clock's time.
    ///
    /// Meant for remembering something about the file's contents until the file changes. The two times come from the
    /// kernel's coarse clock: two writes of the same size in one tick (a few milliseconds), in place, keep the same
    /// stamp. A stamp is therefore only handed out once both times are `settleTime` old, so that any later change,
    /// made after this call, gets a later status change time than the one recorded. The status change time is there
    /// because no program can set it back: a rewrite dated back to the old modification time (`touch -r`) in the same
    /// inode still changes it. A file replaced by rename (docker, podman, ourselves) is a new inode, made after this
    /// call, so its status change time is later too even when the inode number is reused.
    static func settledVersion(path: String, settleTime: TimeInterval = 2, now: Date = Date()) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        #if canImport(Darwin)
            let (modified, changed) = (status.st_mtimespec, status.st_ctimespec)
        #else
            let (modified, changed) = (status.st_mtim, status.st_ctim)
        #endif
        let latest = max(
            TimeInterval(modified.tv_sec) + TimeInterval(modified.tv_nsec) / 1e9,
            TimeInterval(changed.tv_sec) + TimeInterval(changed.tv_nsec) / 1e9)
        guard latest < now.timeIntervalSince1970 - settleTime else { return nil }
        return "\(status.st_dev):\(status.st_ino):\(status.st_size):\(modified.tv_sec).\(modified.tv_nsec)"
            + ":\(changed.tv_sec).\(changed.tv_nsec)"
    }
}
