import Foundation

extension String {
    /// The text without the whitespace and newlines around it, as `trimmingCharacters(in: .whitespacesAndNewlines)`
    /// gives it.
    ///
    /// ASCII text, such as the server URL docker writes to a credential helper, is trimmed on its bytes: Foundation's
    /// trimming goes through NSString, which was a fifth of a cached `credential-helper get`. Below 0x80,
    /// `.whitespacesAndNewlines` is exactly tab to carriage return, and space; anything else is left to Foundation.
    public var trimmingWhitespace: String {
        var text = self
        let ascii = text.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            let isSpace = { (byte: UInt8) in byte == 0x20 || (0x09...0x0D).contains(byte) }
            let start = bytes.firstIndex { !isSpace($0) } ?? bytes.endIndex
            let end = bytes.lastIndex { !isSpace($0) }.map { $0 + 1 } ?? start
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        return ascii ?? trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
