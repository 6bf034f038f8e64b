@testable import ECRSessions
import Foundation
import TestSupport
import Testing

/// doctor's judgements that need no process: the clock against a `Date` header, the endpoints it asks.
@Suite struct DoctorCheckTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func doctor(_ environment: [String: String] = [:]) -> Actions.Doctor {
        let context = ActionContext(
            environment: Environment(["HOME": "/nonexistent"].merging(environment) { $1 }), clock: ManualClock(now),
            transport: ScriptedTransport([respond(500, "{}")]))
        return Actions.Doctor(context, probe: ScriptedTransport([respond(404, "{}")]))
    }

    @Test func httpDatesAreReadAsUTC() {
        #expect(Actions.Doctor.httpDate("Tue, 15 Nov 1994 08:12:31 GMT") == Date(timeIntervalSince1970: 784_887_151))
        #expect(Actions.Doctor.httpDate("not a date") == nil)
    }

    @Test(arguments: [(0.0, DoctorFinding.Outcome.ok), (299, .ok), (-299, .ok), (301, .problem), (-3600, .problem)])
    func skewOverFiveMinutesIsAProblem(offset: TimeInterval, expected: DoctorFinding.Outcome) throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let header = formatter.string(from: now.addingTimeInterval(offset))
        let finding = doctor().clockFinding(
            HTTPResponse(status: 404, headers: [HTTPHeader("date", header)]), host: "api.ecr.eu-west-1.amazonaws.com",
            ourTime: now)
        #expect(finding.outcome == expected, "\(finding)")
        if expected == .problem { #expect(finding.fix != nil) }
    }

    @Test func noDateHeaderSkipsTheClock() {
        let finding = doctor().clockFinding(HTTPResponse(status: 404), host: "h", ourTime: now)
        #expect(finding.outcome == .skipped)
    }

    @Test func endpointsFollowTheOverridesOnceEach() {
        let accounts = [
            Account(name: "a", profile: "a", regions: ["eu-west-1", "us-east-1"], origin: "test"),
            Account(name: "b", profile: "b", regions: ["eu-west-1"], origin: "test"),
        ]
        #expect(
            doctor().endpoints(of: accounts).map(\.url.absoluteString) == [
                "https://api.ecr.eu-west-1.amazonaws.com", "https://api.ecr.us-east-1.amazonaws.com",
            ])
        let overridden = doctor(["AWS_ENDPOINT_URL_ECR": "http://127.0.0.1:9/"]).endpoints(of: accounts)
        #expect(overridden.map(\.url.absoluteString) == ["http://127.0.0.1:9/"])
    }

    @Test func aBearerChallengesQuotedCommasStayInTheirValue() {
        let url = Actions.UserLogin.tokenURL(
            #"Bearer realm="https://auth.example.com/token",service="a,b",scope="repository:x:pull""#, username: "me")
        #expect(
            url?.absoluteString
                == "https://auth.example.com/token?service=a,b&scope=repository:x:pull&account=me")
        #expect(Actions.UserLogin.tokenURL(#"Basic realm="x""#, username: "me") == nil)
    }
}
