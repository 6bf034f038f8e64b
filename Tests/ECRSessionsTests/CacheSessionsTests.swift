import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The `sessions` table: temporary credentials kept until they expire, on a real file.
@Suite struct CacheSessionsTests {
    let directory: TemporaryDirectory
    let cache: Cache
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    init() throws {
        directory = try TemporaryDirectory("cache-sessions")
        cache = try Cache(path: directory.path + "/cache.sqlite3")
    }

    func credentials(_ id: String, expiresIn seconds: TimeInterval?) -> AWSCredentials {
        AWSCredentials(
            accessKeyID: id, secretAccessKey: "secret-\(id)", sessionToken: "token-\(id)",
            expiration: seconds.map { now.addingTimeInterval($0) })
    }

    @Test func aSessionIsServedOnlyWhileItStaysValidUntilTheAskedDate() throws {
        defer { directory.remove() }
        try cache.saveSession(credentials("ASIA1", expiresIn: 3600), key: "k", label: "role", now: now)
        #expect(
            try cache.session(key: "k", validUntil: now.addingTimeInterval(3599))
                == credentials("ASIA1", expiresIn: 3600))
        #expect(try cache.session(key: "k", validUntil: now.addingTimeInterval(3600)) == nil)
        #expect(try cache.session(key: "other", validUntil: now) == nil)
    }

    @Test func savingReplacesTheKeysSessionAndForgetsExpiredOnes() throws {
        defer { directory.remove() }
        try cache.saveSession(credentials("OLD", expiresIn: 60), key: "a", label: "a", now: now)
        try cache.saveSession(credentials("B", expiresIn: 60), key: "b", label: "b", now: now)
        try cache.saveSession(
            credentials("NEW", expiresIn: 7200), key: "a", label: "a", now: now.addingTimeInterval(120))
        #expect(try cache.session(key: "a", validUntil: now)?.accessKeyID == "NEW")
        #expect(cacheRowCount("sessions", path: cache.path) == 1)
    }

    @Test func credentialsWithoutAnExpirationAreNotKept() throws {
        defer { directory.remove() }
        try cache.saveSession(credentials("AKIA", expiresIn: nil), key: "k", label: "keys", now: now)
        try cache.saveSession(credentials("GONE", expiresIn: -1), key: "g", label: "gone", now: now)
        #expect(cacheRowCount("sessions", path: cache.path) == 0)
    }
}
