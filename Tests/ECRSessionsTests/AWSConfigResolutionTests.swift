import Testing

@testable import ECRSessions

@Suite("AWSConfig profile resolution")
struct AWSConfigResolutionTests {
    static let config = """
        [default]
        region = us-west-2

        [profile prod]
        region = eu-west-1
        endpoint_url = https://proxy.example.com
        services = local-ecr

        [services local-ecr]
        ecr =
          endpoint_url = http://localhost:5000

        [profile app]
        role_arn = arn:aws:iam::111122223333:role/app
        source_profile = prod
        region = eu-central-1

        [profile tool]
        credential_process = /usr/bin/get-creds

        [profile corp]
        sso_session = corp

        [sso-session corp]
        sso_region = us-east-1
        sso_start_url = https://corp.awsapps.com/start

        [profile ci]
        role_arn = arn:aws:iam::111122223333:role/ci
        web_identity_token_file = /var/run/token

        [profile box]
        role_arn = arn:aws:iam::111122223333:role/box
        credential_source = Ec2InstanceMetadata

        [profile settings-only]
        region = ap-south-1
        """

    static let credentials = """
        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret

        [prod]
        aws_access_key_id = AKIDPROD
        aws_secret_access_key = prod-secret
        aws_session_token = prod-token

        [half]
        aws_access_key_id = AKIDHALF
        """

    static let profiles = try! AWSProfiles(config: config, credentials: credentials)

    @Test("the selected profile is the explicit one, else AWS_PROFILE, else default")
    func selection() {
        let withProfile = Environment(["AWS_PROFILE": "prod"])
        #expect(AWSProfiles.selectedProfile(explicit: "app", environment: withProfile) == "app")
        #expect(AWSProfiles.selectedProfile(explicit: nil, environment: withProfile) == "prod")
        #expect(AWSProfiles.selectedProfile(explicit: nil, environment: Environment()) == "default")
    }

    @Test("static keys resolve to credentials and the profile's region")
    func staticKeys() throws {
        let resolved = try Self.profiles.resolve(profile: "prod", environment: Environment())
        #expect(
            resolved.credentials
                == AWSCredentials(accessKeyID: "AKIDPROD", secretAccessKey: "prod-secret", sessionToken: "prod-token"))
        #expect(resolved.region == "eu-west-1")
        #expect(resolved.credentialsOrigin == .profile("prod", SourceLocation(file: "~/.aws/credentials", line: 6)))
        let viaEnvironment = try Self.profiles.resolve(environment: Environment(["AWS_PROFILE": "prod"]))
        #expect(viaEnvironment.credentials.accessKeyID == "AKIDPROD")
        let byDefault = try Self.profiles.resolve(environment: Environment())
        #expect(byDefault.profile == "default")
        #expect(byDefault.region == "us-west-2")
    }

    @Test("AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region")
    func regionOrder() throws {
        let both = Environment(["AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-2"])
        #expect(try Self.profiles.resolve(profile: "prod", environment: both).region == "us-east-1")
        let fallback = Environment(["AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-2"])
        #expect(try Self.profiles.resolve(profile: "prod", environment: fallback).region == "us-east-2")
    }

    @Test("environment keys win unless a profile is asked for explicitly")
    func environmentCredentials() throws {
        let environment = Environment([
            "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "env-secret", "AWS_SESSION_TOKEN": "env-token",
            "AWS_PROFILE": "prod",
        ])
        let implicit = try Self.profiles.resolve(environment: environment)
        #expect(implicit.credentials.accessKeyID == "AKIDENV")
        #expect(implicit.credentials.sessionToken == "env-token")
        #expect(implicit.credentialsOrigin == .environment)
        #expect(implicit.region == "eu-west-1")
        let explicit = try Self.profiles.resolve(profile: "prod", environment: environment)
        #expect(explicit.credentials.accessKeyID == "AKIDPROD")
        // Environment keys need no profile at all.
        let none = try AWSProfiles().resolve(environment: environment)
        #expect(none.credentials.accessKeyID == "AKIDENV")
        #expect(none.region == nil)
    }

    @Test(
        "a profile set up another way is not resolved offline, and says so by name",
        arguments: [
            ("app", "role_arn"), ("tool", "credential_process"), ("corp", "sso_session"),
            ("ci", "web_identity_token_file"), ("box", "role_arn"),
        ])
    func unsupportedSources(profile: String, setting: String) {
        #expect(throws: AWSConfigError.unsupportedCredentialSource(profile: profile, setting: setting)) {
            try Self.profiles.resolve(profile: profile, environment: Environment())
        }
        let message = AWSConfigError.unsupportedCredentialSource(profile: profile, setting: setting).description
        #expect(
            message.hasPrefix("profile '\(profile)' uses \(setting), whose credentials cannot be read from the files"))
    }

    @Test("a missing profile names the profile and the files")
    func missingProfile() {
        #expect(
            throws: AWSConfigError.profileNotFound(profile: "nope", files: ["~/.aws/config", "~/.aws/credentials"])
        ) {
            try Self.profiles.resolve(profile: "nope", environment: Environment())
        }
        let message = AWSConfigError.profileNotFound(profile: "nope", files: ["~/.aws/config", "~/.aws/credentials"])
        #expect(message.description.contains("'nope' is not defined in ~/.aws/config or ~/.aws/credentials"))
    }

    @Test("half a key pair names the profile, the missing setting and where the half it has is")
    func halfKeyPair() {
        let expected = AWSConfigError.incompleteKeyPair(
            profile: "half", missing: "aws_secret_access_key",
            location: SourceLocation(file: "~/.aws/credentials", line: 11))
        #expect(throws: expected) { try Self.profiles.resolve(profile: "half", environment: Environment()) }
        #expect(
            expected.description
                == "profile 'half' (~/.aws/credentials line 11) has only half a key pair, it is missing "
                + "aws_secret_access_key; set both aws_access_key_id and aws_secret_access_key, or neither.")
        #expect(!expected.description.contains("AKIDHALF"))
    }

    @Test("a profile with settings only has no credential information")
    func settingsOnly() {
        #expect(throws: AWSConfigError.self) {
            try Self.profiles.resolve(profile: "settings-only", environment: Environment())
        }
    }

    @Test("endpoints: service variable, global variable, services block, then endpoint_url")
    func endpoints() throws {
        let prod = try Self.profiles.resolve(profile: "prod", environment: Environment())
        #expect(prod.profileEndpointURL == "https://proxy.example.com")
        #expect(prod.endpointURL(forService: "ecr", environment: Environment()) == "http://localhost:5000")
        #expect(prod.endpointURL(forService: "sts", environment: Environment()) == "https://proxy.example.com")
        let global = Environment(["AWS_ENDPOINT_URL": "https://global.example.com"])
        #expect(prod.endpointURL(forService: "ecr", environment: global) == "https://global.example.com")
        let perService = Environment([
            "AWS_ENDPOINT_URL": "https://global.example.com", "AWS_ENDPOINT_URL_ECR_PUBLIC": "https://pub.example.com",
        ])
        #expect(prod.endpointURL(forService: "ecr_public", environment: perService) == "https://pub.example.com")
        let plain = try Self.profiles.resolve(environment: Environment())
        #expect(plain.endpointURL(forService: "ecr", environment: Environment()) == nil)
    }

    @Test("zero-config lists every profile set up to yield credentials, with where it starts")
    func credentialProfiles() {
        let listed = Self.profiles.credentialProfiles()
        #expect(listed.map(\.name) == ["app", "box", "ci", "corp", "default", "half", "prod", "tool"])
        let byName = Dictionary(uniqueKeysWithValues: listed.map { ($0.name, $0) })
        #expect(
            byName["app"]
                == CredentialProfile(
                    name: "app", region: "eu-central-1", source: .assumeRole,
                    location: SourceLocation(file: "~/.aws/config", line: 13)))
        #expect(byName["half"]?.location == SourceLocation(file: "~/.aws/credentials", line: 10))
        #expect(byName["half"]?.source == .accessKeys)
        #expect(byName["tool"]?.source == .credentialProcess)
        #expect(byName["corp"]?.source == .sso)
        #expect(byName["ci"]?.source == .webIdentity)
        #expect(byName["tool"]?.region == nil)
    }
}

