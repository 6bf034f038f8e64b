import TestSupport
import Testing

/// `--help` is the start-up floor the benchmark times: it must print the help and exit 0, at every level.
@Suite struct HelpTests {
    @Test(arguments: [["--help"], ["status", "--help"], ["accounts", "--help"], ["help", "refresh"]])
    func helpPrintsUsageAndExitsZero(arguments: [String]) throws {
        let sandbox = try CLISandbox()
        defer { sandbox.remove() }
        let result = try run(CLISandbox.executable, arguments, environment: sandbox.environment)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("USAGE: ecr-sessions"), "\(result)")
        #expect(!result.stderr.contains("error"), "\(result)")
    }
}
