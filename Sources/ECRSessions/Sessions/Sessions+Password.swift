public import Foundation

extension Sessions {
    /// A cached token is handed out only while it has at least this long left, so a push that starts with it can
    /// finish with it.
    public static let passwordFreshness: TimeInterval = 30 * 60

    /// The registry password for `profile` (else `AWS_PROFILE`, else `default`) in `region` (else the AWS CLI's
    /// region), from the cache while fresh, else fetched now and cached. Credentials from the environment are
    /// never cached under a profile's name.
    public func loginPassword(profile explicit: String?, region explicitRegion: String?) async throws -> String {
        let profiles = try awsProfiles()
        let name = AWSProfiles.selectedProfile(explicit: explicit, environment: environment)
        let token: AuthorizationToken
        if explicit == nil, AWSProfiles.environmentCredentials(environment) != nil {
            let resolved = try profiles.resolve(profile: nil, environment: environment)
            let region = try requireRegion(explicitRegion ?? resolved.region, profile: name)
            let tokens = try await ecrClient.authorizationTokens(
                for: LoginJob(profile: name, region: region), resolved: resolved, environment: environment)
            token = tokens[0].token
        } else {
            let provider = try credentialProvider()
            // A profile that cannot work as written is a configuration error, found before any network call.
            _ = try provider.chain(forProfile: name)
            let region = try requireRegion(
                explicitRegion ?? profiles.region(ofProfile: name, environment: environment), profile: name)
            if let cached = try cache().freshLogin(
                profile: name, region: region, validAt: clock.now().addingTimeInterval(Self.passwordFreshness))
            {
                token = cached.token
            } else {
                let runner = LoginRunner(
                    ecr: ecrClient, credentials: provider, cache: try cache(), environment: environment)
                let result = await runner.login(LoginJob(profile: name, region: region))
                guard let login = result.logins.first, result.error == nil else {
                    throw LoginFailure(description: "\(result.job): \(result.error ?? "ECR returned no token")")
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

/// `region`, or a configuration error saying how to set one.
private func requireRegion(_ region: String?, profile: String) throws(ConfigurationError) -> String {
    guard let region else {
        throw ConfigurationError(
            "no region for profile '\(profile)': pass --region, set AWS_REGION, or add 'region = ...'")
    }
    return region
}

/// A login that was tried and failed; the text names the profile and region and says what to do.
public struct LoginFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
