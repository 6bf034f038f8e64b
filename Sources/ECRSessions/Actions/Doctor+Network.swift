import Foundation

/// The network checks: every ECR endpoint the accounts use answers, and the clock agrees with the first one's.
extension Actions.Doctor {
    /// One ECR API endpoint and the region it serves.
    struct Endpoint: Equatable {
        var url: URL
        var region: String
    }

    /// The ECR API endpoints of the enabled accounts, first account's first region first, each once. The profile's
    /// endpoint settings (`AWS_ENDPOINT_URL_ECR`, `endpoint_url`, FIPS, dual-stack) apply as they do to a login.
    func endpoints(of accounts: [Account]) -> [Endpoint] {
        guard let profiles = try? context.awsProfiles() else { return [] }
        let noCredentials = AWSCredentials(accessKeyID: "", secretAccessKey: "")
        var endpoints: [Endpoint] = []
        for account in accounts {
            let resolved = profiles.resolved(
                profile: account.profile, credentials: noCredentials, origin: .environment,
                environment: context.environment)
            let variant = resolved.endpointSettings(environment: context.environment).variant
            for job in account.jobs {
                let url =
                    job.isPublic
                    ? try? ECREndpoint.publicAPI(
                        override: resolved.endpointURL(forService: "ecr_public", environment: context.environment),
                        variant: variant)
                    : try? ECREndpoint.privateAPI(
                        region: job.region,
                        override: resolved.endpointURL(forService: "ecr", environment: context.environment),
                        variant: variant)
                if let url, !endpoints.contains(where: { $0.url == url }) {
                    endpoints.append(Endpoint(url: url, region: job.region))
                }
            }
        }
        return endpoints
    }

    /// Asks each endpoint for its root, unsigned: any HTTP answer (ECR's is a 404 or 400) means it is reachable,
    /// and carries a `Date` the first endpoint's clock check compares with ours.
    func clockAndEndpoints(_ endpoints: [Endpoint]) async -> [DoctorFinding] {
        guard !endpoints.isEmpty else {
            return [
                DoctorFinding(.endpoints, "ECR", .skipped, "no account to check the endpoints of"),
                DoctorFinding(.clock, "clock", .skipped, "no endpoint to compare the clock with"),
            ]
        }
        var findings: [DoctorFinding] = []
        var clock: DoctorFinding?
        for endpoint in endpoints {
            let host = endpoint.url.host ?? endpoint.url.absoluteString
            let sentAt = context.clock.now()
            do {
                let response = try await probe.send(HTTPRequest(method: "GET", url: endpoint.url))
                let answeredAt = context.clock.now()
                findings.append(
                    DoctorFinding(.endpoints, host, .ok, "answered (HTTP \(response.status)) for \(endpoint.region)"))
                if clock == nil {
                    clock = clockFinding(
                        response, host: host,
                        ourTime: sentAt.addingTimeInterval(
                            answeredAt.timeIntervalSince(sentAt) / 2))
                }
            } catch {
                findings.append(
                    DoctorFinding(
                        .endpoints, host, .problem, error.description,
                        fix: "check the network, HTTPS_PROXY/NO_PROXY, and AWS_ENDPOINT_URL(_ECR) or endpoint_url"))
            }
        }
        findings.append(
            clock ?? DoctorFinding(.clock, "clock", .skipped, "no endpoint answered, so the clock was not compared"))
        return findings
    }

    /// Our clock against the `Date` an endpoint answered with, at the middle of the exchange.
    func clockFinding(_ response: HTTPResponse, host: String, ourTime: Date) -> DoctorFinding {
        guard let text = response.headers.first(where: { $0.name.lowercased() == "date" })?.value,
            let theirs = Self.httpDate(text)
        else {
            return DoctorFinding(.clock, "clock", .skipped, "\(host) answered without a Date header")
        }
        let skew = ourTime.timeIntervalSince(theirs)
        let seconds = Int(skew.magnitude.rounded())
        let direction = skew > 0 ? "ahead of" : "behind"
        guard skew.magnitude <= Self.maximumSkew else {
            return DoctorFinding(
                .clock, "clock", .problem,
                "this machine's clock is \(seconds)s \(direction) \(host)'s; AWS refuses signatures over 5 minutes off",
                fix: "set the clock right and keep it so (timedatectl set-ntp true, or chrony)")
        }
        return DoctorFinding(.clock, "clock", .ok, "within \(seconds)s of \(host)'s")
    }

    /// An HTTP date, `Tue, 01 Dec 2026 09:44:58 GMT` (RFC 9110's IMF-fixdate, the only form servers send now).
    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text.trimmingCharacters(in: .whitespaces))
    }
}
