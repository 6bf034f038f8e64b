/// Where a section or property was written, for messages such as "~/.aws/config line 7".
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as the user knows it, e.g. `~/.aws/config`.
    public var file: String
    /// One-based line number.
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file) line \(line)" }
}

/// One `name = value` line of an INI file, with the lines that continue it.
///
/// Its `description` hides the value of secret settings, so that printing parsed profiles cannot leak a key.
public struct INIProperty: Sendable, Equatable, CustomStringConvertible {
    /// The name, lower-cased: the AWS SDKs treat `Region` and `region` as the same setting.
    public var name: String
    /// The value; continuation lines are joined to it with `\n`, each trimmed.
    public var value: String
    /// Where the `name =` line is.
    public var location: SourceLocation

    public init(name: String, value: String, location: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
    }

    public var description: String {
        let secrets: Set = ["aws_secret_access_key", "aws_session_token", "aws_security_token"]
        return "\(name) = \(secrets.contains(name) ? "<redacted>" : value) (\(location))"
    }

    /// The `name = value` pairs of a nested block such as `ecr =\n  endpoint_url = ...`; empty for a plain value.
    public var subProperties: [String: String] {
        // Only a property written as `name =` with nothing after it opens a block.
        guard value.hasPrefix("\n") else { return [:] }
        var pairs: [String: String] = [:]
        for line in value.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingINIWhitespace().lowercased()
            guard !name.isEmpty else { continue }
            pairs[name] = line[line.index(after: equals)...].trimmingINIWhitespace()
        }
        return pairs
    }
}

/// A `[...]` block of an INI file and the properties under it.
public struct INISection: Sendable, Equatable {
    /// What is between the brackets, e.g. `profile prod`, split into a kind (`profile`) and a name (`prod`).
    public struct Header: Sendable, Hashable, CustomStringConvertible {
        /// The text between the brackets, trimmed.
        public var text: String
        /// The first word when a name follows it (`profile`, `sso-session`, `account`), else nil.
        public var kind: String?
        /// What follows the kind, trimmed; the whole text when there is no kind.
        public var name: String

        public init(text: String) {
            self.text = text
            if let gap = text.utf8.firstIndex(where: \.isINIWhitespace) {
                kind = String(text[..<gap])
                name = text[gap...].trimmingINIWhitespace()
            } else {
                kind = nil
                name = text
            }
        }

        public var description: String { "[\(text)]" }
    }

    public var header: Header
    /// Properties by lower-cased name; a name given twice keeps the last value, as the AWS SDKs do.
    public var properties: [String: INIProperty]
    /// Where the header is.
    public var location: SourceLocation

    public init(header: Header, properties: [String: INIProperty] = [:], location: SourceLocation) {
        self.header = header
        self.properties = properties
        self.location = location
    }

    /// The value of a property, by name in any case.
    public subscript(name: String) -> String? {
        properties[name.lowercased()]?.value
    }
}

/// How strict a file is and what error messages call its sections: AWS files call them profiles, ours sections.
public struct INIDialect: Sendable, Equatable {
    /// What one section is called, e.g. `profile`.
    public var sectionNoun: String
    /// A header the user could write, e.g. `[profile name]`.
    public var sectionExample: String
    /// Whether a property name with characters other than letters, digits and `-/.%@_:+` is an error. The AWS
    /// SDKs skip such a line silently; in our own file it is almost certainly a typo the user wants to hear about.
    public var rejectsInvalidPropertyNames: Bool

    public init(sectionNoun: String, sectionExample: String, rejectsInvalidPropertyNames: Bool) {
        self.sectionNoun = sectionNoun
        self.sectionExample = sectionExample
        self.rejectsInvalidPropertyNames = rejectsInvalidPropertyNames
    }

