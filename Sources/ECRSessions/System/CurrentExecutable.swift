import Foundation

#if canImport(Darwin)
    import Darwin
#endif

/// Where the running program's file is, for what must run it again later: a timer's command line, the
/// credential helper's link.
public enum CurrentExecutable {
    /// The absolute path of this program's file, symbolic links resolved, so that a link to it (such as
    /// `docker-credential-ecr-sessions`) names the real binary. Falls back to `argv[0]` made absolute.
    public static var path: String {
        #if canImport(Darwin)
            var size: UInt32 = 0
            _ = _NSGetExecutablePath(nil, &size)
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            if _NSGetExecutablePath(&buffer, &size) == 0, let real = realpath(buffer, nil) {
                defer { free(real) }
                return String(cString: real)
            }
        #else
            if let destination = FileSystem.symbolicLinkDestination("/proc/self/exe") { return destination }
        #endif
        return FileSystem.absolutePath(CommandLine.arguments[0])
    }
}
