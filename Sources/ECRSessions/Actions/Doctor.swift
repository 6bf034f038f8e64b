import Foundation

/// One thing `doctor` looked at, what it found, and what to do about it.
public struct DoctorFinding: Sendable, Equatable {
    /// Which of doctor's checks found it.
    public enum Check: String, Sendable, Equatable, CaseIterable {
        case awsFiles = "aws files"
        case accounts
        case clock
        case endpoints
        case targets
        case cache
        case timer
        case credentialHelper = "credential helper"
    }

    public enum Outcome: Sendable, Equatable {
        case ok
        case problem
        /// Could not be checked (offline, nothing to check against); not a failure by itself.
        case skipped
    }

    public var check: Check
    /// What was looked at: a file, an account, an endpoint's host.
    public var subject: String
    public var outcome: Outcome
    /// What was found, in the user's words.
    public var detail: String
    /// What to do about a problem; nil when there is nothing to do.
    public var fix: String?

    public init(_ check: Check, _ subject: String, _ outcome: Outcome, _ detail: String, fix: String? = nil) {
        self.check = check
        self.subject = subject
        self.outcome = outcome
        self.detail = detail
        self.fix = fix
    }
}

/// Everything `doctor` found, in the order of its checks.
public struct DoctorReport: Sendable, Equatable {
    public var findings: [DoctorFinding]

    /// True when no check found a problem.
    public var passed: Bool { !findings.contains { $0.outcome == .problem } }
}

extension Actions {
    /// `doctor`: checks what a login needs, from the AWS files to the timer, and says for each problem how to fix it.
    /// Reads, never writes (the cache is opened, and so healed if it was damaged, as any command would).
    public struct Doctor: Sendable {
        public let context: ActionContext
        /// The network for the clock and endpoint checks: short timeouts, so that a dead endpoint is found quickly.
        let probe: any HTTPTransport
        /// More than this between our clock and an endpoint's, and AWS refuses the signature (SigV4 allows 5 min).
        static let maximumSkew: TimeInterval = 5 * 60
        /// A refresh older than this means nothing runs it: the timer runs every five minutes.
        static let maximumRefreshAge: TimeInterval = 15 * 60

        /// `probe` defaults to libcurl with a 3-second connect and a 5-second total timeout, the context's proxies
        /// and CA bundle.
        public init(_ context: ActionContext, probe: (any HTTPTransport)? = nil) {
            self.context = context
            var settings = CurlSettings(environment: context.environment)
            settings.connectTimeout = .seconds(3)
            settings.totalTimeout = .seconds(5)
            self.probe = probe ?? CurlTransport(settings: settings)
        }

        /// Runs every check; `online` also resolves each account's credentials (assuming roles, calling SSO) and asks
        /// STS whose they are (GetCallerIdentity), writing nothing.
        public func run(online: Bool = false) async -> DoctorReport {
            var findings = awsFiles()
            let accounts = try? context.accounts()
            findings += await self.accounts(online: online)
            let endpoints = self.endpoints(of: accounts ?? [])
            findings += await clockAndEndpoints(endpoints)
            findings += targets()
            let cache = self.cache()
            findings += cache.findings
            findings += timer(cache: cache.cache)
            findings.append(credentialHelper())
            return DoctorReport(findings: findings)
        }
    }
}

// MARK: - The AWS files and the accounts

extension Actions.Doctor {
    /// Each AWS file parses and is readable by its owner alone.
    func awsFiles() -> [DoctorFinding] {
        var findings = context.awsFilePaths.map { path -> DoctorFinding in
            guard let mode = FileSystem.permissions(atPath: path) else {
                return DoctorFinding(.awsFiles, path, .ok, "not there (the AWS CLI does without it)")
            }
            return privateFileFinding(.awsFiles, path: path, mode: mode, holds: "AWS credentials")
        }
        do {
            let profiles = try context.awsProfiles()
            findings.append(DoctorFinding(.awsFiles, "profiles", .ok, "\(profiles.profiles.count) profiles parsed"))
        } catch {
            findings.append(
                DoctorFinding(.awsFiles, "profiles", .problem, error.description, fix: "correct the file at that line"))
        }
        return findings
    }

