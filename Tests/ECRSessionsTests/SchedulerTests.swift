import Foundation
import TestSupport
import Testing

@testable import ECRSessions

@Suite struct SchedulerTests {
    @Test func aRefreshRenewsOnlyWhatIsDue() async throws {
        let world = try SchedulerWorld(accountCount: 4)
        defer { world.remove() }
        let first = try await Actions.Refresh(world.context).run()
        #expect(first.plan.due.count == 4)
        #expect(world.ecr.requests.count == 4)

        // An hour later nothing is due, and nothing is asked of ECR.
        world.clock.advance(by: 3600)
        let quiet = try await Actions.Refresh(world.context).run()
        #expect(quiet.plan.due.isEmpty)
        #expect(quiet.login == nil)
        #expect(world.ecr.requests.count == 4)

        // Renew one registry by hand an hour in: when the others fall due (nine hours in, less jitter), it is not
        // among them.
        _ = try await Actions.AccountsLogin(world.context).run(try Account.select(["p0"], from: world.context.accounts()))
        world.clock.advance(by: 8.05 * 3600)
        let due = try await Actions.Refresh(world.context).run()
        #expect(Set(due.plan.due.map(\.profile)) == ["p1", "p2", "p3"])
        #expect(world.ecr.requests.count == 8)
        #expect(due.endangered.isEmpty)
    }

    @Test func aFailingAccountBacksOffWhileTheOthersRenew() async throws {
        let world = try SchedulerWorld(accountCount: 3)
        defer { world.remove() }
        world.ecr.fail(account: world.accounts[0].account, with: .serverError, times: .max)

        // Thirty minutes of cron, once a minute.
        for _ in 0..<30 {
            _ = try await Actions.Refresh(world.context).run()
            world.clock.advance(by: 60)
        }
        let failing = world.ecr.requestCount(account: world.accounts[0].account, region: world.accounts[0].region)
        // Three tries per attempt; attempts at about 0, 1, 2-3, 4-7, 8-15 and 16-31 minutes: far fewer than 30.
        #expect(failing >= 3 * 4 && failing <= 3 * 7, "\(failing) requests")
        for healthy in world.accounts.dropFirst() {
            #expect(world.ecr.requestCount(account: healthy.account, region: healthy.region) == 1)
        }
        let status = try Actions.Status(world.context).run()
        #expect(status.filter { $0.lastError == nil && $0.registry != nil }.count == 2)
        #expect(status.first { $0.profile == "p0" }?.lastError?.contains("server error") == true)

        // The failing account with no token at all is what makes refresh exit 1.
        let report = try await Actions.Refresh(world.context).run(force: true)
        #expect(report.endangered.count == 1)
        #expect(report.endangered[0].description.contains("profile 'p0'"))
    }

    @Test func aFailedRenewalKeepsTheOldTokenInPlace() async throws {
        let world = try SchedulerWorld(accountCount: 1)
        defer { world.remove() }
        _ = try await Actions.Refresh(world.context).run()
        let before = try world.context.cache().logins()
        let dockerConfig = try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8)

        world.clock.advance(by: 10 * 3600)
        world.ecr.setOutage(true)
        let report = try await Actions.Refresh(world.context).run()
        #expect(report.login?.results.first?.succeeded == false)
        #expect(try world.context.cache().logins() == before)
        #expect(try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8) == dockerConfig)
        // Inside the refresh window and failing: refresh reports it.
        #expect(report.endangered.count == 1)
    }

    @Test func registryIDsFanOneTokenOutToOtherAccounts() async throws {
        let world = try SchedulerWorld(
            accountCount: 1,
            config: """
                [account shared]
                profile = p0
                regions = us-east-1
                registry_ids = 444455556666 777788889999
                """)
        defer { world.remove() }
        let report = try await Actions.Refresh(world.context).run()
        let logins = try #require(report.login?.results.first?.logins)
        #expect(
            Set(logins.map(\.registry)) == [
                "100000000000.dkr.ecr.us-east-1.amazonaws.com", "444455556666.dkr.ecr.us-east-1.amazonaws.com",
                "777788889999.dkr.ecr.us-east-1.amazonaws.com",
            ])
        #expect(Set(logins.map(\.token.encoded)).count == 1)
        #expect(world.ecr.requests.count == 1)
        let config = try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8)
        #expect(config.contains("777788889999.dkr.ecr.us-east-1.amazonaws.com"))
    }
}

@Suite struct SchedulerPacingAndPublicTests {
    @Test func callsForOneKeyAndRegionArePacedUnderECRsRate() async throws {
        let pacer = Pacer(callsPerSecond: 20)
        let start = ContinuousClock.now
        for _ in 0..<11 { await pacer.waitForTurn("AKIA/eu-west-1") }
        // Ten intervals of 50 ms after the first call; another key is not held up by this one.
        #expect(ContinuousClock.now - start >= .milliseconds(500))
        let other = ContinuousClock.now
        await pacer.waitForTurn("AKIA/us-east-1")
        #expect(ContinuousClock.now - other < .milliseconds(50))
    }

