public import Foundation

/// Where the SSO portal (the `GetRoleCredentials` API) lives.
public enum SSOEndpoint {
    /// The portal in `ssoRegion` (the profile's `sso_region`). Overrides in the SDKs' order (see
    /// `AWSEndpoint.override`): `AWS_ENDPOINT_URL_SSO`, `AWS_ENDPOINT_URL`, the profile's `services` entry for sso,
    /// the profile's `endpoint_url`.
    public static func url(
        ssoRegion: String, environment: Environment, profileServiceEndpoint: String? = nil,
        profileEndpoint: String? = nil
    ) throws(SSOError) -> URL {
        let override = AWSEndpoint.override(
            variable: "AWS_ENDPOINT_URL_SSO", environment: environment, profileServiceEndpoint: profileServiceEndpoint,
            profileEndpoint: profileEndpoint)
        let text = override ?? "https://" + Partition.endpointHost("portal.sso", region: ssoRegion)
        guard let url = AWSEndpoint.httpURL(text) else {
            throw SSOError(
                .invalidEndpoint, profile: nil, detail: "'\(text)' is not an http(s) URL; fix the SSO endpoint setting")
        }
        return url
    }
}
