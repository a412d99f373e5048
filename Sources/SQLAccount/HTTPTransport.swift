import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// The one seam between the SQL Account client and the network. The client builds, signs and classifies; a
// transport only moves bytes. Tests inject a scripted transport; production uses `AsyncHTTPClientTransport`.
//
// The request/response types are deliberately *not* called `HTTPRequest`/`HTTPResponse`: Hummingbird (used by
// the sandbox, which also imports this module) re-exports `HTTPTypes.HTTPRequest`/`HTTPResponse`, and the same
// names here would make every unqualified use in such a module ambiguous.

/// One HTTP exchange to perform, fully signed.
public struct HTTPTransportRequest: Sendable, CustomStringConvertible {
    public var method: String
    /// The absolute URL, with the path and query exactly as signed.
    public var url: URL
    /// Every header to send (the `Authorization` header included). Order is kept.
    public var headers: [HeaderField]
    public var body: [UInt8]
    /// Seconds allowed for the whole exchange; past it the transport fails with `.timedOut`.
    public var timeout: TimeInterval

    public init(method: String, url: URL, headers: [HeaderField] = [], body: [UInt8] = [], timeout: TimeInterval) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// `METHOD URL` only — never the headers (they carry the signature) nor the body.
    public var description: String { "\(method) \(url.absoluteString)" }
}

/// What came back: any status, 1xx–5xx. Classifying it is the client's job, not the transport's.
public struct HTTPTransportResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [HeaderField]
    public var body: [UInt8]

    public init(status: Int, headers: [HeaderField] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response, for tests and fakes.
    public static func json(_ status: Int, _ text: String, headers: [HeaderField] = []) -> HTTPTransportResponse {
        HTTPTransportResponse(status: status, headers: [HeaderField("Content-Type", "application/json")] + headers,
                              body: Array(text.utf8))
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// Performs HTTP exchanges. Implementations throw `HTTPTransportError` for failures below HTTP (no status) and
/// `CancellationError` when the calling task is cancelled; an HTTP error status is a normal response.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse
}

/// A failure below HTTP: no status line was received.
///
/// The kind says what the client most needs to know — whether the request can have reached the server:
///
/// | kind | AsyncHTTPClient / SwiftNIO (`classify`) | URLError codes (`from`; Linux, libcurl underneath) | reached the server? |
/// |---|---|---|---|
/// | `dnsFailure` | no address resolved (`NIOConnectionError` without connection attempts), `SocketAddressError` | cannotFindHost, dnsLookupFailed | no |
/// | `connectionRefused` | every connection attempt failed (ECONNREFUSED and other connect errors) | cannotConnectToHost | no |
/// | `notConnected` | ENETUNREACH, EHOSTUNREACH, ENETDOWN | notConnectedToInternet, internationalRoamingOff, dataNotAllowed, callIsActive | no |
/// | `tlsFailure` | `NIOSSLError` (but an unclean shutdown), `NIOSSLExtraError`, `BoringSSLError` | secureConnectionFailed, serverCertificate…, clientCertificate…, cannotLoadFromNetwork | no (handshake) |
/// | `timedOut` | deadlineExceeded, connect/read/write/TLS-handshake timeouts, ETIMEDOUT, or the transport's own deadline | timedOut, or the transport's own deadline | **maybe** |
/// | `connectionLost` | remoteConnectionClosed, bodyLengthMismatch, ECONNRESET, EPIPE, a closed channel, an answer that is not HTTP | networkConnectionLost, badServerResponse (libcurl's "Empty reply from server"), cannotParseResponse, zeroByteResource, unsupportedURL (libcurl's "Received HTTP/0.9") | **maybe** |
/// | `cancelled` | cancelled (not by the calling task) | cancelled (not by the calling task) | **maybe** |
/// | `other` | anything else, and a response over the size limit | anything else (e.g. libcurl's "transfer closed with N bytes remaining", code -1) | **maybe** |
///
/// A connect that timed out is reported as `timedOut` too, so a timeout is always treated as ambiguous.
public struct HTTPTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case dnsFailure
        case connectionRefused
        case notConnected
        case tlsFailure
        case timedOut
        case connectionLost
        case cancelled
        case other

        /// True when the request cannot have been delivered: the failure happened before a connection existed
        /// (DNS, refused, no network) or during the TLS handshake.
        public var isBeforeSending: Bool {
            switch self {
            case .dnsFailure, .connectionRefused, .notConnected, .tlsFailure: return true
            case .timedOut, .connectionLost, .cancelled, .other: return false
            }
        }
    }

    public var kind: Kind
    /// What the underlying library said, e.g. "Could not resolve host: api.sql.my". Contains no secrets (it
    /// never sees the headers), but the client redacts it anyway before showing it.
    public var detail: String
    /// The `URLError` code, when there was one.
    public var code: Int?

    public init(_ kind: Kind, detail: String = "", code: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.code = code
    }

    public var description: String {
        var text = "transport failure (\(kind.rawValue))"
        if let code { text += " [URLError \(code)]" }
        if !detail.isEmpty { text += ": \(detail)" }
        return text
    }

    /// Maps a `URLError` as FoundationNetworking (libcurl) reports it; see the table on the type.
    public static func from(_ error: URLError) -> HTTPTransportError {
        let kind: Kind
        switch error.code {
        case .cannotFindHost, .dnsLookupFailed:
            kind = .dnsFailure
        case .cannotConnectToHost:
            kind = .connectionRefused
        case .notConnectedToInternet, .internationalRoamingOff, .dataNotAllowed, .callIsActive:
            kind = .notConnected
        case .secureConnectionFailed, .serverCertificateHasBadDate, .serverCertificateUntrusted,
             .serverCertificateHasUnknownRoot, .serverCertificateNotYetValid, .clientCertificateRejected,
             .clientCertificateRequired, .cannotLoadFromNetwork:
            kind = .tlsFailure
        case .timedOut:
            kind = .timedOut
        case .networkConnectionLost, .badServerResponse, .cannotParseResponse, .zeroByteResource, .unsupportedURL:
            kind = .connectionLost
        case .cancelled:
            kind = .cancelled
        default:
            kind = .other
        }
        return HTTPTransportError(kind, detail: error.localizedDescription, code: error.code.rawValue)
    }
}

