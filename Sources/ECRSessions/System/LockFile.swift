import Foundation

/// An exclusive `flock` on a file, held while the value lives. The kernel drops it when the process dies, so a
/// crashed holder never blocks the next one. `flock` locks belong to open file descriptions, so two `LockFile`s
/// exclude each other within one process as well as across processes.
final class LockFile: Sendable {
    let path: String
    private let descriptor: Int32
    private let removedOnRelease: Bool

    /// Takes the lock on `path` (creating the file, mode 0600), waiting up to `timeout` for another holder;
    /// nil when the time ran out.
    ///
    /// With `removedOnRelease`, the file is removed when the lock is released, so nothing is left behind. That is
    /// safe because whoever gets the lock checks that the path still names the file it locked, and starts over if
    /// not.
    static func exclusive(at path: String, timeout: Duration, removedOnRelease: Bool = false) throws(SystemError)
        -> LockFile?
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var pauseMilliseconds: UInt32 = 5
        while true {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw SystemError("create the lock file \(path)") }
            if flock(descriptor, LOCK_EX | LOCK_NB) == 0 {
                if names(path, descriptor) {
                    return LockFile(path: path, descriptor: descriptor, removedOnRelease: removedOnRelease)
                }
                close(descriptor)  // the previous holder removed it on release; lock the current file instead
                continue
            }
            let code = errno
            close(descriptor)
            guard code == EWOULDBLOCK || code == EINTR else { throw SystemError("lock \(path)", code: code) }
            guard clock.now < deadline else { return nil }
            // Polling rather than a blocking flock, so a stuck holder ends in an error instead of a hang.
            usleep(pauseMilliseconds * 1000)
            pauseMilliseconds = min(pauseMilliseconds * 2, 100)
        }
    }

    /// Takes the lock on `path`, or returns nil at once when another holder has it.
    static func tryExclusive(at path: String, removedOnRelease: Bool = false) throws(SystemError) -> LockFile? {
        try exclusive(at: path, timeout: .zero, removedOnRelease: removedOnRelease)
    }

    /// Replaces the lock file's contents with this process's id and a newline, for whoever finds it locked.
    func writeProcessID() {
        let text = "\(getpid())\n"
        ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// The process id written in the lock file at `path` by `writeProcessID()`, if there is one to read.
    static func processID(at path: String) -> Int? {
        guard let contents = try? FileSystem.contents(atPath: path) else { return nil }
        return Int(String(decoding: contents.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private init(path: String, descriptor: Int32, removedOnRelease: Bool) {
        self.path = path
        self.descriptor = descriptor
        self.removedOnRelease = removedOnRelease
    }

    deinit {
        if removedOnRelease { unlink(path) }  // while still holding it; see `exclusive`
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Whether `path` still names the open file `descriptor`.
    private static func names(_ path: String, _ descriptor: Int32) -> Bool {
        var opened = stat()
        var named = stat()
        guard fstat(descriptor, &opened) == 0, stat(path, &named) == 0 else { return false }
        return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino
    }
}
