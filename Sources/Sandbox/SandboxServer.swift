import Dispatch
import Foundation
import Hummingbird
import ServiceLifecycle
import SQLAccount

/// A local emulator of the SQL Account REST API (docs/sqlaccount-api.md §19), on Hummingbird.
///
/// ```swift
/// let server = SandboxServer(configuration: SandboxConfiguration(accessKey: "t.sql.my/APIUSER", secretKey: "…",
///                                                                 seed: try SandboxSeed.load(path: "seed.yaml")))
/// let port = try await server.start()
/// defer { Task { await server.stop() } }
/// ```
///
/// A server runs once: after `stop()`, make a new one (with the same `statePath` to keep the documents).
public final class SandboxServer: @unchecked Sendable {
    public let configuration: SandboxConfiguration
    let service: SandboxService
    private let stopSignal = StopSignal()
    private let lock = NSLock()
    private var runTask: Task<Void, Error>?
    private var boundPort: Int?
    private var serviceGroup: ServiceGroup?
    private var preloadSummary: SandboxPreloadSummary?

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        self.service = SandboxService(configuration: configuration, stopSignal: stopSignal)
    }

    /// The bound port once started.
    public var port: Int? { lock.withLock { boundPort } }

    /// Replaces the faults in force (e.g. to turn them off and inspect what a faulty run left behind).
    public func setFaults(_ faults: FaultSpec) { service.faults.replace(faults) }

    public var faults: FaultSpec { service.faults.current }

    /// What `configuration.preloadInvoices` stored, once started.
    public var preloaded: SandboxPreloadSummary? { lock.withLock { preloadSummary } }

    /// Loads the state file (if any), stores the preloaded invoices (if any), binds, and returns the port once the
    /// server accepts connections.
    @discardableResult
    public func start() async throws -> Int {
        let alreadyStarted = lock.withLock { runTask != nil }
        guard !alreadyStarted, !stopSignal.isFired else { throw SandboxServerError.alreadyStarted }
        try await service.store.loadState()
        if configuration.preloadInvoices != 0 {
            let summary = try await service.store.preloadInvoices(configuration.preloadInvoices, now: service.clock())
            lock.withLock { preloadSummary = summary }
        }

        let ready = PortPromise()
        let responder = SandboxResponder(service: service, maxBodyBytes: configuration.behavior.maxBodyBytes)
        var app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: nil),
            onServerRunning: { channel in ready.fulfill(channel.localAddress?.port ?? -1) })
        // Hummingbird logs "Server started" at info level (the CLI prints its own ready line) and an error for each
        // connection cut by `stop()`; neither belongs in the output of a development tool.
        app.logger.logLevel = .critical
        // Run inside a service group so `stop()` can shut the server down gracefully: cancelling it outright while
        // accepted connections are still queued makes NIO trap ("Deinited NIOAsyncWriter without calling finish()").
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: app.logger))
        lock.withLock { serviceGroup = group }
        let task = Task {
            do {
                try await group.run()
                ready.fail(SandboxServerError.stoppedBeforeReady)
            } catch {
                ready.fail(error)
                throw error
            }
        }
        lock.withLock { runTask = task }
        let port = try await ready.value()
        guard port > 0 else {
            await stop()
            throw SandboxServerError.noPort
        }
        lock.withLock { boundPort = port }
        return port
    }

    /// Releases held requests and shuts the server down; waits until it has.
    public func stop() async {
        stopSignal.fire()
        let task = lock.withLock { () -> Task<Void, Error>? in
            defer { runTask = nil }
            return runTask
        }
        let group = lock.withLock { () -> ServiceGroup? in
            defer { serviceGroup = nil }
            return serviceGroup
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

    /// For `ledgersync sandbox serve`: starts, prints the accepted access key and `listening on http://HOST:PORT`,
    /// and runs until the task is cancelled or the process gets SIGINT/SIGTERM; then stops.
    public func run(printReady: Bool = true, output: @escaping @Sendable (String) -> Void = SandboxServer.printLine) async throws {
        let interrupted = StopSignal()
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { interrupted.fire() }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let port = try await start()
        if printReady {
            output("sandbox: accepting access key \(configuration.accessKey) (region \(configuration.region), service \(configuration.service))")
            if !configuration.faults.isNone { output("sandbox: faults \(configuration.faults)") }
            if let preloaded { output("sandbox: \(preloaded.description)") }
            output("listening on http://\(configuration.host):\(port)")
        }
        await interrupted.wait()
        await stop()
    }

    /// Prints and flushes, so a parent process reading a pipe sees the line at once.
    public static let printLine: @Sendable (String) -> Void = { line in
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}

public enum SandboxServerError: Error, Sendable, CustomStringConvertible {
    case alreadyStarted
    case stoppedBeforeReady
    case noPort

    public var description: String {
        switch self {
        case .alreadyStarted: return "this sandbox server has already been started; create a new one"
        case .stoppedBeforeReady: return "the sandbox server stopped before it was listening"
        case .noPort: return "the sandbox server could not tell which port it is listening on"
        }
    }
}

/// A value set once by one task and awaited by another.
private final class PortPromise: @unchecked Sendable {
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

/// The request context: Hummingbird's core storage plus the connection, so `commit-drop` can close it.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Closes this request's connection at once.
    let closeConnection: @Sendable () async -> Void

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        let channel = source.channel
        self.closeConnection = { try? await channel.close() }
    }
}

/// Adapts Hummingbird requests to `SandboxService` and back.
struct SandboxResponder: HTTPResponder {
    typealias Context = SandboxRequestContext
    let service: SandboxService
    let maxBodyBytes: Int

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body: [UInt8]
        do {
            let buffer = try await request.collectBody(upTo: maxBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch {
            return Self.response(.message(413, "The request body is larger than \(maxBodyBytes) bytes"))
        }
        var headers: [HeaderField] = []
        if let authority = request.head.authority { headers.append(HeaderField("Host", authority)) }
        for field in request.headers { headers.append(HeaderField(field.name.rawName, field.value)) }
        let outcome = await service.handle(SandboxHTTPRequest(method: request.method.rawValue,
                                                              target: request.head.path ?? "/",
                                                              headers: headers, body: body))
        switch outcome {
        case .respond(let response):
            return Self.response(response)
        case .dropConnection:
            // The change is committed; close the connection before anything is written. Hummingbird's attempt to
            // write the response below then fails on the closed channel, and the client sees no response at all.
            await context.closeConnection()
            return Response(status: .internalServerError)
        }
    }

    static func response(_ response: SandboxHTTPResponse) -> Response {
        var fields = HTTPFields()
        for header in response.headers {
            // Header names here are the sandbox's own (Content-Type, Server, X-Sandbox-Fault), all valid tokens.
            fields[.init(header.name)!] = header.value
        }
        return Response(status: .init(code: response.status), headers: fields,
                         body: .init(byteBuffer: ByteBuffer(bytes: response.body)))
    }
}
