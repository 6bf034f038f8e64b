public import Foundation

/// Where ECR's API lives for a region, and which overrides apply.
public enum ECREndpoint {
    /// Private ECR's hosts: `api.ecr.<region>`, `api.ecr-fips.<region>`, and `ecr[-fips].<region>` on the
    /// dual-stack suffix.
    static let privateHosts = ServiceHosts(
        name: "ECR", standard: "api.ecr", fips: "api.ecr-fips", dualStack: "ecr", fipsDualStack: "ecr-fips")
    /// ECR Public's hosts. Its dual-stack FIPS host keeps the `api.` label its dual-stack host drops.
    static let publicHosts = ServiceHosts(
        name: "ECR Public", standard: "api.ecr-public", fips: "api.ecr-public-fips", dualStack: "ecr-public",
        fipsDualStack: "api.ecr-public-fips")
    /// The one region ECR Public's API lives in.
    public static let publicRegion = "us-east-1"

    /// The API endpoint of private ECR in `region`: `override` when one is configured (see
    /// `ResolvedProfile.endpointURL(forService:environment:)`), else the host of `variant` in the region's
    /// `Partition`.
    public static func privateAPI(region: String, override: String? = nil, variant: EndpointVariant = .standard)
        throws(ECRError) -> URL
    {
        if let override { return try url(override) }
        return try url("https://" + host(privateHosts, region: region, variant: variant))
    }

    /// The API endpoint of ECR Public, which lives in us-east-1 only.
    public static func publicAPI(override: String? = nil, variant: EndpointVariant = .standard) throws(ECRError)
        -> URL
    {
        if let override { return try url(override) }
        return try url("https://" + host(publicHosts, region: publicRegion, variant: variant))
    }

    /// The registry host of `account` in `region`, as ECR's `proxyEndpoint` names it (see `ECRRegistryHost`).
    public static func registryHost(account: String, region: String, variant: EndpointVariant = .standard)
        -> String
    {
        ECRRegistryHost(account: account, region: region, variant: variant).description
    }

    private static func host(_ service: ServiceHosts, region: String, variant: EndpointVariant) throws(ECRError)
        -> String
    {
        do {
            return try AWSEndpoint.host(service, region: region, variant: variant)
        } catch {
            throw ECRError(.invalidEndpoint, detail: error.description)
        }
    }

    private static func url(_ text: String) throws(ECRError) -> URL {
        guard let url = AWSEndpoint.httpURL(text) else {
            throw ECRError(.invalidEndpoint, detail: "'\(text)' is not an http(s) URL; fix the endpoint setting")
        }
        return url
    }
}
