import ArgumentParser
import ECRSessions
import Foundation

extension Root {
    /// The kubelet's image credential provider exec plugin: the kubelet runs it per image pull it has no cached
    /// credentials for, with a `CredentialProviderRequest` on stdin.
    struct KubeletCredentialProvider: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kubelet-credential-provider",
            abstract: "Answer the kubelet as its image credential provider (exec plugin).",
            discussion: """
                Reads a CredentialProviderRequest (credentialprovider.kubelet.k8s.io/v1 or v1beta1) on stdin and \
                prints a CredentialProviderResponse for the image's registry: user AWS and the registry password, \
                cacheKeyType Registry, and a cacheDuration that ends when ecr-sessions would renew the token. The \
                token comes from the cache while it is fresh, else a new one is fetched; an expired token is never \
                answered. On any failure the reason goes to stderr, nothing to stdout, and the exit status is 1. \
                See deploy/kubelet-credential-provider-config.yaml for the kubelet's side.
                """)

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let request = FileHandle.standardInput.readDataToEndOfFile()
            do {
                let response = try await Actions.KubeletCredentialProvider(ActionContext.live()).answer(request)
                print(response.json)
            } catch {
                // The kubelet treats any non-zero status as "no credentials"; the protocol has no other codes.
                printError("error: \(error)")
                throw ExitCode(1)
            }
        }
    }
}
