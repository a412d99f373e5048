import Foundation
import LedgerJSON
import SQLAccount
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-connection HTTP server on 127.0.0.1 with a raw socket, run on a background thread. Everything it does
/// is bounded: it waits at most `acceptWithin` for the connection and holds it at most the behaviour's time.
final class LoopbackServer: @unchecked Sendable {
    enum Behavior {
        /// Read the request, answer nothing, close after this many seconds.
        case hang(TimeInterval)
        /// Read the request, then close the connection without a byte of answer.
        case drop
        /// Read the request, send these bytes, close.
        case respond(String)
        /// Read the request, send these bytes (a head that promises more body), hold the connection this long.
        case respondThenHang(String, TimeInterval)
    }

    struct Failure: Error { var what: String }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var requestBytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ behavior: Behavior, acceptWithin: TimeInterval = 30) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 4) == 0 else {
            close(fd)
            throw Failure(what: "bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        listener = fd
        let thread = Thread { [self] in
            serve(behavior, acceptWithin: acceptWithin)
            close(fd)
            done.signal()
        }
        thread.start()
    }

    /// A port on which nothing listens (bound, read, closed).
    static func closedPort() throws -> UInt16 {
        let server = try LoopbackServer(.drop, acceptWithin: 0)
        server.wait(upTo: 2)
        return server.port
    }

    var received: String {
        lock.withLock { String(decoding: requestBytes, as: UTF8.self) }
    }

    @discardableResult
    func wait(upTo seconds: TimeInterval) -> Bool {
        done.wait(timeout: .now() + seconds) == .success
    }

    private func serve(_ behavior: Behavior, acceptWithin: TimeInterval) {
        guard Self.poll(listener, seconds: acceptWithin) else { return }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        defer { close(connection) }
        readRequest(connection)
        switch behavior {
        case .hang(let seconds):
            Thread.sleep(forTimeInterval: seconds)
        case .drop:
            break
        case .respond(let text):
            Self.send(text, on: connection)
        case .respondThenHang(let text, let seconds):
            Self.send(text, on: connection)
            Thread.sleep(forTimeInterval: seconds)
        }
    }

    static func send(_ text: String, on connection: Int32) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { break }
            sent += count
        }
    }

    private func readRequest(_ connection: Int32) {
        let data = Self.readRequest(connection) ?? []
        lock.withLock { requestBytes = data }
    }

    /// Reads headers and a Content-Length body, giving up after `silence` seconds without a byte; nil when the peer
    /// closed (or went silent) before sending a byte.
    static func readRequest(_ connection: Int32, silence: TimeInterval = 2) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var data: [UInt8] = []
        while poll(connection, seconds: silence) {
            let count = recv(connection, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[0..<count]
            let text = String(decoding: data, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text[..<end.upperBound].utf8.count >= length { break }
            }
        }
        return data.isEmpty ? nil : data
    }

    static func poll(_ fd: Int32, seconds: TimeInterval) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&entry, 1, Int32(seconds * 1000)) > 0
    }
}


/// An HTTP/1.1 server on 127.0.0.1 that keeps connections alive: it answers every request on a connection with
/// `{}` until the client closes it, and counts the connections it accepted. Bounded: it stops accepting at `stop()`
/// or after `acceptFor` seconds (generous: a loaded machine running the whole suite can take tens of seconds to get
/// through a few requests), and each connection's thread ends after 20 s without a request (so a slow test's next
/// request still finds its kept-alive connection open) or when the client closes it.
final class KeepAliveServer: @unchecked Sendable {
    let port: UInt16
    private let lock = NSLock()
    private var accepted = 0
    private var served = 0
    private var stopped = false

    init(acceptFor seconds: TimeInterval = 50) throws {
        // A one-connection LoopbackServer would take the port; bind our own listener the same way.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LoopbackServer.Failure(what: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw LoopbackServer.Failure(what: "bind/listen")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        let deadline = Date().addingTimeInterval(seconds)
        Thread { [self] in
            while Date() < deadline, !lock.withLock({ stopped }) {
                guard LoopbackServer.poll(fd, seconds: 0.2) else { continue }
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else { continue }
                lock.withLock { accepted += 1 }
                Thread { [self] in serve(connection) }.start()
            }
            close(fd)
        }.start()
    }

