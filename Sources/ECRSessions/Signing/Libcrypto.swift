import Foundation

/// OpenSSL's libcrypto, opened with `dlopen` on the first hash instead of linked.
///
/// Linked, its 21,000 relocations were resolved on every start: 2.7 M instructions, a fifth of a cached
/// `credential-helper get`, which hashes nothing (BENCHMARKS.md). Only the digest functions the signer and the SSO
/// cache names use are looked up; they take and return libcrypto's opaque pointers, so no OpenSSL header is needed.
struct Libcrypto: @unchecked Sendable {  // immutable after `load`; libcrypto's fetched algorithms are thread-safe
    /// The names libcrypto 3's runtime library has where it is installed.
    #if canImport(Darwin)
        static let candidates = [
            "libcrypto.3.dylib", "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib",
            "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
        ]
    #else
        static let candidates = ["libcrypto.so.3"]
    #endif

    typealias NewContext = @convention(c) () -> OpaquePointer?
    typealias FreeContext = @convention(c) (OpaquePointer?) -> Void
    typealias Fetch = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> OpaquePointer?
    typealias Initialize = @convention(c) (OpaquePointer?, OpaquePointer?, OpaquePointer?) -> Int32
    typealias Update = @convention(c) (OpaquePointer?, UnsafeRawPointer?, Int) -> Int32
    typealias Finish = @convention(c) (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?) -> Int32
    typealias Copy = @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32

    /// `EVP_MD_CTX_new` and `EVP_MD_CTX_free`.
    let newContext: NewContext
    let freeContext: FreeContext
    /// `EVP_DigestInit_ex2`, `EVP_DigestUpdate`, `EVP_DigestFinal_ex` and `EVP_MD_CTX_copy_ex`.
    let initialize: Initialize
    let update: Update
    let finish: Finish
    let copy: Copy
    /// The SHA-256 and SHA-1 implementations (`EVP_MD_fetch`), fetched once for the process.
    let sha256: OpaquePointer
    let sha1: OpaquePointer

    /// libcrypto loaded from `candidates`, or why not, for the life of the process.
    static let shared: Result<Libcrypto, HTTPError> = load(candidates: candidates)

    /// The loaded library; a hash without it traps with what to install. Requests check `shared` before they are
    /// signed and fail with its error instead (`AWSServiceClient`).
    static var loaded: Libcrypto {
        switch shared {
        case .success(let library): library
        case .failure(let error): fatalError(error.detail)
        }
    }

    /// Opens the first of `candidates` that has every function. The failure's `detail` names the library and the
    /// package to install; its `host` is left empty for the caller to fill.
    static func load(candidates: [String]) -> Result<Libcrypto, HTTPError> {
        var reasons: [String] = []
        for name in candidates {
            guard let library = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            if let loaded = Libcrypto(library) { return .success(loaded) }
            reasons.append("\(name) lacks OpenSSL 3's digest functions")
            dlclose(library)
        }
        return .failure(
            HTTPError(
                kind: .libraryMissing, host: "",
                detail: "libcrypto (\(candidates.joined(separator: ", "))) could not be loaded: "
                    + "\(reasons.joined(separator: "; ")); install OpenSSL 3 (the libssl3 package on Debian and "
                    + "Ubuntu, openssl-libs on Fedora)"))
    }

    private init?(_ library: UnsafeMutableRawPointer) {
        func function<Function>(_ name: String, as type: Function.Type) -> Function? {
            dlsym(library, name).map { unsafeBitCast($0, to: type) }
        }
        guard let newContext = function("EVP_MD_CTX_new", as: NewContext.self),
            let freeContext = function("EVP_MD_CTX_free", as: FreeContext.self),
            let initialize = function("EVP_DigestInit_ex2", as: Initialize.self),
            let update = function("EVP_DigestUpdate", as: Update.self),
            let finish = function("EVP_DigestFinal_ex", as: Finish.self),
            let copy = function("EVP_MD_CTX_copy_ex", as: Copy.self),
            let fetch = function("EVP_MD_fetch", as: Fetch.self),
            let sha256 = fetch(nil, "SHA256", nil), let sha1 = fetch(nil, "SHA1", nil)
        else { return nil }
        (self.newContext, self.freeContext, self.initialize) = (newContext, freeContext, initialize)
        (self.update, self.finish, self.copy) = (update, finish, copy)
        (self.sha256, self.sha1) = (sha256, sha1)
    }

    /// The digest of `bytes` with `algorithm` (`sha256` or `sha1`) into `digest`, which must be long enough;
    /// false when libcrypto fails (it only does when it cannot allocate).
    func hash(_ bytes: UnsafeRawBufferPointer, with algorithm: OpaquePointer, into digest: UnsafeMutableRawBufferPointer)
        -> Bool
    {
        guard let context = newContext() else { return false }
        defer { freeContext(context) }
        return initialize(context, algorithm, nil) == 1 && update(context, bytes.baseAddress, bytes.count) == 1
            && finish(context, digest.baseAddress?.assumingMemoryBound(to: UInt8.self), nil) == 1
    }
}
