import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct CurlTransportTests {
    @Test func sendsMethodHeadersAndBodyAndReadsTheAnswer() async throws {
        let server = try LoopbackHTTPServer { request in
            let echo =
                "\(request.method) \(request.url.path) \(request.header("X-Amz-Target") ?? "-") "
                + String(decoding: request.body, as: UTF8.self)
            return HTTPResponse(status: 201, headers: [HTTPHeader("X-Answer", "yes")], body: Data(echo.utf8))
        }
        defer { server.stop() }
        let transport = CurlTransport(settings: CurlSettings())
        let response = try await transport.send(
            HTTPRequest(
                method: "POST", url: server.endpoint.appendingPathComponent("path"),
                headers: [HTTPHeader("X-Amz-Target", "Service.Action")], body: Data(#"{"a":1}"#.utf8)))
        #expect(response.status == 201)
        #expect(String(decoding: response.body, as: UTF8.self) == #"POST /path Service.Action {"a":1}"#)
        #expect(response.headers.contains(HTTPHeader("X-Answer", "yes")))
    }

    @Test func reusesConnectionsAcrossRequests() async throws {
        let server = try LoopbackHTTPServer { _ in HTTPResponse(status: 200, body: Data("ok".utf8)) }
        defer { server.stop() }
        let transport = CurlTransport(settings: CurlSettings())
        for _ in 0..<5 {
            _ = try await transport.send(HTTPRequest(method: "POST", url: server.endpoint, body: Data("{}".utf8)))
        }
        #expect(server.requestCount == 5)
        #expect(server.connectionCount == 1)
    }

    @Test func aClosedPortIsCouldNotConnect() async throws {
        let port = try freeLoopbackPort()
        let transport = CurlTransport(settings: CurlSettings())
        let error = await #expect(throws: HTTPError.self) {
            _ = try await transport.send(HTTPRequest(method: "GET", url: URL(string: "http://127.0.0.1:\(port)/")!))
        }
        #expect(error?.kind == .couldNotConnect)
        #expect(error?.host == "127.0.0.1")
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try LoopbackHTTPServer { _ in
            Thread.sleep(forTimeInterval: 2)
            return HTTPResponse(status: 200)
        }
        defer { server.stop() }
        var settings = CurlSettings()
        settings.totalTimeout = .milliseconds(300)
        let error = await #expect(throws: HTTPError.self) {
            _ = try await CurlTransport(settings: settings).send(HTTPRequest(method: "GET", url: server.endpoint))
        }
        #expect(error?.kind == .timedOut)
    }

    @Test func settingsComeFromTheEnvironment() {
        let settings = CurlSettings(
            environment: Environment([
                "AWS_CA_BUNDLE": "~/ca.pem", "HOME": "/home/u", "https_proxy": "http://proxy:3128",
                "NO_PROXY": "169.254.169.254,localhost",
            ]))
        #expect(settings.caBundle == "/home/u/ca.pem")
        #expect(settings.httpsProxy == "http://proxy:3128")
        #expect(settings.httpProxy == nil)
        #expect(settings.noProxy == "169.254.169.254,localhost")
    }
}

@Suite struct CurlTransportConcurrencyTests {
    @Test func slowRequestsRunConcurrentlyBeyondTheCoreCount() async throws {
        let inFlight = Mutex((now: 0, most: 0))
        let server = try LoopbackHTTPServer { _ in
            inFlight.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
            Thread.sleep(forTimeInterval: 0.3)
            inFlight.withLock { $0.now -= 1 }
            return HTTPResponse(status: 200)
        }
        defer { server.stop() }
        let transport = CurlTransport(settings: CurlSettings())
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask { _ = try? await transport.send(HTTPRequest(method: "GET", url: server.endpoint)) }
            }
        }
        #expect(server.requestCount == 12)
        #expect(inFlight.withLock { $0.most } == 12)
    }
}
