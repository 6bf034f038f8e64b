import Foundation

/// What every service's endpoint choice shares: the overrides and what makes an endpoint setting usable.
enum AWSEndpoint {
    /// The endpoint override for a service, in the SDKs' order (the same as `ResolvedProfile.endpointURL`): the
    /// service's own variable such as `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the profile's `services` entry
    /// for the service, the profile's `endpoint_url`.
    static func override(
        variable: String, environment: Environment, profileServiceEndpoint: String?, profileEndpoint: String?
    ) -> String? {
        environment[variable] ?? environment["AWS_ENDPOINT_URL"] ?? profileServiceEndpoint ?? profileEndpoint
    }

    /// `text` as a URL, when it is an http(s) URL with a host; nil otherwise, for the caller's own error.
    static func httpURL(_ text: String) -> URL? {
        guard let url = URL(string: text), let scheme = url.scheme, scheme == "https" || scheme == "http",
            url.host != nil
        else { return nil }
        return url
    }
}
