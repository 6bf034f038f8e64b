import Foundation

/// The `ecr-sessions(1)` manual page that `install` puts in `<prefix>/share/man/man1/`.
///
/// The page is generated from the command tree by argument-parser's `generate-manual` plugin (`scripts/man`) and
/// committed as `man/ecr-sessions.1`; the binary does not carry it, so `install` finds it beside the binary.
public enum ManualPage {
    public static let fileName = "ecr-sessions.1"

    /// Where the page goes under `prefix`, which man-db searches for a `prefix/bin` on PATH.
    public static func installedPath(prefix: String) -> String {
        prefix + "/share/man/man1/" + fileName
    }

    /// The page for the binary at `executable`: the one installed with it (run from `<prefix>/bin`), else `man/` of
    /// the source checkout whose `.build` it runs from; nil when there is neither.
    public static func find(forExecutable executable: String) -> String? {
        let binDirectory = FileSystem.directory(of: executable)
        var candidates = [installedPath(prefix: FileSystem.directory(of: binDirectory))]
        if let build = executable.range(of: "/.build/", options: .backwards) {
            candidates.append(String(executable[..<build.lowerBound]) + "/man/" + fileName)
        }
        return candidates.first { FileSystem.exists($0) && !FileSystem.isDirectory($0) }
    }
}
