import Foundation

/// The few calls of the Kubernetes API that the `kubernetes` target makes: get, create, replace and delete one
/// Secret, over libcurl with the cluster's CA and credentials.
struct KubernetesAPI: Sendable {
    let cluster: KubernetesCluster
    private let transport: CurlTransport

    init(cluster: KubernetesCluster) {
        self.cluster = cluster
        var settings = CurlSettings()
        settings.connectTimeout = .seconds(5)
        settings.totalTimeout = .seconds(20)
        settings.caCertificates = cluster.caCertificates
        settings.clientCertificate = cluster.clientCertificate
        settings.clientKey = cluster.clientKey
        transport = CurlTransport(settings: settings)
    }

    /// An answer: its status and, when the body is a JSON object, that object.
    struct Answer {
        var status: Int
        var object: [String: Any]?

        /// The `message` of a `Status` body, which names no secret data.
        var message: String { object?["message"] as? String ?? "HTTP \(status)" }
    }

    /// Why a call got no answer at all.
    struct Unreachable: Error {
        var reason: String
    }

    /// The RBAC verb of an HTTP method, as a Role's rule names it.
    static func verb(_ method: String) -> String {
        switch method {
        case "GET": "get"
        case "POST": "create"
        case "PUT": "update"
        case "PATCH": "patch"
        case "DELETE": "delete"
        default: method.lowercased()
        }
    }

    /// `method` on the namespace's Secrets, or on the one named `name`.
    func secrets(_ method: String, namespace: String, name: String? = nil, body: [String: Any]? = nil)
        throws(Unreachable) -> Answer
    {
        var path = "/api/v1/namespaces/\(namespace)/secrets"
        if let name { path += "/\(name)" }
        guard let url = URL(string: cluster.server + path) else {
            throw Unreachable(reason: "the server URL \(cluster.server) is not a URL")
        }
        var headers = [HTTPHeader("Accept", "application/json")]
        if let token = cluster.token, !token.isEmpty { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        var data = Data()
        if let body {
            headers.append(HTTPHeader("Content-Type", "application/json"))
            data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
        }
        let response: HTTPResponse
        do {
            response = try transport.sendBlocking(HTTPRequest(method: method, url: url, headers: headers, body: data))
        } catch {
            throw Unreachable(reason: error.description)
        }
        return Answer(
            status: response.status,
            object: (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any])
    }
}
