import TestSupport
import Testing

/// The entry point runs a quick-parsed command through `QuickParsable.runQuickParsed()`, and any other through
/// argument-parser's root: both must do the same thing. A trailing `--` is a form the shortcut leaves to
/// argument-parser (`FrequentCommandParsingTests`) that means nothing more, so each frequent command is run both ways
/// in the same HOME and must print and exit alike: a shortcut that ran argument-parser's placeholder `run()` of an
/// async command (its help) or dropped an option would differ.
@Suite struct QuickRunTests {
    @Test(arguments: [
        (["status"], nil), (["refresh"], nil), (["refresh", "--quiet"], nil),
        (["get-login-password", "--profile", "nobody", "--region", "eu-west-1"], nil),
        (["credential-helper", "get"], "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com\n"),
    ] as [([String], String?)])
    func runsAsArgumentParserRunsIt(_ arguments: [String], input: String?) throws {
        let sandbox = try CLISandbox()
        try sandbox.write(".aws/config", "[profile other]\nregion = eu-west-1\n")
        let run = { (arguments: [String]) throws -> ProcessResult in
            try TestSupport.run(
                CLISandbox.executable, arguments, environment: sandbox.environment, input: input,
                currentDirectory: sandbox.home.path)
        }
        let quick = try run(arguments)
        let parsed = try run(arguments + ["--"])
        #expect(!quick.stdout.contains("USAGE:") && !quick.stderr.contains("USAGE:"), "\(quick)")
        #expect(quick.status == parsed.status, "quick: \(quick)\nparsed: \(parsed)")
        #expect(quick.stdout == parsed.stdout, "quick: \(quick)\nparsed: \(parsed)")
        #expect(quick.stderr == parsed.stderr, "quick: \(quick)\nparsed: \(parsed)")
    }
}
