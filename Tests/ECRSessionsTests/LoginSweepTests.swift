import ECRSessions
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import ECRSessions

/// A login sweep writes its tokens in batches whose interval grows with the run, so the rewrites of the targets do
/// not grow with N²; the guarantees (a hanging account delays only itself) are SlowAccountTests'.
@Suite struct LoginSweepTests {
    @Test(arguments: [(1, 250), (100, 250), (101, 252), (400, 1000), (1000, 2500), (2000, 5000), (100_000, 5000)])
    func theBatchIntervalGrowsWithTheRunUpToFiveSeconds(jobs: Int, milliseconds: Int) {
        let interval = WriteBatches.interval(jobs: jobs)
        let difference = interval - .milliseconds(milliseconds)
        #expect(difference < .milliseconds(1) && difference > .milliseconds(-1), "\(jobs) jobs: \(interval)")
    }

    @Test func aSweepWritesEveryTokenInNoMoreBatchesThanItsIntervalsAllow() async throws {
        // 80 profiles (the world's accounts are two-digit) in two regions each: 160 jobs, past the 250 ms floor.
        let config = (0..<80).map { "[account p\($0)]\nprofile = p\($0)\nregions = us-east-1 eu-west-1\n" }.joined()
        let world = try SchedulerWorld(accountCount: 80, config: "[settings]\nconcurrency = 16\n" + config)
        defer { world.remove() }
        let batches = Mutex(0)
        let started = ContinuousClock.now
        let report = try await Actions.AccountsLogin(world.context).run(
            try world.context.accounts(), written: { _, _ in batches.withLock { $0 += 1 } })
        let elapsed = started.duration(to: .now)
        #expect(report.results.count == 160)
        #expect(report.results.allSatisfy { $0.succeeded })
        let interval = WriteBatches.interval(jobs: 160)
        let allowed = Int((elapsed / interval).rounded(.down)) + 1
        #expect(batches.withLock { $0 } <= allowed, "\(batches.withLock { $0 }) batches in \(elapsed)")
        let docker = try String(contentsOfFile: world.home.path + "/.docker/config.json", encoding: .utf8)
        for account in world.accounts {
            for region in ["us-east-1", "eu-west-1"] {
                #expect(docker.contains("\(account.account).dkr.ecr.\(region).amazonaws.com"))
            }
        }
    }
}
