public import Foundation

/// A strict fake of the Kubernetes API's Secrets, on a free loopback port over TLS with a throwaway CA (made by the
/// openssl CLI), for the `kubernetes` target's tests. It checks the bearer token on every request, serves GET, POST,
/// PUT and DELETE on `/api/v1/namespaces/{ns}/secrets[/{name}]` with resourceVersions (a stale one is a 409), answers
/// 403 in `forbiddenNamespaces`, takes a client certificate its CA signed in place of the token, and can be told to
/// answer the next PUTs with a 409 as if another writer had won. It also answers kubectl's legacy discovery, so
/// `kubectl create --dry-run=client` can map the manifests under `deploy/` to resources.
///
/// The server is a Python script (python3's http.server and ssl), supervised so it dies with the tests. Its state
/// (every Secret, every request) is a JSON file it rewrites after each request; the tests read it back and may seed
/// it before the start.
///
/// `@unchecked Sendable`: every stored property is a constant, and the process is only stopped.
public final class FakeKubernetesAPI: @unchecked Sendable {
    public let port: UInt16
    public let token: String
    /// The CA's certificate, PEM.
    public let caCertificate: Data
    private let directory: TemporaryDirectory
    private let process: SupervisedProcess

    public var server: String { "https://127.0.0.1:\(port)" }

