import Foundation

/// The `kubernetes` target: one `kubernetes.io/dockerconfigjson` Secret in one namespace, holding every managed
/// registry's login, kept through the Kubernetes API. `targets = kubernetes` makes one per `kubernetes_namespaces`.
///
/// Ownership: ecr-sessions changes only Secrets labelled `app.kubernetes.io/managed-by=ecr-sessions`. One it creates
/// is annotated `ecr-sessions/origin=created` and deleted at logout. A Secret that exists without the label is
/// never touched (the write fails and says so); once a person labels it, ecr-sessions adopts it: it records the
/// Secret's `.dockerconfigjson` before its first change, merges its logins in beside the entries already there, and
/// at logout puts back what each host had, restoring the original bytes when nothing of its own is left.
public struct KubernetesSecret: Target {
    /// What undo records of Kubernetes Secrets are filed under.
    public static let kindName = "kubernetes-secret"
    static let managedLabel = "app.kubernetes.io/managed-by"
    static let managedValue = "ecr-sessions"
    static let originAnnotation = "ecr-sessions/origin"
    static let secretType = "kubernetes.io/dockerconfigjson"
    static let dataKey = ".dockerconfigjson"
    /// How often a write that met a 409 Conflict (someone else changed the Secret) reads it again and retries.
    static let attempts = 5

    public let namespace: String
    public let name: String
    /// The API server, as the place names it.
    public let server: String
    private let cluster: Result<KubernetesCluster, KubernetesClusterError>

    public var kind: String { Self.kindName }
    public var place: String { "\(namespace)/\(name)@\(server)" }

    init(namespace: String, name: String, server: String, cluster: Result<KubernetesCluster, KubernetesClusterError>) {
        self.namespace = namespace
        self.name = name
        self.server = server
        self.cluster = cluster
    }

    /// `targets = kubernetes`: a Secret named `kubernetes_secret` in each of `kubernetes_namespaces` (by default the
    /// cluster's own namespace), on the cluster this process finds.
    static let targetKind = TargetKind(name: LoginTarget.kubernetes.rawValue) { environment, settings in
        let cluster = Result { () throws(KubernetesClusterError) in
            try KubernetesCluster.locate(environment: environment)
        }
        let server = (try? cluster.get().server) ?? "unknown-cluster"
        let namespaces =
            settings.kubernetesNamespaces.isEmpty
            ? [(try? cluster.get().namespace) ?? "default"] : settings.kubernetesNamespaces
        return namespaces.map {
            KubernetesSecret(namespace: $0, name: settings.kubernetesSecret, server: server, cluster: cluster)
        }
    }

    /// The Secret an undo record names, on the cluster `environment` finds now, which must be the same server.
    static func reopen(_ place: String, environment: Environment) -> any Target {
        let (scope, server) = place.splitOnce("@")
        let (namespace, name) = scope.splitOnce("/")
        var cluster = Result { () throws(KubernetesClusterError) in
            try KubernetesCluster.locate(environment: environment)
        }
        if case .success(let found) = cluster, found.server != server {
            cluster = .failure(
                .invalid(path: "the current context", reason: "it points at \(found.server), not \(server)"))
        }
        return KubernetesSecret(namespace: namespace, name: name, server: server, cluster: cluster)
    }

    /// Whether `text` is a Kubernetes object name: lower-case letters, digits and `-` (and `.` in longer names).
    public static func isName(_ text: String, maxLength: Int) -> Bool {
        let allowed = Set(
            maxLength > 63 ? "abcdefghijklmnopqrstuvwxyz0123456789-." : "abcdefghijklmnopqrstuvwxyz0123456789-")
        let alphanumeric = { (character: Character) in
            character.isASCII && (character.isLowercase || character.isNumber)
        }
        guard let first = text.first, let last = text.last, text.count <= maxLength else { return false }
        return text.allSatisfy(allowed.contains) && alphanumeric(first) && alphanumeric(last)
    }

    // MARK: Target

    public func write(_ entries: [TargetEntry], journal: any UndoJournal) throws(TargetError) -> TargetWriteOutcome {
        let api = try connect()
        for _ in 1...Self.attempts {
            let current = try get(api)
            var record: UndoRecord
            do {
                record =
                    try journal.undoRecord(kind: kind, place: place) ?? UndoRecord(kind: kind, place: place, state: "")
            } catch {
                throw fail("its undo record could not be read (\(error.description))")
            }
            let before = record
            guard let current else {
                record.state = Self.created
                for entry in entries { record.entries[entry.host] = .init(owner: entry.owner, state: "") }
                try save(record, journal)
                let answer = try call(api, "POST", body: newSecret(auths: merged([:], entries)))
                if answer.status == 409 { continue }  // created meanwhile: read it and update it
                try expect(answer, 201, 200, method: "POST")
                return TargetWriteOutcome()
            }
            let secret = try owned(current)
            let origin = annotations(of: current)[Self.originAnnotation] ?? "adopted"
            if record.state.isEmpty {
                record.state = origin == "created" ? Self.created : Self.adopted + (secret.data ?? "")
            }
            for entry in entries where record.entries[entry.host] == nil {
                let prior = origin == "created" ? nil : secret.auths[entry.host].flatMap(Self.compact)
                record.entries[entry.host] = .init(owner: entry.owner, state: prior ?? "")
            }
            for entry in entries { record.entries[entry.host]?.owner = entry.owner }
            let data = Self.dockerConfigJSON(merged(secret.auths, entries))
            if record != before { try save(record, journal) }
            guard data != secret.data || annotations(of: current)[Self.originAnnotation] == nil else {
                return TargetWriteOutcome()  // already holds every token
            }
            let answer = try call(api, "PUT", body: updated(current, data: data, origin: origin))
            if answer.status == 409 { continue }
            try expect(answer, 200, method: "PUT")
            return TargetWriteOutcome()
        }
        throw fail("it kept changing under us (409 Conflict \(Self.attempts) times); run again")
    }

