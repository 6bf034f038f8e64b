/// How a profile gets its credentials: one base source, then the roles assumed with them, in order.
///
/// `[profile app]` with `role_arn` and `source_profile = base`, where `base` has keys, is the chain
/// `accessKey(base)` then `AssumeRole(app)`. Working it out reads files only; nothing here touches the network.
public struct CredentialChain: Sendable, Equatable, CustomStringConvertible {
    public var base: CredentialSource
    /// Roles to assume one after the other, starting from the base's credentials.
    public var roles: [AssumeRole]

    public init(base: CredentialSource, roles: [AssumeRole] = []) {
        self.base = base
        self.roles = roles
    }

    public var description: String {
        ([base.description] + roles.map(\.description)).joined(separator: " -> ")
    }
}

/// Where the first credentials of a chain come from.
public enum CredentialSource: Sendable, Equatable, CustomStringConvertible {
    /// `aws_access_key_id` and `aws_secret_access_key` (and `aws_session_token`) of a profile.
    case accessKey(AccessKey)
    /// `credential_process`: a command that prints credentials.
    case credentialProcess(CredentialProcess)
    /// `web_identity_token_file` with `role_arn`: AssumeRoleWithWebIdentity.
    case webIdentityToken(WebIdentityToken)
    /// `credential_source` (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`).
    case namedSource(NamedSource)
    /// IAM Identity Center: `sso_session` or the older `sso_start_url` settings.
    case sso(SSOSource)

    /// The profile that holds this source's settings.
    public var profile: String {
        switch self {
        case .accessKey(let source): source.profile
        case .credentialProcess(let source): source.profile
        case .webIdentityToken(let source): source.profile
        case .namedSource(let source): source.profile
        case .sso(let source): source.profile
        }
    }

    /// The setting that makes this kind of source, as users write it in their files.
    public var setting: String {
        switch self {
        case .accessKey: "aws_access_key_id"
        case .credentialProcess: "credential_process"
        case .webIdentityToken: "web_identity_token_file"
        case .namedSource: "credential_source"
        case .sso(let source): source.session == nil ? "sso_start_url" : "sso_session"
        }
    }

    public var description: String {
        switch self {
        case .accessKey(let source): "access key \(source.credentials.accessKeyID) of profile '\(source.profile)'"
        case .credentialProcess(let source): "credential_process of profile '\(source.profile)'"
        case .webIdentityToken(let source): "web identity \(source.roleARN) of profile '\(source.profile)'"
        case .namedSource(let source): "credential_source \(source.name) of profile '\(source.profile)'"
        case .sso(let source): "SSO (\(setting)) of profile '\(source.profile)'"
        }
    }
}

/// Static keys written in a profile. Its `description` hides the secret, as `AWSCredentials` does.
public struct AccessKey: Sendable, Equatable {
    public var profile: String
    public var credentials: AWSCredentials
    /// `aws_account_id`, when given.
    public var accountID: String?

    public init(profile: String, credentials: AWSCredentials, accountID: String? = nil) {
        self.profile = profile
        self.credentials = credentials
        self.accountID = accountID
    }
}

/// `credential_process`.
public struct CredentialProcess: Sendable, Equatable {
    public var profile: String
    /// The command line, exactly as written.
    public var command: String

    public init(profile: String, command: String) {
        self.profile = profile
        self.command = command
    }
}

/// `web_identity_token_file` and the role it is exchanged for.
public struct WebIdentityToken: Sendable, Equatable {
    public var profile: String
    public var roleARN: String
    public var tokenFile: String
    public var sessionName: String?

    public init(profile: String, roleARN: String, tokenFile: String, sessionName: String? = nil) {
        self.profile = profile
        self.roleARN = roleARN
        self.tokenFile = tokenFile
        self.sessionName = sessionName
    }
}

/// `credential_source`: credentials from where the process runs rather than from a profile.
public struct NamedSource: Sendable, Equatable {
    public var profile: String
    /// `Environment`, `Ec2InstanceMetadata` or `EcsContainer`.
    public var name: String

