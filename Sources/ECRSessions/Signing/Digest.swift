internal import CCrypto
import Foundation

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto: the only two primitives SigV4 needs.
///
/// This is the one file that imports `CCrypto`; everything else works with byte arrays.
enum Digest {
    /// The SHA-256 hash of `bytes` (32 bytes).
    static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        let hashed = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBufferPointer { sha256(of: [input], into: $0) }
        }
        // libcrypto only fails here when it cannot allocate; there is nothing sensible to sign with then.
        precondition(hashed, "libcrypto SHA-256 failed")
        return digest
    }

    /// The HMAC-SHA256 of `bytes` under `key` (32 bytes), as RFC 2104 builds it from two hashes.
    ///
    /// Built here on `sha256(of:into:)` rather than with libcrypto's one-shot `HMAC()`, which looks up both the MAC
    /// and the digest algorithm on every call: that lookup cost more than the hashing of a SigV4 string to sign.
    static func hmacSHA256(key: some ContiguousBytes, _ bytes: some ContiguousBytes) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 64)
        var hashed = key.withUnsafeBytes { key in
            guard key.count > 64 else {
                block.withUnsafeMutableBytes { $0.copyMemory(from: key) }
                return true
            }
            return block.withUnsafeMutableBufferPointer {
                sha256(of: [key], into: UnsafeMutableBufferPointer(rebasing: $0[..<32]))
            }
        }
        let inner = block.map { $0 ^ 0x36 }
        let outer = block.map { $0 ^ 0x5c }
        var innerHash = [UInt8](repeating: 0, count: 32)
        var mac = [UInt8](repeating: 0, count: 32)
        hashed =
            hashed
            && inner.withUnsafeBytes { pad in
                bytes.withUnsafeBytes { input in
                    innerHash.withUnsafeMutableBufferPointer { sha256(of: [pad, input], into: $0) }
                }
            }
            && outer.withUnsafeBytes { pad in
                innerHash.withUnsafeBytes { input in
                    mac.withUnsafeMutableBufferPointer { sha256(of: [pad, input], into: $0) }
                }
            }
        precondition(hashed, "libcrypto HMAC-SHA256 failed")
        return mac
    }

    /// libcrypto's SHA-256 implementation, looked up once for the process; fetched algorithms are immutable and
    /// safe to share between threads.
    private nonisolated(unsafe) static let sha256Algorithm = EVP_MD_fetch(nil, "SHA256", nil)

    /// Hashes `parts` one after the other into `digest` (32 bytes); false when libcrypto fails.
    private static func sha256(of parts: [UnsafeRawBufferPointer], into digest: UnsafeMutableBufferPointer<UInt8>)
        -> Bool
    {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex2(context, sha256Algorithm, nil) == 1 else { return false }
        for part in parts where !part.isEmpty {
            guard EVP_DigestUpdate(context, part.baseAddress, part.count) == 1 else { return false }
        }
        return EVP_DigestFinal_ex(context, digest.baseAddress, nil) == 1
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
