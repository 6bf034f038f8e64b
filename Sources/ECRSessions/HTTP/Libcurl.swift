internal import CCurl
import Foundation

/// libcurl, opened on the first request instead of linked, so that commands that never send one (`--help`,
/// `status`, a `refresh` with nothing due, a cached `credential-helper get`) do not load its ~30 libraries.
enum Libcurl {
    /// The names libcurl's runtime library has where it is installed.
    #if canImport(Darwin)
        static let candidates = ["libcurl.4.dylib"]
    #else
        static let candidates = ["libcurl.so.4", "libcurl.so"]
    #endif

    /// libcurl loaded from `candidates` (and `curl_global_init` run), or why not, for the life of the process.
    static let shared: Result<Void, HTTPError> = load(candidates: candidates)

    /// Loads libcurl from the first of `candidates` that opens. The failure's `detail` names the library and the
    /// package to install; its `host` is left empty for the caller to fill with the request's.
    static func load(candidates: [String]) -> Result<Void, HTTPError> {
        var error = [CChar](repeating: 0, count: 1024)
        let loaded = withCStrings(candidates) { names in
            ecr_curl_load(names.baseAddress, Int32(names.count), &error, error.count)
        }
        guard loaded == 0 else { return .success(()) }
        let reason = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .failure(
            HTTPError(
                kind: .libraryMissing, host: "",
                detail: "libcurl (\(candidates.joined(separator: ", "))) could not be loaded: \(reason); "
                    + "install it (the libcurl4 package on Debian and Ubuntu, libcurl on Fedora)"))
    }

    /// Calls `body` with `strings` as an array of C strings that live until it returns.
    private static func withCStrings<Result>(
        _ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer(body)
    }
}
