/// Why ecr-sessions' own config file cannot be used.
///
/// Each description names the file and line, says what is wrong and lists what is allowed there. The file holds no
/// secrets, so quoting a value back is safe.
public enum ConfigurationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file that `--config` or `ECR_SESSIONS_CONFIG` (`namedBy`) names does not exist.
    case fileNotFound(path: String, namedBy: String)
    /// The file exists but could not be read.
    case unreadableFile(path: String, reason: String)
    /// A line is not valid INI.
    case syntax(INISyntaxError)
    /// A header other than `[settings]`, `[account NAME]` and `[registry NAME]`.
    case unknownSection(header: String, location: SourceLocation)
    /// `[account]` without a name, or with one that could not be typed as a command-line argument.
    case invalidAccountName(name: String, location: SourceLocation)
    /// The same `[settings]` or `[account NAME]` written twice.
    case duplicateSection(header: String, first: SourceLocation, second: SourceLocation)
    /// A key that the section does not know.
    case unknownKey(key: String, section: String, allowed: [String], location: SourceLocation)
    /// A known key with a value it cannot take; `value` is the offending item of a list.
    case invalidValue(key: String, value: String, section: String, expected: String, location: SourceLocation)
    /// A `[registry]` with neither `registry_ids` nor `hosts`: it would cover nothing.
    case emptyRegistryMapping(name: String, location: SourceLocation)
    /// `regions` or `registry_ids` in an account with `public = true`.
    case notAllowedWithPublic(key: String, account: String, location: SourceLocation)

    public var description: String {
        switch self {
        case .fileNotFound(let path, let namedBy):
            return "\(path) does not exist (named by \(namedBy)); create it, or fix or remove \(namedBy) to use "
                + "the default location."
        case .unreadableFile(let path, let reason):
            return "\(path) could not be read (\(reason)); check that it is a file you may read."
        case .syntax(let error):
            return error.description
        case .unknownSection(let header, let location):
            return "\(location): unknown section \(header); allowed: [settings], [account NAME], [registry NAME]."
        case .invalidAccountName(let name, let location):
            if name.isEmpty { return "\(location): [account] needs a name, as in [account prod]." }
            return "\(location): account name '\(name)' may only contain letters, digits and -/.%@_:+."
        case .duplicateSection(let header, let first, let second):
            return "\(second): \(header) is defined twice, first at line \(first.line); merge the two or rename one."
        case .unknownKey(let key, let section, let allowed, let location):
            return "\(location): unknown key '\(key)' in \(section); allowed: \(allowed.joined(separator: ", "))."
        case .invalidValue(let key, let value, let section, let expected, let location):
            let shown = value.split(whereSeparator: \.isNewline).joined(separator: " ")
            return "\(location): invalid \(key) '\(shown)' in \(section); expected \(expected)."
        case .emptyRegistryMapping(let name, let location):
            return "\(location): [registry \(name)] covers no registry; add 'registry_ids = 111122223333' or "
                + "'hosts = *.dkr.ecr.eu-west-1.amazonaws.com'."
        case .notAllowedWithPublic(let key, let account, let location):
            let why =
                key == "regions"
                ? "ECR Public is always signed in us-east-1" : "ECR Public has one registry, public.ecr.aws"
            return "\(location): \(key) cannot be used with public = true in [account \(account)]: \(why); "
                + "remove \(key), or make a separate account for private registries."
        }
    }
}
