import ECRSessions
import Foundation
import TestSupport
import Testing

/// skopeo, a real consumer, reading a real registry with the logins ecr-sessions wrote: Debian's docker-registry
/// behind TLS with a throwaway CA and htpasswd stands in for ECR's registry, because FakeECR's `proxyEndpoint`
/// names it and its tokens carry the password htpasswd knows. Each test starts its own registry with one image,
/// `app:1.0`, and runs the built binary in a temporary HOME.
@Suite(.serialized) struct RealRegistryTests {
    let account = "111122223333"
    let password = "registry-test-" + UUID().uuidString
    let registry: RealRegistry
    let imageDigest: String
    let fake: FakeECR
    let sandbox: CLISandbox

    init() async throws {
        registry = try await RealRegistry(password: password)
        imageDigest = try registry.push(repository: "app", tag: "1.0")
        fake = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        fake.register(accessKeyID: "AKIDREGISTRY", secretAccessKey: "registry-secret", account: account)
        fake.setProxyEndpoint(registry.proxyEndpoint, account: account)
        fake.setPassword(password, account: account)
        sandbox = try CLISandbox(fake.environment)
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = AKIDREGISTRY\naws_secret_access_key = registry-secret\nregion = eu-west-1\n")
    }

    private func cleanUp() {
        sandbox.remove()
        registry.stop()
        fake.stop()
    }

    private func login() throws {
        let result = try sandbox.run("accounts", "login", "--all")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Login Succeeded: \(registry.host)"), "\(result)")
    }

    private func dockerConfig() throws -> [String: Any] {
        try #require(
            JSONSerialization.jsonObject(with: Data(sandbox.read(".docker/config.json").utf8)) as? [String: Any])
    }

    /// Runs skopeo `command` on `reference` (below the registry host) with the CA trusted and only `authfile`'s
    /// logins, in the sandbox's environment with `extraPath` first on PATH.
    private func skopeo(
        _ command: String, _ reference: String, authfile: String, extraPath: String? = nil
    ) throws -> ProcessResult {
        let skopeo = try #require(which("skopeo"), "skopeo is not installed: scripts/bootstrap installs it")
        var environment = sandbox.environment
        if let extraPath { environment["PATH"] = extraPath + ":" + (environment["PATH"] ?? "") }
        return try run(
            skopeo,
            [
                command, "--cert-dir", registry.certificateDirectory, "--authfile", authfile,
                "docker://\(registry.host)/\(reference)",
            ], environment: environment)
    }

    /// Checks that `inspect` saw the pushed image and `list-tags` its one tag.
    private func expectImage(inspect: ProcessResult, listTags: ProcessResult) {
        #expect(inspect.status == 0, "\(inspect)")
        #expect(listTags.status == 0, "\(listTags)")
        let image = (try? JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8))) as? [String: Any]
        #expect(image?["Digest"] as? String == imageDigest, "\(inspect)")
        let tags = (try? JSONSerialization.jsonObject(with: Data(listTags.stdout.utf8))) as? [String: Any]
        #expect(tags?["Tags"] as? [String] == ["1.0"], "\(listTags)")
    }

    @Test func skopeoReadsTheRegistryWithTheLoginWrittenToConfigJSON() throws {
        defer { cleanUp() }
        try login()
        let auths = try #require(try dockerConfig()["auths"] as? [String: [String: Any]])
        #expect(auths[registry.host]?["auth"] as? String == Data("AWS:\(password)".utf8).base64EncodedString())

        expectImage(
            inspect: try skopeo("inspect", "app:1.0", authfile: sandbox.dockerConfigPath),
            listTags: try skopeo("list-tags", "app", authfile: sandbox.dockerConfigPath))
    }

    /// The registry really checks: without the login, or with another password, skopeo is turned away.
    @Test func withoutTheLoginTheRegistryTurnsSkopeoAway() throws {
        defer { cleanUp() }
        let wrong = Data("AWS:not-\(password)".utf8).base64EncodedString()
        let authfiles = [
            "no-login.json": #"{"auths": {"ghcr.io": {"auth": "Z2g6dG9rZW4="}}}"#,
            "wrong-password.json": "{\"auths\": {\"\(registry.host)\": {\"auth\": \"\(wrong)\"}}}",
        ]
        for (name, contents) in authfiles.sorted(by: { $0.key < $1.key }) {
            let authfile = try sandbox.write(name, contents)
            for (command, reference) in [("inspect", "app:1.0"), ("list-tags", "app")] {
                let result = try skopeo(command, reference, authfile: authfile)
                #expect(result.status != 0, "\(name), \(command): \(result)")
                #expect(
                    result.stderr.contains("unauthorized: authentication required"), "\(name), \(command): \(result)")
            }
        }
    }

    /// With a `credsStore`, login registers ecr-sessions in `credHelpers` for the registry, and skopeo, which runs
    /// `docker-credential-<name>` for a `credHelpers` entry, gets the token from the installed symlink.
    @Test func withACredsStoreSkopeoGetsTheLoginFromTheCredentialHelper() throws {
        defer { cleanUp() }
        try sandbox.write(".docker/config.json", #"{"credsStore": "desktop"}"#)
        try login()
        let config = try dockerConfig()
        #expect(config["credHelpers"] as? [String: String] == [registry.host: "ecr-sessions"])
        let bin = sandbox.home.path + "/bin"
        let install = try sandbox.run("credential-helper", "install", "--dir", bin)
        #expect(install.status == 0, "\(install)")

        // Only the helper can answer: the file skopeo reads has no auths entry for the registry.
        var helpersOnly = config
        helpersOnly["auths"] = [String: Any]()
        let authfile = sandbox.home.url("helpers-only.json").path
        try JSONSerialization.data(withJSONObject: helpersOnly).write(to: URL(fileURLWithPath: authfile))

        expectImage(
            inspect: try skopeo("inspect", "app:1.0", authfile: authfile, extraPath: bin),
            listTags: try skopeo("list-tags", "app", authfile: authfile, extraPath: bin))

        let withoutHelper = try skopeo("inspect", "app:1.0", authfile: authfile)
        #expect(withoutHelper.status != 0, "\(withoutHelper)")
        #expect(withoutHelper.stderr.contains("docker-credential-ecr-sessions"), "\(withoutHelper)")
    }
}
