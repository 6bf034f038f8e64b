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
    ///
    /// Read on the bytes: the credential helper asks for every host docker names, and a sweep checks every token's
    /// registry twice, where splitting the `String` into `Character` labels cost 40 k instructions a call.
    public init?(_ host: String) {
        // Unicode lowercasing only for a name outside ASCII: it can fold a character into ASCII (the Kelvin sign).
        let name = host.utf8.allSatisfy { $0 < 0x80 } ? host.utf8.map(Self.lowercased) : Array(host.lowercased().utf8)
        if name.elementsEqual(Self.publicHost.utf8) {
            self = .publicRegistry
            return
        }
        let labels = name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 4, labels[0].count == 12,
            labels[0].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else {
            return nil
        }
        // `<account>.dkr.ecr[-fips].<region>.<suffix>` or `<account>.dkr-ecr[-fips].<region>.<suffix>`.
        let service = labels[1].elementsEqual("dkr".utf8) ? "dkr." + String(decoding: labels[2], as: UTF8.self)
            : String(decoding: labels[1], as: UTF8.self)
        let regionIndex = labels[1].elementsEqual("dkr".utf8) ? 3 : 2
        let region = String(decoding: labels[regionIndex], as: UTF8.self)
        guard Partition.isRegionName(region) else { return nil }
        // The labels after the region, dots and all: the slices keep their places in `name`.
        let suffix = regionIndex + 1 < labels.count ? name[labels[regionIndex + 1].startIndex...] : []
        let partition = Partition(region: region)
        func suffixIs(_ expected: String?) -> Bool { expected.map { suffix.elementsEqual($0.utf8) } ?? false }
        let variant: EndpointVariant
        switch service {
        case "dkr.ecr" where suffixIs(partition.dnsSuffix): variant = .standard
        case "dkr.ecr-fips" where suffixIs(partition.dnsSuffix): variant = EndpointVariant(fips: true)
        case "dkr-ecr" where suffixIs(partition.registryDualStackDNSSuffix): variant = EndpointVariant(dualStack: true)
        case "dkr-ecr-fips" where suffixIs(partition.registryDualStackDNSSuffix):
            variant = EndpointVariant(fips: true, dualStack: true)
        default: return nil
        }
        self.init(exactly: String(decoding: labels[0], as: UTF8.self), region: region, variant: variant)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
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
