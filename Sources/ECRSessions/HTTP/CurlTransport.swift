internal import CCurl
public import Foundation
import Synchronization

/// Settings of the libcurl transport, read from the environment the AWS CLI and curl users know.
public struct CurlSettings: Sendable, Equatable {
    /// Time allowed to establish a connection.
    public var connectTimeout: Duration = .seconds(5)
    /// Time allowed for a whole request, connecting included.
    public var totalTimeout: Duration = .seconds(30)
    /// A PEM file of CA certificates to trust instead of the system's (`AWS_CA_BUNDLE`).
    public var caBundle: String?
    /// Proxy for `https://` URLs (`HTTPS_PROXY`, `https_proxy`).
    public var httpsProxy: String?
    /// Proxy for `http://` URLs (`HTTP_PROXY`, `http_proxy`).
    public var httpProxy: String?
    /// Hosts that bypass the proxy (`NO_PROXY`, `no_proxy`), in curl's comma-separated form.
    public var noProxy: String?
    /// PEM CA certificates held in memory, trusted instead of the system's (a Kubernetes cluster's CA).
    public var caCertificates: Data?
    /// A PEM client certificate and its key, for servers that authenticate clients by TLS (a kubeconfig user).
    public var clientCertificate: Data?
    public var clientKey: Data?

    public init() {}

    public init(environment: Environment) {
        caBundle = environment["AWS_CA_BUNDLE"].map(environment.expandingTilde)
        httpsProxy = environment["HTTPS_PROXY"] ?? environment["https_proxy"]
        httpProxy = environment["HTTP_PROXY"] ?? environment["http_proxy"]
        noProxy = environment["NO_PROXY"] ?? environment["no_proxy"]
    }
}

/// The real `HTTPTransport`: libcurl. Every async request is one transfer on a single thread that drives them all
/// through curl's multi interface (`CurlMultiLoop`), as `curl --parallel` does: a sweep of a thousand accounts
/// at concurrency 64 costs no thread per request, and neither Swift's cooperative pool (one thread per core) nor
/// Dispatch's caps how many accounts log in at once. `sendBlocking` runs its transfer on the calling thread.
///
/// Easy handles are pooled and reused, and the multi handle keeps the connections, so a run that talks to the same
/// endpoints many times keeps its connections and TLS sessions alive instead of paying a handshake per request.
public final class CurlTransport: HTTPTransport {
    private let settings: CurlSettings
    private let idleHandles = Mutex<[CurlEasyHandle]>([])

    public init(settings: CurlSettings) {
        self.settings = settings
    }

    /// libcurl, loaded and initialised on first use, not at start-up: `status` and a `refresh` with nothing due
    /// never pay for loading it or for TLS set-up. Without it the request fails with `.libraryMissing`.
    private static func loadLibcurl(for request: HTTPRequest) throws(HTTPError) {
        guard case .failure(var error) = Libcurl.shared else { return }
        error.host = request.url.host ?? request.url.absoluteString
        throw error
    }

    /// Loads libcurl and libcrypto and starts the transfer loop on a thread of its own, for a command about to log
    /// in: the loader's work (two dozen libraries, ≈ 20 M instructions) then overlaps reading the AWS files and
    /// opening the cache, instead of delaying the first call. A missing library is reported by the first request,
    /// as without this. The caller must `wait()` before the process exits (`NetworkLoad`).
    public static func loadInBackground() -> NetworkLoad {
        let load = NetworkLoad()
        let thread = Thread {
            defer { load.done.signal() }
            guard case .success = Libcurl.shared else { return }
            _ = CurlMultiLoop.shared
            _ = Libcrypto.shared
        }
        thread.name = "ecr-sessions preload"
        thread.start()
        return load
    }

    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        try CurlTransport.loadLibcurl(for: request)
        var settings = settings
        if let remaining = Deadline.remaining {
            guard remaining > .milliseconds(10) else {
                throw HTTPError(
                    kind: .timedOut, host: request.url.host ?? request.url.absoluteString,
                    detail: "no time left before the login's deadline")
            }
            settings.totalTimeout = min(settings.totalTimeout, remaining)
            settings.connectTimeout = min(settings.connectTimeout, remaining)
        }
        let handle = idleHandles.withLock { $0.popLast() } ?? CurlEasyHandle()
        let result: Result<HTTPResponse, HTTPError> = await withCheckedContinuation { [settings] continuation in
            CurlMultiLoop.shared.start(
                CurlTransfer(handle: handle, request: request, settings: settings) { result in
                    continuation.resume(returning: result)
                })
        }
        idleHandles.withLock { $0.append(handle) }
        return try result.get()
    }

    /// Sends `request` on the calling thread, for callers that are not async (a target's write).
    public func sendBlocking(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        try CurlTransport.loadLibcurl(for: request)
        let handle = idleHandles.withLock { $0.popLast() } ?? CurlEasyHandle()
        defer { idleHandles.withLock { $0.append(handle) } }
        let transfer = CurlTransfer(handle: handle, request: request, settings: settings)
        return try transfer.result(ecr_curl_easy_perform(handle.pointer)).get()
    }
}

