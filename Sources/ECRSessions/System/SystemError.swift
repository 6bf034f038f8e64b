import Foundation

/// An OS call failed: what was being done, in words, and the errno it gave.
///
/// Callers turn it into their own area's error (`TargetError.fileSystem`, `CacheError`, `RunLockError`), which
/// names the user's file; `action` is written to slot into those texts, e.g. "create the folder /home/u/.docker".
struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    var action: String
    var code: Int32

    init(_ action: String, code: Int32 = errno) {
        self.action = action
        self.code = code
    }

    /// The errno's text, e.g. "Permission denied".
    var reason: String { String(cString: strerror(code)) }

    var description: String { "cannot \(action): \(reason)" }
}
