import Synchronization

/// What one finished login asks the cache to keep: `Cache.replaceLogins(profile:region:with:recording:)`'s
/// arguments, saved with others in one transaction (`Cache.commitTogether(_:)`).
public struct LoginWrite: Sendable {
    public var profile: String
    public var region: String
    public var logins: [RegistryLogin]
    public var attempt: LoginAttempt

    public init(profile: String, region: String, logins: [RegistryLogin], attempt: LoginAttempt) {
        self.profile = profile
        self.region = region
        self.logins = logins
        self.attempt = attempt
    }
}

/// Logins waiting for the cache, and whether some task is committing them: the state of the group commit.
///
/// A login sweep finishes dozens of logins at once. Each used to take the connection's mutex and commit a
/// transaction of its own: the cooperative pool's few threads blocked on the mutex while another wrote (on two cores,
/// half the pool), and every commit wrote the WAL frames of the same few pages again. Now a login that finds no commit
/// under way leads: it yields once, then commits what is queued; the ones arriving meanwhile suspend, freeing their
/// threads. When the commit is done, the first of them leads the next, with every write queued by then: one
/// transaction a batch, and no task commits for others longer than one batch (its own result is not held back while
/// the queue refills).
final class LoginWriteQueue: Sendable {
    private enum Turn {
        /// This write's outcome, committed by another task.
        case done(Result<Void, CacheError>)
        /// Commit this write and every one waiting.
        case lead
    }

    private struct Waiting {
        var write: LoginWrite
        var continuation: CheckedContinuation<Turn, Never>
    }

    private struct State {
        var waiting: [Waiting] = []
        var committing = false
    }

    private let state = Mutex(State())

    /// Returns once `write` is committed (or failed), by `commit` in this task or in another's batch.
    func save(_ write: LoginWrite, commit: ([LoginWrite]) -> [Result<Void, CacheError>]) async
        -> Result<Void, CacheError>
    {
        let turn = await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
            let leads = state.withLock { state in
                guard state.committing else {
                    state.committing = true
                    return true
                }
                state.waiting.append(Waiting(write: write, continuation: continuation))
                return false
            }
            if leads { continuation.resume(returning: .lead) }
        }
        if case .done(let result) = turn { return result }
        // Let the tasks ready to run (answers that came in with this one) queue their writes first: the batch grows
        // and the commits get fewer, at the cost of one turn of the queue when nothing else is ready.
        await Task.yield()
        let others = state.withLock { state in
            defer { state.waiting = [] }
            return state.waiting
        }
        let results = commit([write] + others.map(\.write))
        for (waiting, result) in zip(others, results.dropFirst()) {
            waiting.continuation.resume(returning: .done(result))
        }
        let next = state.withLock { state -> Waiting? in
            guard !state.waiting.isEmpty else {
                state.committing = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        return results[0]
    }
}

extension Cache {
    /// `replaceLogins(profile:region:with:recording:)` for a task among many: the logins finishing together are
    /// saved in one transaction (group commit), and one that fails leaves the others saved and itself not at all,
    /// as its own transaction would have (`commit(_:)`). Returns once `write` is committed.
    public func commitTogether(_ write: LoginWrite) async throws(CacheError) {
        try Self.check(write.logins)
        try await loginWrites.save(write) { batch in commit(batch) }.get()
    }

    /// Saves `writes` in one write transaction: each result is its own. When a statement of one of them fails, the
    /// transaction is rolled back and each write is saved again in a transaction of its own, so that only the
    /// failing one fails, as when each login committed alone. Savepoints would say so without the second pass, but
    /// each made SQLite copy every page it touched into a statement journal first, in every batch, for a failure
    /// that almost never comes. A cache that cannot be written at all (locked, damaged, refused) fails them all.
    func commit(_ writes: [LoginWrite]) -> [Result<Void, CacheError>] {
        func save(_ writes: ArraySlice<LoginWrite>) -> Result<Void, CacheError> {
            do throws(CacheError) {
                try withDatabase { database throws(SQLiteError) in
                    try database.writeTransaction { () throws(SQLiteError) in
                        for write in writes {
                            try Self.save(
                                write.logins, replacingProfile: write.profile, region: write.region,
                                recording: write.attempt, in: database)
                        }
                    }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        let together = save(writes[...])
        guard case .failure(let error) = together, writes.count > 1, case .failed = error else {
            return Array(repeating: together, count: writes.count)
        }
        return writes.indices.map { save(writes[$0...$0]) }
    }
}
