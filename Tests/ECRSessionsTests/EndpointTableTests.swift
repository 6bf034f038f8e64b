import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// botocore is the judge of endpoints: for every case, the URL its client really sends the request to (recorded by a
/// `before-send` hook, not `client.meta.endpoint_url`, which for ECR FIPS names `ecr-fips` while the request goes to
/// `api.ecr-fips`) must be ours, and where botocore refuses a combination we must refuse it too.
@Suite struct EndpointTableTests {
    /// One request to judge: a service in a region, with the variant given to botocore's `Config` (`fips` set), or
    /// with profile keys and environment variables (for the precedence between them).
    struct Case: Sendable, CustomStringConvertible {
        var service: String
        var region: String
        var fips: Bool?
        var dualStack = false
        var stsMode: String?
        var profile: [String: String] = [:]
        var environment: [String: String] = [:]

        var json: [String: Any] {
            var object: [String: Any] = ["service": service, "region": region]
            if let fips {
                object["fips"] = fips
                object["dualstack"] = dualStack
            }
            if let stsMode { object["sts_mode"] = stsMode }
            if !profile.isEmpty { object["profile"] = profile }
            if !environment.isEmpty { object["env"] = environment }
            return object
        }

        var settings: EndpointSettings {
            if let fips {
                return EndpointSettings(
                    variant: EndpointVariant(fips: fips, dualStack: dualStack), stsRegionalEndpoints: stsMode)
            }
            return EndpointSettings(environment: Environment(environment)) { profile[$0] }
        }

        /// Our URL, without the trailing slash botocore adds, or `ERROR` where we refuse.
        var ours: String {
            let url: URL?
            switch service {
            case "ecr": url = try? ECREndpoint.privateAPI(region: region, variant: settings.variant)
            case "ecr-public": url = try? ECREndpoint.publicAPI(variant: settings.variant)
            default: url = try? STSEndpoint.url(region: region, environment: Environment(), settings: settings)
            }
            return url?.absoluteString ?? "ERROR"
        }

        var description: String {
            let variant =
                fips.map { "\(EndpointVariant(fips: $0, dualStack: dualStack))" } ?? "\(profile) \(environment)"
            return "\(service) \(region) \(variant)" + (stsMode.map { " sts_regional_endpoints=\($0)" } ?? "")
        }
    }

    static let regions = [
        "us-east-1", "us-east-2", "eu-west-1", "ap-southeast-2", "il-central-1", "cn-north-1", "cn-northwest-1",
        "us-gov-west-1", "us-gov-east-1", "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "eu-isoe-west-1",
        "us-isof-south-1",
    ]
    static let variants = [(false, false), (true, false), (false, true), (true, true)]

