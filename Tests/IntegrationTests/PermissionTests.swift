import Foundation
import TestSupport
import Testing

/// Files the user may not read or write, seen through the real binary. Root reads and writes anything, so when the
/// tests run as root (as in CI) the binary runs as `nobody` through setpriv, in a HOME that nobody owns.
@Suite struct PermissionTests {
    let sandbox: CLISandbox

    init() throws {
        sandbox = try CLISandbox()
        try sandbox.write(".aws/config", "[profile dev]\nregion = eu-west-1\n")
        try sandbox.write(
            ".aws/credentials", "[dev]\naws_access_key_id = AKIAPERMISSION000001\naws_secret_access_key = s\n")
    }

    /// Runs `ecr-sessions` as an unprivileged user: this one, or `nobody` when this one is root.
    func runUnprivileged(_ arguments: String...) throws -> ProcessResult {
        guard geteuid() == 0 else {
            return try run(CLISandbox.executable, arguments, environment: sandbox.environment)
        }
        let setpriv = try #require(which("setpriv"), "setpriv (util-linux) is needed to drop root")
        try own(sandbox.home.path, uid: 65534, gid: 65534)
        // The binary must be reachable by nobody too: the build folder may sit in a root-only directory.
        // Copied through a close-on-exec descriptor: a child another test spawns meanwhile must not inherit it, or
        // executing the copy fails with "text file busy".
        let binary = try #require(FileManager.default.contents(atPath: CLISandbox.executable))
        let copy = try sandbox.home.write("ecr-sessions", binary, mode: 0o755)
        chown(copy, 65534, 65534)
        return try run(
            setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", copy] + arguments,
            environment: sandbox.environment)
    }

    private func own(_ path: String, uid: uid_t, gid: gid_t) throws {
        chown(path, uid, gid)
        for relative in try FileManager.default.subpathsOfDirectory(atPath: path) {
            chown(path + "/" + relative, uid, gid)
        }
    }

    @Test func anUnreadableAWSConfigIsAConfigurationErrorNamingIt() throws {
        defer { sandbox.remove() }
        chmod(sandbox.home.path + "/.aws/config", 0)
        let result = try runUnprivileged("accounts", "list")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("~/.aws/config could not be read"), "\(result)")
        #expect(result.stderr.contains("Permission denied"), "\(result)")
    }

    @Test func aStateDirectoryThatCannotBeWrittenIsNamedWithWhatToDo() throws {
        defer {
            chmod(sandbox.home.path + "/state", 0o700)
            sandbox.remove()
        }
        try FileManager.default.createDirectory(
            atPath: sandbox.home.path + "/state", withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o500])
        var sandbox = sandbox
        sandbox.environment["ECR_SESSIONS_STATE_DIR"] = sandbox.home.path + "/state/ecr-sessions"
        let result = try PermissionTests(sandbox: sandbox).runUnprivileged("status")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("own the state directory"), "\(result)")
        #expect(result.stderr.contains("/state/ecr-sessions"), "\(result)")
    }

    private init(sandbox: CLISandbox) {
        self.sandbox = sandbox
    }
}
