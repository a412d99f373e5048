import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the harness's own tests: each connection gets one answer and is closed.
/// Built on sockets so the tests need nothing besides Chromium (no Python, no new package), and so a real form POST
/// (multipart, with a file) can be received and shown back.
final class TestHTTPServer: @unchecked Sendable {
    struct Request {
        var method: String
        var path: String
        var headers: [String: String]  // lower-cased names
        var body: Data
    }

    struct Response {
        var status = 200
        var contentType = "text/html; charset=utf-8"
        var body: String
    }

    let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response

    init(_ handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        // Close-on-exec: chromedriver and Chromium, started while the server runs, must not inherit its socket.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0, listen(fd, 32) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard bound == 0 else {
            close(fd)
            throw ServerError("bind/listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [listener, handler] in Self.acceptLoop(listener, handler) }
        thread.start()
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Stops accepting: shutdown wakes the accept loop (close alone would not on Linux), which then closes the socket.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private static func acceptLoop(_ listener: Int32, _ handler: @escaping @Sendable (Request) -> Response) {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            // A connection of its own thread: Chromium opens spare connections that may never send a request.
            DispatchQueue.global().async { serve(connection, handler) }
        }
    }

    private static func serve(_ fd: Int32, _ handler: @Sendable (Request) -> Response) {
        defer { close(fd) }
        var limit = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        var expected = 0
        while true {
            if let end = headerEnd, received.count - end.upperBound >= expected { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { return }
            received.append(contentsOf: buffer[0..<n])
            if headerEnd == nil, let end = received.range(of: separator) {
                headerEnd = end
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                for line in head.components(separatedBy: "\r\n").dropFirst() where line.lowercased().hasPrefix("content-length:") {
                    expected = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
        }
        guard let end = headerEnd else { return }
        let lines = String(decoding: received[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = (lines.first ?? "").split(separator: " ")
        guard requestLine.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers,
                              body: Data(received[end.upperBound...].prefix(expected)))
        let response = handler(request)
        let body = Data(response.body.utf8)
        let head = "HTTP/1.1 \(response.status) \(response.status == 200 ? "OK" : "Not OK")\r\nContent-Type: \(response.contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Data(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in raw.baseAddress.map { Glibc.send(fd, $0 + sent, raw.count - sent, Int32(MSG_NOSIGNAL)) } ?? -1 }
            guard n > 0 else { return }
            sent += n
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One part of a multipart/form-data body: a field (`filename` nil) or a chosen file.
struct FormPart {
    var name: String
    var filename: String?
    var content: Data
}

/// The parts of a multipart/form-data body as a browser sends it (RFC 7578); empty when it is not one.
func formParts(_ body: Data, contentType: String) -> [FormPart] {
    guard let boundaryStart = contentType.range(of: "boundary=") else { return [] }
    let boundary = contentType[boundaryStart.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
    let delimiter = Data("\r\n--\(boundary)".utf8)
    // Prepending CRLF makes the first delimiter look like every other one.
    let data = Data("\r\n".utf8) + body
    var parts: [FormPart] = []
    var index = data.startIndex
    while let found = data.range(of: delimiter, in: index..<data.endIndex) {
        if index != data.startIndex, let part = formPart(data[index..<found.lowerBound]) { parts.append(part) }
        // Skip the delimiter's own CRLF (or the closing "--").
        index = min(found.upperBound + 2, data.endIndex)
    }
    return parts
}

private func formPart(_ data: Data) -> FormPart? {
    guard let headerEnd = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
    let headers = String(decoding: data[data.startIndex..<headerEnd.lowerBound], as: UTF8.self)
    func quoted(_ key: String) -> String? {
        guard let start = headers.range(of: "\(key)=\"") else { return nil }
        let rest = headers[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
    guard let name = quoted("name") else { return nil }
    return FormPart(name: name, filename: quoted("filename"), content: Data(data[headerEnd.upperBound...]))
}

/// Text made safe to put into HTML, as the console must do with every value it shows.
func escapeHTML(_ text: String) -> String {
    var result = ""
    for character in text {
        switch character {
        case "&": result += "&amp;"
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "\"": result += "&quot;"
        case "'": result += "&#39;"
        default: result.append(character)
        }
    }
    return result
}
