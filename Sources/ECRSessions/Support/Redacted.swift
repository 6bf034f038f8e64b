/// Mirrors for the types that hold a secret, so `dump()`, a debugger's summary or a test failure that walks a
/// value's children shows `<redacted>` where `description` already hides it.
extension AWSCredentials: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID, "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>", "expiration": expiration as Any,
            ])
    }
}

extension AuthorizationToken: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: ["encoded": "<redacted>"])
    }
}

extension UserLogin: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "serverURL": serverURL, "username": username, "secret": "<redacted>",
                "savedAt": savedAt,
            ])
    }
}

extension HelperCredentials: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: ["serverURL": serverURL, "username": username, "secret": "<redacted>"])
    }
}
