public import Foundation

extension Sessions {
    /// A cached token is handed out only while it has at least this long left, so a push that starts with it can
    /// finish with it.
    public static let passwordFreshness: TimeInterval = 30 * 60

    /// The registry password for `profile` (else `AWS_PROFILE`, else `default`) in `region` (else the AWS CLI's
    /// region), from the cache while fresh, else fetched now and cached. Credentials from the environment are
    /// never cached under a profile's name.
    public func loginPassword(profile explicit: String?, region explicitRegion: String?) async throws -> String {
        let resolved = try awsProfiles().resolve(profile: explicit, environment: environment)
        guard let region = explicitRegion ?? resolved.region else {
            throw ConfigurationError(
                "no region for profile '\(resolved.profile)': pass --region, set AWS_REGION, or add 'region = ...'")
        }
        let token: AuthorizationToken
        if case .environment = resolved.credentialsOrigin {
            let endpoint = try ECREndpoint.privateAPI(
                region: region, override: resolved.endpointURL(forService: "ecr", environment: environment))
            let tokens = try await ecrClient.authorizationTokens(
                credentials: resolved.credentials, region: region, endpoint: endpoint)
            token = tokens[0].token
        } else if let cached = try cache().freshLogin(
            profile: resolved.profile, region: region, validAt: clock.now().addingTimeInterval(Self.passwordFreshness))
        {
            token = cached.token
        } else {
            let runner = LoginRunner(
                ecr: ecrClient,
                credentials: ProfileCredentialProvider(profiles: try awsProfiles(), environment: environment),
                cache: try cache(), environment: environment)
            let result = await runner.login(LoginJob(profile: resolved.profile, region: region))
            guard let login = result.logins.first, result.error == nil else {
                throw LoginFailure(description: "\(result.job): \(result.error ?? "ECR returned no token")")
            }
            token = login.token
        }
        guard let password = token.credentials?.password else {
            throw ECRError(.malformedResponse, detail: "the token is not base64 of user:password")
        }
        return password
    }
}

/// A login that was tried and failed; the text names the profile and region and says what to do.
public struct LoginFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}
