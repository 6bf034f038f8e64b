public import Foundation

/// An IAM Identity Center (SSO) access token, as `aws sso login` leaves it in `~/.aws/sso/cache/`.
///
/// Its `description` never shows the token.
public struct SSOToken: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var accessToken: String
    public var expiresAt: Date

    public init(accessToken: String, expiresAt: Date) {
        self.accessToken = accessToken
        self.expiresAt = expiresAt
    }

    public var description: String {
        "SSOToken(accessToken: <redacted>, expiresAt: \(expiresAt.formatted(.iso8601)))"
    }

    /// Shows the same fields as `description`, so `dump` and debuggers do not reveal the token either.
    public var customMirror: Mirror {
        Mirror(self, children: ["expiresAt": expiresAt], displayStyle: .struct)
    }
}

/// The AWS CLI's SSO token cache: one JSON file per SSO session (or, for legacy profiles, per start URL).
public enum SSOTokenCache {
    /// The cache file for `key`, the profile's `sso_session` name or, for a legacy profile, its `sso_start_url`:
    /// `~/.aws/sso/cache/<SHA-1 of key in hex>.json`.
    public static func path(key: String, environment: Environment) -> String {
        environment.homeDirectory + "/.aws/sso/cache/" + sha1Hex(key) + ".json"
    }

    /// The token `aws sso login` cached for `key`, if it is still valid at `now`. `profile` is for the error text,
    /// which tells the user to log in again.
    public static func token(key: String, profile: String, environment: Environment, now: Date) throws(SSOError)
        -> SSOToken
    {
        let path = path(key: key, environment: environment)
        // An unreadable file (a directory, no permission) is no login either.
        guard let data = (try? FileSystem.contents(atPath: path))??.data else {
            throw SSOError(.notLoggedIn, profile: profile, detail: "no cached token at \(path)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let accessToken = object["accessToken"] as? String, !accessToken.isEmpty,
            let expiresText = object["expiresAt"] as? String
        else {
            throw SSOError(.notLoggedIn, profile: profile, detail: "\(path) holds no accessToken and expiresAt")
        }
        guard let expiresAt = AWSTimestamp.iso8601(expiresText) else {
            throw SSOError(
                .notLoggedIn, profile: profile, detail: "\(path) has expiresAt '\(expiresText.prefix(40))'")
        }
        guard expiresAt > now else {
            throw SSOError(
                .loginExpired, profile: profile, detail: "the SSO token expired \(expiresAt.formatted(.iso8601))")
        }
        return SSOToken(accessToken: accessToken, expiresAt: expiresAt)
    }

    /// SHA-1 in lowercase hex: only a file name here, as the AWS CLI chose it, not a security measure.
    static func sha1Hex(_ text: String) -> String {
        var digest = [UInt8](repeating: 0, count: 20)
        let bytes = Array(text.utf8)
        let library = Libcrypto.loaded
        let hashed = bytes.withUnsafeBytes { input in
            digest.withUnsafeMutableBytes { library.hash(input, with: library.sha1, into: $0) }
        }
        precondition(hashed, "libcrypto SHA-1 failed")
        return digest.lowercaseHex
    }
}
