import Dispatch
import Foundation
import Hummingbird
import LocalHTTP
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
    private let server = LocalHTTPServer()
    private let lock = NSLock()
    private var preloadSummary: SandboxPreloadSummary?

    public init(configuration: SandboxConfiguration) {
        self.configuration = configuration
        self.service = SandboxService(configuration: configuration, stopSignal: stopSignal)
    }

    /// The bound port once started.
    public var port: Int? { server.port }

    /// Replaces the faults in force (e.g. to turn them off and inspect what a faulty run left behind).
    public func setFaults(_ faults: FaultSpec) { service.faults.replace(faults) }

    public var faults: FaultSpec { service.faults.current }

    /// What `configuration.preloadInvoices` stored, once started.
    public var preloaded: SandboxPreloadSummary? { lock.withLock { preloadSummary } }

    /// Loads the state file (if any), stores the seed's purchase orders it does not hold and the preloaded invoices
    /// (if any), binds, and returns the port once the server accepts connections.
    @discardableResult
    public func start() async throws -> Int {
        guard !stopSignal.isFired, server.port == nil else { throw LocalHTTPServerError.alreadyStarted }
        try await service.store.loadState()
        try await service.store.seedPurchaseOrders()
        if configuration.preloadInvoices != 0 {
            let summary = try await service.store.preloadInvoices(configuration.preloadInvoices, now: service.clock())
            lock.withLock { preloadSummary = summary }
        }
        return try await server.start(SandboxResponder(service: service, maxBodyBytes: configuration.behavior.maxBodyBytes),
                                      host: configuration.host, port: configuration.port)
    }

    /// Releases held requests and shuts the server down; waits until it has.
    public func stop() async {
        stopSignal.fire()
        await server.stop()
    }

    /// For `ledgersync sandbox serve`: starts, prints the accepted access key and `listening on http://HOST:PORT`,
    /// and runs until the task is cancelled or the process gets SIGINT/SIGTERM; then stops.
    public func run(printReady: Bool = true, output: @escaping @Sendable (String) -> Void = LocalHTTPServer.printLine) async throws {
        let interrupts = InterruptWatch()
        defer { interrupts.end() }
        let port = try await start()
        if printReady {
            output("sandbox: accepting access key \(configuration.accessKey) (region \(configuration.region), service \(configuration.service))")
            if !configuration.faults.isNone { output("sandbox: faults \(configuration.faults)") }
            if let preloaded { output("sandbox: \(preloaded.description)") }
            output("listening on http://\(configuration.host):\(port)")
        }
        await interrupts.wait()
        await stop()
    }

    /// Prints and flushes, so a parent process reading a pipe sees the line at once.
    public static let printLine = LocalHTTPServer.printLine
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