    /// One request as the server saw it.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        public var status: Int
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Starts the server, with `secrets` (by namespace, then name: full Secret objects as JSON) already stored.
    public init(
        token: String = "fake-kube-token", forbiddenNamespaces: [String] = [], secrets: [String: [String: Any]] = [:]
    ) throws {
        guard which("openssl") != nil, let python = which("python3") else {
            throw Failure(
                description: "openssl and python3 are needed for the fake Kubernetes API: run scripts/bootstrap")
        }
        self.token = token
        directory = try TemporaryDirectory("fake-kube-api")
        port = try freeLoopbackPort()
        try Self.makeCertificates(in: directory)
        caCertificate = try Data(contentsOf: directory.url("ca.crt"))
        let state: [String: Any] = ["secrets": secrets, "requests": [], "conflicts": 0]
        try JSONSerialization.data(withJSONObject: state).write(to: directory.url("state.json"))
        try directory.write("control.json", #"{"conflicts": 0}"#)
        try directory.write("server.py", Self.script)
        process = try SupervisedProcess(
            executable: python,
            arguments: [
                directory.path + "/server.py", String(port), directory.path, token,
                forbiddenNamespaces.joined(separator: ","),
            ],
            environment: ProcessInfo.processInfo.environment)
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: directory.path + "/ready") {
            guard Date() < deadline, process.isRunning else {
                throw Failure(description: "the fake Kubernetes API did not start on 127.0.0.1:\(port)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    deinit {
        stop()
    }

    public func stop() {
        process.stop()
        directory.remove()
    }

    /// A kubeconfig whose current context is this server, with its CA inline and `token` (default: the right one),
    /// or, with `clientCertificate`, the certificate and key of the user `tester` that the CA signed instead.
    public func kubeconfig(token: String? = nil, namespace: String = "default", clientCertificate: Bool = false)
        -> String
    {
        let credentials =
            clientCertificate
            ? """
                client-certificate-data: \(base64("client.crt"))
                client-key-data: \(base64("client.key"))
            """
            : "    token: \(token ?? self.token)"
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - cluster:
                certificate-authority-data: \(caCertificate.base64EncodedString())
                server: \(server)
              name: fake
            contexts:
            - context:
                cluster: fake
                namespace: \(namespace)
                user: "tester"   # a comment, as people leave them
              name: fake-context
            current-context: fake-context
            preferences: {}
            users:
            - name: tester
              user:
            \(credentials)

            """
    }

    private func base64(_ file: String) -> String {
        ((try? Data(contentsOf: directory.url(file))) ?? Data()).base64EncodedString()
    }

    /// Answers the next `count` PUTs with 409 Conflict, bumping the Secret's resourceVersion as another writer would.
    public func conflictNextPuts(_ count: Int) throws {
        try directory.write("control.json", #"{"conflicts": \#(count)}"#)
    }

    private func state() throws -> [String: Any] {
        guard
            let state = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.url("state.json")))
                as? [String: Any]
        else { throw Failure(description: "the fake Kubernetes API's state is not a JSON object") }
        return state
    }

    /// The stored Secret, as the API would return it.
    public func secret(namespace: String, name: String) throws -> [String: Any]? {
        ((try state()["secrets"] as? [String: Any])?[namespace] as? [String: Any])?[name] as? [String: Any]
    }

    /// Every request so far, in order.
    public func requests() throws -> [Request] {
        (try state()["requests"] as? [[String: Any]] ?? []).map {
            Request(
                method: $0["method"] as? String ?? "", path: $0["path"] as? String ?? "",
                status: $0["status"] as? Int ?? 0)
        }
    }

    private static func makeCertificates(in directory: TemporaryDirectory) throws {
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"]
        let ca = directory.path + "/ca"
        let steps: [[String]] = [
            ["req", "-x509"] + newKey + ["-keyout", ca + ".key", "-out", ca + ".crt", "-subj", "/CN=fake kube CA"],
            ["req", "-x509"] + newKey + [
                "-keyout", directory.path + "/server.key", "-out", directory.path + "/server.crt", "-CA", ca + ".crt",
                "-CAkey", ca + ".key", "-subj", "/CN=kubernetes", "-addext", "subjectAltName=IP:127.0.0.1",
                "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth",
            ],
            ["req", "-x509"] + newKey + [
                "-keyout", directory.path + "/client.key", "-out", directory.path + "/client.crt", "-CA", ca + ".crt",
                "-CAkey", ca + ".key", "-subj", "/CN=tester", "-addext", "basicConstraints=critical,CA:FALSE",
                "-addext", "extendedKeyUsage=clientAuth",
            ],
        ]
        for arguments in steps {
            let result = try run(
                which("openssl") ?? "openssl", arguments, environment: ProcessInfo.processInfo.environment,
                input: nil, currentDirectory: directory.path)
            guard result.status == 0 else { throw Failure(description: "openssl failed: \(result)") }
        }
    }

    static let script = #"""
        import base64, json, os, re, ssl, sys, threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        port, folder, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        forbidden = set(filter(None, sys.argv[4].split(",")))
        lock = threading.Lock()
        with open(os.path.join(folder, "state.json")) as f:
            state = json.load(f)
        version = [100]
        PATH = re.compile(r"^/api/v1/namespaces/([a-z0-9-]+)/secrets(?:/([a-z0-9.-]+))?$")
        MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"
        VERBS = {"GET": "get", "POST": "create", "PUT": "update", "DELETE": "delete"}

        def save():
            tmp = os.path.join(folder, "state.json.tmp")
            with open(tmp, "w") as f:
                json.dump(state, f)
            os.replace(tmp, os.path.join(folder, "state.json"))

        def status(code, reason, message):
            return code, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message,
                          "reason": reason, "code": code}

        def take_conflict():
            path = os.path.join(folder, "control.json")
            with open(path) as f:
                control = json.load(f)
            if control.get("conflicts", 0) > 0:
                control["conflicts"] -= 1
                with open(path, "w") as f:
                    json.dump(control, f)
                return True
            return False

        def bump(obj):
            version[0] += 1
            obj.setdefault("metadata", {})["resourceVersion"] = str(version[0])

        def valid_secret(body, namespace, name):
            if body.get("apiVersion") != "v1" or body.get("kind") != "Secret":
                return "the body is not a v1 Secret"
            meta = body.get("metadata") or {}
            if meta.get("namespace", namespace) != namespace:
                return "metadata.namespace does not match the path"
            if name is not None and meta.get("name") != name:
                return "metadata.name does not match the path"
            for value in (body.get("data") or {}).values():
                try:
                    base64.b64decode(value, validate=True)
                except Exception:
                    return "a data value is not base64"
            return None

        # Legacy discovery, enough for kubectl to map the kinds under deploy/ to resources (namespaced or not).
        RESOURCES = {
            "v1": [("namespaces", "Namespace", False), ("serviceaccounts", "ServiceAccount", True),
                   ("configmaps", "ConfigMap", True), ("secrets", "Secret", True)],
            "apps/v1": [("deployments", "Deployment", True)],
            "batch/v1": [("cronjobs", "CronJob", True)],
            "rbac.authorization.k8s.io/v1": [("roles", "Role", True), ("rolebindings", "RoleBinding", True)],
        }

        def discovery(path):
            verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
            if path == "/api":
                return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % port}]}
            if path == "/apis":
                groups = []
                for gv in RESOURCES:
                    if "/" in gv:
                        group, version = gv.split("/")
                        entry = {"groupVersion": gv, "version": version}
                        groups.append({"name": group, "versions": [entry], "preferredVersion": entry})
                return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
            gv = path[len("/api/"):] if path.startswith("/api/") else path[len("/apis/"):]
            if path.startswith("/api") and gv in RESOURCES and path in ("/api/" + gv, "/apis/" + gv):
                return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": [
                    {"name": name, "singularName": kind.lower(), "namespaced": namespaced, "kind": kind, "verbs": verbs}
                    for name, kind, namespaced in RESOURCES[gv]]}
            return None

        def handle(method, path, headers, body, user):
            if headers.get("Authorization") != "Bearer " + token and user != "tester":
                return status(401, "Unauthorized", "Unauthorized")
            path = path.split("?")[0]
            if method == "GET" and discovery(path) is not None:
                return 200, discovery(path)
            match = PATH.match(path)
            if not match or (method == "POST") == (match.group(2) is not None):
                return status(404, "NotFound", "the server could not find the requested resource")
            namespace, name = match.group(1), match.group(2)
            if namespace in forbidden:
                return status(403, "Forbidden", 'secrets "%s" is forbidden: User "tester" cannot %s resource "secrets" '
                              'in API group "" in the namespace "%s"' % (name or "", VERBS[method], namespace))
            if method in ("POST", "PUT") and not headers.get("Content-Type", "").startswith("application/json"):
                return status(415, "UnsupportedMediaType", "expected application/json")
            stored = state["secrets"].setdefault(namespace, {})
            if method == "GET":
                if name not in stored:
                    return status(404, "NotFound", 'secrets "%s" not found' % name)
                return 200, stored[name]
            try:
                body = json.loads(body or b"{}")
            except ValueError:
                return status(400, "BadRequest", "the body is not JSON")
            if method == "POST":
                problem = valid_secret(body, namespace, None)
                if problem:
                    return status(422, "Invalid", problem)
                name = body["metadata"]["name"]
                if name in stored:
                    return status(409, "AlreadyExists", 'secrets "%s" already exists' % name)
                body["metadata"]["namespace"] = namespace
                bump(body)
                stored[name] = body
                return 201, body
            if name not in stored:
                return status(404, "NotFound", 'secrets "%s" not found' % name)
            if method == "PUT":
                problem = valid_secret(body, namespace, name)
                if problem:
                    return status(422, "Invalid", problem)
                if take_conflict():
                    bump(stored[name])
                    return status(409, "Conflict", MODIFIED)
                if body["metadata"].get("resourceVersion") != stored[name]["metadata"]["resourceVersion"]:
                    return status(409, "Conflict", MODIFIED)
                if body.get("type") != stored[name].get("type"):
                    return status(422, "Invalid", "type is immutable")
                bump(body)
                stored[name] = body
                return 200, body
            if method == "DELETE":
                wanted = (body.get("preconditions") or {}).get("resourceVersion")
                if wanted and wanted != stored[name]["metadata"]["resourceVersion"]:
                    return status(409, "Conflict", "precondition failed: resourceVersion")
                del stored[name]
                return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success"}
            return status(405, "MethodNotAllowed", "method not allowed")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    cert = self.connection.getpeercert() or {}
                    user = dict(pair[0] for pair in cert.get("subject", ())).get("commonName")
                    code, answer = handle(self.command, self.path, self.headers, body, user)
                    state["requests"].append({"method": self.command, "path": self.path, "status": code})
                    save()
                data = json.dumps(answer).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = serve

        for obj in (s for ns in state["secrets"].values() for s in ns.values()):
            bump(obj)
        save()
        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(os.path.join(folder, "server.crt"), os.path.join(folder, "server.key"))
        # A client certificate the CA signed (CN=tester) authenticates like the bearer token.
        context.verify_mode = ssl.CERT_OPTIONAL
        context.load_verify_locations(os.path.join(folder, "ca.crt"))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        open(os.path.join(folder, "ready"), "w").close()
        server.serve_forever()
        """#
}
