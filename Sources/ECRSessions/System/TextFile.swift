import Foundation

/// Reads the settings files ecr-sessions consults (the AWS files, its own config), which may well be absent.
enum TextFile {
    /// Why a file that exists could not be read, in words for an error message.
    struct Unreadable: Error {
        var reason: String
    }

    /// The file's text, or nil when there is no such file (or a file stands where a folder on its path should).
    /// Bytes that are not UTF-8 read as replacement characters, as the AWS SDKs do, rather than refuse the file.
    static func read(atPath path: String) throws(Unreadable) -> String? {
        do {
            return try FileSystem.contents(atPath: path).map { String(decoding: $0.data, as: UTF8.self) }
        } catch {
            switch error.code {
            case ENOTDIR: return nil
            case EISDIR: throw Unreadable(reason: "it is a directory")
            case _ where error.action.hasPrefix("read "): throw Unreadable(reason: "read failed: \(error.reason)")
            default: throw Unreadable(reason: error.reason)
            }
        }
    }
}
