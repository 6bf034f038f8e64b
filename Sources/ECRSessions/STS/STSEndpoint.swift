public import Foundation

/// Where STS lives for a region, and which overrides apply.
public enum STSEndpoint {
    /// STS in `region`, or the global endpoint `https://sts.amazonaws.com` when there is no region.
    ///
    /// Overrides in the SDKs' order (see `AWSEndpoint.override`): `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the
    /// profile's `services` entry for sts, the profile's `endpoint_url`.
    public static func url(
        region: String?, environment: Environment, profileServiceEndpoint: String? = nil,
        profileEndpoint: String? = nil
    ) throws(STSError) -> URL {
        let override = AWSEndpoint.override(
            variable: "AWS_ENDPOINT_URL_STS", environment: environment, profileServiceEndpoint: profileServiceEndpoint,
            profileEndpoint: profileEndpoint)
        let standard =
            region.map { "https://" + Partition.endpointHost("sts", region: $0) } ?? "https://sts.amazonaws.com"
        let text = override ?? standard
        guard let url = AWSEndpoint.httpURL(text) else {
            throw STSError(
                .invalidEndpoint, roleARN: nil, detail: "'\(text)' is not an http(s) URL; fix the STS endpoint setting")
        }
        return url
    }
}
