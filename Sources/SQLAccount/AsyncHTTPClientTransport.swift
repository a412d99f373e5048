import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The production transport: AsyncHTTPClient on SwiftNIO, whose event loops sleep in `epoll_wait` until a socket
/// is ready, so a process waiting on the API uses no CPU.
///
/// Why not `URLSession` on Linux: swift-corelibs-foundation drives libcurl through one libdispatch source per
/// readiness kind, and when libcurl moves a new connection from "connecting/sending" (write readiness) to
/// "waiting for the answer" (read readiness) it leaves the write source armed. A connected socket is always
/// writable, so that source fires in a loop for as long as the server takes to answer — measured as about half a
/// core per request in flight (issue 18). Every write opens a new connection here, so every write spun.
///
/// - Each request carries its own timeout, covering the whole exchange (connection, request, answer and body);
///   past it the exchange fails with `.timedOut`, so a hung server can never hang the caller.
/// - Redirects are not followed: the 3xx response is returned (a redirected POST could silently turn into a GET).
/// - No cookies, no cache, no stored credentials, no decompression; HTTP/1.1 only.
/// - Each write (anything but GET/HEAD) gets a connection of its own, closed after it: a write never rides a
///   reused keep-alive connection, so a drop surfaces at once as `connectionLost` and is never re-sent by the
///   HTTP layer. Reads share keep-alive connections.
/// - A failed connection attempt fails the request at once (no silent reconnect loop): `SQLAccountClient`'s
///   `RetryPolicy` decides about retries, with its backoff and its log line.
/// - Cancelling the calling task cancels the exchange and throws `CancellationError`.
public struct AsyncHTTPClientTransport: HTTPTransport {
    /// Responses larger than this fail with `.other` instead of filling memory.
    public let maxResponseBytes: Int

    public init(maxResponseBytes: Int = 64 << 20) {
        self.maxResponseBytes = maxResponseBytes
    }

    /// Process-wide clients on NIO's shared event loops: one connection pool per kind of request for the whole
    /// process, like a browser's, and never shut down (they live as long as the process).
    private static let readClient = makeClient(usesPerConnection: nil)
    private static let writeClient = makeClient(usesPerConnection: 1)

    private static func makeClient(usesPerConnection: Int?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        configuration.httpVersion = .http1Only
        configuration.maximumUsesPerConnection = usesPerConnection
        // apply runs up to 32 requests at once (--concurrency 1–32); a lower limit would queue them in the pool.
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        // Closed well before common server keep-alive limits (nginx: 75 s), so a read seldom picks a connection
        // the server is closing at that moment.
        configuration.connectionPool.idleTimeout = .seconds(30)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    static func isRead(_ method: String) -> Bool { method == "GET" || method == "HEAD" }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let timeout = request.timeout > 0 ? request.timeout : 60
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for field in request.headers {
            outgoing.headers.add(name: field.name, value: field.value)
        }
        if !request.body.isEmpty {
            outgoing.body = .bytes(request.body)
        }
        let client = Self.isRead(request.method) ? Self.readClient : Self.writeClient
        let maxBytes = maxResponseBytes
        let prepared = outgoing
        do {
            return try await Self.withinDeadline(seconds: timeout) {
                // AsyncHTTPClient's deadline ends at the response head; `withinDeadline` also bounds the body.
                let deadline = NIODeadline.now() + .nanoseconds(Int64(timeout * 1_000_000_000))
                let response = try await client.execute(prepared, deadline: deadline)
                let body = try await response.body.collect(upTo: maxBytes)
                return HTTPTransportResponse(status: Int(response.status.code), headers: Self.headers(response.headers),
                                             body: Array(buffer: body))
            }
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw HTTPTransportError.classify(error)
        }
    }

    /// Sorted by name (case-insensitive), repeated names kept in the order received — the order `URLSession`'s
    /// dictionary gave was arbitrary, so callers only ever look headers up by name.
    static func headers(_ headers: HTTPHeaders) -> [HeaderField] {
        headers.enumerated()
            .map { (offset: $0.offset, field: HeaderField($0.element.name, $0.element.value)) }
            .sorted { ($0.field.name.lowercased(), $0.offset) < ($1.field.name.lowercased(), $1.offset) }
            .map(\.field)
    }

    /// Runs `operation`, failing with `.timedOut` when it has not finished `seconds` (plus half a second's grace,
    /// so the client's own deadline, with its more precise error, normally fires first) from now.
    private static func withinDeadline<Value: Sendable>(seconds: TimeInterval,
                                                         _ operation: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64((seconds + 0.5) * 1_000_000_000))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw HTTPTransportError(.timedOut, detail: "no complete answer within the timeout")
            }
            return value
        }
    }
}

extension HTTPTransportError {
    /// Maps what AsyncHTTPClient and SwiftNIO throw; see the table on the type.
    public static func classify(_ error: Error) -> HTTPTransportError {
        if let error = error as? HTTPTransportError { return error }
        let detail = String(describing: error)
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout,
                 .getConnectionFromPoolTimeout, .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
                return HTTPTransportError(.timedOut, detail: "no complete answer within the timeout (\(detail))")
            case .remoteConnectionClosed, .bodyLengthMismatch, .uncleanShutdown:
                return HTTPTransportError(.connectionLost, detail: detail)
            case .cancelled, .requestStreamCancelled:
                return HTTPTransportError(.cancelled, detail: detail)
            default:
                return HTTPTransportError(.other, detail: detail)
            }
        }
        if let error = error as? NIOConnectionError {
            // Every address the name resolved to was tried; with none, the name did not resolve.
            guard let first = error.connectionErrors.first else { return HTTPTransportError(.dnsFailure, detail: detail) }
            let kind = classify(first.error).kind
            return HTTPTransportError(kind == .timedOut || kind == .notConnected ? kind : .connectionRefused, detail: detail)
        }
        if error is SocketAddressError { return HTTPTransportError(.dnsFailure, detail: detail) }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return HTTPTransportError(.connectionRefused, detail: detail)
            case ENETUNREACH, EHOSTUNREACH, ENETDOWN: return HTTPTransportError(.notConnected, detail: detail)
            case ETIMEDOUT: return HTTPTransportError(.timedOut, detail: detail)
            case ECONNRESET, EPIPE, ECONNABORTED: return HTTPTransportError(.connectionLost, detail: detail)
            default: return HTTPTransportError(.other, detail: detail)
            }
        }
        if let error = error as? ChannelError {
            switch error {
            case .connectTimeout: return HTTPTransportError(.timedOut, detail: detail)
            case .ioOnClosedChannel, .eof, .outputClosed, .inputClosed, .alreadyClosed:
                return HTTPTransportError(.connectionLost, detail: detail)
            default: return HTTPTransportError(.other, detail: detail)
            }
        }
        if let error = error as? NIOSSLError {
            if case .uncleanShutdown = error { return HTTPTransportError(.connectionLost, detail: detail) }
            return HTTPTransportError(.tlsFailure, detail: detail)
        }
        if error is NIOSSLExtraError || error is BoringSSLError { return HTTPTransportError(.tlsFailure, detail: detail) }
        // A status line or headers that are not HTTP: what libcurl reported as a bad server response.
        if error is HTTPParserError { return HTTPTransportError(.connectionLost, detail: "the answer is not valid HTTP (\(detail))") }
        if error is NIOTooManyBytesError { return HTTPTransportError(.other, detail: "the response is larger than the allowed size") }
        return HTTPTransportError(.other, detail: detail)
    }
}
