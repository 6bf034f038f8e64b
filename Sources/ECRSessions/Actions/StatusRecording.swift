import Foundation

extension Actions.Refresh {
    /// What every refresh and daemon pass leaves for `status` and monitoring: the configured jobs and the run's
    /// times in the cache (forgetting the accounts no longer configured), then the `metrics_file` if one is set.
    /// Returns why the metrics file could not be written, if it could not.
    func recordForStatus(accounts: [Account], policy: RefreshPolicy, startedAt: Date, cache: Cache) throws
        -> String?
    {
        let jobs = accounts.flatMap { account in
            account.jobs.map { ConfiguredJob(account: account.name, profile: $0.profile, region: $0.region) }
        }
        try cache.recordRefresh(
            RefreshRecord(
                jobs: jobs, refreshBefore: policy.refreshBefore, startedAt: startedAt,
                finishedAt: context.clock.now()))
        guard let path = try context.settings().metricsFile.map(context.environment.expandingTilde) else {
            return nil
        }
        do {
            try MetricsFile.write(try Actions.Status(context).report(), to: path)
            return nil
        } catch {
            return "could not write the metrics file: \(error)"
        }
    }
}
