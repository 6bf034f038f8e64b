import Foundation

/// The checks of this machine: the target files, the cache, the timer and the credential helper.
extension Actions.Doctor {
    /// Why the tool reads the file it does, as the environment decides it.
    private func origin(of target: LoginTarget) -> String {
        let environment = context.environment
        switch target {
        case .docker:
            return environment["DOCKER_CONFIG"] != nil ? "docker reads it, as DOCKER_CONFIG says" : "docker's default"
        case .containers:
            if environment["REGISTRY_AUTH_FILE"] != nil {
                return "podman and skopeo read it, as REGISTRY_AUTH_FILE says"
            }
            if environment["XDG_RUNTIME_DIR"] != nil {
                return "podman and skopeo read it, in XDG_RUNTIME_DIR (REGISTRY_AUTH_FILE is not set)"
            }
            return "podman and skopeo read it (neither REGISTRY_AUTH_FILE nor XDG_RUNTIME_DIR is set)"
        case .helm:
            return environment["HELM_REGISTRY_CONFIG"] != nil
                ? "helm reads it, as HELM_REGISTRY_CONFIG says" : "helm's default"
        default:
            return "\(target)'s file"
        }
    }

    /// Each target file of `[settings] targets`: there or creatable, writable, private, and not shadowed by a
    /// credential store or helper that the tools would ask instead of the entries ecr-sessions writes.
    func targets() -> [DoctorFinding] {
        let settings: Configuration.Settings
        do {
            settings = try context.settings()
        } catch {
            return [DoctorFinding(.targets, "targets", .problem, error.description, fix: "correct the config file")]
        }
        let managed = managedHosts()
        var findings: [DoctorFinding] = []
        for name in settings.targets {
            for target in context.targets.resolveAll(name, environment: context.environment, settings: settings) {
                guard let file = target as? RegistryAuthFile else {
                    findings.append(DoctorFinding(.targets, target.place, .skipped, "not a file; not checked"))
                    continue
                }
                findings += fileFindings(file, target: name, managed: managed)
            }
        }
        return findings
    }

    /// The hosts ecr-sessions has logged in: those a credential store must not hide.
    private func managedHosts() -> Set<String> {
        guard let cache = try? context.cache() else { return [] }
        let logins = (try? cache.logins().map(\.registry)) ?? []
        let users = (try? cache.userLogins().map(\.serverURL)) ?? []
        return Set(logins + users)
    }

