import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of a program with posix_spawn: its own process group (so a timeout kills its children too), default
/// signal handling and an empty signal mask (whatever thread starts it, with whatever it blocks), standard input
/// from the given bytes or /dev/null, and both outputs collected separately.
struct ChildProcess: Sendable {
    /// The program's path; `ExecutableSearch` finds one on PATH.
    var executable: String
    /// The program's arguments, the first one being its name (argv[0]).
    var arguments: [String]
    /// Exactly the environment the program gets.
    var environment: [String: String]
    /// What the program reads on standard input; nil for /dev/null.
    var input: [UInt8]?
    /// How long it may run before it and its process group are killed; nil to wait as long as it takes.
    var timeout: Duration?
    /// More output than this, per stream, is read and dropped, so a runaway child cannot fill memory.
    var outputLimit = 1 << 20

    init(
        _ executable: String, arguments: [String], environment: [String: String], input: [UInt8]? = nil,
        timeout: Duration? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.input = input
        self.timeout = timeout
    }

    /// How the program ended and what it printed.
    struct Output: Sendable, Equatable {
        /// The raw wait status.
        var waitStatus: Int32
        var stdout: [UInt8]
        var stderr: [UInt8]
        /// Whether it was killed for running past the timeout.
        var timedOut: Bool

        /// The exit code, or 128 + the signal when a signal ended it, as shells report it.
        var exitStatus: Int32 {
            waitStatus & 0x7f == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        }

        var exitDescription: String {
            waitStatus & 0x7f == 0
                ? "it exited with status \(exitStatus)" : "it was killed by signal \(waitStatus & 0x7f)"
        }
    }

