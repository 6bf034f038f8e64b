import Foundation

/// docker will not read a host's `auths` entry because a credential helper answers for that host instead.
///
/// docker asks `credHelpers[host]` if set, else `credsStore` for every host; the `auth` ecr-sessions wrote is
/// then ignored. Reported so the caller can warn, or, when ecr-sessions registered its own helper for the host
/// (`registeredHelper`), say what it changed.
public struct CredentialStoreNotice: Sendable, Equatable, CustomStringConvertible {
    /// Which setting sends docker to the helper.
    public enum Setting: String, Sendable, Equatable {
        case credsStore
        case credHelpers
    }

    /// The registry config file that holds the setting.
    public var file: String
    public var host: String
    public var setting: Setting
    /// The helper's name; docker runs `docker-credential-<helper>`.
    public var helper: String
    /// The helper ecr-sessions set as `credHelpers[host]` so docker asks it instead; nil when nothing was changed.
    public var registeredHelper: String?

    public init(file: String, host: String, setting: Setting, helper: String, registeredHelper: String? = nil) {
        self.file = file
        self.host = host
        self.setting = setting
        self.helper = helper
        self.registeredHelper = registeredHelper
    }

    public var description: String {
        let source = setting == .credsStore ? "credsStore '\(helper)'" : "credHelpers['\(host)'] = '\(helper)'"
        guard let registeredHelper else {
            return "\(file) sets \(source): docker will ask docker-credential-\(helper) for \(host) "
                + "instead of reading the entry ecr-sessions writes."
        }
        return "\(file) sets \(source), which docker would ask for \(host) instead of the entry ecr-sessions "
            + "writes, so ecr-sessions set credHelpers['\(host)'] = '\(registeredHelper)' (docker will run "
            + "docker-credential-\(registeredHelper)); `ecr-sessions accounts logout` puts it back."
    }

    /// The notices for `hosts` in a parsed file, sorted by host. Empty helper names mean none, as in docker.
    static func notices(in object: [String: JSONValue], for hosts: some Sequence<String>, file: String)
        -> [CredentialStoreNotice]
    {
        let store = object["credsStore"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let helpers = object["credHelpers"]?.objectValue ?? [:]
        return hosts.sorted().compactMap { host in
            if let helper = helpers[host]?.stringValue, !helper.isEmpty {
                return CredentialStoreNotice(file: file, host: host, setting: .credHelpers, helper: helper)
            }
            return store.map { CredentialStoreNotice(file: file, host: host, setting: .credsStore, helper: $0) }
        }
    }
}
