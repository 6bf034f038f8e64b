public import ECRSessions
import Foundation

/// A `moto_server` on a free loopback port: AWS's APIs as botocore models them, and, once
/// `enableSignatureChecks()` is called, an independent judge of every SigV4 signature we send.
///
/// Integration tests fail (never skip) when moto_server is missing: `.ci/run` installs it.
public final class MotoServer: @unchecked Sendable {
    public let port: UInt16
    private let process: SupervisedProcess
    private let transport = CurlTransport(settings: CurlSettings())
    /// Any key works while moto is not checking; it still routes by the signature's service name.
    private let setupCredentials = AWSCredentials(accessKeyID: "AKIASETUPSETUPSETUP1", secretAccessKey: "setup")

    public var endpoint: String { "http://127.0.0.1:\(port)" }

    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "moto_server is not on PATH: install it with pip install 'moto[server]' (.ci/run does)"
        }
    }

    public init() async throws {
        guard let executable = which("moto_server") else { throw Missing() }
        port = try freeLoopbackPort()
        var environment = ProcessInfo.processInfo.environment
        environment["MOTO_ALLOW_NONEXISTENT_REGION"] = "true"
        process = try SupervisedProcess(
            executable: executable, arguments: ["-H", "127.0.0.1", "-p", String(port)], environment: environment)
        try await waitUntilReady()
    }

    deinit {
        stop()
    }

    public func stop() {
        process.stop()
    }

    private func waitUntilReady() async throws {
        let deadline = Date().addingTimeInterval(90)  // moto starts slowly on a busy machine
        while Date() < deadline {
            let request = HTTPRequest(method: "GET", url: URL(string: "\(endpoint)/moto-api/data.json")!)
            if let response = try? await transport.send(request), response.status == 200 { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StartFailure(port: port)
    }

    struct StartFailure: Error, CustomStringConvertible {
        var port: UInt16
        var description: String { "moto_server did not answer on 127.0.0.1:\(port) within 90 s" }
    }

    /// Creates an IAM user allowed to do anything and returns an access key for it. Call before
    /// `enableSignatureChecks()`, while moto still answers unsigned setup calls.
    public func createUserWithAccessKey(_ user: String) async throws -> AWSCredentials {
        _ = try await iam(["Action": "CreateUser", "UserName": user])
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await iam([
            "Action": "PutUserPolicy", "UserName": user, "PolicyName": "everything", "PolicyDocument": policy,
        ])
        let answer = try await iam(["Action": "CreateAccessKey", "UserName": user])
        guard let key = element("AccessKeyId", in: answer), let secret = element("SecretAccessKey", in: answer) else {
            throw SetupFailure(step: "CreateAccessKey", answer: answer)
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret)
    }

    /// Creates an IAM role that any AWS principal may assume, allowed to do anything, and returns its ARN. Without `credentials` the role is
    /// in moto's default account (123456789012); with an assumed role's credentials it is in that role's account.
    /// Call before `enableSignatureChecks()`.
    public func createRole(_ name: String, credentials: AWSCredentials? = nil) async throws -> String {
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#
        let answer = try await iam(
            ["Action": "CreateRole", "RoleName": name, "AssumeRolePolicyDocument": trust],
            credentials: credentials)
        guard let arn = element("Arn", in: answer) else { throw SetupFailure(step: "CreateRole", answer: answer) }
        // With signature checks on, moto also applies IAM policies: the role's sessions need one to call ECR.
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await iam(
            ["Action": "PutRolePolicy", "RoleName": name, "PolicyName": "everything", "PolicyDocument": policy],
            credentials: credentials)
        return arn
    }

    /// How many AssumeRole and AssumeRoleWithWebIdentity calls moto has answered so far, in every account: the
    /// sessions it keeps, as its own `/moto-api/data.json` lists them.
    public func assumedRoleCount() async throws -> Int {
        let request = HTTPRequest(method: "GET", url: URL(string: "\(endpoint)/moto-api/data.json")!)
        let response = try await transport.send(request)
        let data = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        let sts = data?["sts"] as? [String: Any]
        return (sts?["AssumedRole"] as? [Any])?.count ?? 0
    }

    /// From now on moto checks every request's signature (and the caller's IAM policies) with botocore's code.
    public func enableSignatureChecks() async throws {
        let request = HTTPRequest(
            method: "POST", url: URL(string: "\(endpoint)/moto-api/reset-auth")!,
            // Not form-encoded (libcurl's default for a POST body): Flask would swallow the body as a form.
            headers: [HTTPHeader("Content-Type", "text/plain")], body: Data("0".utf8))
        let response = try await transport.send(request)
        guard response.status == 200 else {
            throw SetupFailure(step: "reset-auth", answer: String(decoding: response.body, as: UTF8.self))
        }
    }

    struct SetupFailure: Error, CustomStringConvertible {
        var step: String
        var answer: String
        var description: String { "moto setup step \(step) failed: \(answer.prefix(500))" }
    }

    private func iam(_ parameters: [String: String], credentials: AWSCredentials? = nil) async throws -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let form = (parameters.merging(["Version": "2010-05-08"]) { $1 })
            .sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        let request = HTTPRequest(
            method: "POST", url: URL(string: endpoint + "/")!,
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Data(form.utf8))
        let signer = SigV4Signer(credentials: credentials ?? setupCredentials, region: "us-east-1", service: "iam")
        let response = try await transport.send(signer.sign(request, date: Date()))
        let answer = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else { throw SetupFailure(step: parameters["Action"] ?? "?", answer: answer) }
        return answer
    }

    private func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>") else { return nil }
        return String(text[start.upperBound..<end.lowerBound])
    }
}
