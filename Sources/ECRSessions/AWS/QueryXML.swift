import Foundation

/// Just enough XML to read the AWS Query protocol's answers: the text of a named element, looked up inside another.
///
/// Those answers are small, flat and machine-written: no namespace prefixes, no repeated names that matter, no
/// mixed content. So a scanner does, and it keeps libxml2 out of the process. It decodes the five predefined
/// entities, numeric character references and CDATA sections, which a secret key or session token may need.
struct QueryXML {
    let text: Substring

    init(_ data: Data) {
        text = Substring(String(decoding: data, as: UTF8.self))
    }

    private init(_ text: Substring) {
        self.text = text
    }

    /// The first element named `name`, at any depth, for looking further inside it.
    func element(_ name: String) -> QueryXML? {
        content(of: name).map(QueryXML.init)
    }

    /// The decoded text of the first element named `name`, at any depth, or nil when there is none.
    func value(_ name: String) -> String? {
        content(of: name).map(Self.decoded)
    }

    /// What lies between `<name ...>` and `</name>`; empty for `<name/>`.
    private func content(of name: String) -> Substring? {
        var searchFrom = text.startIndex
        while let open = text.range(of: "<\(name)", range: searchFrom..<text.endIndex) {
            searchFrom = open.upperBound
            // `<Arn>` must not match `<ArnSuffix>`: the name ends at `>`, `/` or whitespace.
            guard let next = text[open.upperBound...].first, next == ">" || next == "/" || next.isWhitespace,
                let tagEnd = text[open.upperBound...].firstIndex(of: ">")
            else { continue }
            if text[text.index(before: tagEnd)] == "/" { return text[tagEnd..<tagEnd] }
            let start = text.index(after: tagEnd)
            guard let close = text.range(of: "</\(name)>", range: start..<text.endIndex) else { return nil }
            return text[start..<close.lowerBound]
        }
        return nil
    }

    /// Element text with CDATA sections unwrapped and entities and character references decoded.
    static func decoded(_ raw: Substring) -> String {
        var result = ""
        var rest = raw
        while !rest.isEmpty {
            if rest.hasPrefix("<![CDATA["), let end = rest.range(of: "]]>") {
                result += rest[rest.index(rest.startIndex, offsetBy: 9)..<end.lowerBound]
                rest = rest[end.upperBound...]
            } else if rest.first == "&", let semicolon = rest.prefix(12).firstIndex(of: ";"),
                let character = entity(rest[rest.index(after: rest.startIndex)..<semicolon])
            {
                result.append(character)
                rest = rest[rest.index(after: semicolon)...]
            } else {
                result.append(rest.removeFirst())
            }
        }
        return result.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func entity(_ name: Substring) -> Character? {
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard name.hasPrefix("#") else { return nil }
            let digits = name.dropFirst()
            let number =
                digits.first == "x" || digits.first == "X" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
            return number.flatMap(Unicode.Scalar.init).map(Character.init)
        }
    }
}
