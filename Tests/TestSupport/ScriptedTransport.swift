public import ECRSessions
public import Foundation
import Synchronization

/// An `HTTPTransport` that answers from a script, for what a real peer cannot produce on demand (throttling
/// bursts, garbage bodies). Records every request it was sent.
public final class ScriptedTransport: HTTPTransport {
    public typealias Answer = @Sendable (HTTPRequest) -> Result<HTTPResponse, HTTPError>
    private let state: Mutex<(answers: [Answer], requests: [HTTPRequest])>

    /// Answers the n-th request with the n-th answer; the last answer repeats.
    public init(_ answers: [Answer]) {
        precondition(!answers.isEmpty)
        state = Mutex((answers, []))
    }

    public var requests: [HTTPRequest] { state.withLock { $0.requests } }

    public func send(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let answer = state.withLock { state in
            state.requests.append(request)
            return state.answers.count > 1 ? state.answers.removeFirst() : state.answers[0]
        }
        return try answer(request).get()
    }

}

/// A scripted answer with this status and body.
public func respond(_ status: Int, _ body: String) -> ScriptedTransport.Answer {
    { _ in .success(HTTPResponse(status: status, body: Data(body.utf8))) }
}

/// A clock that stands still at a chosen instant, and moves only when told.
public final class ManualClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by interval: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(interval) }
    }
}
