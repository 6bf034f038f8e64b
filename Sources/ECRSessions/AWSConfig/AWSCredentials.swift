public import Foundation

/// AWS credentials: an access key pair, and for temporary credentials a session token and an expiry.
///
/// Its `description` never shows the secret key or the session token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String?
    public var expiration: Date?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil, expiration: Date? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
    }

    public var description: String {
        var text = "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>"
        if sessionToken != nil { text += ", sessionToken: <redacted>" }
        if let expiration { text += ", expiration: \(expiration.formatted(.iso8601))" }
        return text + ")"
    }
}
