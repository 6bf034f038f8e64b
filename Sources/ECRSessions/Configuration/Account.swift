/// A set of registries to keep logged in with one profile's credentials: in each of `regions`, or ECR Public.
public struct Account: Sendable, Equatable {
    /// The account's name: the profile's name in zero-config use.
    public var name: String
    public var profile: String
    public var regions: [String]
    public var isPublic: Bool
    /// Other accounts' registries the same token is written for.
    public var registryIDs: [String]
    /// Where the account came from, e.g. `~/.aws/config line 12`.
    public var origin: String
    /// How the profile gets its credentials.
    public var credentialSource: CredentialSourceKind?
    /// Why the account cannot be logged in as configured (no region); nil when it can.
    public var problem: String?
    /// False for an `[account]` written with `enabled = false`: listed, never logged in.
    public var isEnabled: Bool
    /// Where this account's logins are written; nil means the `[settings]` targets.
    public var targets: [LoginTarget]?
    /// True for the instance profile's account when nothing names a region: the instance's own region
    /// (`placement/region` of its metadata) is asked for when the account is logged in.
    public var regionFromInstanceMetadata = false

    public init(
        name: String, profile: String, regions: [String], isPublic: Bool = false, registryIDs: [String] = [],
        origin: String, credentialSource: CredentialSourceKind? = nil, problem: String? = nil, isEnabled: Bool = true,
        targets: [LoginTarget]? = nil
    ) {
        self.name = name
        self.profile = profile
        self.regions = regions
        self.isPublic = isPublic
        self.registryIDs = registryIDs
        self.origin = origin
        self.credentialSource = credentialSource
        self.problem = problem
        self.isEnabled = isEnabled
        self.targets = targets
    }

    /// One GetAuthorizationToken call per region (one for ECR Public); none for a disabled account.
    public var jobs: [LoginJob] {
        guard isEnabled, problem == nil else { return [] }
        if isPublic { return [LoginJob(profile: profile, region: LoginJob.publicRegion, isPublic: true)] }
        return regions.map { LoginJob(profile: profile, region: $0, registryIDs: registryIDs) }
    }

    /// Zero configuration: every profile of the AWS files that is set up to yield credentials is an account in its
    /// own region (else the `[settings] regions` default, else `AWS_REGION`, else `AWS_DEFAULT_REGION`); so are the
    /// credentials the AWS CLI would use with no profile (`AmbientSource.inEnvironment`), as the account
    /// `environment`; and on a machine with neither, the instance profile (`instance-metadata`), as the SDKs' default
    /// chain ends with it, when a region is known.
    public static func zeroConfiguration(
        _ profiles: AWSProfiles, environment: Environment, defaultRegions: [String] = []
    ) -> [Account] {
        let credentialProfiles = profiles.credentialProfiles()
        var accounts = credentialProfiles.map { profile in
            let regions = Self.regions(
                ownRegion: profile.region, defaultRegions: defaultRegions, environment: environment)
            return Account(
                name: profile.name, profile: profile.name, regions: regions,
                origin: profile.location.description, credentialSource: profile.source,
                problem: regions.isEmpty
                    ? "no region: add 'region = ...' to the profile (\(profile.location)), 'regions = ...' to the "
                        + "[settings] of the ecr-sessions config, or set AWS_REGION" : nil)
        }
        // The AWS CLI's region without --profile: the environment's, else the selected profile's.
        let ambientRegion = profiles.region(
            ofProfile: AWSProfiles.selectedProfile(explicit: nil, environment: environment), environment: environment)
        let ambientRegions = Self.regions(
            ownRegion: ambientRegion, defaultRegions: defaultRegions, environment: environment)
        if let source = AmbientSource.inEnvironment(environment) {
            accounts.append(
                Account(
                    name: "environment", profile: source.profile, regions: ambientRegions,
                    origin: "environment (\(source.variable))", credentialSource: source.kind,
                    problem: ambientRegions.isEmpty
                        ? "no region: set AWS_REGION, or 'regions = ...' in the [settings] of the ecr-sessions config"
                        : nil))
        } else if credentialProfiles.isEmpty, AmbientSource.isInstanceMetadataEnabled(environment) {
            // As the SDKs' default chain ends with it; with no region named, the instance's own is asked for when the
            // account is logged in (`ActionContext.resolvingInstanceRegions`).
            var account = Account(
                name: "instance-metadata", profile: AmbientSource.instanceMetadataProfile, regions: ambientRegions,
                origin: "instance metadata (no profile and no AWS_ACCESS_KEY_ID)", credentialSource: .instanceMetadata)
            account.regionFromInstanceMetadata = ambientRegions.isEmpty
            accounts.append(account)
        }
        return accounts
    }
}

extension Account {
    /// Selects `names` (account names, which are profiles in zero-config) among `accounts`, or every enabled one when
    /// `names` is empty. An unknown name is a configuration error that lists the known ones.
    public static func select(_ names: [String], from accounts: [Account]) throws(ConfigurationError) -> [Account] {
        guard !names.isEmpty else { return accounts.filter(\.isEnabled) }
        return try names.map { (name) throws(ConfigurationError) in
            guard let account = accounts.first(where: { $0.name == name }) else {
                let known = accounts.map(\.name).joined(separator: ", ")
                throw ConfigurationError(
                    "no account or profile named '\(name)' yields credentials"
                        + (known.isEmpty ? "; the AWS files define none" : "; known: \(known)"))
            }
            return account
        }
    }
}
