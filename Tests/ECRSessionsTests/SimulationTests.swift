import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The scheduler's promise, simulated: a week of `refresh` every five minutes against the fake ECR with 12-hour
/// tokens, one attempt in ten failing at random and a two-hour outage, must never leave a registry with an expired
/// token. Real libcurl, SQLite and config files; only the clock is simulated.
@Suite struct SimulationTests {
    /// SplitMix64: a seeded generator, so a failing run can be replayed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func aWeekOfCronKeepsEveryRegistryLoggedIn() async throws {
        let world = try SchedulerWorld(accountCount: 12)
        defer { world.remove() }
        var random = SeededGenerator(state: 20261122)
        let start = world.clock.now()
        let step: TimeInterval = 5 * 60
        let passes = 7 * 24 * 12
        // The outage starts on day 4 just as registries fall due, the worst moment for it.
        var outage: Range<Date>?
        var expiredSightings = 0
        var missingSightings = 0
        var leastTimeLeft = TimeInterval.infinity
        var exitOnes = 0
        var failedAttempts = 0

        for pass in 0..<passes {
            let now = world.clock.now()
            world.ecr.clearFaults()
            if outage?.contains(now) == true {
                world.ecr.setOutage(true)
            } else {
                for account in world.accounts where Double.random(in: 0..<1, using: &random) < 0.1 {
                    let fault = [FakeECR.Fault.throttle, .serverError, .malformedBody].randomElement(using: &random)!
                    // Three tries per attempt: the whole attempt fails.
                    world.ecr.fail(account: account.account, with: fault, times: 3)
                }
            }
            let report = try await Actions.Refresh(world.context).run()
            if !report.endangered.isEmpty { exitOnes += 1 }
            failedAttempts += report.login?.results.filter { !$0.succeeded }.count ?? 0
            if outage == nil, now.timeIntervalSince(start) >= 3 * 86400, let next = report.nextDue,
                next <= now.addingTimeInterval(step)
            {
                outage = now.addingTimeInterval(step)..<now.addingTimeInterval(step + 2 * 3600)
            }

            let logins = try world.context.cache().logins()
            for account in world.accounts {
                guard let login = logins.first(where: { $0.profile == account.profile }) else {
                    if pass > 0 { missingSightings += 1 }
                    continue
                }
                let left = login.expiresAt.timeIntervalSince(now)
                if left <= 0 { expiredSightings += 1 }
                leastTimeLeft = min(leastTimeLeft, left)
            }
            world.clock.advance(by: step)
        }

        // What landed in docker's config.json is what the cache holds.
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: world.home.url(".docker/config.json")))
        let auths = try #require((config as? [String: Any])?["auths"] as? [String: [String: String]])
        for login in try world.context.cache().logins() {
            #expect(auths[login.registry]?["auth"] == login.token.encoded)
        }

        let requests = world.ecr.requests
        let issued = requests.filter { if case .issued = $0.outcome { true } else { false } }.count
        print(
            """
            7-day simulation: \(passes) refresh runs every 5 min, \(world.accounts.count) registries, 12 h tokens, \
            \(failedAttempts) failed attempts (one in ten at random, and a 2 h outage on day 4)
              ECR requests \(requests.count), tokens issued \(issued) \
            (\(String(format: "%.1f", Double(issued) / Double(world.accounts.count) / 7)) per registry per day)
              least time left on any token at any run: \(String(format: "%.0f", leastTimeLeft / 60)) min
              runs that would exit 1: \(exitOnes)
              registries seen with an expired token: \(expiredSightings); seen without any token after the first run: \
            \(missingSightings)
            """)
        #expect(expiredSightings == 0)
        #expect(missingSightings == 0 || missingSightings < 12, "a first-run failure is retried within minutes")
        #expect(leastTimeLeft > 30 * 60)
        #expect(outage != nil)
        // Renewing with a quarter of the life left means a token every 9 hours (2.7 a day), not one every run.
        #expect(Double(issued) < Double(world.accounts.count) * 7 * 24 / 9 * 1.1)
    }
}
