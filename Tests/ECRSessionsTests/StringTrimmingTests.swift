import Foundation
import Testing

@testable import ECRSessions

/// `trimmingWhitespace` trims ASCII on its bytes: it must trim exactly as Foundation does, ASCII or not.
@Suite struct StringTrimmingTests {
    @Test func asFoundationTrims() {
        let pieces = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "a", "https://", "/", ":"]
            + ["é", "\u{85}", "\u{A0}", "\u{2003}", "\u{1F}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let text = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement()! }.joined()
            #expect(text.trimmingWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines),
                "\(Array(text.unicodeScalars))")
        }
    }
}