    /// A file that holds secrets: ok when neither its group nor others may read it.
    func privateFileFinding(_ check: DoctorFinding.Check, path: String, mode: mode_t, holds: String)
        -> DoctorFinding
    {
        let octal = String(mode, radix: 8)
        guard mode & 0o077 == 0 else {
            return DoctorFinding(
                check, path, .problem, "mode \(octal): other users may read the \(holds) it holds",
                fix: "chmod 600 \(path)")
        }
        return DoctorFinding(check, path, .ok, "mode \(octal), only you may read it")
    }

    /// Every account resolves to a profile with a credential source and a region; `online` resolves each one's
    /// credentials and asks STS whose they are, which proves the credentials and the role chain without writing.
    func accounts(online: Bool) async -> [DoctorFinding] {
        let accounts: [Account]
        do {
            accounts = try context.accounts()
        } catch {
            return [DoctorFinding(.accounts, "accounts", .problem, "\(error)", fix: "correct the file it names")]
        }
        guard !accounts.isEmpty else {
            return [
                DoctorFinding(
                    .accounts, "accounts", .problem, "no profile yields credentials",
                    fix: "run `aws configure`, or add an [account] to the ecr-sessions config")
            ]
        }
        var findings: [DoctorFinding] = []
        for account in accounts {
            let subject = "account \(account.name)"
            guard account.isEnabled else {
                findings.append(DoctorFinding(.accounts, subject, .ok, "disabled (enabled = false)"))
                continue
            }
            if let problem = account.problem {
                findings.append(DoctorFinding(.accounts, subject, .problem, problem, fix: "see \(account.origin)"))
                continue
            }
            guard online, let job = account.jobs.first else {
                let source = account.credentialSource?.rawValue ?? "a source found when it is used"
                findings.append(
                    DoctorFinding(.accounts, subject, .ok, "profile '\(account.profile)', credentials from \(source)"))
                continue
            }
            findings.append(await onlineFinding(account, job: job))
        }
        return findings
    }

    /// Resolves the account's credentials (assuming its roles, calling SSO) and asks STS whose they are: any valid
    /// credentials may call GetCallerIdentity, so this proves them without needing ECR's permissions or writing.
    private func onlineFinding(_ account: Account, job: LoginJob) async -> DoctorFinding {
        let subject = "account \(account.name)"
        let resolved: ResolvedProfile
        let identity: CallerIdentity
        do {
            resolved = try await context.credentialProvider().resolve(profile: account.profile)
            let region = resolved.region ?? job.region
            let endpoint = try STSEndpoint.url(
                region: region, environment: context.environment,
                profileServiceEndpoint: resolved.serviceEndpointURLs["sts"],
                profileEndpoint: resolved.profileEndpointURL,
                settings: resolved.endpointSettings(environment: context.environment))
            identity = try await STSClient(transport: context.transport, clock: context.clock, retry: context.retry)
                .getCallerIdentity(credentials: resolved.credentials, region: region, endpoint: endpoint)
        } catch {
            return DoctorFinding(
                .accounts, subject, .problem, "\(error)",
                fix: "`ecr-sessions accounts login \(account.name)` says the same; fix what it names")
        }
        let who = "access key \(resolved.credentials.accessKeyID) is account \(identity.account) (\(identity.arn))"
        guard let profiles = try? context.awsProfiles(),
            let expected = Self.expectedAccount(ofProfile: account.profile, in: profiles)
        else {
            return DoctorFinding(.accounts, subject, .ok, who)
        }
        guard expected.id == identity.account else {
            return DoctorFinding(
                .accounts, subject, .problem, "\(who), but \(expected.setting) says account \(expected.id)",
                fix: "correct \(expected.setting) of profile '\(account.profile)', or give the profile credentials of "
                    + "account \(expected.id)")
        }
        return DoctorFinding(.accounts, subject, .ok, "\(who), as \(expected.setting) says")
    }

    /// The account the profile says its credentials belong to, and the setting that says so: `aws_account_id`,
    /// else `sso_account_id`, else the account of `role_arn`; nil when it says none.
    static func expectedAccount(ofProfile name: String, in profiles: AWSProfiles) -> (id: String, setting: String)? {
        guard let profile = profiles.profiles[name] else { return nil }
        for key in ["aws_account_id", "sso_account_id"] {
            if let id = profile[key] { return (id, key) }
        }
        let arn = profile["role_arn"]?.split(separator: ":", omittingEmptySubsequences: false) ?? []
        guard arn.count >= 6, arn[0] == "arn", !arn[4].isEmpty else { return nil }
        return (String(arn[4]), "role_arn")
    }
}
