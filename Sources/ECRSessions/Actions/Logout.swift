/// What a logout did: the entries taken out of each target, and what could not be done.
public struct LogoutReport: Sendable, Equatable {
    /// One line per target changed: the place and the hosts whose entries were removed or put back as they were.
    public var removed: [String] = []
    /// How many cached logins (ECR tokens and user logins) were forgotten.
    public var forgottenLogins = 0
    /// Targets that could not be restored, with the reason; they stay tracked, so a later logout tries again.
    public var errors: [TargetError] = []

    public init(removed: [String] = [], forgottenLogins: Int = 0, errors: [TargetError] = []) {
        self.removed = removed
        self.forgottenLogins = forgottenLogins
        self.errors = errors
    }

    public var succeeded: Bool { errors.isEmpty }
}

extension Actions {
    /// `accounts logout` and `logout HOST`: removes exactly the entries ecr-sessions wrote, putting each target back
    /// as it was before, and forgets the cached logins.
    public struct Logout: Sendable {
        public let context: ActionContext

        public init(_ context: ActionContext) {
            self.context = context
        }

        /// Logs `names` (account names or profiles; every profile when empty) out of every target, and forgets
        /// their cached tokens. User/password logins are kept.
        public func accounts(_ names: [String]) throws -> LogoutReport {
            let cache = try context.cache()
            guard !names.isEmpty else {
                var report = try undo(.everyOwner, cache: cache)
                for profile in Set(try cache.logins().map(\.profile)) {
                    report.forgottenLogins += try cache.removeLogins(profile: profile).count
                }
                return report
            }
            // An account of the config file may name another profile; a bare name is a profile.
            let configured = (try? context.configuration())??.accounts ?? []
            let profiles = names.map { name in configured.first { $0.name == name }?.profile ?? name }
            var report = try undo(.owners(profiles), cache: cache)
            for profile in profiles {
                report.forgottenLogins += try cache.removeLogins(profile: profile).count
            }
            return report
        }

        /// Logs the registries `hosts` out, whoever logged them in: a user/password login (`login --username`) or
        /// an ECR registry. Hosts are taken as docker takes them (`https://` and paths stripped; Docker Hub's names).
        public func registries(_ hosts: [String]) throws -> LogoutReport {
            let cache = try context.cache()
            let keys = hosts.flatMap { host in
                let (plain, serverURL) = RegistryHost.userLoginKeys(host)
                // An ECR host in any case docker accepts is the one the cache and the targets hold.
                return [plain, serverURL] + [ECRRegistryHost(plain)?.description].compactMap { $0 }
            }
            var report = try undo(.hosts(keys), cache: cache)
            for key in Set(keys) {
                if try cache.removeUserLogin(host: key) { report.forgottenLogins += 1 }
                report.forgottenLogins += try cache.removeLogins(registry: key).count
            }
            return report
        }

        /// Restores every target holding entries that `selection` names, and stops tracking those entries.
        private func undo(_ selection: UndoSelection, cache: Cache) throws -> LogoutReport {
            var report = LogoutReport()
            for record in try cache.undoRecords(selection) {
                guard let target = context.targets.reopen(record, environment: context.environment) else {
                    report.errors.append(
                        .undoNotRecorded(
                            file: record.place,
                            reason: "this ecr-sessions does not know targets of kind \(record.kind)"))
                    continue
                }
                let outcome: TargetUndoOutcome
                do {
                    outcome = try target.undo(hosts: Set(record.entries.keys), record: record)
                } catch {
                    report.errors.append(error)
                    continue
                }
                do {
                    try cache.forgetUndo(kind: record.kind, place: record.place, hosts: record.entries.keys)
                } catch {
                    throw PartialFailure(error)  // the target is already restored
                }
                let hosts = outcome.restoredHosts.sorted().joined(separator: ", ")
                if !hosts.isEmpty {
                    report.removed.append(
                        outcome.removedPlace ? "\(record.place): \(hosts) (file removed)" : "\(record.place): \(hosts)")
                }
            }
            return report
        }
    }
}
