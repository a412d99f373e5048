import Dispatch
import Foundation
import Hummingbird
import ServiceLifecycle

/// One Hummingbird responder served on a local address: started on a port (0: any free one), stopped gracefully,
/// or run until the process is interrupted. The sandbox and the web console are served this way.
///
/// A server runs once: after `stop()`, make a new one.
public final class LocalHTTPServer: @unchecked Sendable {
    private let lock = NSLock()
    private var runTask: Task<Void, Error>?
    private var boundPort: Int?
    private var serviceGroup: ServiceGroup?
    private var stopped = false

    public init() {}

    /// The bound port once started.
    public var port: Int? { lock.withLock { boundPort } }

    /// Binds and returns the port once the server accepts connections.
    @discardableResult
    public func start<Responder: HTTPResponder>(_ responder: Responder, host: String, port: Int) async throws -> Int
        where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let alreadyStarted = lock.withLock { runTask != nil || stopped }
        guard !alreadyStarted else { throw LocalHTTPServerError.alreadyStarted }
        let ready = PortPromise()
        var app = Application(responder: responder,
                              configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: nil),
                              onServerRunning: { channel in ready.fulfill(channel.localAddress?.port ?? -1) })
        // Hummingbird logs "Server started" at info level (the commands print their own ready line) and an error for
        // each connection cut by `stop()`; neither belongs in the output of a development tool.
        app.logger.logLevel = .critical
        // Run inside a service group so `stop()` can shut the server down gracefully: cancelling it outright while
        // accepted connections are still queued makes NIO trap ("Deinited NIOAsyncWriter without calling finish()").
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
        lock.withLock { serviceGroup = group }
        let task = Task {
            do {
                try await group.run()
                ready.fail(LocalHTTPServerError.stoppedBeforeReady)
            } catch {
                ready.fail(error)
                throw error
            }
        }
        lock.withLock { runTask = task }
        let bound = try await ready.value()
        guard bound > 0 else {
            await stop()
            throw LocalHTTPServerError.noPort
        }
        lock.withLock { boundPort = bound }
        return bound
    }

    /// Shuts the server down; waits until it has.
    public func stop() async {
        let (task, group) = lock.withLock { () -> (Task<Void, Error>?, ServiceGroup?) in
            defer { runTask = nil; serviceGroup = nil; stopped = true }
            return (runTask, serviceGroup)
        }
        guard let task else { return }
        if let group {
            await group.triggerGracefulShutdown()
            // A connection that will not finish must not hold the caller forever.
            let backstop = Task {
                try await Task.sleep(nanoseconds: 5_000_000_000)
                task.cancel()
            }
            _ = try? await task.value
            backstop.cancel()
        } else {
            task.cancel()
            _ = try? await task.value
        }
    }

    /// Prints and flushes, so a parent process reading a pipe sees the line at once.
    public static let printLine: @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

/// SIGINT and SIGTERM caught from the moment it is made: made before a server starts, a signal sent as soon as the
/// server says it is listening is never lost (nor kills the process half-way); `wait()` returns once either has come.
/// `end()` it after `stop`.
public final class InterruptWatch: @unchecked Sendable {
    private let interrupted = StopSignal()
    private var sources: [DispatchSourceSignal] = []

    public init() {
        // The default actions off first, then the sources (libdispatch installs its own handler for them).
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [interrupted] in interrupted.fire() }
            source.resume()
            return source
        }
    }

    public func wait() async { await interrupted.wait() }

    /// Gives SIGINT and SIGTERM their default actions back.
    public func end() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}

public enum LocalHTTPServerError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    case stoppedBeforeReady
    case noPort

    public var description: String {
        switch self {
        case .alreadyStarted: return "this server has already been started; create a new one"
        case .stoppedBeforeReady: return "the server stopped before it was listening"
        case .noPort: return "the server could not tell which port it is listening on"
        }
    }
}

/// A value set once by one task and awaited by another.
final class PortPromise: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<Int, Error>?
    private var waiter: CheckedContinuation<Int, Error>?

    func fulfill(_ port: Int) { complete(.success(port)) }
    func fail(_ error: Error) { complete(.failure(error)) }

    private func complete(_ outcome: Result<Int, Error>) {
        let continuation: CheckedContinuation<Int, Error>? = lock.withLock {
            guard result == nil else { return nil }
            result = outcome
            defer { waiter = nil }
            return waiter
        }
        continuation?.resume(with: outcome)
    }

    func value() async throws -> Int {
        try await withCheckedThrowingContinuation { continuation in
            let ready: Result<Int, Error>? = lock.withLock {
                if let result { return result }
                waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
