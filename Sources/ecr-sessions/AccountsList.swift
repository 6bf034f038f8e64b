import ArgumentParser
import ECRSessions

extension Root.Accounts {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the accounts ecr-sessions keeps logged in, and where each came from.")

        @OptionGroup var options: GlobalOptions

        func run() throws {
            let context = try options.context()
            let accounts = try context.accounts()
            let profiles = try context.awsProfiles().profiles
            guard !accounts.isEmpty else {
                print("No profile in the AWS config or credentials files yields credentials. Run: aws configure")
                return
            }
            let rows = accounts.map { account in
                [
                    account.name, account.profile,
                    account.isPublic ? "ECR Public" : account.regions.joined(separator: " "),
                    account.credentialSource?.rawValue ?? "-", account.origin,
                    account.isEnabled ? note(account, profiles: profiles) : "disabled",
                ]
            }
            print(table(["ACCOUNT", "PROFILE", "REGIONS", "CREDENTIALS", "FROM", "NOTE"], rows))
            // An account that cannot be logged in as configured fails every login: the exit status says so too.
            let broken = accounts.filter { $0.isEnabled && !note($0, profiles: profiles).isEmpty }
            if !broken.isEmpty {
                printError("error: \(broken.count) of \(accounts.count) accounts cannot be logged in; see NOTE")
                throw ExitCode(1)
            }
        }

        /// Why the account cannot be logged in, or nothing: its problem, or a profile the AWS files do not define.
        private func note(_ account: Account, profiles: [String: AWSSettingsBlock]) -> String {
            if let problem = account.problem { return problem }
            guard account.credentialSource == nil, profiles[account.profile] == nil,
                !AmbientSource.isAmbientProfile(account.profile)
            else { return "" }
            return "profile '\(account.profile)' is not in the AWS config or credentials files: add it there, or "
                + "name another in 'profile = ...' of [account \(account.name)]"
        }
    }
}
