import Foundation

extension Terminal {
    /// True when standard error is a terminal: where a progress line can be redrawn in place.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