    public func hostsOutOfDate(_ tokens: [String: AuthorizationToken]) throws(TargetError) -> Set<String> {
        guard let current = try get(try connect()) else { return Set(tokens.keys) }
        let auths = (try? owned(current).auths) ?? [:]
        return Set(tokens.filter { host, token in Self.entry(token) != auths[host].flatMap(Self.compact) }.keys)
    }

    public func undo(hosts: Set<String>, record: UndoRecord) throws(TargetError) -> TargetUndoOutcome {
        let api = try connect()
        for _ in 1...Self.attempts {
            guard let current = try get(api) else { return TargetUndoOutcome(restoredHosts: hosts) }
            let secret = try owned(current)
            var auths = secret.auths
            for host in hosts {
                let prior = record.entries[host]?.state ?? ""
                auths[host] = prior.isEmpty ? nil : (try? JSONSerialization.jsonObject(with: Data(prior.utf8)))
            }
            let answer: KubernetesAPI.Answer
            if record.state == Self.created && auths.isEmpty {
                let version = (current["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? ""
                answer = try call(api, "DELETE", body: ["preconditions": ["resourceVersion": version]])
                if answer.status == 409 { continue }
                if answer.status == 404 { return TargetUndoOutcome(restoredHosts: hosts) }
                try expect(answer, 200, 202, method: "DELETE")
                return TargetUndoOutcome(restoredHosts: hosts, removedPlace: true)
            }
            var data = Self.dockerConfigJSON(auths)
            var origin: String? = record.state == Self.created ? "created" : "adopted"
            if record.state.hasPrefix(Self.adopted) {
                // Nothing of ours left: the original bytes, exactly as they were, and no mark of ours.
                let original = String(record.state.dropFirst(Self.adopted.count))
                let originalAuths = Self.auths(ofData: original)
                if NSDictionary(dictionary: originalAuths).isEqual(to: auths) {
                    data = original
                    origin = nil
                }
            }
            answer = try call(api, "PUT", body: updated(current, data: data, origin: origin))
            if answer.status == 409 { continue }
            try expect(answer, 200, method: "PUT")
            return TargetUndoOutcome(restoredHosts: hosts)
        }
        throw fail("it kept changing under us (409 Conflict \(Self.attempts) times); run logout again")
    }

    // MARK: The Secret's body

    static let created = "created"
    static let adopted = "adopted:"

    /// A registry's entry as `kubectl create secret docker-registry` writes it: username, password, then auth.
    static func entry(_ token: AuthorizationToken) -> String {
        let (username, password) = token.credentials ?? ("AWS", "")
        let auth = Data("\(username):\(password)".utf8).base64EncodedString()
        return "{\"username\":\(JSONText.quoted(username)),\"password\":\(JSONText.quoted(password)),"
            + "\"auth\":\(JSONText.quoted(auth))}"
    }

    /// One entry of `auths` as Go's encoder writes it: kubectl's field order for a docker-registry entry, else
    /// sorted keys (a `map[string]interface{}`).
    static func compact(_ value: Any) -> String? {
        if let object = value as? [String: Any], let username = object["username"] as? String,
            let password = object["password"] as? String, let auth = object["auth"] as? String,
            Set(object.keys).isSubset(of: ["username", "password", "auth", "email"])
        {
            let email = (object["email"] as? String).map { ",\"email\":\(JSONText.quoted($0))" } ?? ""
            return "{\"username\":\(JSONText.quoted(username)),\"password\":\(JSONText.quoted(password))\(email),"
                + "\"auth\":\(JSONText.quoted(auth))}"
        }
        guard
            let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// `auths` with `entries` written over it.
    private func merged(_ auths: [String: Any], _ entries: [TargetEntry]) -> [String: Any] {
        var auths = auths
        for entry in entries {
            auths[entry.host] = try? JSONSerialization.jsonObject(with: Data(Self.entry(entry.token).utf8))
        }
        return auths
    }

    /// The base64 `.dockerconfigjson` value for `auths`, byte for byte as kubectl makes it.
    static func dockerConfigJSON(_ auths: [String: Any]) -> String {
        let body = auths.keys.sorted().compactMap { host in
            Self.compact(auths[host] as Any).map { "\(JSONText.quoted(host)):\($0)" }
        }
        return Data("{\"auths\":{\(body.joined(separator: ","))}}".utf8).base64EncodedString()
    }

    static func auths(ofData data: String) -> [String: Any] {
        guard let decoded = Data(base64Encoded: data),
            let object = try? JSONSerialization.jsonObject(with: decoded) as? [String: Any]
        else { return [:] }
        return object["auths"] as? [String: Any] ?? [:]
    }

    private func newSecret(auths: [String: Any]) -> [String: Any] {
        [
            "apiVersion": "v1", "kind": "Secret", "type": Self.secretType,
            "metadata": [
                "name": name, "namespace": namespace, "labels": [Self.managedLabel: Self.managedValue],
                "annotations": [Self.originAnnotation: "created"],
            ],
            "data": [Self.dataKey: Self.dockerConfigJSON(auths)],
        ]
    }

    /// `current` with its `.dockerconfigjson` replaced and our origin set (or taken off), everything else kept, its
    /// `resourceVersion` included, so a change made since we read it is a 409, not lost.
    private func updated(_ current: [String: Any], data: String, origin: String?) -> [String: Any] {
        var secret = current
        var metadata = current["metadata"] as? [String: Any] ?? [:]
        var notes = annotations(of: current)
        notes[Self.originAnnotation] = origin
        metadata["annotations"] = notes
        secret["metadata"] = metadata
        var values = current["data"] as? [String: Any] ?? [:]
        values[Self.dataKey] = data
        secret["data"] = values
        return secret
    }

    private func annotations(of secret: [String: Any]) -> [String: String] {
        (secret["metadata"] as? [String: Any])?["annotations"] as? [String: String] ?? [:]
    }

    /// The parts of a Secret that carry our mark, or why it is not ours to change.
    private func owned(_ secret: [String: Any]) throws(TargetError) -> (data: String?, auths: [String: Any]) {
        let labels = (secret["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        guard labels[Self.managedLabel] == Self.managedValue else {
            throw fail(
                "it exists without the label \(Self.managedLabel)=\(Self.managedValue), so ecr-sessions leaves it "
                    + "alone. Choose another kubernetes_secret, or let ecr-sessions adopt it (logout restores it): "
                    + "kubectl label secret -n \(namespace) \(name) \(Self.managedLabel)=\(Self.managedValue)")
        }
        guard secret["type"] as? String == Self.secretType else {
            throw fail(
                "it has type \(secret["type"] as? String ?? "none"), not \(Self.secretType), which cannot change")
        }
        let data = (secret["data"] as? [String: Any])?[Self.dataKey] as? String
        return (data, data.map(Self.auths(ofData:)) ?? [:])
    }

    // MARK: Calls

    private func connect() throws(TargetError) -> KubernetesAPI {
        switch cluster {
        case .success(let cluster): KubernetesAPI(cluster: cluster)
        case .failure(let error): throw fail(error.description)
        }
    }

    private func get(_ api: KubernetesAPI) throws(TargetError) -> [String: Any]? {
        let answer = try call(api, "GET")
        if answer.status == 404 { return nil }
        try expect(answer, 200, method: "GET")
        return answer.object
    }

    private func call(_ api: KubernetesAPI, _ method: String, body: [String: Any]? = nil)
        throws(TargetError) -> KubernetesAPI.Answer
    {
        do {
            return try api.secrets(method, namespace: namespace, name: method == "POST" ? nil : name, body: body)
        } catch {
            throw fail(error.reason)
        }
    }

    private func expect(_ answer: KubernetesAPI.Answer, _ statuses: Int..., method: String) throws(TargetError) {
        guard !statuses.contains(answer.status) else { return }
        let verb = KubernetesAPI.verb(method)
        switch answer.status {
        case 401:
            throw fail("the API server did not accept our credentials (401: \(answer.message))")
        case 403:
            let scope = verb == "create" ? "(create cannot be limited to a resourceName)" : "on resourceNames [\(name)]"
            throw fail(
                "forbidden (403) in namespace \(namespace): a Role there needs the rule apiGroups [\"\"], resources "
                    + "[secrets], verbs [\(verb)] \(scope), bound to this identity. The server said: \(answer.message)")
        default:
            throw fail("\(method) answered \(answer.status): \(answer.message)")
        }
    }

    private func save(_ record: UndoRecord, _ journal: any UndoJournal) throws(TargetError) {
        do {
            try journal.saveUndoRecord(record)
        } catch {
            throw .undoNotRecorded(file: place, reason: error.description)
        }
    }

    private func fail(_ reason: String) -> TargetError {
        .kubernetes(place: place, reason: reason)
    }
}

extension String {
    /// The parts before and after the first `separator`; the whole and "" when there is none.
    fileprivate func splitOnce(_ separator: Character) -> (String, String) {
        guard let index = firstIndex(of: separator) else { return (self, "") }
        return (String(self[..<index]), String(self[self.index(after: index)...]))
    }
}