    private func fileFindings(_ file: RegistryAuthFile, target: LoginTarget, managed: Set<String>)
        -> [DoctorFinding]
    {
        let path = file.path
        let origin = origin(of: target)
        guard FileSystem.isWritable(path) else {
            return [
                DoctorFinding(
                    .targets, path, .problem, "\(origin), but you may not write it",
                    fix: "give it back to your user (chown) or choose another with the variable that names it")
            ]
        }
        guard let mode = FileSystem.permissions(atPath: path) else {
            return [DoctorFinding(.targets, path, .ok, "\(origin); not there yet, the first login creates it")]
        }
        var findings = [privateFileFinding(.targets, path: path, mode: mode, holds: "registry logins")]
        if findings[0].outcome == .ok { findings[0].detail = "\(origin); " + findings[0].detail }
        let data = (try? FileSystem.contents(atPath: path))??.data ?? Data()
        let parsed = data.isEmpty ? [:] : (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        guard let object = parsed else {
            findings.append(
                DoctorFinding(
                    .targets, path, .problem, "not valid JSON: ecr-sessions leaves it alone and logs nothing in",
                    fix: "repair or remove it"))
            return findings
        }
        findings += shadowFindings(object, file: file, managed: managed)
        return findings
    }

    /// A `credsStore`, or a `credHelpers` entry that is not ecr-sessions', for a host ecr-sessions logs in: the
    /// tool asks that helper and never reads the entry written. When the file gets our helper registered,
    /// ecr-sessions' next login sets `credHelpers` for its hosts, which lifts the shadow.
    ///
    /// A `credsStore` counts only where the file's readers honour it: podman, skopeo and buildah (containers/image's
    /// `pkg/docker/config`) read `auths` and `credHelpers` from `auth.json` but no `credsStore` (their global helpers
    /// are `credential-helpers` in registries.conf), so a `credsStore` there hides nothing and is only mentioned.
    private func shadowFindings(_ object: [String: Any], file: RegistryAuthFile, managed: Set<String>)
        -> [DoctorFinding]
    {
        let path = file.path
        let registers = file.helperToRegister != nil
        let ours = RegistryAuthFile.credentialHelperName
        let helpers = object["credHelpers"] as? [String: Any] ?? [:]
        var findings: [DoctorFinding] = []
        for host in managed.sorted() {
            if let helper = helpers[host] as? String, !helper.isEmpty, helper != ours {
                findings.append(
                    DoctorFinding(
                        .targets, path, .problem,
                        "credHelpers['\(host)'] = '\(helper)': docker-credential-\(helper) answers, not the login",
                        fix: "remove that entry, or set it to '\(ours)'"))
            }
        }
        if let store = object["credsStore"] as? String, !store.isEmpty, store != ours, !file.honoursCredsStore {
            findings.append(
                DoctorFinding(
                    .targets, path, .ok,
                    "credsStore '\(store)' hides no login: the tools reading this file ignore a credsStore in it"))
        } else if let store = object["credsStore"] as? String, !store.isEmpty, store != ours {
            let hidden = managed.filter { (helpers[$0] as? String) != ours }.sorted()
            if hidden.isEmpty && !managed.isEmpty {
                findings.append(
                    DoctorFinding(
                        .targets, path, .ok, "credsStore '\(store)', but every login has credHelpers = '\(ours)'"))
            } else {
                let which = hidden.isEmpty ? "every registry" : hidden.joined(separator: ", ")
                findings.append(
                    DoctorFinding(
                        .targets, path, .problem,
                        "credsStore '\(store)': docker-credential-\(store) is asked for \(which) instead of the login",
                        fix: registers
                            ? "remove credsStore, or run `ecr-sessions accounts login --all`, which sets credHelpers"
                                + " for its registries"
                            : "remove credsStore from this file (ecr-sessions does not register its helper here)"))
            }
        }
        return findings
    }

    /// The cache opens (healed if damaged) and only its owner may read it.
    func cache() -> (findings: [DoctorFinding], cache: Cache?) {
        let path = Cache.defaultPath(environment: context.environment)
        let cache: Cache
        do {
            cache = try context.cache()
        } catch {
            return ([DoctorFinding(.cache, path, .problem, error.description, fix: "see the error")], nil)
        }
        var findings: [DoctorFinding] = []
        if let recovery = cache.recovery {
            findings.append(
                DoctorFinding(
                    .cache, path, .problem, recovery.description,
                    fix: "run `ecr-sessions accounts login --all` to log in again"))
        }
        if let mode = FileSystem.permissions(atPath: path) {
            findings.append(privateFileFinding(.cache, path: path, mode: mode, holds: "tokens"))
        }
        if let attempts = try? cache.latestAttempts(), !attempts.isEmpty {
            let failed = attempts.filter { $0.error != nil }
            findings.append(
                failed.isEmpty
                    ? DoctorFinding(.cache, path, .ok, "\(attempts.count) registries' last logins succeeded")
                    : DoctorFinding(
                        .cache, path, .problem,
                        "the last login failed for "
                            + failed.map { "\($0.profile) \($0.region)" }.joined(separator: ", "),
                        fix: "`ecr-sessions status` shows why"))
        }
        return (findings, cache)
    }

    /// A systemd timer or crontab line is installed, or something (the daemon) refreshes, and a refresh ran
    /// within 15 minutes.
    func timer(cache: Cache?) -> [DoctorFinding] {
        let timer = RefreshTimer.forThisExecutable(configPath: nil, environment: context.environment)
        return [timerFinding(timer, cache: cache)] + environmentFindings(timer)
    }

    private func timerFinding(_ timer: RefreshTimer, cache: Cache?) -> DoctorFinding {
        let installed =
            timer.hasSystemdUnits
            ? "the systemd timer \(RefreshTimer.unitName).timer"
            : timer.isInCrontab() == true ? "the crontab line" : nil
        let last = (try? cache?.lastRefresh())?.map(\.finishedAt)
        let now = context.clock.now()
        if let last, now.timeIntervalSince(last) <= Self.maximumRefreshAge {
            return DoctorFinding(
                .timer, installed ?? "refresh", .ok,
                "\(installed ?? "a timer or the daemon") last refreshed \(last.relativeDescription(to: now))")
        }
        let ran = last.map { "the last refresh was \($0.relativeDescription(to: now))" } ?? "no refresh has run"
        guard let installed else {
            return DoctorFinding(
                .timer, "refresh", .problem, "no timer, crontab line or daemon renews the logins; \(ran)",
                fix: "run `ecr-sessions timer install` (or `--cron`), or run `ecr-sessions daemon`")
        }
        return DoctorFinding(
            .timer, installed, .problem, "\(installed) is installed, but \(ran)",
            fix: timer.hasSystemdUnits
                ? "see `systemctl --user status \(RefreshTimer.unitName).timer` and `journalctl --user -u "
                    + "\(RefreshTimer.unitName)`"
                : "check that cron runs (`crontab -l`, the system log)")
    }

    /// Variables that move a target file in this shell but not in the timer's service, which then writes elsewhere.
    private func environmentFindings(_ timer: RefreshTimer) -> [DoctorFinding] {
        guard let unit = timer.installedServiceUnit else { return [] }
        return ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "HELM_REGISTRY_CONFIG"].compactMap { name in
            guard let value = context.environment[name], !unit.contains("\(name)=") else { return nil }
            return DoctorFinding(
                .timer, "\(RefreshTimer.unitName).service", .problem,
                "\(name) is set here but not in the timer's service, whose refresh writes the default file",
                fix: "add Environment=\(name)=\(value) with `systemctl --user edit \(RefreshTimer.unitName).service`")
        }
    }

    /// `docker-credential-ecr-sessions` is on PATH, as docker needs for `credHelpers` entries naming ecr-sessions.
    func credentialHelper() -> DoctorFinding {
        let name = "docker-credential-" + RegistryAuthFile.credentialHelperName
        if let path = ExecutableSearch.find(name, path: context.environment["PATH"] ?? "") {
            return DoctorFinding(.credentialHelper, name, .ok, "found at \(path)")
        }
        return DoctorFinding(
            .credentialHelper, name, .problem, "not on PATH: docker cannot ask ecr-sessions for a login",
            fix: "link it next to ecr-sessions: ln -s \"$(command -v ecr-sessions)\" ~/.local/bin/\(name)")
    }
}
