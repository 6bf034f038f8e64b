/// Spaces out the calls made for one key, so that hundreds of profiles sharing an account and region stay under
/// ECR's GetAuthorizationToken rate (20 per second per account and region) instead of being throttled together.
actor Pacer {
    private let interval: Duration
    private var nextSlot: [String: ContinuousClock.Instant] = [:]

    init(callsPerSecond: Int) {
        interval = .seconds(1) / max(callsPerSecond, 1)
    }

    /// Waits for this key's next free slot.
    func waitForTurn(_ key: String) async {
        let now = ContinuousClock.now
        let slot = max(now, nextSlot[key] ?? now)
        nextSlot[key] = slot + interval
        if slot > now {
            try? await Task.sleep(until: slot, clock: .continuous)
        }
    }
}
