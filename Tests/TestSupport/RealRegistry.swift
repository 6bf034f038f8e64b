import ECRSessions
import Foundation

/// Debian's `docker-registry` (distribution 2.x) on a free loopback port, as a real registry for real consumers:
/// TLS with a certificate for `localhost` and 127.0.0.1 signed by a throwaway CA, and htpasswd basic auth for one
/// user, `AWS` as in every ECR token. Point `FakeECR.setProxyEndpoint` at `proxyEndpoint` and give the fake the
/// same password, and the logins ecr-sessions writes open this registry.
///
/// Everything it makes (CA, certificate, htpasswd, config, storage, images) lives in one temporary directory,
/// removed by `stop()`. Integration tests fail (never skip) when docker-registry, htpasswd, openssl, python3 or
/// skopeo is missing: `scripts/bootstrap` installs them.
///
/// `@unchecked Sendable`: every stored property is a constant, and `Process` is only asked for its process ID.
public final class RealRegistry: @unchecked Sendable {
    /// The one user htpasswd knows.
    public let username: String
    /// That user's password.
    public let password: String
    /// The port the registry listens on, on 127.0.0.1.
    public let port: UInt16
    /// A folder holding the CA's certificate as `ca.crt`, for skopeo's `--cert-dir` and `--dest-cert-dir`.
    public let certificateDirectory: String
    /// The CA's certificate, for curl and `AWS_CA_BUNDLE`.
    public var caCertificate: String { certificateDirectory + "/ca.crt" }

    /// `localhost:<port>`: the registry host, as image references and docker config files name it.
    public var host: String { "localhost:\(port)" }
    /// `https://localhost:<port>`, a `proxyEndpoint` for `FakeECR.setProxyEndpoint`.
    public var proxyEndpoint: String { "https://\(host)" }

    private let directory: TemporaryDirectory
    private let process: Process

    /// Makes the CA, the certificate and the htpasswd file, starts the registry and waits until `/v2/` asks for a
    /// login (HTTP 401).
    public init(username: String = "AWS", password: String) async throws {
        self.username = username
        self.password = password
        directory = try TemporaryDirectory("ecr-sessions-registry")
        certificateDirectory = directory.path + "/certs"
        port = try freeLoopbackPort()
        process = Process()
        do {
            try FileManager.default.createDirectory(atPath: certificateDirectory, withIntermediateDirectories: true)
            try makeCertificates()
            try makePasswordFile()
            try start()
            try await waitUntilReady()
        } catch {
            stop()
            throw error
        }
    }

    deinit {
        stop()
    }

