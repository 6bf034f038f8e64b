extension ECRClient {
    /// The job's tokens with `resolved`'s credentials, at the endpoint its settings and `environment` choose:
    /// ECR Public's single registry, or private ECR's in the job's region, FIPS and dual-stack as configured.
    ///
    /// Private registry hosts follow the same variant (`<account>.dkr.ecr-fips.<region>...` with FIPS on), and
    /// the job's `registryIDs` get the token under their own hosts, built like the caller's.
    func authorizationTokens(for job: LoginJob, resolved: ResolvedProfile, environment: Environment)
        async throws -> [AuthorizationData]
    {
        let variant = resolved.endpointSettings(environment: environment).variant
        if job.isPublic {
            let endpoint = try ECREndpoint.publicAPI(
                override: resolved.endpointURL(forService: "ecr_public", environment: environment), variant: variant)
            return [try await publicAuthorizationToken(credentials: resolved.credentials, endpoint: endpoint)]
        }
        let endpoint = try ECREndpoint.privateAPI(
            region: job.region, override: resolved.endpointURL(forService: "ecr", environment: environment),
            variant: variant)
        var tokens = try await authorizationTokens(
            credentials: resolved.credentials, region: job.region, endpoint: endpoint
        ).map { $0.following(variant) }
        if let own = tokens.first, let host = ECRRegistryHost(own.registryHost) {
            for id in job.registryIDs where !tokens.contains(where: { $0.accountID == id }) {
                var shared = own
                shared.proxyEndpoint =
                    "https://"
                    + ECRRegistryHost(account: id, region: host.region, variant: host.variant)
                    .description
                tokens.append(shared)
            }
        }
        return tokens
    }
}

extension AuthorizationData {
    /// The token with its `proxyEndpoint` on `variant`'s registry host, when ECR named a standard ECR host; any
    /// other host (a test double's, a host ECR already chose the variant for) is kept as it is.
    func following(_ variant: EndpointVariant) -> AuthorizationData {
        guard variant != .standard, let host = ECRRegistryHost(registryHost), host.variant == .standard,
            let account = host.account
        else { return self }
        var data = self
        data.proxyEndpoint =
            "https://"
            + ECRRegistryHost(account: account, region: host.region, variant: variant)
            .description
        return data
    }
}
