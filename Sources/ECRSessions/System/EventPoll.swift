#if canImport(Glibc)
internal import CCurl
import Glibc

/// An epoll instance with an eventfd to wake it: the event loop under the curl transport's socket interface, which
/// learns of each socket's readiness at once instead of polling every connection on every turn.
///
/// Used from one thread, except `wake()`, which any thread may call.
final class EventPoll: @unchecked Sendable {
    /// What a watched descriptor is ready for.
    struct Event {
        var descriptor: Int32
        var readable: Bool
        var writable: Bool
        var failed: Bool
    }

    private let poll: Int32
    private let wakeDescriptor: Int32
    /// The descriptors added, so that a change is one `EPOLL_CTL_MOD` and a new one one `EPOLL_CTL_ADD`.
    private var watched: Set<Int32> = []
    private var events = [epoll_event](repeating: epoll_event(), count: 256)

    /// Nil when the kernel refuses an epoll or eventfd descriptor (out of descriptors).
    init?() {
        let poll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard poll >= 0 else { return nil }
        let wake = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wake >= 0 else {
            close(poll)
            return nil
        }
        self.poll = poll
        wakeDescriptor = wake
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wake))
        epoll_ctl(poll, EPOLL_CTL_ADD, wake, &event)
    }

    deinit {
        close(wakeDescriptor)
        close(poll)
    }

    /// Watches `descriptor` for reading and/or writing, replacing what it was watched for.
    func watch(_ descriptor: Int32, read: Bool, write: Bool) {
        var mask: UInt32 = 0
        if read { mask |= EPOLLIN.rawValue }
        if write { mask |= EPOLLOUT.rawValue }
        var event = epoll_event(events: mask, data: epoll_data_t(fd: descriptor))
        let operation = watched.insert(descriptor).inserted ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        // A descriptor closed and reused without a removal in between is added again, whichever the table says.
        if epoll_ctl(poll, operation, descriptor, &event) != 0 {
            epoll_ctl(poll, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, descriptor, &event)
        }
    }

    /// Stops watching `descriptor` (nothing happens when it was not watched, or is closed already).
    func unwatch(_ descriptor: Int32) {
        watched.remove(descriptor)
        var event = epoll_event()
        epoll_ctl(poll, EPOLL_CTL_DEL, descriptor, &event)
    }

    /// Makes a `wait` under way, or the next one, return at once.
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    /// Waits up to `milliseconds` (-1: for ever) for a watched descriptor or a `wake()`, and returns the ready
    /// descriptors (a wake-up is consumed, not returned).
    func wait(milliseconds: Int32) -> [Event] {
        let count = events.withUnsafeMutableBufferPointer { buffer in
            epoll_wait(poll, buffer.baseAddress, Int32(buffer.count), milliseconds)
        }
        guard count > 0 else { return [] }
        var ready: [Event] = []
        ready.reserveCapacity(Int(count))
        for event in events[..<Int(count)] {
            let descriptor = event.data.fd
            if descriptor == wakeDescriptor {
                var value: UInt64 = 0
                _ = read(wakeDescriptor, &value, 8)
                continue
            }
            ready.append(
                Event(
                    descriptor: descriptor, readable: event.events & EPOLLIN.rawValue != 0,
                    writable: event.events & EPOLLOUT.rawValue != 0,
                    failed: event.events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0))
        }
        return ready
    }
}
#endif
