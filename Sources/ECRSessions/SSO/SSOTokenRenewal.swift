public import Foundation

extension SSOTokenCache {
    /// Renew a token with less than this left, as botocore's SSO token provider does.
    static let renewalWindow: TimeInterval = 15 * 60

    /// The cached token for `key`, renewed through SSO-OIDC `CreateToken` when it has expired or is within
    /// `renewalWindow` of it and the file holds a refresh token and a client registration that is still valid.
    /// The renewed token is written back as the AWS CLI writes it: the same file and fields, replaced atomically,
    /// 0600. When renewal fails, a token still valid is used as it is; an expired one asks for `aws sso login`.
    public static func freshToken(
        key: String, profile: String, ssoRegion: String, environment: Environment, now: Date, oidc: SSOOIDCClient
    ) async throws(SSOError) -> SSOToken {
        let path = path(key: key, environment: environment)
        guard let data = (try? FileSystem.contents(atPath: path))??.data,
            var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let expiresAt = (object["expiresAt"] as? String).flatMap(AWSTimestamp.iso8601),
            expiresAt <= now.addingTimeInterval(renewalWindow),
            let refreshToken = object["refreshToken"] as? String, !refreshToken.isEmpty,
            let clientID = object["clientId"] as? String, let clientSecret = object["clientSecret"] as? String,
            (object["registrationExpiresAt"] as? String).flatMap(AWSTimestamp.iso8601).map({ $0 > now }) ?? true,
            let endpoint = SSOOIDCClient.endpoint(
                ssoRegion: (object["region"] as? String) ?? ssoRegion, environment: environment)
        else {
            return try token(key: key, profile: profile, environment: environment, now: now)
        }
        do {
            let renewal = try await oidc.renew(
                clientID: clientID, clientSecret: clientSecret, refreshToken: refreshToken, endpoint: endpoint)
            let newExpiry = now.addingTimeInterval(renewal.expiresIn)
            object["accessToken"] = renewal.accessToken
            object["expiresAt"] = newExpiry.formatted(.iso8601)
            if let rotated = renewal.refreshToken { object["refreshToken"] = rotated }
            do {
                let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                try AtomicFile.replace(path, with: text, mode: 0o600)
            } catch {
                // The new token works for this run even when the file cannot take it.
                _ = error
            }
            return SSOToken(accessToken: renewal.accessToken, expiresAt: newExpiry)
        } catch {
            guard expiresAt > now else {
                var expired = error
                expired.profile = profile
                if expired.kind != .invalidEndpoint { expired.kind = .loginExpired }
                expired.detail = "the SSO token expired \(expiresAt.formatted(.iso8601)); \(error.detail)"
                throw expired
            }
            return try token(key: key, profile: profile, environment: environment, now: now)
        }
    }
}
