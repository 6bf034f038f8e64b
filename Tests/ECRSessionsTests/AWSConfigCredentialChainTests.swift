import Foundation
import Testing

@testable import ECRSessions

/// One case of `assume-role-tests.json`.
struct AssumeRoleCase: Sendable, CustomTestStringConvertible {
    var docs: String
    var profiles: [String: [String: String]]
    var ssoSessions: [String: [String: String]]
    var selectedProfile: String
    /// Each step as the file writes it: a kind (`AccessKey`, `AssumeRole`, ...) and its fields.
    var expectedChain: [ChainStep]?
    var expectedError: String?

    var testDescription: String { docs }

    static let all: [AssumeRoleCase] = {
        let tests = AWSConformanceData.json("assume-role-tests.json") as? [[String: Any]] ?? []
        return tests.map { test in
            let input = test["input"] as? [String: Any] ?? [:]
            let output = test["output"] as? [String: Any] ?? [:]
            let chain = (output["ProfileChain"] as? [[String: Any]])?.compactMap { step -> ChainStep? in
                guard let (kind, fields) = step.first else { return nil }
                // `NamedSource` is a bare string; every other step is an object.
                if let name = fields as? String { return ChainStep(kind: kind, fields: ["name": name]) }
                return ChainStep(kind: kind, fields: fields as? [String: String] ?? [:])
            }
            return AssumeRoleCase(
                docs: test["docs"] as? String ?? "?",
                profiles: input["profiles"] as? [String: [String: String]] ?? [:],
                ssoSessions: input["sso_sessions"] as? [String: [String: String]] ?? [:],
                selectedProfile: input["selected_profile"] as? String ?? "default",
                expectedChain: chain,
                expectedError: output["Error"] as? String
            )
        }
    }()

    var profileSet: AWSProfiles {
        func blocks(_ table: [String: [String: String]]) -> [String: AWSSettingsBlock] {
            table.reduce(into: [:]) { blocks, entry in
                blocks[entry.key] = AWSSettingsBlock(settings: entry.value, name: entry.key)
            }
        }
        return AWSProfiles(profiles: blocks(profiles), ssoSessions: blocks(ssoSessions), files: ["test"])
    }
}

struct ChainStep: Sendable, Equatable, CustomStringConvertible {
    var kind: String
    var fields: [String: String]

    var description: String { "\(kind)\(fields.sorted { $0.key < $1.key })" }
}

extension AWSSettingsBlock {
    init(settings: [String: String], name: String) {
        let location = SourceLocation(file: "test", line: 1)
        self.init(
            name: name,
            properties: settings.reduce(into: [:]) { properties, setting in
                properties[setting.key] = INIProperty(name: setting.key, value: setting.value, location: location)
            },
            locations: [location])
    }
}

extension CredentialChain {
    /// The chain in the conformance file's words, to compare with it.
    var conformanceSteps: [ChainStep] {
        [base.conformanceStep]
            + roles.map { role in
                ChainStep(
                    kind: "AssumeRole",
                    fields: [
                        "role_arn": role.roleARN, "external_id": role.externalID, "role_session_name": role.sessionName,
                    ].compactMapValues { $0 })
            }
    }
}

extension CredentialSource {
    var conformanceStep: ChainStep {
        switch self {
        case .accessKey(let key):
            let fields: [String: String?] = [
                "access_key_id": key.credentials.accessKeyID, "secret_access_key": key.credentials.secretAccessKey,
                "session_token": key.credentials.sessionToken, "account_id": key.accountID,
            ]
            return ChainStep(kind: "AccessKey", fields: fields.compactMapValues { $0 })
        case .credentialProcess(let process):
            return ChainStep(kind: "CredentialProcess", fields: ["command": process.command])
        case .webIdentityToken(let token):
            let fields: [String: String?] = [
                "role_arn": token.roleARN, "web_identity_token_file": token.tokenFile,
                "role_session_name": token.sessionName,
            ]
            return ChainStep(kind: "WebIdentityToken", fields: fields.compactMapValues { $0 })
        case .namedSource(let source):
            return ChainStep(kind: "NamedSource", fields: ["name": source.name])
        case .sso(let sso):
            let fields: [String: String?] = [
                "sso_session": sso.session, "sso_region": sso.region, "sso_start_url": sso.startURL,
                "sso_account_id": sso.accountID, "sso_role_name": sso.roleName,
            ]
            return ChainStep(kind: "Sso", fields: fields.compactMapValues { $0 })
        }
    }
}