/// A transport on Foundation's `URLSession` (libcurl on Linux). Not the default: on Linux it spins while it waits
/// (see `AsyncHTTPClientTransport`), about half a core per request in flight on a new connection. Kept behind the
/// same seam, and run through the same transport tests, for comparison and for platforms whose URLSession waits
/// quietly.
///
/// - Each request carries its own timeout, enforced twice: as the `URLRequest` timeout (libcurl's) and by a
///   deadline of this transport that fails the exchange with `.timedOut` half a second later if libcurl has not,
///   so a hung server can never hang the caller.
/// - Redirects are not followed: the 3xx response is returned (a redirected POST could silently turn into a GET).
/// - No cookies, no cache, no stored credentials.
/// - Each write (anything but GET/HEAD) gets a session, and so a connection, of its own: when a reused keep-alive
///   connection drops after the server committed, libcurl silently re-sends the request on a new connection
///   (without its body) and then waits out the timeout. A write never rides a reused connection, so it is sent
///   exactly once and a drop surfaces at once as `connectionLost`. (A `Connection: close` header instead stalled
///   some writes until the timeout against an in-process server.)
/// - Cancelling the calling task cancels the exchange and throws `CancellationError`.
public final class URLSessionTransport: HTTPTransport, @unchecked Sendable {
    /// Responses larger than this fail with `.other` instead of filling memory.
    public let maxResponseBytes: Int
    private let session: URLSession
    private let configuration: URLSessionConfiguration
    private let delegate: SessionDelegate

    public init(maxResponseBytes: Int = 64 << 20) {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCredentialStorage = nil
        self.maxResponseBytes = maxResponseBytes
        delegate = SessionDelegate()
        session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        self.configuration = configuration
    }

    deinit {
        session.invalidateAndCancel()
    }

    static func isRead(_ method: String) -> Bool { method == "GET" || method == "HEAD" }

    public func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let timeout = request.timeout > 0 ? request.timeout : 60
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        urlRequest.httpMethod = request.method
        urlRequest.httpShouldHandleCookies = false
        for field in request.headers {
            urlRequest.addValue(field.value, forHTTPHeaderField: field.name)
        }
        if !request.body.isEmpty {
            urlRequest.httpBody = Data(request.body)
        }
        let isRead = Self.isRead(request.method)
        // Task identifiers are only unique within a session, so a write's session has its own delegate.
        let delegate = isRead ? self.delegate : SessionDelegate()
        let session = isRead ? self.session : URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        // The exchange is over when this returns; closing the session closes its connection.
        defer { if !isRead { session.invalidateAndCancel() } }

