public import ECRSessions
public import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests: each request goes to `handler`, whose response is sent back.
/// Keep-alive is supported, so curl's connection reuse can be observed (`connectionCount`).
public final class LoopbackHTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    public let port: UInt16
    private let listener: Int32
    private let handler: Handler
    private let counters = Mutex((connections: 0, requests: 0))
    private let stopped = Atomic<Bool>(false)

    public var endpoint: URL { URL(string: "http://127.0.0.1:\(port)/")! }
    public var connectionCount: Int { counters.withLock { $0.connections } }
    public var requestCount: Int { counters.withLock { $0.requests } }

    public init(handler: @escaping Handler) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 128) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard listening else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit {
        stop()
    }

    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            counters.withLock { $0.connections += 1 }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = Data()
        while let request = readRequest(connection, buffer: &buffer) {
            counters.withLock { $0.requests += 1 }
            let response = handler(request)
            var head = "HTTP/1.1 \(response.status) \(response.status < 400 ? "OK" : "Error")\r\n"
            for header in response.headers { head += "\(header.name): \(header.value)\r\n" }
            head += "Content-Length: \(response.body.count)\r\n\r\n"
            var bytes = Data(head.utf8)
            bytes.append(response.body)
            guard writeAll(connection, bytes) else { return }
        }
    }

    private func readRequest(_ connection: Int32, buffer: inout Data) -> HTTPRequest? {
        let separator = Data("\r\n\r\n".utf8)
        while buffer.range(of: separator) == nil {
            guard readMore(connection, into: &buffer) else { return nil }
        }
        let headEnd = buffer.range(of: separator)!
        let head = String(decoding: buffer[buffer.startIndex..<headEnd.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [HTTPHeader] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                HTTPHeader(
                    String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        var body = Data(buffer[headEnd.upperBound...])
        while body.count < length {
            var more = Data()
            guard readMore(connection, into: &more) else { return nil }
            body.append(more)
        }
        buffer = Data(body.dropFirst(length))
        body = Data(body.prefix(length))
        let host = headers.first { $0.name.lowercased() == "host" }?.value ?? "127.0.0.1:\(port)"
        let url = URL(string: "http://\(host)\(requestLine[1])") ?? endpoint
        return HTTPRequest(method: String(requestLine[0]), url: url, headers: headers, body: body)
    }

    private func readMore(_ connection: Int32, into buffer: inout Data) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = read(connection, &chunk, chunk.count)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func writeAll(_ connection: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(connection, raw.baseAddress! + offset, raw.count - offset)
                guard written > 0 else { return false }
                offset += written
            }
            return true
        }
    }
}
