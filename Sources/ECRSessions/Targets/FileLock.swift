import Foundation

/// An exclusive `flock` on a lock file, held while a config file is read, changed and replaced, so two
/// ecr-sessions processes never lose each other's entries. (docker itself takes no lock; this only orders us.)
///
/// The lock file is removed on release, so nothing is left beside the user's config. That is safe because
/// whoever gets the lock checks the path still names the file it locked, and starts over if not.
enum FileLock {
    /// Runs `body` while holding the lock on `lockPath`, waiting up to `timeout` for another holder.
    /// `file` is the config file the lock guards, for error messages.
    static func withExclusiveLock<Result>(
        at lockPath: String, timeout: Duration, guarding file: String,
        _ body: () throws(TargetError) -> Result
    ) throws(TargetError) -> Result {
        let descriptor = try acquire(lockPath, timeout: timeout, guarding: file)
        defer {
            unlink(lockPath)  // while still holding it; see the type's comment
            close(descriptor)
        }
        return try body()
    }

    private static func acquire(_ lockPath: String, timeout: Duration, guarding file: String) throws(TargetError)
        -> Int32
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pauseMilliseconds: UInt32 = 5
        while true {
            let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw .fileSystem(file: file, action: "create the lock file \(lockPath)", code: errno)
            }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                if names(lockPath, descriptor) { return descriptor }
                close(descriptor)  // the previous holder removed it on release; lock the current file instead
                continue
            }
            let code = errno
            close(descriptor)
            guard code == EWOULDBLOCK || code == EINTR else {
                throw .fileSystem(file: file, action: "lock \(lockPath)", code: code)
            }
            guard clock.now < deadline else {
                let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
                throw .lockTimedOut(file: file, lockFile: lockPath, seconds: seconds)
            }
            // Polling rather than a blocking flock, so a stuck holder ends in an error instead of a hang.
            usleep(pauseMilliseconds * 1000)
            pauseMilliseconds = min(pauseMilliseconds * 2, 100)
        }
    }

    /// Whether `path` still names the open file `descriptor`.
    private static func names(_ path: String, _ descriptor: Int32) -> Bool {
        var opened = stat()
        var named = stat()
        guard fstat(descriptor, &opened) == 0, stat(path, &named) == 0 else { return false }
        return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
    }
}
