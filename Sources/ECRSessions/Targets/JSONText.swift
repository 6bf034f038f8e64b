import Foundation

/// Reading and writing the JSON of registry config files.
///
/// Parsing is JSONSerialization's; writing is our own so the output looks like docker's (tab indent,
/// `"key": value`, sorted keys, `{}` for an empty map) rather than Foundation's two-space layout.
enum JSONText {
    /// Where the parser gave up, as 1-based line and column; nil parts when it did not say.
    struct SyntaxError: Error {
        var line: Int?
        var column: Int?
    }

    /// Parses `data`; an empty or whitespace-only file counts as `{}` (docker treats it so, and editors leave such files).
    static func parse(_ data: Data) throws(SyntaxError) -> Any {
        if data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return [String: Any]() }
        do {
            return try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw syntaxError(from: error, in: data)
        }
    }

    /// Foundation reports a byte offset only in the error's debug text ("... around character 27."); turn it
    /// into a line and column a person can jump to. The text itself is not passed on, in case it ever quotes content.
    private static func syntaxError(from error: any Error, in data: Data) -> SyntaxError {
        let text = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
        let offset: Int
        if let match = text.firstMatch(of: /character (\d+)/), let number = Int(match.1) {
            offset = min(number, data.count)
        } else if text.localizedCaseInsensitiveContains("end of file") {
            offset = data.count
        } else {
            return SyntaxError()
        }
        let before = data.prefix(offset)
        let line = before.count(where: { $0 == 0x0A }) + 1
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? before.startIndex
        return SyntaxError(line: line, column: offset - (lineStart - data.startIndex) + 1)
    }

    /// The value (an object or an array, as JSONSerialization models them) as text: keys sorted, indented with
    /// tabs, ending in a newline.
    static func render(_ value: Any) -> String {
        var text = ""
        write(value, indent: "", to: &text)
        return text + "\n"
    }

    private static func write(_ value: Any, indent: String, to text: inout String) {
        let inner = indent + "\t"
        switch value {
        case let object as [String: Any]:
            guard !object.isEmpty else { return text += "{}" }
            text += "{\n"
            for (index, (key, member)) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                text += (index == 0 ? "" : ",\n") + inner + quoted(key) + ": "
                write(member, indent: inner, to: &text)
            }
            text += "\n" + indent + "}"
        case let array as [Any]:
            guard !array.isEmpty else { return text += "[]" }
            text += "[\n"
            for (index, element) in array.enumerated() {
                text += (index == 0 ? "" : ",\n") + inner
                write(element, indent: inner, to: &text)
            }
            text += "\n" + indent + "]"
        case let string as String:
            text += quoted(string)
        case is NSNull:
            text += "null"
        default:
            // Numbers, booleans and null, as JSONSerialization parsed them. Writing them back fails only for
            // NaN and infinity, which no JSON text can hold, so the fallback is never taken.
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            text += data.map { String(decoding: $0, as: UTF8.self) } ?? "null"
        }
    }

    /// A JSON string literal. Slashes stay as they are (docker's Go encoder does not escape them either).
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
