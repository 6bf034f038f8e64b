import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

/// A fake STS and SSO portal behind a `ScriptedTransport`: AssumeRole answers with keys named after the role
/// (`ASIA` + role name), so a test can see which credentials signed the next hop.
private func fakeAWS(now: @escaping @Sendable () -> Date, lifetime: TimeInterval = 3600) -> ScriptedTransport {
    ScriptedTransport([
        { request in
            let expiration = now().addingTimeInterval(lifetime)
            if request.url.path.hasSuffix("/federation/credentials") {
                let body = """
                    {"roleCredentials": {"accessKeyId": "ASIASSO", "secretAccessKey": "SSO-SECRET",
                     "sessionToken": "SSO-TOKEN", "expiration": \(Int(expiration.timeIntervalSince1970 * 1000))}}
                    """
                return .success(HTTPResponse(status: 200, body: Data(body.utf8)))
            }
            let form = formFields(request)
            let action = form["Action"] ?? "?"
            let role = (form["RoleArn"] ?? "").split(separator: "/").last.map(String.init) ?? "?"
            let body = """
                <\(action)Response><\(action)Result><Credentials>
                <AccessKeyId>ASIA\(role.uppercased())</AccessKeyId>
                <SecretAccessKey>SECRET-\(role)</SecretAccessKey>
                <SessionToken>TOKEN-\(role)</SessionToken>
                <Expiration>\(expiration.formatted(.iso8601))</Expiration>
                </Credentials><AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/\(role)/s</Arn></AssumedRoleUser>
                </\(action)Result></\(action)Response>
                """
            return .success(HTTPResponse(status: 200, body: Data(body.utf8)))
        }
    ])
}

private func formFields(_ request: HTTPRequest) -> [String: String] {
    let pairs = String(decoding: request.body, as: UTF8.self).split(separator: "&").map {
        $0.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
    }
    return Dictionary(pairs.filter { $0.count == 2 }.map { ($0[0], $0[1]) }) { $1 }
}

/// The access key ID a request was signed with.
private func signingKey(_ request: HTTPRequest) -> String? {
    guard let authorization = request.header("Authorization"),
        let range = authorization.range(of: "Credential=")
    else { return nil }
    return authorization[range.upperBound...].split(separator: "/").first.map(String.init)
}

/// Answers MFA questions with a fixed code and counts them.
private final class FixedMFAPrompt: MFAPrompt {
    let asked = Mutex(0)
    func code(serial: String, roleARN: String, profile: String) async throws -> String {
        asked.withLock { $0 += 1 }
        return "123456"
    }
}

@Suite struct ChainCredentialProviderTests {
    let home: TemporaryDirectory
    let cache: Cache
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    init() throws {
        home = try TemporaryDirectory("chain-provider")
        cache = try Cache(path: home.path + "/state/cache.sqlite3")
    }

    static let credentials = """
        [base]
        aws_access_key_id = AKIABASE
        aws_secret_access_key = BASE-SECRET
        """

    static let config = """
        [profile base]
        region = eu-west-1

        [profile hub]
        role_arn = arn:aws:iam::111111111111:role/hub
        source_profile = base
        region = eu-west-1

        [profile app]
        role_arn = arn:aws:iam::222222222222:role/app
        source_profile = hub
        external_id = ext-1
        role_session_name = me
        duration_seconds = 900
        region = eu-west-1

        [profile app2]
        role_arn = arn:aws:iam::333333333333:role/app2
        source_profile = hub
        region = eu-west-1

        [profile fromenv]
        role_arn = arn:aws:iam::444444444444:role/fromenv
        credential_source = Environment
        region = us-east-1

        [profile ec2]
        role_arn = arn:aws:iam::444444444444:role/ec2
        credential_source = Ec2InstanceMetadata

        [profile odd]
        role_arn = arn:aws:iam::444444444444:role/odd
        credential_source = environment

        [profile loop1]
        role_arn = arn:aws:iam::555555555555:role/loop
        source_profile = loop2

        [profile loop2]
        role_arn = arn:aws:iam::555555555555:role/loop
        source_profile = loop1

        [profile mfa]
        role_arn = arn:aws:iam::666666666666:role/mfa
        source_profile = base
        mfa_serial = arn:aws:iam::000000000000:mfa/me
        region = eu-west-1

        [profile onlyregion]
        region = eu-central-1
        """

