import Foundation

/// Where a Kubernetes API server is and how to authenticate to it: the pod's service account when running in a
/// cluster, else the current context of `KUBECONFIG` or `~/.kube/config`.
struct KubernetesCluster: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// `https://host:port`, without a trailing slash.
    var server: String
    /// The cluster's CA certificates (PEM); nil trusts the system's.
    var caCertificates: Data?
    /// A bearer token; read again from its file for every connection, as service-account tokens rotate.
    var token: String?
    var clientCertificate: Data?
    var clientKey: Data?
    /// The namespace of the service account or the context, for a config that names none.
    var namespace: String

    /// The server only: the token and key never reach a message or a dump.
    var description: String { server }
    var customMirror: Mirror { Mirror(self, children: ["server": server, "namespace": namespace]) }

    /// The folder a pod's service account is mounted at.
    static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The cluster this process talks to: in a pod (`KUBERNETES_SERVICE_HOST` set and a service account mounted)
    /// the one it runs in, else the kubeconfig's current context.
    static func locate(
        environment: Environment, serviceAccountDirectory: String = serviceAccountDirectory
    ) throws(KubernetesClusterError) -> KubernetesCluster {
        if let host = environment["KUBERNETES_SERVICE_HOST"],
            FileSystem.exists(serviceAccountDirectory + "/token")
        {
            return try inCluster(
                host: host, port: environment["KUBERNETES_SERVICE_PORT"] ?? "443",
                directory: serviceAccountDirectory)
        }
        let paths = (environment["KUBECONFIG"].map { $0.split(separator: ":").map(String.init) } ?? [])
            .map(environment.expandingTilde)
        return try fromKubeconfig(paths.isEmpty ? [environment.homeDirectory + "/.kube/config"] : paths)
    }

    static func inCluster(host: String, port: String, directory: String) throws(KubernetesClusterError)
        -> KubernetesCluster
    {
        let hostPart = host.contains(":") ? "[\(host)]" : host  // an IPv6 service address
        let token = try read(directory + "/token").map { String(decoding: $0, as: UTF8.self) }
        let namespace = try read(directory + "/namespace").map { String(decoding: $0, as: UTF8.self) }
        return KubernetesCluster(
            server: "https://\(hostPart):\(port)", caCertificates: try read(directory + "/ca.crt"),
            token: token.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
            namespace: namespace?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "default")
    }

    /// The current context of the kubeconfig files, merged as kubectl merges them: the first file to set a value
    /// (the current context, a named cluster, user or context) wins.
    static func fromKubeconfig(_ paths: [String]) throws(KubernetesClusterError) -> KubernetesCluster {
        var documents: [(path: String, root: YAMLSubset.Node)] = []
        for path in paths {
            guard let data = try read(path) else { continue }
            do {
                documents.append((path, try YAMLSubset.parse(String(decoding: data, as: UTF8.self))))
            } catch {
                throw .unreadable(path: path, reason: error.description)
            }
        }
        guard !documents.isEmpty else { throw .noConfiguration(paths: paths) }
        let where_ = documents.map(\.path).joined(separator: ":")
        guard
            let current = documents.lazy.compactMap({ $0.root["current-context"]?.text }).first(where: { !$0.isEmpty })
        else { throw .invalid(path: where_, reason: "no current-context is set (kubectl config use-context NAME)") }
        func named(_ list: String, _ name: String) -> (path: String, node: YAMLSubset.Node)? {
            for document in documents {
                for item in document.root[list]?.items ?? [] where item["name"]?.text == name {
                    if let node = item[String(list.dropLast())] { return (document.path, node) }
                }
            }
            return nil
        }
        guard let context = named("contexts", current)?.node else {
            throw .invalid(path: where_, reason: "the current context \(current) is not among its contexts")
        }
        let clusterName = context["cluster"]?.text ?? ""
        guard let (clusterPath, cluster) = named("clusters", clusterName), let server = cluster["server"]?.text,
            !server.isEmpty
        else {
            throw .invalid(
                path: where_, reason: "context \(current) names cluster '\(clusterName)', which has no server")
        }
        var result = KubernetesCluster(
            server: server.hasSuffix("/") ? String(server.dropLast()) : server,
            namespace: context["namespace"]?.text ?? "default")
        result.caCertificates = try material(cluster, "certificate-authority", relativeTo: clusterPath)
        if let userName = context["user"]?.text, let (userPath, user) = named("users", userName) {
            if user["exec"] != nil || user["auth-provider"] != nil {
                throw .invalid(
                    path: userPath,
                    reason: "user \(userName) authenticates through an exec plugin or auth provider, which "
                        + "ecr-sessions does not run; give it a token or a client certificate, or run ecr-sessions "
                        + "in the cluster with a service account")
            }
            if let token = user["token"]?.text {
                result.token = token
            } else if let file = user["tokenFile"]?.text,
                let data = try read(resolve(file, relativeTo: userPath))
            {
                result.token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            result.clientCertificate = try material(user, "client-certificate", relativeTo: userPath)
            result.clientKey = try material(user, "client-key", relativeTo: userPath)
        }
        return result
    }

    /// `NAME-data` (base64 PEM) or the file `NAME` names, relative to the kubeconfig that names it.
    private static func material(_ node: YAMLSubset.Node, _ name: String, relativeTo path: String)
        throws(KubernetesClusterError) -> Data?
    {
        if let text = node[name + "-data"]?.text {
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw .invalid(path: path, reason: "\(name)-data is not base64")
            }
            return data
        }
        guard let file = node[name]?.text else { return nil }
        let resolved = resolve(file, relativeTo: path)
        guard let data = try read(resolved) else {
            throw .invalid(path: path, reason: "\(name) \(resolved) does not exist")
        }
        return data
    }

    private static func resolve(_ file: String, relativeTo path: String) -> String {
        file.hasPrefix("/") ? file : FileSystem.directory(of: path) + "/" + file
    }

    private static func read(_ path: String) throws(KubernetesClusterError) -> Data? {
        do {
            return try FileSystem.contents(atPath: path)?.data
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
    }
}