/// A load of the network libraries under way (`CurlTransport.loadInBackground()`).
public final class NetworkLoad: Sendable {
    fileprivate let done = DispatchSemaphore(value: 0)

    /// Returns once the libraries are loaded. An exit while they load would run libcrypto's exit handlers under
    /// the loading thread (a crash, seen as `accounts login nosuchprofile` dying of SIGSEGV instead of exit 2).
    public func wait() {
        done.wait()
        done.signal()
    }
}

/// Owns one `CURL*`. Used by one transfer at a time (the pool hands it out exclusively).
private final class CurlEasyHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init() {
        guard let pointer = ecr_curl_easy_init() else {
            fatalError("curl_easy_init failed: libcurl could not allocate a handle")
        }
        self.pointer = pointer
    }

    deinit {
        ecr_curl_easy_cleanup(pointer)
    }
}

/// One request on an easy handle: its options set, and what curl reads or writes until the transfer ends (the
/// header list, the error buffer, the response sink), released with it.
private final class CurlTransfer: @unchecked Sendable {
    let handle: CurlEasyHandle
    private let host: String
    private let sink = ResponseSink()
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Told the result once, by the multi loop.
    private let completion: (@Sendable (Result<HTTPResponse, HTTPError>) -> Void)?

    init(
        handle: CurlEasyHandle, request: HTTPRequest, settings: CurlSettings,
        completion: (@Sendable (Result<HTTPResponse, HTTPError>) -> Void)? = nil
    ) {
        self.handle = handle
        self.completion = completion
        host = request.url.host ?? request.url.absoluteString
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let easy = handle.pointer
        // Options from a previous transfer must not leak into this one; reset keeps the connection cache.
        ecr_curl_easy_reset(easy)
        for header in request.headers {
            headerList = ecr_curl_slist_append(headerList, "\(header.name): \(header.value)")
        }
        // Without this curl sends `Expect: 100-continue` for larger bodies and waits a round trip for it.
        headerList = ecr_curl_slist_append(headerList, "Expect:")
        ecr_curl_setopt_string(easy, CURLOPT_URL, request.url.absoluteString)
        ecr_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        ecr_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, settings.connectTimeout.milliseconds)
        ecr_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, settings.totalTimeout.milliseconds)
        ecr_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        ecr_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        ecr_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList)
        ecr_curl_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method)
        if request.method == "HEAD" {
            ecr_curl_setopt_long(easy, CURLOPT_NOBODY, 1)
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            ecr_curl_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            // COPYPOSTFIELDS copies, so the body need not outlive this call.
            if request.body.isEmpty {
                ecr_curl_setopt_string(easy, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                request.body.withUnsafeBytes { bytes in
                    _ = ecr_curl_setopt_pointer(
                        easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
            }
        }
        if let caBundle = settings.caBundle {
            ecr_curl_setopt_string(easy, CURLOPT_CAINFO, caBundle)
        }
        for (option, pem) in [
            (CURLOPT_CAINFO_BLOB, settings.caCertificates), (CURLOPT_SSLCERT_BLOB, settings.clientCertificate),
            (CURLOPT_SSLKEY_BLOB, settings.clientKey),
        ] {
            guard var pem else { continue }
            pem.withUnsafeMutableBytes { bytes in
                _ = ecr_curl_setopt_blob(easy, option, bytes.baseAddress, bytes.count)
            }
        }
        // The proxy is set explicitly (an empty string means none) so that it follows the Environment we
        // were given, not whatever curl would read from the process environment itself.
        let proxy = request.url.scheme == "http" ? settings.httpProxy : settings.httpsProxy
        ecr_curl_setopt_string(easy, CURLOPT_PROXY, proxy ?? "")
        if let noProxy = settings.noProxy {
            ecr_curl_setopt_string(easy, CURLOPT_NOPROXY, noProxy)
        }
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        ecr_curl_setopt_write_function(easy, CURLOPT_WRITEFUNCTION, appendBody)
        ecr_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, sinkPointer)
        ecr_curl_setopt_write_function(easy, CURLOPT_HEADERFUNCTION, appendHeaderLine)
        ecr_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, sinkPointer)
    }

    deinit {
        ecr_curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    /// What the transfer that ended with `code` answered.
    func result(_ code: CURLcode) -> Result<HTTPResponse, HTTPError> {
        guard code == CURLE_OK else {
            let message = String(cString: errorBuffer)
            let detail = message.isEmpty ? String(cString: ecr_curl_easy_strerror(code)) : message
            return .failure(HTTPError(kind: HTTPError.Kind(code), host: host, detail: detail))
        }
        var status = 0
        ecr_curl_getinfo_long(handle.pointer, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body))
    }

    /// Tells the completion how the transfer that ended with `code` went.
    func complete(_ code: CURLcode) {
        completion?(result(code))
    }

    /// Tells the completion that the transfer could not start.
    func fail(_ detail: String) {
        completion?(.failure(HTTPError(kind: .other, host: host, detail: detail)))
    }
}

