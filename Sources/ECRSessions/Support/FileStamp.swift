import Foundation
import Synchronization

/// What identifies one version of a file cheaply: device, inode, size and modification time, from one `stat`.
/// nil stands for a file that is not there.
struct FileStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        #if canImport(Darwin)
            modifiedSeconds = Int(status.st_mtimespec.tv_sec)
            modifiedNanoseconds = Int(status.st_mtimespec.tv_nsec)
        #else
            modifiedSeconds = Int(status.st_mtim.tv_sec)
            modifiedNanoseconds = Int(status.st_mtim.tv_nsec)
        #endif
    }
}

/// A value read from files, kept until one of them changes: a `refresh` reads the AWS files once however many
/// accounts it logs in, and a long-running daemon still sees every edit.
final class FileBackedValue<Value: Sendable>: Sendable {
    private let state = Mutex<(stamps: [FileStamp?], value: Value)?>(nil)

    /// The value for `paths`, read anew with `load` when any of them changed since the last read.
    func value<Failure: Error>(paths: [String], load: () throws(Failure) -> Value) throws(Failure) -> Value {
        let stamps = paths.map(FileStamp.init(path:))
        if let cached = state.withLock({ $0 }), cached.stamps == stamps { return cached.value }
        let value = try load()
        state.withLock { $0 = (stamps, value) }
        return value
    }
}