/// The cluster could not be found or its credentials read.
enum KubernetesClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    case noConfiguration(paths: [String])
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)

    var description: String {
        switch self {
        case .noConfiguration(let paths):
            "no Kubernetes cluster: not in a pod with a service account, and no kubeconfig at "
                + paths.joined(separator: ":") + " (set KUBECONFIG)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalid(let path, let reason): "the kubeconfig \(path) cannot be used: \(reason)"
        }
    }
}

/// The block-style YAML that kubeconfig files are written in: mappings, sequences of mappings, plain and quoted
/// scalars, comments, and `{}`/`[]` for empty collections. Not a YAML parser: anchors, multi-line scalars and
/// flow collections with content are refused, so a file this cannot read fails loudly instead of reading wrongly.
enum YAMLSubset {
    indirect enum Node: Sendable, Equatable {
        case scalar(String)
        case mapping([(String, Node)])
        case sequence([Node])

        static func == (lhs: Node, rhs: Node) -> Bool {
            switch (lhs, rhs) {
            case (.scalar(let a), .scalar(let b)): a == b
            case (.sequence(let a), .sequence(let b)): a == b
            case (.mapping(let a), .mapping(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
            default: false
            }
        }

        subscript(key: String) -> Node? {
            guard case .mapping(let pairs) = self else { return nil }
            return pairs.first { $0.0 == key }?.1
        }

        var text: String? {
            guard case .scalar(let value) = self else { return nil }
            return value
        }

        var items: [Node] {
            guard case .sequence(let items) = self else { return [] }
            return items
        }
    }

    struct SyntaxError: Error, Equatable, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    private struct Line {
        var number: Int
        var indent: Int
        var text: Substring
    }

    static func parse(_ text: String) throws(SyntaxError) -> Node {
        var lines: [Line] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = stripComment(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            let trimmed = content.drop { $0 == " " }
            if trimmed.allSatisfy(\.isWhitespace) || trimmed == "---" { continue }
            if trimmed.hasPrefix("\t") { throw SyntaxError(line: index + 1, reason: "tabs do not indent YAML") }
            lines.append(Line(number: index + 1, indent: content.count - trimmed.count, text: trimmed))
        }
        var position = 0
        guard !lines.isEmpty else { return .mapping([]) }
        let root = try block(&lines, &position, indent: lines[0].indent)
        if position < lines.count {
            throw SyntaxError(line: lines[position].number, reason: "unexpected indentation")
        }
        return root
    }

    /// A mapping or sequence whose entries start at `indent`.
    private static func block(_ lines: inout [Line], _ position: inout Int, indent: Int) throws(SyntaxError) -> Node {
        if lines[position].text.hasPrefix("- ") || lines[position].text == "-" {
            var items: [Node] = []
            while position < lines.count, lines[position].indent == indent,
                lines[position].text.hasPrefix("- ") || lines[position].text == "-"
            {
                // `- key: value` opens a mapping whose keys sit two columns further in.
                let rest = lines[position].text.dropFirst(1).drop { $0 == " " }
                if rest.isEmpty {
                    position += 1
                    items.append(
                        position < lines.count && lines[position].indent > indent
                            ? try block(&lines, &position, indent: lines[position].indent) : .scalar(""))
                    continue
                }
                let inner = indent + (lines[position].text.count - rest.count)
                lines[position] = Line(number: lines[position].number, indent: inner, text: rest)
                if rest.contains(": ") || rest.hasSuffix(":") {
                    items.append(try block(&lines, &position, indent: inner))
                } else {
                    items.append(.scalar(try scalar(rest, line: lines[position].number)))
                    position += 1
                }
            }
            return .sequence(items)
        }
        var pairs: [(String, Node)] = []
        while position < lines.count, lines[position].indent == indent, !lines[position].text.hasPrefix("- ") {
            let line = lines[position]
            guard let colon = keyEnd(line.text) else {
                throw SyntaxError(line: line.number, reason: "expected `key: value`")
            }
            let key = try scalar(line.text[..<colon], line: line.number)
            let value = line.text[line.text.index(after: colon)...].drop { $0 == " " }
            position += 1
            if !value.isEmpty {
                pairs.append((key, try inlineValue(value, line: line.number)))
            } else if position < lines.count,
                lines[position].indent > indent
                    || (lines[position].indent == indent && lines[position].text.hasPrefix("- "))
            {
                pairs.append((key, try block(&lines, &position, indent: lines[position].indent)))
            } else {
                pairs.append((key, .scalar("")))
            }
        }
        return .mapping(pairs)
    }

    private static func inlineValue(_ value: Substring, line: Int) throws(SyntaxError) -> Node {
        switch value {
        case "{}": return .mapping([])
        case "[]": return .sequence([])
        default:
            if let first = value.first, "{[&*|>!".contains(first) {
                throw SyntaxError(line: line, reason: "this YAML feature is not supported in a kubeconfig here")
            }
            return .scalar(try scalar(value, line: line))
        }
    }

    /// The colon that ends a key: the first `: ` (or a final `:`) outside quotes.
    private static func keyEnd(_ text: Substring) -> Substring.Index? {
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == ":" {
                let next = text.index(after: index)
                if next == text.endIndex || text[next] == " " { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func scalar(_ raw: Substring, line: Int) throws(SyntaxError) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\""),
                let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)
                    as? String
            else { throw SyntaxError(line: line, reason: "unterminated or invalid double-quoted string") }
            return value
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else {
                throw SyntaxError(line: line, reason: "unterminated single-quoted string")
            }
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        return text == "null" || text == "~" ? "" : text
    }

    /// The line without a comment: `#` at its start or after a space, outside quotes.
    private static func stripComment(_ line: Substring) -> Substring {
        var quote: Character?
        var previous: Character = " "
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" && previous == " " {
                return line[..<index]
            }
            previous = character
        }
        return line
    }
}
