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
        let url = url(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
