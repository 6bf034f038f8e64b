import Foundation

/// A long-running peer (moto_server) started under a small supervisor that kills it as soon as this test process
/// goes away, however it goes: the supervisor holds one end of a pipe whose other end only we hold, and a closed
/// pipe means we are gone. Without it a suite-wide fixture, whose deinit never runs at exit, leaves its server
/// running after every test run.
public final class SupervisedProcess: @unchecked Sendable {
    private let supervisor: Process
    private let lifeline = Pipe()

    /// The supervisor: runs the command, and kills it when its standard input reaches end of file.
    private static let script = """
        import subprocess, sys, threading
        child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL)
        def lifeline():
            try:
                sys.stdin.buffer.read()
            finally:
                child.kill()
        threading.Thread(target=lifeline, daemon=True).start()
        sys.exit(child.wait())
        """

    public init(executable: String, arguments: [String], environment: [String: String]) throws {
        guard let python = which("python3") else { throw CocoaError(.executableNotLoadable) }
        supervisor = Process()
        supervisor.executableURL = URL(fileURLWithPath: python)
        supervisor.arguments = ["-c", Self.script, executable] + arguments
        supervisor.environment = environment
        supervisor.standardInput = lifeline
        supervisor.standardOutput = FileHandle.nullDevice
        supervisor.standardError = FileHandle.nullDevice
        try supervisor.run()
    }

    deinit {
        stop()
    }

    public var isRunning: Bool { supervisor.isRunning }

    /// Stops the command and reaps the supervisor. Waits with `waitpid` itself, because Foundation's
    /// `waitUntilExit` can spin forever when called from a deinit on Linux.
    public func stop() {
        try? lifeline.fileHandleForWriting.close()
        let pid = supervisor.processIdentifier
        guard pid > 0, kill(pid, 0) == 0 else { return }
        waitpid(pid, nil, 0)
    }
}
