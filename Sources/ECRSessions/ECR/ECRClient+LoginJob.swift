extension ECRClient {
    /// The job's tokens with `resolved`'s credentials, at the endpoint its settings and `environment` choose:
    /// ECR Public's single registry, or private ECR's in the job's region.
    func authorizationTokens(for job: LoginJob, resolved: ResolvedProfile, environment: Environment)
        async throws -> [AuthorizationData]
    {
        if job.isPublic {
            let endpoint = try ECREndpoint.publicAPI(
                override: resolved.endpointURL(forService: "ecr_public", environment: environment))
            return [try await publicAuthorizationToken(credentials: resolved.credentials, endpoint: endpoint)]
        }
        let endpoint = try ECREndpoint.privateAPI(
            region: job.region, override: resolved.endpointURL(forService: "ecr", environment: environment))
        return try await authorizationTokens(credentials: resolved.credentials, region: job.region, endpoint: endpoint)
    }
}
