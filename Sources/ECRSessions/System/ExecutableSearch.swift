import Foundation

/// Finds programs the way `execvp` does, in a `PATH` string the caller takes from its `Environment` (not from this
/// process's own environment, so tests and children can each have theirs).
enum ExecutableSearch {
    /// The first executable file named `name` in the colon-separated `path` (an empty entry is the current
    /// directory, as POSIX says); a name with a slash is returned as it is. nil when there is none.
    static func find(_ name: String, path: String) -> String? {
        if name.contains("/") { return name }
        return directories(path).lazy.map { $0 + "/" + name }.first(where: isExecutableFile)
    }

    /// The entries of the colon-separated `path`, an empty one standing for the current directory; none when `path`
    /// is empty.
    static func directories(_ path: String) -> [String] {
        guard !path.isEmpty else { return [] }
        return path.split(separator: ":", omittingEmptySubsequences: false).map { $0.isEmpty ? "." : String($0) }
    }

    /// Whether `candidate` is something other than a directory that this process may execute.
    private static func isExecutableFile(_ candidate: String) -> Bool {
        var status = stat()
        return stat(candidate, &status) == 0 && status.st_mode & S_IFMT != S_IFDIR && access(candidate, X_OK) == 0
    }
}
