public import Foundation

/// When a registry's token should be renewed, and how long a failing one waits before the next try.
public struct RefreshPolicy: Sendable, Equatable {
    /// Renew when less than this is left; nil means a quarter of the token's life (3 h of ECR's 12 h).
    public var refreshBefore: Duration?
    /// Renewals are spread over this fraction of the window before it, so a fleet of machines (or hundreds of
    /// accounts logged in together) does not renew in lock-step.
    public var jitterFraction: Double
    /// The first pause after a failure; each further consecutive failure doubles it, up to `maxBackoff`.
    public var baseBackoff: Duration
    public var maxBackoff: Duration

    public init(
        refreshBefore: Duration? = nil, jitterFraction: Double = 0.1, baseBackoff: Duration = .seconds(60),
        maxBackoff: Duration = .seconds(15 * 60)
    ) {
        self.refreshBefore = refreshBefore
        self.jitterFraction = jitterFraction
        self.baseBackoff = baseBackoff
        self.maxBackoff = maxBackoff
    }

    /// The moment `login` becomes due: its expiry less the refresh window, less a jitter that is stable for a
    /// given registry and token (so every cron run agrees on it) and differs between registries.
    public func renewalTime(for login: RegistryLogin) -> Date {
        let lifetime = max(login.expiresAt.timeIntervalSince(login.fetchedAt), 0)
        let window = refreshBefore.map(\.seconds) ?? lifetime / 4
        let jitter =
            window * jitterFraction
            * stableFraction(
                login.profile, login.region, login.registry, number: login.expiresAt.timeIntervalSince1970.bitPattern)
        // However large refresh_before is, a fresh token keeps a tenth of its life before it is due again;
        // otherwise a window close to the lifetime would renew on every run.
        return login.expiresAt.addingTimeInterval(-min(window + jitter, lifetime * 0.9))
    }

    /// When a (profile, region) with `streak` consecutive failures may be tried again: exponential backoff with
    /// jitter between half and all of the step, derived from the attempts in the cache.
    public func retryTime(after streak: FailureStreak) -> Date {
        let step = min(maxBackoff.seconds, baseBackoff.seconds * pow(2, Double(min(streak.failures, 30) - 1)))
        let jitter = 0.5 + 0.5 * stableFraction(streak.profile, streak.region, String(streak.failures))
        return streak.lastFailureAt.addingTimeInterval(step * jitter)
    }
}

/// A number in [0, 1) that depends only on `parts` (and `number`'s bytes): FNV-1a, because Swift's `Hasher` is
/// seeded per process and two cron runs must agree. Fed part by part, with no string built: `status` asks it for
/// every registry.
func stableFraction(_ parts: String..., number: UInt64? = nil) -> Double {
    var fingerprint = Fingerprint()
    for (index, part) in parts.enumerated() {
        if index > 0 { fingerprint.add(byte: 0x1F) }
        fingerprint.add(part)
    }
    if let number {
        fingerprint.add(byte: 0x1F)
        for shift in stride(from: 0, to: 64, by: 8) {
            fingerprint.add(byte: UInt8(truncatingIfNeeded: number >> UInt64(shift)))
        }
    }
    return Double(fingerprint.value >> 11) / Double(1 << 53)
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