    /// Runs the program and waits for it on a thread of its own: the child is watched with blocking calls (poll,
    /// waitpid), which must stay off the concurrency pool, and off Dispatch's, which runs only a few blocking items at
    /// once on a small machine, so that a timeout is kept however many children run at once. Fails when it cannot be
    /// started.
    func run() async throws(SystemError) -> Output {
        let result = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(SystemError) in try runBlocking() })
            }
            thread.stackSize = 512 * 1024
            thread.start()
        }
        return try result.get()
    }

    /// Runs the program and waits for it, blocking this thread. Fails when it cannot be started.
    func runBlocking() throws(SystemError) -> Output {
        let started = try Self.spawning.withLock { _ throws(SystemError) -> Started in try start() }
        return watch(started)
    }

    // MARK: - Starting

    /// The child and the parent's ends of its standard streams.
    private struct Started {
        var pid: pid_t
        var stdout: Int32
        var stderr: Int32
        /// -1 without input.
        var stdin: Int32
    }

    /// Held from making the pipes until the parent has closed its copies of the child's ends, so that two children
    /// started at once never inherit each other's pipes (which would keep them open after a child exits). Swift's
    /// Glibc has no `pipe2`, so close-on-exec is set in a second step.
    private static let spawning = Mutex(())

    private func start() throws(SystemError) -> Started {
        var opened: [Int32] = []
        func closeAll() { opened.forEach { close($0) } }
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        // Standard input is a socket, not a pipe, so that writing to a child that stopped reading fails with EPIPE
        // instead of raising SIGPIPE in this process.
        var stdinPair: [Int32] = [-1, -1]
        var pid: pid_t = 0
        guard Self.makePipe(&stdoutPipe) else { throw SystemError("start \(executable)") }
        opened += stdoutPipe
        guard Self.makePipe(&stderrPipe) else {
            let failure = SystemError("start \(executable)")
            closeAll()
            throw failure
        }
        opened += stderrPipe
        if input != nil {
            guard Self.makeSocketPair(&stdinPair) else {
                let failure = SystemError("start \(executable)")
                closeAll()
                throw failure
            }
            opened += stdinPair
        }
        let code = spawn(&pid, stdin: stdinPair[1], stdout: stdoutPipe[1], stderr: stderrPipe[1])
        for end in [stdoutPipe[1], stderrPipe[1], stdinPair[1]] where end >= 0 { close(end) }
        guard code == 0 else {
            for end in [stdoutPipe[0], stderrPipe[0], stdinPair[0]] where end >= 0 { close(end) }
            throw SystemError("start \(executable)", code: code)
        }
        return Started(pid: pid, stdout: stdoutPipe[0], stderr: stderrPipe[0], stdin: stdinPair[0])
    }

    /// A pipe whose ends are closed in every program started later.
    private static func makePipe(_ ends: inout [Int32]) -> Bool {
        guard pipe(&ends) == 0 else { return false }
        ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// A connected pair of stream sockets closed in every program started later; the first end (ours) does not
    /// block, and on Darwin never raises SIGPIPE (Linux's `send` is told so with MSG_NOSIGNAL).
    private static func makeSocketPair(_ ends: inout [Int32]) -> Bool {
        #if canImport(Darwin)
            guard socketpair(AF_UNIX, SOCK_STREAM, 0, &ends) == 0 else { return false }
            var on: Int32 = 1
            setsockopt(ends[0], SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #else
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else { return false }
        #endif
        ends.forEach { _ = fcntl($0, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        return true
    }

    /// Starts the child with `stdin` (or /dev/null when -1), `stdout` and `stderr` as its standard streams;
    /// posix_spawn's result: 0, or the errno (which it returns rather than sets).
    private func spawn(_ pid: inout pid_t, stdin: Int32, stdout: Int32, stderr: Int32) -> Int32 {
        #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t? = nil
            var attributes: posix_spawnattr_t? = nil
        #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if stdin >= 0 {
            posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)

        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // "Text file busy": a program written a moment ago can still be open for writing in a child some other
        // thread is starting, until that child's exec closes it. That clears within milliseconds.
        for _ in 0..<20 where code == ETXTBSY {
            usleep(10_000)
            code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        return code
    }

    // MARK: - Watching

    /// Feeds the input, reads both outputs until they close and the child has exited, or kills the child's process
    /// group when the time is up.
    private func watch(_ child: Started) -> Output {
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now.advanced(by: $0) }
        var collected: [Int32: [UInt8]] = [child.stdout: [], child.stderr: []]
        var open = [child.stdout, child.stderr]
        var stdin = child.stdin
        var pending = input.map { ArraySlice($0) } ?? []
        var waitStatus: Int32 = 0
        var exited = false
        var buffer = [UInt8](repeating: 0, count: 16384)

        func closeInput() {
            if stdin >= 0 { close(stdin) }
            stdin = -1
        }
        if pending.isEmpty { closeInput() }

        while !exited || !open.isEmpty {
            let left = deadline.map { clock.now.duration(to: $0) } ?? .milliseconds(50)
            if left <= .zero { break }
            // Poll in short slices: an exited child whose grandchild still holds a pipe must not stall the check.
            let slice = Int32(min(left, .milliseconds(50)).components.attoseconds / 1_000_000_000_000_000 + 1)
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            if fds.isEmpty {
                usleep(useconds_t(min(slice, 10)) * 1000)
            } else if poll(&fds, nfds_t(fds.count), slice) > 0 {
                for entry in fds where entry.revents != 0 {
                    if entry.fd == stdin {
                        if !Self.send(&pending, to: stdin) || pending.isEmpty { closeInput() }
                        continue
                    }
                    let count = read(entry.fd, &buffer, buffer.count)
                    if count > 0 {
                        if collected[entry.fd, default: []].count < outputLimit {
                            collected[entry.fd, default: []] += buffer[0..<count]
                        }
                    } else if count == 0 || errno != EINTR {
                        open.removeAll { $0 == entry.fd }
                        close(entry.fd)
                    }
                }
            }
            if !exited, waitpid(child.pid, &waitStatus, WNOHANG) == child.pid {
                exited = true
            }
        }

        // Out of time with the child still running: kill it and everything it started. A child that exited but
        // left a grandchild holding its outputs is not waited for any longer; it keeps running, reading nothing.
        let timedOut = !exited
        if timedOut {
            kill(-child.pid, SIGKILL)
            kill(child.pid, SIGKILL)
            while waitpid(child.pid, &waitStatus, 0) == -1 && errno == EINTR {}
        }
        closeInput()
        open.forEach { close($0) }
        return Output(
            waitStatus: waitStatus, stdout: collected[child.stdout] ?? [], stderr: collected[child.stderr] ?? [],
            timedOut: timedOut)
    }

    /// Sends what the socket takes of `pending` and drops it from there; false when the child no longer reads.
    private static func send(_ pending: inout ArraySlice<UInt8>, to socket: Int32) -> Bool {
        #if canImport(Darwin)
            let flags: Int32 = 0
        #else
            let flags = Int32(MSG_NOSIGNAL)
        #endif
        let count = pending.withUnsafeBytes { bytes in
            Foundation.send(socket, bytes.baseAddress, bytes.count, flags)
        }
        if count >= 0 {
            pending.removeFirst(count)
            return true
        }
        return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK
    }
}
