import Foundation

/// Telling an expired ECR login in a file apart from a login worth keeping.
///
/// A file may hold one of our own ECR tokens that no undo record knows of (the cache was lost or emptied): the next
/// login would then take it for the user's earlier entry and every logout would put it back. An ECR token for an ECR
/// host whose expiry has passed is never worth restoring, whoever wrote it, so it is never kept as a prior entry nor
/// put back at logout.
enum ExpiredECRToken {
    /// Whether `auth` (base64 of `AWS:<password>`) is an ECR token for `host` that expired before `now`. An ECR
    /// password is base64 of a JSON object whose `expiration` is in epoch seconds.
    static func matches(auth: String, host: String, now: Date) -> Bool {
        guard isECRHost(host), let expiry = expiration(ofAuth: auth) else { return false }
        return expiry <= now
    }

    /// The `expiration` inside an ECR token, or nil when `auth` is not one.
    static func expiration(ofAuth auth: String) -> Date? {
        guard let decoded = Data(base64Encoded: auth), decoded.starts(with: Data("AWS:".utf8)) else { return nil }
        let password = String(decoding: decoded.dropFirst(4), as: UTF8.self)
        guard let payload = Data(base64Encoded: padded(password)),
            let object = try? JSONSerialization.jsonObject(with: payload) as? [String: Any],
            let seconds = (object["expiration"] as? NSNumber)?.doubleValue
        else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// `<account>.dkr.ecr.<region>.amazonaws.com` and its FIPS, dual-stack and China forms, or `public.ecr.aws`,
    /// with or without a scheme.
    ///
    /// An ASCII host, which every registry host is, is read as bytes: Foundation's lowercasing, search and splitting
    /// cost 70 k instructions a host, and a login of a thousand accounts asks for each host already in a file.
    /// Anything else goes the Unicode way (`isECRHostAsText`), whose answers the ASCII one gives for ASCII hosts.
    static func isECRHost(_ host: String) -> Bool {
        guard host.utf8.allSatisfy({ $0 < 0x80 }) else { return isECRHostAsText(host) }
        let bytes = Array(host.utf8)
        // After the first "://" (a generic `firstRange(of:)` cost more than the whole check), up to the next "/".
        let (colon, slash) = (UInt8(ascii: ":"), UInt8(ascii: "/"))
        let scheme = bytes.indices.dropLast(2).first {
            bytes[$0] == colon && bytes[$0 + 1] == slash && bytes[$0 + 2] == slash
        }
        let start = scheme.map { $0 + 3 } ?? 0
        let name = bytes[start..<(bytes[start...].firstIndex(of: slash) ?? bytes.endIndex)].map {
            (0x41...0x5A).contains($0) ? $0 | 0x20 : $0
        }
        if name.elementsEqual("public.ecr.aws".utf8) { return true }
        let labels = name.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 5, labels[0].count == 12, labels[0].allSatisfy({ (0x30...0x39).contains($0) }) else {
            return false
        }
        return (labels[1].elementsEqual("dkr".utf8) && labels[2].starts(with: "ecr".utf8))
            || labels[1].starts(with: "dkr-ecr".utf8)
    }

    /// `isECRHost` on Unicode text: lowercased as Swift lowercases, labels counted in characters.
    static func isECRHostAsText(_ host: String) -> Bool {
        var name = host.lowercased()
        if let scheme = name.range(of: "://") { name = String(name[scheme.upperBound...]) }
        name = String(name.prefix { $0 != "/" })
        if name == "public.ecr.aws" { return true }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 5, labels[0].count == 12, labels[0].allSatisfy(\.isASCII),
            labels[0].allSatisfy(\.isNumber)
        else { return false }
        return (labels[1] == "dkr" && labels[2].hasPrefix("ecr")) || labels[1].hasPrefix("dkr-ecr")
    }

    private static func padded(_ base64: String) -> String {
        let remainder = base64.utf8.count % 4
        return remainder == 0 ? base64 : base64 + String(repeating: "=", count: 4 - remainder)
    }
}
