import Foundation

/// `ecr-sessions install`: this binary copied to `<prefix>/bin` (created if missing), the credential helper linked
/// beside it, the manual page and the shells' completion scripts under `<prefix>/share`, and an installed timer
/// pointed at the copy, so nothing runs from a build folder the next build replaces.
public struct Installation: Sendable {
    /// The prefix, e.g. `~/.local` (expanded): the binary goes to its `bin`.
    public var prefix: String
    public var environment: Environment
    /// The binary to copy: the running one.
    public var source: String
    /// The manual page to install; nil when none was found beside `source` (see `ManualPage.find`).
    public var manualPage: String?
    /// The completion scripts to install, one per shell.
    public var completions: [ShellCompletionScript]

    /// `manualPage` defaults to the page `ManualPage.find` finds beside `source`.
    public init(
        prefix: String, environment: Environment, source: String = CurrentExecutable.path,
        manualPage: String? = nil, completions: [ShellCompletionScript] = []
    ) {
        self.prefix = prefix
        self.environment = environment
        self.source = source
        self.manualPage = manualPage ?? ManualPage.find(forExecutable: source)
        self.completions = completions
    }

    /// `~/.local`, where the XDG base directory spec puts a user's executables (`~/.local/bin`).
    public static func defaultPrefix(environment: Environment) -> String {
        environment.homeDirectory + "/.local"
    }

    public var binDirectory: String { prefix + "/bin" }
    public var executable: String { binDirectory + "/ecr-sessions" }

    /// A file `install` put in place, and whether this run changed it (false: it already had those bytes).
    public struct InstalledFile: Sendable, Equatable {
        public var path: String
        public var changed: Bool
    }

    /// What `install` did.
    public struct Outcome: Sendable, Equatable {
        /// False when the copy was already the same bytes (or is the running binary).
        public var copied: Bool
        public var helper: CredentialHelperLink.Outcome
        /// The manual page; nil when there was none to install.
        public var manualPage: InstalledFile?
        /// The completion scripts, in the order given.
        public var completions: [InstalledFile]
        /// The timer files (or `crontab`) now pointing at the copy.
        public var repointed: [String]
        /// Whether `binDirectory` is on PATH.
        public var onPath: Bool
    }

    /// Copies, links and re-points; each step is skipped when already done, so running it twice changes nothing.
    public func install() throws(InstallationError) -> Outcome {
        let copied: Bool
        do throws(SystemError) {
            if FileSystem.absolutePath(source) == FileSystem.absolutePath(executable) {
                copied = false
            } else {
                guard let binary = try FileSystem.contents(atPath: source) else {
                    throw SystemError("read \(source)", code: ENOENT)
                }
                copied = try Self.place(binary.data, at: executable, mode: 0o755)
            }
        } catch {
            throw InstallationError(description: "cannot install \(executable): \(error.reason)")
        }
        let manual = try manualPage.map { (page) throws(InstallationError) in
            try Self.installFile(at: ManualPage.installedPath(prefix: prefix)) { () throws(SystemError) in
                guard let text = try FileSystem.contents(atPath: page) else {
                    throw SystemError("read \(page)", code: ENOENT)
                }
                return text.data
            }
        }
        let scripts = try completions.map { (script) throws(InstallationError) in
            try Self.installFile(at: script.path(prefix: prefix)) { Data(script.text.utf8) }
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
            copied: copied, helper: helper, manualPage: manual, completions: scripts, repointed: repointed,
            onPath: link.directoryIsOnPath(environment))
    }

    /// Puts `data()` at `path`, readable by all (mode 644); a failure names `path`.
    private static func installFile(at path: String, _ data: () throws(SystemError) -> Data)
        throws(InstallationError) -> InstalledFile
    {
        do throws(SystemError) {
            return InstalledFile(path: path, changed: try place(try data(), at: path, mode: 0o644))
        } catch {
            throw InstallationError(description: "cannot install \(path): \(error.reason)")
        }
    }

    /// Puts `data` at `path` with `mode` (its folder created if missing), unless it is already there so: false then.
    /// Replaced by a rename, so a copy that is running (a timer's refresh) is never overwritten in place.
    private static func place(_ data: Data, at path: String, mode: mode_t) throws(SystemError) -> Bool {
        try FileSystem.makeDirectory(FileSystem.directory(of: path))
        let current = try FileSystem.contents(atPath: path)
        guard current?.data != data || current?.mode != mode else { return false }
        try AtomicFile.replace(path, with: data, mode: mode)
        return true
    }
}

/// The binary could not be installed.
public struct InstallationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
