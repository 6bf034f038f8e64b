import Foundation

/// Files and folders, as the rest of the library needs them: whole-file reads, symbolic links followed the way
/// docker follows them, folders made umask-proof, removal and directory syncs. Atomic replacement is `AtomicFile`.
enum FileSystem {
    /// A whole file's bytes and permission bits, read through one descriptor so both describe the same version.
    struct Contents: Sendable, Equatable {
        var data: Data
        var mode: mode_t
    }

    /// The file's contents, or nil when it does not exist. A directory fails with EISDIR.
    static func contents(atPath path: String) throws(SystemError) -> Contents? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw SystemError("open \(path)")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw SystemError("inspect \(path)") }
        guard status.st_mode & S_IFMT != S_IFDIR else { throw SystemError("read \(path)", code: EISDIR) }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = read(descriptor, &chunk, chunk.count)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("read \(path)")
            }
            data.append(contentsOf: chunk[..<count])
        }
        return Contents(data: data, mode: status.st_mode & 0o7777)
    }

    /// Whether something exists at `path` (a symbolic link is followed).
    static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Whether `path` names a directory (a symbolic link is followed).
    static func isDirectory(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR
    }

    /// `path` with its symbolic links followed to the file they end at, which need not exist: replacing that file
    /// keeps the link (dotfile managers link `config.json` into a repository). Only the last component is
    /// followed, as docker does; gives up with ELOOP after 40 links.
    static func followingSymbolicLinks(_ path: String) throws(SystemError) -> String {
        var current = path
        for _ in 0..<40 {
            guard let destination = symbolicLinkDestination(current) else { return current }
            current = destination.hasPrefix("/") ? destination : directory(of: current) + "/" + destination
        }
        throw SystemError("follow the symbolic links of \(path)", code: ELOOP)
    }

    /// What the symbolic link at `path` points to, as written in it; nil when `path` is not a link or not there.
    static func symbolicLinkDestination(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(path, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Makes `path` a symbolic link to `destination`; fails with EEXIST when something is there already.
    static func makeSymbolicLink(_ path: String, to destination: String) throws(SystemError) {
        guard symlink(destination, path) == 0 else { throw SystemError("create the link \(path)") }
    }

    /// Whether anything, even a dangling symbolic link, is at `path`.
    static func entryExists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// Creates the file at `path` if missing, and sets its mode to 0600 (umask-proof, and tightening a file someone
    /// loosened), for files that hold secrets and that another library (SQLite) then opens.
    static func createPrivateFile(_ path: String) throws(SystemError) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError("create or open the file") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw SystemError("set its mode to 0600") }
    }

    /// Removes the file (or link) at `path`; a missing one is no error.
    static func remove(_ path: String) throws(SystemError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("remove \(path)") }
    }

    /// Creates `path` and any missing parents with mode 0700 whatever the umask (an unusual one, say 0277, would
    /// otherwise leave a folder we cannot write), for folders that hold secrets. Folders that already exist are
    /// left as they are: they may be the user's (`~/.docker`, `~/.local/state`).
    static func makePrivateDirectory(_ path: String) throws(SystemError) {
        try makeDirectory(path, mode: 0o700, exactMode: true)
    }

    /// Creates `path` and any missing parents, with the modes the umask gives (for folders other programs read,
    /// such as `~/.config/systemd/user`).
    static func makeDirectory(_ path: String) throws(SystemError) {
        try makeDirectory(path, mode: 0o777, exactMode: false)
    }

    private static func makeDirectory(_ path: String, mode: mode_t, exactMode: Bool) throws(SystemError) {
        guard !path.isEmpty else { return }
        if mkdir(path, mode) == 0 {
            // mkdir's mode passes through the umask; chmod's does not.
            guard !exactMode || chmod(path, mode) == 0 else {
                throw SystemError("set the mode of \(path) to \(String(mode, radix: 8))")
            }
            return
        }
        switch errno {
        case EEXIST:
            // Also when another process (cron and a manual run) created it a moment ago.
            guard isDirectory(path) else { throw SystemError("create the folder \(path)", code: ENOTDIR) }
        case ENOENT where path != directory(of: path):
            try makeDirectory(directory(of: path), mode: mode, exactMode: exactMode)
            try makeDirectory(path, mode: mode, exactMode: exactMode)
        case let code:
            throw SystemError("create the folder \(path)", code: code)
        }
    }

    /// Flushes a directory's entries, so a rename or unlink in it survives a power cut. Best effort: some file
    /// systems refuse fsync on a directory, and the change itself is already made.
    static func syncDirectory(_ directory: String) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// The folder part of `path`: "." for a bare name, "/" for a file at the root.
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `path` made absolute against the current directory, with `.` and `..` resolved (symbolic links are not).
    static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
