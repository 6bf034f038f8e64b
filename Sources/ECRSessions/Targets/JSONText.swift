import Foundation

/// Writing the JSON of registry config files and status, and the syntax error both parsers report.
///
/// Registry config files are parsed by `JSONValue`, which keeps what JSONSerialization would lose; writing is our own
/// so the output looks like docker's (tab indent, `"key": value`, sorted keys, `{}` for an empty map) rather than
/// Foundation's two-space layout.
enum JSONText {
    /// Where the parser gave up, as 1-based line and column; nil parts when it did not say.
    struct SyntaxError: Error {
        var line: Int?
        var column: Int?
        /// The text nests arrays and objects deeper than `JSONValue.maximumDepth`.
        var tooDeep = false

        init(line: Int? = nil, column: Int? = nil) {
            self.line = line
            self.column = column
        }

        /// The line and column of byte `offset` of `bytes`.
        init(offset: Int, in bytes: some Collection<UInt8>) {
            let before = bytes.prefix(offset)
            var line = 1
            var column = 1
            for byte in before {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            }
            self.init(line: line, column: column)
        }
    }

    /// The value (an object or an array, as JSONSerialization models them) as text: keys sorted, indented with
    /// tabs, ending in a newline.
    static func render(_ value: Any) -> String {
        // Built as UTF-8 bytes and made a String once: `status --json` renders thousands of strings.
        var text: [UInt8] = []
        text.reserveCapacity(1024)
        write(value, depth: 0, to: &text)
        text.append(UInt8(ascii: "\n"))
        return String(decoding: text, as: UTF8.self)
    }

    private static func write(_ value: Any, depth: Int, to text: inout [UInt8]) {
        // Strings first: they are most of the values. Null is told by its type, not `is NSNull`, which bridges a
        // whole array or dictionary to Foundation's classes only to find it is not one.
        switch value {
        case let string as String:
            appendQuoted(string, to: &text)
        case _ where type(of: value) is NSNull.Type:
            text += "null".utf8
        case let object as [String: Any]:
            guard !object.isEmpty else { return text += "{}".utf8 }
            text += "{\n".utf8
            for (index, (key, member)) in object.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { text += ",\n".utf8 }
                indent(depth + 1, to: &text)
                appendQuoted(key, to: &text)
                text += ": ".utf8
                write(member, depth: depth + 1, to: &text)
            }
            text.append(UInt8(ascii: "\n"))
            indent(depth, to: &text)
            text.append(UInt8(ascii: "}"))
        case let array as [Any]:
            guard !array.isEmpty else { return text += "[]".utf8 }
            text += "[\n".utf8
            for (index, element) in array.enumerated() {
                if index > 0 { text += ",\n".utf8 }
                indent(depth + 1, to: &text)
                write(element, depth: depth + 1, to: &text)
            }
            text.append(UInt8(ascii: "\n"))
            indent(depth, to: &text)
            text.append(UInt8(ascii: "]"))
        default:
            // Numbers and booleans, as JSONSerialization parsed them. Writing them back fails only for NaN and
            // infinity, which no JSON text can hold, so the fallback is never taken.
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])
            text += data ?? Data("null".utf8)
        }
    }

    private static func indent(_ depth: Int, to text: inout [UInt8]) {
        text.append(contentsOf: repeatElement(UInt8(ascii: "\t"), count: depth))
    }

    /// A JSON string literal. Slashes stay as they are (docker's Go encoder does not escape them either).
    static func quoted(_ string: String) -> String {
        var text: [UInt8] = []
        appendQuoted(string, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `string` as a JSON string literal, copying each run of bytes that needs no escape in one go.
    ///
    /// Only ASCII needs escaping (quotes, backslashes, control characters), and in UTF-8 no byte of another
    /// character is below 0x80, so working on bytes escapes exactly what working on characters would.
    static func appendQuoted(_ string: String, to text: inout [UInt8]) {
        var string = string
        text.append(UInt8(ascii: "\""))
        string.withUTF8 { bytes in
            var run = bytes.startIndex
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                text += bytes[run..<index]
                run = index + 1
                switch byte {
                case UInt8(ascii: "\""): text += #"\""#.utf8
                case UInt8(ascii: "\\"): text += #"\\"#.utf8
                case UInt8(ascii: "\n"): text += #"\n"#.utf8
                case UInt8(ascii: "\r"): text += #"\r"#.utf8
                case UInt8(ascii: "\t"): text += #"\t"#.utf8
                case 0x08: text += #"\b"#.utf8
                case 0x0C: text += #"\f"#.utf8
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    text += #"\u00"#.utf8
                    text += [hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
                }
            }
            text += bytes[run...]
        }
        text.append(UInt8(ascii: "\""))
    }
}
