extension CLISandbox {
    /// A HOME whose one profile, `dev`, has the static keys `accessKeyID` and `secretAccessKey` and region eu-west-1,
    /// and which `fake` (registering the keys) knows as account 111122223333: the set-up of the suites that drive
    /// one account through the real binary.
    public static func devProfile(of fake: FakeECR, accessKeyID: String, secretAccessKey: String) throws -> CLISandbox {
        fake.register(accessKeyID: accessKeyID, secretAccessKey: secretAccessKey, account: "111122223333")
        let sandbox = try CLISandbox(fake.environment)
        try sandbox.write(
            ".aws/credentials",
            "[dev]\naws_access_key_id = \(accessKeyID)\naws_secret_access_key = \(secretAccessKey)\nregion = eu-west-1\n")
        return sandbox
    }
}
