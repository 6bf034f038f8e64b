import Foundation

/// The `docker-credential-ecr-sessions` symbolic link docker runs as the credential helper: a link to this very
/// binary, which answers the protocol when started under that name.
public struct CredentialHelperLink: Sendable, Equatable {
    /// The folder the link goes in, for example `~/.local/bin` (expanded).
    public var directory: String
    /// The link's name: `docker-credential-` and the `credHelpers` value.
    public var name: String
    /// What the link points to.
    public var target: String

    /// A link to the running executable.
    public init(directory: String, name: String) {
        self.init(directory: directory, name: name, target: CurrentExecutable.path)
    }

    public init(directory: String, name: String, target: String) {
        self.directory = directory
        self.name = name
        self.target = target
    }

    public var path: String { directory + "/" + name }

    /// What `install` did.
    public enum Outcome: Sendable, Equatable {
        /// The link already pointed at the target; nothing changed.
        case alreadyLinked
        case linked
        /// Something else stood at the link's path (a file, or a link elsewhere); it was removed, then linked.
        case replacedOld
    }

    /// Creates the folder if needed and makes the link point at `target`.
    public func install() throws(CredentialHelperLinkError) -> Outcome {
        do {
            try FileSystem.makeDirectory(directory)
            if FileSystem.symbolicLinkDestination(path) == target { return .alreadyLinked }
            let replacing = FileSystem.entryExists(path)
            if replacing { try FileSystem.remove(path) }
            try FileSystem.makeSymbolicLink(path, to: target)
            return replacing ? .replacedOld : .linked
        } catch {
            throw CredentialHelperLinkError(link: path, reason: error.reason)
        }
    }

    /// Whether the link's folder is on the environment's PATH, so docker can find the helper.
    public func directoryIsOnPath(_ environment: Environment) -> Bool {
        ExecutableSearch.directories(environment["PATH"] ?? "").contains(directory)
    }
}

/// The credential helper's link could not be made.
public struct CredentialHelperLinkError: Error, Sendable, Equatable, CustomStringConvertible {
    public var link: String
    /// The system's reason, e.g. "Permission denied".
    public var reason: String

    public var description: String { "cannot create \(link): \(reason)" }
}
