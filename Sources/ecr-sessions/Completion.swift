import ArgumentParser
import ECRSessions

/// What the shells complete beyond argument-parser's own words: account and profile names, asked of this binary
/// (`ecr-sessions ---completion ...`) on each TAB. They read the config and AWS files only: no network, no cache,
/// nothing printed but the candidates.
enum ShellCompletion {
    /// Configured account names (the profiles, in zero-config), from the `--config` on the line if there is one.
    static let accountNames = CompletionKind.custom { words, _, prefix in
        let environment = Environment.current
        let names = Configuration.completionAccountNames(
            configPath: configOption(in: words).map { environment.expandingTilde($0) }, environment: environment)
        return names.filter { $0.hasPrefix(prefix) }
    }

    /// The profiles of the AWS config and credentials files.
    static let profileNames = CompletionKind.custom { _, _, prefix in
        Configuration.completionProfileNames(environment: .current).filter { $0.hasPrefix(prefix) }
    }

    /// The value of `--config FILE` or `--config=FILE` among the words typed so far, quotes removed.
    static func configOption(in words: [String]) -> String? {
        var value: String?
        for (index, word) in words.enumerated() {
            if word == "--config", index + 1 < words.count {
                value = words[index + 1]
            } else if word.hasPrefix("--config=") {
                value = String(word.dropFirst("--config=".count))
            }
        }
        return value.map { $0.trimmingCharacters(in: ["\"", "'"]) }
    }
}
