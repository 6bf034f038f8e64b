/// A request's signed headers as SigV4 canonicalises them, in UTF-8 bytes: every name lower-cased, every value
/// trimmed with its whitespace runs made one space, `host` from the URL when not given, sorted by name and, for one
/// name, by position.
///
/// Built once a signature, with no `String` a header: the canonical request and the `Authorization` header's
/// `SignedHeaders` are written from it.
struct CanonicalHeaders {
    /// One header: where its lower-cased name and its canonical value are in `bytes`.
    struct Field {
        var name: Range<Int>
        var value: Range<Int>
    }

    /// Every name and value, back to back.
    private(set) var bytes: [UInt8] = []
    /// Sorted by name, then by position.
    private(set) var fields: [Field] = []
    /// The names, each once, joined with `;`.
    private(set) var signedHeaders: [UInt8] = []

    init(_ request: HTTPRequest) {
        // In locals, assigned once at the end: the stored properties cost an access check on every append.
        var bytes: [UInt8] = []
        var fields: [Field] = []
        bytes.reserveCapacity(256)
        fields.reserveCapacity(request.headers.count + 1)
        var hasHost = false
        for header in request.headers {
            let start = bytes.count
            SigV4Signer.appendLowercased(header.name, to: &bytes)
            let name = start..<bytes.count
            let (unsigned, host) = bytes.withUnsafeBufferPointer { bytes in
                let name = UnsafeBufferPointer(rebasing: bytes[name])
                return (Self.isUnsigned(name), SigV4Signer.equal(name, "host"))
            }
            guard !unsigned else {
                bytes.removeSubrange(name)
                continue
            }
            hasHost = hasHost || host
            SigV4Signer.appendCanonicalHeaderValue(header.value, to: &bytes)
            fields.append(Field(name: name, value: name.upperBound..<bytes.count))
        }
        if !hasHost, let host = SigV4Signer.hostHeader(request.url) {
            let start = bytes.count
            bytes.appendUTF8("host")
            bytes.appendUTF8(host)
            fields.append(Field(name: start..<start + 4, value: start + 4..<bytes.count))
        }
        self.bytes = bytes
        self.fields = fields
        sortFields()
        signedHeaders.reserveCapacity(fields.count * 16)
        var first = true
        forEachName { name, _ in
            // By position, not by what is written so far: an empty name (a malformed header) is still one name.
            if !first { signedHeaders.append(UInt8(ascii: ";")) }
            first = false
            signedHeaders.append(contentsOf: bytes[name])
        }
    }

    /// Headers never signed: the one being computed, and ones that proxies and HTTP clients are known to rewrite
    /// or add on their own (botocore leaves out the same ones).
    private static func isUnsigned(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        SigV4Signer.equal(name, "authorization") || SigV4Signer.equal(name, "user-agent")
            || SigV4Signer.equal(name, "expect")
    }

    /// A stable insertion sort by name bytes: a request has a handful of headers, and equal names keep their order.
    private mutating func sortFields() {
        bytes.withUnsafeBufferPointer { bytes in
            func precedes(_ a: Field, _ b: Field) -> Bool {
                UnsafeBufferPointer(rebasing: bytes[a.name]).lexicographicallyPrecedes(
                    UnsafeBufferPointer(rebasing: bytes[b.name]))
            }
            for index in fields.indices.dropFirst() {
                let field = fields[index]
                var position = index
                while position > 0, precedes(field, fields[position - 1]) {
                    fields[position] = fields[position - 1]
                    position -= 1
                }
                fields[position] = field
            }
        }
    }

    /// Calls `body` with each name once, in order, and the run of fields of that name.
    func forEachName(_ body: (_ name: Range<Int>, _ fields: ArraySlice<Field>) -> Void) {
        var start = 0
        while start < fields.count {
            let name = bytes[fields[start].name]
            var end = start + 1
            while end < fields.count, bytes[fields[end].name].elementsEqual(name) { end += 1 }
            body(fields[start].name, fields[start..<end])
            start = end
        }
    }

    /// The values of `run`, joined with commas.
    func appendJoined(_ run: ArraySlice<Field>, to text: inout [UInt8]) {
        for (offset, field) in run.enumerated() {
            if offset > 0 { text.append(UInt8(ascii: ",")) }
            text.append(contentsOf: bytes[field.value])
        }
    }

    /// The canonical request's header lines: `name:value,value\n` a name.
    func appendLines(to text: inout [UInt8]) {
        forEachName { name, run in
            text.append(contentsOf: bytes[name])
            text.append(UInt8(ascii: ":"))
            appendJoined(run, to: &text)
            text.append(UInt8(ascii: "\n"))
        }
    }
}

extension SigV4Signer {
    /// Appends `name` lower-cased, in UTF-8: ASCII by bytes, in place, with no `String` made; anything else as
    /// `lowercased()` has it (so `K`, the Kelvin sign, still becomes `k`).
    static func appendLowercased(_ name: String, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.appendUTF8(name)
        let isASCII = bytes.withUnsafeMutableBufferPointer { bytes in
            var high: UInt8 = 0
            for index in start..<bytes.count {
                let byte = bytes[index]
                high |= byte
                if byte &- UInt8(ascii: "A") < 26 { bytes[index] = byte | 0x20 }
            }
            return high < 0x80
        }
        if !isASCII {
            bytes.removeSubrange(start...)
            bytes.appendUTF8(name.lowercased())
        }
    }

    /// `method` upper-cased, in UTF-8: ASCII by bytes, anything else as `uppercased()` has it.
    static func appendASCIIUppercased(_ method: String, to text: inout [UInt8]) {
        guard method.utf8.allSatisfy({ $0 < 0x80 }) else {
            text.appendUTF8(method.uppercased())
            return
        }
        for byte in method.utf8 {
            text.append((UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte & ~0x20 : byte)
        }
    }

    /// Whether `bytes` are `text`'s UTF-8, length first.
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        guard bytes.count == text.utf8CodeUnitCount else { return false }
        let start = text.utf8Start
        for index in bytes.indices where bytes[index] != start[index] { return false }
        return true
    }

    static func equal(_ bytes: [UInt8], _ text: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { equal($0, text) }
    }
}
