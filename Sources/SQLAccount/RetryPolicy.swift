import Foundation

/// Waits. Injected so tests record the delays instead of sleeping through them.
public protocol Sleeper: Sendable {
    /// Throws `CancellationError` when the calling task is cancelled.
    func sleep(seconds: TimeInterval) async throws
}

/// The real thing: `Task.sleep`.
public struct TaskSleeper: Sleeper {
    public init() {}

    public func sleep(seconds: TimeInterval) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }
}

/// A slow-down shared by every request that uses it — one per SQL Account tenant, handed to all concurrent
/// `apply` workers through their `RetryPolicy`.
///
/// Each 429 raises the delay (doubling, at least `initialDelay`, at least the server's `Retry-After`, at most
/// `maxDelay`); each success shrinks it by `decay` until it falls under `floor` and becomes 0. Before every
/// attempt the client waits the current delay, so after one worker is rate limited all of them slow down.
public final class AdaptiveBackoff: @unchecked Sendable {
    public let initialDelay: TimeInterval
    public let maxDelay: TimeInterval
    /// Multiplier applied on each success, in 0..<1.
    public let decay: Double
    /// Below this the delay snaps to 0.
    public let floor: TimeInterval

    private let lock = NSLock()
    private var delay: TimeInterval = 0
    private var rateLimits = 0

    public init(initialDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 30, decay: Double = 0.5,
                floor: TimeInterval = 0.05) {
        self.initialDelay = max(0, initialDelay)
        self.maxDelay = max(0, maxDelay)
        self.decay = min(max(decay, 0), 0.99)
        self.floor = max(0, floor)
    }

    /// The wait before the next attempt, in seconds.
    public var currentDelay: TimeInterval {
        lock.lock()
        defer { lock.unlock() }
        return delay
    }

    /// How many 429s this backoff has seen.
    public var rateLimitCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return rateLimits
    }

    public func recordRateLimited(retryAfter: TimeInterval?) {
        lock.lock()
        rateLimits += 1
        delay = min(maxDelay, max(delay * 2, initialDelay, retryAfter ?? 0))
        lock.unlock()
    }

    public func recordSuccess() {
        lock.lock()
        let next = delay * decay
        delay = next < floor ? 0 : next
        lock.unlock()
    }

    public func reset() {
        lock.lock()
        delay = 0
        lock.unlock()
    }
}

/// One retry about to happen, for logging.
public struct RetryEvent: Sendable {
    /// The attempt that failed, 1-based.
    public var attempt: Int
    public var error: SQLAccountError
    /// Seconds the client will wait before the next attempt.
    public var delay: TimeInterval
    /// `METHOD path` of the request (no query values, no headers).
    public var request: String
}

/// How `SQLAccountClient` retries. It retries **only** `SQLAccountError.isBlindlyRetryable` failures (connection
/// failures before sending, 429, and 502/503/504 that cannot have committed); an ambiguous failure (timeout,
/// connection lost after sending, 5xx on a write) is returned to the caller at once, because a re-POST could
/// create the document twice. The sync layer must look the document up by `docref1` before any re-POST.
///
/// The wait before retry *n* (1-based) is `min(maxDelay, baseDelay × 2^(n-1))`, spread by ± `jitter` (a
/// fraction, drawn from `random`), never less than the server's `Retry-After`, and never less than the shared
/// `adaptive` delay. A `Retry-After` longer than `maxRetryAfter` is not waited for: the `.rateLimited` error is
/// returned instead.
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first included; 1 means no retry.
    public var maxAttempts: Int
    public var baseDelay: TimeInterval
    public var maxDelay: TimeInterval
    /// 0 = exact exponential delays; 0.2 = each delay drawn uniformly from ±20 % of it.
    public var jitter: Double
    /// The longest `Retry-After` the client will wait out by itself.
    public var maxRetryAfter: TimeInterval
    /// Returns a value in 0..<1; injectable for reproducible tests.
    public var random: @Sendable () -> Double
    /// Shared slow-down after 429s; nil for none.
    public var adaptive: AdaptiveBackoff?
    /// Called before each retry (after the delay is chosen, before waiting).
    public var onRetry: (@Sendable (RetryEvent) -> Void)?

    public init(maxAttempts: Int = 4, baseDelay: TimeInterval = 0.5, maxDelay: TimeInterval = 30, jitter: Double = 0.2,
                maxRetryAfter: TimeInterval = 120, adaptive: AdaptiveBackoff? = nil,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                onRetry: (@Sendable (RetryEvent) -> Void)? = nil) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.jitter = min(max(jitter, 0), 1)
        self.maxRetryAfter = max(0, maxRetryAfter)
        self.random = random
        self.adaptive = adaptive
        self.onRetry = onRetry
    }

    /// 4 attempts, 0.5 s doubling to at most 30 s, ±20 % jitter, no shared backoff.
    public static var standard: RetryPolicy { RetryPolicy() }

    /// One attempt, no retry (used by the connection status check).
    public static var never: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// The wait before retry number `retry` (1 = the first retry), or nil when the server asked for a longer
    /// wait than `maxRetryAfter`.
    public func delay(beforeRetry retry: Int, retryAfter: TimeInterval? = nil) -> TimeInterval? {
        if let retryAfter, retryAfter > maxRetryAfter { return nil }
        let exponent = Double(max(0, retry - 1))
        let exponential = min(maxDelay, baseDelay * pow(2, min(exponent, 60)))
        let spread = 1 + jitter * (2 * min(max(random(), 0), 1) - 1)
        var delay = min(maxDelay, max(0, exponential * spread))
        if let retryAfter { delay = max(delay, retryAfter) }
        return delay
    }
}
