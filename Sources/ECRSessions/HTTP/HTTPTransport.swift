public import Foundation

/// One HTTP header field. Order and repetition are kept as given.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request as the signer and the transport see it.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [HTTPHeader]
    public var body: Data

    public init(method: String, url: URL, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of the header `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// An HTTP response.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: Data

    public init(status: Int, headers: [HTTPHeader] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Sends HTTP requests. The real one is libcurl; tests may pass their own for what a real peer cannot produce.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse
}

/// A request that got no HTTP answer at all.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case timedOut
        case couldNotConnect
        case couldNotResolveHost
        case tls
        /// libcurl or libcrypto is not installed (or not loadable): no request can be sent until it is.
        case libraryMissing
        case other
    }

    public var kind: Kind
    /// The host the request was for, never the full URL (a query may hold a signature).
    public var host: String
    public var detail: String

    public init(kind: Kind, host: String, detail: String) {
        self.kind = kind
        self.host = host
        self.detail = detail
    }

    public var description: String {
        switch kind {
        case .timedOut: "request to \(host) timed out (\(detail)); check the network or proxy settings"
        case .couldNotConnect: "could not connect to \(host) (\(detail)); check the network, proxy or endpoint URL"
        case .couldNotResolveHost: "could not resolve \(host) (\(detail)); check the region and endpoint URL"
        case .tls: "TLS with \(host) failed (\(detail)); check AWS_CA_BUNDLE or the proxy's certificate"
        case .libraryMissing: "cannot send a request to \(host): \(detail)"
        case .other: "request to \(host) failed: \(detail)"
        }
    }
}
