public import Foundation

/// Where ECR's API lives for a region, and which overrides apply.
public enum ECREndpoint {
    /// The API endpoint of private ECR in `region`: `override` when one is configured (see
    /// `ResolvedProfile.endpointURL(forService:environment:)`), else `api.ecr.<region>.` and the DNS suffix of the
    /// region's `Partition`.
    public static func privateAPI(region: String, override: String? = nil) throws(ECRError) -> URL {
        try url(override ?? "https://" + Partition.endpointHost("api.ecr", region: region))
    }

    /// The API endpoint of ECR Public, which lives in us-east-1 only.
    public static func publicAPI(override: String? = nil) throws(ECRError) -> URL {
        try url(override ?? "https://" + Partition.endpointHost("api.ecr-public", region: "us-east-1"))
    }

    /// The registry host of `account` in `region`, as ECR's `proxyEndpoint` names it.
    public static func registryHost(account: String, region: String) -> String {
        Partition.endpointHost("\(account).dkr.ecr", region: region)
    }

    private static func url(_ text: String) throws(ECRError) -> URL {
        guard let url = AWSEndpoint.httpURL(text) else {
            throw ECRError(.invalidEndpoint, detail: "'\(text)' is not an http(s) URL; fix the endpoint setting")
        }
        return url
    }
}
