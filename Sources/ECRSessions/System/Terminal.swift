import Foundation

/// Whether output goes to a person: the one OS question colour and progress depend on.
public enum Terminal {
    /// True when standard output is a terminal (not a pipe, a file or journald).
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// True when a person can both see a question (standard error) and answer it (standard input).
    public static var canAsk: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDERR_FILENO) == 1 }
}
