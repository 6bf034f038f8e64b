/// A 64-bit FNV-1a hash of bytes: a cheap, stable fingerprint for noticing that inputs changed, never a security
/// measure.
///
/// The renewal jitter draws from one (`stableFraction`). The target check remembers one (`TargetCheck`) instead of
/// the tokens it covered. SHA-256 would need libcrypto,
/// whose opening cost 9 M instructions of an idle `refresh` that signs nothing. A different input gives the same
/// fingerprint with a chance of 2⁻⁶⁴, and then only one check is skipped until the next change.
struct Fingerprint {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// Adds `text`'s UTF-8.
    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add($0) }
    }

    mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = value
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        value = hash
    }

    mutating func add(byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// `value` as 16 lowercase hexadecimal digits.
    var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
