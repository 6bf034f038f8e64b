import Foundation
import Testing

@testable import ECRSessions

/// The kubelet exec plugin's request parsing and response text, without a process.
@Suite struct KubeletCredentialProviderUnitTests {
    typealias Provider = Actions.KubeletCredentialProvider

    @Test(arguments: [
        ("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/app:1", "111122223333.dkr.ecr.eu-west-1.amazonaws.com"),
        ("111122223333.dkr.ecr-fips.us-east-1.amazonaws.com/app", "111122223333.dkr.ecr-fips.us-east-1.amazonaws.com"),
        (
            "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:0",
            "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn"
        ),
        ("111122223333.dkr.ecr.us-iso-east-1.c2s.ic.gov/a/b/c", "111122223333.dkr.ecr.us-iso-east-1.c2s.ic.gov"),
        ("public.ecr.aws/nginx/nginx:latest", "public.ecr.aws"),
        ("https://Public.ECR.aws/x", "public.ecr.aws"),
        ("registry.local:5000/app", "registry.local:5000"),
    ])
    func theRegistryHostIsWhatComesBeforeTheFirstSlash(image: String, host: String) {
        #expect(Provider.registryHost(ofImage: image) == host)
    }

    @Test func aRequestGivesItsVersionAndImage() throws {
        let request =
            #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1beta1","kind":"CredentialProviderRequest","#
            + #""image":"public.ecr.aws/a"}"#
        let parsed = try Provider.parse(Data(request.utf8))
        #expect(parsed.apiVersion == "credentialprovider.kubelet.k8s.io/v1beta1")
        #expect(parsed.image == "public.ecr.aws/a")
    }

    @Test func anUnknownVersionIsNamed() {
        let request =
            #"{"apiVersion":"credentialprovider.kubelet.k8s.io/v1alpha1","kind":"CredentialProviderRequest","#
            + #""image":"x"}"#
        #expect(
            throws: KubeletCredentialProviderError.unsupportedAPIVersion("credentialprovider.kubelet.k8s.io/v1alpha1")
        ) {
            try Provider.parse(Data(request.utf8))
        }
    }

    @Test(arguments: [
        (Duration.seconds(9 * 3600), "9h0m0s"), (.seconds(5 * 60 + 30), "5m30s"), (.seconds(7), "7s"), (.zero, "0s"),
        (.seconds(3600 + 1), "1h0m1s"),
    ])
    func durationsAreWrittenAsGoWritesThem(duration: Duration, text: String) {
        #expect(duration.goText == text)
    }

    @Test func theResponseIsTheProtocolsJSONAndItsDescriptionHidesThePassword() throws {
        let response = KubeletCredentialProviderResponse(
            apiVersion: "credentialprovider.kubelet.k8s.io/v1", host: "public.ecr.aws", username: "AWS",
            password: "pa\"ss", cacheDuration: .seconds(3600))
        #expect(
            response.json
                == #"{"kind":"CredentialProviderResponse","apiVersion":"credentialprovider.kubelet.k8s.io/v1","#
                + #""cacheKeyType":"Registry","cacheDuration":"1h0m0s","#
                + #""auth":{"public.ecr.aws":{"username":"AWS","password":"pa\"ss"}}}"#)
        #expect(try JSONSerialization.jsonObject(with: Data(response.json.utf8)) is [String: Any])
        #expect(!response.description.contains("pa\"ss"))
    }
}
