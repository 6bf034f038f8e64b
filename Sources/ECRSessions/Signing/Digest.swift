internal import CCrypto
import Foundation

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto: the only two primitives SigV4 needs.
///
/// This is the one file that imports `CCrypto`; everything else works with byte arrays.
enum Digest {
    /// The SHA-256 hash of `bytes` (32 bytes).
    static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let status = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { output in
                ecr_sha256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        // libcrypto only fails here when it cannot allocate; there is nothing sensible to sign with then.
        precondition(status == 1, "libcrypto SHA-256 failed")
        return digest
    }

    /// The HMAC-SHA256 of `bytes` under `key` (32 bytes).
    static func hmacSHA256(key: some ContiguousBytes, _ bytes: some ContiguousBytes) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        let status = key.withUnsafeBytes { key in
            bytes.withUnsafeBytes { input in
                mac.withUnsafeMutableBufferPointer { output in
                    ecr_hmac_sha256(key.baseAddress, key.count, input.baseAddress, input.count, output.baseAddress)
                }
            }
        }
        precondition(status == 1, "libcrypto HMAC-SHA256 failed")
        return mac
    }
}

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal, two digits a byte, as SigV4 writes hashes and signatures.
    var lowercaseHex: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
