public import Foundation

/// Where ECR's API lives for a region, and which overrides apply.
public enum ECREndpoint {
    /// The API endpoint of private ECR in `region`: `override` when one is configured (see
    /// `ResolvedProfile.endpointURL(forService:environment:)`), else the partition's: `amazonaws.com.cn` for
    /// China, `amazonaws.com` for the commercial and GovCloud regions.
    public static func privateAPI(region: String, override: String? = nil) throws(ECRError) -> URL {
        try url(override ?? "https://api.ecr.\(region).\(dnsSuffix(region: region))")
    }

    /// The API endpoint of ECR Public, which lives in us-east-1 only.
    public static func publicAPI(override: String? = nil) throws(ECRError) -> URL {
        try url(override ?? "https://api.ecr-public.us-east-1.amazonaws.com")
    }

    /// The DNS suffix of the partition `region` belongs to.
    public static func dnsSuffix(region: String) -> String {
        region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
    }

    /// The registry host of `account` in `region`, as ECR's `proxyEndpoint` names it.
    public static func registryHost(account: String, region: String) -> String {
        "\(account).dkr.ecr.\(region).\(dnsSuffix(region: region))"
    }

    private static func url(_ text: String) throws(ECRError) -> URL {
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw ECRError(.invalidEndpoint, detail: "'\(text)' is not an http(s) URL; fix the endpoint setting")
        }
        return url
    }
}
