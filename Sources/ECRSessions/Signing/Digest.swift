import Foundation

/// SHA-256 and HMAC-SHA256 from OpenSSL's libcrypto (`Libcrypto`, opened on the first hash): the only two
/// primitives SigV4 needs. Everything else works with byte arrays.
enum Digest {
    /// The SHA-256 hash of `bytes` (32 bytes).
    static func sha256(_ bytes: some ContiguousBytes) -> [UInt8] {
        let context = DigestContext()
        return bytes.withUnsafeBytes { context.sha256($0) }
    }

    /// The HMAC-SHA256 of `bytes` under `key` (32 bytes), as RFC 2104 builds it from two hashes.
    static func hmacSHA256(key: some ContiguousBytes, _ bytes: some ContiguousBytes) -> [UInt8] {
        let context = DigestContext()
        var mac = [UInt8](repeating: 0, count: 32)
        key.withUnsafeBytes { key in
            bytes.withUnsafeBytes { bytes in
                mac.withUnsafeMutableBytes { context.hmacSHA256(key: key, bytes, into: $0) }
            }
        }
        return mac
    }
}

/// One libcrypto digest context, reused for every hash of a signature: allocating one costs more than hashing a
/// short string. Not shared between threads (it is not copyable, and each signature makes its own).
///
/// libcrypto only fails here when it cannot allocate; there is nothing sensible to sign with then, so failures trap.
struct DigestContext: ~Copyable {
    fileprivate let pointer: OpaquePointer
    fileprivate let crypto = Libcrypto.loaded

    init() {
        guard let pointer = crypto.newContext() else {
            preconditionFailure("libcrypto cannot allocate a digest context")
        }
        self.pointer = pointer
    }

    deinit { crypto.freeContext(pointer) }

    /// The SHA-256 of `bytes` (32 bytes).
    func sha256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { digest, count in
            start()
            update(bytes)
            finish(into: UnsafeMutableRawBufferPointer(digest))
            count = 32
        }
    }

    /// Writes the HMAC-SHA256 of `bytes` under `key` into `mac` (32 bytes), which may be `key` itself.
    func hmacSHA256(
        key: UnsafeRawBufferPointer, _ bytes: UnsafeRawBufferPointer, into mac: UnsafeMutableRawBufferPointer
    ) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64 + 32) { scratch in
            let block = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[..<64])
            let innerHash = UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(scratch)[64...])
            Self.keyBlock(key, into: block, context: self)
            xor(block, with: 0x36)
            start()
            update(UnsafeRawBufferPointer(block))
            update(bytes)
            finish(into: innerHash)
            xor(block, with: 0x36 ^ 0x5c)
            start()
            update(UnsafeRawBufferPointer(block))
            update(UnsafeRawBufferPointer(innerHash))
            finish(into: mac)
        }
    }

    /// `key` as RFC 2104's 64-byte block: itself zero-padded, or its hash when longer than a block.
    fileprivate static func keyBlock(
        _ key: UnsafeRawBufferPointer, into block: UnsafeMutableRawBufferPointer, context: borrowing DigestContext
    ) {
        block.initializeMemory(as: UInt8.self, repeating: 0)
        if key.count > 64 {
            context.start()
            context.update(key)
            context.finish(into: UnsafeMutableRawBufferPointer(rebasing: block[..<32]))
        } else {
            block.copyMemory(from: key)
        }
    }

    fileprivate func start() {
        precondition(crypto.initialize(pointer, crypto.sha256, nil) == 1, "libcrypto SHA-256 failed")
    }

    fileprivate func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        precondition(crypto.update(pointer, bytes.baseAddress, bytes.count) == 1, "libcrypto SHA-256 failed")
    }

    /// Writes the hash (32 bytes) to the start of `digest`.
    fileprivate func finish(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= 32)
        let done = crypto.finish(pointer, digest.baseAddress?.assumingMemoryBound(to: UInt8.self), nil)
        precondition(done == 1, "libcrypto SHA-256 failed")
    }
}

private func xor(_ block: UnsafeMutableRawBufferPointer, with pad: UInt8) {
    for index in block.indices { block[index] ^= pad }
}

/// An HMAC-SHA256 key with both of its padded blocks already hashed, so that a MAC under it costs two hashes of the
/// message's length rather than two more blocks besides: a SigV4 signing key signs many strings in a day.
///
/// Sendable although it holds two libcrypto contexts: they are written only in `init` and only ever read after
/// (`EVP_MD_CTX_copy_ex` reads its source), so threads may MAC under one key at once. Never printed.
final class HMACKey: @unchecked Sendable {
    private let inner: DigestContext
    private let outer: DigestContext

    /// Hashes `key`'s two padded blocks.
    init(_ key: some ContiguousBytes) {
        inner = DigestContext()
        outer = DigestContext()
        key.withUnsafeBytes { key in
            withUnsafeTemporaryAllocation(byteCount: 64, alignment: 1) { block in
                DigestContext.keyBlock(key, into: block, context: inner)
                xor(block, with: 0x36)
                inner.start()
                inner.update(UnsafeRawBufferPointer(block))
                xor(block, with: 0x36 ^ 0x5c)
                outer.start()
                outer.update(UnsafeRawBufferPointer(block))
                block.initializeMemory(as: UInt8.self, repeating: 0)
            }
        }
    }

    /// Writes the HMAC-SHA256 of `bytes` into `mac` (32 bytes), hashing in `context`.
    func authenticate(
        _ bytes: UnsafeRawBufferPointer, into mac: UnsafeMutableRawBufferPointer, context: borrowing DigestContext
    ) {
        precondition(context.crypto.copy(context.pointer, inner.pointer) == 1, "libcrypto SHA-256 failed")
        context.update(bytes)
        context.finish(into: mac)
        precondition(context.crypto.copy(context.pointer, outer.pointer) == 1, "libcrypto SHA-256 failed")
        context.update(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(mac)[..<32]))
        context.finish(into: mac)
    }
}

/// The sixteen lowercase hexadecimal digits, by value: a static string's bytes, read with no copy and no lock.
private let hexDigits: StaticString = "0123456789abcdef"

extension Sequence<UInt8> {
    /// The bytes as lowercase hexadecimal, two digits a byte, as SigV4 writes hashes and signatures.
    var lowercaseHex: String {
        var text: [UInt8] = []
        text.appendLowercaseHex(of: Array(self))
        return String(decoding: text, as: UTF8.self)
    }
}

extension [UInt8] {
    /// Appends `text`'s UTF-8 by one copy of its storage: appending its `utf8` view went through a generic copy that
    /// cost more than the bytes themselves for the short pieces a signature is made of.
    mutating func appendUTF8(_ text: String) {
        var text = text
        text.withUTF8 { append(contentsOf: $0) }
    }

    /// Appends `bytes` as lowercase hexadecimal, two digits a byte: written 64 digits at a time in a buffer on the
    /// stack and appended at once, since appending digit by digit checked the array every time.
    mutating func appendLowercaseHex(of bytes: some Collection<UInt8>) {
        let digits = hexDigits.utf8Start
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { text in
            var end = 0
            for byte in bytes {
                text[end] = digits[Int(byte >> 4)]
                text[end + 1] = digits[Int(byte & 0x0f)]
                end += 2
                if end == 64 {
                    append(contentsOf: text)
                    end = 0
                }
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: text[..<end]))
        }
    }
}
