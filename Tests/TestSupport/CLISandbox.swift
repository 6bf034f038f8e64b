import Foundation

/// A temporary HOME for running the built `ecr-sessions` binary as a user would: its own AWS files, docker
/// config and cache, and an environment that holds nothing from the test runner's AWS or docker settings.
public struct CLISandbox: Sendable {
    public let home: TemporaryDirectory
    public var environment: [String: String]

    public init(_ extra: [String: String] = [:]) throws {
        home = try TemporaryDirectory("ecr-sessions-home")
        environment = [
            "HOME": home.path,
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
        ].merging(extra) { $1 }
    }

    /// The built `ecr-sessions` executable beside the test bundle.
    public static var executable: String {
        productsDirectory.appendingPathComponent("ecr-sessions").path
    }

    /// Runs `ecr-sessions` with `arguments` in this sandbox.
    public func run(_ arguments: String..., input: String? = nil) throws -> ProcessResult {
        try TestSupport.run(
            Self.executable, arguments, environment: environment, input: input, currentDirectory: home.path)
    }

    /// Writes a file relative to HOME, returning its full path.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        try home.write(relative, text)
    }

    public func read(_ relative: String) throws -> String {
        try String(contentsOf: home.url(relative), encoding: .utf8)
    }

    public var dockerConfigPath: String { home.url(".docker/config.json").path }

    public func remove() { home.remove() }
}
