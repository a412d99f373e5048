import Foundation

/// One request as the console's pages see it: the HTTP adapter (`ConsoleServer`) fills it in, tests build it directly.
public struct ConsoleRequest: Sendable {
    public var method: String
    /// The path without its query, percent-decoded per segment by `segments`.
    public var path: String
    public var query: [(name: String, value: String)]
    /// Header names in lower case.
    public var headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// Read once: the CSRF check, the handler and an error page all ask for it, and an upload may be megabytes.
    private let parsedForm: Result<FormData, Multipart.Failure>

    public init(method: String, target: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method.uppercased()
        if let mark = target.firstIndex(of: "?") {
            path = String(target[..<mark])
            query = FormEncoding.decode(String(target[target.index(after: mark)...]))
        } else {
            path = target
            query = []
        }
        let lowered = headers.map { (name: $0.name.lowercased(), value: $0.value) }
        self.headers = lowered
        self.body = body
        let type = lowered.first { $0.name == "content-type" }?.value ?? ""
        if type.lowercased().hasPrefix("multipart/form-data") {
            parsedForm = Result { try Multipart.parse(body, contentType: type) }.mapError { $0 as? Multipart.Failure ?? Multipart.Failure(description: "\($0)") }
        } else {
            parsedForm = .success(FormData(fields: FormEncoding.decode(String(decoding: body, as: UTF8.self)), files: []))
        }
    }

    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name == wanted }?.value
    }

    public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// The path's segments, percent-decoded: `/orders/SG%2F1` → `["orders", "SG/1"]`.
    public var segments: [String] {
        path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
    }

    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for field in headers where field.name == "cookie" {
            for pair in field.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                cookies[parts[0].trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
        }
        return cookies
    }

    /// The submitted form: URL-encoded or multipart (a file upload).
    public func form() throws -> FormData { try parsedForm.get() }
}

/// What a form sent.
public struct FormData: Sendable {
    public var fields: [(name: String, value: String)]
    public var files: [UploadedFile]

    public func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }
}

public struct UploadedFile: Sendable {
    public var fieldName: String
    /// The name the browser gave, without any folder part.
    public var fileName: String
    public var bytes: [UInt8]
}

public struct ConsoleResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func html(_ document: String, status: Int = 200) -> ConsoleResponse {
        ConsoleResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(document.utf8))
    }

    /// "See other": after a form is handled, the browser loads `location` with a GET (reloading it sends nothing again).
    public static func redirect(_ location: String) -> ConsoleResponse {
        ConsoleResponse(status: 303, headers: [("Location", location)])
    }

    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// `application/x-www-form-urlencoded`, both ways.
public enum FormEncoding {
    public static func decode(_ text: String) -> [(name: String, value: String)] {
        text.split(separator: "&").compactMap { pair in
            guard !pair.isEmpty else { return nil }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func unescape(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : "")
        }
    }

    /// For a link's query: every character but unreserved ones escaped.
    public static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    public static func query(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { pair in pair.1.flatMap { $0.isEmpty ? nil : "\(escape(pair.0))=\(escape($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}

/// `multipart/form-data` bodies: the parts a browser sends for a form with a file input.
enum Multipart {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ body: [UInt8], contentType: String) throws -> FormData {
        guard let boundaryRange = contentType.range(of: "boundary=") else { throw Failure(description: "the upload has no multipart boundary") }
        var boundary = String(contentType[boundaryRange.upperBound...])
        if let end = boundary.firstIndex(of: ";") { boundary = String(boundary[..<end]) }
        boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
        let delimiter = Array(("--" + boundary).utf8)
        var form = FormData(fields: [], files: [])
        var starts: [Int] = []
        var index = 0
        while let found = find(delimiter, in: body, from: index) {
            starts.append(found)
            index = found + delimiter.count
        }
        guard starts.count >= 2 else { throw Failure(description: "the upload is not a complete multipart body") }
        for (start, next) in zip(starts, starts.dropFirst()) {
            var partStart = start + delimiter.count
            // Each part starts after the delimiter's line break and ends before the line break preceding the next one.
            if partStart + 1 < body.count, body[partStart] == 13, body[partStart + 1] == 10 { partStart += 2 }
            var partEnd = next
            if partEnd >= 2, body[partEnd - 2] == 13, body[partEnd - 1] == 10 { partEnd -= 2 }
            guard partStart <= partEnd, let headerEnd = find(Array("\r\n\r\n".utf8), in: body, from: partStart), headerEnd <= partEnd else { continue }
            let headerText = String(decoding: body[partStart..<headerEnd], as: UTF8.self)
            let content = Array(body[(headerEnd + 4)..<partEnd])
            guard let disposition = headerText.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }) else { continue }
            let name = parameter("name", in: String(disposition)) ?? ""
            if let fileName = parameter("filename", in: String(disposition)) {
                let base = fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? fileName
                form.files.append(UploadedFile(fieldName: name, fileName: base, bytes: content))
            } else {
                form.fields.append((name, String(decoding: content, as: UTF8.self)))
            }
        }
        return form
    }

    /// `name="…"` of a Content-Disposition header, not matching inside `filename="…"`.
    private static func parameter(_ name: String, in disposition: String) -> String? {
        var searchFrom = disposition.startIndex
        while let range = disposition.range(of: "\(name)=\"", range: searchFrom..<disposition.endIndex) {
            let before = range.lowerBound == disposition.startIndex ? nil : disposition[disposition.index(before: range.lowerBound)]
            if before == nil || before == ";" || before == " " {
                let rest = disposition[range.upperBound...]
                guard let end = rest.firstIndex(of: "\"") else { return nil }
                return String(rest[..<end])
            }
            searchFrom = range.upperBound
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var position = start
        let first = needle[0]
        while position <= haystack.count - needle.count {
            if haystack[position] == first && haystack[position..<(position + needle.count)].elementsEqual(needle) { return position }
            position += 1
        }
        return nil
    }
}
