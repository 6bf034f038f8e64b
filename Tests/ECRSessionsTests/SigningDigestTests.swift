import Foundation
import Testing

@testable import ECRSessions

@Suite("Digest: SHA-256 and HMAC-SHA256 from libcrypto")
struct SigningDigestTests {
    // FIPS 180-2 examples.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        ),
    ])
    func sha256(input: String, hex: String) {
        #expect(Digest.sha256(Array(input.utf8)).lowercaseHex == hex)
        #expect(Digest.sha256(Data(input.utf8)).lowercaseHex == hex)
    }

    // RFC 4231 test cases 1, 2 and 6 (a key longer than the block size).
    @Test(arguments: [
        (
            [UInt8](repeating: 0x0b, count: 20), "Hi There",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        ),
        (
            Array("Jefe".utf8), "what do ya want for nothing?",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        ),
        (
            [UInt8](repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
    ])
    func hmacSHA256(key: [UInt8], message: String, hex: String) {
        #expect(Digest.hmacSHA256(key: key, Array(message.utf8)).lowercaseHex == hex)
    }

    @Test("empty key and empty message are fine")
    func hmacOfNothing() {
        // HMAC-SHA256("", "") as `openssl dgst -sha256 -hmac ''` gives it.
        #expect(
            Digest.hmacSHA256(key: [UInt8](), [UInt8]()).lowercaseHex
                == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"
        )
    }

    @Test func lowercaseHex() {
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff]).lowercaseHex == "000fa0ff")
        #expect([UInt8]().lowercaseHex == "")
    }
}
