import Foundation

/// The accounts a run derived from the AWS files and the config file, in a form the next run can reuse while
/// nothing they depend on changed: an idle `refresh` at a thousand profiles spent most of its time parsing the AWS
/// files and deriving the same accounts again.
///
/// What they depend on is the `inputs`: the stamps (device, inode, size, modification and status change times) of
/// the files and every environment variable that can change the outcome. Any doubt means "derive as usual": a file
/// modified in the last two seconds (a same-second edit of the same size could hide behind an unchanged stamp on a
/// file system with coarse times), or a value this encoding cannot hold.
enum DerivedAccounts {
    /// The kind of derived value in the cache.
    static let kind = "accounts"
    /// Bumped whenever the encoding or the derivation changes what a stored value means.
    private static let version = "1"
    /// How recently modified a file may not be for its stamp to be trusted.
    static let settleTime: TimeInterval = 2

    /// Variables whose value is a secret and whose presence alone matters to the accounts (the environment account's
    /// profile comes from the access key ID, never from these).
    private static let presenceOnly: Set<String> = [
        "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ]

    /// Whether the variable `name` holds a secret, whose value no fingerprint in the cache may depend on: the ones
    /// above, and any whose name says secret, token, password or credentials.
    static func isSecret(_ name: String) -> Bool {
        if presenceOnly.contains(name) { return true }
        let upper = name.uppercased()
        return ["SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "PRIVATE"].contains { upper.contains($0) }
    }

    /// A fingerprint of everything the accounts derived from `files` depend on, or nil when it cannot be trusted (a file
    /// changed less than `settleTime` before `now`, the wall clock's time, which is the file system's too).
    static func inputs(
        files: [String], configPath: String?, targetNames: [String], environment: Environment, now: Date = Date()
    ) -> String? {
        var text = "v\(version)\u{1E}\(configPath ?? "-")\u{1E}\(targetNames.joined(separator: "\u{1F}"))"
        for path in files {
            text += "\u{1E}\(path)\u{1F}"
            guard let stamp = FileStamp(path: path) else {
                text += "absent"
                continue
            }
            let modified = TimeInterval(stamp.modifiedSeconds) + TimeInterval(stamp.modifiedNanoseconds) / 1e9
            guard modified < now.timeIntervalSince1970 - settleTime else { return nil }
            // The status change time too: a rewrite dated back to the old modification time changes it.
            text +=
                "\(stamp.device)\u{1F}\(stamp.inode)\u{1F}\(stamp.size)\u{1F}\(stamp.modifiedSeconds)"
                + "\u{1F}\(stamp.modifiedNanoseconds)\u{1F}\(FileStamp.statusChangeNanoseconds(path: path) ?? -1)"
        }
        let relevant = environment.values.filter { name, _ in
            name == "HOME" || name.hasPrefix("AWS_") || name.hasPrefix("ECR_SESSIONS_") || name.hasPrefix("XDG_")
        }
        for (name, value) in relevant.sorted(by: { $0.key < $1.key }) {
            text += "\u{1E}\(name)=" + (presenceOnly.contains(name) ? "set" : value)
        }
        // A fingerprint, so that the cache holds no access key ID or path list in the clear; not SHA-256, whose
        // libcrypto an idle refresh would otherwise open for this alone (`Fingerprint`).
        var fingerprint = Fingerprint()
        fingerprint.add(text)
        return "fnv1a-" + fingerprint.hex
    }

    private static let recordSeparator: Character = "\u{1E}"
    private static let fieldSeparator: Character = "\u{1F}"
    private static let itemSeparator: Character = "\u{1D}"
    private static let fieldCount = 11
    private static let recordByte = UInt8(0x1E)
    private static let fieldByte = UInt8(0x1F)
    private static let itemByte = UInt8(0x1D)

    /// `accounts` as text, or nil when a value holds a control character or a list an empty item (which the
    /// separators could not keep apart).
    static func encode(_ accounts: [Account]) -> String? {
        var records: [String] = []
        records.reserveCapacity(accounts.count)
        for account in accounts {
            let texts = [account.name, account.profile, account.origin, account.problem ?? ""]
            let items = account.regions + account.registryIDs + (account.targets ?? []).map(\.rawValue)
            guard texts.allSatisfy(isPlain), items.allSatisfy({ !$0.isEmpty && isPlain($0) }) else { return nil }
            let fields = [
                account.name, account.profile, list(account.regions), flag(account.isPublic),
                list(account.registryIDs), account.origin, account.credentialSource?.rawValue ?? "",
                account.problem.map { "+" + $0 } ?? "", flag(account.isEnabled),
                account.targets.map { "+" + list($0.map(\.rawValue)) } ?? "", flag(account.regionFromInstanceMetadata),
            ]
            records.append(fields.joined(separator: String(fieldSeparator)))
        }
        return records.joined(separator: String(recordSeparator))
    }

    /// The accounts `encode` made `text` from, or nil when it is not such a text. Split on its UTF-8 bytes (the
    /// separators are ASCII): splitting on `Character`s, which finds grapheme boundaries, cost 75 k instructions an
    /// account, most of what reusing them saves.
    static func decode(_ text: String) -> [Account]? {
        guard !text.isEmpty else { return [] }
        var text = text
        return text.withUTF8 { bytes -> [Account]? in
            var accounts: [Account] = []
            for record in bytes.split(separator: recordByte, omittingEmptySubsequences: false) {
                let fields = record.split(separator: fieldByte, omittingEmptySubsequences: false).map {
                    String(decoding: $0, as: UTF8.self)
                }
                guard let account = account(fields) else { return nil }
                accounts.append(account)
            }
            return accounts
        }
    }

    private static func account(_ fields: [String]) -> Account? {
        guard fields.count == fieldCount, let isPublic = flag(fields[3]), let isEnabled = flag(fields[8]),
            let fromMetadata = flag(fields[10])
        else { return nil }
        var source: CredentialSourceKind?
        if !fields[6].isEmpty {
            guard let kind = CredentialSourceKind(rawValue: fields[6]) else { return nil }
            source = kind
        }
        guard let problem = optional(fields[7]), let targets = optional(fields[9]) else { return nil }
        var account = Account(
            name: fields[0], profile: fields[1], regions: items(fields[2]), isPublic: isPublic,
            registryIDs: items(fields[4]), origin: fields[5], credentialSource: source, problem: problem,
            isEnabled: isEnabled, targets: targets.map { items($0).map(LoginTarget.init(rawValue:)) })
        account.regionFromInstanceMetadata = fromMetadata
        return account
    }

    private static func isPlain(_ text: String) -> Bool {
        !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    private static func list(_ items: [String]) -> String { items.joined(separator: String(itemSeparator)) }

    private static func items(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        return text.utf8.split(separator: itemByte, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    private static func flag(_ value: Bool) -> String { value ? "1" : "0" }

    private static func flag(_ text: String) -> Bool? {
        switch text {
        case "1": true
        case "0": false
        default: nil
        }
    }

    /// `""` is nil, `"+text"` is `text`; anything else is no optional this encoding wrote (the outer nil).
    private static func optional(_ text: String) -> String?? {
        if text.isEmpty { return .some(nil) }
        guard text.hasPrefix("+") else { return nil }
        return .some(String(text.dropFirst()))
    }
}
