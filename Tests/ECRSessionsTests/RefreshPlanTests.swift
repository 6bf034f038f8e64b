import Foundation
import Testing

@testable import ECRSessions

@Suite struct RefreshPlanTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let token = AuthorizationToken(encoded: Data("AWS:pw".utf8).base64EncodedString())

    func login(_ profile: String, region: String = "eu-west-1", fetched: TimeInterval, lifetime: TimeInterval = 43200)
        -> RegistryLogin
    {
        let fetchedAt = now.addingTimeInterval(fetched)
        return RegistryLogin(
            profile: profile, accountID: "111122223333", region: region,
            registry: ECREndpoint.registryHost(account: "111122223333", region: region), token: token,
            expiresAt: fetchedAt.addingTimeInterval(lifetime), fetchedAt: fetchedAt)
    }

    @Test func onlyMissingAndDueRegistriesAreDue() {
        let jobs = ["fresh", "old", "new"].map { LoginJob(profile: $0, region: "eu-west-1") }
        let plan = RefreshPlan.make(
            jobs: jobs,
            logins: [login("fresh", fetched: -3600), login("old", fetched: -10 * 3600)],
            streaks: [], policy: RefreshPolicy(), now: now)
        #expect(Set(plan.due.map(\.profile)) == ["old", "new"])
        // "fresh" falls due when less than a quarter of its life is left (less up to 10% of that as jitter).
        let fresh = plan.entries.first { $0.job.profile == "fresh" }!
        let renewIn = fresh.dueAt.timeIntervalSince(now)
        #expect(renewIn <= 8 * 3600 && renewIn > 8 * 3600 - 0.1 * 3 * 3600)
        #expect(plan.nextDue == fresh.dueAt)
    }

    @Test func refreshBeforeOverridesAQuarterOfTheLife() {
        let policy = RefreshPolicy(refreshBefore: .seconds(3600), jitterFraction: 0)
        let renewAt = policy.renewalTime(for: login("a", fetched: 0))
        #expect(renewAt == now.addingTimeInterval(11 * 3600))
    }

    @Test func jitterIsStableForARegistryAndSpreadsAcrossRegistries() {
        let policy = RefreshPolicy()
        let times = (0..<50).map { policy.renewalTime(for: login("p\($0)", fetched: 0)) }
        #expect(times == (0..<50).map { policy.renewalTime(for: login("p\($0)", fetched: 0)) })
        #expect(Set(times).count > 40)
        let earliest = now.addingTimeInterval(9 * 3600 - 0.1 * 3 * 3600)
        #expect(times.allSatisfy { $0 > earliest && $0 <= now.addingTimeInterval(9 * 3600) })
    }

    @Test func aFailingRegistryBacksOffExponentiallyUpToTheCap() {
        let policy = RefreshPolicy(baseBackoff: .seconds(60), maxBackoff: .seconds(900))
        var previousCeiling: TimeInterval = 0
        for failures in 1...10 {
            let streak = FailureStreak(profile: "a", region: "eu-west-1", failures: failures, lastFailureAt: now)
            let wait = policy.retryTime(after: streak).timeIntervalSince(now)
            let ceiling = min(900, 60 * pow(2, Double(failures - 1)))
            #expect(wait >= ceiling / 2 && wait <= ceiling)
            #expect(ceiling >= previousCeiling)
            previousCeiling = ceiling
        }
        let jobs = [LoginJob(profile: "a", region: "eu-west-1")]
        let streak = FailureStreak(profile: "a", region: "eu-west-1", failures: 3, lastFailureAt: now)
        let plan = RefreshPlan.make(jobs: jobs, logins: [], streaks: [streak], policy: policy, now: now)
        #expect(plan.due.isEmpty)
        #expect(plan.entries[0].failures == 3)
        let forced = RefreshPlan.make(jobs: jobs, logins: [], streaks: [streak], policy: policy, now: now, force: true)
        #expect(forced.due == jobs)
    }

    @Test func theRegistryNeedingRenewalFirstDecidesForItsProfileAndRegion() {
        var shared = login("a", fetched: -10 * 3600)
        shared.registry = ECREndpoint.registryHost(account: "444455556666", region: "eu-west-1")
        let plan = RefreshPlan.make(
            jobs: [LoginJob(profile: "a", region: "eu-west-1")], logins: [login("a", fetched: -60), shared],
            streaks: [], policy: RefreshPolicy(), now: now)
        #expect(plan.due.count == 1)
    }
}

@Suite struct RefreshPolicyLimitTests {
    @Test func aWindowCloseToTheLifetimeStillLeavesAFreshTokenAlone() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let policy = RefreshPolicy(refreshBefore: .seconds(11 * 3600 + 59 * 60))
        for index in 0..<50 {
            let login = RegistryLogin(
                profile: "p\(index)", accountID: "111122223333", region: "eu-west-1", registry: "r\(index)",
                token: AuthorizationToken(encoded: "QVdTOnB3"), expiresAt: now.addingTimeInterval(43200),
                fetchedAt: now)
            #expect(policy.renewalTime(for: login) >= now.addingTimeInterval(4320))
        }
    }
}
