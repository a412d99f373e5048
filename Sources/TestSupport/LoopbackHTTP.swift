import Foundation
#if canImport(Glibc)
import Glibc

// Close-on-exec: chromedriver, Chromium and any other child of the test process must not inherit these sockets.
private let streamSocket = Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue)
// A driver that went away must surface as an error from send, not as SIGPIPE killing the test process.
private func sendNoSignal(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Glibc.send(fd, bytes, count, Int32(MSG_NOSIGNAL)) }
private func noSigPipe(_ fd: Int32) {}
#elseif canImport(Darwin)
import Darwin

private let streamSocket = SOCK_STREAM
private func sendNoSignal(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int { Darwin.send(fd, bytes, count, 0) }
private func noSigPipe(_ fd: Int32) {
    var on: Int32 = 1
    setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
}
#endif

/// A minimal HTTP/1.1 client for 127.0.0.1 only: one request per connection (`Connection: close`), blocking, with a
/// hard deadline. It exists because `URLSession` on Linux spins a core while it waits (see `URLSessionTransport` in
/// SQLAccount), and a browser test waits on chromedriver most of the time, on a machine whose cores are shared; it
/// avoids a dependency for TestSupport too. `send` runs on a Dispatch thread, never on Swift's cooperative pool, so a
/// slow chromedriver cannot starve the async tests running beside it.
/// A GET of a local server's page, for tests that check what it answers without a browser (a status, a cookie).
public enum LocalPage {
    public static func get(port: Int, path: String, headers: [String: String] = [:], timeout: TimeInterval = 20) async throws -> (status: Int, body: String) {
        let response = try await LoopbackHTTP.send(method: "GET", port: port, path: path, body: nil, headers: headers, timeout: timeout)
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }
}

enum LoopbackHTTP {
    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// Sends one request to `127.0.0.1:port` and returns the whole answer; throws `BrowserError` (`.transport`) when
    /// the connection fails, or no complete answer arrives within `timeout` seconds.
    static func send(method: String, port: Int, path: String, body: Data?, headers: [String: String] = [:], timeout: TimeInterval) async throws -> Response {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try sendBlocking(method: method, port: port, path: path, body: body, headers: headers, timeout: timeout) })
            }
        }
    }

    static func sendBlocking(method: String, port: Int, path: String, body: Data?, headers: [String: String] = [:], timeout: TimeInterval) throws -> Response {
        let what = "\(method) http://127.0.0.1:\(port)\(path)"
        func failure(_ reason: String) -> BrowserError { BrowserError(.transport, "\(what): \(reason)") }

        let fd = socket(AF_INET, streamSocket, 0)
        guard fd >= 0 else { throw failure("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        noSigPipe(fd)
        // Each send and receive may block at most the whole timeout; the deadline below bounds the sum.
        var limit = timeval(tv_sec: Int(timeout), tv_usec: .init((timeout - Double(Int(timeout))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw failure("cannot connect: \(String(cString: strerror(errno)))") }

        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nAccept: application/json\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body {
            request += "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.count)\r\n"
        } else if method == "POST" {
            request += "Content-Length: 0\r\n"
        }
        var bytes = Data(request.utf8) + Data("\r\n".utf8)
        if let body { bytes += body }
        let deadline = Date().addingTimeInterval(timeout)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in raw.baseAddress.map { sendNoSignal(fd, $0 + sent, raw.count - sent) } ?? -1 }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw failure("cannot send the request: \(String(cString: strerror(errno)))") }
            sent += n
        }

        var answer = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !isComplete(answer) {
            guard Date() < deadline else { throw failure("no complete answer within \(timeout) s") }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { throw failure("no complete answer within \(timeout) s") }
            guard n >= 0 else { throw failure("cannot read the answer: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            answer.append(contentsOf: buffer[0..<n])
        }
        return try parse(answer, what: what)
    }

    /// Whether `answer` holds a whole response by its `Content-Length` (or final chunk). chromedriver keeps the
    /// connection open despite `Connection: close`, so waiting for the end of the stream would wait out the timeout.
    /// Without either header the answer ends when the server closes the connection.
    static func isComplete(_ answer: Data) -> Bool {
        guard let headerEnd = answer.range(of: Data("\r\n\r\n".utf8)) else { return false }
        let head = String(decoding: answer[answer.startIndex..<headerEnd.lowerBound], as: UTF8.self).lowercased()
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            if line.hasPrefix("content-length:"), let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                return answer.distance(from: headerEnd.upperBound, to: answer.endIndex) >= length
            }
            if line.hasPrefix("transfer-encoding:") && line.contains("chunked") {
                return answer[headerEnd.upperBound...].range(of: Data("0\r\n\r\n".utf8)) != nil
            }
        }
        return false
    }

    /// Splits a whole `Connection: close` answer into its status and body (de-chunked when chunked).
    static func parse(_ answer: Data, what: String) throws -> Response {
        let separator = Data("\r\n\r\n".utf8)
        guard let headerEnd = answer.range(of: separator) else {
            throw BrowserError(.transport, "\(what): the answer has no complete header (\(answer.count) bytes)")
        }
        let head = String(decoding: answer[answer.startIndex..<headerEnd.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = (lines.first ?? "").split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw BrowserError(.transport, "\(what): unreadable status line '\(lines.first ?? "")'")
        }
        var body = Data(answer[headerEnd.upperBound...])
        let lengthLine = lines.dropFirst().first { $0.lowercased().hasPrefix("content-length:") }
        if let lengthLine, let length = Int(lengthLine.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
            body = body.prefix(length)
        }
        let chunked = lines.dropFirst().contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked { body = try dechunk(body, what: what) }
        return Response(status: status, body: body)
    }

    private static func dechunk(_ data: Data, what: String) throws -> Data {
        var result = Data()
        var index = data.startIndex
        let crlf = Data("\r\n".utf8)
        while true {
            guard let lineEnd = data.range(of: crlf, in: index..<data.endIndex) else {
                throw BrowserError(.transport, "\(what): a chunked answer ended early")
            }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw BrowserError(.transport, "\(what): a chunk size is unreadable: '\(sizeText)'")
            }
            if size == 0 { return result }
            let start = lineEnd.upperBound
            guard data.distance(from: start, to: data.endIndex) >= size else {
                throw BrowserError(.transport, "\(what): a chunked answer ended early")
            }
            let end = data.index(start, offsetBy: size)
            result.append(data[start..<end])
            index = data.index(end, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex
        }
    }

    /// A port that was free a moment ago on 127.0.0.1, picked below Linux's ephemeral range (32768 and up) so the
    /// local end of some other test's outgoing connection cannot take it between this check and chromedriver binding
    /// it. Another process could still take it; `BrowserSession.start` then retries with a new port.
    static func freePort() throws -> Int {
        var lastError = "no port tried"
        for _ in 0..<200 {
            let candidate = Int.random(in: 20_000..<32_000)
            let fd = socket(AF_INET, streamSocket, 0)
            guard fd >= 0 else { throw BrowserError(.driverStartFailed, "cannot create a socket to find a free port: \(String(cString: strerror(errno)))") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(candidate).bigEndian
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound != 0 { lastError = String(cString: strerror(errno)) }
            close(fd)
            if bound == 0 { return candidate }
        }
        throw BrowserError(.driverStartFailed, "cannot find a free port on 127.0.0.1 between 20000 and 32000: \(lastError)")
    }
}
