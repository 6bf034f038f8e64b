import ArgumentParser
import ECRSessions

extension Root {
    struct Doctor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check what logins need, from the AWS files to the timer, and say how to fix each problem.",
            discussion: "Checks the AWS files (they parse, only you may read them), every account, the clock against "
                + "an ECR endpoint's, that the endpoints answer, each target file (the one its tool reads, writable, "
                + "private, not hidden by credsStore or credHelpers), the cache, the timer and its last run, and "
                + "docker-credential-ecr-sessions on PATH. Exit status: 0 when every check passes, 1 otherwise.")

        @Flag(
            name: .long,
            help: "Also resolve each account's credentials and ask STS whose they are (nothing is written).")
        var online = false

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let report = await Actions.Doctor(try options.context()).run(online: online)
            for finding in report.findings {
                let mark =
                    switch finding.outcome {
                    case .ok: "ok"
                    case .problem: "PROBLEM"
                    case .skipped: "skipped"
                    }
                print("\(mark)  \(finding.check.rawValue): \(finding.subject): \(finding.detail)")
                if let fix = finding.fix, finding.outcome == .problem { print("    fix: \(fix)") }
            }
            let problems = report.findings.filter { $0.outcome == .problem }.count
            print(problems == 0 ? "Every check passed." : "\(problems) problem\(problems == 1 ? "" : "s") found.")
            if problems > 0 { throw ExitCode(1) }
        }
    }
}
