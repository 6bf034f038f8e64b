import Foundation

extension FileSystem {
    /// The names in the folder at `path` (not `.` and `..`), in no particular order; none when it cannot be read.
    static func names(in path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}
