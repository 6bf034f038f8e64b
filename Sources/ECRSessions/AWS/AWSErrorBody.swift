import Foundation

/// The error code and message in an AWS error answer: JSON `{"__type": ..., "message": ...}` from the JSON
/// protocols, or XML `<Error><Code>...</Code><Message>...</Message></Error>` from the Query protocol (and from
/// moto_server for signature failures).
struct AWSErrorBody: Equatable {
    var code: String
    var message: String

    init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// Reads either form; nil when `body` is neither, or names no code.
    init?(_ body: Data) {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            guard let type = (object["__type"] ?? object["code"] ?? object["Code"]) as? String else { return nil }
            self.init(code: Self.unqualified(type), message: (object["message"] ?? object["Message"]) as? String ?? "")
            return
        }
        let xml = QueryXML(body)
        guard let code = xml.value("Code") else { return nil }
        self.init(code: code, message: xml.value("Message") ?? "")
    }

    /// The bare code of a qualified one: `__type` and `x-amzn-ErrorType` may read
    /// "com.amazonaws.ecr#ThrottlingException" or carry a trailing ":url".
    static func unqualified(_ type: String) -> String {
        let name = type.split(separator: "#").last.map(String.init) ?? type
        return name.split(separator: ":").first.map(String.init) ?? name
    }
}

/// Removes every occurrence of the given secrets from a text that came from elsewhere (a server's error
/// message may quote the canonical request, and with it a session token).
func redacting(_ secrets: [String?], in text: String) -> String {
    secrets.compactMap { $0 }.filter { $0.count >= 4 }.reduce(text) {
        $0.replacingOccurrences(of: $1, with: "<redacted>")
    }
}
