import Foundation
import LocalHTTP
import LedgerCore
import LedgerJSON
import SQLAccount

/// A request as the HTTP layer hands it over: method, request target as on the wire, headers, body.
struct SandboxHTTPRequest: Sendable {
    var method: String
    /// Path and query exactly as sent, e.g. `/salesinvoice/*?docno=IV-00001`.
    var target: String
    var headers: [HeaderField]
    var body: [UInt8]
}

struct SandboxHTTPResponse: Sendable {
    var status: Int
    var headers: [HeaderField]
    var body: [UInt8]

    static func json(_ status: Int, _ value: JSONValue, headers: [HeaderField] = []) -> SandboxHTTPResponse {
        SandboxHTTPResponse(status: status, headers: [HeaderField("Content-Type", "application/json")] + headers,
                            body: JSONWriter.compactBytes(value))
    }

    static func message(_ status: Int, _ text: String, headers: [HeaderField] = []) -> SandboxHTTPResponse {
        json(status, .object(["message": .string(text)]), headers: headers)
    }

    /// The HTML error page nginx serves for `status` (what SQL's cloud front answers with on 429, 504 …).
    static func nginxPage(_ status: Int, _ reason: String, fault: String) -> SandboxHTTPResponse {
        let title = "\(status) \(reason)"
        let html = "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
            + "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        return SandboxHTTPResponse(status: status, headers: [
            HeaderField("Content-Type", "text/html"), HeaderField("Server", "nginx"), HeaderField("X-Sandbox-Fault", fault),
        ], body: Array(html.utf8))
    }
}

/// What to do with a request: answer it, or (the `commit-drop` fault) close the connection without answering.
enum SandboxOutcome: Sendable {
    case respond(SandboxHTTPResponse)
    case dropConnection
}

/// Where a request goes.
enum SandboxRoute: Equatable {
    case version
    case profile
    case masterList(Masters.Resource)
    case masterFind(Masters.Resource)
    case masterGet(Masters.Resource, String)
    case documentList(SandboxDocumentKind)
    case documentFind(SandboxDocumentKind)
    case document(SandboxDocumentKind, String)
    case unknown

    static func parse(path: String) -> SandboxRoute {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map {
            String(decoding: SigV4Encoding.percentDecodedBytes($0), as: UTF8.self)
        }
        guard segments.first == "" else { return .unknown }
        segments.removeFirst()
        guard let name = segments.first else { return .unknown }
        let rest = Array(segments.dropFirst())
        switch name {
        case "version": return rest.allSatisfy(\.isEmpty) ? .version : .unknown
        case "profile": return rest.allSatisfy(\.isEmpty) ? .profile : .unknown
        default: break
        }
        if let kind = SandboxDocumentKind(rawValue: name) {
            switch rest.count {
            case 0: return .documentList(kind)
            case 1: return rest[0].isEmpty || rest[0] == "*" ? .documentFind(kind) : .document(kind, rest[0])
            default: return .unknown
            }
        }
        if let resource = Masters.Resource(rawValue: name) {
            switch rest.count {
            case 0: return .masterList(resource)
            case 1: return rest[0].isEmpty || rest[0] == "*" ? .masterFind(resource) : .masterGet(resource, rest[0])
            default: return .unknown
            }
        }
        return .unknown
    }

    /// The routes the probabilistic faults hit by default: the documents.
    var isDocumentRoute: Bool {
        switch self {
        case .documentList, .documentFind, .document: return true
        default: return false
        }
    }

    /// Whether the probabilistic faults hit a `method` request on this route by default: every document request,
    /// and the creation of masters (a POST that may be committed and its answer lost, like a document's).
    func isFaultable(_ method: String) -> Bool {
        if isDocumentRoute { return true }
        if case .masterList(let resource) = self, method == "POST", resource.isCreatable { return true }
        return false
    }
}

