import ArgumentParser

extension Root {
    struct Accounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts to keep logged in, or log them in now.",
            subcommands: [List.self, Login.self]
        )
    }
}