    /// `~/.aws/config`.
    public static let awsConfig = INIDialect(
        sectionNoun: "profile", sectionExample: "[profile name]", rejectsInvalidPropertyNames: false)
    /// `~/.aws/credentials`.
    public static let awsCredentials = INIDialect(
        sectionNoun: "profile", sectionExample: "[name]", rejectsInvalidPropertyNames: false)
    /// Any other file in the same dialect, such as ecr-sessions' own config file.
    public static let plain = INIDialect(
        sectionNoun: "section", sectionExample: "[name]", rejectsInvalidPropertyNames: true)
}

/// A file in the INI dialect of `~/.aws/config` and `~/.aws/credentials`, parsed the way the AWS SDKs parse it.
///
/// Sections stay in file order, and a header written twice gives two sections: merging is the caller's choice.
public struct INIFile: Sendable, Equatable {
    /// The file as named in error messages.
    public var path: String
    public var sections: [INISection]

    public init(path: String, sections: [INISection] = []) {
        self.path = path
        self.sections = sections
    }

    /// Parses `text`.
    ///
    /// - Parameters:
    ///   - path: the file as it should appear in error messages, e.g. `~/.aws/config`.
    ///   - dialect: the words error messages use for a section.
    ///   - includingSection: whether a section is wanted. The lines of an unwanted section are skipped without
    ///     being checked, as the AWS SDKs skip a profile whose name they do not accept.
    /// - Throws: `AWSConfigError.syntax` naming the file and line of the first line that is not valid.
    public init(
        parsing text: String,
        path: String,
        dialect: INIDialect = .plain,
        includingSection: (INISection.Header) -> Bool = { _ in true }
    ) throws(AWSConfigError) {
        // Byte by byte over the UTF-8: every character the dialect gives a meaning to is ASCII, and this runs for
        // every profile on every command. Strings are made only for the names and values kept.
        var parser = INIParser(path: path, dialect: dialect)
        let outcome =
            text.utf8.withContiguousStorageIfAvailable { parser.read($0, includingSection: includingSection) }
            ?? Array(text.utf8).withUnsafeBufferPointer { parser.read($0, includingSection: includingSection) }
        try outcome.get()
        self.init(path: path, sections: parser.finish())
    }
}

/// One line of the file, or part of one, as UTF-8 bytes of the text being parsed.
private typealias INIBytes = Slice<UnsafeBufferPointer<UInt8>>

/// The line-by-line state machine behind `INIFile(parsing:)`.
private struct INIParser {
    enum Position {
        /// Before the first header: a property here is an error.
        case beforeFirstSection
        /// Inside a section the caller does not want: its lines are skipped unchecked.
        case skippingSection
        case inSection(INISection)
    }

    /// What an indented line continues.
    enum Continuation {
        case none
        /// A property whose line was skipped (its name was not valid): its continuations are skipped too.
        case skippedProperty
        case property(name: String, takesSubProperties: Bool)
    }

    let path: String
    let dialect: INIDialect
    var position = Position.beforeFirstSection
    var continuation = Continuation.none
    var sections: [INISection] = []

    init(path: String, dialect: INIDialect) {
        self.path = path
        self.dialect = dialect
    }

    /// Reads every line of `text`, split at `\n` (a `\r` before it is whitespace, trimmed with the rest).
    mutating func read(
        _ text: UnsafeBufferPointer<UInt8>,
        includingSection: (INISection.Header) -> Bool
    ) -> Result<Void, AWSConfigError> {
        var number = 1
        var start = text.startIndex
        do throws(AWSConfigError) {
            while start <= text.endIndex {
                let end = text[start...].firstIndex(of: UInt8(ascii: "\n")) ?? text.endIndex
                try read(text[start..<end], number: number, includingSection: includingSection)
                start = end + 1
                number += 1
            }
        } catch {
            return .failure(error)
        }
        return .success(())
    }