/// One thread driving one curl multi handle: it adds the transfers `start` hands it, runs them all, and tells each
/// its result when it ends. Started on the first async request; sleeps in `curl_multi_poll` while nothing runs.
private final class CurlMultiLoop: @unchecked Sendable {
    static let shared = CurlMultiLoop()
    private static let connectionsKept = 256

    private let multi: UnsafeMutableRawPointer
    /// Transfers handed over and not yet added, the only state shared with other threads.
    private let incoming = Mutex<[CurlTransfer]>([])
    /// The transfers running, by their easy handle: touched only by the loop's thread.
    private var running: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    #if canImport(Glibc)
        /// The sockets curl asks to watch, when the kernel gave an epoll; else the loop polls through curl.
        private let events = EventPoll()
        /// When curl next wants `socket_action(CURL_SOCKET_TIMEOUT)`, from its timer callback; nil for never.
        private var timerDeadline: ContinuousClock.Instant?
    #endif

    private init() {
        guard let multi = ecr_curl_multi_init() else {
            fatalError("curl_multi_init failed: libcurl could not allocate a handle")
        }
        self.multi = multi
        // Idle connections kept for reuse: curl's default, four times the transfers running, would close a
        // sequential run's connection whenever a few others were opened meanwhile.
        ecr_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, Self.connectionsKept)
        #if canImport(Glibc)
            if events != nil {
                // The loop lives as long as the process (`shared`), so the unretained pointer stays valid.
                let context = Unmanaged.passUnretained(self).toOpaque()
                ecr_curl_multi_setopt_socket_function(multi, curlSocketChanged, context)
                ecr_curl_multi_setopt_timer_function(multi, curlTimerChanged, context)
            }
        #endif
        let thread = Thread { [self] in loop() }
        thread.name = "ecr-sessions curl"
        thread.start()
    }

    /// Runs `transfer`; its completion is called on the loop's thread.
    func start(_ transfer: CurlTransfer) {
        incoming.withLock { $0.append(transfer) }
        #if canImport(Glibc)
            if let events {
                events.wake()
                return
            }
        #endif
        ecr_curl_multi_wakeup(multi)
    }

    private func loop() {
        while true {
            for transfer in incoming.withLock({ queue in defer { queue.removeAll() }; return queue }) {
                let code = ecr_curl_multi_add_handle(multi, transfer.handle.pointer)
                guard code == CURLM_OK else {
                    transfer.fail("libcurl could not start the transfer (CURLMcode \(code.rawValue))")
                    continue
                }
                running[transfer.handle.pointer] = transfer
            }
            #if canImport(Glibc)
                if let events {
                    waitForSockets(events)
                    completeFinished()
                    continue
                }
            #endif
            var active: Int32 = 0
            ecr_curl_multi_perform(multi, &active)
            completeFinished()
            // Woken early by `start`, and by curl's own timers (connect and transfer timeouts).
            ecr_curl_multi_poll(multi, running.isEmpty ? 60_000 : 1_000)
        }
    }

    private func completeFinished() {
        var code = CURLE_OK
        while let easy = ecr_curl_multi_next_done(multi, &code) {
            guard let transfer = running.removeValue(forKey: easy) else { continue }
            ecr_curl_multi_remove_handle(multi, easy)
            transfer.complete(code)
        }
    }

    #if canImport(Glibc)
        /// One turn of the socket interface: waits for a socket curl watches, a `start`, or curl's timer, and hands
        /// curl what is ready. Only the connections with something to do are touched, where `curl_multi_perform`
        /// checked every running transfer's socket on every wake-up (fifteen `poll` calls a request at 64).
        private func waitForSockets(_ events: EventPoll) {
            var milliseconds: Int32 = running.isEmpty ? 60_000 : 1_000
            if let deadline = timerDeadline {
                // Rounded up: a wait that ends a little early would only turn the loop without firing the timer.
                let (seconds, attoseconds) = ContinuousClock.now.duration(to: deadline).components
                let left = max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
                milliseconds = Int32(min(Int64(milliseconds), left))
            }
            let ready = milliseconds == 0 ? [] : events.wait(milliseconds: milliseconds)
            var active: Int32 = 0
            for event in ready {
                var mask: Int32 = 0
                if event.readable { mask |= CURL_CSELECT_IN }
                if event.writable { mask |= CURL_CSELECT_OUT }
                if event.failed { mask |= CURL_CSELECT_ERR }
                ecr_curl_multi_socket_action(multi, event.descriptor, mask, &active)
            }
            if let deadline = timerDeadline, ContinuousClock.now >= deadline {
                timerDeadline = nil
                ecr_curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &active)
            }
        }

        /// curl's socket callback: watch `socket` for what curl says, or stop.
        fileprivate func socketChanged(_ socket: Int32, what: Int32) {
            guard let events else { return }
            switch what {
            case CURL_POLL_REMOVE: events.unwatch(socket)
            default: events.watch(socket, read: what & CURL_POLL_IN != 0, write: what & CURL_POLL_OUT != 0)
            }
        }

        /// curl's timer callback: call it back after `milliseconds` (0: at once), or never (-1).
        fileprivate func timerChanged(_ milliseconds: Int) {
            timerDeadline = milliseconds < 0 ? nil : ContinuousClock.now + .milliseconds(milliseconds)
        }
    #endif
}

