import Foundation

/// A JSON value as a registry config file holds it, so that a read-modify-write changes only what it meant to.
///
/// JSONSerialization turns booleans into numbers, rewrites number text (`1.0` → `1`, `-0.0` → `0`) and refuses
/// nesting past 512 levels; here a number keeps its literal text, a boolean stays one, and nesting is limited only
/// by `maximumDepth`. Parsing and writing use an explicit stack instead of recursion, and take time linear in the
/// text. Objects are maps: they are written with sorted keys (docker's layout, `JSONText.render`'s), and two objects
/// with the same members are equal whatever their order in the file.
enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's literal text, exactly as the file wrote it.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting accepted, as Go's encoding/json (docker, podman) accepts: deeper text is refused with
    /// `JSONText.SyntaxError.tooDeep`, never a stack overflow.
    static let maximumDepth = 10_000

    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { members } else { nil }
    }

    var stringValue: String? {
        if case .string(let string) = self { string } else { nil }
    }

    /// Parses `data`; an empty or whitespace-only file counts as `{}` (docker treats it so, and editors leave such files).
    static func parse(_ data: Data) throws(JSONText.SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: [UInt8](data))
        return try parser.parseDocument()
    }

    /// The value as docker writes config files: tab indent, `"key": value`, sorted keys, `{}` and `[]` when empty,
    /// ending in a newline; byte for byte what `JSONText.render` writes for the same JSONSerialization value.
    var rendered: String {
        String(decoding: renderedBytes, as: UTF8.self)
    }

    /// `rendered` as UTF-8 bytes, for a caller that writes them to a file: the text is not copied into a String.
    var renderedBytes: [UInt8] {
        var text: [UInt8] = []
        text.reserveCapacity(1024)
        JSONValueWriter.writeNested(self, depth: 0, to: &text)
        text.append(UInt8(ascii: "\n"))
        return text
    }
}

/// Writes a `JSONValue`: by recursion down to `recursionLimit` levels, which is what registry files hold (a
/// thousand-host `auths` map costs a third of the explicit stack's steps), and without recursion below, where each
/// step is a piece of text, a member's start or a value still to write. Both write the same layout.
enum JSONValueWriter {
    /// The deepest level written by recursion; a value nested deeper goes to the explicit stack.
    static let recursionLimit = 64

    static func writeNested(_ value: JSONValue, depth: Int, to text: inout [UInt8]) {
        switch value {
        case .object(let members) where depth < recursionLimit:
            guard !members.isEmpty else { return append("{}", to: &text) }
            append("{\n", to: &text)
            if members.count == 1, let (key, member) = members.first {
                writeMember(key, member, depth: depth + 1, to: &text)
            } else {
                for (index, (key, member)) in JSONText.sortedByKey(members).enumerated() {
                    if index > 0 { append(",\n", to: &text) }
                    writeMember(key, member, depth: depth + 1, to: &text)
                }
            }
            text.append(UInt8(ascii: "\n"))
            indent(depth, to: &text)
            text.append(UInt8(ascii: "}"))
        case .array(let elements) where depth < recursionLimit:
            guard !elements.isEmpty else { return append("[]", to: &text) }
            append("[\n", to: &text)
            for (index, element) in elements.enumerated() {
                if index > 0 { append(",\n", to: &text) }
                indent(depth + 1, to: &text)
                writeNested(element, depth: depth + 1, to: &text)
            }
            text.append(UInt8(ascii: "\n"))
            indent(depth, to: &text)
            text.append(UInt8(ascii: "]"))
        case .object, .array:
            write(value, depth: depth, to: &text)
        case .null: append("null", to: &text)
        case .bool(let flag): append(flag ? "true" : "false", to: &text)
        case .number(let literal): text += literal.utf8
        case .string(let string): JSONText.appendQuoted(string, to: &text)
        }
    }

    private static func writeMember(_ key: String, _ value: JSONValue, depth: Int, to text: inout [UInt8]) {
        indent(depth, to: &text)
        JSONText.appendQuoted(key, to: &text)
        append(": ", to: &text)
        writeNested(value, depth: depth, to: &text)
    }

    /// Appends `piece` in one copy: `+=` of a literal's `utf8` goes through the generic sequence path.
    private static func append(_ piece: StaticString, to text: inout [UInt8]) {
        piece.withUTF8Buffer { text += $0 }
    }

    private enum Step {
        case value(JSONValue, depth: Int)
        case text(StaticString)
        /// The indent of an array element or object member, and the member's name.
        case member(key: String?, depth: Int)
        case close(UInt8, depth: Int)
    }

