import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// Finding a cluster (a pod's service account, kubeconfig files), the kubeconfig YAML subset, the Secret's JSON,
/// and the kubelet config under `deploy/`.
@Suite struct KubernetesClusterTests {
    @Test func aKubeconfigWithAClientCertificateInFilesBesideIt() throws {
        let folder = try TemporaryDirectory("kubeconfig")
        defer { folder.remove() }
        try folder.write("certs/client.crt", "CERT")
        try folder.write("certs/client.key", "KEY")
        try folder.write("ca.pem", "CA")
        let path = try folder.write(
            "config",
            """
            # kubectl writes the name after the cluster, people the other way round
            apiVersion: v1
            clusters:
            - name: other
              cluster: {}
            - name: prod
              cluster:
                server: "https://prod.example:6443/"
                certificate-authority: ca.pem
            contexts:
            - context:
                cluster: prod
                user: admin
              name: prod-admin
            current-context: 'prod-admin'
            users:
            - name: admin
              user:
                client-certificate: certs/client.crt
                client-key: certs/client.key

            """)
        let cluster = try KubernetesCluster.fromKubeconfig([path])
        #expect(cluster.server == "https://prod.example:6443")
        #expect(cluster.caCertificates == Data("CA".utf8))
        #expect(cluster.clientCertificate == Data("CERT".utf8))
        #expect(cluster.clientKey == Data("KEY".utf8))
        #expect(cluster.token == nil)
        #expect(cluster.namespace == "default")
        #expect(!"\(cluster)".contains("KEY") && !String(reflecting: cluster).contains("KEY"))
    }

    @Test func severalKubeconfigFilesMergeFirstOneWins() throws {
        let folder = try TemporaryDirectory("kubeconfig")
        defer { folder.remove() }
        let first = try folder.write("a", "current-context: c\nusers:\n- name: u\n  user:\n    token: first\n")
        let second = try folder.write(
            "b",
            "current-context: other\nclusters:\n- name: k\n  cluster:\n    server: https://k:443\n"
                + "contexts:\n- name: c\n  context:\n    cluster: k\n    user: u\n    namespace: team\n"
                + "users:\n- name: u\n  user:\n    token: second\n")
        let environment = Environment(["HOME": folder.path, "KUBECONFIG": "\(first):\(folder.path)/missing:\(second)"])
        let cluster = try KubernetesCluster.locate(environment: environment, serviceAccountDirectory: folder.path)
        #expect(cluster.server == "https://k:443")
        #expect(cluster.token == "first")
        #expect(cluster.namespace == "team")
    }

    @Test func anExecPluginUserIsRefusedWithWhatToDo() throws {
        let folder = try TemporaryDirectory("kubeconfig")
        defer { folder.remove() }
        let path = try folder.write(
            "config",
            "current-context: eks\nclusters:\n- name: eks\n  cluster:\n    server: https://eks\ncontexts:\n"
                + "- name: eks\n  context:\n    cluster: eks\n    user: aws\nusers:\n- name: aws\n  user:\n"
                + "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws\n"
                + "      args:\n        - eks\n        - get-token\n")
        #expect(throws: KubernetesClusterError.self) { try KubernetesCluster.fromKubeconfig([path]) }
        do {
            _ = try KubernetesCluster.fromKubeconfig([path])
        } catch {
            #expect(error.description.contains("exec plugin") && error.description.contains("service account"))
        }
    }

