import Foundation
import Testing

@testable import ECRSessions

/// The AWS SDKs' shared conformance data, kept in `shared/` beside the repository.
enum AWSConformanceData {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Tests/ECRSessionsTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
        .deletingLastPathComponent()  // the folder holding it and shared/
        .appendingPathComponent("shared/testdata/aws-sdk-conformance")

    static func json(_ name: String) -> Any {
        let url = directory.appendingPathComponent(name)
        guard let data = try? Data(contentsOf: url), let json = try? JSONSerialization.jsonObject(with: data) else {
            fatalError("cannot read \(url.path); the tests expect shared/ beside the repository")
        }
        return json
    }
}

/// One case of `profile-parser-tests.json`.
struct ProfileParserCase: Sendable, CustomTestStringConvertible {
    var name: String
    var configFile: String?
    var credentialsFile: String?
    var expectedProfiles: [String: [String: String]]?
    var expectedSSOSessions: [String: [String: String]]?
    var expectedError: String?

    var testDescription: String { name }

    static let all: [ProfileParserCase] = {
        let root = AWSConformanceData.json("profile-parser-tests.json") as? [String: Any]
        let tests = root?["tests"] as? [[String: Any]] ?? []
        return tests.map { test in
            let input = test["input"] as? [String: Any] ?? [:]
            let output = test["output"] as? [String: Any] ?? [:]
            let config = output["config"] as? [String: Any]
            return ProfileParserCase(
                name: test["name"] as? String ?? "?",
                configFile: input["configFile"] as? String,
                credentialsFile: input["credentialsFile"] as? String,
                expectedProfiles: config?["profiles"] as? [String: [String: String]],
                expectedSSOSessions: config?["sso_sessions"] as? [String: [String: String]],
                expectedError: output["errorContaining"] as? String
            )
        }
    }()
}

@Suite("AWSConfig parser")
struct AWSConfigParserTests {
    @Test("the conformance file was found")
    func conformanceFileLoaded() {
        #expect(ProfileParserCase.all.count > 50)
    }

    @Test("SDK profile parser conformance", arguments: ProfileParserCase.all)
    func conformance(_ testCase: ProfileParserCase) {
        let result = Result { () throws(AWSConfigError) in
            try AWSProfiles(config: testCase.configFile ?? "", credentials: testCase.credentialsFile ?? "")
        }
        switch result {
        case .success(let parsed):
            #expect(testCase.expectedError == nil, "expected an error containing \(testCase.expectedError ?? "")")
            if let expected = testCase.expectedProfiles {
                #expect(parsed.profiles.mapValues(\.plainValues) == expected)
            }
            if let expected = testCase.expectedSSOSessions {
                #expect(parsed.ssoSessions.mapValues(\.plainValues) == expected)
            }
        case .failure(let error):
            guard let expected = testCase.expectedError else {
                Issue.record("unexpected error: \(error)")
                return
            }
            #expect(error.description.contains(expected))
        }
    }

    @Test("errors name the file, the line and the section")
    func errorNamesFileAndLine() {
        let config =
            "[default]\nregion = eu-west-1\n\n[profile prod]\n# keys live elsewhere\nregion = us-east-1\noops\n"
        #expect(throws: AWSConfigError.self) { try AWSProfiles(config: config, credentials: "") }
        do {
            _ = try AWSProfiles(config: config, credentials: "")
        } catch {
            #expect(
                error.description
                    == "~/.aws/config line 7: Expected an '=' sign defining a property inside [profile prod]; "
                    + "write it as 'name = value'.")
            guard case .syntax(let syntax) = error else {
                Issue.record("expected a syntax error, got \(error)")
                return
            }
            #expect(syntax.location == SourceLocation(file: "~/.aws/config", line: 7))
        }
    }

    @Test("properties keep their line numbers, continuation lines included")
    func lineNumbers() throws {
        let text =
            "; ecr-sessions\n[settings]\nrefresh_before = 3h\n\n[account prod]\nregions = eu-west-1\n  us-east-1\n"
        let file = try INIFile(parsing: text, path: "config")
        #expect(file.sections.map(\.header.text) == ["settings", "account prod"])
        #expect(file.sections[1].header.kind == "account")
        #expect(file.sections[1].header.name == "prod")
        #expect(file.sections[1].location.line == 5)
        #expect(file.sections[1].properties["regions"]?.location.line == 6)
        #expect(file.sections[1]["regions"] == "eu-west-1\nus-east-1")
        #expect(file.sections[0]["Refresh_Before"] == "3h")
    }

    @Test("a plain INI file says 'section', not 'profile'")
    func plainDialectWording() {
        #expect(throws: AWSConfigError.self) { try INIFile(parsing: "x = 1", path: "config") }
        do {
            _ = try INIFile(parsing: "x = 1", path: "~/.config/ecr-sessions/config")
        } catch {
            #expect(error.description.hasPrefix("~/.config/ecr-sessions/config line 1: Expected a section definition"))
        }
    }

    @Test("sub-properties are read as name = value pairs; a plain value has none")
    func subProperties() throws {
        let text = "[services local]\necr =\n  endpoint_url = http://localhost:5000\n  Other = x\nplain = a=b\n"
        let file = try INIFile(parsing: text, path: "config")
        #expect(
            file.sections[0].properties["ecr"]?.subProperties
                == ["endpoint_url": "http://localhost:5000", "other": "x"])
        #expect(file.sections[0].properties["plain"]?.subProperties == [:])
    }

    @Test("our own files reject a property name the AWS files would skip")
    func invalidPropertyNames() throws {
        let text = "[account prod]\nregistry ids = 111122223333\n"
        #expect(
            try AWSProfiles(config: "[profile prod]\nregistry ids = 1\n", credentials: "").profiles["prod"]?
                .properties.isEmpty == true)
        #expect(throws: AWSConfigError.self) { try INIFile(parsing: text, path: "config") }
        do {
            _ = try INIFile(parsing: text, path: "config")
        } catch {
            #expect(error.description.hasPrefix("config line 2: Property name inside [account prod] may only contain"))
        }
    }

    @Test("settings merge across files and keep every place the profile is written")
    func mergeKeepsLocations() throws {
        let profiles = try AWSProfiles(
            config: "[profile prod]\nregion = eu-west-1\n",
            credentials: "[other]\na = b\n\n[prod]\naws_access_key_id = AKID\n")
        let prod = try #require(profiles.profiles["prod"])
        #expect(
            prod.locations == [
                SourceLocation(file: "~/.aws/config", line: 1), SourceLocation(file: "~/.aws/credentials", line: 4),
            ])
        #expect(prod.properties["aws_access_key_id"]?.location.line == 5)
        #expect(prod["region"] == "eu-west-1")
    }
}

extension AWSSettingsBlock {
    var plainValues: [String: String] { properties.mapValues(\.value) }
}
