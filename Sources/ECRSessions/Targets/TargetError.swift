import Foundation

/// A registry config file (docker's `config.json` and its kin) could not be read, understood or written.
///
/// Every case names the file. None carries file contents, so no token can reach an error message.
public enum TargetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file is not JSON; `line` and `column` (1-based) are where the parser gave up, when it said.
    case invalidJSON(file: String, line: Int?, column: Int?)
    /// The file nests arrays and objects deeper than `limit` levels, more than any tool reading it accepts.
    case nestedTooDeeply(file: String, limit: Int)
    /// A value that must be a JSON object is something else. `keyPath` is empty for the top level,
    /// `["auths"]` for the `auths` map, `["auths", host]` for one registry's entry.
    case notAnObject(file: String, keyPath: [String])
    /// Another process held `lockFile` for longer than `seconds`.
    case lockTimedOut(file: String, lockFile: String, seconds: Double)
    /// How to undo a change could not be recorded (or read back) in the cache, so the file was left as it was.
    case undoNotRecorded(file: String, reason: String)
    /// A system call failed; `action` says what we were doing, e.g. "create the folder /home/u/.docker".
    case fileSystem(file: String, action: String, code: Int32)
    /// A Kubernetes Secret (`place` is `namespace/name@server`) could not be read or written; `reason` says why and,
    /// for a 403, which RBAC rule is missing.
    case kubernetes(place: String, reason: String)

    public var description: String {
        switch self {
        case .invalidJSON(let file, let line, let column):
            let position = line.map { line in " (around line \(line)" + (column.map { ", column \($0)" } ?? "") + ")" }
            return "\(file) is not valid JSON\(position ?? ""). Fix it or move it aside, then run again; "
                + "ecr-sessions leaves it untouched until then."
        case .nestedTooDeeply(let file, let limit):
            return "\(file) nests arrays and objects more than \(limit) levels deep, which docker and podman refuse "
                + "too. Fix it or move it aside, then run again; ecr-sessions leaves it untouched until then."
        case .notAnObject(let file, let keyPath):
            let what =
                switch keyPath.count {
                case 0: "its top level"
                case 1: "its \"\(keyPath[0])\" value"
                default: "the \"\(keyPath[0])\" entry for \(keyPath.dropFirst().joined(separator: " / "))"
                }
            return "\(file) is JSON, but \(what) is not an object ({...}). Fix it or move it aside, then run again; "
                + "ecr-sessions leaves it untouched until then."
        case .lockTimedOut(let file, let lockFile, let seconds):
            return "Gave up updating \(file): another process held \(lockFile) for more than \(seconds) seconds. "
                + "Find it with `fuser \(lockFile)`; the file was not changed."
        case .undoNotRecorded(let file, let reason):
            return "Left \(file) as it was: ecr-sessions could not keep how to undo its change (\(reason))."
        case .fileSystem(let file, let action, let code):
            return "Cannot \(action) for \(file): \(String(cString: strerror(code))). "
                + "Check that you own the file and its folder and can write to them."
        case .kubernetes(let place, let reason):
            return "Cannot update the Kubernetes Secret \(place): \(reason)"
        }
    }
}