    @Test func noKubeconfigSaysWhereItLooked() {
        let environment = Environment(["HOME": "/nonexistent"])
        #expect(throws: KubernetesClusterError.noConfiguration(paths: ["/nonexistent/.kube/config"])) {
            try KubernetesCluster.locate(environment: environment, serviceAccountDirectory: "/nonexistent")
        }
    }

    @Test func inAPodTheServiceAccountIsUsed() throws {
        let folder = try TemporaryDirectory("serviceaccount")
        defer { folder.remove() }
        try folder.write("token", "sa-token\n")
        try folder.write("ca.crt", "CA")
        try folder.write("namespace", "ecr-sessions")
        let environment = Environment(["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"])
        let cluster = try KubernetesCluster.locate(environment: environment, serviceAccountDirectory: folder.path)
        #expect(cluster.server == "https://[fd00::1]:6443")
        #expect(cluster.token == "sa-token")
        #expect(cluster.caCertificates == Data("CA".utf8))
        #expect(cluster.namespace == "ecr-sessions")
    }

    @Test(arguments: ["key: [a, b]\n", "key: |\n  text\n", "a:\n\tb: c\n", "key: \"open\n", "- a\nb: c\n"])
    func yamlBeyondTheSubsetIsRefused(text: String) {
        #expect(throws: YAMLSubset.SyntaxError.self) { try YAMLSubset.parse(text) }
    }

    @Test func theSecretsJSONIsKubectlsWithOtherEntriesKept() {
        let token = AuthorizationToken(encoded: Data("AWS:pw".utf8).base64EncodedString())
        #expect(KubernetesSecret.entry(token) == #"{"username":"AWS","password":"pw","auth":"QVdTOnB3"}"#)
        let auths: [String: Any] = [
            "b.example": ["username": "AWS", "password": "pw", "auth": "QVdTOnB3"], "a.example": ["auth": "eA=="],
        ]
        let text = Data(base64Encoded: KubernetesSecret.dockerConfigJSON(auths)).map {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(
            text
                == #"{"auths":{"a.example":{"auth":"eA=="},"#
                + #""b.example":{"username":"AWS","password":"pw","auth":"QVdTOnB3"}}}"#
        )
    }

    @Test(arguments: [
        ("team-a", 63, true), ("Team", 63, false), ("-a", 63, false), ("a.b", 63, false), ("a.b", 253, true),
    ])
    func namesAreKubernetesNames(name: String, maxLength: Int, valid: Bool) {
        #expect(KubernetesSecret.isName(name, maxLength: maxLength) == valid)
    }

    /// The kubelet's matchImages rule: as many labels as the pattern, each `*` matching within one label.
    private func matches(_ host: String, _ patterns: [String]) -> Bool {
        patterns.contains { pattern in
            let (labels, wanted) = (host.split(separator: "."), pattern.split(separator: "."))
            return labels.count == wanted.count
                && zip(labels, wanted).allSatisfy { label, glob in
                    let regex = try? Regex("^" + glob.replacingOccurrences(of: "*", with: "[^.]*") + "$")
                    return regex.map { label.wholeMatch(of: $0) != nil } ?? false
                }
        }
    }

    @Test func theKubeletConfigUnderDeployMatchesEveryPartitionsRegistries() throws {
        let path = repositoryRoot.appendingPathComponent("deploy/kubelet-credential-provider-config.yaml").path
        let config = try YAMLSubset.parse(try String(contentsOfFile: path, encoding: .utf8))
        #expect(config["kind"]?.text == "CredentialProviderConfig")
        let provider = try #require(config["providers"]?.items.first)
        #expect(provider["name"]?.text == "ecr-sessions")
        #expect(provider["args"]?.items.compactMap(\.text) == ["kubelet-credential-provider"])
        #expect(Actions.KubeletCredentialProvider.apiVersions.contains(provider["apiVersion"]?.text ?? ""))
        let patterns = provider["matchImages"]?.items.compactMap(\.text) ?? []
        for region in [
            "eu-west-1", "us-gov-west-1", "cn-north-1", "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1",
            "us-isof-south-1",
        ] {
            let host = "111122223333.dkr.ecr.\(region).\(Partition(region: region).dnsSuffix)"
            #expect(matches(host, patterns), "\(host)")
        }
        #expect(matches("111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com", patterns))
        #expect(matches("public.ecr.aws", patterns))
        #expect(!matches("ghcr.io", patterns))
    }
}