    /// Stops accepting connections (within 0.2 s); connections already open end when their client closes them.
    func stop() { lock.withLock { stopped = true } }

    /// Connections accepted and requests answered so far.
    var counts: (connections: Int, requests: Int) { lock.withLock { (accepted, served) } }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        while LoopbackServer.readRequest(connection, silence: 20) != nil {
            lock.withLock { served += 1 }
            LoopbackServer.send("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", on: connection)
        }
    }
}

/// The transports behind the `HTTPTransport` seam, each run through the same exchanges: the production one and
/// URLSession, kept for comparison and for platforms whose URLSession waits without spinning.
enum TransportUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case asyncHTTPClient
    case urlSession

    func make(maxResponseBytes: Int = 64 << 20) -> any HTTPTransport {
        switch self {
        case .asyncHTTPClient: return AsyncHTTPClientTransport(maxResponseBytes: maxResponseBytes)
        case .urlSession: return URLSessionTransport(maxResponseBytes: maxResponseBytes)
        }
    }

    var testDescription: String { rawValue }
}

/// Real sockets on 127.0.0.1: checks that each transport's failures reach the client classified correctly.
@Suite(.timeLimit(.minutes(1))) struct HTTPTransportTests {
    static func request(port: UInt16, method: String = "POST", timeout: TimeInterval) -> HTTPTransportRequest {
        HTTPTransportRequest(method: method, url: URL(string: "http://127.0.0.1:\(port)/salesinvoice")!,
                             headers: [HeaderField("Content-Type", "application/json")], body: method == "POST" ? Array(#"{"docref1":"R"}"#.utf8) : [],
                             timeout: timeout)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aServerThatNeverAnswersIsATimeout(_ transport: TransportUnderTest) async throws {
        // The server holds the connection 60 s (its thread ends by itself; the test does not wait for it). The bound
        // leaves room for a loaded machine (a CI run took 9.9 s) while staying far below the hold.
        let server = try LoopbackServer(.hang(60))
        let started = Date()
        let error = await caught { try await transport.make().send(Self.request(port: server.port, timeout: 1)) }
        let elapsed = Date().timeIntervalSince(started)
        #expect((error as? HTTPTransportError)?.kind == .timedOut, "\(String(describing: error))")
        #expect(elapsed < 30)
        #expect(server.received.hasPrefix("POST /salesinvoice HTTP/1.1"))
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aBodyThatStopsHalfwayIsATimeout(_ transport: TransportUnderTest) async throws {
        // The head arrives at once and promises 100 bytes; only 2 come. The timeout covers the body too: without
        // that, the exchange would end only when the server lets go after 60 s, as a lost connection. The bound
        // leaves room for a machine loaded by the whole suite.
        let server = try LoopbackServer(.respondThenHang("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"", 60))
        let started = Date()
        let error = await caught { try await transport.make().send(Self.request(port: server.port, timeout: 1)) }
        #expect((error as? HTTPTransportError)?.kind == .timedOut, "\(String(describing: error))")
        #expect(Date().timeIntervalSince(started) < 40)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aConnectionDroppedAfterTheRequestIsConnectionLost(_ transport: TransportUnderTest) async throws {
        let server = try LoopbackServer(.drop)
        let error = await caught { try await transport.make().send(Self.request(port: server.port, timeout: 3)) }
        #expect((error as? HTTPTransportError)?.kind == .connectionLost, "\(String(describing: error))")
        #expect(server.received.contains(#"{"docref1":"R"}"#))
        server.wait(upTo: 4)

        // Through the client: ambiguous, not retried.
        let again = try LoopbackServer(.drop)
        let client = SQLAccountClient(configuration: Fixture.configuration(baseURL: "http://127.0.0.1:\(again.port)", timeout: 3),
                                      transport: transport.make(), retryPolicy: Fixture.policy(), sleeper: RecordingSleeper())
        let failure = await caught { try await client.create(.salesInvoice, body: ["docref1": .string("R")]) }
        #expect(failure as? SQLAccountError == .transport(.connectionLost, ambiguous: true))
        again.wait(upTo: 4)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aRefusedConnectionCannotHaveReachedTheServer(_ transport: TransportUnderTest) async throws {
        let port = try LoopbackServer.closedPort()
        let error = await caught { try await transport.make().send(Self.request(port: port, timeout: 2)) }
        let kind = try #require((error as? HTTPTransportError)?.kind, "\(String(describing: error))")
        #expect(kind == .connectionRefused)
        #expect(kind.isBeforeSending)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aSignedRequestArrivesIntactAndTheAnswerComesBack(_ transport: TransportUnderTest) async throws {
        let body = #"{"data":[{"dockey":7,"docno":"IV-00007"}]}"#
        let server = try LoopbackServer(.respond(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"))
        let client = SQLAccountClient(configuration: Fixture.configuration(baseURL: "http://127.0.0.1:\(server.port)", timeout: 3),
                                      transport: transport.make(), retryPolicy: .never, now: { Fixture.date })
        let found = try await client.find(.salesInvoice, docno: "IV 00007")
        #expect(found.isEmpty)  // docno differs from the one asked for: filtered out
        server.wait(upTo: 4)

        // Parse what actually went over the socket and verify its signature.
        let raw = server.received
        let head = raw.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        #expect(requestLine[0] == "GET")
        #expect(requestLine[1] == "/salesinvoice/*?docno=IV%2000007")
        let headers = head.dropFirst().compactMap { line -> HeaderField? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return HeaderField(String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        #expect(headers.values(for: "host") == ["127.0.0.1:\(server.port)"])
        let received = ReceivedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers)
        #expect(Fixture.verifier.verify(received, now: Fixture.date).isOK)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func redirectsAreReturnedNotFollowed(_ transport: TransportUnderTest) async throws {
        let server = try LoopbackServer(.respond(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        let response = try await transport.make().send(Self.request(port: server.port, timeout: 3))
        #expect(response.status == 302)
        #expect(response.headers.first(named: "location") == "http://127.0.0.1:1/elsewhere")
        server.wait(upTo: 4)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func aResponseOverTheLimitIsRefused(_ transport: TransportUnderTest) async throws {
        let body = String(repeating: "x", count: 4096)
        let server = try LoopbackServer(.respond(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n\(body)"))
        let error = await caught { try await transport.make(maxResponseBytes: 1024).send(Self.request(port: server.port, timeout: 3)) }
        let failure = try #require(error as? HTTPTransportError, "\(String(describing: error))")
        #expect(failure.kind == .other)
        #expect(failure.detail.contains("larger than the allowed size"))
        server.wait(upTo: 4)
    }

    @Test(arguments: TransportUnderTest.allCases)
    func cancellingTheCallerCancelsTheExchange(_ transport: TransportUnderTest) async throws {
        // Timeout and hold are long so that the bound can leave room for a machine loaded by the whole suite (a CI
        // run once took 7.6 s to get the cancelled task back) while still proving the cancel, not the timeout, ended it.
        let server = try LoopbackServer(.hang(60))
        let task = Task { try await transport.make().send(Self.request(port: server.port, timeout: 45)) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let started = Date()
        task.cancel()
        let result = await task.result
        #expect(Date().timeIntervalSince(started) < 20, "well before the 45 s timeout and the 60 s hold")
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error is CancellationError, "\(error)")
    }

    @Test func writesNeverShareAConnectionAndReadsDo() async throws {
        // A write on a reused keep-alive connection that the server drops after committing could be re-sent by the
        // HTTP layer; each write gets a connection of its own. Reads are safe to repeat and share one.
        let transport = AsyncHTTPClientTransport()
        let writes = try KeepAliveServer()
        defer { writes.stop() }
        for _ in 0..<3 {
            let response = try await transport.send(Self.request(port: writes.port, method: "POST", timeout: 3))
            #expect(response.status == 200)
        }
        #expect(writes.counts.requests == 3)
        #expect(writes.counts.connections == 3)

        let reads = try KeepAliveServer()
        defer { reads.stop() }
        for _ in 0..<3 {
            let response = try await transport.send(Self.request(port: reads.port, method: "GET", timeout: 3))
            #expect(response.status == 200)
        }
        #expect(reads.counts.requests == 3)
        #expect(reads.counts.connections == 1)
    }
}
