import ArgumentParser
import ECRSessions

extension Root.Accounts {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the accounts ecr-sessions keeps logged in, and where each came from.")

        func run() throws {
            let accounts: [Account]
            do {
                accounts = try Sessions.live().accounts()
            } catch {
                throw configurationFailure(error)
            }
            guard !accounts.isEmpty else {
                print("No profile in the AWS config or credentials files yields credentials. Run: aws configure")
                return
            }
            let rows = accounts.map { account in
                [
                    account.name, account.profile,
                    account.isPublic ? "ECR Public" : account.regions.joined(separator: " "),
                    account.credentialSource?.rawValue ?? "-", account.origin, account.problem ?? "",
                ]
            }
            print(table(["ACCOUNT", "PROFILE", "REGIONS", "CREDENTIALS", "FROM", "PROBLEM"], rows))
        }
    }
}
