import Foundation

/// An exclusive lock on a lock file beside a config file, held while the file is read, changed and replaced, so two
/// ecr-sessions processes never lose each other's entries. (docker itself takes no lock; this only orders us.)
///
/// The lock file is removed on release, so nothing is left beside the user's config (see `LockFile`).
enum FileLock {
    /// Runs `body` while holding the lock on `lockPath`, waiting up to `timeout` for another holder.
    /// `file` is the config file the lock guards, for error messages.
    static func withExclusiveLock<Result>(
        at lockPath: String, timeout: Duration, guarding file: String,
        _ body: () throws(TargetError) -> Result
    ) throws(TargetError) -> Result {
        let acquired: LockFile?
        do {
            acquired = try LockFile.exclusive(at: lockPath, timeout: timeout, removedOnRelease: true)
        } catch {
            throw .fileSystem(file: file, action: error.action, code: error.code)
        }
        guard let lock = acquired else {
            let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
            throw .lockTimedOut(file: file, lockFile: lockPath, seconds: seconds)
        }
        return try withExtendedLifetime(lock) { () throws(TargetError) -> Result in try body() }
    }
}
