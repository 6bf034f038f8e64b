import ArgumentParser

extension Root {
    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "accounts",
            abstract: "List the accounts to keep logged in, log them in now, or log them out.",
            subcommands: [List.self, Login.self, Logout.self]
        )
    }
}