    func provider(
        _ transport: ScriptedTransport, config: String = config, credentials: String = credentials,
        environment: [String: String] = [:], keepSessions: Bool = true, mfaPrompt: (any MFAPrompt)? = nil
    ) throws -> ChainCredentialProvider {
        ChainCredentialProvider(
            profiles: try AWSProfiles(config: config, credentials: credentials),
            environment: Environment(["HOME": home.path].merging(environment) { $1 }), transport: transport,
            clock: clock, retry: .none, sessions: keepSessions ? cache : nil, mfaPrompt: mfaPrompt)
    }

    var sts: ScriptedTransport {
        let clock = clock
        return fakeAWS(now: { clock.now() })
    }

    // MARK: Chains

    @Test func eachHopAssumesItsRoleWithThePreviousHopsCredentials() async throws {
        defer { home.remove() }
        let transport = sts
        let resolved = try await provider(transport).resolve(profile: "app")

        #expect(resolved.credentials.accessKeyID == "ASIAAPP")
        #expect(resolved.credentials.sessionToken == "TOKEN-app")
        #expect(resolved.region == "eu-west-1")
        let requests = transport.requests
        try #require(requests.count == 2)
        #expect(
            requests.map { formFields($0)["RoleArn"] } == [
                "arn:aws:iam::111111111111:role/hub", "arn:aws:iam::222222222222:role/app",
            ])
        #expect(requests.map(signingKey) == ["AKIABASE", "ASIAHUB"])
        #expect(requests.allSatisfy { $0.url.host == "sts.eu-west-1.amazonaws.com" })
        let hub = formFields(requests[0])
        #expect(hub["RoleSessionName"] == "ecr-sessions-1800000000")
        #expect(hub["ExternalId"] == nil && hub["DurationSeconds"] == nil)
        let app = formFields(requests[1])
        #expect(app["ExternalId"] == "ext-1")
        #expect(app["RoleSessionName"] == "me")
        #expect(app["DurationSeconds"] == "900")
        guard case .chain(let chain) = resolved.credentialsOrigin else {
            Issue.record("expected a chain origin, got \(resolved.credentialsOrigin)")
            return
        }
        #expect(chain.roles.map(\.profile) == ["hub", "app"])
        #expect(!resolved.description.contains("SECRET"))
    }

    @Test func staticKeysNeedNoNetworkAndKeepTheirOrigin() async throws {
        defer { home.remove() }
        let transport = sts
        let resolved = try await provider(transport).resolve(profile: "base")
        #expect(resolved.credentials == AWSCredentials(accessKeyID: "AKIABASE", secretAccessKey: "BASE-SECRET"))
        #expect(transport.requests.isEmpty)
        guard case .profile("base", _) = resolved.credentialsOrigin else {
            Issue.record("expected the base profile as origin, got \(resolved.credentialsOrigin)")
            return
        }
    }

    @Test func theSTSEndpointFollowsTheOverrides() async throws {
        defer { home.remove() }
        let transport = sts
        _ = try await provider(transport, environment: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9/sts"])
            .resolve(profile: "hub")
        #expect(transport.requests.map(\.url.absoluteString) == ["http://127.0.0.1:9/sts"])
    }

    @Test func credentialSourceEnvironmentSignsWithTheEnvironmentsKeys() async throws {
        defer { home.remove() }
        let transport = sts
        let resolved = try await provider(
            transport, environment: ["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "ENV-SECRET"]
        ).resolve(profile: "fromenv")
        #expect(resolved.credentials.accessKeyID == "ASIAFROMENV")
        #expect(transport.requests.map(signingKey) == ["AKIAENV"])
        #expect(transport.requests.first?.url.host == "sts.us-east-1.amazonaws.com")
    }

    @Test(
        "credential_source errors name the profile and say what to do",
        arguments: [
            ("fromenv", CredentialChainError.environmentCredentialsMissing(profile: "fromenv"), "AWS_ACCESS_KEY_ID"),
            (
                "ec2", CredentialChainError.credentialSourceUnavailable(profile: "ec2", source: "Ec2InstanceMetadata"),
                "not available here"
            ),
            (
                "odd", CredentialChainError.unknownCredentialSource(profile: "odd", source: "environment"),
                "case-sensitive"
            ),
        ])
    func credentialSourceErrors(profile: String, expected: CredentialChainError, phrase: String) async throws {
        defer { home.remove() }
        let transport = sts
        // With instance metadata switched off, as on a machine that is not an EC2 instance.
        let error = await #expect(throws: CredentialChainError.self) {
            _ = try await provider(transport, environment: ["AWS_EC2_METADATA_DISABLED": "true"])
                .resolve(profile: profile)
        }
        #expect(error == expected)
        #expect(expected.description.contains("profile '\(profile)'"))
        #expect(expected.description.contains(phrase))
        #expect(transport.requests.isEmpty)
    }

    @Test func aLoopIsNamedWithoutAnyNetworkCall() async throws {
        defer { home.remove() }
        let transport = sts
        let error = await #expect(throws: AWSConfigError.self) {
            _ = try await provider(transport).resolve(profile: "loop1")
        }
        #expect(error == .sourceProfileLoop(profiles: ["loop1", "loop2", "loop1"]))
        #expect(error?.description.contains("loop1 -> loop2 -> loop1") == true)
        #expect(transport.requests.isEmpty)
    }

    // MARK: MFA

    @Test func anMFARoleIsNeverPromptedForWithoutAPrompt() async throws {
        defer { home.remove() }
        let transport = sts
        let error = await #expect(throws: CredentialChainError.self) {
            _ = try await provider(transport).resolve(profile: "mfa")
        }
        #expect(error == .mfaRequired(profile: "mfa", roleProfile: "mfa", serial: "arn:aws:iam::000000000000:mfa/me"))
        #expect(
            error?.description
                == "profile 'mfa' needs an MFA code (mfa_serial arn:aws:iam::000000000000:mfa/me); run "
                + "`ecr-sessions accounts login mfa` in a terminal to enter it, then refresh reuses the session "
                + "until it expires.")
        #expect(transport.requests.isEmpty)
    }

    @Test func anInteractiveLoginAsksOnceAndRefreshReusesTheSession() async throws {
        defer { home.remove() }
        let prompt = FixedMFAPrompt()
        let login = sts
        // Two regions of one profile log in at once: one question, one STS call.
        let provider = try provider(login, mfaPrompt: prompt)
        async let first = provider.resolve(profile: "mfa")
        async let second = provider.resolve(profile: "mfa")
        #expect(try await [first, second].map(\.credentials.accessKeyID) == ["ASIAMFA", "ASIAMFA"])
        #expect(prompt.asked.withLock { $0 } == 1)
        let form = formFields(try #require(login.requests.first))
        #expect(login.requests.count == 1)
        #expect(form["SerialNumber"] == "arn:aws:iam::000000000000:mfa/me")
        #expect(form["TokenCode"] == "123456")

        let refresh = sts
        let reused = try await self.provider(refresh).resolve(profile: "mfa")
        #expect(reused.credentials.accessKeyID == "ASIAMFA")
        #expect(refresh.requests.isEmpty)
    }

    // MARK: The session cache

    @Test func aSecondRunReusesEveryHopFromTheCache() async throws {
        defer { home.remove() }
        let first = sts
        _ = try await provider(first).resolve(profile: "app")
        #expect(first.requests.count == 2)
        #expect(cacheRowCount("sessions", path: cache.path) == 2)

        let second = sts
        let resolved = try await provider(second).resolve(profile: "app")
        #expect(resolved.credentials.accessKeyID == "ASIAAPP")
        #expect(resolved.credentials.secretAccessKey == "SECRET-app")
        #expect(second.requests.isEmpty)
    }

    @Test func concurrentJobsThatShareAHopShareOneCall() async throws {
        defer { home.remove() }
        let transport = sts
        let provider = try provider(transport)
        let keys = try await withThrowingTaskGroup(of: String.self) { group in
            for profile in ["app", "app2", "app", "app2", "hub", "app", "app2", "hub"] {
                group.addTask { try await provider.resolve(profile: profile).credentials.accessKeyID }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(keys) == ["ASIAAPP", "ASIAAPP2", "ASIAHUB"])
        // hub once, then app and app2 once each.
        #expect(
            transport.requests.compactMap { formFields($0)["RoleArn"] }.sorted() == [
                "arn:aws:iam::111111111111:role/hub", "arn:aws:iam::222222222222:role/app",
                "arn:aws:iam::333333333333:role/app2",
            ])
    }

    @Test(
        "changing a step's settings or its source's key invalidates the session",
        arguments: [
            ("external_id = ext-1", "external_id = ext-2"),
            ("role_session_name = me", "role_session_name = other"),
            ("duration_seconds = 900", "duration_seconds = 1800"),
            ("role_arn = arn:aws:iam::222222222222:role/app", "role_arn = arn:aws:iam::222222222222:role/app"),
        ])
    func settingsChangeInvalidates(before: String, after: String) async throws {
        defer { home.remove() }
        _ = try await provider(sts).resolve(profile: "app")
        let changed = sts
        _ = try await provider(changed, config: Self.config.replacingOccurrences(of: before, with: after))
            .resolve(profile: "app")
        // The last row is the control: nothing changed, nothing is fetched.
        let expected = before == after ? [String]() : ["arn:aws:iam::222222222222:role/app"]
        #expect(changed.requests.compactMap { formFields($0)["RoleArn"] } == expected)
    }

    @Test func newSourceKeysInvalidateEverySessionBuiltOnThem() async throws {
        defer { home.remove() }
        _ = try await provider(sts).resolve(profile: "app")
        let rotated = sts
        _ = try await provider(
            rotated, credentials: Self.credentials.replacingOccurrences(of: "AKIABASE", with: "AKIANEWKEY")
        ).resolve(profile: "app")
        // hub is assumed again, with the new key. (Real STS would give hub's new session a new key ID, which would
        // in turn renew app; this fake names keys after roles, so app's source key ID stays the same.)
        #expect(rotated.requests.map(signingKey) == ["AKIANEWKEY"])
    }

    @Test func sessionsAreRenewedShortlyBeforeTheyExpire() async throws {
        defer { home.remove() }
        _ = try await provider(sts).resolve(profile: "hub")
        clock.advance(by: 3600 - ChainCredentialProvider.sessionMargin - 1)
        let stillValid = sts
        _ = try await provider(stillValid).resolve(profile: "hub")
        #expect(stillValid.requests.isEmpty)

        clock.advance(by: 2)
        let renewed = sts
        _ = try await provider(renewed).resolve(profile: "hub")
        #expect(renewed.requests.count == 1)
    }

    @Test func withoutACacheEveryRunCallsSTS() async throws {
        defer { home.remove() }
        let transport = sts
        _ = try await provider(transport, keepSessions: false).resolve(profile: "hub")
        _ = try await provider(transport, keepSessions: false).resolve(profile: "hub")
        #expect(transport.requests.count == 2)
        #expect(cacheRowCount("sessions", path: cache.path) == 0)
    }

    // MARK: Web identity, SSO, credential_process

    @Test func webIdentityReadsTheTokenFileEachTimeAndSendsNoSignature() async throws {
        defer { home.remove() }
        let tokenFile = try home.write("token", "TOKEN-ONE\n")
        let config = """
            [profile pod]
            role_arn = arn:aws:iam::777777777777:role/pod
            web_identity_token_file = \(tokenFile)
            region = eu-west-1
            """
        let transport = sts
        let resolved = try await provider(transport, config: config, credentials: "").resolve(profile: "pod")
        #expect(resolved.credentials.accessKeyID == "ASIAPOD")
        let request = try #require(transport.requests.first)
        #expect(formFields(request)["Action"] == "AssumeRoleWithWebIdentity")
        #expect(formFields(request)["WebIdentityToken"] == "TOKEN-ONE")
        #expect(request.header("Authorization") == nil)

        // A rotated token is a new source: its session is fetched anew.
        try home.write("token", "TOKEN-TWO")
        _ = try await provider(transport, config: config, credentials: "").resolve(profile: "pod")
        #expect(transport.requests.count == 2)
        #expect(formFields(transport.requests[1])["WebIdentityToken"] == "TOKEN-TWO")
    }

    @Test func theEnvironmentsWebIdentityServesAProfileWithoutASourceOfItsOwn() async throws {
        defer { home.remove() }
        let tokenFile = try home.write("token", "ENV-TOKEN")
        let transport = sts
        let environment = [
            "AWS_WEB_IDENTITY_TOKEN_FILE": tokenFile, "AWS_ROLE_ARN": "arn:aws:iam::888888888888:role/eks",
            "AWS_ROLE_SESSION_NAME": "pod-1",
        ]
        let resolved = try await provider(transport, environment: environment).resolve(profile: "onlyregion")
        #expect(resolved.credentials.accessKeyID == "ASIAEKS")
        #expect(resolved.region == "eu-central-1")
        #expect(formFields(try #require(transport.requests.first))["RoleSessionName"] == "pod-1")
        // With no AWS files at all, `default` is that role.
        let none = try await provider(transport, config: "", credentials: "", environment: environment)
            .resolve(profile: "default")
        #expect(none.credentials.accessKeyID == "ASIAEKS")
        // A profile's own keys win.
        let base = try await provider(transport, environment: environment).resolve(profile: "base")
        #expect(base.credentials.accessKeyID == "AKIABASE")
    }

    @Test func anUnreadableWebIdentityTokenNamesTheFile() async throws {
        defer { home.remove() }
        let config = """
            [profile pod]
            role_arn = arn:aws:iam::777777777777:role/pod
            web_identity_token_file = \(home.path)/missing-token
            """
        let error = await #expect(throws: CredentialChainError.self) {
            _ = try await provider(sts, config: config, credentials: "").resolve(profile: "pod")
        }
        guard case .webIdentityTokenUnreadable("pod", let path, _) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(path == "\(home.path)/missing-token")
    }

    static let ssoConfig = """
        [profile corp]
        sso_session = corp
        sso_account_id = 999999999999
        sso_role_name = ReadOnly
        region = eu-west-1

        [profile corpapp]
        role_arn = arn:aws:iam::121212121212:role/corpapp
        source_profile = corp
        region = eu-west-1

        [sso-session corp]
        sso_start_url = https://d-abc.awsapps.com/start
        sso_region = eu-west-1
        """

    @Test func ssoUsesTheCachedTokenAndItsSessionServesARoleChain() async throws {
        defer { home.remove() }
        try home.write(
            ".aws/sso/cache/\(SSOTokenCache.sha1Hex("corp")).json",
            #"{"accessToken": "SSO-ACCESS", "expiresAt": "2030-01-01T00:00:00Z"}"#)
        let transport = sts
        let resolved = try await provider(transport, config: Self.ssoConfig, credentials: "").resolve(
            profile: "corpapp")
        #expect(resolved.credentials.accessKeyID == "ASIACORPAPP")
        try #require(transport.requests.count == 2)
        let portal = transport.requests[0]
        #expect(portal.url.host == "portal.sso.eu-west-1.amazonaws.com")
        #expect(portal.header("x-amz-sso_bearer_token") == "SSO-ACCESS")
        #expect(portal.url.query?.contains("account_id=999999999999") == true)
        #expect(signingKey(transport.requests[1]) == "ASIASSO")

        let again = sts
        _ = try await provider(again, config: Self.ssoConfig, credentials: "").resolve(profile: "corp")
        #expect(again.requests.isEmpty)
    }

    @Test func aMissingSSOLoginSaysToRunAWSSSOLogin() async throws {
        defer { home.remove() }
        let error = await #expect(throws: SSOError.self) {
            _ = try await provider(sts, config: Self.ssoConfig, credentials: "").resolve(profile: "corp")
        }
        #expect(error?.kind == .notLoggedIn)
        #expect(error?.description.contains("aws sso login --profile corp`") == true)
        // A role chained from the SSO profile names the profile that `aws sso login` can use.
        let chained = await #expect(throws: SSOError.self) {
            _ = try await provider(sts, config: Self.ssoConfig, credentials: "").resolve(profile: "corpapp")
        }
        #expect(chained?.profile == "corp")
    }

    @Test func credentialProcessOutputIsCachedUntilItExpires() async throws {
        defer { home.remove() }
        let expiration = clock.now().addingTimeInterval(3600).formatted(.iso8601)
        let script = try home.write(
            "bin/creds",
            """
            #!/bin/sh
            echo run >> "\(home.path)/runs"
            echo '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "PROC-SECRET", \
            "SessionToken": "PROC-TOKEN", "Expiration": "\(expiration)"}'
            """)
        chmod(script, 0o755)
        let config = "[profile tool]\ncredential_process = \(script)\nregion = eu-west-1\n"
        for _ in 0..<2 {
            let resolved = try await provider(sts, config: config, credentials: "").resolve(profile: "tool")
            #expect(resolved.credentials.accessKeyID == "ASIAPROC")
            #expect(resolved.credentials.sessionToken == "PROC-TOKEN")
        }
        #expect(try String(contentsOfFile: home.path + "/runs", encoding: .utf8) == "run\n")
    }
}