/// The sandbox's request handling, independent of the HTTP server: faults, SigV4, routing, the store.
final class SandboxService: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    let verifier: SigV4Verifier
    let faults: FaultState
    let stopSignal: StopSignal
    let clock: @Sendable () -> Date
    let requestLog: RequestLog?

    /// Fields `GET /<resource>/*?…` accepts, as the API documents (docs/sqlaccount-api.md §5).
    static let findFields: Set<String> = ["code", "docdate", "docno", "postdate", "eiv_utc"]

    init(configuration: SandboxConfiguration, stopSignal: StopSignal, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.store = SandboxStore(masters: Masters(seed: configuration.seed), behavior: configuration.behavior, statePath: configuration.statePath)
        self.verifier = SigV4Verifier(region: configuration.region, service: configuration.service,
                                      allowedClockSkew: configuration.allowedClockSkew,
                                      credentials: [configuration.credentials])
        self.faults = FaultState(configuration.faults)
        self.stopSignal = stopSignal
        self.clock = clock
        self.requestLog = configuration.requestLogPath.map(RequestLog.init(path:))
    }

    /// Answers one request, and notes it in the request log when there is one.
    func handle(_ request: SandboxHTTPRequest) async -> SandboxOutcome {
        let outcome = await answer(request)
        if let requestLog {
            let path = request.target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.target
            let query = request.target.contains("?") ? "?" + (request.target.split(separator: "?", maxSplits: 1).last.map(String.init) ?? "") : ""
            let result: String
            switch outcome {
            case .respond(let response): result = String(response.status)
            case .dropConnection: result = "dropped"
            }
            requestLog.append("\(request.method.uppercased()) \(path)\(query) \(result)")
        }
        return outcome
    }

    func answer(_ request: SandboxHTTPRequest) async -> SandboxOutcome {
        let parts = request.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0])
        let rawQuery = parts.count > 1 ? String(parts[1]) : ""
        let route = SandboxRoute.parse(path: path)
        let method = request.method.uppercased()
        let spec = faults.current

        if spec.latencyMilliseconds > 0 { _ = await stopSignal.sleep(milliseconds: spec.latencyMilliseconds) }

        let faultable = spec.scope == .all || route.isFaultable(method)
        if faultable {
            if faults.draw(\.rateLimit429) {
                return .respond(.nginxPage(429, "Too Many Requests", fault: "ratelimit429"))
            }
            if faults.draw(\.error500) {
                return .respond(.message(500, "Internal server error", headers: [HeaderField("X-Sandbox-Fault", "error500")]))
            }
            if faults.draw(\.timeout) {
                let completed = await stopSignal.sleep(milliseconds: spec.holdMilliseconds)
                return .respond(completed ? .nginxPage(504, "Gateway Time-out", fault: "timeout")
                                          : .nginxPage(503, "Service Temporarily Unavailable", fault: "timeout"))
            }
        }

        let received = ReceivedRequest(method: method, target: request.target, headers: request.headers, body: request.body)
        if case .rejected(let rejection) = verifier.verify(received, now: clock()) {
            return .respond(.json(rejection.httpStatus, .object([
                "message": .string("Authentication failed: \(rejection.description)"),
                "reason": .string(rejection.code),
            ])))
        }

        let query = SigV4QueryItem.parse(rawQuery: rawQuery).map { ($0.name, $0.value) }
        let response: SandboxHTTPResponse
        do {
            response = try await dispatch(route, method: method, query: query, body: request.body)
        } catch let error as APIError {
            return .respond(.message(error.status, error.message))
        } catch {
            return .respond(.message(500, "Operation aborted: \(error)"))
        }

        if faultable, method == "POST" || method == "PUT", (200..<300).contains(response.status),
           faults.draw(\.commitDrop) {
            return .dropConnection
        }
        return .respond(response)
    }

    private func dispatch(_ route: SandboxRoute, method: String, query: [(String, String)],
                          body: [UInt8]) async throws -> SandboxHTTPResponse {
        func only(_ allowed: String...) throws {
            guard allowed.contains(method) else {
                throw APIError(405, "Method \(method) is not allowed here (the sandbox supports \(allowed.joined(separator: ", ")))")
            }
        }
        switch route {
        case .unknown:
            let documents = SandboxDocumentKind.allCases.map(\.rawValue)
            throw APIError.notFound("Resource not found (the sandbox emulates version, profile, "
                + (Masters.Resource.allCases.map(\.rawValue) + documents.dropLast()).joined(separator: ", ")
                + " and " + (documents.last ?? "") + ")")
        case .version:
            try only("GET")
            return .json(200, .object(["version": .string(configuration.seed.version)]))
        case .profile:
            try only("GET")
            let user = configuration.accessKey.split(separator: "/").last.map(String.init) ?? configuration.accessKey
            return .json(200, .object(["data": .array([.object([
                "companyname": .string(configuration.seed.company), "user": .string(user),
                "remark": .string("ledgersync sandbox"),
            ])])]))
        case .masterList(let resource):
            if resource.isCreatable { try only("GET", "POST") } else { try only("GET") }
            if method == "POST" {
                let object = try Self.bodyObject(body)
                let saved = try await store.createMaster(resource, body: object, now: clock()).get()
                return .json(200, .object(["data": .array([.object(saved)])]))
            }
            let paging = try Paging(query, pageSize: configuration.behavior.pageSize)
            let rows = page(await store.masterRecords(resource).map { Self.masterFields($0) }, paging)
            return listResponse(rows, paging)
        case .masterFind(let resource):
            try only("GET")
            let paging = try Paging(query, pageSize: configuration.behavior.pageSize)
            return .json(200, .object(["data": .array(page(await store.masterRecords(resource), paging).map(JSONValue.object))]))
        case .masterGet(let resource, let key):
            try only("GET")
            guard let record = await store.masterRecord(resource, key: key) else {
                throw APIError.badRequest(Masters.notFoundMessage(resource, key: key))
            }
            return .json(200, .object(["data": .array([.object(record)])]))
        case .documentList(let kind):
            try only("GET", "POST")
            if method == "POST" {
                let object = try Self.bodyObject(body)
                let saved = try await store.create(kind, body: object, now: clock()).get()
                return .json(200, .object(["data": .array([.object(saved)])]))
            }
            let paging = try Paging(query, pageSize: configuration.behavior.pageSize)
            let rows = await store.query(kind, filters: paging.filters, offset: paging.offset, limit: paging.limit, details: false)
            return listResponse(rows, paging)
        case .documentFind(let kind):
            try only("GET")
            let paging = try Paging(query, pageSize: configuration.behavior.pageSize)
            for (field, _) in paging.filters where !Self.findFields.contains(field) {
                throw APIError.badRequest("\(field) cannot be used to find with detail (/\(kind.rawValue)/*); use one of "
                                          + "\(Self.findFields.sorted().joined(separator: ", ")), or list /\(kind.rawValue)?\(field)=…")
            }
            let rows = await store.query(kind, filters: paging.filters, offset: paging.offset, limit: paging.limit, details: true)
            return .json(200, .object(["data": .array(rows.map(JSONValue.object))]))
        case .document(let kind, let key):
            try only("GET", "PUT")
            guard let dockey = Int(key) else {
                throw APIError.badRequest("dockey '\(key)' is not an integer")
            }
            if method == "PUT" {
                let object = try Self.bodyObject(body)
                let saved = try await store.update(kind, dockey: dockey, body: object, now: clock()).get()
                return .json(200, .object(["data": .array([.object(saved)])]))
            }
            guard let record = await store.record(kind, dockey: dockey) else {
                throw APIError.notFound("Record not found: \(kind.rawValue) dockey \(dockey)")
            }
            return .json(200, .object(["data": .array([.object(record)])]))
        }
    }

    private func listResponse(_ rows: [JSONObject], _ paging: Paging) -> SandboxHTTPResponse {
        .json(200, .object([
            "pagination": .object(["offset": .int(paging.offset), "limit": .int(paging.limit), "count": .int(rows.count)]),
            "data": .array(rows.map(JSONValue.object)),
        ]))
    }

    private func page(_ records: [JSONObject], _ paging: Paging) -> [JSONObject] {
        let matching = records.filter { record in paging.filters.allSatisfy { Fields.filterText(record[$0.0]) == $0.1 } }
        return Array(matching.dropFirst(paging.offset).prefix(paging.limit))
    }

    static func masterFields(_ record: JSONObject) -> JSONObject {
        var result = JSONObject()
        for (key, value) in record.entries where !key.hasPrefix("sds") { result.append(key, value) }
        return result
    }

    /// The body of a POST/PUT: a JSON object. Nothing or `{}` crashes the real API (500); anything else that is
    /// not an object is refused with 400.
    static func bodyObject(_ body: [UInt8]) throws -> JSONObject {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            throw APIError.aborted("the request body is empty")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch {
            throw APIError.badRequest("The request body is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("The request body must be a JSON object, not \(value.typeName)")
        }
        guard !object.isEmpty else { throw APIError.aborted("the request body is empty") }
        return object
    }
}

/// `offset`, `limit` (capped at the page size) and the field filters of a GET.
struct Paging {
    var offset = 0
    var limit: Int
    var filters: [(String, String)] = []

    init(_ query: [(String, String)], pageSize: Int) throws {
        limit = pageSize
        for (name, value) in query {
            switch name {
            case "offset":
                guard let number = Int(value), number >= 0 else {
                    throw APIError.badRequest("offset '\(value)' is not a non-negative integer")
                }
                offset = number
            case "limit":
                guard let number = Int(value), number >= 0 else {
                    throw APIError.badRequest("limit '\(value)' is not a non-negative integer")
                }
                limit = number == 0 ? pageSize : min(number, pageSize)
            default:
                filters.append((name, value))
            }
        }
    }
}

/// One line per request (`POST /salesinvoice 200`), appended to a file as they are answered: what a client did.
final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private let handle: FileHandle?

    init(path: String) {
        FileManager.default.createFile(atPath: path, contents: nil)
        handle = FileHandle(forWritingAtPath: path)
    }

    func append(_ line: String) {
        lock.withLock {
            handle?.seekToEndOfFile()
            handle?.write(Data((line + "\n").utf8))
        }
    }
}

