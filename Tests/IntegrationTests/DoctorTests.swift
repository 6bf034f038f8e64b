import ECRSessions
import Foundation
import TestSupport
import Testing

/// `doctor` through the real binary in a temporary HOME: each planted problem is found and explained with its fix,
/// and a healthy setup passes with exit 0.
@Suite struct DoctorTests {
    let sandbox: CLISandbox

    init() throws {
        var sandbox = try CLISandbox()
        try sandbox.write(
            ".aws/credentials", "[dev]\naws_access_key_id = AKIADOCTOR0000000001\naws_secret_access_key = s3cret\n")
        try sandbox.write(".aws/config", "[profile dev]\nregion = eu-west-1\n")
        for file in [".aws/credentials", ".aws/config"] { chmod(sandbox.home.path + "/" + file, 0o600) }
        // The credential helper on PATH, as the README's install links it.
        let tools = sandbox.home.path + "/bin"
        try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: tools + "/docker-credential-ecr-sessions", withDestinationPath: CLISandbox.executable)
        sandbox.environment["PATH"] = tools + ":" + (sandbox.environment["PATH"] ?? "/usr/bin:/bin")
        self.sandbox = sandbox
    }

    /// An HTTP date `offset` from now, as a server's `Date` header says it.
    private static func httpDate(_ offset: TimeInterval) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: Date().addingTimeInterval(offset))
    }

    /// The line of `output` for a problem whose text holds `text`, with the fix line after it.
    private func problem(_ output: String, _ text: String) -> String? {
        let lines = output.split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(where: { $0.hasPrefix("PROBLEM") && $0.contains(text) }),
            index + 1 < lines.count, lines[index + 1].hasPrefix("    fix: ")
        else { return nil }
        return lines[index] + "\n" + lines[index + 1]
    }

    @Test func findsEachPlantedProblemWithItsFix() throws {
        defer { sandbox.remove() }
        // An endpoint whose clock is an hour ahead of ours: the answer's Date header says so.
        let endpoint = try LoopbackHTTPServer { _ in
            HTTPResponse(status: 404, headers: [HTTPHeader("Date", Self.httpDate(3600))], body: Data("{}".utf8))
        }
        defer { endpoint.stop() }
        var sandbox = sandbox
        sandbox.environment["AWS_ENDPOINT_URL_ECR"] = endpoint.endpoint.absoluteString
        chmod(sandbox.home.path + "/.aws/credentials", 0o644)
        try sandbox.write(".config/ecr-sessions/config", "[settings]\ntargets = docker containers\n")
        // docker asks a credsStore before reading auths; podman and skopeo read no credsStore in auth.json.
        for file in [".docker/config.json", ".config/containers/auth.json"] {
            try sandbox.write(file, #"{"auths": {}, "credsStore": "desktop"}"#)
            chmod(sandbox.home.path + "/" + file, 0o600)
        }
        // A timer installed long ago that has never refreshed anything.
        for unit in ["timer", "service"] {
            try sandbox.write(".config/systemd/user/ecr-sessions-refresh.\(unit)", "[Unit]\n")
        }

        let doctor = try sandbox.run("doctor")
        #expect(doctor.status == 1, "\(doctor)")
        let credentials = problem(doctor.stdout, ".aws/credentials: mode 644")
        #expect(credentials?.contains("fix: chmod 600 \(sandbox.home.path)/.aws/credentials") == true, "\(doctor)")
        let store = problem(doctor.stdout, "config.json: credsStore 'desktop'")
        #expect(store?.contains("remove credsStore") == true, "\(doctor)")
        #expect(problem(doctor.stdout, "auth.json: credsStore") == nil, "\(doctor)")
        #expect(
            doctor.stdout.contains(
                "ok  targets: \(sandbox.home.path)/.config/containers/auth.json: credsStore "
                    + "'desktop' hides no login"), "\(doctor)")
        let timer = problem(doctor.stdout, "is installed, but no refresh has run")
        #expect(timer?.contains("systemctl --user status ecr-sessions-refresh.timer") == true, "\(doctor)")
        let skew =
            problem(doctor.stdout, "clock is 3600s behind 127.0.0.1's")
            ?? problem(doctor.stdout, "clock is 3599s behind 127.0.0.1's")
        #expect(skew?.contains("timedatectl set-ntp true") == true, "\(doctor)")
        #expect(doctor.stdout.contains("ok  endpoints: 127.0.0.1: answered (HTTP 404) for eu-west-1"), "\(doctor)")
        #expect(doctor.stdout.contains("problems found."), "\(doctor)")
        #expect(!doctor.stdout.contains("s3cret") && !doctor.stderr.contains("s3cret"))
    }

    @Test func findsAnUnreachableEndpointAndAMissingHelper() throws {
        defer { sandbox.remove() }
        let closed = try LoopbackHTTPServer { _ in HTTPResponse(status: 200) }
        closed.stop()
        var sandbox = sandbox
        sandbox.environment["AWS_ENDPOINT_URL_ECR"] = closed.endpoint.absoluteString
        sandbox.environment["PATH"] = "/usr/bin:/bin"

        let doctor = try sandbox.run("doctor")
        #expect(doctor.status == 1, "\(doctor)")
        let endpoint = problem(doctor.stdout, "endpoints: 127.0.0.1: could not connect to 127.0.0.1")
        #expect(endpoint?.contains("AWS_ENDPOINT_URL") == true, "\(doctor)")
        #expect(doctor.stdout.contains("skipped  clock: clock: no endpoint answered"), "\(doctor)")
        #expect(problem(doctor.stdout, "docker-credential-ecr-sessions: not on PATH") != nil, "\(doctor)")
        let timer = problem(doctor.stdout, "no timer, crontab line or daemon renews the logins")
        #expect(timer?.contains("ecr-sessions timer install") == true, "\(doctor)")
    }

    @Test func aHealthySetupPassesOnlineToo() async throws {
        defer { sandbox.remove() }
        // The fake ECR for the refresh and the endpoint check; moto, checking signatures, for STS's answer to
        // whose the key is (the moto user's, in moto's default account).
        let (moto, key) = try await CrossAccountMoto.doctor.get()
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(key.secretAccessKey)\n")
        chmod(sandbox.home.path + "/.aws/credentials", 0o600)
        let ecr = try FakeECR(clock: SystemClock(), regions: ["eu-west-1"])
        defer { ecr.stop() }
        ecr.register(key, account: "123456789012")
        var sandbox = sandbox
        sandbox.environment.merge(ecr.environment) { $1 }
        sandbox.environment["AWS_ENDPOINT_URL_STS"] = moto.endpoint
        let refresh = try sandbox.run("refresh", "--quiet")
        #expect(refresh.status == 0, "\(refresh)")

        let doctor = try sandbox.run("doctor", "--online")
        #expect(doctor.status == 0, "\(doctor)")
        #expect(doctor.stdout.hasSuffix("Every check passed.\n"), "\(doctor)")
        #expect(
            doctor.stdout.contains(
                "ok  accounts: account dev: access key \(key.accessKeyID) is account 123456789012 "
                    + "(arn:aws:iam::123456789012:user/source-user)"), "\(doctor)")
        #expect(doctor.stdout.contains("a timer or the daemon last refreshed"), "\(doctor)")
        #expect(!doctor.stdout.contains(key.secretAccessKey))
    }
}