    public init(profile: String, name: String) {
        self.profile = profile
        self.name = name
    }
}

/// IAM Identity Center settings, taken from the `[sso-session]` block when the profile names one.
public struct SSOSource: Sendable, Equatable {
    public var profile: String
    /// `sso_session`; nil for the older settings written in the profile itself.
    public var session: String?
    public var region: String?
    public var startURL: String?
    /// `sso_account_id` and `sso_role_name`: either both or neither.
    public var accountID: String?
    public var roleName: String?

    public init(
        profile: String, session: String? = nil, region: String? = nil, startURL: String? = nil,
        accountID: String? = nil, roleName: String? = nil
    ) {
        self.profile = profile
        self.session = session
        self.region = region
        self.startURL = startURL
        self.accountID = accountID
        self.roleName = roleName
    }
}

/// One `role_arn` step: AssumeRole with the credentials of the step before.
public struct AssumeRole: Sendable, Equatable, CustomStringConvertible {
    public var profile: String
    public var roleARN: String
    public var externalID: String?
    /// `role_session_name`.
    public var sessionName: String?
    /// `duration_seconds`, when it is a whole number.
    public var durationSeconds: Int?
    /// `mfa_serial`: such a role needs a code typed by a person, so scheduled refresh cannot assume it.
    public var mfaSerial: String?

    public init(
        profile: String, roleARN: String, externalID: String? = nil, sessionName: String? = nil,
        durationSeconds: Int? = nil, mfaSerial: String? = nil
    ) {
        self.profile = profile
        self.roleARN = roleARN
        self.externalID = externalID
        self.sessionName = sessionName
        self.durationSeconds = durationSeconds
        self.mfaSerial = mfaSerial
    }

    public var description: String { "AssumeRole \(roleARN) (profile '\(profile)')" }
}

extension AWSProfiles {
    /// Works out how `profile` gets credentials, following `source_profile` as the AWS SDKs do.
    ///
    /// The selected profile's `role_arn` wins over keys written beside it; a profile reached through
    /// `source_profile` uses its own keys when it has them. `source_profile` naming the profile itself means
    /// "assume the role with my own keys". A chain that comes back to a profile already visited is an error.
    public func credentialChain(forProfile profile: String) throws(AWSConfigError) -> CredentialChain {
        guard !profiles.isEmpty || hasUnreadProfiles else { throw .noProfiles(files: files) }
        guard var current = profiles[profile] else { throw .profileNotFound(profile: profile, files: files) }
        var visited: [String] = []
        var roles: [AssumeRole] = []
        let base: CredentialSource
        while true {
            guard !visited.contains(current.name) else {
                throw .sourceProfileLoop(profiles: visited + [current.name])
            }
            visited.append(current.name)
            // Past the first profile, keys win over everything else the profile says.
            if visited.count > 1, let keys = try? accessKey(in: current) {
                base = .accessKey(keys)
                break
            }
            guard let role = assumeRole(in: current) else {
                base = try baseSource(in: current)
                break
            }
            roles.append(role)
            switch (current["source_profile"], current["credential_source"]) {
            case (.some, .some):
                throw .conflictingRoleSources(profile: current.name, location: current.location)
            case (nil, nil):
                throw .roleWithoutSource(profile: current.name, location: current.location)
            case (nil, .some(let name)):
                base = .namedSource(NamedSource(profile: current.name, name: name))
            case (.some(let next), nil) where next == current.name:
                base = .accessKey(try accessKey(in: current))
            case (.some(let next), nil):
                guard let source = profiles[next] else {
                    throw .sourceProfileNotFound(
                        profile: next, referencedFrom: current.name, location: current.location)
                }
                current = source
                continue
            }
            break
        }
        return CredentialChain(base: base, roles: roles.reversed())
    }

