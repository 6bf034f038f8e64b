import Foundation
import TestSupport
import Testing

@testable import ECRSessions

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The System layer's primitives, on real files and real child processes.
@Suite struct SystemTests {
    private func mode(_ path: String) -> mode_t {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o7777 : 0
    }

    @Test func atomicReplaceWritesTheBytesWithExactlyTheMode() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "old")
        try AtomicFile.replace(path, with: Data("new".utf8), mode: 0o640)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(mode(path) == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["config.json"])
    }

    @Test func aFailedReplaceLeavesNoTemporaryFile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        // A non-empty folder where the file should be: the rename fails after the temporary file is written.
        _ = try temp.write("config.json/keep", "x")
        #expect(throws: SystemError.self) {
            try AtomicFile.replace(temp.path + "/config.json", with: Data("new".utf8), mode: 0o600)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["config.json"])
    }

    @Test func privateDirectoriesAre0700WhateverTheUmask() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/a/b/c"
        // Under the usual umask (022) mkdir alone would make 0755. The umask is process-wide and tests run in
        // parallel, so unusual ones are tried on the real binary in child processes (PermissionTests), not here.
        try FileSystem.makePrivateDirectory(path)
        for directory in ["/a", "/a/b", "/a/b/c"] {
            #expect(mode(temp.path + directory) == 0o700, "\(directory)")
        }
        try FileSystem.makePrivateDirectory(path)  // existing: no error
        _ = try temp.write("file", "")
        #expect(throws: SystemError("create the folder \(temp.path)/file", code: ENOTDIR)) {
            try FileSystem.makePrivateDirectory(temp.path + "/file")
        }
    }

    @Test func aLockExcludesASecondDescriptorUntilReleased() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/x.lock"
        var first = try LockFile.tryExclusive(at: path, removedOnRelease: true)
        #expect(first != nil)
        #expect(try LockFile.tryExclusive(at: path) == nil)
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try LockFile.exclusive(at: path, timeout: .milliseconds(100)) == nil)
        #expect(clock.now - start >= .milliseconds(100))
        first = nil
        #expect(!FileSystem.exists(path), "removed on release")
        let second = try #require(try LockFile.tryExclusive(at: path))
        second.writeProcessID()
        #expect(LockFile.processID(at: path) == Int(getpid()))
    }

    @Test func pathLookupFindsTheFirstExecutableFile() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let plain = try temp.write("one/tool", "")
        let script = try temp.write("two/tool", "#!/bin/sh\n")
        chmod(script, 0o755)
        try FileManager.default.createDirectory(atPath: temp.path + "/three/tool", withIntermediateDirectories: true)
        chmod(temp.path + "/three/tool", 0o755)
        _ = plain
        let path = "\(temp.path)/three:\(temp.path)/one:\(temp.path)/two"
        #expect(ExecutableSearch.find("tool", path: path) == script)
        #expect(ExecutableSearch.find("other", path: path) == nil)
        #expect(ExecutableSearch.find("tool", path: "") == nil)
        #expect(ExecutableSearch.find("./bin/tool", path: path) == "./bin/tool")
        #expect(ExecutableSearch.directories("/a::/b") == ["/a", ".", "/b"])
    }

    @Test func aChildReadsItsInputAndItsOutputsAndStatusAreKept() async throws {
        // More than a pipe or socket buffer holds, so feeding and reading must interleave.
        let input = Array(String(repeating: "0123456789abcdef", count: 40_000).utf8)
        let cat = ChildProcess("/bin/cat", arguments: ["cat"], environment: [:], input: input, timeout: .seconds(20))
        let copied = try await cat.run()
        #expect(copied.stdout == input)
        #expect(copied.exitStatus == 0 && !copied.timedOut)

        let shell = ChildProcess(
            "/bin/sh", arguments: ["sh", "-c", "echo out; echo err >&2; exit 3"], environment: [:])
        let failed = try shell.runBlocking()
        #expect(String(decoding: failed.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: failed.stderr, as: UTF8.self) == "err\n")
        #expect(failed.exitStatus == 3)
        #expect(failed.exitDescription == "it exited with status 3")
    }

    @Test func aChildPastItsTimeoutIsKilled() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let output = try ChildProcess(
            "/bin/sh", arguments: ["sh", "-c", "sleep 30"], environment: [:], timeout: .milliseconds(200)
        ).runBlocking()
        #expect(output.timedOut)
        #expect(clock.now - start < .seconds(10))
    }

    @Test func aMissingProgramFailsToStartWithItsErrno() {
        #expect(throws: SystemError("start /no/such/program", code: ENOENT)) {
            try ChildProcess("/no/such/program", arguments: ["program"], environment: [:]).runBlocking()
        }
    }

    @Test func symbolicLinksAreFollowedToTheFileTheyEndAt() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let real = try temp.write("dotfiles/config.json", "{}")
        try FileSystem.makeSymbolicLink(temp.path + "/link", to: "dotfiles/config.json")
        #expect(try FileSystem.followingSymbolicLinks(temp.path + "/link") == temp.path + "/dotfiles/config.json")
        #expect(try FileSystem.contents(atPath: temp.path + "/link")?.data == Data("{}".utf8))
        #expect(try FileSystem.contents(atPath: temp.path + "/none") == nil)
        _ = real
    }
}
