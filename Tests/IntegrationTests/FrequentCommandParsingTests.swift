import ArgumentParser
import Testing

@testable import ecr_sessions

/// `QuickArguments.command`, the start-up shortcut for the commands that run all day, must parse exactly what
/// argument-parser parses from the root, and give up (nil) on everything else: help, errors, completion requests,
/// forms it does not read itself, the other subcommands.
@Suite struct FrequentCommandParsingTests {
    /// The parsed command, every option's value included, as text.
    func described(_ command: any ParsableCommand) -> String {
        var text = "\(type(of: command)): "
        dump(command, to: &text)
        return text
    }

    @Test(arguments: [
        ["status"], ["status", "--json"], ["status", "--check", "--within", "2h"], ["status", "--prometheus", "-q"],
        ["status", "--color", "never"], ["status", "--color=always", "--verbose"],
        ["refresh"], ["refresh", "--quiet"], ["refresh", "--force", "--config", "/tmp/x"], ["refresh", "-v"],
        ["get-login-password"], ["get-login-password", "--profile", "dev", "--region", "eu-west-1"],
        ["get-login-password", "--region=us-east-1", "-q"],
        ["credential-helper", "get"], ["credential-helper", "get", "--quiet"], ["credential-helper", "get", "-v"],
        ["status", "--check", "--within=90m", "--color", "auto", "--quiet"],
        ["refresh", "--config=/etc/ecr-sessions/config", "--force", "--verbose"],
        ["get-login-password", "--profile=prod admin", "--region", "cn-north-1"],
    ])
    func parsesWhatTheRootParses(_ arguments: [String]) throws {
        let fast = try #require(QuickArguments.command(arguments), "the shortcut gave up on \(arguments)")
        #expect(described(fast) == described(try Root.parseAsRoot(arguments)))
    }

    @Test(arguments: [
        // help, the version, and completion requests: the root's texts
        ["status", "--help"], ["status", "-h"], ["status", "help"], ["refresh", "--version"],
        ["credential-helper"], ["credential-helper", "help"], ["credential-helper", "help", "get"],
        ["credential-helper", "get", "--help"], ["status", "--generate-completion-script", "bash"],
        // bad usage: the root's message and exit status
        ["status", "--jsn"], ["status", "--color", "pink"], ["status", "--quiet", "--verbose"],
        ["refresh", "extra"], ["get-login-password", "--profile"], ["credential-helper", "gte"],
        // other commands, and the helper's other actions
        ["credential-helper", "store"], ["credential-helper", "list"], ["credential-helper", "erase"],
        ["accounts", "list"], ["doctor"], ["help", "status"], ["--help"], [],
        // forms left to argument-parser even where it accepts them: it reads them as it always has
        ["status", "-qv"], ["status", "--json", "--json"], ["status", "--within", "1h", "--within", "2h"],
        ["status", "--within"], ["status", "--within="], ["status", "--within", "-5m"], ["status", "--", "--json"],
        ["refresh", "-q", "--quiet"], ["refresh", "--config"], ["refresh", "--force=yes"], ["status", "json"],
        ["get-login-password", "--profile", "--region", "us-east-1"], ["credential-helper", "get", "extra"],
    ])
    func leavesEverythingElseToTheRoot(_ arguments: [String]) {
        #expect(QuickArguments.command(arguments) == nil, "\(arguments)")
    }
}
