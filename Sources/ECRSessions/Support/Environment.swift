import Foundation

/// The process environment, passed explicitly so that tests and child processes can each use their own.
public struct Environment: Sendable, Equatable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) {
        self.values = values
    }

    /// The environment this process was started with.
    public static var current: Environment {
        Environment(ProcessInfo.processInfo.environment)
    }

    /// The variable's value, or nil when it is unset or empty (as the AWS CLI treats an empty variable).
    public subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    /// `$HOME`, falling back to the password database.
    public var homeDirectory: String {
        self["HOME"] ?? NSHomeDirectory()
    }

    /// Expands a leading `~` or `~/` to the home directory, as the AWS CLI does for its file paths.
    public func expandingTilde(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") {
            // `String + Substring` goes through the generic sequence append, a quarter of a million instructions.
            var expanded = homeDirectory
            expanded += String(path.dropFirst(1))
            return expanded
        }
        return path
    }
}
