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

    /// The members of `dictionary` in the order of their keys as `String`'s `<` sorts them (`sorted { $0.key <
    /// $1.key }`). Keys that are all ASCII (hosts, profiles, docker's keys) are sorted by their bytes, first by their
    /// first sixteen as two integers: for ASCII, whose normal form is itself, byte order is the same order, and a
    /// thousand hosts sort in a tenth of the time.
    static func sortedByKey<Value>(_ dictionary: [String: Value]) -> [(key: String, value: Value)] {
        let members = Array(dictionary)
        var order: [(high: UInt64, low: UInt64, index: Int)] = []
        order.reserveCapacity(members.count)
        for (index, member) in members.enumerated() {
            guard let (high, low) = asciiPrefix(member.key) else { return members.sorted { $0.key < $1.key } }
            order.append((high, low, index))
        }
        order.sort { a, b in
            if a.high != b.high { return a.high < b.high }
            if a.low != b.low { return a.low < b.low }
            return bytesPrecede(members[a.index].key, members[b.index].key)
        }
        return order.map { members[$0.index] }
    }

    /// The first sixteen bytes of `key` as two big-endian integers (zeros past its end), nil when it is not all
    /// ASCII. Equal prefixes leave the order to the whole keys' bytes. Read from the string's own buffer: a native
    /// string has one, and its `utf8` iterator costs tens of instructions a byte.
    private static func asciiPrefix(_ key: String) -> (UInt64, UInt64)? {
        var key = key
        return key.withUTF8 { bytes -> (UInt64, UInt64)? in
            var any: UInt8 = 0
            for byte in bytes { any |= byte }
            guard any < 0x80 else { return nil }
            var (high, low): (UInt64, UInt64) = (0, 0)
            for index in 0..<min(bytes.count, 8) { high |= UInt64(bytes[index]) << (56 - 8 * index) }
            for index in min(bytes.count, 8)..<min(bytes.count, 16) {
                low |= UInt64(bytes[index]) << (56 - 8 * (index - 8))
            }
            return (high, low)
        }
    }

    /// Whether `lhs`'s UTF-8 bytes sort before `rhs`'s.
    static func bytesPrecede(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// A JSON string literal. Slashes stay as they are (docker's Go encoder does not escape them either).
    static func quoted(_ string: String) -> String {
        var text: [UInt8] = []
        appendQuoted(string, to: &text)
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `strings` as a compact JSON array of string literals (`["a","b"]`): an `IN` list for `json_each`, a
    /// request body's list of IDs.
    static func appendArray(of strings: [String], to text: inout [UInt8]) {
        text.reserveCapacity(text.count + strings.count * 48 + 2)
        text.append(UInt8(ascii: "["))
        for (index, string) in strings.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            appendQuoted(string, to: &text)
        }
        text.append(UInt8(ascii: "]"))
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
                // Two bytes appended, not a literal's `utf8`, which goes through the generic sequence path: the
                // undo records' texts are JSON, with a quote to escape every few bytes.
                let escaped: UInt8? =
                    switch byte {
                    case UInt8(ascii: "\""): UInt8(ascii: "\"")
                    case UInt8(ascii: "\\"): UInt8(ascii: "\\")
                    case UInt8(ascii: "\n"): UInt8(ascii: "n")
                    case UInt8(ascii: "\r"): UInt8(ascii: "r")
                    case UInt8(ascii: "\t"): UInt8(ascii: "t")
                    case 0x08: UInt8(ascii: "b")
                    case 0x0C: UInt8(ascii: "f")
                    default: nil
                    }
                if let escaped {
                    text.append(UInt8(ascii: "\\"))
                    text.append(escaped)
                    continue
                }
                let hex = Array("0123456789abcdef".utf8)
                text += #"\u00"#.utf8
                text += [hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
            text += bytes[run...]
        }
        text.append(UInt8(ascii: "\""))
    }
}

