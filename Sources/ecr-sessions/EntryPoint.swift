import ArgumentParser

@main
struct Root: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ecr-sessions",
        abstract: "Keeps every Amazon ECR registry you use logged in, ahead of expiry.",
        subcommands: [Accounts.self, Status.self, GetLoginPassword.self]
    )
}
