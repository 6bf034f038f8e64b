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
            if let gap = text.firstIndex(where: \.isINIWhitespace) {
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
        var parser = INIParser(path: path, dialect: dialect)
        for (offset, line) in text.iniLines().enumerated() {
            try parser.read(line, number: offset + 1, includingSection: includingSection)
        }
        self.init(path: path, sections: parser.finish())
    }
}

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

    mutating func read(
        _ line: Substring,
        number: Int,
        includingSection: (INISection.Header) -> Bool
    ) throws(AWSConfigError) {
        guard let first = line.first, !line.trimmingINIWhitespace().isEmpty else { return }
        switch first {
        case "#", ";":
            return
        case "[":
            try readHeader(line, number: number, includingSection: includingSection)
        case " ", "\t":
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
        _ line: Substring,
        number: Int,
        includingSection: (INISection.Header) -> Bool
    ) throws(AWSConfigError) {
        // A header's comment needs no space before it: `[profile foo]; note` is fine.
        let text = line.prefix { $0 != "#" && $0 != ";" }.trimmingINIWhitespace()
        guard text.hasSuffix("]") else { throw error(.unterminatedHeader, line: number) }
        let header = INISection.Header(text: text.dropFirst().dropLast().trimmingINIWhitespace())
        closeSection()
        continuation = .none
        let location = SourceLocation(file: path, line: number)
        position =
            includingSection(header) ? .inSection(INISection(header: header, location: location)) : .skippingSection
    }

    private mutating func readProperty(_ line: Substring, number: Int) throws(AWSConfigError) {
        guard case .inSection(var section) = position else {
            if case .skippingSection = position { return }
            throw error(.propertyOutsideSection, line: number)
        }
        // In a value, `#` and `;` start a comment only after whitespace, so `key = a#b` keeps `a#b`.
        let text = line.removingINIValueComment().trimmingINIWhitespace()
        guard let equals = text.firstIndex(of: "=") else {
            throw error(.missingEquals, line: number)
        }
        let name = text[..<equals].trimmingINIWhitespace().lowercased()
        let value = text[text.index(after: equals)...].trimmingINIWhitespace()
        guard !name.isEmpty else { throw error(.missingPropertyName, line: number) }
        guard name.isValidAWSIdentifier else {
            if dialect.rejectsInvalidPropertyNames { throw error(.invalidPropertyName, line: number) }
            continuation = .skippedProperty
            return
        }
        // Let go of the copy in `position` first, so adding a property does not copy the whole section each line.
        position = .skippingSection
        section.properties[name] = INIProperty(
            name: name, value: value, location: SourceLocation(file: path, line: number))
        position = .inSection(section)
        continuation = .property(name: name, takesSubProperties: value.isEmpty)
    }

    private mutating func readContinuation(_ line: Substring, number: Int) throws(AWSConfigError) {
        guard case .inSection(var section) = position else {
            if case .skippingSection = position { return }
            throw error(.propertyOutsideSection, line: number)
        }
        let text = line.trimmingINIWhitespace()
        switch continuation {
        case .none:
            throw error(.continuationWithoutProperty, line: number)
        case .skippedProperty:
            return
        case .property(let name, let takesSubProperties):
            if takesSubProperties {
                guard let equals = text.firstIndex(of: "=") else {
                    throw error(.missingSubPropertyEquals(property: name), line: number)
                }
                guard !text[..<equals].trimmingINIWhitespace().isEmpty else {
                    throw error(.missingSubPropertyName(property: name), line: number)
                }
            }
            section.properties[name]?.value += "\n" + text
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

extension Character {
    /// Whitespace as the AWS SDKs trim it (Java's `trim()` and friends): spaces, tabs and line ends.
    var isINIWhitespace: Bool {
        self == " " || self == "\t" || self == "\r" || self == "\n" || self == "\r\n" || self == "\u{0B}"
            || self == "\u{0C}"
    }
}

extension StringProtocol {
    func trimmingINIWhitespace() -> String {
        guard let start = firstIndex(where: { !$0.isINIWhitespace }),
            let end = lastIndex(where: { !$0.isINIWhitespace })
        else { return "" }
        return String(self[start...end])
    }

    /// Lines split at `\n` and `\r\n` only: other Unicode line breaks can be part of a value.
    func iniLines() -> [SubSequence] {
        split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
    }

    /// The line up to a `#` or `;` that follows a space or tab.
    func removingINIValueComment() -> SubSequence {
        var previous: Character?
        for index in indices {
            let character = self[index]
            if character == "#" || character == ";", let previous, previous == " " || previous == "\t" {
                return self[..<index]
            }
            previous = character
        }
        return self[...]
    }

    /// Whether this is a name the AWS SDKs accept for a profile or property: letters, digits and `-/.%@_:+`.
    var isValidAWSIdentifier: Bool {
        // Byte by byte: every allowed character is ASCII, and this runs for every line of every profile.
        !isEmpty
            && utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: "-/.%@_:+".utf8.contains(byte)
                }
            }
    }
}
