import Foundation
import TestSupport
import Testing

/// `login --username U --password-stdin HOST` checks the password with a real registry's `/v2/` (Debian's
/// docker-registry, htpasswd, TLS with a throwaway CA) before writing anything, as docker login does.
@Suite(.serialized) struct UserLoginVerifyIntegrationTests {
    let password = "user-login-" + UUID().uuidString
    let registry: RealRegistry
    let sandbox: CLISandbox

    init() async throws {
        registry = try await RealRegistry(username: "alice", password: password)
        sandbox = try CLISandbox(["AWS_CA_BUNDLE": registry.caCertificate])
    }

    private func cleanUp() {
        sandbox.remove()
        registry.stop()
    }

    @Test func theRightPasswordIsWrittenAndAWrongOneIsRefusedWithNothingWritten() throws {
        defer { cleanUp() }
        let wrong = try sandbox.run(
            "login", "--username", "alice", "--password-stdin", registry.host, input: "not-the-password\n")
        #expect(wrong.status == 1, "\(wrong)")
        #expect(wrong.stderr.contains("wrong user name or password"), "\(wrong)")
        #expect(!wrong.stdout.contains("Login Succeeded"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.dockerConfigPath), "nothing written")
        #expect(!wrong.stderr.contains("not-the-password"))

        let right = try sandbox.run("login", "--username", "alice", "--password-stdin", registry.host, input: password)
        #expect(right.status == 0, "\(right)")
        #expect(right.stdout.contains("Login Succeeded: \(registry.host)"), "\(right)")
        let expected = Data("alice:\(password)".utf8).base64EncodedString()
        #expect(try sandbox.read(".docker/config.json").contains(expected))
    }

    @Test func noVerifyWritesWithoutAsking() throws {
        defer { cleanUp() }
        let unchecked = try sandbox.run(
            "login", "--username", "alice", "--password-stdin", "--no-verify", registry.host, input: "unchecked\n")
        #expect(unchecked.status == 0, "\(unchecked)")
        #expect(try sandbox.read(".docker/config.json").contains(registry.host))
    }
}