    /// Every region × variant for ECR and STS (STS in each `sts_regional_endpoints` mode), ECR Public where it
    /// lives, and the precedence of environment over profile keys.
    static var cases: [Case] {
        var cases: [Case] = []
        for region in regions {
            for (fips, dualStack) in variants {
                cases.append(Case(service: "ecr", region: region, fips: fips, dualStack: dualStack))
                for mode in [nil, "regional", "legacy"] {
                    cases.append(Case(service: "sts", region: region, fips: fips, dualStack: dualStack, stsMode: mode))
                }
            }
        }
        for (fips, dualStack) in variants {
            cases.append(Case(service: "ecr-public", region: "us-east-1", fips: fips, dualStack: dualStack))
        }
        cases.append(Case(service: "sts", region: "aws-global", fips: false, stsMode: "legacy"))
        cases += [
            Case(service: "ecr", region: "us-east-2", profile: ["use_fips_endpoint": "true"]),
            Case(service: "ecr", region: "us-east-2", profile: ["use_fips_endpoint": "TRUE"]),
            Case(service: "ecr", region: "us-east-2", profile: ["use_fips_endpoint": "yes"]),
            Case(service: "ecr", region: "us-east-2", environment: ["AWS_USE_FIPS_ENDPOINT": "true"]),
            Case(
                service: "ecr", region: "us-east-2", profile: ["use_fips_endpoint": "true"],
                environment: ["AWS_USE_FIPS_ENDPOINT": "false"]),
            Case(
                service: "ecr", region: "us-east-2", profile: ["use_fips_endpoint": "false"],
                environment: ["AWS_USE_FIPS_ENDPOINT": "true"]),
            Case(service: "ecr", region: "cn-north-1", profile: ["use_dualstack_endpoint": "true"]),
            Case(
                service: "ecr", region: "us-gov-west-1", profile: ["use_dualstack_endpoint": "true"],
                environment: ["AWS_USE_FIPS_ENDPOINT": "true"]),
            Case(
                service: "ecr", region: "eu-west-1", profile: ["use_dualstack_endpoint": "true"],
                environment: ["AWS_USE_DUALSTACK_ENDPOINT": "false"]),
            Case(service: "ecr-public", region: "us-east-1", environment: ["AWS_USE_DUALSTACK_ENDPOINT": "true"]),
            Case(service: "sts", region: "us-east-1", profile: ["sts_regional_endpoints": "legacy"]),
            Case(
                service: "sts", region: "us-east-1", profile: ["sts_regional_endpoints": "legacy"],
                environment: ["AWS_STS_REGIONAL_ENDPOINTS": "regional"]),
            Case(service: "sts", region: "eu-west-1", environment: ["AWS_STS_REGIONAL_ENDPOINTS": "legacy"]),
            Case(
                service: "sts", region: "eu-west-1",
                profile: ["sts_regional_endpoints": "legacy", "use_fips_endpoint": "true"]),
            Case(service: "sts", region: "cn-north-1", profile: ["sts_regional_endpoints": "legacy"]),
            Case(service: "sts", region: "il-central-1", profile: ["sts_regional_endpoints": "legacy"]),
            Case(service: "sts", region: "us-east-1", profile: ["sts_regional_endpoints": "bogus"]),
        ]
        return cases
    }

