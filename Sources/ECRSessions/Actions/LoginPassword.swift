extension Actions {
    /// `get-login-password`: a drop-in for `aws ecr get-login-password`, served from the cache while fresh.
    public struct LoginPassword: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// The registry password for `profile` (else `AWS_PROFILE`, else `default`) in `region` (else the AWS CLI's
        /// region), from the cache while fresh, else fetched now and cached. Credentials from the environment are
        /// never cached under a profile's name. Configuration problems are found before any network call and
        /// thrown as they are; a failed fetch is a `LoginFailure`.
        public func run(profile explicit: String?, region explicitRegion: String?) async throws -> String {
            let environment = context.environment
            let name = AWSProfiles.selectedProfile(explicit: explicit, environment: environment)
            // Only this profile's chain, and the selected profile an ambient one takes its settings from: one
            // profile's password does not parse a thousand.
            let selected = AWSProfiles.selectedProfile(explicit: nil, environment: environment)
            let profiles = try AWSProfiles.load(environment: environment, chainsOf: [name, selected])
            let token: AuthorizationToken
            if explicit == nil, AWSProfiles.environmentCredentials(environment) != nil {
                let resolved = try profiles.resolve(profile: nil, environment: environment)
                let region = try requireRegion(explicitRegion ?? resolved.region, profile: name)
                let tokens = try await afterChanges {
                    try await context.ecrClient.authorizationTokens(
                        for: LoginJob(profile: name, region: region), resolved: resolved, environment: environment)
                }
                token = tokens[0].token
            } else {
                _ = try context.cache(scan: false)  // a drop-in for every `docker login` pipe: see cache(scan:)
                let provider = try context.credentialProvider(profiles: profiles)
                // A profile that cannot work as written is a configuration error, found before any network call.
                _ = try provider.chain(forProfile: name)
                let region = try requireRegion(
                    explicitRegion ?? profiles.region(ofProfile: name, environment: environment), profile: name)
                let validAt = context.clock.now().addingTimeInterval(CredentialHelper.freshness)
                if let cached = try context.cache().freshLogin(profile: name, region: region, validAt: validAt) {
                    token = cached.token
                } else {
                    let runner = LoginRunner(
                        ecr: context.ecrClient, credentials: provider, cache: try context.cache(),
                        environment: environment)
                    let result = await runner.login(LoginJob(profile: name, region: region))
                    guard let login = result.logins.first, result.error == nil else {
                        throw LoginFailure(
                            description: "\(result.job): \(result.error?.description ?? "ECR returned no token")")
                    }
                    token = login.token
                }
            }
            guard let password = token.credentials?.password else {
                throw ECRError(.malformedResponse, detail: "the token is not base64 of user:password")
            }
            return password
        }
    }
}

/// `region`, or a configuration error saying how to set one.
private func requireRegion(_ region: String?, profile: String) throws(ConfigurationError) -> String {
    guard let region else {
        throw ConfigurationError(
            "no region for profile '\(profile)': pass --region, set AWS_REGION, or add 'region = ...'")
    }
    return region
}
