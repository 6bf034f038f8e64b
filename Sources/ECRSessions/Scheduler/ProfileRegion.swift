/// What the cache files logins, attempts and backoff under: a profile in one region (or `LoginJob.publicRegion`).
public struct ProfileRegion: Sendable, Hashable, Comparable {
    public var profile: String
    public var region: String

    public init(profile: String, region: String) {
        self.profile = profile
        self.region = region
    }

    public static func < (lhs: ProfileRegion, rhs: ProfileRegion) -> Bool {
        (lhs.profile, lhs.region) < (rhs.profile, rhs.region)
    }
}

extension LoginJob {
    public var key: ProfileRegion { ProfileRegion(profile: profile, region: region) }
}

extension RegistryLogin {
    public var key: ProfileRegion { ProfileRegion(profile: profile, region: region) }
}

extension LoginAttempt {
    public var key: ProfileRegion { ProfileRegion(profile: profile, region: region) }
}

extension FailureStreak {
    public var key: ProfileRegion { ProfileRegion(profile: profile, region: region) }
}
