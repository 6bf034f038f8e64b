import Foundation
import Testing

@testable import ECRSessions

@Suite struct AmbientSourceTests {
    @Test(
        "container FULL_URI: https anywhere, plain http only to loopback and the ECS and EKS hosts",
        arguments: [
            ("https://creds.example.com/x", true), ("http://127.0.0.1:8080/x", true), ("http://127.1.2.3/x", true),
            ("http://[::1]:9/x", true), ("http://localhost/x", true), ("http://169.254.170.23/v1/credentials", true),
            ("http://169.254.170.2/x", true), ("http://192.0.2.1/x", false), ("http://127.example.com/x", false),
            ("ftp://127.0.0.1/x", false),
        ])
    func containerHosts(uri: String, allowed: Bool) {
        let url = try? ContainerCredentialsEndpoint.url(Environment(["AWS_CONTAINER_CREDENTIALS_FULL_URI": uri]))
        #expect((url != nil) == allowed)
    }

    @Test func theRelativeURIIsAPathOnTheECSHostAndWins() throws {
        let url = try ContainerCredentialsEndpoint.url(
            Environment([
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/abc",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.1/x",
            ]))
        #expect(url.absoluteString == "http://169.254.170.2/v2/credentials/abc")
    }

    @Test func theEnvironmentsAccountNamesNoSecretAndFollowsTheKey() throws {
        let environment = Environment([
            "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "SECRET", "AWS_REGION": "eu-west-1",
        ])
        let accounts = Account.zeroConfiguration(try AWSProfiles(config: "", credentials: ""), environment: environment)
        let account = try #require(accounts.first)
        #expect(accounts.count == 1 && account.name == "environment" && account.regions == ["eu-west-1"])
        #expect(account.profile.hasPrefix("@environment-") && !account.profile.contains("AKIAEXAMPLE"))
        #expect(!account.profile.contains("SECRET") && account.credentialSource == .environment)
        var other = environment
        other.values["AWS_ACCESS_KEY_ID"] = "AKIAOTHER"
        #expect(AmbientSource.inEnvironment(other)?.profile != account.profile)
    }

    @Test func withNoProfilesAndNoKeysTheInstanceProfileIsTheAccountUnlessDisabled() throws {
        let profiles = try AWSProfiles(config: "", credentials: "")
        let accounts = Account.zeroConfiguration(profiles, environment: Environment(["AWS_REGION": "us-east-2"]))
        #expect(accounts.map(\.profile) == [AmbientSource.instanceMetadataProfile])
        let disabled = Account.zeroConfiguration(
            profiles, environment: Environment(["AWS_REGION": "us-east-2", "AWS_EC2_METADATA_DISABLED": "true"]))
        #expect(disabled.isEmpty)
    }
}
