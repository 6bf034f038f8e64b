import ECRSessions
import Foundation
import TestSupport
import Testing

extension CrossAccountMoto {
    /// doctor's own moto_server, so that its few calls never queue behind another suite's logins.
    static let doctor = CrossAccountMoto()
}

/// `doctor --online` through the real binary: each account's credentials are resolved and STS's GetCallerIdentity,
/// answered by moto_server with every signature checked, says whose they are; a profile that says another account
/// is a problem with its fix. Nothing secret is printed.
@Suite(.serialized) struct DoctorOnlineTests {
    let moto: MotoServer
    let key: AWSCredentials
    let sandbox: CLISandbox

    init() async throws {
        (moto, key) = try await CrossAccountMoto.doctor.get()
        sandbox = try CLISandbox(["AWS_ENDPOINT_URL_ECR": moto.endpoint, "AWS_ENDPOINT_URL_STS": moto.endpoint])
    }

    /// Writes the AWS files: `dev` with the moto user's keys and `config`, private as doctor wants them.
    func writeProfiles(_ config: String, secret: String? = nil) throws {
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = \(key.accessKeyID)\naws_secret_access_key = \(secret ?? key.secretAccessKey)\n")
        try sandbox.write(".aws/config", config)
        for file in [".aws/credentials", ".aws/config"] { chmod(sandbox.home.path + "/" + file, 0o600) }
    }

    /// The `accounts` line doctor printed for `account`, with the fix line after it when there is one.
    func accountLines(_ output: String, _ account: String) -> String {
        let lines = output.split(separator: "\n").map(String.init)
        guard let index = lines.firstIndex(where: { $0.contains("accounts: account \(account): ") }) else { return "" }
        let fix = index + 1 < lines.count && lines[index + 1].hasPrefix("    fix: ") ? "\n" + lines[index + 1] : ""
        return lines[index] + fix
    }

    @Test func eachAccountIsTheOneItsKeysAndRolesBelongTo() throws {
        defer { sandbox.remove() }
        let role = "arn:aws:iam::\(CrossAccountMoto.accounts[0]):role/ecr-pull"
        try writeProfiles(
            """
            [profile dev]
            region = eu-west-1

            [profile cross]
            role_arn = \(role)
            source_profile = dev
            region = eu-west-1
            """)

        let doctor = try sandbox.run("doctor", "--online")
        let dev = accountLines(doctor.stdout, "dev")
        #expect(
            dev == "ok  accounts: account dev: access key \(key.accessKeyID) is account 123456789012 "
                + "(arn:aws:iam::123456789012:user/source-user)", "\(doctor)")
        let cross = accountLines(doctor.stdout, "cross")
        #expect(cross.hasPrefix("ok  accounts: account cross: access key ASIA"), "\(doctor)")
        let account = CrossAccountMoto.accounts[0]
        #expect(
            cross.contains("is account \(account) (arn:aws:sts::\(account):assumed-role/ecr-pull/"), "\(doctor)")
        #expect(cross.hasSuffix("), as role_arn says"), "\(doctor)")
        #expect(!doctor.stdout.contains(key.secretAccessKey) && !doctor.stderr.contains(key.secretAccessKey))
    }

    @Test func aProfileThatSaysAnotherAccountIsAProblemWithItsFix() throws {
        defer { sandbox.remove() }
        try writeProfiles("[profile dev]\nregion = eu-west-1\naws_account_id = 111122223333\n")

        let doctor = try sandbox.run("doctor", "--online")
        #expect(doctor.status == 1, "\(doctor)")
        #expect(
            accountLines(doctor.stdout, "dev")
                == "PROBLEM  accounts: account dev: access key \(key.accessKeyID) is account 123456789012 "
                + "(arn:aws:iam::123456789012:user/source-user), but aws_account_id says account 111122223333\n"
                + "    fix: correct aws_account_id of profile 'dev', or give the profile credentials of account "
                + "111122223333", "\(doctor)")
    }

    @Test func aWrongSecretIsAProblemThatNamesTheKeyButNotTheSecret() throws {
        defer { sandbox.remove() }
        let wrong = "wrong-secret-WRONG-secret-0123456789"
        try writeProfiles("[profile dev]\nregion = eu-west-1\n", secret: wrong)

        let doctor = try sandbox.run("doctor", "--online")
        #expect(doctor.status == 1, "\(doctor)")
        let dev = accountLines(doctor.stdout, "dev")
        #expect(dev.hasPrefix("PROBLEM  accounts: account dev: "), "\(doctor)")
        #expect(dev.contains("secret access key does not match") && dev.contains(key.accessKeyID), "\(doctor)")
        #expect(dev.contains("fix: `ecr-sessions accounts login dev` says the same"), "\(doctor)")
        #expect(!doctor.stdout.contains(wrong) && !doctor.stderr.contains(wrong), "\(doctor)")
    }
}
