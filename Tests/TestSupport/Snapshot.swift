import Foundation

/// Compares `text` with the snapshot file `Tests/Snapshots/<name>`; with `ECR_SESSIONS_RECORD_SNAPSHOTS=1` in the
/// environment, writes it instead (then review the diff). Returns nil when they match, else a description.
public func snapshotMismatch(_ text: String, named name: String, filePath: String = #filePath) -> String? {
    let tests = URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent()
    let url = tests.appendingPathComponent("Snapshots/\(name)")
    if ProcessInfo.processInfo.environment["ECR_SESSIONS_RECORD_SNAPSHOTS"] == "1" {
        try? Data(text.utf8).write(to: url)
        return nil
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else { return "no snapshot at \(url.path)" }
    return expected == text ? nil : "\(url.path) differs; got:\n\(text)"
}