    @Test func everyCombinationGoesWhereBotocoreSendsIt() throws {
        let python = try #require(which("python3"), "python3 with botocore is the endpoint judge")
        let cases = Self.cases
        let input = try cases.map {
            String(decoding: try JSONSerialization.data(withJSONObject: $0.json), as: UTF8.self)
        }
        .joined(separator: "\n")
        let result = try run(
            python, ["-c", Self.judge], environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""],
            input: input + "\n")
        try #require(result.status == 0, "the botocore judge failed: \(result)")
        let answers = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String], "\(result)")
        try #require(answers.count == cases.count)
        var mismatches: [String] = []
        for (testCase, answer) in zip(cases, answers) {
            let botocore = answer.hasPrefix("ERROR") ? "ERROR" : String(answer.trimmingSuffix("/"))
            if testCase.ours != botocore { mismatches.append("\(testCase): ours \(testCase.ours), botocore \(answer)") }
        }
        #expect(
            mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n\(mismatches.joined(separator: "\n"))")
    }

    /// Reads one case a line (JSON) on stdin, prints the JSON list of the URLs botocore sent each request to.
    static let judge = #"""
        import json, os, sys, tempfile
        import botocore.config, botocore.session

        class Sent(Exception):
            pass

        def record(request, **kwargs):
            raise Sent(request.url)

        def sent_url(session, case):
            args = {"region_name": case["region"], "aws_access_key_id": "AKIDEXAMPLE", "aws_secret_access_key": "x"}
            if "fips" in case:
                args["config"] = botocore.config.Config(
                    use_fips_endpoint=case["fips"], use_dualstack_endpoint=case["dualstack"],
                    retries={"max_attempts": 0})
            try:
                client = session.create_client(case["service"], **args)
                client.meta.events.register("before-send", record)
                if case["service"] == "sts":
                    client.get_caller_identity()
                else:
                    client.get_authorization_token()
            except Sent as sent:
                return sent.args[0]
            except Exception as error:
                return "ERROR " + type(error).__name__
            return "ERROR nothing sent"

        sessions = {}
        answers = []
        base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        for line in sys.stdin:
            case = json.loads(line)
            os.environ.clear()
            os.environ.update(base)
            with tempfile.NamedTemporaryFile("w", suffix=".config", delete=False) as config:
                config.write("[default]\n" + "".join(f"{k} = {v}\n" for k, v in case.get("profile", {}).items()))
            os.environ["AWS_CONFIG_FILE"] = config.name
            os.environ["AWS_SHARED_CREDENTIALS_FILE"] = config.name + ".none"
            os.environ.update(case.get("env", {}))
            if "fips" in case and not case.get("env") and not case.get("profile"):
                # Variant cases share one session per STS mode, so botocore loads its data once.
                session = sessions.get(case.get("sts_mode"))
                if session is None:
                    session = sessions[case.get("sts_mode")] = botocore.session.Session()
                    if case.get("sts_mode"):
                        session.set_config_variable("sts_regional_endpoints", case["sts_mode"])
            else:
                session = botocore.session.Session()
            answers.append(sent_url(session, case))
            os.unlink(config.name)
        print(json.dumps(answers))
        """#
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> Substring {
        hasSuffix(suffix) ? dropLast(suffix.count) : self[...]
    }
}

@Suite struct ECRRegistryHostTests {
    @Test(
        arguments: [
            ("111122223333.dkr.ecr.eu-west-1.amazonaws.com", "111122223333", "eu-west-1", EndpointVariant.standard),
            ("111122223333.dkr.ecr-fips.us-east-2.amazonaws.com", "111122223333", "us-east-2", .init(fips: true)),
            ("111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn", "111122223333", "cn-north-1", .standard),
            (
                "111122223333.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "111122223333", "us-gov-west-1",
                .init(fips: true)
            ),
            ("111122223333.dkr.ecr.us-iso-east-1.c2s.ic.gov", "111122223333", "us-iso-east-1", .standard),
            ("111122223333.dkr.ecr.us-isob-east-1.sc2s.sgov.gov", "111122223333", "us-isob-east-1", .standard),
            ("111122223333.dkr-ecr.us-east-1.on.aws", "111122223333", "us-east-1", .init(dualStack: true)),
            (
                "111122223333.dkr-ecr-fips.us-east-1.on.aws", "111122223333", "us-east-1",
                .init(fips: true, dualStack: true)
            ),
            ("111122223333.DKR.ECR.EU-WEST-1.AMAZONAWS.COM", "111122223333", "eu-west-1", .standard),
        ] as [(String, String, String, EndpointVariant)])
    func readsEveryECRHost(host: String, account: String, region: String, variant: EndpointVariant) throws {
        let parsed = try #require(ECRRegistryHost(host))
        #expect(parsed.account == account)
        #expect(parsed.region == region)
        #expect(parsed.variant == variant)
        #expect(parsed.description == host.lowercased())
    }

    @Test(arguments: [
        "ghcr.io", "docker.io", "11112222333.dkr.ecr.eu-west-1.amazonaws.com",
        "111122223333.dkr.ecr.cn-north-1.amazonaws.com", "111122223333.dkr.ecr.eu-west-1.amazonaws.com.cn",
        "111122223333.dkr.ecr.eu-west-1.example.com", "111122223333.dkr.ecr.us-iso-east-1.amazonaws.com",
        "111122223333.dkr-ecr.us-iso-east-1.on.aws", "abc.dkr.ecr.eu-west-1.amazonaws.com",
        "111122223333.dkr.ecr.eu-west-1", "111122223333.dkr-ecr.us-east-1",
        "111122223333.dkr.ecr.eu-west-1.amazonaws.com.",
        "111122223333.ecr.eu-west-1.amazonaws.com", "111122223333.dkr.ecr.eu-west-1.amazonaws.com:443",
        "111122223333.dkr.ecr.eu-west.amazonaws.com", "111122223333..ecr.eu-west-1.amazonaws.com",
        "١١١١٢٢٢٢٣٣٣٣.dkr.ecr.eu-west-1.amazonaws.com", "public.ecr.aws.example.com", "",
    ])
    func otherHostsAreNotECR(host: String) {
        #expect(ECRRegistryHost(host) == nil)
    }

    /// Lowercasing is Unicode's, as a name outside ASCII is folded: the Kelvin sign becomes `k`.
    @Test func hostsAreReadWhateverTheirCase() throws {
        let kelvin = try #require(ECRRegistryHost("111122223333.d\u{212A}r.ecr.eu-west-1.amazonaws.com"))
        #expect(kelvin.description == "111122223333.dkr.ecr.eu-west-1.amazonaws.com")
        #expect(ECRRegistryHost("PUBLIC.ECR.AWS")?.isPublic == true)
    }

    @Test func publicECRIsOneRegistry() throws {
        let parsed = try #require(ECRRegistryHost("public.ecr.aws"))
        #expect(parsed.isPublic)
        #expect(parsed.description == "public.ecr.aws")
    }

    @Test func registryHostsFollowTheVariant() {
        #expect(
            ECREndpoint.registryHost(account: "111122223333", region: "us-east-2", variant: EndpointVariant(fips: true))
                == "111122223333.dkr.ecr-fips.us-east-2.amazonaws.com")
        // No dual-stack registry hosts in aws-cn are documented: the registry keeps its IPv4 name there.
        #expect(
            ECREndpoint.registryHost(account: "111122223333", region: "cn-north-1", variant: .init(dualStack: true))
                == "111122223333.dkr.ecr.cn-north-1.amazonaws.com.cn")
    }

    @Test func aTokenFollowsTheVariantUnlessECRNamedAnotherHost() {
        let token = AuthorizationData(
            token: AuthorizationToken(encoded: "QVdTOnNlY3JldA=="), expiresAt: Date(),
            proxyEndpoint: "https://111122223333.dkr.ecr.us-east-2.amazonaws.com")
        #expect(
            token.following(EndpointVariant(fips: true)).proxyEndpoint
                == "https://111122223333.dkr.ecr-fips.us-east-2.amazonaws.com")
        #expect(token.following(.standard) == token)
        var local = token
        local.proxyEndpoint = "https://127.0.0.1:5000"
        #expect(local.following(EndpointVariant(fips: true)) == local)
    }
}

@Suite struct EndpointSettingsTests {
    @Test func theEnvironmentWinsOverTheProfile() {
        let profile = [
            "use_fips_endpoint": "true", "use_dualstack_endpoint": "true", "sts_regional_endpoints": "legacy",
        ]
        let environment = Environment([
            "AWS_USE_FIPS_ENDPOINT": "false", "AWS_USE_DUALSTACK_ENDPOINT": "False",
            "AWS_STS_REGIONAL_ENDPOINTS": "regional",
        ])
        #expect(
            EndpointSettings(environment: environment) { profile[$0] }
                == EndpointSettings(variant: .standard, stsRegionalEndpoints: "regional"))
        #expect(
            EndpointSettings(environment: Environment()) { profile[$0] }
                == EndpointSettings(variant: .init(fips: true, dualStack: true), stsRegionalEndpoints: "legacy"))
    }

    @Test func aResolvedProfileCarriesItsKeys() throws {
        let profiles = try AWSProfiles(
            config: "[profile fips]\nregion = us-east-2\nuse_fips_endpoint = true\n", credentials: "")
        #expect(profiles.endpointSettings(ofProfile: "fips", environment: Environment()).variant.fips)
    }

    @Test func anUnknownCombinationIsAClearError() {
        let error = #expect(throws: ECRError.self) {
            try ECREndpoint.privateAPI(region: "eu-isoe-west-1", variant: EndpointVariant(dualStack: true))
        }
        #expect(error?.description.contains("dual-stack") == true)
        #expect(error?.description.contains("aws-iso-e") == true)
    }
}

@Suite struct FIPSLoginTests {
    @Test func aFIPSProfileAsksTheFIPSEndpointAndWritesFIPSRegistryHosts() async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let token = Data("AWS:pw".utf8).base64EncodedString()
        let transport = ScriptedTransport([
            respond(
                200,
                #"{"authorizationData":[{"authorizationToken":"\#(token)","#
                    + #""expiresAt":\#(now.timeIntervalSince1970 + 3600),"#
                    + #""proxyEndpoint":"https://111122223333.dkr.ecr.us-east-2.amazonaws.com"}]}"#)
        ])
        let client = ECRClient(transport: transport, clock: ManualClock(now))
        var resolved = ResolvedProfile(
            profile: "gov", credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "x", sessionToken: nil),
            credentialsOrigin: .environment, region: "us-east-2")
        resolved.endpointKeys = ["use_fips_endpoint": "true"]
        let job = LoginJob(profile: "gov", region: "us-east-2", registryIDs: ["444455556666"])
        let tokens = try await client.authorizationTokens(for: job, resolved: resolved, environment: Environment())
        #expect(transport.requests.first?.url.host == "api.ecr-fips.us-east-2.amazonaws.com")
        #expect(
            tokens.map(\.registryHost) == [
                "111122223333.dkr.ecr-fips.us-east-2.amazonaws.com",
                "444455556666.dkr.ecr-fips.us-east-2.amazonaws.com",
            ])
    }
}

@Suite struct RegionlessSTSTests {
    @Test func aRoleOutsideTheAWSPartitionNeverGoesToTheGlobalEndpoint() throws {
        let global = try STSEndpoint.url(region: nil, environment: Environment())
        let error = #expect(throws: STSError.self) {
            try STSEndpoint.checkPartition(of: "arn:aws-cn:iam::111122223333:role/r", at: global)
        }
        #expect(error?.description.contains("aws-cn") == true && error?.description.contains("region") == true)
        try STSEndpoint.checkPartition(of: "arn:aws:iam::111122223333:role/r", at: global)
        try STSEndpoint.checkPartition(
            of: "arn:aws-cn:iam::111122223333:role/r",
            at: try STSEndpoint.url(region: "cn-north-1", environment: Environment()))
    }
}

@Suite struct ProblemAccountsTests {
    @Test func refreshReportsAnAccountWithoutARegionEvenWhenNothingIsDue() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try home.write(".config/ecr-sessions/config", "[account lost]\nprofile = lost\n")
        let context = ActionContext(
            environment: Environment(["HOME": home.path]),
            clock: ManualClock(Date(timeIntervalSince1970: 1_800_000_000)),
            transport: ScriptedTransport([respond(500, "{}")]))
        let report = try await Actions.Refresh(context).run()
        let skipped = try #require(report.login?.skipped)
        #expect(skipped.map(\.name) == ["lost"])
        #expect(skipped[0].problem?.contains("no region") == true)
    }

    @Test func logoutAndTheHelperKnowAnECRHostInAnyCase() async throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let context = ActionContext(
            environment: Environment(["HOME": home.path]), clock: ManualClock(now),
            transport: ScriptedTransport([respond(500, "{}")]))
        let host = "111122223333.dkr.ecr-fips.us-east-2.amazonaws.com"
        try context.cache().save(
            RegistryLogin(
                profile: "dev", accountID: "111122223333", region: "us-east-2", registry: host,
                token: AuthorizationToken(encoded: Data("AWS:pw".utf8).base64EncodedString()),
                expiresAt: now.addingTimeInterval(6 * 3600), fetchedAt: now))
        #expect(try await Actions.CredentialHelper(context).get("https://" + host.uppercased())?.secret == "pw")
        let report = try Actions.Logout(context).registries([host.uppercased()])
        #expect(report.forgottenLogins == 1)
    }
}

@Suite("Region names")
struct RegionNameTests {
    @Test("isRegionName says what the region pattern [a-z]{2}(-[a-z]+)+-[0-9]+ says, for every name tried")
    func matchesThePattern() {
        let known = [
            "eu-west-1", "us-gov-west-1", "us-isob-east-1", "cn-north-1", "ap-southeast-10", "", "eu", "eu-1",
            "eu-west", "eu-west-", "-eu-west-1", "eu--west-1", "EU-west-1", "eus-west-1", "e-west-1", "eu-west-1a",
            "eu-west-1-", "eu-wést-1", "eu-west-١",
        ]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ae-19Z")
        let random = (0..<3000).map { _ in
            String((0..<Int.random(in: 0...11, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
        for name in known + random {
            #expect(
                Partition.isRegionName(name) == (name.wholeMatch(of: /[a-z]{2}(-[a-z]+)+-[0-9]+/) != nil), "\(name)")
        }
    }
}