        let exchange = Exchange(maxBytes: maxResponseBytes)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPTransportResponse, Error>) in
                let task = session.dataTask(with: urlRequest)
                delegate.register(exchange, for: task.taskIdentifier)
                guard exchange.start(continuation, task: task) else {  // cancelled before it started
                    delegate.unregister(task.taskIdentifier)
                    return
                }
                task.resume()
                // Our own deadline, in case libcurl's timeout does not fire (it works in whole seconds).
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout + 0.5) { [weak exchange] in
                    exchange?.fail(.timedOut)
                }
            }
        } onCancel: {
            exchange.fail(.cancelledByCaller)
        }
    }
}

/// Routes URLSession's delegate callbacks to the exchange of each task.
private final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let lock = NSLock()
    private var exchanges: [Int: Exchange] = [:]

    func register(_ exchange: Exchange, for taskIdentifier: Int) {
        lock.lock()
        exchanges[taskIdentifier] = exchange
        lock.unlock()
    }

    func unregister(_ taskIdentifier: Int) {
        _ = exchange(for: taskIdentifier, remove: true)
    }

    private func exchange(for taskIdentifier: Int, remove: Bool = false) -> Exchange? {
        lock.lock()
        defer { lock.unlock() }
        return remove ? exchanges.removeValue(forKey: taskIdentifier) : exchanges[taskIdentifier]
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        exchange(for: dataTask.taskIdentifier)?.append(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        exchange(for: task.taskIdentifier, remove: true)?.complete(response: task.response, error: error)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)  // hand the 3xx back to the client
    }
}

/// One in-flight exchange: collects the body and resumes the continuation exactly once, whichever of
/// completion, deadline or cancellation comes first.
private final class Exchange: @unchecked Sendable {
    enum Abort {
        case timedOut
        case cancelledByCaller
        case tooLarge
    }

    private let lock = NSLock()
    private let maxBytes: Int
    private var continuation: CheckedContinuation<HTTPTransportResponse, Error>?
    private var task: URLSessionTask?
    private var body = Data()
    private var finished = false
    private var pendingAbort: Abort?

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// False (and the continuation already resumed) when the caller cancelled before the exchange started.
    func start(_ continuation: CheckedContinuation<HTTPTransportResponse, Error>, task: URLSessionTask) -> Bool {
        lock.lock()
        if let abort = pendingAbort {
            finished = true
            lock.unlock()
            continuation.resume(throwing: Self.error(for: abort))
            return false
        }
        self.continuation = continuation
        self.task = task
        lock.unlock()
        return true
    }

    func append(_ data: Data) {
        lock.lock()
        if finished {
            lock.unlock()
            return
        }
        body.append(data)
        let tooLarge = body.count > maxBytes
        lock.unlock()
        if tooLarge { fail(.tooLarge) }
    }

    func complete(response: URLResponse?, error: Error?) {
        lock.lock()
        guard !finished, let continuation else {
            lock.unlock()
            return
        }
        finished = true
        self.continuation = nil
        let body = self.body
        lock.unlock()

        if let error {
            if let urlError = error as? URLError {
                continuation.resume(throwing: HTTPTransportError.from(urlError))
            } else {
                continuation.resume(throwing: HTTPTransportError(.other, detail: String(describing: error)))
            }
            return
        }
        guard let http = response as? HTTPURLResponse else {
            continuation.resume(throwing: HTTPTransportError(.connectionLost, detail: "no HTTP response"))
            return
        }
        var headers: [HeaderField] = []
        for (name, value) in http.allHeaderFields {
            headers.append(HeaderField(String(describing: name), String(describing: value)))
        }
        headers.sort { $0.name.lowercased() < $1.name.lowercased() }
        continuation.resume(returning: HTTPTransportResponse(status: http.statusCode, headers: headers, body: Array(body)))
    }

    /// Ends the exchange now (if it has not ended) and cancels the URLSession task.
    func fail(_ abort: Abort) {
        lock.lock()
        if finished {
            lock.unlock()
            return
        }
        guard let continuation else {
            pendingAbort = abort  // not started yet; `start` will see it
            lock.unlock()
            return
        }
        finished = true
        self.continuation = nil
        let task = self.task
        lock.unlock()
        continuation.resume(throwing: Self.error(for: abort))
        task?.cancel()
    }

    private static func error(for abort: Abort) -> Error {
        switch abort {
        case .timedOut: return HTTPTransportError(.timedOut, detail: "no complete answer within the timeout")
        case .cancelledByCaller: return CancellationError()
        case .tooLarge: return HTTPTransportError(.other, detail: "the response is larger than the allowed size")
        }
    }
}
