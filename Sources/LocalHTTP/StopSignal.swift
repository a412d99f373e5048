import Foundation

/// A one-way latch: `fire()` once, and every present and future `wait()` returns. Used to release requests
/// held by the sandbox's `timeout` fault when it stops, and to end a server that runs until interrupted.
public final class StopSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var fired = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextID = 0

    public init() {}

    public var isFired: Bool { lock.withLock { fired } }

    public func fire() {
        let toResume: [CheckedContinuation<Void, Never>] = lock.withLock {
            guard !fired else { return [] }
            fired = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for continuation in toResume { continuation.resume() }
    }

    /// Returns when fired, or when the calling task is cancelled.
    public func wait() async {
        let id: Int = lock.withLock {
            nextID += 1
            return nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = lock.withLock {
                    if fired || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = lock.withLock { waiters.removeValue(forKey: id) }
            continuation?.resume()
        }
    }

    /// Sleeps for `milliseconds`; returns false early if the signal fires first (or the task is cancelled).
    public func sleep(milliseconds: Int) async -> Bool {
        if isFired { return false }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await Task.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                await self.wait()
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
