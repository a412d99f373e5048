import Foundation
import Hummingbird
import LocalHTTP

/// `ledgersync console`: the console's pages served on 127.0.0.1 (never another interface).
public final class ConsoleServer: @unchecked Sendable {
    public let service: ConsoleService
    private let server = LocalHTTPServer()
    /// Uploads (an orders file, a settlement report) larger than this are refused.
    static let maxBodyBytes = 64 << 20

    public init(configuration: ConsoleConfiguration) {
        service = ConsoleService(configuration: configuration)
    }

    /// Starts the console's sandbox (if any) and binds; returns the port.
    @discardableResult
    public func start(port: Int) async throws -> Int {
        try await service.start()
        do {
            let bound = try await server.start(ConsoleResponder(service: service), host: "127.0.0.1", port: port)
            service.listening(onPort: bound)
            return bound
        } catch {
            await service.stop()
            throw error
        }
    }

    public func stop() async {
        await server.stop()
        await service.stop()
    }

    /// Prints the link to open (with its token) and serves until SIGINT/SIGTERM.
    public func run(port: Int, output: @escaping @Sendable (String) -> Void = LocalHTTPServer.printLine) async throws {
        let interrupts = InterruptWatch()
        defer { interrupts.end() }
        let bound = try await start(port: port)
        if service.configuration.sandbox { output("console: syncing to its own sandbox at \(service.endpoint ?? "?") (nothing reaches a real SQL Accounting)") }
        output("console: open \(service.link(port: bound))")
        await interrupts.wait()
        await stop()
    }
}

/// Adapts Hummingbird requests to `ConsoleService` and back.
struct ConsoleResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let service: ConsoleService

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let body: [UInt8]
        do {
            body = Array(try await request.collectBody(upTo: ConsoleServer.maxBodyBytes).readableBytesView)
        } catch {
            return Response(status: .contentTooLarge, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: "The upload is larger than \(ConsoleServer.maxBodyBytes >> 20) MiB.\n")))
        }
        var headers: [(name: String, value: String)] = []
        if let authority = request.head.authority { headers.append(("host", authority)) }
        for field in request.headers { headers.append((field.name.rawName, field.value)) }
        let answer = await service.handle(ConsoleRequest(method: request.method.rawValue, target: request.head.path ?? "/", headers: headers, body: body))
        var fields = HTTPFields()
        for header in answer.headers {
            // The console's own header names, all valid tokens; appended, so two Set-Cookie lines stay two.
            guard let name = HTTPFields.Element.Name(header.name) else { continue }
            fields.append(HTTPFields.Element(name: name, value: header.value))
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
