import ECRSessions
import Foundation
import TestSupport
import Testing

/// `targets = kubernetes` through the real binary: Secrets created, updated and deleted on a strict fake Kubernetes
/// API (TLS with a throwaway CA, bearer token), their bodies judged by `kubectl create secret docker-registry
/// --dry-run=client`, with FakeECR as ECR.
@Suite(.serialized) struct KubernetesTargetTests {
    let fake: FakeECR
    let sandbox: CLISandbox
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
    static let label = "app.kubernetes.io/managed-by"

    init() throws {
        fake = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        fake.register(accessKeyID: "AKIDKUBE", secretAccessKey: "kube-secret", account: "111122223333")
        sandbox = try CLISandbox(fake.environment)
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = AKIDKUBE\naws_secret_access_key = kube-secret\nregion = eu-west-1\n")
    }

    private func configure(
        _ kube: FakeKubernetesAPI, namespaces: String, token: String? = nil, clientCertificate: Bool = false
    ) throws {
        try sandbox.write(".kube/config", kube.kubeconfig(token: token, clientCertificate: clientCertificate))
        try sandbox.write(
            ".config/ecr-sessions/config",
            "[settings]\ntargets = docker kubernetes\nkubernetes_namespaces = \(namespaces)\n")
    }

    /// What kubectl makes of the same login, without a cluster.
    private func kubectlSecret(namespace: String, password: String) throws -> [String: Any] {
        let kubectl = try #require(which("kubectl"), "kubectl is not installed: scripts/bootstrap installs it")
        let result = try run(
            kubectl,
            [
                "create", "secret", "docker-registry", "ecr-sessions", "--namespace", namespace,
                "--docker-server=\(host)", "--docker-username=AWS", "--docker-password=\(password)",
                "--dry-run=client", "-o", "json",
            ],
            environment: ["HOME": sandbox.home.path, "KUBECONFIG": "/dev/null", "PATH": sandbox.environment["PATH"]!])
        #expect(result.status == 0, "\(result)")
        return try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private func expectMatchesKubectl(_ secret: [String: Any]?, namespace: String, password: String) throws {
        let secret = try #require(secret, "no Secret in \(namespace)")
        let judge = try kubectlSecret(namespace: namespace, password: password)
        #expect(secret["kind"] as? String == judge["kind"] as? String)
        #expect(secret["apiVersion"] as? String == judge["apiVersion"] as? String)
        #expect(secret["type"] as? String == judge["type"] as? String)
        // Key for key and byte for byte: the base64 of the same JSON text.
        #expect(secret["data"] as? [String: String] == judge["data"] as? [String: String])
        let metadata = try #require(secret["metadata"] as? [String: Any])
        let judged = try #require(judge["metadata"] as? [String: Any])
        #expect(metadata["name"] as? String == judged["name"] as? String)
        #expect(metadata["namespace"] as? String == judged["namespace"] as? String)
        #expect((metadata["labels"] as? [String: String])?[Self.label] == "ecr-sessions")
    }

    @Test func secretsAreCreatedUpdatedOnlyWhenChangedAndDeletedAtLogout() throws {
        defer { sandbox.remove() }
        let kube = try FakeKubernetesAPI()
        defer { kube.stop() }
        try configure(kube, namespaces: "team-a team-b")

        let first = try sandbox.run("refresh")
        #expect(first.status == 0, "\(first)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        for namespace in ["team-a", "team-b"] {
            try expectMatchesKubectl(
                kube.secret(namespace: namespace, name: "ecr-sessions"), namespace: namespace, password: issued.password
            )
        }
        #expect(try sandbox.read(".docker/config.json").contains(issued.authorizationToken))

        // Nothing due, nothing changed: refresh only reads the Secrets.
        let writes = { try kube.requests().filter { $0.method != "GET" }.count }
        let before = try writes()
        let quiet = try sandbox.run("refresh")
        #expect(quiet.status == 0, "\(quiet)")
        #expect(try writes() == before)

        // A new token is a PUT with the resourceVersion read; a 409 (another writer won) is read again and retried.
        try kube.conflictNextPuts(1)
        let again = try sandbox.run("accounts", "login", "dev")
        #expect(again.status == 0, "\(again)")
        let renewed = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        #expect(renewed.password != issued.password)
        for namespace in ["team-a", "team-b"] {
            try expectMatchesKubectl(
                kube.secret(namespace: namespace, name: "ecr-sessions"), namespace: namespace,
                password: renewed.password)
        }
        #expect(try kube.requests().contains { $0.method == "PUT" && $0.status == 409 })

        let logout = try sandbox.run("accounts", "logout", "--all")
        #expect(logout.status == 0, "\(logout)")
        #expect(try kube.secret(namespace: "team-a", name: "ecr-sessions") == nil)
        #expect(try kube.secret(namespace: "team-b", name: "ecr-sessions") == nil)
        #expect(!FileManager.default.fileExists(atPath: sandbox.dockerConfigPath))
    }

