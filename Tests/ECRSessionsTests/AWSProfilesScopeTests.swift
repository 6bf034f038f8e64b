import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// `AWSProfiles.load(chainsOf:)`, what `get-login-password` reads: for the profiles it is asked about, everything
/// their credential chains and settings use must be exactly what a whole read gives.
@Suite struct AWSProfilesScopeTests {
    /// Chains through `source_profile`, an `[sso-session]`, `[services]`, a profile written in both files and twice,
    /// `[default]` beside `[profile default]`, a missing source and a loop.
    static let config = """
        [default]
        region = us-west-2

        [profile default]
        region = eu-north-1

        [profile base]
        region = eu-west-1
        services = local

        [profile admin]
        role_arn = arn:aws:iam::111111111111:role/admin
        source_profile = base

        [profile deep]
        role_arn = arn:aws:iam::222222222222:role/deep
        source_profile = admin
        region = ap-south-1

        [profile sso]
        sso_session = corp
        sso_account_id = 333333333333
        sso_role_name = dev

        [sso-session corp]
        sso_region = eu-central-1
        sso_start_url = https://corp.awsapps.com/start

        [services local]
        ecr =
          endpoint_url = http://127.0.0.1:9

        [profile orphan]
        role_arn = arn:aws:iam::444444444444:role/o
        source_profile = nowhere

        [profile loop-a]
        role_arn = arn:aws:iam::555555555555:role/a
        source_profile = loop-b

        [profile loop-b]
        role_arn = arn:aws:iam::555555555555:role/b
        source_profile = loop-a

        [profile base]
        output = json

        """
    static let credentials = """
        [base]
        aws_access_key_id = AKIDBASE
        aws_secret_access_key = base-secret

        [default]
        aws_access_key_id = AKIDDEFAULT
        aws_secret_access_key = default-secret

        [credentials-only]
        aws_access_key_id = AKIDONLY
        aws_secret_access_key = only-secret

        """

    let home: TemporaryDirectory
    let environment: Environment

    init() throws {
        home = try TemporaryDirectory()
        try home.write(".aws/config", Self.config)
        try home.write(".aws/credentials", Self.credentials)
        environment = Environment(["HOME": home.path])
    }

    @Test(arguments: [
        "default", "base", "admin", "deep", "sso", "orphan", "loop-a", "credentials-only", "absent",
    ])
    func aProfilesChainReadsAsAWholeReadDoes(_ profile: String) throws {
        defer { home.remove() }
        let whole = try AWSProfiles.load(environment: environment)
        let scoped = try AWSProfiles.load(environment: environment, chainsOf: [profile])
        #expect(scoped.files == whole.files)
        #expect(scoped.profiles[profile] == whole.profiles[profile])
        for (name, block) in scoped.profiles { #expect(block == whole.profiles[name], "\(name)") }
        for (name, block) in scoped.ssoSessions { #expect(block == whole.ssoSessions[name], "\(name)") }
        for (name, block) in scoped.services { #expect(block == whole.services[name], "\(name)") }
        // What the chain resolves to, or the error it fails with, is the same.
        #expect(
            Result { () throws(AWSConfigError) in try scoped.credentialChain(forProfile: profile) }
                == Result { () throws(AWSConfigError) in try whole.credentialChain(forProfile: profile) })
        if let block = whole.profiles[profile] {
            #expect(scoped.serviceEndpointURLs(for: block) == whole.serviceEndpointURLs(for: block))
        }
        #expect(
            scoped.region(ofProfile: profile, environment: environment)
                == whole.region(ofProfile: profile, environment: environment))
    }

    @Test func withNoProfilesAtAllTheErrorSaysSo() throws {
        defer { home.remove() }
        let empty = try TemporaryDirectory()
        defer { empty.remove() }
        let scoped = try AWSProfiles.load(environment: Environment(["HOME": empty.path]), chainsOf: ["absent"])
        #expect(throws: AWSConfigError.noProfiles(files: scoped.files)) {
            try scoped.credentialChain(forProfile: "absent")
        }
    }

    @Test func onlyTheChainIsRead() throws {
        defer { home.remove() }
        let scoped = try AWSProfiles.load(environment: environment, chainsOf: ["deep"])
        #expect(Set(scoped.profiles.keys) == ["deep", "admin", "base"])
        #expect(Set(scoped.services.keys) == ["local"])
        #expect(scoped.ssoSessions.isEmpty)
        let sso = try AWSProfiles.load(environment: environment, chainsOf: ["sso"])
        #expect(Set(sso.profiles.keys) == ["sso"] && Set(sso.ssoSessions.keys) == ["corp"])
    }

    @Test func aBrokenLineElsewhereIsNotThisProfilesErrorButItsOwnIs() throws {
        defer { home.remove() }
        try home.write(".aws/config", Self.config + "[profile broken]\nthis line has no equals sign\n")
        #expect(throws: AWSConfigError.self) { try AWSProfiles.load(environment: environment) }
        let base = try AWSProfiles.load(environment: environment, chainsOf: ["base"])
        #expect(base.profiles["base"]?["aws_access_key_id"] == "AKIDBASE")
        #expect(throws: AWSConfigError.self) {
            try AWSProfiles.load(environment: environment, chainsOf: ["broken"])
        }
    }
}
