import ECRSessions
import Foundation
import TestSupport
import Testing

/// `ecr-sessions kubelet-credential-provider` through the real binary, as the kubelet runs it: a request on stdin,
/// the response on stdout, with FakeECR as ECR (real expiries).
@Suite(.serialized) struct KubeletCredentialProviderTests {
    let fake: FakeECR
    let sandbox: CLISandbox
    let host = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"

    init() throws {
        fake = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        sandbox = try .devProfile(of: fake, accessKeyID: "AKIDKUBELET", secretAccessKey: "kubelet-secret")
    }

    private func request(_ image: String, apiVersion: String = "credentialprovider.kubelet.k8s.io/v1") -> String {
        #"{"apiVersion":"\#(apiVersion)","kind":"CredentialProviderRequest","image":"\#(image)"}"#
    }

    /// Go's `time.ParseDuration` for the `XhYmZs` text the response carries.
    private func seconds(_ text: String) -> Int? {
        guard let match = text.wholeMatch(of: /(?:(\d+)h)?(?:(\d+)m)?(\d+)s/) else { return nil }
        return (Int(match.1 ?? "0") ?? 0) * 3600 + (Int(match.2 ?? "0") ?? 0) * 60 + (Int(match.3) ?? 0)
    }

    @Test(arguments: ["credentialprovider.kubelet.k8s.io/v1", "credentialprovider.kubelet.k8s.io/v1beta1"])
    func aConfiguredHostIsAnsweredFromTheCacheWithoutNetwork(apiVersion: String) throws {
        defer { sandbox.remove() }
        let login = try sandbox.run("accounts", "login", "dev")
        #expect(login.status == 0, "\(login)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        fake.setOutage(true)  // any call to ECR would now fail

        let result = try sandbox.run(
            "kubelet-credential-provider", input: request("\(host)/team/app:1.2", apiVersion: apiVersion))

        #expect(result.status == 0, "\(result)")
        let response = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(response["kind"] as? String == "CredentialProviderResponse")
        #expect(response["apiVersion"] as? String == apiVersion)
        #expect(response["cacheKeyType"] as? String == "Registry")
        let auth = try #require(response["auth"] as? [String: [String: String]])
        #expect(auth == [host: ["username": "AWS", "password": issued.password]])
        // 12 h tokens, renewed a quarter of their life (plus up to a tenth of that) before they expire.
        let duration = try #require(response["cacheDuration"] as? String)
        let cached = try #require(seconds(duration))
        #expect((8 * 3600...9 * 3600).contains(cached), "\(result.stdout)")
        #expect(fake.requestCount(account: "111122223333", region: "eu-west-1") == 1)
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test func anUnconfiguredHostIsFetchedThroughTheMappingWithOneECRCall() throws {
        defer { sandbox.remove() }
        // No account covers the shared registry: the [registry] mapping says which profile's token serves it.
        try sandbox.write(
            ".config/ecr-sessions/config",
            "[account other]\nprofile = other\nregions = eu-west-1\n\n"
                + "[registry shared]\nprofile = dev\nregistry_ids = 444455556666\n")
        let shared = "444455556666.dkr.ecr.eu-west-1.amazonaws.com"

        let result = try sandbox.run("kubelet-credential-provider", input: request("\(shared)/team/app:1.2"))

        #expect(result.status == 0, "\(result)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        let response = try #require(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let auth = try #require(response["auth"] as? [String: [String: String]])
        #expect(auth == [shared: ["username": "AWS", "password": issued.password]])
        #expect(fake.requests.count == 1)
        // The next request for the same host is served from the cache.
        let again = try sandbox.run("kubelet-credential-provider", input: request("\(shared)/team/other:2"))
        #expect(again.status == 0 && again.stdout.contains(issued.password), "\(again)")
        #expect(fake.requests.count == 1)
    }

    @Test func anExpiredTokenWithTheEndpointDownIsAnErrorWithNothingOnStdout() throws {
        defer { sandbox.remove() }
        fake.tokenLifetime = 10 * 60
        let login = try sandbox.run("accounts", "login", "dev")
        #expect(login.status == 0, "\(login)")
        let issued = try #require(fake.lastToken(account: "111122223333", region: "eu-west-1"))
        fake.setOutage(true)
        var later = sandbox
        later.environment["ECR_SESSIONS_FAKE_NOW"] = Date().addingTimeInterval(3600).formatted(.iso8601)

        let result = try later.run("kubelet-credential-provider", input: request("\(host)/app@sha256:abc"))

        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains(host), "\(result)")
        #expect(!result.stderr.contains(issued.password), "\(result)")
    }

    @Test(arguments: [
        "not json",
        #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","kind":"CredentialProviderRequest","image":"x"}"#,
        #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"Other","image":"x"}"#,
        #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest"}"#,
        #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1","kind":"CredentialProviderRequest","image":"ghcr.io"}"#,
    ])
    func aBadRequestOrAnUnmanagedRegistryIsAnErrorWithNothingOnStdout(input: String) throws {
        defer { sandbox.remove() }
        let result = try sandbox.run("kubelet-credential-provider", input: input)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.hasPrefix("error: "), "\(result)")
    }
}
