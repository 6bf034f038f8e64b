public import Foundation

/// Where STS lives for a region, and which overrides apply.
public enum STSEndpoint {
    /// STS's hosts. In aws-us-gov the standard host is already FIPS validated, and botocore sends FIPS requests
    /// there rather than to `sts-fips`.
    static let hosts = ServiceHosts(
        name: "STS", standard: "sts", fips: "sts-fips", dualStack: "sts", fipsDualStack: "sts-fips",
        fipsInPartition: ["aws-us-gov": "sts"])

    /// The global endpoint: where a call without a region goes, and (with `sts_regional_endpoints = legacy`) the
    /// calls of the regions that used it before regional endpoints were the default.
    static let global = "https://sts.amazonaws.com"

    /// The regions `sts_regional_endpoints = legacy` sends to the global endpoint (botocore's list).
    static let legacyGlobalRegions: Set<String> = [
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1",
        "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2",
        "us-west-1", "us-west-2",
    ]

    /// STS in `region`, or the global endpoint `https://sts.amazonaws.com` when there is no region.
    ///
    /// Overrides in the SDKs' order (see `AWSEndpoint.override`): `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the
    /// profile's `services` entry for sts, the profile's `endpoint_url`. Without one, `settings` (by default the
    /// environment's alone) choose the FIPS and dual-stack variants and `sts_regional_endpoints`.
    public static func url(
        region: String?, environment: Environment, profileServiceEndpoint: String? = nil,
        profileEndpoint: String? = nil, settings: EndpointSettings? = nil
    ) throws(STSError) -> URL {
        let override = AWSEndpoint.override(
            variable: "AWS_ENDPOINT_URL_STS", environment: environment, profileServiceEndpoint: profileServiceEndpoint,
            profileEndpoint: profileEndpoint)
        let text: String
        if let override {
            text = override
        } else {
            text = try standard(region: region, settings: settings ?? EndpointSettings(environment: environment))
        }
        guard let url = AWSEndpoint.httpURL(text) else {
            throw STSError(
                .invalidEndpoint, roleARN: nil, detail: "'\(text)' is not an http(s) URL; fix the STS endpoint setting")
        }
        return url
    }

    /// Refuses a call of a role outside the aws partition (`arn:aws-cn:`, `arn:aws-us-gov:`, ...) to the global
    /// endpoint, which serves only aws: credentials do not cross partitions, so that call could only fail, and the
    /// fix is a region.
    static func checkPartition(of roleARN: String, at endpoint: URL) throws(STSError) {
        let parts = roleARN.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard endpoint.host == URL(string: global)?.host, parts.count == 3, parts[0] == "arn", parts[1] != "aws"
        else { return }
        throw STSError(
            .invalidEndpoint, roleARN: roleARN,
            detail: "the role is in partition \(parts[1]), which has no global STS endpoint (sts.amazonaws.com); set "
                + "'region = ...' in the profile or AWS_REGION to a region of \(parts[1])")
    }

    /// The endpoint botocore sends to when nothing overrides it.
    private static func standard(region: String?, settings: EndpointSettings) throws(STSError) -> String {
        let mode = settings.stsRegionalEndpoints ?? "regional"
        guard mode == "regional" || mode == "legacy" else {
            throw STSError(
                .invalidEndpoint, roleARN: nil,
                detail: "sts_regional_endpoints (or AWS_STS_REGIONAL_ENDPOINTS) is '\(mode)'; use regional or legacy")
        }
        guard let region, region != "aws-global" else { return global }
        if mode == "legacy", settings.variant == .standard, legacyGlobalRegions.contains(region) { return global }
        do {
            return "https://" + (try AWSEndpoint.host(hosts, region: region, variant: settings.variant))
        } catch {
            throw STSError(.invalidEndpoint, roleARN: nil, detail: error.description)
        }
    }
}
