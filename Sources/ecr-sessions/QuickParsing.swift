import ArgumentParser

/// A command the entry point can read from its arguments without argument-parser, when they are only the plain
/// flags and options it knows.
///
/// These are the commands that run all day: `credential-helper get` on every docker pull, `get-login-password` in
/// scripts, `status` on every monitoring poll, `refresh` on every cron tick. argument-parser reflects a command's
/// properties before it parses, and each protocol lookup of that reflection scans all of the binary's conformance
/// records: about 11 M instructions a command, as much as all the rest of `credential-helper get` (BENCHMARKS.md).
/// Anything else (help, a typo, a repeated option, `-qv`, `--`) gets `nil` and is parsed by argument-parser from
/// the root, so its messages and exit statuses stay argument-parser's. `FrequentCommandParsingTests` checks that
/// both parse every plain form to the same command.
protocol QuickParsable: ParsableCommand {
    /// The long names of the command's own flags and options (`-q`, `-v` and their long names come with every one).
    static var quickFlags: Set<String> { get }
    static var quickOptions: Set<String> { get }

    /// The command `arguments` describe, or nil to leave them to argument-parser.
    init?(quick arguments: QuickArguments)

    /// Runs the command, called through this protocol's witness: the entry point needs no `as? any
    /// AsyncParsableCommand` for it, a cast whose first use scans every conformance record of the binary.
    mutating func runQuickParsed() async throws
}

/// A command's arguments as flags and options by long name, or nothing when any argument is not one of them.
struct QuickArguments {
    private var flags: Set<String> = []
    private var options: [String: String] = [:]

    /// `arguments` read as `--flag`, `-f` (a `shortFlags` alias), `--option value` and `--option=value`; nil when an
    /// argument is none of those, is repeated, or an option's value is missing, empty or starts with `-`.
    init?(_ arguments: ArraySlice<String>, flags: Set<String>, shortFlags: [String: String] = [:], options: Set<String>) {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            if let long = shortFlags[argument] {
                guard self.flags.insert(long).inserted else { return nil }
                continue
            }
            guard argument.hasPrefix("--") else { return nil }
            let name = argument.dropFirst(2)
            if flags.contains(String(name)) {
                guard self.flags.insert(String(name)).inserted else { return nil }
                continue
            }
            let option: String
            let value: String
            if let equals = name.firstIndex(of: "=") {
                option = String(name[..<equals])
                value = String(name[name.index(after: equals)...])
            } else {
                guard let next = remaining.popFirst() else { return nil }
                option = String(name)
                value = next
            }
            guard options.contains(option), !value.isEmpty, !value.hasPrefix("-"), self.options[option] == nil
            else { return nil }
            self.options[option] = value
        }
    }

    /// Whether `name` was given.
    func flag(_ name: String) -> Bool {
        flags.contains(name)
    }

    /// The value given to `name`, if any.
    func option(_ name: String) -> String? {
        options[name]
    }

    /// `-q`/`--quiet` and `-v`/`--verbose`; nil for both, which argument-parser refuses with its own message.
    func output() -> OutputOptions? {
        guard !(flag("quiet") && flag("verbose")) else { return nil }
        var output = OutputOptions()
        output.quiet = flag("quiet")
        output.verbose = flag("verbose")
        return output
    }

    /// Reads the arguments of the frequent command they start with.
    static func command(_ arguments: [String]) -> sending (any QuickParsable)? {
        guard let name = arguments.first else { return nil }
        let rest = arguments.dropFirst()
        switch name {
        case "status": return Root.Status.quickParsed(rest)
        case "refresh": return Root.Refresh.quickParsed(rest)
        case "get-login-password": return Root.GetLoginPassword.quickParsed(rest)
        case "credential-helper" where rest.first == "get": return Root.CredentialHelper.Get.quickParsed(rest.dropFirst())
        default: return nil
        }
    }
}

extension QuickParsable {
    /// The command for `arguments` (those after its name), or nil: see `QuickParsable`.
    /// Like argument-parser, it runs the command's `validate()`; a command that fails it is nil, for argument-parser
    /// to report.
    static func quickParsed(_ arguments: ArraySlice<String>) -> Self? {
        let names = QuickArguments(
            arguments, flags: quickFlags.union(["quiet", "verbose"]), shortFlags: ["-q": "quiet", "-v": "verbose"],
            options: quickOptions)
        guard let names, var command = Self(quick: names), (try? command.validate()) != nil else { return nil }
        return command
    }
}

extension QuickParsable {
    mutating func runQuickParsed() async throws {
        try run()
    }
}

extension QuickParsable where Self: AsyncParsableCommand {
    mutating func runQuickParsed() async throws {
        try await run()
    }
}

extension Root.Status: QuickParsable {
    static let quickFlags: Set<String> = ["json", "prometheus", "check"]
    static let quickOptions: Set<String> = ["within", "color"]

    init?(quick arguments: QuickArguments) {
        guard let output = arguments.output() else { return nil }
        var color = ColorChoice.auto
        if let value = arguments.option("color") {
            guard let chosen = ColorChoice(argument: value) else { return nil }
            color = chosen
        }
        self.init()
        self.json = arguments.flag("json")
        self.prometheus = arguments.flag("prometheus")
        self.check = arguments.flag("check")
        self.within = arguments.option("within")
        self.color = color
        self.output = output
    }
}

extension Root.Refresh: QuickParsable {
    static let quickFlags: Set<String> = ["force"]
    static let quickOptions: Set<String> = ["config"]

    init?(quick arguments: QuickArguments) {
        guard let output = arguments.output() else { return nil }
        var options = GlobalOptions()
        options.config = arguments.option("config")
        options.output = output
        self.init()
        self.force = arguments.flag("force")
        self.options = options
    }
}

extension Root.GetLoginPassword: QuickParsable {
    static let quickFlags: Set<String> = []
    static let quickOptions: Set<String> = ["profile", "region"]

    init?(quick arguments: QuickArguments) {
        guard let output = arguments.output() else { return nil }
        self.init()
        self.profile = arguments.option("profile")
        self.region = arguments.option("region")
        self.output = output
    }
}

extension Root.CredentialHelper.Get: QuickParsable {
    static let quickFlags: Set<String> = []
    static let quickOptions: Set<String> = []

    init?(quick arguments: QuickArguments) {
        guard let output = arguments.output() else { return nil }
        self.init()
        self.output = output
    }
}
