import Foundation
import Testing

@testable import ECRSessions

/// libcrypto is opened on the first hash: its digests are the ones the signer's tests check, and a system without
/// it gets a typed error naming what to install, before any request is signed.
@Suite struct StartupLibcryptoTests {
    @Test func theInstalledLibcryptoHashesLikeTheStandardVectors() throws {
        let library = try Libcrypto.load(candidates: Libcrypto.candidates).get()
        func hex(_ text: String, _ algorithm: OpaquePointer, length: Int) -> String {
            var digest = [UInt8](repeating: 0, count: length)
            let hashed = Array(text.utf8).withUnsafeBytes { input in
                digest.withUnsafeMutableBytes { library.hash(input, with: algorithm, into: $0) }
            }
            #expect(hashed)
            return digest.map { String(format: "%02x", $0) }.joined()
        }
        // FIPS 180-2's "abc" vectors.
        #expect(hex("abc", library.sha256, length: 32)
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abc", library.sha1, length: 20) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test func aMissingLibcryptoIsATypedErrorNamingTheLibraryAndThePackage() {
        let result = Libcrypto.load(candidates: ["libcrypto-not-installed.so.3"])
        guard case .failure(let error) = result else {
            Issue.record("a library that does not exist loaded")
            return
        }
        #expect(error.kind == .libraryMissing)
        #expect(error.detail.contains("libcrypto-not-installed.so.3"), "\(error.detail)")
        #expect(error.detail.contains("the libssl3 package"), "\(error.detail)")
    }

    @Test func aLibraryWithoutOpenSSL3sDigestsIsRefused() {
        #if os(Linux)
            let result = Libcrypto.load(candidates: ["libz.so.1"])
            guard case .failure(let error) = result else {
                Issue.record("libz passed for libcrypto")
                return
            }
            #expect(error.detail.contains("libz.so.1 lacks OpenSSL 3's digest functions"), "\(error.detail)")
        #endif
    }
}
