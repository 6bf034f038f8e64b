internal import CSQLite

/// A failure reported by SQLite: its own message and the database file, never the values bound to the statement
/// (those are tokens), nor the SQL with values spliced in.
struct SQLiteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The extended result code, e.g. `SQLITE_BUSY_SNAPSHOT`.
    let code: Int32
    let message: String
    let path: String

    /// The primary result code, e.g. `SQLITE_BUSY` for any of its extended codes.
    var primaryCode: Int32 { code & 0xff }

    var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT || primaryCode == SQLITE_NOTADB }
    var isPermission: Bool {
        [SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH].contains(primaryCode)
    }
    var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    var description: String { "\(path): \(message) (SQLite result code \(code))" }
}

/// A value to bind to a statement parameter.
enum SQLiteValue {
    case text(String)
    case real(Double)
    case integer(Int64)
    case null
}

/// One open SQLite connection, closed when the last reference goes.
///
/// Not `Sendable`: it is used from one thread at a time, which `Cache` guarantees with a mutex. That is also
/// why it opens with `SQLITE_OPEN_NOMUTEX`: SQLite's own per-connection lock would be a second, useless one.
///
/// It keeps the statements it prepared, by SQL text, for the next `prepare` of the same text: compiling the SQL
/// was most of the CPU time of a cache read or write.
final class SQLiteDatabase {
    let path: String
    private let handle: OpaquePointer
    /// Prepared statements not in use, reset and with no values bound, by their SQL text.
    private var idleStatements: [String: OpaquePointer] = [:]
    /// The busy handler's state, which lives as long as the connection.
    private let busyWait: UnsafeMutablePointer<ecr_sqlite3_busy_wait> = {
        let wait = UnsafeMutablePointer<ecr_sqlite3_busy_wait>.allocate(capacity: 1)
        wait.initialize(to: ecr_sqlite3_busy_wait(milliseconds: 10_000, started: timespec()))
        return wait
    }()
    /// Enough for every statement `Cache` runs; texts beyond it (a `DELETE` with many placeholders) are not kept.
    private static let idleStatementLimit = 64

    /// Set once, before the process's first open: see `ecr_sqlite3_config_page_cache_on_demand`. 15 to 25 of the ~450
    /// page faults of a cached `credential-helper get` or `get-login-password`.
    private static let pageCacheOnDemand: Int32 = ecr_sqlite3_config_page_cache_on_demand()

    init(path: String) throws(SQLiteError) {
        self.path = path
        _ = Self.pageCacheOnDemand
        var opened: OpaquePointer?
        // No SQLITE_OPEN_CREATE: `Cache` creates the file itself, with mode 0600, before SQLite sees it.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let opened else {
            // SQLite allocates a handle even when opening fails, to carry the message; it must still be closed.
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(opened)
            throw SQLiteError(code: code, message: message, path: path)
        }
        handle = opened
    }

    deinit {
        for statement in idleStatements.values { sqlite3_finalize(statement) }
        // close_v2 rather than close: a statement still alive somewhere would make close fail and leak the handle.
        sqlite3_close_v2(handle)
        busyWait.deallocate()
    }

    /// How long a statement waits for another connection's lock before failing with `SQLITE_BUSY`, trying again
    /// every millisecond or two (`ecr_sqlite3_busy_wait_handler`).
    func setBusyTimeout(milliseconds: Int32) {
        busyWait.pointee.milliseconds = milliseconds
        ecr_sqlite3_busy_wait(handle, busyWait)
    }

    /// Runs one or more statements that take no parameters, such as a migration script.
    func execute(_ sql: String) throws(SQLiteError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    /// The statement for `sql`: one prepared before and since released when there is one, else a new one.
    ///
    /// A statement is taken out of the cache while in use, so preparing the same text again before releasing the
    /// first (a nested query) gets a statement of its own.
    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let statement = idleStatements.removeValue(forKey: sql) {
            return SQLiteStatement(database: self, sql: sql, handle: statement)
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return SQLiteStatement(database: self, sql: sql, handle: statement)
    }

    /// Takes back a statement its `SQLiteStatement` no longer needs, to serve the next `prepare` of `sql`.
    fileprivate func release(_ statement: OpaquePointer, sql: String) {
        // Reset, so it holds no read lock on the file, and unbound, so it holds no token, while it waits.
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        if idleStatements[sql] == nil, idleStatements.count < Self.idleStatementLimit {
            idleStatements[sql] = statement
        } else {
            sqlite3_finalize(statement)
        }
    }

    /// Runs `body` in a write transaction, committing when it returns and rolling back when it throws.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock up front, so the busy timeout applies; a deferred transaction that
    /// reads and then writes can fail with `SQLITE_BUSY` at once when another process wrote in between.
    func writeTransaction<T>(_ body: () throws(SQLiteError) -> T) throws(SQLiteError) -> T {
        try prepare("BEGIN IMMEDIATE").run()
        do {
            let result = try body()
            try prepare("COMMIT").run()
            return result
        } catch {
            // The transaction may already be gone (SQLite rolls back by itself on some errors); that is fine.
            _ = sqlite3_exec(handle, "ROLLBACK", nil, nil, nil)
            throw error
        }
    }

    /// The error for a failed call, with SQLite's message for this connection.
    func error(_ code: Int32) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        let message = String(cString: sqlite3_errmsg(handle))
        return SQLiteError(code: extended != 0 ? extended : code, message: message, path: path)
    }
}

/// One prepared statement, given back to its database for reuse when the last reference goes. It keeps its
/// database open while it lives.
final class SQLiteStatement {
    private let database: SQLiteDatabase
    private let sql: String
    private let handle: OpaquePointer

    fileprivate init(database: SQLiteDatabase, sql: String, handle: OpaquePointer) {
        self.database = database
        self.sql = sql
        self.handle = handle
    }

    deinit {
        database.release(handle, sql: sql)
    }

    /// Runs the statement to completion with `values` bound to `?1`, `?2`, ….
    func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try query(values) { _ throws(SQLiteError) in }
    }

    /// Runs the statement with `values` bound, calling `row` for each result row.
    func query(_ values: [SQLiteValue] = [], row: (SQLiteRow) throws(SQLiteError) -> Void) throws(SQLiteError) {
        // Reset first so that a statement used before (or abandoned midway by a throw) starts clean.
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        defer { sqlite3_reset(handle) }
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
        while true {
            let code = sqlite3_step(handle)
            switch code {
            case SQLITE_ROW: try row(SQLiteRow(handle: handle))
            case SQLITE_DONE: return
            default: throw database.error(code)
            }
        }
    }

    private func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let code =
            switch value {
            case .text(let text): ecr_sqlite3_bind_text_transient(handle, index, text)
            case .real(let number): sqlite3_bind_double(handle, index, number)
            case .integer(let number): sqlite3_bind_int64(handle, index, number)
            case .null: sqlite3_bind_null(handle, index)
            }
        guard code == SQLITE_OK else { throw database.error(code) }
    }
}

/// The current row of a statement being stepped; valid only inside the `query` callback.
struct SQLiteRow {
    fileprivate let handle: OpaquePointer

    /// The column's text, or nil when it is NULL.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        return String(cString: bytes)
    }

    func real(_ column: Int32) -> Double {
        sqlite3_column_double(handle, column)
    }

    func integer(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }
}
