/// Why a credential chain could not be followed to credentials, beyond what the files, STS, SSO or a
/// `credential_process` report themselves. Each text names the profile and says what to do; none holds a secret.
public enum CredentialChainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A role step has `mfa_serial` and nobody can type a code (refresh, daemon, no terminal), and no session
    /// from an earlier login is still valid. `profile` is the one being logged in, `roleProfile` the one with
    /// `mfa_serial` (often the same).
    case mfaRequired(profile: String, roleProfile: String, serial: String)
    /// The person at the terminal gave no code.
    case mfaCodeNotEntered(profile: String, serial: String)
    /// `credential_source = Environment` without `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    case environmentCredentialsMissing(profile: String)
    /// `credential_source = Ec2InstanceMetadata` with `AWS_EC2_METADATA_DISABLED=true`, or `EcsContainer` where
    /// no container credentials variable is set.
    case credentialSourceUnavailable(profile: String, source: String)
    /// An account of the environment (`@environment...`) where the environment names no credentials.
    case environmentSourceMissing(profile: String)
    /// A `credential_source` value the AWS CLI does not know either.
    case unknownCredentialSource(profile: String, source: String)
    /// `web_identity_token_file` (or `AWS_WEB_IDENTITY_TOKEN_FILE`) could not be read, or is empty.
    case webIdentityTokenUnreadable(profile: String, path: String, reason: String)
    /// An SSO profile lacks a setting needed for role credentials (`sso_account_id`, `sso_role_name`,
    /// `sso_start_url`, `sso_region`).
    case incompleteSSOProfile(profile: String, missing: String)

    public var description: String {
        switch self {
        case .mfaRequired(let profile, let roleProfile, let serial):
            let step = roleProfile == profile ? "" : " (for the role_arn of profile '\(roleProfile)')"
            return "profile '\(profile)' needs an MFA code (mfa_serial \(serial))\(step); run "
                + "`ecr-sessions accounts login \(profile)` in a terminal to enter it, then refresh reuses the "
                + "session until it expires."
        case .mfaCodeNotEntered(let profile, let serial):
            return "profile '\(profile)': no MFA code was entered for mfa_serial \(serial); run "
                + "`ecr-sessions accounts login \(profile)` again and type the code your device shows."
        case .environmentCredentialsMissing(let profile):
            return "profile '\(profile)' has credential_source = Environment, but AWS_ACCESS_KEY_ID and "
                + "AWS_SECRET_ACCESS_KEY are not both set; set them in the environment ecr-sessions runs in."
        case .credentialSourceUnavailable(let profile, let source):
            let why =
                source == "EcsContainer"
                ? "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
                : "AWS_EC2_METADATA_DISABLED is true"
            return "profile '\(profile)' has credential_source = \(source), which is not available here: \(why); "
                + "run where it is, or use credential_source = Environment or source_profile instead."
        case .environmentSourceMissing(let profile):
            return "account profile '\(profile)' takes its credentials from the environment, but none is set: set "
                + "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN, or "
                + "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI."
        case .unknownCredentialSource(let profile, let source):
            return "profile '\(profile)' has credential_source = \(source), which is not a credential source; "
                + "use Environment, Ec2InstanceMetadata or EcsContainer (the names are case-sensitive)."
        case .webIdentityTokenUnreadable(let profile, let path, let reason):
            return "profile '\(profile)': the web identity token file \(path) could not be read (\(reason)); "
                + "check web_identity_token_file or AWS_WEB_IDENTITY_TOKEN_FILE."
        case .incompleteSSOProfile(let profile, let missing):
            return "profile '\(profile)' uses SSO but has no \(missing); add it to the profile (or its "
                + "[sso-session]), as `aws configure sso` writes it."
        }
    }
}
