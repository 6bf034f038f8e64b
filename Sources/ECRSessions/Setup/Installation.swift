import Foundation

/// `ecr-sessions install`: this binary copied to `<prefix>/bin` (created if missing), the credential helper linked
/// beside it, and an installed timer pointed at the copy, so nothing runs from a build folder the next build replaces.
public struct Installation: Sendable {
    /// The prefix, e.g. `~/.local` (expanded): the binary goes to its `bin`.
    public var prefix: String
    public var environment: Environment
    /// The binary to copy: the running one.
    public var source: String

    public init(prefix: String, environment: Environment, source: String = CurrentExecutable.path) {
        self.prefix = prefix
        self.environment = environment
        self.source = source
    }

    /// `~/.local`, where the XDG base directory spec puts a user's executables (`~/.local/bin`).
    public static func defaultPrefix(environment: Environment) -> String {
        environment.homeDirectory + "/.local"
    }

    public var binDirectory: String { prefix + "/bin" }
    public var executable: String { binDirectory + "/ecr-sessions" }

    /// What `install` did.
    public struct Outcome: Sendable, Equatable {
        /// False when the copy was already the same bytes (or is the running binary).
        public var copied: Bool
        public var helper: CredentialHelperLink.Outcome
        /// The timer files (or `crontab`) now pointing at the copy.
        public var repointed: [String]
        /// Whether `binDirectory` is on PATH.
        public var onPath: Bool
    }

    /// Copies, links and re-points; each step is skipped when already done, so running it twice changes nothing.
    public func install() throws(InstallationError) -> Outcome {
        let copied: Bool
        do throws(SystemError) {
            try FileSystem.makeDirectory(binDirectory)
            let current = try FileSystem.contents(atPath: executable)
            if FileSystem.absolutePath(source) == FileSystem.absolutePath(executable) {
                copied = false
            } else {
                guard let binary = try FileSystem.contents(atPath: source) else {
                    throw SystemError("read \(source)", code: ENOENT)
                }
                copied = current?.data != binary.data || current?.mode != 0o755
                // Replaced by a rename, so a copy that is running (a timer's refresh) is never overwritten in place.
                if copied { try AtomicFile.replace(executable, with: binary.data, mode: 0o755) }
            }
        } catch {
            throw InstallationError(description: "cannot install \(executable): \(error.reason)")
        }
        let link = CredentialHelperLink(
            directory: binDirectory, name: "docker-credential-" + RegistryAuthFile.credentialHelperName,
            target: executable)
        let helper: CredentialHelperLink.Outcome
        do {
            helper = try link.install()
        } catch {
            throw InstallationError(description: error.description)
        }
        let repointed: [String]
        do {
            repointed = try RefreshTimer(executable: executable, environment: environment).repoint(to: executable)
        } catch {
            throw InstallationError(description: error.description)
        }
        return Outcome(
            copied: copied, helper: helper, repointed: repointed, onPath: link.directoryIsOnPath(environment))
    }
}

/// The binary could not be installed.
public struct InstallationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
