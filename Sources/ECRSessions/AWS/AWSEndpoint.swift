import Foundation

/// What every service's endpoint choice shares: the overrides, the variants, and the one place hosts are built.
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

    /// The host `service` answers on in `region` for `variant`, as botocore sends requests there.
    ///
    /// - Throws: `EndpointError` for a variant the region's partition has no host for (dual-stack in aws-iso-e
    ///   and aws-iso-f, where botocore refuses too): a clear error rather than a guessed host.
    static func host(_ service: ServiceHosts, region: String, variant: EndpointVariant) throws(EndpointError)
        -> String
    {
        let partition = Partition(region: region)
        if variant.dualStack {
            guard let suffix = partition.dualStackDNSSuffix else {
                throw EndpointError(
                    "\(service.name) has no dual-stack endpoint in \(region) (partition \(partition.id)); unset "
                        + "use_dualstack_endpoint / AWS_USE_DUALSTACK_ENDPOINT, or set an endpoint URL")
            }
            return "\(variant.fips ? service.fipsDualStack : service.dualStack).\(region).\(suffix)"
        }
        let label = variant.fips ? service.fipsInPartition[partition.id] ?? service.fips : service.standard
        return "\(label).\(region).\(partition.dnsSuffix)"
    }
}

/// The first labels of one service's hosts, per variant: `api.ecr`, `api.ecr-fips`, `ecr`, `ecr-fips` for ECR.
struct ServiceHosts: Sendable {
    /// The service as error messages name it.
    var name: String
    var standard: String
    var fips: String
    var dualStack: String
    var fipsDualStack: String
    /// Partitions whose FIPS host has other labels: STS in aws-us-gov is FIPS at its standard name.
    var fipsInPartition: [String: String] = [:]
}

/// Which endpoint variant requests go to: FIPS 140 validated, dual-stack (IPv4 and IPv6), both or neither.
public struct EndpointVariant: Sendable, Hashable, CustomStringConvertible {
    public var fips: Bool
    public var dualStack: Bool

    public init(fips: Bool = false, dualStack: Bool = false) {
        self.fips = fips
        self.dualStack = dualStack
    }

    public static let standard = EndpointVariant()

    public var description: String {
        switch (fips, dualStack) {
        case (false, false): "standard"
        case (true, false): "FIPS"
        case (false, true): "dual-stack"
        case (true, true): "FIPS dual-stack"
        }
    }
}

/// The endpoint settings of a profile and the environment, read as the SDKs read them: each variable wins over
/// its profile key (`AWS_USE_FIPS_ENDPOINT` over `use_fips_endpoint`, `AWS_USE_DUALSTACK_ENDPOINT` over
/// `use_dualstack_endpoint`, `AWS_STS_REGIONAL_ENDPOINTS` over `sts_regional_endpoints`).
public struct EndpointSettings: Sendable, Equatable {
    public var variant: EndpointVariant
    /// `sts_regional_endpoints` as written (`regional`, the default, or `legacy`); nil when unset. Checked where
    /// STS's endpoint is chosen, so a typo fails the calls that depend on it and names the value.
    public var stsRegionalEndpoints: String?

    public init(variant: EndpointVariant = .standard, stsRegionalEndpoints: String? = nil) {
        self.variant = variant
        self.stsRegionalEndpoints = stsRegionalEndpoints
    }

    /// The names of the profile keys, for the AWS files' readers.
    public static let profileKeys = ["use_fips_endpoint", "use_dualstack_endpoint", "sts_regional_endpoints"]

    /// The settings `environment` and the profile's keys (`profile(key)`, nil when unset) make.
    public init(environment: Environment, profile: (String) -> String? = { _ in nil }) {
        // botocore's ensure_boolean: "true" in any case is on, anything else is off.
        func flag(_ variable: String, _ key: String) -> Bool {
            (environment[variable] ?? profile(key))?.lowercased() == "true"
        }
        self.init(
            variant: EndpointVariant(
                fips: flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
                dualStack: flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")),
            stsRegionalEndpoints: environment["AWS_STS_REGIONAL_ENDPOINTS"] ?? profile("sts_regional_endpoints"))
    }
}

/// A service, region and variant that have no endpoint: what to change is in the text.
public struct EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