    /// The `role_arn` step of a profile, unless it is a web identity profile, where the role is part of the base.
    private func assumeRole(in profile: AWSSettingsBlock) -> AssumeRole? {
        guard profile["web_identity_token_file"] == nil, let roleARN = profile["role_arn"] else { return nil }
        return AssumeRole(
            profile: profile.name, roleARN: roleARN, externalID: profile["external_id"],
            sessionName: profile["role_session_name"], durationSeconds: profile["duration_seconds"].flatMap { Int($0) },
            mfaSerial: profile["mfa_serial"])
    }

    /// A source that needs no other profile, in the SDKs' order of preference.
    private func baseSource(in profile: AWSSettingsBlock) throws(AWSConfigError) -> CredentialSource {
        if let name = profile["credential_source"] {
            return .namedSource(NamedSource(profile: profile.name, name: name))
        }
        if let tokenFile = profile["web_identity_token_file"] {
            guard let roleARN = profile["role_arn"] else {
                throw .webIdentityWithoutRole(profile: profile.name, location: profile.location)
            }
            return .webIdentityToken(
                WebIdentityToken(
                    profile: profile.name, roleARN: roleARN, tokenFile: tokenFile,
                    sessionName: profile["role_session_name"]))
        }
        if let sso = try ssoSource(in: profile) {
            return .sso(sso)
        }
        if let command = profile["credential_process"] {
            return .credentialProcess(CredentialProcess(profile: profile.name, command: command))
        }
        return .accessKey(try accessKey(in: profile))
    }

    private func accessKey(in profile: AWSSettingsBlock) throws(AWSConfigError) -> AccessKey {
        let keyID = profile["aws_access_key_id"]
        let secret = profile["aws_secret_access_key"]
        let token = profile["aws_session_token"]
        if keyID == nil, secret == nil, token == nil {
            throw .noCredentialSource(profile: profile.name, location: profile.location)
        }
        // Point at the half that is there: the profile may start in one file and hold its keys in the other.
        let written =
            ["aws_access_key_id", "aws_secret_access_key", "aws_session_token"].lazy
            .compactMap { profile.properties[$0]?.location }.first ?? profile.location
        guard let keyID else {
            throw .incompleteKeyPair(profile: profile.name, missing: "aws_access_key_id", location: written)
        }
        guard let secret else {
            throw .incompleteKeyPair(profile: profile.name, missing: "aws_secret_access_key", location: written)
        }
        return AccessKey(
            profile: profile.name,
            credentials: AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token),
            accountID: profile["aws_account_id"])
    }

    private func ssoSource(in profile: AWSSettingsBlock) throws(AWSConfigError) -> SSOSource? {
        let settings = ["sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name"]
        guard settings.contains(where: { profile[$0] != nil }) else { return nil }
        var source = SSOSource(
            profile: profile.name, session: profile["sso_session"], region: profile["sso_region"],
            startURL: profile["sso_start_url"], accountID: profile["sso_account_id"], roleName: profile["sso_role_name"]
        )
        if let sessionName = source.session {
            // With a session, where to sign in is the session's business alone.
            for setting in ["sso_start_url", "sso_region"] where profile[setting] != nil {
                throw .ssoSettingOutsideSession(
                    profile: profile.name, setting: setting, session: sessionName, location: profile.location)
            }
            guard let session = ssoSessions[sessionName] else {
                throw .ssoSessionNotFound(session: sessionName, profile: profile.name, location: profile.location)
            }
            source.startURL = session["sso_start_url"]
            source.region = session["sso_region"]
        }
        switch (source.accountID, source.roleName) {
        case (.some, nil):
            throw .incompleteSSOSettings(
                profile: profile.name, present: "sso_account_id", missing: "sso_role_name", location: profile.location)
        case (nil, .some):
            throw .incompleteSSOSettings(
                profile: profile.name, present: "sso_role_name", missing: "sso_account_id", location: profile.location)
        default:
            return source
        }
    }
}