    /// Writes `root`, a value at nesting level `depth`, with an explicit stack.
    static func write(_ root: JSONValue, depth: Int = 0, to text: inout [UInt8]) {
        var steps: [Step] = [.value(root, depth: depth)]
        while let step = steps.popLast() {
            switch step {
            case .text(let piece):
                text.append(contentsOf: UnsafeBufferPointer(start: piece.utf8Start, count: piece.utf8CodeUnitCount))
            case .member(let key, let depth):
                indent(depth, to: &text)
                if let key {
                    JSONText.appendQuoted(key, to: &text)
                    text += ": ".utf8
                }
            case .close(let bracket, let depth):
                text.append(UInt8(ascii: "\n"))
                indent(depth, to: &text)
                text.append(bracket)
            case .value(let value, let depth):
                switch value {
                case .null: text += "null".utf8
                case .bool(let flag): text += (flag ? "true" : "false").utf8
                case .number(let literal): text += literal.utf8
                case .string(let string): JSONText.appendQuoted(string, to: &text)
                case .object(let members):
                    let sorted = members.sorted { $0.key < $1.key }.map { (key: Optional($0.key), value: $0.value) }
                    open(sorted, brackets: ("{", "}"), depth: depth, steps: &steps, text: &text)
                case .array(let elements):
                    let children = elements.map { (key: String?.none, value: $0) }
                    open(children, brackets: ("[", "]"), depth: depth, steps: &steps, text: &text)
                }
            }
        }
    }

    /// Writes a container's opening and schedules its children and its end, pushed in reverse so that they come
    /// off the stack in order; an empty one is written whole (`{}`, `[]`).
    private static func open(
        _ children: [(key: String?, value: JSONValue)], brackets: (open: Unicode.Scalar, close: Unicode.Scalar),
        depth: Int, steps: inout [Step], text: inout [UInt8]
    ) {
        text.append(UInt8(ascii: brackets.open))
        guard !children.isEmpty else { return text.append(UInt8(ascii: brackets.close)) }
        text.append(UInt8(ascii: "\n"))
        steps.append(.close(UInt8(ascii: brackets.close), depth: depth))
        for (index, child) in children.enumerated().reversed() {
            steps.append(.value(child.value, depth: depth + 1))
            steps.append(.member(key: child.key, depth: depth + 1))
            if index > 0 { steps.append(.text(",\n")) }
        }
    }

    private static func indent(_ depth: Int, to text: inout [UInt8]) {
        for _ in 0..<depth { text.append(UInt8(ascii: "\t")) }
    }
}

