import ArgumentParser
import ECRSessions

extension Root.Accounts {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the accounts ecr-sessions keeps logged in, and where each came from.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let accounts = try options.context().accounts()
            guard !accounts.isEmpty else {
                print("No profile in the AWS config or credentials files yields credentials. Run: aws configure")
                return
            }
            let rows = accounts.map { account in
                [
                    account.name, account.profile,
                    account.isPublic ? "ECR Public" : account.regions.joined(separator: " "),
                    account.credentialSource?.rawValue ?? "-", account.origin,
                    account.isEnabled ? account.problem ?? "" : "disabled",
                ]
            }
            print(table(["ACCOUNT", "PROFILE", "REGIONS", "CREDENTIALS", "FROM", "NOTE"], rows))
        }
    }
}