/// Whether our typed error is the one the SDK's message describes. Our messages add the file, line and what to
/// do, so the case is compared rather than the wording.
func isSDKError(_ message: String, _ error: AWSConfigError) -> Bool {
    switch (message, error) {
    case ("profile must contain `source_profile`", .roleWithoutSource(profile: "A", _)),
        ("profile contained both source_profile and credential_source", .conflictingRoleSources(profile: "A", _)),
        (
            "profile missing aws_secret_access_key",
            .incompleteKeyPair(profile: "B", missing: "aws_secret_access_key", _)
        ),
        ("profile missing aws_access_key_id", .incompleteKeyPair(profile: "B", missing: "aws_access_key_id", _)),
        ("profile `B` did not contain credential information", .noCredentialSource(profile: "B", _)),
        ("profile `A` did not contain credential information", .noCredentialSource(profile: "A", _)),
        ("could not find source profile B referenced from A", .sourceProfileNotFound("B", "A", _)),
        ("No profiles were defined", .noProfiles),
        ("profile formed an infinite loop", .sourceProfileLoop(["A", "B", "A"])),
        ("`role_arn` was missing", .webIdentityWithoutRole(profile: "A", _)),
        (
            "if `sso_role_name` is set, then `sso_account_id` must also be set",
            .incompleteSSOSettings("A", "sso_role_name", "sso_account_id", _)
        ),
        (
            "if `sso_account_id` is set, then `sso_role_name` must also be set",
            .incompleteSSOSettings("A", "sso_account_id", "sso_role_name", _)
        ),
        (
            "`sso_region` can only be specified in the [sso-session] config when a session name is given",
            .ssoSettingOutsideSession("A", "sso_region", "A", _)
        ),
        ("sso-session named `oops` (referenced by profile `A`) was not found", .ssoSessionNotFound("oops", "A", _)):
        return true
    default:
        return false
    }
}

@Suite("AWSConfig credential chain")
struct AWSConfigCredentialChainTests {
    @Test("the conformance file was found")
    func conformanceFileLoaded() {
        #expect(AssumeRoleCase.all.count > 20)
    }

    @Test("SDK assume-role conformance", arguments: AssumeRoleCase.all)
    func conformance(_ testCase: AssumeRoleCase) {
        let result = Result { () throws(AWSConfigError) in
            try testCase.profileSet.credentialChain(forProfile: testCase.selectedProfile)
        }
        switch result {
        case .success(let chain):
            #expect(testCase.expectedError == nil, "expected the error \(testCase.expectedError ?? "")")
            #expect(chain.conformanceSteps == testCase.expectedChain)
        case .failure(let error):
            guard let expected = testCase.expectedError else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(isSDKError(expected, error), "\(error) is not the SDK's '\(expected)'")
        }
    }

    @Test("duration_seconds and mfa_serial are kept for the AssumeRole step")
    func roleDetails() throws {
        let profiles = try AWSProfiles(
            config: """
                [profile app]
                role_arn = arn:aws:iam::111122223333:role/app
                source_profile = base
                duration_seconds = 3600
                mfa_serial = arn:aws:iam::111122223333:mfa/ana
                """,
            credentials: "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = secret\n")
        let chain = try profiles.credentialChain(forProfile: "app")
        #expect(chain.roles.first?.durationSeconds == 3600)
        #expect(chain.roles.first?.mfaSerial == "arn:aws:iam::111122223333:mfa/ana")
        #expect(!chain.description.contains("secret"))
    }

    @Test("loop errors show the way round")
    func loopDescription() {
        let error = AWSConfigError.sourceProfileLoop(profiles: ["a", "b", "a"])
        #expect(error.description.contains("a -> b -> a"))
    }
}
