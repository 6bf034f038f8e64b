import Foundation

/// docker will not read a host's `auths` entry because a credential helper answers for that host instead.
///
/// docker asks `credHelpers[host]` if set, else `credsStore` for every host; the `auth` ecr-sessions wrote is
/// then ignored. Reported so the caller can warn; nothing is changed.
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

    public init(file: String, host: String, setting: Setting, helper: String) {
        self.file = file
        self.host = host
        self.setting = setting
        self.helper = helper
    }

    public var description: String {
        let source = setting == .credsStore ? "credsStore '\(helper)'" : "credHelpers['\(host)'] = '\(helper)'"
        return "\(file) sets \(source): docker will ask docker-credential-\(helper) for \(host) "
            + "instead of reading the entry ecr-sessions writes."
    }

    /// The notices for `hosts` in a parsed file, sorted by host. Empty helper names mean none, as in docker.
    static func notices(in object: [String: Any], for hosts: some Sequence<String>, file: String)
        -> [CredentialStoreNotice]
    {
        let store = (object["credsStore"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        let helpers = object["credHelpers"] as? [String: Any] ?? [:]
        return hosts.sorted().compactMap { host in
            if let helper = helpers[host] as? String, !helper.isEmpty {
                return CredentialStoreNotice(file: file, host: host, setting: .credHelpers, helper: helper)
            }
            return store.map { CredentialStoreNotice(file: file, host: host, setting: .credsStore, helper: $0) }
        }
    }
}