    @Test func anECRPublicAccountLogsInToPublicECRAWS() async throws {
        let world = try SchedulerWorld(
            accountCount: 1,
            config: """
                [account public]
                profile = p0
                public = true
                """)
        defer { world.remove() }
        let sessions = world.context
        let report = try await Actions.Refresh(sessions).run()
        let login = try #require(report.login?.results.first?.logins.first)
        #expect(login.registry == "public.ecr.aws")
        #expect(login.region == LoginJob.publicRegion)
        #expect(world.ecr.requests.first?.service == "ecr-public")
        let config = try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8)
        #expect(config.contains("\"public.ecr.aws\""))
    }
}

@Suite struct SchedulerRecoveryTests {
    @Test func aTokenThatCouldNotBeWrittenIsRetriedOnceTheFileIsFixed() async throws {
        let world = try SchedulerWorld(accountCount: 1)
        defer { world.remove() }
        let malformed = "{\"auths\": {,}\n"
        try world.home.write(".docker/config.json", malformed)

        let first = try await Actions.Refresh(world.context).run()
        #expect(first.login?.targetErrors.count == 1)
        #expect(try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8) == malformed)
        #expect(try Actions.Status(world.context).run().first?.lastError?.contains("not written") == true)

        // Fixed by the user; within the backoff nothing runs, after it the registry is written.
        try world.home.write(".docker/config.json", "{}")
        world.clock.advance(by: 10)
        #expect(try await Actions.Refresh(world.context).run().plan.due.isEmpty)
        world.clock.advance(by: 120)
        let second = try await Actions.Refresh(world.context).run()
        #expect(second.plan.due.count == 1)
        #expect(second.login?.targetErrors.isEmpty == true)
        let config = try String(contentsOf: world.home.url(".docker/config.json"), encoding: .utf8)
        #expect(config.contains(world.accounts[0].account))
        #expect(try Actions.Status(world.context).run().first?.lastError == nil)
    }

    @Test func aRegistryDroppedFromTheConfigurationIsForgotten() async throws {
        let world = try SchedulerWorld(
            accountCount: 1,
            config: "[account a]\nprofile = p0\nregions = us-east-1\nregistry_ids = 444455556666\n")
        defer { world.remove() }
        _ = try await Actions.Refresh(world.context).run()
        #expect(try world.context.cache().logins().count == 2)

        try world.home.write(".config/ecr-sessions/config", "[account a]\nprofile = p0\nregions = us-east-1\n")
        _ = try await Actions.Refresh(world.context).run(force: true)
        #expect(try world.context.cache().logins().map(\.accountID) == [world.accounts[0].account])
        // Nothing stale is left to keep the job due: an hour later nothing runs.
        world.clock.advance(by: 3600)
        #expect(try await Actions.Refresh(world.context).run().plan.due.isEmpty)
    }

    @Test func publicAndPrivateUSEast1OfOneProfileAreKeptApart() async throws {
        let world = try SchedulerWorld(
            accountCount: 1,
            config:
                "[account private]\nprofile = p0\nregions = us-east-1\n\n[account public]\nprofile = p0\npublic = true\n"
        )
        defer { world.remove() }
        let sessions = world.context
        _ = try await Actions.Refresh(sessions).run()
        let logins = try sessions.cache().logins()
        #expect(Set(logins.map(\.region)) == ["us-east-1", LoginJob.publicRegion])
        let privateToken = try #require(logins.first { $0.region == "us-east-1" }?.token)
        let password = try await Actions.LoginPassword(sessions).run(profile: "p0", region: "us-east-1")
        #expect(password == privateToken.credentials?.password)
    }
}

@Suite struct ConfigAccountErrorTests {
    @Test func aConfigAccountWithAMissingProfileNamesItsLineAndTheOthersStillLogIn() async throws {
        let world = try SchedulerWorld(
            accountCount: 1,
            config:
                "[account good]\nprofile = p0\nregions = us-east-1\n\n[account typo]\nprofile = p9\nregions = us-east-1\n"
        )
        defer { world.remove() }
        let report = try await Actions.AccountsLogin(world.context).run(try Account.select([], from: world.context.accounts()))
        let failed = try #require(report.results.first { !$0.succeeded })
        #expect(failed.job.profile == "p9")
        #expect(failed.error?.description.hasPrefix("~/.config/ecr-sessions/config line 5: ") == true, "\(failed.error?.description ?? "")")
        #expect(report.results.filter(\.succeeded).map(\.job.profile) == ["p0"])
    }
}

