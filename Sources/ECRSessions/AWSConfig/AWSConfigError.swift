/// A line of an INI file that is not valid, with where it is and how to fix it.
///
/// It never quotes the line itself: the line could hold a secret key.
public struct INISyntaxError: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the line. The first sentence of each message is the AWS SDKs' own wording.
    public enum Problem: Sendable, Equatable {
        case propertyOutsideSection
        case unterminatedHeader
        case missingPropertyName
        /// Only in dialects that reject such names; the AWS files skip the line instead.
        case invalidPropertyName
        case missingEquals
        case continuationWithoutProperty
        case missingSubPropertyEquals(property: String)
        case missingSubPropertyName(property: String)
    }

    public var location: SourceLocation
    public var problem: Problem
    /// The header of the section the line is in, e.g. `[profile prod]`, if any.
    public var section: String?
    public var dialect: INIDialect

    public init(location: SourceLocation, problem: Problem, section: String?, dialect: INIDialect) {
        self.location = location
        self.problem = problem
        self.section = section
        self.dialect = dialect
    }

    public var description: String {
        let noun = dialect.sectionNoun
        let inside = section.map { " inside \($0)" } ?? ""
        let message =
            switch problem {
            case .propertyOutsideSection:
                "Expected a \(noun) definition before this line; add a header such as \(dialect.sectionExample) above it"
            case .unterminatedHeader:
                "\(noun.prefix(1).uppercased() + noun.dropFirst()) definition must end with ']'; "
                    + "close the bracket, as in \(dialect.sectionExample)"
            case .missingPropertyName:
                "Property did not have a name\(inside); write it as 'name = value'"
            case .invalidPropertyName:
                "Property name\(inside) may only contain letters, digits and -/.%@_:+; "
                    + "check the spelling, and use '_' rather than a space"
            case .missingEquals:
                "Expected an '=' sign defining a property\(inside); write it as 'name = value'"
            case .continuationWithoutProperty:
                "Expected a property definition, found continuation\(inside); an indented line continues the "
                    + "property above it, so remove the indentation or add 'name = value' above it"
            case .missingSubPropertyEquals(let property):
                "Expected an '=' sign defining a sub-property of '\(property)'\(inside); "
                    + "write each indented line under it as 'name = value'"
            case .missingSubPropertyName(let property):
                "Sub-property did not have a name under '\(property)'\(inside); "
                    + "write each indented line under it as 'name = value'"
            }
        return "\(location): \(message)."
    }
}

/// Why the AWS config or credentials files could not give what was asked.
///
/// Descriptions name the file, line or profile and say what to do; they never contain a secret key or token.
public enum AWSConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A line is not valid INI.
    case syntax(INISyntaxError)
    /// A file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// No file defines the profile.
    case profileNotFound(profile: String, files: [String])
    /// The files define no profile at all.
    case noProfiles(files: [String])
    /// The profile has one of `aws_access_key_id` and `aws_secret_access_key` but not the other; `location` is
    /// where the half it has is written.
    case incompleteKeyPair(profile: String, missing: String, location: SourceLocation)
    /// The profile exists but has nothing that yields credentials.
    case noCredentialSource(profile: String, location: SourceLocation)
    /// The profile gets credentials from a source that needs a call (STS, SSO, a process), which the offline
    /// resolver `AWSProfiles.resolve` does not make.
    case unsupportedCredentialSource(profile: String, setting: String)
    /// `role_arn` without `source_profile`, `credential_source` or `web_identity_token_file`.
    case roleWithoutSource(profile: String, location: SourceLocation)
    /// Both `source_profile` and `credential_source`: the SDKs refuse to guess.
    case conflictingRoleSources(profile: String, location: SourceLocation)
    /// `source_profile` names a profile that no file defines.
    case sourceProfileNotFound(profile: String, referencedFrom: String, location: SourceLocation)
    /// Following `source_profile` comes back to a profile already visited.
    case sourceProfileLoop(profiles: [String])
    /// `web_identity_token_file` without `role_arn`.
    case webIdentityWithoutRole(profile: String, location: SourceLocation)
    /// One of `sso_account_id` and `sso_role_name` without the other.
    case incompleteSSOSettings(profile: String, present: String, missing: String, location: SourceLocation)
    /// `sso_session` names an `[sso-session]` section that no file defines.
    case ssoSessionNotFound(session: String, profile: String, location: SourceLocation)
    /// A profile with `sso_session` sets `sso_region` or `sso_start_url` differently from its `[sso-session]`.
    case ssoSettingOutsideSession(profile: String, setting: String, session: String, location: SourceLocation)

    public var description: String {
        switch self {
        case .syntax(let error):
            return error.description
        case .unreadableFile(let path, let reason):
            return "\(path) could not be read (\(reason)); check that it is a file you may read."
        case .profileNotFound(let profile, let files):
            return "profile '\(profile)' is not defined in \(files.joined(separator: " or ")); "
                + "add it, or choose another profile with --profile or AWS_PROFILE."
        case .noProfiles(let files):
            return "No profiles were defined in \(files.joined(separator: " or ")); "
                + "run 'aws configure' or add a profile."
        case .incompleteKeyPair(let profile, let missing, let location):
            return "profile '\(profile)' (\(location)) has only half a key pair, it is missing \(missing); "
                + "set both aws_access_key_id and aws_secret_access_key, or neither."
        case .noCredentialSource(let profile, let location):
            return "profile '\(profile)' (\(location)) did not contain credential information; add "
                + "aws_access_key_id and aws_secret_access_key, role_arn, credential_process or SSO settings."
        case .unsupportedCredentialSource(let profile, let setting):
            return "profile '\(profile)' uses \(setting), whose credentials cannot be read from the files alone; "
                + "they are fetched when the profile is logged in (ecr-sessions accounts login \(profile))."
        case .roleWithoutSource(let profile, let location):
            return "profile '\(profile)' (\(location)) has role_arn but no source: the profile must contain "
                + "`source_profile`, `credential_source` or `web_identity_token_file`."
        case .conflictingRoleSources(let profile, let location):
            return "profile '\(profile)' (\(location)) contained both source_profile and credential_source; "
                + "keep only one."
        case .sourceProfileNotFound(let profile, let referencedFrom, let location):
            return "could not find source profile \(profile) referenced from \(referencedFrom) (\(location)); "
                + "define [profile \(profile)] or fix source_profile."
        case .sourceProfileLoop(let profiles):
            return "source_profile of profile '\(profiles.first ?? "")' formed an infinite loop ("
                + profiles.joined(separator: " -> ") + "); end the chain with a profile that has keys."
        case .webIdentityWithoutRole(let profile, let location):
            return "profile '\(profile)' (\(location)) has web_identity_token_file but `role_arn` was missing; "
                + "add role_arn."
        case .incompleteSSOSettings(let profile, let present, let missing, let location):
            return "profile '\(profile)' (\(location)): if `\(present)` is set, then `\(missing)` must also be set."
        case .ssoSessionNotFound(let session, let profile, let location):
            return "sso-session named `\(session)` (referenced by profile `\(profile)`, \(location)) was not found; "
                + "add [sso-session \(session)] to the config file."
        case .ssoSettingOutsideSession(let profile, let setting, let session, let location):
            return "profile '\(profile)' (\(location)): `\(setting)` can only be specified in the [sso-session] "
                + "config when a session name is given; move it to [sso-session \(session)]."
        }
    }
}
