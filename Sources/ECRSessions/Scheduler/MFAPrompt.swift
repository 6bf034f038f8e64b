import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Asks a person for the current code of an MFA device. Only an interactive `accounts login` has one to ask:
/// scheduled refresh and the daemon pass none, and a role with `mfa_serial` then fails with a clear error.
public protocol MFAPrompt: Sendable {
    /// The code the device `serial` shows now, to assume `roleARN` for `profile`.
    func code(serial: String, roleARN: String, profile: String) async throws -> String
}

/// Asks on the terminal: the question on standard error (standard output is for results), the answer on
/// standard input. Questions are asked one at a time, however many logins run at once.
public struct TerminalMFAPrompt: MFAPrompt {
    /// One question at a time, on a thread of its own: reading the answer blocks.
    private static let queue = DispatchQueue(label: "ecr-sessions.mfa-prompt")

    /// A prompt when standard input and standard error are both terminals, else nil: nobody could see the
    /// question or answer it, and waiting would hang.
    public static func ifInteractive() -> TerminalMFAPrompt? {
        Terminal.canAsk ? TerminalMFAPrompt() : nil
    }

    public func code(serial: String, roleARN: String, profile: String) async throws -> String {
        let answer = await withCheckedContinuation { continuation in
            Self.queue.async {
                FileHandle.standardError.write(
                    Data("MFA code for \(serial) (profile '\(profile)', role \(roleARN)): ".utf8))
                continuation.resume(returning: readLine(strippingNewline: true))
            }
        }
        let code = answer?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !code.isEmpty else { throw CredentialChainError.mfaCodeNotEntered(profile: profile, serial: serial) }
        return code
    }
}
