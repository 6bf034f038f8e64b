/// An AWS partition: a group of regions that share a DNS suffix (and credentials, which do not cross partitions).
///
/// Every endpoint host name is made from these fields by `AWSEndpoint.host(_:region:variant:)`, so FIPS and
/// dual-stack endpoints come from the same table as the standard ones.
public struct Partition: Sendable, Equatable, CustomStringConvertible {
    /// The partition's name in ARNs and botocore's data: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ...
    public let id: String
    /// What every endpoint host in the partition ends with.
    public let dnsSuffix: String
    /// What dual-stack (IPv4 and IPv6) API hosts end with; nil where botocore sends no request to one (it refuses
    /// the variant), so asking for it is an error rather than a guessed host.
    public let dualStackDNSSuffix: String?
    /// What dual-stack registry hosts (`<account>.dkr-ecr.<region>.<suffix>`) end with, where AWS documents them.
    let registryDualStackDNSSuffix: String?
    /// What the names of the partition's regions start with; empty for `aws`, which takes every region no other
    /// partition claims, as botocore falls back to it.
    let regionPrefix: String

    public static let aws = Partition(
        id: "aws", dnsSuffix: "amazonaws.com", dualStack: "api.aws", registryDualStack: "on.aws", regionPrefix: "")
    public static let china = Partition(
        id: "aws-cn", dnsSuffix: "amazonaws.com.cn", dualStack: "api.amazonwebservices.com.cn",
        registryDualStack: nil, regionPrefix: "cn-")
    public static let govCloud = Partition(
        id: "aws-us-gov", dnsSuffix: "amazonaws.com", dualStack: "api.aws", registryDualStack: "on.aws",
        regionPrefix: "us-gov-")
    public static let iso = Partition(
        id: "aws-iso", dnsSuffix: "c2s.ic.gov", dualStack: "api.aws.ic.gov", registryDualStack: nil,
        regionPrefix: "us-iso-")
    public static let isoB = Partition(
        id: "aws-iso-b", dnsSuffix: "sc2s.sgov.gov", dualStack: "api.aws.scloud", registryDualStack: nil,
        regionPrefix: "us-isob-")
    public static let isoE = Partition(
        id: "aws-iso-e", dnsSuffix: "cloud.adc-e.uk", dualStack: nil, registryDualStack: nil, regionPrefix: "eu-isoe-")
    public static let isoF = Partition(
        id: "aws-iso-f", dnsSuffix: "csp.hci.ic.gov", dualStack: nil, registryDualStack: nil, regionPrefix: "us-isof-")

    /// Every partition, `aws` last because it is the fallback.
    public static let all: [Partition] = [china, govCloud, iso, isoB, isoE, isoF, aws]

    /// Whether `name` is shaped like an AWS region (`eu-west-1`, `us-gov-west-1`, `us-isob-east-1`): two lowercase
    /// letters, one or more `-letters` groups, and `-digits` at the end. Matched by hand on the bytes, not with a
    /// regex literal, which Swift parses anew each time it is evaluated (about 0.3 M instructions a call, paid by
    /// the credential helper for every host it is asked about).
    public static func isRegionName(_ name: String) -> Bool {
        let groups = Array(name.utf8).split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard groups.count >= 3, let first = groups.first, let last = groups.last else { return false }
        func all(_ group: ArraySlice<UInt8>, in range: ClosedRange<UInt8>) -> Bool {
            !group.isEmpty && group.allSatisfy(range.contains)
        }
        let letters = UInt8(ascii: "a")...UInt8(ascii: "z")
        return first.count == 2 && groups.dropLast().allSatisfy { all($0, in: letters) }
            && all(last, in: UInt8(ascii: "0")...UInt8(ascii: "9"))
    }

    /// The partition `region` belongs to.
    public init(region: String) {
        self = Self.all.first { region.hasPrefix($0.regionPrefix) } ?? .aws
    }

    private init(id: String, dnsSuffix: String, dualStack: String?, registryDualStack: String?, regionPrefix: String) {
        self.id = id
        self.dnsSuffix = dnsSuffix
        self.dualStackDNSSuffix = dualStack
        self.registryDualStackDNSSuffix = registryDualStack
        self.regionPrefix = regionPrefix
    }

    /// The standard host of `service` (the host's first labels, such as `api.ecr` or `sts`) in `region`:
    /// `<service>.<region>.<partition's DNS suffix>`.
    public static func endpointHost(_ service: String, region: String) -> String {
        "\(service).\(region).\(Partition(region: region).dnsSuffix)"
    }

    public var description: String { id }
}