    private mutating func read(
        _ line: INIBytes,
        number: Int,
        includingSection: (INISection.Header) -> Bool
    ) throws(AWSConfigError) {
        guard let first = line.first, !line.droppingINIWhitespace().isEmpty else { return }
        switch first {
        case UInt8(ascii: "#"), UInt8(ascii: ";"):
            return
        case UInt8(ascii: "["):
            try readHeader(line, number: number, includingSection: includingSection)
        case UInt8(ascii: " "), UInt8(ascii: "\t"):
            try readContinuation(line, number: number)
        default:
            try readProperty(line, number: number)
        }
    }

    mutating func finish() -> [INISection] {
        closeSection()
        return sections
    }

    private mutating func closeSection() {
        if case .inSection(let section) = position { sections.append(section) }
    }

    private mutating func readHeader(
        _ line: INIBytes,
        number: Int,
        includingSection: (INISection.Header) -> Bool
    ) throws(AWSConfigError) {
        // The header ends at the first `]` followed by nothing or a comment, which needs no space before it
        // (`[profile foo]; note`). A `#` or `;` before that is part of the name, as botocore reads `[profile a;b]`.
        var close = line.startIndex
        while true {
            guard let found = line[close...].firstIndex(of: UInt8(ascii: "]")) else {
                throw error(.unterminatedHeader, line: number)
            }
            let rest = line[(found + 1)...].droppingINIWhitespace()
            if rest.isEmpty || rest.first == UInt8(ascii: "#") || rest.first == UInt8(ascii: ";") {
                close = found
                break
            }
            close = found + 1
        }
        let text = line[(line.startIndex + 1)..<close].droppingINIWhitespace()
        let header = INISection.Header(text: text.string)
        closeSection()
        continuation = .none
        let location = SourceLocation(file: path, line: number)
        position =
            includingSection(header) ? .inSection(INISection(header: header, location: location)) : .skippingSection
    }

    private mutating func readProperty(_ line: INIBytes, number: Int) throws(AWSConfigError) {
        guard case .inSection(var section) = position else {
            if case .skippingSection = position { return }
            throw error(.propertyOutsideSection, line: number)
        }
        // In a value, `#` and `;` start a comment only after whitespace, so `key = a#b` keeps `a#b`.
        let text = line.removingINIValueComment().droppingINIWhitespace()
        guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else {
            throw error(.missingEquals, line: number)
        }
        let nameBytes = text[..<equals].droppingINIWhitespace()
        guard !nameBytes.isEmpty else { throw error(.missingPropertyName, line: number) }
        let name = nameBytes.lowercasedString
        guard name.isValidAWSIdentifier else {
            if dialect.rejectsInvalidPropertyNames { throw error(.invalidPropertyName, line: number) }
            continuation = .skippedProperty
            return
        }
        let value = text[(equals + 1)...].droppingINIWhitespace()
        // Let go of the copy in `position` first, so adding a property does not copy the whole section each line.
        position = .skippingSection
        section.properties[name] = INIProperty(
            name: name, value: value.string, location: SourceLocation(file: path, line: number))
        position = .inSection(section)
        continuation = .property(name: name, takesSubProperties: value.isEmpty)
    }

    private mutating func readContinuation(_ line: INIBytes, number: Int) throws(AWSConfigError) {
        guard case .inSection(var section) = position else {
            if case .skippingSection = position { return }
            throw error(.propertyOutsideSection, line: number)
        }
        let text = line.droppingINIWhitespace()
        switch continuation {
        case .none:
            throw error(.continuationWithoutProperty, line: number)
        case .skippedProperty:
            return
        case .property(let name, let takesSubProperties):
            if takesSubProperties {
                guard let equals = text.firstIndex(of: UInt8(ascii: "=")) else {
                    throw error(.missingSubPropertyEquals(property: name), line: number)
                }
                guard !text[..<equals].droppingINIWhitespace().isEmpty else {
                    throw error(.missingSubPropertyName(property: name), line: number)
                }
            }
            position = .skippingSection
            section.properties[name]?.value += "\n" + text.string
            position = .inSection(section)
        }
    }

