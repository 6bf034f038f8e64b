import ECRSessions
import Foundation
import TestSupport
import Testing

/// libcurl is loaded on the first request only, and libcrypto on the first signature: the commands that send none
/// must map neither (libcurl's ~30 libraries were most of every command's start-up, libcrypto's relocations a fifth
/// of a cached `credential-helper get`), and a login must still find both.
@Suite struct StartupLibcurlTests {
    /// The shared libraries the binary opened running `arguments`, as glibc's loader reports them.
    private func librariesOpened(_ sandbox: CLISandbox, _ arguments: [String]) throws -> (ProcessResult, String) {
        var environment = sandbox.environment
        environment["LD_DEBUG"] = "libs"
        let result = try run(CLISandbox.executable, arguments, environment: environment)
        return (result, result.stderr)
    }

    #if os(Linux)
        @Test(arguments: [["--help"], ["status"], ["status", "--json"]])
        func aCommandWithoutNetworkDoesNotLoadLibcurl(arguments: [String]) throws {
            let sandbox = try CLISandbox()
            defer { sandbox.remove() }
            let (result, loaderLog) = try librariesOpened(sandbox, arguments)
            #expect(result.status == 0, "\(result)")
            #expect(loaderLog.contains("calling init"), "LD_DEBUG=libs reported nothing: the probe would prove nothing")
            #expect(!loaderLog.contains("libcurl"), "\(arguments) loaded libcurl")
            #expect(!loaderLog.contains("libcrypto"), "\(arguments) loaded libcrypto")
        }

        @Test func aLoginLoadsLibcurlAndAnIdleRefreshDoesNot() throws {
            let ecr = try FakeECR(clock: SystemClock(), regions: ["us-east-1"])
            defer { ecr.stop() }
            var sandbox = try CLISandbox()
            defer { sandbox.remove() }
            sandbox.environment.merge(ecr.environment) { $1 }
            let key = AWSCredentials(accessKeyID: "AKIASTARTUP000000001", secretAccessKey: "secret-of-startup")
            ecr.register(key, account: "300000000001")
            _ = try sandbox.write(
                ".aws/credentials",
                "[s]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n")
            _ = try sandbox.write(".aws/config", "[profile s]\nregion = us-east-1\n")
            let (result, loaderLog) = try librariesOpened(sandbox, ["accounts", "login", "--all"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("Login Succeeded"), "\(result)")
            #expect(loaderLog.contains("libcurl.so"), "a login opens libcurl")
            #expect(loaderLog.contains("libcrypto.so"), "a login opens libcrypto")
            #expect(ecr.requests.count == 1)

            // Now the cache has a fresh token: nothing is due, so neither command sends a request or opens libcurl.
            // Once config.json has settled, refresh remembers its check of the file (TargetCheck) and reuses it:
            // both runs must still open nothing.
            Thread.sleep(forTimeInterval: 2.2)
            for arguments in [["refresh", "--quiet"], ["refresh", "--quiet"], ["status"]] {
                let (idle, idleLog) = try librariesOpened(sandbox, arguments)
                #expect(idle.status == 0, "\(idle)")
                #expect(idleLog.contains("calling init"), "LD_DEBUG=libs reported nothing")
                #expect(!idleLog.contains("libcurl"), "\(arguments) loaded libcurl")
                #expect(!idleLog.contains("libcrypto"), "\(arguments) loaded libcrypto")
            }
            #expect(ecr.requests.count == 1)
        }
    #endif
}
