import ECRSessions
import Foundation
import TestSupport
import Testing

/// Concurrent writers: threads in this process and a real second process.
@Suite struct TargetLockTests {
    @Test func concurrentWritersLoseNothing() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/config.json"
        try temp.write("config.json", #"{"credsStore": "pass"}"#)

        // Each writer is its own instance on its own thread, like separate ecr-sessions processes: flock
        // locks belong to open file descriptions, so writers in one process exclude each other too.
        let writers = 8
        let hostsEach = 5
        DispatchQueue.concurrentPerform(iterations: writers) { writer in
            let file = RegistryAuthFile(path: path)
            for index in 0..<hostsEach {
                let host = "\(writer)\(index).dkr.ecr.eu-west-1.amazonaws.com"
                #expect(throws: Never.self) { try file.set([host: AuthorizationToken(encoded: "dG9rZW4=")]) }
            }
        }

        let object = try json(path)
        let auths = try #require(object["auths"] as? [String: Any])
        #expect(auths.count == writers * hostsEach)
        #expect(object["credsStore"] as? String == "pass")
        #expect(try FileManager.default.contentsOfDirectory(atPath: temp.path) == ["config.json"])
    }

    @Test func waitsForAnotherProcessHoldingTheLock() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.path + "/config.json"
        let holder = try LockHolder(lockFile: path + ".lock", seconds: 1)
        defer { holder.stop() }

        let clock = ContinuousClock()
        let start = clock.now
        try RegistryAuthFile(path: path).set(["public.ecr.aws": AuthorizationToken(encoded: "dG9rZW4=")])
        let waited = clock.now - start

        #expect(waited > .milliseconds(700), "the write should have waited for the other process's lock")
        #expect(try json(path) as NSDictionary == ["auths": ["public.ecr.aws": ["auth": "dG9rZW4="]]])
    }

    @Test func givesUpAfterTheLockTimeout() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = try temp.write("config.json", "{}")
        let holder = try LockHolder(lockFile: path + ".lock", seconds: 2)
        defer { holder.stop() }
        let before = try snapshot(path)

        let file = RegistryAuthFile(path: path, lockTimeout: .milliseconds(300))
        #expect(throws: TargetError.lockTimedOut(file: path, lockFile: path + ".lock", seconds: 0.3)) {
            try file.set(["public.ecr.aws": AuthorizationToken(encoded: "dG9rZW4=")])
        }
        #expect(try snapshot(path) == before)
    }
}

/// A python3 child process holding an exclusive flock on a file; fails (rather than skips) without python3.
struct LockHolder {
    let process = Process()

    init(lockFile: String, seconds: Double) throws {
        let script = """
            import fcntl, sys, time
            f = open(sys.argv[1], "a")
            fcntl.flock(f, fcntl.LOCK_EX)
            print("locked", flush=True)
            time.sleep(float(sys.argv[2]))
            """
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, lockFile, "\(seconds)"]
        process.standardOutput = output
        try process.run()
        // Wait until the child holds the lock, so the test measures our waiting and not its start-up.
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        try #require(String(decoding: line, as: UTF8.self) == "locked\n", "python3 could not take the lock")
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