@Suite struct CredentialStoreNoticeTests {
    @Test(arguments: [("containers", ".config/containers/auth.json", false), ("docker", ".docker/config.json", true)])
    func aCredsStoreIsReportedOnlyWhereTheToolConsultsIt(target: String, file: String, warned: Bool) async throws {
        let world = try SchedulerWorld(
            accountCount: 1, config: "[settings]\ntargets = \(target)\ncred_helpers = warn\n")
        defer { world.remove() }
        try world.home.write(file, #"{"credsStore": "desktop"}"#)
        let report = try await Actions.Refresh(world.context).run()
        #expect((report.login?.notices.isEmpty == false) == warned, "\(report.login?.notices ?? [])")
        let written = try String(contentsOf: world.home.url(file), encoding: .utf8)
        #expect(written.contains(world.accounts[0].account))
    }
}

@Suite struct TargetRepairTests {
    @Test func aLoginThatDisappearedFromAFileIsWrittenBackWithoutCallingECR() async throws {
        let world = try SchedulerWorld(accountCount: 2)
        defer { world.remove() }
        _ = try await Actions.Refresh(world.context).run()
        let config = world.home.url(".docker/config.json")
        let written = try String(contentsOf: config, encoding: .utf8)

        // As `docker logout` would: the entry goes, another tool's entry is there now.
        let host = ECREndpoint.registryHost(account: world.accounts[0].account, region: world.accounts[0].region)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(written.utf8)) as? [String: Any])
        var auths = try #require(object["auths"] as? [String: Any])
        auths[host] = nil
        auths["ghcr.io"] = ["auth": "Z2g6dG9r"]
        object["auths"] = auths
        try JSONSerialization.data(withJSONObject: object).write(to: config)

        world.clock.advance(by: 300)
        let report = try await Actions.Refresh(world.context).run()
        #expect(report.plan.due.isEmpty)
        #expect(report.repaired == [host])
        #expect(world.ecr.requests.count == 2, "no new ECR call")
        let repaired = try String(contentsOf: config, encoding: .utf8)
        #expect(repaired.contains(host) && repaired.contains("ghcr.io"))

        // Files that are right are only read.
        let before = try FileManager.default.attributesOfItem(atPath: config.path)[.modificationDate] as? Date
        world.clock.advance(by: 300)
        #expect(try await Actions.Refresh(world.context).run().repaired.isEmpty)
        #expect(try FileManager.default.attributesOfItem(atPath: config.path)[.modificationDate] as? Date == before)
    }
}

/// One slow or hanging endpoint costs its own account at most `login_timeout`, and the others' tokens reach the files
/// while it is still waiting.
@Suite struct SlowAccountTests {
    @Test func aHangingAccountGivesUpAtItsDeadlineAndTheOthersAreLoggedIn() async throws {
        let world = try SchedulerWorld(accountCount: 3, config: "[settings]\nlogin_timeout = 1s\n")
        defer { world.remove() }
        // Longer than the transport's 30 s timeout: without the deadline, 4 tries would cost two minutes.
        world.ecr.setLatency(.seconds(100), account: world.accounts[0].account)
        let started = ContinuousClock.now
        let report = try await Actions.Refresh(world.context).run()
        let elapsed = started.duration(to: .now)

        let failed = try #require(report.login?.results.first { !$0.succeeded })
        #expect(failed.job.profile == "p0")
        #expect(failed.error?.description.contains("gave up after 1s (login_timeout in [settings])") == true)
        #expect(report.login?.results.filter(\.succeeded).count == 2)
        // A wide margin for a busy machine, still below the two minutes the four tries alone would cost.
        #expect(elapsed < .seconds(90), "\(elapsed)")
        let docker = try String(contentsOfFile: world.home.path + "/.docker/config.json", encoding: .utf8)
        for account in world.accounts.dropFirst() { #expect(docker.contains(account.account)) }
    }

    @Test func finishedAccountsAreWrittenWhileASlowOneIsStillRunning() async throws {
        let world = try SchedulerWorld(accountCount: 3, config: "[settings]\nlogin_timeout = 8s\n")
        defer { world.remove() }
        world.ecr.setLatency(.seconds(100), account: world.accounts[0].account)
        let path = world.home.path + "/.docker/config.json"
        let refresh = Task { try await Actions.Refresh(world.context).run() }
        var fastOnesWritten: ContinuousClock.Instant?
        let giveUp = ContinuousClock.now + .seconds(60)
        while fastOnesWritten == nil && ContinuousClock.now < giveUp {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if world.accounts.dropFirst().allSatisfy({ text.contains($0.account) }) { fastOnesWritten = .now }
            try await Task.sleep(for: .milliseconds(50))
        }
        let report = try await refresh.value
        let finished = ContinuousClock.now
        // The slow account ran into its deadline; the others' tokens were in the file long before the run ended.
        #expect(report.login?.results.filter(\.succeeded).count == 2)
        let written = try #require(fastOnesWritten)
        #expect(finished - written > .seconds(1), "the fast accounts' tokens waited for the slow one")
    }
}
