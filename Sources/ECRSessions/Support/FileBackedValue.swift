import Synchronization

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
