import Foundation

/// Makes sure only one refresh (from cron, a timer, a daemon or by hand) works at a time: an exclusive `flock` on
/// `refresh.lock` beside the cache, held while the lock value lives. The kernel drops it if the process dies, so a
/// crashed run never blocks the next.
public final class RunLock: Sendable {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock, or returns nil at once when another process holds it.
    public static func acquire(beside cachePath: String) throws(RunLockError) -> RunLock? {
        let path = (cachePath as NSString).deletingLastPathComponent + "/refresh.lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw RunLockError(path: path, code: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(descriptor)
            if code == EWOULDBLOCK { return nil }
            throw RunLockError(path: path, code: code)
        }
        // The holder's pid, for the message a second run prints.
        let pid = "\(getpid())\n"
        ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return RunLock(descriptor: descriptor, path: path)
    }

    /// The pid written by the process holding the lock at `cachePath`, if it can be read.
    public static func holder(beside cachePath: String) -> Int? {
        let path = (cachePath as NSString).deletingLastPathComponent + "/refresh.lock"
        return (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
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