    private func error(_ problem: INISyntaxError.Problem, line: Int) -> AWSConfigError {
        var section: String?
        if case .inSection(let current) = position { section = current.header.description }
        return .syntax(
            INISyntaxError(
                location: SourceLocation(file: path, line: line), problem: problem, section: section,
                dialect: dialect))
    }
}

extension UInt8 {
    /// Whitespace as the AWS SDKs trim it (Java's `trim()` and friends): space, tab, line ends, vertical tab and
    /// form feed.
    fileprivate var isINIWhitespace: Bool {
        self == UInt8(ascii: " ") || (0x09...0x0D).contains(self)
    }
}

extension INIBytes {
    /// These bytes without the INI whitespace at either end.
    fileprivate func droppingINIWhitespace() -> Self {
        guard let start = firstIndex(where: { !$0.isINIWhitespace }),
            let end = lastIndex(where: { !$0.isINIWhitespace })
        else { return self[endIndex...] }
        return self[start...end]
    }

    /// The line up to a `#` or `;` that follows a space or tab.
    ///
    /// Walked with an `Int`, not `indices`: `Slice.indices` here was left generic, and its first call had the runtime
    /// build its type's metadata from a mangled name, looking up conformances (0.5 M instructions, an eighth of a
    /// cached `get-login-password`).
    fileprivate func removingINIValueComment() -> Self {
        var previous: UInt8 = 0
        var index = startIndex
        while index < endIndex {
            let byte = self[index]
            if byte == UInt8(ascii: "#") || byte == UInt8(ascii: ";"),
                previous == UInt8(ascii: " ") || previous == UInt8(ascii: "\t")
            {
                return self[..<index]
            }
            previous = byte
            index += 1
        }
        return self
    }

    /// The text of these bytes; they were cut from valid UTF-8 at ASCII bytes, so they are valid UTF-8 too.
    fileprivate var string: String { String(decoding: self, as: UTF8.self) }

    /// The text lower-cased: byte by byte when it is ASCII (every valid name is), else by Unicode's rules.
    fileprivate var lowercasedString: String {
        guard allSatisfy({ $0 < 0x80 }) else { return string.lowercased() }
        return String(unsafeUninitializedCapacity: count) { buffer in
            for (offset, byte) in enumerated() {
                buffer[offset] = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte
            }
            return count
        }
    }
}

extension Character {
    /// Whitespace as the AWS SDKs trim it (Java's `trim()` and friends): spaces, tabs and line ends.
    var isINIWhitespace: Bool {
        self == " " || self == "\t" || self == "\r" || self == "\n" || self == "\r\n" || self == "\u{0B}"
            || self == "\u{0C}"
    }
}

extension StringProtocol where UTF8View: BidirectionalCollection {
    func trimmingINIWhitespace() -> String {
        guard let start = utf8.firstIndex(where: { !$0.isINIWhitespace }),
            let end = utf8.lastIndex(where: { !$0.isINIWhitespace })
        else { return "" }
        // Cut at ASCII bytes, so what is between is whole characters' UTF-8.
        return String(decoding: utf8[start...end], as: UTF8.self)
    }
}

extension StringProtocol {
    /// Whether this is a name the AWS SDKs accept for a profile or property: letters, digits and `-/.%@_:+`.
    var isValidAWSIdentifier: Bool { consistsOfAWSNameBytes(allowingCommentCharacters: false) }

    /// Whether the AWS CLI reads this as a profile name: an identifier that may also hold `#` and `;`, as botocore
    /// takes `[profile a;b]` for the profile `a;b` where the other SDKs skip it.
    var isValidAWSProfileName: Bool { consistsOfAWSNameBytes(allowingCommentCharacters: true) }

    private func consistsOfAWSNameBytes(allowingCommentCharacters: Bool) -> Bool {
        // Byte by byte: every allowed character is ASCII, and this runs for every line of every profile.
        !isEmpty
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                case UInt8(ascii: "#"), UInt8(ascii: ";"): allowingCommentCharacters
                default: "-/.%@_:+".utf8.contains(byte)
                }
            }
    }
}
