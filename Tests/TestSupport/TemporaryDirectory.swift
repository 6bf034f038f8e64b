public import Foundation

/// A fresh directory under the system's temporary directory, removed by `remove()`.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(_ label: String = "ecr-sessions") throws {
        let base = FileManager.default.temporaryDirectory.path
        let template = "\(base)/\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        guard let made = mkdtemp(&bytes) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: made)
    }

    public func url(_ relative: String) -> URL {
        URL(fileURLWithPath: path).appendingPathComponent(relative)
    }

    /// Writes `text` to `relative` (creating parent folders) and returns the full path.
    @discardableResult
    public func write(_ relative: String, _ text: String) throws -> String {
        try write(relative, Data(text.utf8))
    }

    /// Writes `data` to `relative` (creating parent folders) with `mode`, and returns the full path.
    @discardableResult
    public func write(_ relative: String, _ data: Data, mode: mode_t = 0o644) throws -> String {
        let url = url(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Written through a close-on-exec descriptor: a child another test spawns meanwhile must not inherit it,
        // or executing this file (a script) would fail with "text file busy" for as long as that child lives.
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        try file.write(contentsOf: data)
        fchmod(descriptor, mode)
        return url.path
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
