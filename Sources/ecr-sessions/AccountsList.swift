import ArgumentParser
import ECRSessions

extension Root.Accounts {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List the accounts ecr-sessions keeps logged in, and where each came from.",
            discussion: "Every account is listed. Exit status: 0 when every enabled account names a profile the AWS "
                + "files define, 1 when one does not (each such account is named on stderr, after the list), 2 for a "
                + "config file that cannot be read.")

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
            // A listing lists everything, but a script checking a config must still learn that a login would fail.
            let missing = accounts.filter { $0.isEnabled && $0.problem == nil && lacksProfile($0, profiles: profiles) }
            guard !missing.isEmpty else { return }
            let files = [
                AWSProfiles.configFilePath(environment: context.environment),
                AWSProfiles.credentialsFilePath(environment: context.environment),
            ]
            for account in missing {
                printError(
                    "error: account \(account.name) (\(account.origin)): profile '\(account.profile)' is in neither "
                        + "\(files.joined(separator: " nor ")): add [profile \(account.profile)] there, or name "
                        + "another in 'profile = ...' of [account \(account.name)]")
            }
            throw ExitCode(1)
        }

        /// Why the account cannot be logged in, or nothing: its problem, or a profile the AWS files do not define.
        private func note(_ account: Account, profiles: [String: AWSSettingsBlock]) -> String {
            if let problem = account.problem { return problem }
            if account.regionFromInstanceMetadata {
                return "used on an EC2 instance, in its own region (asked of the instance metadata at login)"
            }
            guard lacksProfile(account, profiles: profiles) else { return "" }
            return "profile '\(account.profile)' is not in the AWS config or credentials files: add it there, or "
                + "name another in 'profile = ...' of [account \(account.name)]"
        }

        /// Whether the account names a profile the AWS files do not define. `default` may come from the environment's
        /// keys or web identity, as in the SDKs, without a section.
        private func lacksProfile(_ account: Account, profiles: [String: AWSSettingsBlock]) -> Bool {
            account.credentialSource == nil && profiles[account.profile] == nil && account.profile != "default"
                && !AmbientSource.isAmbientProfile(account.profile)
        }
    }
}