/// A strict JSON parser over bytes, with explicit stacks of the arrays and objects still open.
private struct JSONParser {
    let bytes: [UInt8]
    private var index = 0
    /// The open containers, innermost last: true for an array. Their contents so far are the last of `arrays` or
    /// of `objects` (and its pending member name the last of `keys`), changed in place so nothing is copied.
    private var openIsArray: [Bool] = []
    private var arrays: [[JSONValue]] = []
    private var objects: [[String: JSONValue]] = []
    private var keys: [String] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws(JSONText.SyntaxError) -> JSONValue {
        skipWhitespace()
        if index == bytes.count { return .object([:]) }
        var value: JSONValue
        parsing: while true {
            // A value starts here; an array or object that is not empty is opened and its first element awaited.
            skipWhitespace()
            guard index < bytes.count else { throw error() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                if try opensEmpty(closedBy: UInt8(ascii: "}")) {
                    value = .object([:])
                } else {
                    keys.append(try parseKey())
                    objects.append([:])
                    openIsArray.append(false)
                    continue parsing
                }
            case UInt8(ascii: "["):
                if try opensEmpty(closedBy: UInt8(ascii: "]")) {
                    value = .array([])
                } else {
                    arrays.append([])
                    openIsArray.append(true)
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                value = .number(try parseNumber())
            }
            // A value is complete: add it to the innermost open container, closing those that end here.
            while let isArray = openIsArray.last {
                skipWhitespace()
                guard index < bytes.count else { throw error() }
                let byte = bytes[index]
                index += 1
                if isArray {
                    arrays[arrays.count - 1].append(value)
                    if byte == UInt8(ascii: ",") { continue parsing }
                    guard byte == UInt8(ascii: "]") else { throw error(at: index - 1) }
                    value = .array(arrays.removeLast())
                } else {
                    // A repeated name: the last one wins, as in Go and Foundation.
                    objects[objects.count - 1][keys.removeLast()] = value
                    if byte == UInt8(ascii: ",") {
                        skipWhitespace()
                        keys.append(try parseKey())
                        continue parsing
                    }
                    guard byte == UInt8(ascii: "}") else { throw error(at: index - 1) }
                    value = .object(objects.removeLast())
                }
                openIsArray.removeLast()
            }
            skipWhitespace()
            guard index == bytes.count else { throw error() }
            return value
        }
    }

    // MARK: - Pieces

    /// Steps past an opening bracket, refusing one level too many; true when `close` follows at once (an empty
    /// array or object), which is stepped past too.
    private mutating func opensEmpty(closedBy close: UInt8) throws(JSONText.SyntaxError) -> Bool {
        guard openIsArray.count < JSONValue.maximumDepth else { throw tooDeep() }
        index += 1
        skipWhitespace()
        guard peek(close) else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func peek(_ byte: UInt8) -> Bool {
        index < bytes.count && bytes[index] == byte
    }

    /// A member's name and the colon after it.
    private mutating func parseKey() throws(JSONText.SyntaxError) -> String {
        guard peek(UInt8(ascii: "\"")) else { throw error() }
        let key = try parseString()
        skipWhitespace()
        guard peek(UInt8(ascii: ":")) else { throw error() }
        index += 1
        return key
    }

    private mutating func expectLiteral(_ literal: String) throws(JSONText.SyntaxError) {
        let start = index
        for byte in literal.utf8 {
            guard peek(byte) else { throw error(at: start) }
            index += 1
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, returned as its text.
    private mutating func parseNumber() throws(JSONText.SyntaxError) -> String {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
        } else {
            guard try digits() > 0 else { throw error() }
        }
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard try digits() > 0 else { throw error() }
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard try digits() > 0 else { throw error() }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func digits() throws(JSONText.SyntaxError) -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    /// A string literal starting at its opening quote; runs without escapes are copied at once, and a string with
    /// none (hosts, tokens: nearly every one in a registry file) is made from its bytes without a copy between.
    private mutating func parseString() throws(JSONText.SyntaxError) -> String {
        index += 1
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\""), let string = String(validating: bytes[start..<index], as: UTF8.self) {
                index += 1
                return string
            }
            guard byte >= 0x20, byte != UInt8(ascii: "\\"), byte != UInt8(ascii: "\"") else { break }
            index += 1
        }
        // An escape, a control character, the end of the text or bytes that are not UTF-8: read again the long way,
        // which says where it failed.
        index = start
        var result: [UInt8] = []
        var run = index
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                result += bytes[run..<index]
                index += 1
                guard let string = String(validating: result, as: UTF8.self) else { throw error(at: run) }
                return string
            case UInt8(ascii: "\\"):
                result += bytes[run..<index]
                index += 1
                guard index < bytes.count else { throw error() }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escape)
                case UInt8(ascii: "b"): result.append(0x08)
                case UInt8(ascii: "f"): result.append(0x0C)
                case UInt8(ascii: "n"): result.append(0x0A)
                case UInt8(ascii: "r"): result.append(0x0D)
                case UInt8(ascii: "t"): result.append(0x09)
                case UInt8(ascii: "u"): result += try parseUnicodeEscape()
                default: throw error(at: index - 1)
                }
                run = index
            case 0x00..<0x20:
                throw error()  // control characters must be escaped
            default:
                index += 1
            }
        }
        throw error()
    }

    /// The four hex digits after `\u` (and a low surrogate's `\uXXXX` after a high one), as UTF-8.
    private mutating func parseUnicodeEscape() throws(JSONText.SyntaxError) -> [UInt8] {
        var scalar = try hexQuad()
        if (0xD800..<0xDC00).contains(scalar) {
            guard peek(UInt8(ascii: "\\")), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                throw error()
            }
            index += 2
            let low = try hexQuad()
            guard (0xDC00..<0xE000).contains(low) else { throw error() }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let character = Unicode.Scalar(scalar) else { throw error() }
        return Array(String(Character(character)).utf8)
    }

    private mutating func hexQuad() throws(JSONText.SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { throw error() }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    // MARK: - Errors

    private func error(at offset: Int? = nil) -> JSONText.SyntaxError {
        JSONText.SyntaxError(offset: min(offset ?? index, bytes.count), in: bytes)
    }

    private func tooDeep() -> JSONText.SyntaxError {
        var failure = error()
        failure.tooDeep = true
        return failure
    }
}
