import Testing

@testable import ECRSessions

/// libcurl is opened on the first request: a system without it gets a typed error naming what to install.
@Suite struct StartupLibcurlTests {
    @Test func theInstalledLibcurlLoads() throws {
        try Libcurl.load(candidates: Libcurl.candidates).get()
        try Libcurl.shared.get()
    }

    @Test func aMissingLibcurlIsATypedErrorNamingTheLibraryAndThePackage() {
        let result = Libcurl.load(candidates: ["libcurl-not-installed.so.4", "libcurl-not-installed.so"])
        guard case .failure(var error) = result else {
            Issue.record("a library that does not exist loaded")
            return
        }
        #expect(error.kind == .libraryMissing)
        #expect(error.detail.contains("libcurl-not-installed.so.4"), "\(error.detail)")
        #expect(error.detail.contains("libcurl-not-installed.so: "), "both names tried: \(error.detail)")
        #expect(error.detail.contains("the libcurl4 package"), "\(error.detail)")
        error.host = "api.ecr.eu-west-1.amazonaws.com"
        #expect(error.description.hasPrefix("cannot send a request to api.ecr.eu-west-1.amazonaws.com: libcurl ("))
    }

    @Test func aLibraryWithoutCurlsFunctionsIsRefused() {
        #if os(Linux)
            let result = Libcurl.load(candidates: ["libz.so.1"])
            guard case .failure(let error) = result else {
                Issue.record("libz passed for libcurl")
                return
            }
            #expect(error.detail.contains("libz.so.1 has no curl_global_init"), "\(error.detail)")
        #endif
    }
}
