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
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw Unreadable(reason: String(cString: strerror(code)))
        }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw Unreadable(reason: "it is a directory")
        }
        do {
            return String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        } catch {
            throw Unreadable(reason: "read failed: \(error.localizedDescription)")
        }
    }
}
