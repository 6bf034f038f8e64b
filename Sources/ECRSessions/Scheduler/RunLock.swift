import Foundation

/// Makes sure only one refresh (from cron, a timer, a daemon or by hand) works at a time: an exclusive lock on
/// `refresh.lock` beside the cache, held while the lock value lives, with the holder's pid written in it.
public final class RunLock: Sendable {
    private let lock: LockFile
    public var path: String { lock.path }

    /// Takes the lock, or returns nil at once when another process holds it.
    public static func acquire(beside cachePath: String) throws(RunLockError) -> RunLock? {
        let path = lockPath(beside: cachePath)
        let acquired: LockFile?
        do {
            acquired = try LockFile.tryExclusive(at: path)
        } catch {
            throw RunLockError(path: path, code: error.code)
        }
        guard let acquired else { return nil }
        // The holder's pid, for the message a second run prints.
        acquired.writeProcessID()
        return RunLock(lock: acquired)
    }

    /// The pid written by the process holding the lock at `cachePath`, if it can be read.
    public static func holder(beside cachePath: String) -> Int? {
        LockFile.processID(at: lockPath(beside: cachePath))
    }

    private static func lockPath(beside cachePath: String) -> String {
        FileSystem.directory(of: cachePath) + "/refresh.lock"
    }

    private init(lock: LockFile) {
        self.lock = lock
    }
}

/// The refresh lock file could not be opened or locked.
public struct RunLockError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var code: Int32

    public var description: String {
        "cannot lock \(path): \(String(cString: strerror(code))); check that the state directory is yours and writable"
    }
}
