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
        }

        /// Why the account cannot be logged in, or nothing: its problem, or a profile the AWS files do not define.
        private func note(_ account: Account, profiles: [String: AWSSettingsBlock]) -> String {
            if let problem = account.problem { return problem }
            if account.regionFromInstanceMetadata {
                return "used on an EC2 instance, in its own region (asked of the instance metadata at login)"
            }
            // `default` may come from the environment's keys or web identity, as in the SDKs, without a section.
            guard account.credentialSource == nil, profiles[account.profile] == nil, account.profile != "default",
                !AmbientSource.isAmbientProfile(account.profile)
            else { return "" }
            return "profile '\(account.profile)' is not in the AWS config or credentials files: add it there, or "
                + "name another in 'profile = ...' of [account \(account.name)]"
        }
    }
}
