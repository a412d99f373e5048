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
    }

    struct Failure: Error { var what: String }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var requestBytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ behavior: Behavior, acceptWithin: TimeInterval = 4) throws {
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
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { break }
                sent += count
            }
        }
    }

    /// Reads headers and a Content-Length body, giving up after 2 s of silence.
    private func readRequest(_ connection: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var data: [UInt8] = []
        while Self.poll(connection, seconds: 2) {
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
        lock.withLock { requestBytes = data }
    }

    private static func poll(_ fd: Int32, seconds: TimeInterval) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return Glibc.poll(&entry, 1, Int32(seconds * 1000)) > 0
    }
}

/// Real sockets on 127.0.0.1: checks that libcurl's failures reach the client classified correctly.
@Suite(.timeLimit(.minutes(1))) struct URLSessionTransportTests {
    static func request(port: UInt16, method: String = "POST", timeout: TimeInterval) -> HTTPTransportRequest {
        HTTPTransportRequest(method: method, url: URL(string: "http://127.0.0.1:\(port)/salesinvoice")!,
                             headers: [HeaderField("Content-Type", "application/json")], body: Array(#"{"docref1":"R"}"#.utf8),
                             timeout: timeout)
    }

    @Test func aServerThatNeverAnswersIsATimeout() async throws {
        // The server holds the connection 12 s (its thread ends by itself; the test does not wait for it). The bound
        // leaves room for a loaded machine while staying far below the hold.
        let server = try LoopbackServer(.hang(12))
        let started = Date()
        let error = await caught { try await URLSessionTransport().send(Self.request(port: server.port, timeout: 1)) }
        let elapsed = Date().timeIntervalSince(started)
        #expect((error as? HTTPTransportError)?.kind == .timedOut, "\(String(describing: error))")
        #expect(elapsed < 8)
        #expect(server.received.hasPrefix("POST /salesinvoice HTTP/1.1"))
    }

    @Test func aConnectionDroppedAfterTheRequestIsConnectionLost() async throws {
        let server = try LoopbackServer(.drop)
        let error = await caught { try await URLSessionTransport().send(Self.request(port: server.port, timeout: 3)) }
        #expect((error as? HTTPTransportError)?.kind == .connectionLost, "\(String(describing: error))")
        #expect(server.received.contains(#"{"docref1":"R"}"#))
        server.wait(upTo: 4)

        // Through the client: ambiguous, not retried.
        let again = try LoopbackServer(.drop)
        let transport = URLSessionTransport()
        let client = SQLAccountClient(configuration: Fixture.configuration(baseURL: "http://127.0.0.1:\(again.port)", timeout: 3),
                                      transport: transport, retryPolicy: Fixture.policy(), sleeper: RecordingSleeper())
        let failure = await caught { try await client.create(.salesInvoice, body: ["docref1": .string("R")]) }
        #expect(failure as? SQLAccountError == .transport(.connectionLost, ambiguous: true))
        again.wait(upTo: 4)
    }

    @Test func aRefusedConnectionCannotHaveReachedTheServer() async throws {
        let port = try LoopbackServer.closedPort()
        let error = await caught { try await URLSessionTransport().send(Self.request(port: port, timeout: 2)) }
        let kind = try #require((error as? HTTPTransportError)?.kind, "\(String(describing: error))")
        #expect(kind == .connectionRefused)
        #expect(kind.isBeforeSending)
    }

    @Test func aSignedRequestArrivesIntactAndTheAnswerComesBack() async throws {
        let body = #"{"data":[{"dockey":7,"docno":"IV-00007"}]}"#
        let server = try LoopbackServer(.respond(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"))
        let client = SQLAccountClient(configuration: Fixture.configuration(baseURL: "http://127.0.0.1:\(server.port)", timeout: 3),
                                      transport: URLSessionTransport(), retryPolicy: .never, now: { Fixture.date })
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
        #expect(headers.first(named: "host") == "127.0.0.1:\(server.port)")
        let received = ReceivedRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers)
        #expect(Fixture.verifier.verify(received, now: Fixture.date).isOK)
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let server = try LoopbackServer(.respond(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        let response = try await URLSessionTransport().send(Self.request(port: server.port, timeout: 3))
        #expect(response.status == 302)
        #expect(response.headers.first(named: "location") == "http://127.0.0.1:1/elsewhere")
        server.wait(upTo: 4)
    }

    @Test func cancellingTheCallerCancelsTheExchange() async throws {
        let server = try LoopbackServer(.hang(12))
        let task = Task { try await URLSessionTransport().send(Self.request(port: server.port, timeout: 10)) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let started = Date()
        task.cancel()
        let result = await task.result
        #expect(Date().timeIntervalSince(started) < 6, "well before the 10 s timeout and the 12 s hold")
        guard case .failure(let error) = result else {
            Issue.record("expected a failure")
            return
        }
        #expect(error is CancellationError, "\(error)")
    }
}
