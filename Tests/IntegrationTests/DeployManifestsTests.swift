import ECRSessions
import Foundation
import TestSupport
import Testing

/// The manifests under `deploy/kubernetes/`: kubectl reads and maps every object (client-side, against the fake
/// API's discovery), and what they say agrees with itself and with what ecr-sessions reads. The kubelet's config is
/// checked in `KubernetesClusterTests`.
@Suite(.serialized) struct DeployManifestsTests {
    let deploy = repositoryRoot.appendingPathComponent("deploy").path

    private func kubectl(_ arguments: [String], kubeconfig: String, home: String) throws -> ProcessResult {
        let kubectl = try #require(which("kubectl"), "kubectl is not installed: scripts/bootstrap installs it")
        return try run(
            kubectl, arguments,
            environment: [
                "HOME": home, "KUBECONFIG": kubeconfig, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "",
            ])
    }

    @Test func kubectlReadsEveryManifestAndTheRBACIsLimitedToTheSecret() throws {
        let kube = try FakeKubernetesAPI()
        defer { kube.stop() }
        var sandbox = try CLISandbox()
        defer { sandbox.remove() }
        let kubeconfig = try sandbox.write(".kube/config", kube.kubeconfig())

        let result = try kubectl(
            ["create", "--dry-run=client", "--validate=false", "-o", "json", "-k", deploy + "/kubernetes"],
            kubeconfig: kubeconfig, home: sandbox.home.path)

        #expect(result.status == 0, "\(result)")
        // One JSON object per manifest, one after another (older kubectl: one List of them).
        let objects = "[" + result.stdout.replacingOccurrences(of: "\n}\n{", with: "\n},\n{") + "]"
        var items = try #require(JSONSerialization.jsonObject(with: Data(objects.utf8)) as? [[String: Any]])
        if items.count == 1, let list = items[0]["items"] as? [[String: Any]] { items = list }
        func object(_ kind: String) throws -> [String: Any] {
            try #require(items.first { $0["kind"] as? String == kind }, "no \(kind) in deploy/kubernetes")
        }
        #expect(
            Set(items.compactMap { $0["kind"] as? String }).isSuperset(of: [
                "Namespace", "ServiceAccount", "ConfigMap", "Role", "RoleBinding", "Deployment",
            ]))

        // The config is one ecr-sessions reads, its accounts' profiles are in the AWS config beside it (read as the
        // Deployment's variables point at them), and it names the Secret the Role is limited to.
        let data = try #require(try object("ConfigMap")["data"] as? [String: String])
        let config = try #require(data["config"])
        sandbox.environment["ECR_SESSIONS_CONFIG"] = try sandbox.write("etc/ecr-sessions/config", config)
        sandbox.environment["AWS_CONFIG_FILE"] = try sandbox.write(
            "etc/ecr-sessions/aws-config", try #require(data["aws-config"]))
        let check = try sandbox.run("accounts", "list")
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("prod") && check.stdout.contains("eu-west-1 us-east-1"), "\(check)")
        #expect(config.contains("targets = kubernetes") && config.contains("kubernetes_secret = ecr-sessions"))
        let rules = try #require(try object("Role")["rules"] as? [[String: Any]])
        for rule in rules {
            let verbs = rule["verbs"] as? [String] ?? []
            #expect(rule["resources"] as? [String] == ["secrets"])
            if verbs == ["create"] {
                #expect(rule["resourceNames"] == nil)  // create cannot be limited by name
            } else {
                #expect(Set(verbs) == ["get", "update", "patch", "delete"])
                #expect(rule["resourceNames"] as? [String] == ["ecr-sessions"])
            }
        }
        let subjects = try #require(try object("RoleBinding")["subjects"] as? [[String: String]])
        #expect(subjects == [["kind": "ServiceAccount", "name": "ecr-sessions", "namespace": "ecr-sessions"]])

        let spec = try #require(try object("Deployment")["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["serviceAccountName"] as? String == "ecr-sessions")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(container["args"] as? [String] == ["daemon"])
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        #expect(volumes.first { $0["name"] as? String == "state" }?["emptyDir"] != nil)
    }
}
