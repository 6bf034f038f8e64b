/// A kind of target that the config file names in `targets =`, and where it writes on this machine.
public struct TargetKind: Sendable {
    /// The name in `targets =`, e.g. `docker`.
    public var name: String
    /// The targets in `environment` under the `[settings]`: one for a file, one per namespace for `kubernetes`.
    public var resolveAll: @Sendable (_ environment: Environment, _ settings: Configuration.Settings) -> [any Target]

    public init(
        name: String,
        resolve: @escaping @Sendable (_ environment: Environment, _ helpers: CredentialHelperPolicy) -> any Target
    ) {
        self.name = name
        self.resolveAll = { environment, settings in [resolve(environment, settings.credentialHelpers)] }
    }

    /// A kind that one name turns into several places.
    public init(
        name: String,
        resolveAll: @escaping @Sendable (_ environment: Environment, _ settings: Configuration.Settings) -> [any Target]
    ) {
        self.name = name
        self.resolveAll = resolveAll
    }
}

/// Every kind of target ecr-sessions can write, and how to reopen a target from its undo record at logout.
public struct TargetCatalog: Sendable {
    public private(set) var kinds: [TargetKind]
    /// By `Target.kind`: the target an undo record was written by, from its place.
    private var reopeners: [String: @Sendable (_ place: String, _ environment: Environment) -> any Target]

    public init(kinds: [TargetKind], reopeners: [String: @Sendable (_ place: String) -> any Target]) {
        self.kinds = kinds
        self.reopeners = reopeners.mapValues { reopen in { place, _ in reopen(place) } }
    }

    /// What ecr-sessions ships: docker, finch, containers, helm and kubernetes.
    public static let standard = TargetCatalog(
        kinds: RegistryAuthFile.standardKinds,
        reopeners: [RegistryAuthFile.kindName: { RegistryAuthFile(path: $0) }]
    ).adding(KubernetesSecret.targetKind, kindName: KubernetesSecret.kindName, reopen: KubernetesSecret.reopen)

    /// This catalog with one more kind whose targets need the environment to be reopened (a cluster's credentials).
    public func adding(
        _ kind: TargetKind, kindName: String,
        reopen: @escaping @Sendable (_ place: String, _ environment: Environment) -> any Target
    ) -> TargetCatalog {
        var catalog = self
        catalog.kinds.append(kind)
        catalog.reopeners[kindName] = reopen
        return catalog
    }

    /// This catalog with one more kind; `reopen` rebuilds its targets from their places.
    public func adding(_ kind: TargetKind, kindName: String, reopen: @escaping @Sendable (String) -> any Target)
        -> TargetCatalog
    {
        var catalog = self
        catalog.kinds.append(kind)
        catalog.reopeners[kindName] = { place, _ in reopen(place) }
        return catalog
    }

    /// The names `targets =` accepts, in the order they are listed to the user.
    public var names: [String] { kinds.map(\.name) }

    /// Where `target` writes in `environment`; nil for a name this catalog does not know.
    public func resolve(_ target: LoginTarget, environment: Environment, helpers: CredentialHelperPolicy = .register)
        -> (any Target)?
    {
        resolveAll(target, environment: environment, settings: Configuration.Settings(credentialHelpers: helpers)).first
    }

    /// Every place `target` writes in `environment` under `settings`; empty for a name this catalog does not know.
    public func resolveAll(_ target: LoginTarget, environment: Environment, settings: Configuration.Settings)
        -> [any Target]
    {
        kinds.first { $0.name == target.rawValue }?.resolveAll(environment, settings) ?? []
    }

    /// The target that wrote `record`, or nil when this build does not know its kind.
    public func reopen(_ record: UndoRecord, environment: Environment) -> (any Target)? {
        reopeners[record.kind]?(record.place, environment)
    }
}

/// A target as the config file names it (`docker`, `containers`, …): one of a `TargetCatalog`'s kinds.
public struct LoginTarget: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    public var description: String { rawValue }

    /// `~/.docker/config.json`, read by docker, nerdctl and finch on Linux.
    public static let docker: LoginTarget = "docker"
    /// `~/.finch/config.json`, finch on macOS.
    public static let finch: LoginTarget = "finch"
    /// The containers `auth.json`, read by podman, skopeo and buildah.
    public static let containers: LoginTarget = "containers"
    /// helm's `registry/config.json`.
    public static let helm: LoginTarget = "helm"
    /// A `kubernetes.io/dockerconfigjson` Secret in each of `kubernetes_namespaces`.
    public static let kubernetes: LoginTarget = "kubernetes"
}

/// What to do when docker would ask a credential helper (`credsStore`, `credHelpers`) instead of reading `auths`.
public enum CredentialHelperPolicy: String, Sendable, Equatable, CaseIterable {
    /// Set `credHelpers[host] = "ecr-sessions"` for each managed host, so docker asks ecr-sessions.
    case register
    /// Leave the file's helpers alone and only warn.
    case warn
}