    @Test func aForbiddenNamespaceNamesTheMissingRuleAndBlocksNothingElse() throws {
        defer { sandbox.remove() }
        let kube = try FakeKubernetesAPI(forbiddenNamespaces: ["locked"])
        defer { kube.stop() }
        try configure(kube, namespaces: "team-a locked")

        let result = try sandbox.run("accounts", "login", "dev")

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("namespace locked"), "\(result)")
        #expect(result.stderr.contains("verbs [get]") && result.stderr.contains("resourceNames [ecr-sessions]"))
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        #expect(!result.stderr.contains(issued.password) && !result.stdout.contains(issued.password))
        #expect(try kube.secret(namespace: "team-a", name: "ecr-sessions") != nil)
        #expect(try sandbox.read(".docker/config.json").contains(issued.authorizationToken))
    }

    @Test func aClientCertificateAuthenticatesInsteadOfAToken() throws {
        defer { sandbox.remove() }
        let kube = try FakeKubernetesAPI()
        defer { kube.stop() }
        try configure(kube, namespaces: "team-a", clientCertificate: true)
        #expect(try !sandbox.read(".kube/config").contains("token:"))

        let result = try sandbox.run("accounts", "login", "dev")

        #expect(result.status == 0, "\(result)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        try expectMatchesKubectl(
            kube.secret(namespace: "team-a", name: "ecr-sessions"), namespace: "team-a", password: issued.password)
    }

    @Test func aWrongTokenIsRefusedAndSaidSo() throws {
        defer { sandbox.remove() }
        let kube = try FakeKubernetesAPI()
        defer { kube.stop() }
        try configure(kube, namespaces: "team-a", token: "not-the-token")

        let result = try sandbox.run("accounts", "login", "dev")

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("401"), "\(result)")
        #expect(!result.stderr.contains("not-the-token"), "\(result)")
        #expect(try kube.requests().allSatisfy { $0.status == 401 })
    }

    @Test func aSecretWithoutOurLabelIsLeftAloneAndALabelledOneIsAdoptedAndRestored() throws {
        defer { sandbox.remove() }
        let theirs = Data(#"{"auths":{"ghcr.io":{"auth":"Z2g6dG9rZW4="}}}"#.utf8).base64EncodedString()
        func secret(labelled: Bool, namespace: String) -> [String: Any] {
            [
                "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": [
                    "name": "ecr-sessions", "namespace": namespace,
                    "labels": labelled ? [Self.label: "ecr-sessions", "team": "a"] : ["team": "a"],
                ],
                "data": [".dockerconfigjson": theirs],
            ]
        }
        let kube = try FakeKubernetesAPI(secrets: [
            "team-a": ["ecr-sessions": secret(labelled: false, namespace: "team-a")],
            "team-b": ["ecr-sessions": secret(labelled: true, namespace: "team-b")],
        ])
        defer { kube.stop() }
        try configure(kube, namespaces: "team-a team-b")

        let result = try sandbox.run("accounts", "login", "dev")

        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("team-a/ecr-sessions") && result.stderr.contains("kubectl label"), "\(result)")
        let untouched = try #require(try kube.secret(namespace: "team-a", name: "ecr-sessions"))
        #expect((untouched["data"] as? [String: String])?[".dockerconfigjson"] == theirs)
        #expect(try kube.requests().filter { $0.path.contains("team-a") }.allSatisfy { $0.method == "GET" })

        let adopted = try #require(try kube.secret(namespace: "team-b", name: "ecr-sessions"))
        let data = try #require((adopted["data"] as? [String: String])?[".dockerconfigjson"])
        let decoded = try #require(Data(base64Encoded: data))
        let config = try #require(JSONSerialization.jsonObject(with: decoded) as? [String: [String: Any]])
        #expect(Set(config["auths"].map { Array($0.keys) } ?? []) == ["ghcr.io", host])
        #expect((adopted["metadata"] as? [String: Any]).flatMap { $0["labels"] as? [String: String] }?["team"] == "a")

        let logout = try sandbox.run("accounts", "logout", "--all")
        #expect(logout.status == 0, "\(logout)")
        let restored = try #require(try kube.secret(namespace: "team-b", name: "ecr-sessions"))
        #expect((restored["data"] as? [String: String])?[".dockerconfigjson"] == theirs)
    }
}
