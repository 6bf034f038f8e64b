public import Foundation

/// Where STS lives for a region, and which overrides apply.
public enum STSEndpoint {
    /// STS in `region`, or the global endpoint `https://sts.amazonaws.com` when there is no region.
    ///
    /// Overrides in the SDKs' order (the same as `ResolvedProfile.endpointURL`): `AWS_ENDPOINT_URL_STS`,
    /// `AWS_ENDPOINT_URL`, the profile's `services` entry for sts, the profile's `endpoint_url`.
    public static func url(
        region: String?, environment: Environment, profileServiceEndpoint: String? = nil,
        profileEndpoint: String? = nil
    ) throws(STSError) -> URL {
        let override =
            environment["AWS_ENDPOINT_URL_STS"] ?? environment["AWS_ENDPOINT_URL"] ?? profileServiceEndpoint
            ?? profileEndpoint
        let standard =
            region.map { "https://sts.\($0).\(ECREndpoint.dnsSuffix(region: $0))" } ?? "https://sts.amazonaws.com"
        let text = override ?? standard
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw STSError(
                .invalidEndpoint, roleARN: nil, detail: "'\(text)' is not an http(s) URL; fix the STS endpoint setting")
        }
        return url
    }
}
