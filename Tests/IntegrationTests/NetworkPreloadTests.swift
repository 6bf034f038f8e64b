import Foundation
import TestSupport
import Testing

/// `accounts login` loads libcurl and libcrypto on a thread of its own while it reads the configuration: a command
/// that fails before its first call must still exit as the contract says, never while that thread is loading
/// (libcrypto's exit handlers ran under it: one run in six died of SIGSEGV instead of exiting 2).
@Suite struct NetworkPreloadTests {
    @Test func aLoginThatFailsAtOnceExitsTwoEveryTime() throws {
        let sandbox = try CLISandbox()
        defer { sandbox.remove() }
        try sandbox.write(
            ".aws/credentials", "[dev]\naws_access_key_id = AKIAPRELOAD000000001\naws_secret_access_key = s3cr3t\n")
        for _ in 0..<25 {
            let result = try sandbox.run("accounts", "login", "nosuchprofile")
            #expect(result.status == 2, "\(result)")
            #expect(result.stderr.contains("nosuchprofile"), "\(result)")
            if result.status != 2 { break }
        }
    }
}
