public import Foundation

/// A cache that could not be used as it was and was moved aside for a new one, so that scheduled renewals go on
/// instead of stopping until a person acts. The command line prints it as one warning.
///
/// The registry files still hold the last tokens written, so `refresh` repairs them, and the undo records come back
/// from their copy beside the file (`UndoMirror`), so every place written stays fresh and logout restores it; what
/// is lost is the user/password logins (and the undo records too, for a cache from before the copy was kept).
public struct CacheRecovery: Sendable, Equatable, CustomStringConvertible {
    /// Where the cache is, new now.
    public var path: String
    /// Where the unusable one went: `<path>.broken-<UTC time>`, with its `-wal` beside it.
    public var movedTo: String
    /// What was wrong with it.
    public var problem: CacheError
    /// Whether the new cache took the undo records from their copy, so logout still restores the files exactly.
    public var undoRecordsKept: Bool

    public init(path: String, movedTo: String, problem: CacheError, undoRecordsKept: Bool = false) {
        self.path = path
        self.movedTo = movedTo
        self.problem = problem
        self.undoRecordsKept = undoRecordsKept
    }

    public var description: String {
        let lost =
            if case .foreign = problem {
                "nothing of ecr-sessions was in it"
            } else if undoRecordsKept {
                "tokens are fetched again and logout's records come back from their copy, but the passwords of "
                    + "`ecr-sessions login` registries are lost with it (log in to those again)"
            } else {
                "tokens are fetched again, but what logout needs to restore registry files exactly and the passwords "
                    + "of `ecr-sessions login` registries are lost with it (log in to those again)"
            }
        return "the ecr-sessions cache \(path) \(problem.damage ?? "could not be used"); moved it to \(movedTo) and "
            + "started a new one: \(lost)"
    }
}

extension Cache {
    /// Opens the cache at `path` as `init(path:busyTimeout:)` does, except that a damaged one (not SQLite, truncated,
    /// failing `PRAGMA quick_check`, a folder, a newer schema, another program's database) is moved aside to
    /// `<path>.broken-<now, UTC>` and a new one is created; `recovery` then says so. Every other failure (no
    /// permission, a disk error, a lock held too long) is thrown as before: those are not the file's fault.
    ///
    /// Two processes that find the damage at once take turns on a `cache.lock` beside the file: the second sees the
    /// new cache and uses it.
    public static func healing(path: String, busyTimeout: Duration = .seconds(10), scan: Bool = true, now: Date)
        throws(CacheError) -> Cache
    {
        do {
            return try checked(path: path, busyTimeout: busyTimeout, scan: scan)
        } catch let error where error.damage != nil {
            let lockPath = FileSystem.directory(of: path) + "/cache.lock"
            let lock: LockFile?
            do {
                lock = try LockFile.exclusive(at: lockPath, timeout: busyTimeout, removedOnRelease: true)
            } catch {
                throw CacheFile.error(error, path: lockPath)
            }
            guard let lock else { throw .busy(path: path) }
            defer { withExtendedLifetime(lock) {} }
            do {
                return try checked(path: path, busyTimeout: busyTimeout, scan: scan)  // healed by another process meanwhile?
            } catch let error where error.damage != nil {
                let movedTo = try CacheFile.moveAside(path, now: now)
                let recovery = CacheRecovery(
                    path: path, movedTo: movedTo, problem: error, undoRecordsKept: UndoMirror(cachePath: path).exists)
                return try Cache(path: path, busyTimeout: busyTimeout, recovery: recovery)
            }
        }
    }

    /// `init(path:busyTimeout:)`, and an existing empty file counted as damaged: SQLite would take it for a new
    /// database, but a cache is never empty once opened, so something truncated it. Only a file some seconds old:
    /// one just created is another process opening a new cache, and moving it aside would break that process's writes.
    private static func checked(path: String, busyTimeout: Duration, scan: Bool) throws(CacheError) -> Cache {
        if FileSystem.regularFileSize(path) == 0, (FileSystem.regularFileSize(path + "-wal") ?? 0) == 0,
            let stamp = FileStamp(path: path), Date().timeIntervalSince1970 - Double(stamp.modifiedSeconds) > 10
        {
            throw .corrupt(path: path, reason: "the file is empty")
        }
        return try Cache(path: path, busyTimeout: busyTimeout, scan: scan)
    }
}

extension CacheError {
    /// What is wrong with the file itself, in a few words, when it is damage that moving it aside heals; nil for
    /// everything else (permissions, a full disk, a lock).
    public var damage: String? {
        switch self {
        case .corrupt(_, let reason): "is damaged (\(reason))"
        case .notAFile: "is a folder, not a file"
        case .newerSchema(_, let version, let supported):
            "was written by a newer ecr-sessions (schema version \(version); this one knows up to \(supported))"
        case .foreign(_, let reason): "is not an ecr-sessions cache (\(reason))"
        default: nil
        }
    }
}
