import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite("AWSConfig file loading")
struct AWSConfigLoadingTests {
    @Test("default locations are under ~/.aws")
    func defaultLocations() {
        let environment = Environment(["HOME": "/home/ana"])
        #expect(AWSProfiles.configFilePath(environment: environment) == "/home/ana/.aws/config")
        #expect(AWSProfiles.credentialsFilePath(environment: environment) == "/home/ana/.aws/credentials")
    }

    @Test("AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE win, with ~ expanded; empty means unset")
    func overriddenLocations() {
        let environment = Environment([
            "HOME": "/home/ana", "AWS_CONFIG_FILE": "~/work/config", "AWS_SHARED_CREDENTIALS_FILE": "/etc/aws/creds",
        ])
        #expect(AWSProfiles.configFilePath(environment: environment) == "/home/ana/work/config")
        #expect(AWSProfiles.credentialsFilePath(environment: environment) == "/etc/aws/creds")
        let empty = Environment(["HOME": "/home/ana", "AWS_CONFIG_FILE": ""])
        #expect(AWSProfiles.configFilePath(environment: empty) == "/home/ana/.aws/config")
    }

    @Test("both files are read and merged")
    func loadsBothFiles() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        try home.write(".aws/config", "[profile prod]\nregion = eu-west-1\n")
        try home.write(".aws/credentials", "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = s\n")
        let profiles = try AWSProfiles.load(environment: Environment(["HOME": home.path]))
        #expect(profiles.profiles["prod"]?["region"] == "eu-west-1")
        #expect(profiles.profiles["prod"]?["aws_access_key_id"] == "AKIDPROD")
        #expect(profiles.files == ["~/.aws/config", "~/.aws/credentials"])
        #expect(profiles.profiles["prod"]?.location == SourceLocation(file: "~/.aws/config", line: 1))
    }

    @Test("missing files are simply empty")
    func missingFilesAreEmpty() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let profiles = try AWSProfiles.load(environment: Environment(["HOME": home.path]))
        #expect(profiles.profiles.isEmpty)
        let elsewhere = Environment([
            "HOME": home.path, "AWS_CONFIG_FILE": home.path + "/no/such/dir/config",
        ])
        #expect(try AWSProfiles.load(environment: elsewhere).profiles.isEmpty)
    }

    @Test("an unreadable file is an error naming it")
    func unreadableFile() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        // A directory where the file should be is unreadable even for root, unlike a chmod 000 file.
        try FileManager.default.createDirectory(
            atPath: home.path + "/.aws/credentials", withIntermediateDirectories: true)
        #expect(throws: AWSConfigError.unreadableFile(path: "~/.aws/credentials", reason: "it is a directory")) {
            try AWSProfiles.load(environment: Environment(["HOME": home.path]))
        }
    }

    @Test("syntax errors name the file as the user knows it")
    func syntaxErrorNamesFile() throws {
        let home = try TemporaryDirectory()
        defer { home.remove() }
        let path = try home.write("elsewhere/config", "[profile a]\nregion\n")
        do {
            _ = try AWSProfiles.load(environment: Environment(["HOME": "/nonexistent", "AWS_CONFIG_FILE": path]))
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("\(path) line 2: Expected an '=' sign"))
        }
    }
}