@Suite("AWSConfig secrets stay out of messages")
struct AWSConfigSecretsTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    static let token = "FwoGZXIvYXdzEXAMPLETOKEN"

    @Test(
        "a malformed line next to a secret does not repeat it",
        arguments: [
            "[prod]\naws_access_key_id = AKID\naws_secret_access_key = \(secret)\nthis line is broken\n",
            "[prod]\naws_secret_access_key = \(secret)\naws_session_token = \(token)\n= \(secret)\n",
            "[prod]\naws_secret_access_key\(secret)\naws_session_token = \(token)\n",
            "[prod]\naws_session_token = \(token)\n -\(secret)\n[other]\n  \(secret)\n",
            "aws_secret_access_key = \(secret)\n",
            "[prod\naws_secret_access_key = \(secret)\n",
            "[prod]\ns3 =\n  \(secret)\n",
        ])
    func malformedCredentials(text: String) {
        do {
            _ = try AWSProfiles(config: "", credentials: text)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("~/.aws/credentials line"))
            #expect(!error.description.contains(Self.secret))
            #expect(!error.description.contains(Self.token))
            #expect(!String(describing: error).contains(Self.secret))
        }
    }

    @Test("resolved credentials and chains describe themselves without the secret")
    func descriptions() throws {
        let profiles = try AWSProfiles(
            config: "",
            credentials: "[prod]\naws_access_key_id = AKID\naws_secret_access_key = \(Self.secret)\n"
                + "aws_session_token = \(Self.token)\n")
        let resolved = try profiles.resolve(profile: "prod", environment: Environment())
        let chain = try profiles.credentialChain(forProfile: "prod")
        for text in [
            String(describing: resolved), String(describing: chain), String(describing: chain.base),
            String(describing: profiles), String(reflecting: profiles),
        ] {
            #expect(!text.contains(Self.secret))
            #expect(!text.contains(Self.token))
        }
    }
}
