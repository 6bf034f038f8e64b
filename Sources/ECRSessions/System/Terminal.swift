import Foundation

/// Whether output goes to a person: the one OS question colour and progress depend on.
public enum Terminal {
    /// True when standard output is a terminal (not a pipe, a file or journald).
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
}