    /// Stops the registry, reaps it and removes its directory. Safe to call more than once.
    public func stop() {
        let pid = process.processIdentifier
        if pid > 0, kill(pid, 0) == 0 {
            // SIGKILL, not SIGTERM: the child inherits the signal mask of the thread that started it, where SIGTERM
            // may be blocked. And `waitpid`, because Foundation's `waitUntilExit` can spin forever on Linux.
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
        directory.remove()
    }

    // MARK: Setting up

    /// A CA, and a certificate for `localhost` and 127.0.0.1 that it signed; elliptic-curve keys, made instantly.
    /// The CA's key stays outside `certificateDirectory`: skopeo takes every `*.key` there for a client key.
    private func makeCertificates() throws {
        let caKey = directory.path + "/ca.key"
        let server = directory.path + "/server"
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        try tool(
            "openssl",
            ["req", "-x509"] + newKey + [
                "-keyout", caKey, "-out", caCertificate, "-subj", "/CN=ecr-sessions test CA",
            ])
        try tool(
            "openssl",
            ["req", "-x509"] + newKey + [
                "-keyout", server + ".key", "-out", server + ".crt", "-CA", caCertificate, "-CAkey", caKey,
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
            ])
    }

    /// The htpasswd file, bcrypt as distribution requires; cost 4, the lowest, since the password is a test value.
    private func makePasswordFile() throws {
        let entry = try tool("htpasswd", ["-n", "-i", "-B", "-C", "4", username], input: password)
        try directory.write("htpasswd", entry.trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
    }

    private func start() throws {
        guard let executable = which("docker-registry") else { throw Missing(tool: "docker-registry") }
        let root = directory.path
        let config = try directory.write(
            "config.yml",
            """
            version: 0.1
            log:
              level: error
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: "\(root)/storage"
            http:
              addr: "127.0.0.1:\(port)"
              secret: "\(UUID().uuidString)"
              tls:
                certificate: "\(root)/server.crt"
                key: "\(root)/server.key"
            auth:
              htpasswd:
                realm: ecr-sessions-test
                path: "\(root)/htpasswd"

            """)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", config]
        // Only PATH: REGISTRY_* variables would override the config file.
        process.environment = ["PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: try directory.write("registry.log", ""))
        try process.run()
    }

    private var logPath: String { directory.path + "/registry.log" }

    private func waitUntilReady() async throws {
        var settings = CurlSettings()
        settings.caBundle = caCertificate
        settings.connectTimeout = .seconds(1)
        let transport = CurlTransport(settings: settings)
        let request = HTTPRequest(method: "GET", url: URL(string: proxyEndpoint + "/v2/")!)
        // Generous: on a busy machine docker-registry can take many seconds to start; a ready one answers at once.
        let deadline = Date().addingTimeInterval(60)
        var last = "no answer"
        while Date() < deadline, process.isRunning {
            do {
                let response = try await transport.send(request)
                if response.status == 401 { return }
                last = "HTTP \(response.status)"
            } catch {
                last = String(describing: error)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        throw Failure(
            description: "docker-registry did not ask for a login at \(proxyEndpoint)/v2/ within 60 s (\(last)); "
                + "its log:\n\(log.suffix(2000))")
    }

    // MARK: Images

    /// Pushes a one-layer image (a text file, in an OCI layout built here) as `repository:tag` with skopeo, logged
    /// in as the htpasswd user. Returns the manifest's digest, `sha256:...`.
    @discardableResult
    public func push(repository: String, tag: String) throws -> String {
        let layout = directory.path + "/images/\(repository)-\(tag)"
        let digest = try tool("python3", ["-c", Self.ociLayoutScript, layout, tag])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try tool(
            "skopeo",
            [
                "--insecure-policy", "copy", "--quiet", "--dest-cert-dir", certificateDirectory,
                "--dest-creds", "\(username):\(password)", "oci:\(layout):\(tag)",
                "docker://\(host)/\(repository):\(tag)",
            ])
        return digest
    }

    /// Writes an OCI image layout (argv[1]) holding one image tagged argv[2]: a config and one gzip'd tar layer
    /// with `hello.txt`, every blob named by its SHA-256. Prints the manifest's digest.
    private static let ociLayoutScript = """
        import gzip, hashlib, io, json, os, sys, tarfile

        layout, tag = sys.argv[1], sys.argv[2]
        os.makedirs(os.path.join(layout, "blobs", "sha256"))

        def blob(data, media_type):
            digest = hashlib.sha256(data).hexdigest()
            with open(os.path.join(layout, "blobs", "sha256", digest), "wb") as f:
                f.write(data)
            return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}

        text = b"hello from ecr-sessions\\n"
        tar = io.BytesIO()
        with tarfile.open(fileobj=tar, mode="w") as archive:
            entry = tarfile.TarInfo("hello.txt")
            entry.size, entry.mode = len(text), 0o644
            archive.addfile(entry, io.BytesIO(text))
        diff_id = "sha256:" + hashlib.sha256(tar.getvalue()).hexdigest()
        layer = blob(gzip.compress(tar.getvalue()), "application/vnd.oci.image.layer.v1.tar+gzip")
        config = blob(
            json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
            .encode(),
            "application/vnd.oci.image.config.v1+json")
        manifest = blob(
            json.dumps({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config, "layers": [layer],
            }).encode(),
            "application/vnd.oci.image.manifest.v1+json")
        manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
        with open(os.path.join(layout, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
        with open(os.path.join(layout, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        print(manifest["digest"])
        """

    // MARK: Tools

    /// Runs `name` from PATH in the registry's directory, with that directory as HOME, and returns its stdout.
    @discardableResult
    private func tool(_ name: String, _ arguments: [String], input: String? = nil) throws -> String {
        guard let executable = which(name) else { throw Missing(tool: name) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = directory.path
        for variable in ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR"] {
            environment[variable] = nil
        }
        let result = try run(
            executable, arguments, environment: environment, input: input, currentDirectory: directory.path)
        guard result.status == 0 else {
            throw Failure(description: "\(name) \(arguments.prefix(2).joined(separator: " ")) failed: \(result)")
        }
        return result.stdout
    }

    /// A program the registry needs is not on PATH.
    public struct Missing: Error, CustomStringConvertible {
        public var tool: String
        public var description: String { "\(tool) is not on PATH: scripts/bootstrap installs it" }
    }

    /// Setting the registry up failed; says which step and what it printed.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }
}