/// Writes JSON in the layout of `JSONText.render` (tab indent, `"key": value`, one member a line) straight from typed
/// values, in one pass and as UTF-8 bytes: `status --json` writes thirteen members for each of thousands of
/// registries, and building a `[String: Any]` to walk with dynamic casts cost more than the rest of the command.
///
/// The caller gives each object's keys in sorted order, as `render` sorts them (checked in debug builds), and never
/// an empty object, which `render` writes as `{}`.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var depth = 0
    /// Whether the current object or array has a member yet, for the comma before the next.
    private var started = false
    #if DEBUG
        private var lastKeys: [String] = [""]
    #endif

    init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    /// The text, ending in a newline as `JSONText.render`'s does.
    mutating func finish() -> String {
        bytes.append(UInt8(ascii: "\n"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An object whose members `members` writes with `key` and a value each.
    mutating func object(_ members: (inout JSONWriter) -> Void) {
        literal("{\n")
        open()
        #if DEBUG
            lastKeys.append("")
        #endif
        members(&self)
        #if DEBUG
            lastKeys.removeLast()
        #endif
        close(UInt8(ascii: "}"))
    }

    /// An array of `elements`, each written by `element` as one value; `[]` when there are none.
    mutating func array<Elements: Collection>(
        _ elements: Elements, _ element: (inout JSONWriter, Elements.Element) -> Void
    ) {
        guard !elements.isEmpty else { return literal("[]") }
        literal("[\n")
        open()
        for item in elements {
            separate()
            element(&self, item)
        }
        close(UInt8(ascii: "]"))
    }

    /// The next member's key; a value must follow.
    mutating func key(_ key: StaticString) {
        #if DEBUG
            let name = key.description
            assert(lastKeys[lastKeys.count - 1] < name, "JSONWriter: key \(name) out of order")
            lastKeys[lastKeys.count - 1] = name
        #endif
        // The comma, the line break, the indent, the quoted key and the colon in one append: the five appends each
        // of thirteen keys a registry took were a third of `status --json`'s writing.
        let comma = started
        started = true
        key.withUTF8Buffer { name in
            let count = (comma ? 2 : 0) + depth + name.count + 4
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { buffer in
                var index = 0
                func put(_ byte: UInt8) {
                    buffer[index] = byte
                    index += 1
                }
                if comma {
                    put(UInt8(ascii: ","))
                    put(UInt8(ascii: "\n"))
                }
                for _ in 0..<depth { put(UInt8(ascii: "\t")) }
                put(UInt8(ascii: "\""))
                for byte in name { put(byte) }
                put(UInt8(ascii: "\""))
                put(UInt8(ascii: ":"))
                put(UInt8(ascii: " "))
                bytes.append(contentsOf: UnsafeBufferPointer(buffer))
            }
        }
    }

    mutating func string(_ text: String?) {
        guard let text else { return null() }
        JSONText.appendQuoted(text, to: &bytes)
    }

    mutating func null() {
        literal("null")
    }

    mutating func integer(_ number: Int) {
        bytes += String(number).utf8
    }

    /// A number as JSONSerialization writes a `Double`: its shortest description, without a trailing `.0`. Not
    /// finite (which no JSON can hold, and no duration is) writes null, as `JSONText.render` falls back to.
    mutating func number(_ number: Double?) {
        guard let number else { return null() }
        guard number.isFinite else { return null() }
        let text = number.description
        bytes += text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...]
    }

    /// `"2026-11-22T19:31:15Z"`, as `Date.utcTimestamp` writes it, or null.
    mutating func timestamp(_ date: Date?) {
        guard let date else { return null() }
        let time = UTCTime(date)
        bytes.append(UInt8(ascii: "\""))
        digits(time.year, 4)
        bytes.append(UInt8(ascii: "-"))
        digits(time.month, 2)
        bytes.append(UInt8(ascii: "-"))
        digits(time.day, 2)
        bytes.append(UInt8(ascii: "T"))
        digits(time.hour, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(time.minute, 2)
        bytes.append(UInt8(ascii: ":"))
        digits(time.second, 2)
        literal("Z\"")
    }

    /// `number` (0 to 9999, as `UTCTime` keeps its fields) in `count` digits, zero-padded.
    private mutating func digits(_ number: Int, _ count: Int) {
        var divisor = count == 4 ? 1000 : 10
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(number / divisor % 10))
            divisor /= 10
        }
    }

    private mutating func open() {
        depth += 1
        started = false
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(UInt8(ascii: "\n"))
        depth -= 1
        indent()
        bytes.append(bracket)
        started = true
    }

    private mutating func separate() {
        if started { literal(",\n") }
        started = true
        indent()
    }

    /// Appends `text` with one copy: `+=` of a string literal's `utf8` goes through the generic sequence path.
    private mutating func literal(_ text: StaticString) {
        text.withUTF8Buffer { bytes += $0 }
    }

    private mutating func indent() {
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "\t"), count: depth))
    }
}
