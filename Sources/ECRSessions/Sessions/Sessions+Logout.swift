/// What a logout did: the entries taken out of each file, and what could not be done.
public struct LogoutReport: Sendable, Equatable {
    /// One line per file changed: the file and the hosts whose entries were removed or put back as they were.
    public var removed: [String] = []
    /// How many cached logins (ECR tokens and user logins) were forgotten.
    public var forgottenLogins = 0
    /// Files that could not be restored, with the reason; they stay tracked, so a later logout tries again.
    public var errors: [String] = []

    public init(removed: [String] = [], forgottenLogins: Int = 0, errors: [String] = []) {
        self.removed = removed
        self.forgottenLogins = forgottenLogins
        self.errors = errors
    }

    public var succeeded: Bool { errors.isEmpty }
}

extension Sessions {
    /// Logs `names` (account names or profiles; every profile when empty) out: removes exactly the entries
    /// ecr-sessions wrote for them from every file, putting each file back as it was before (see
    /// `RegistryAuthFile.restore`), and forgets their cached tokens. User/password logins are kept.
    public func logout(accounts names: [String]) throws -> LogoutReport {
        guard !names.isEmpty else {
            var report = try undoWrites(.everyProfile)
            for profile in Set(try cache().logins().map(\.profile)) {
                report.forgottenLogins += try cache().removeLogins(profile: profile).count
            }
            return report
        }
        // An account of the config file may name another profile; a bare name is a profile.
        let configured = (try? configuration())??.accounts ?? []
        let profiles = names.map { name in configured.first { $0.name == name }?.profile ?? name }
        var report = try undoWrites(.profiles(profiles))
        for profile in profiles {
            report.forgottenLogins += try cache().removeLogins(profile: profile).count
        }
        return report
    }

    /// Logs the registries `hosts` out, whoever logged them in: a user/password login (`login --username`) or an
    /// ECR registry. Hosts are taken as docker takes them (`https://` and paths stripped; Docker Hub's names).
    public func logout(hosts: [String]) throws -> LogoutReport {
        let keys = hosts.flatMap { host in
            let (plain, serverURL) = Self.userLoginKeys(host)
            return [plain, serverURL]
        }
        var report = try undoWrites(.hosts(keys))
        for key in Set(keys) {
            if try cache().removeUserLogin(host: key) { report.forgottenLogins += 1 }
            report.forgottenLogins += try cache().removeLogins(registry: key).count
        }
        return report
    }

    /// Restores every file holding entries that `selection` names, and stops tracking those entries.
    private func undoWrites(_ selection: WrittenSelection) throws -> LogoutReport {
        var report = LogoutReport()
        for written in try cache().writtenFiles(selection) {
            let entries = written.entries.map(\.written)
            do {
                let removal = try RegistryAuthFile(path: written.path).restore(
                    entries, prior: written.prior, original: written.original)
                try cache().forgetWritten(file: written.path, hosts: entries.map(\.host))
                let hosts = removal.removedHosts.sorted().joined(separator: ", ")
                if !hosts.isEmpty {
                    report.removed.append(
                        removal.removedFile ? "\(written.path): \(hosts) (file removed)" : "\(written.path): \(hosts)")
                }
            } catch {
                report.errors.append(String(describing: error))
            }
        }
        return report
    }
}
