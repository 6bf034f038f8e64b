import ArgumentParser
import ECRSessions
import Foundation

extension Root {
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "login",
            abstract: "Log in to a user/password registry (Docker Hub and others) in every target file.",
            discussion: "Like `docker login --username U --password-stdin HOST`, but written into the [settings] "
                + "targets and remembered as user-managed: never refreshed, answered by the credential helper, "
                + "removed with `ecr-sessions logout HOST`. Docker Hub is docker.io (the default).")

        @Option(name: .shortAndLong, help: "The user name.")
        var username: String

        @Flag(name: .long, help: "Read the password (or access token) from stdin.")
        var passwordStdin = false

        @Flag(name: .long, help: "Write the login without first checking it with the registry's /v2/.")
        var noVerify = false

        @Argument(help: "The registry, e.g. ghcr.io; Docker Hub is docker.io.")
        var registry = "docker.io"

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            guard passwordStdin else {
                throw ValidationError("Pass the password on stdin with --password-stdin (never as an argument).")
            }
            if username.isEmpty { throw ValidationError("--username must not be empty.") }
        }

        func run() async throws {
            let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            // As docker does: one trailing line break (from echo or a file) is not part of the password.
            let password =
                input.hasSuffix("\r\n")
                ? String(input.dropLast(2))
                : input.hasSuffix("\n")
                    ? String(input.dropLast()) : input
            guard !password.isEmpty else { throw ConfigurationError("stdin held no password.") }
            let action = Actions.UserLogin(try options.context())
            // As docker login does: a wrong password is refused before anything is written.
            if !noVerify { try await action.verify(registry: registry, username: username, password: password) }
            let report = try action.run(registry: registry, username: username, password: password)
            for notice in report.notices { printError("warning: \(notice)") }
            for failure in report.targetErrors { printError("error: \(failure)") }
            guard report.targetErrors.isEmpty else { throw ExitCode(1) }
            print("Login Succeeded: \(report.serverURL) (user \(username), kept until `ecr-sessions logout`)")
        }
    }

    struct Logout: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "logout",
            abstract: "Log out of registries by host: remove what ecr-sessions wrote for them and forget them.",
            discussion: "For user/password logins (`ecr-sessions login`) and ECR registries alike; accounts are "
                + "logged out with `ecr-sessions accounts logout`.")

        @Argument(help: "The registries, e.g. docker.io or ghcr.io.")
        var registries: [String]

        @OptionGroup var options: GlobalOptions

        func validate() throws {
            if registries.isEmpty { throw ValidationError("Name the registries to log out of.") }
        }

        func run() throws {
            let logout = Actions.Logout(try options.context())
            let (report, unknown) = try logOut(registries, known: []) { try logout.registries([$0 ?? ""]) }
            printLogout(report, asked: quotedList(registries))
            for host in unknown {
                printError("error: not logged in to '\(host)': ecr-sessions has no login and wrote no entry for it")
            }
            try exitForLogout(report, unknown: unknown)
        }
    }
}
