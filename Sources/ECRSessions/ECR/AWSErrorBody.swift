import Foundation

/// The error code and message in an AWS error answer: JSON `{"__type": ..., "message": ...}` from the JSON
/// protocols, or XML `<Error><Code>...</Code><Message>...</Message></Error>` from the Query protocol (and from
/// moto_server for signature failures).
struct AWSErrorBody: Equatable {
    var code: String
    var message: String

    init?(status: Int, body: Data) {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            guard let type = (object["__type"] ?? object["code"] ?? object["Code"]) as? String else { return nil }
            // `__type` may be qualified: "com.amazonaws.ecr#ThrottlingException" or with a trailing ":url".
            let unqualified = type.split(separator: "#").last.map(String.init) ?? type
            code = unqualified.split(separator: ":").first.map(String.init) ?? unqualified
            message = (object["message"] ?? object["Message"]) as? String ?? ""
            return
        }
        let text = String(decoding: body, as: UTF8.self)
        guard let code = Self.element("Code", in: text) else { return nil }
        self.code = code
        message = Self.element("Message", in: text) ?? ""
    }

    private static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"),
            let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        return String(text[start.upperBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The error's kind in the user's terms.
    func kind(status: Int) -> ECRError.Kind {
        switch code {
        case "InvalidSignatureException", "SignatureDoesNotMatch": .invalidSignature
        case "UnrecognizedClientException", "InvalidClientTokenId": .unknownAccessKey
        case "ExpiredTokenException", "ExpiredToken", "RequestExpired": .expiredCredentials
        case "AccessDeniedException", "AccessDenied": .accessDenied
        case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded": .throttled
        default: status >= 500 ? .serverError : .service(code: code)
        }
    }
}

/// Removes every occurrence of the given secrets from a text that came from elsewhere (a server's error
/// message may quote the canonical request, and with it a session token).
func redacting(_ secrets: [String?], in text: String) -> String {
    secrets.compactMap { $0 }.filter { $0.count >= 4 }.reduce(text) {
        $0.replacingOccurrences(of: $1, with: "<redacted>")
    }
}
