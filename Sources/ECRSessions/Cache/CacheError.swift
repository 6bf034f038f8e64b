public import Foundation

/// Why the cache could not be opened, read or written. Each `description` names the cache file and says what to do.
///
/// No case carries a token: SQLite's messages never quote bound values, and `tokenAlreadyExpired` names the registry.
public enum CacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or its directory could not be created, opened or written for lack of permission.
    case permissionDenied(path: String, reason: String)
    /// The file is not an SQLite database, or a damaged one.
    case corrupt(path: String, reason: String)
    /// A folder, not a file, is where the cache should be.
    case notAFile(path: String)
    /// The file is an SQLite database of another program (another `application_id`, or tables ecr-sessions never
    /// made): it is not written into.
    case foreign(path: String, reason: String)
    /// Another process held the database lock for longer than the busy timeout.
    case busy(path: String)
    /// The file was written by a newer ecr-sessions whose schema this one does not know.
    case newerSchema(path: String, version: Int, supported: Int)
    /// A token was offered that had expired by the time it was fetched; nothing was written.
    case tokenAlreadyExpired(registry: String, expiresAt: Date, fetchedAt: Date)
    /// A token was offered that claims to live longer than any ECR token (`RegistryLogin.longestLifetime`), or
    /// whose expiry is not a number; nothing was written.
    case implausibleExpiry(registry: String)
    /// Anything else: a full disk, an I/O error, an unexpected SQLite failure.
    case failed(path: String, reason: String)

    public var description: String {
        switch self {
        case .permissionDenied(let path, let reason):
            let directory = (path as NSString).deletingLastPathComponent
            return """
                Cannot use the ecr-sessions cache \(path): \(reason). Check that you own the state directory and the \
                file and can write them (ls -ld \(directory) \(path)), or set ECR_SESSIONS_STATE_DIR to a directory \
                of your own.
                """
        case .corrupt(let path, let reason):
            return """
                The ecr-sessions cache \(path) is damaged (\(reason)). Try `sqlite3 \(path) .recover` into a new \
                file first; otherwise move it aside (mv \(path) \(path).broken) and run `ecr-sessions accounts \
                login --all`. Tokens are fetched again, but what logout needs to restore files exactly and the \
                passwords of `ecr-sessions login` registries are lost with it.
                """
        case .notAFile(let path):
            return """
                The ecr-sessions cache \(path) is a folder, not a file. Move it aside (mv \(path) \(path).broken) or \
                set ECR_SESSIONS_STATE_DIR to another directory.
                """
        case .foreign(let path, let reason):
            return """
                \(path) is not an ecr-sessions cache (\(reason)); it was left as it is. Move it elsewhere, or set \
                ECR_SESSIONS_STATE_DIR to another directory.
                """
        case .busy(let path):
            return """
                The ecr-sessions cache \(path) stayed locked by another process for too long. Try again; if it keeps \
                happening, look for a stuck ecr-sessions process.
                """
        case .newerSchema(let path, let version, let supported):
            return """
                The ecr-sessions cache \(path) was written by a newer ecr-sessions (schema version \(version); this \
                one knows up to \(supported)). Upgrade ecr-sessions, or set ECR_SESSIONS_STATE_DIR to use another \
                cache.
                """
        case .tokenAlreadyExpired(let registry, let expiresAt, let fetchedAt):
            return """
                The token for \(registry) expires at \(expiresAt.formatted(.iso8601)), which is not after it was \
                fetched (\(fetchedAt.formatted(.iso8601))); it was not cached. Check the system clock.
                """
        case .implausibleExpiry(let registry):
            return """
                The token for \(registry) claims to live more than \(Int(RegistryLogin.longestLifetime / 86_400)) days \
                (ECR tokens live 12 hours); it was not cached. Check the system clock and the ECR endpoint setting.
                """
        case .failed(let path, let reason):
            return """
                The ecr-sessions cache \(path) could not be used: \(reason). Check free space on its file system \
                and that the file is yours.
                """
        }
    }

    /// The cache error for an SQLite failure, sorted by what the user can do about it.
    init(_ error: SQLiteError) {
        let reason = "\(error.message) (SQLite result code \(error.code))"
        if error.isCorrupt {
            self = .corrupt(path: error.path, reason: reason)
        } else if error.isPermission {
            self = .permissionDenied(path: error.path, reason: reason)
        } else if error.isBusy {
            self = .busy(path: error.path)
        } else {
            self = .failed(path: error.path, reason: reason)
        }
    }
}
