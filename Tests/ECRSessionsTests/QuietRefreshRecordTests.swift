import Foundation
import TestSupport
import Testing

@testable import ECRSessions

/// The record a refresh with nothing to do leaves for the next one (`QuietRefresh`): what it keeps, and what it
/// never depends on.
@Suite struct QuietRefreshRecordTests {
    static let record = QuietRefresh(
        changeCount: 42, recordedAt: Date(timeIntervalSince1970: 1_796_000_000.5),
        quietUntil: Date(timeIntervalSince1970: 1_796_003_600.25), nextDue: Date(timeIntervalSince1970: 1_796_030_000),
        metricsFile: "/var/lib/node-exporter/ecr sessions.prom",
        places: [
            .init(path: "/home/u/.docker/config.json", version: "64768:12:2438:1796.5:1796.6"),
            .init(path: "/run/user/1000/containers/auth.json", version: "1:2:3:4.5:6.7"),
        ])

    @Test func everyFieldSurvivesTheEncoding() throws {
        let text = try #require(Self.record.encoded())
        #expect(QuietRefresh(decoding: text) == Self.record)
        var bare = Self.record
        bare.nextDue = nil
        bare.metricsFile = nil
        bare.places = []
        #expect(QuietRefresh(decoding: try #require(bare.encoded())) == bare)
    }

    @Test func aTextItDidNotWriteIsNoRecord() throws {
        let text = try #require(Self.record.encoded())
        for broken in ["", "v1", "v0" + text.dropFirst(2), text.replacingOccurrences(of: "42", with: "4x"),
            text + "\u{1E}/a/path-without-version"]
        {
            #expect(QuietRefresh(decoding: broken) == nil, "\(broken.debugDescription)")
        }
    }

    @Test func aPathTheSeparatorsCannotHoldIsNotRecorded() {
        var record = Self.record
        record.places.append(.init(path: "/tmp/a\u{1E}b/config.json", version: "1:2:3:4:5"))
        #expect(record.encoded() == nil)
    }

    @Test func theKeyFollowsEveryVariableButNoSecretAndNoShellBookkeeping() {
        let base = Environment(["HOME": "/home/u", "DOCKER_CONFIG": "/home/u/d", "GITHUB_TOKEN": "ghp_one", "_": "/a"])
        let key = QuietRefresh.inputs(accountsInputs: "fnv1a-1", environment: base)
        func changed(_ name: String, _ value: String?) -> String {
            var environment = base
            environment.values[name] = value
            return QuietRefresh.inputs(accountsInputs: "fnv1a-1", environment: environment)
        }
        #expect(key != QuietRefresh.inputs(accountsInputs: "fnv1a-2", environment: base))
        #expect(changed("DOCKER_CONFIG", "/home/u/elsewhere") != key)
        #expect(changed("REGISTRY_AUTH_FILE", "/tmp/auth.json") != key)
        #expect(changed("GITHUB_TOKEN", "ghp_two") == key, "a secret's value is not fingerprinted")
        #expect(changed("GITHUB_TOKEN", nil) != key, "its presence is")
        #expect(changed("_", "/usr/bin/valgrind") == key)
        #expect(changed("LD_PRELOAD", "/usr/libexec/valgrind/vgpreload_core-amd64-linux.so") == key)
        #expect(changed("HYPERFINE_RANDOMIZED_ENVIRONMENT_OFFSET", "XXXXXXX") == key)
        #expect(!key.contains("ghp_"))
    }

    @Test func theRecordHoldsOnlyWithinItsTimeAtItsChangeCountWithItsPlacesUnchanged() throws {
        let directory = try TemporaryDirectory("quiet-record")
        defer { directory.remove() }
        let path = try directory.write("config.json", "{}")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: path)
        Thread.sleep(forTimeInterval: 2.1)  // the status change time of the write, which no one can date back
        let version = try #require(FileStamp.settledVersion(path: path))
        let now = Date()
        let record = QuietRefresh(
            changeCount: 7, recordedAt: now - 10, quietUntil: now + 10, nextDue: nil, metricsFile: nil,
            places: [.init(path: path, version: version)])
        #expect(record.holds(now: now, changeCount: 7))
        #expect(!record.holds(now: now, changeCount: 8))
        #expect(!record.holds(now: now, changeCount: nil))
        #expect(!record.holds(now: now - 11, changeCount: 7), "the clock went back")
        #expect(!record.holds(now: now + 10, changeCount: 7))
        try "{ }".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(!record.holds(now: now, changeCount: 7), "the place changed")
    }
}
