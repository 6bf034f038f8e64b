import ArgumentParser
import ECRSessions
import Foundation

extension Root {
    /// docker's credential-helper protocol. docker runs `docker-credential-ecr-sessions <action>`, which is this
    /// binary under another name (see `install`); the replies go to stdout, as docker reads them.
    struct CredentialHelper: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "credential-helper",
            abstract: "Answer docker as its credential helper (docker-credential-ecr-sessions).",
            discussion: """
                docker runs `docker-credential-ecr-sessions get|store|erase|list` for the hosts that credHelpers \
                (or credsStore) give to ecr-sessions. `get` reads the server URL on stdin and prints \
                {"ServerURL", "Username", "Secret"}, from the cache while the token has more than 30 minutes left, \
                else fetching a new one (for an ECR host no account covers, with the profile a [registry] names). \
                `store` succeeds without effect (ecr-sessions fetches ECR tokens itself; \
                other registries log in with `ecr-sessions login`). `erase` logs a user/password registry out; ECR \
                registries stay logged in (use `ecr-sessions accounts logout`). Run `ecr-sessions credential-helper install` to put \
                docker-credential-ecr-sessions on PATH.
                """,
            subcommands: [Get.self, Store.self, Erase.self, List.self, Install.self])

        /// The name docker runs: `docker-credential-` and the `credHelpers` value.
        static let executableName = "docker-credential-\(RegistryAuthFile.credentialHelperName)"

        /// What docker (docker-credential-helpers' client) recognises as "no such credentials".
        static let notFound = "credentials not found in native keychain"

        /// Fails the way the protocol wants: the message on stdout, where docker reads it, and exit 1.
        static func fail(_ message: String) -> ExitCode {
            print(message)
            return ExitCode(1)
        }

        static func readStandardInput() -> String {
            String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }

        /// Standard input without the whitespace around it: the server URL docker writes, with a newline.
        static func readServerURL() -> String {
            readStandardInput().trimmingWhitespace
        }

        /// Runs one helper action; any error is answered the protocol's way (`fail`).
        static func answer<Answer>(_ body: (Actions.CredentialHelper) async throws -> Answer) async throws -> Answer {
            do {
                return try await body(Actions.CredentialHelper(ActionContext.live(cacheRecovered: printCacheRecovery)))
            } catch {
                throw fail("\(error)")
            }
        }
    }
}

extension Root.CredentialHelper {
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "get",
            abstract: "Print the credentials for the server URL read on stdin.")

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let serverURL = Root.CredentialHelper.readServerURL()
            let found = try await Root.CredentialHelper.answer { try await $0.get(serverURL) }
            guard let found else { throw Root.CredentialHelper.fail(Root.CredentialHelper.notFound) }
            print(found.json)
        }
    }

    struct Store: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Accept credentials from docker login, without effect (see credential-helper --help).")

        @OptionGroup var output: OutputOptions

        func run() throws {
            // Read what docker sends, so it never sees a closed pipe; ecr-sessions keeps its own logins.
            _ = Root.CredentialHelper.readStandardInput()
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Log out of the server URL read on stdin, if ecr-sessions manages it.")

        @OptionGroup var output: OutputOptions

        func run() async throws {
            let serverURL = Root.CredentialHelper.readServerURL()
            let report = try await Root.CredentialHelper.answer { try $0.erase(serverURL) }
            if let error = report.errors.first { throw Root.CredentialHelper.fail("\(error)") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Print every registry ecr-sessions answers for, as {server URL: user name}.")

        @OptionGroup var output: OutputOptions

        func run() async throws {
            print(HelperCredentials.json(try await Root.CredentialHelper.answer { try $0.list() }))
        }
    }

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install",
            abstract: "Link docker-credential-ecr-sessions to this binary, so docker can run it.")

        @Option(
            name: .long, help: ArgumentHelp("Where to put the link (default: ~/.local/bin).", valueName: "dir"),
            completion: .directory)
        var dir: String?

        @OptionGroup var output: OutputOptions

        func run() throws {
            let environment = Environment.current
            let directory = environment.expandingTilde(dir ?? "~/.local/bin")
            let link = CredentialHelperLink(directory: directory, name: Root.CredentialHelper.executableName)
            do {
                switch try link.install() {
                case .alreadyLinked:
                    print("\(link.path) already links to \(link.target); nothing changed.")
                case .linked:
                    print("Linked \(link.path) -> \(link.target).")
                case .replacedOld:
                    print("Replaced the old \(link.path).")
                    print("Linked \(link.path) -> \(link.target).")
                }
            } catch {
                printError("error: \(error)")
                throw ExitCode(1)
            }
            if !link.directoryIsOnPath(environment) {
                print(
                    "\(directory) is not on PATH: add it (export PATH=\"\(directory):$PATH\"), or docker cannot run "
                        + "\(Root.CredentialHelper.executableName).")
            }
        }
    }
}
