import Foundation

/// Facts about the user this process runs as, for finding per-user files where other tools put them.
enum UserSession {
    /// The real user id.
    static var userID: UInt32 { UInt32(getuid()) }

    /// `/run/user/<uid>`, the runtime directory systemd-logind makes for a logged-in user, when it exists: what
    /// `XDG_RUNTIME_DIR` names in a desktop shell, and what podman falls back to when it is unset (cron).
    static func runtimeDirectory() -> String? {
        let path = "/run/user/\(userID)"
        return FileSystem.isDirectory(path) ? path : nil
    }
}