#if canImport(Glibc)
    private func curlSocketChanged(
        easy: UnsafeMutableRawPointer?, socket: curl_socket_t, what: Int32, context: UnsafeMutableRawPointer?,
        socketContext: UnsafeMutableRawPointer?
    ) -> Int32 {
        guard let context else { return 0 }
        Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue().socketChanged(socket, what: what)
        return 0
    }

    private func curlTimerChanged(multi: UnsafeMutableRawPointer?, milliseconds: Int, context: UnsafeMutableRawPointer?)
        -> Int32
    {
        guard let context else { return 0 }
        Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue().timerChanged(milliseconds)
        return 0
    }
#endif

/// Collects one response's body and header lines; passed to curl's callbacks as their context pointer.
final class ResponseSink {
    var body = Data()
    var headers: [HTTPHeader] = []

    /// One header line as curl hands it over, its CRLF included. An ASCII line (every header ECR, STS or SSO send)
    /// is cut on its bytes: Foundation's trimming cost 17 k instructions a line, 70 k a call. Anything else goes
    /// through `addHeaderLine(_:)`, which the ASCII path answers alike for ASCII lines.
    func addHeaderLine(bytes: UnsafeRawBufferPointer) {
        guard bytes.allSatisfy({ $0 < 0x80 }) else {
            addHeaderLine(String(decoding: bytes, as: UTF8.self))
            return
        }
        if bytes.starts(with: "HTTP/".utf8) {
            headers.removeAll()
            return
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return }
        // `.whitespaces` and `.whitespacesAndNewlines`, restricted to ASCII.
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
        let isSpaceOrNewline = { (byte: UInt8) in isSpace(byte) || (0x0A...0x0D).contains(byte) }
        headers.append(
            HTTPHeader(
                String(decoding: Self.trimmed(bytes[..<colon], isSpace), as: UTF8.self),
                String(decoding: Self.trimmed(bytes[(colon + 1)...], isSpaceOrNewline), as: UTF8.self)))
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>, _ trim: (UInt8) -> Bool)
        -> Slice<UnsafeRawBufferPointer>
    {
        guard let first = bytes.firstIndex(where: { !trim($0) }), let last = bytes.lastIndex(where: { !trim($0) })
        else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    func addHeaderLine(_ line: String) {
        if line.hasPrefix("HTTP/") {
            // A new status line (after `100 Continue`, or through a proxy's CONNECT) starts a new header block.
            headers.removeAll()
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].trimmingCharacters(in: .whitespaces)
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers.append(HTTPHeader(name, value))
    }
}

private func appendBody(data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?)
    -> Int
{
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

private func appendHeaderLine(
    data: UnsafeMutablePointer<CChar>?, size: Int, count: Int, context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    sink.addHeaderLine(bytes: UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

extension HTTPError.Kind {
    fileprivate init(_ code: CURLcode) {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: self = .timedOut
        case CURLE_COULDNT_CONNECT: self = .couldNotConnect
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: self = .couldNotResolveHost
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM:
            self = .tls
        default: self = .other
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
