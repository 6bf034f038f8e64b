/// A registry host that is Amazon ECR's, read from and written as its name: the one place that says which hosts
/// are ECR (the credential helper and logout ask it), built from the same `Partition` table as the API endpoints.
///
/// Private registries are `<account>.dkr.ecr.<region>.<suffix>`, `<account>.dkr.ecr-fips.<region>.<suffix>` and,
/// where AWS documents them, dual-stack `<account>.dkr-ecr[-fips].<region>.on.aws`; ECR Public is `public.ecr.aws`.
public struct ECRRegistryHost: Sendable, Hashable, CustomStringConvertible {
    /// The registry's 12-digit account ID; nil for ECR Public.
    public var account: String?
    /// The region the registry is in; `ECREndpoint.publicRegion` for ECR Public.
    public var region: String
    public var variant: EndpointVariant

    /// ECR Public's one registry.
    public static let publicRegistry = ECRRegistryHost(
        exactly: nil, region: ECREndpoint.publicRegion, variant: .standard)
    static let publicHost = "public.ecr.aws"

    public var isPublic: Bool { account == nil }

    /// The registry of `account` in `region`. Dual-stack applies only where the partition has dual-stack
    /// registry hosts; elsewhere the registry keeps its IPv4 name (the API endpoint is chosen on its own).
    public init(account: String, region: String, variant: EndpointVariant = .standard) {
        let dualStack = variant.dualStack && Partition(region: region).registryDualStackDNSSuffix != nil
        self.init(
            exactly: account, region: region, variant: EndpointVariant(fips: variant.fips, dualStack: dualStack))
    }

    private init(exactly account: String?, region: String, variant: EndpointVariant) {
        self.account = account
        self.region = region
        self.variant = variant
    }

    /// The ECR registry `host` names (a bare host, as `RegistryHost.of` gives it, any case); nil when it is not
    /// an ECR host: another registry, a region outside its suffix's partition, an account that is not 12 digits.
    public init?(_ host: String) {
        let host = host.lowercased()
        if host == Self.publicHost {
            self = .publicRegistry
            return
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard labels.count >= 4, labels[0].count == 12, labels[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        let service: [String]
        let rest: ArraySlice<String>
        if labels[1] == "dkr" {
            service = ["dkr", labels[2]]
            rest = labels[3...]
        } else {
            service = [labels[1]]
            rest = labels[2...]
        }
        guard let region = rest.first, Partition.isRegionName(region) else { return nil }
        let suffix = rest.dropFirst().joined(separator: ".")
        let partition = Partition(region: region)
        let variant: EndpointVariant
        switch service {
        case ["dkr", "ecr"] where suffix == partition.dnsSuffix: variant = .standard
        case ["dkr", "ecr-fips"] where suffix == partition.dnsSuffix: variant = EndpointVariant(fips: true)
        case ["dkr-ecr"] where suffix == partition.registryDualStackDNSSuffix:
            variant = EndpointVariant(dualStack: true)
        case ["dkr-ecr-fips"] where suffix == partition.registryDualStackDNSSuffix:
            variant = EndpointVariant(fips: true, dualStack: true)
        default: return nil
        }
        self.init(exactly: labels[0], region: region, variant: variant)
    }

    /// The host name.
    public var description: String {
        guard let account else { return Self.publicHost }
        let partition = Partition(region: region)
        let fips = variant.fips ? "-fips" : ""
        if variant.dualStack, let suffix = partition.registryDualStackDNSSuffix {
            return "\(account).dkr-ecr\(fips).\(region).\(suffix)"
        }
        return "\(account).dkr.ecr\(fips).\(region).\(partition.dnsSuffix)"
    }
}
