import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import LedgerJSON
import SQLAccount
@testable import Sandbox

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    /// The repository's examples/ folder.
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("examples")

    static let accessKey = "tenant123.sql.my/APIUSER"
    static let secretKey = "s3cr3t/KEY+with=odd%chars"

    static func seed() throws -> SandboxSeed { try SandboxSeed.load(path: path("test-seed.yaml")) }

    static func configuration(faults: FaultSpec = .none, statePath: String? = nil,
                              behavior: SandboxBehavior = SandboxBehavior()) throws -> SandboxConfiguration {
        SandboxConfiguration(accessKey: accessKey, secretKey: secretKey, seed: try seed(), faults: faults,
                             statePath: statePath, behavior: behavior)
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("sandbox-tests-\(UUID().uuidString)-\(name)").path
    }
}

/// What the client got back: a status, headers and a body — or a transport error.
struct ClientResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var json: JSONValue? { try? JSONParser.parse(Array(body)) }
    var text: String { String(decoding: body, as: UTF8.self) }
    var message: String { json?["message"]?.stringValue ?? "" }
    /// `data[0]` of a `{"data": [...]}` answer.
    var record: JSONObject? { json?["data"]?.arrayValue?.first?.objectValue }
    var records: [JSONObject] { json?["data"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}

/// A real HTTP client for the sandbox: URLSession with a short timeout, requests signed with SigV4Signer.
///
/// By default each request uses its own ephemeral session (a fresh connection). With `sharedSession` set, requests
/// reuse its keep-alive connections, as a long-running sync client would.
struct SandboxClient {
    var port: Int
    var sharedSession: URLSession?
    var credentials = Credentials(accessKey: Fixtures.accessKey, secretKey: Fixtures.secretKey)
    var region = "ap-southeast-5"
    var service = "sqlaccount"
    // Generous: the suites share two cores with the CLI tests' sandbox processes.
    var timeout: TimeInterval = 30

    init(port: Int) { self.port = port }

    func send(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil,
              rawBody: [UInt8]? = nil, signingPath: String? = nil, signedAt date: Date = Date(),
              timeout: TimeInterval? = nil) async throws -> ClientResponse {
        let bytes = rawBody ?? body.map(JSONWriter.compactBytes) ?? []
        var headers = [HeaderField("Host", "127.0.0.1:\(port)")]
        if !bytes.isEmpty || method == "POST" || method == "PUT" { headers.append(HeaderField("Content-Type", "application/json")) }
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        let signed = try signer.sign(SigV4Request(method: method, path: path, signingPath: signingPath,
                                                  query: query.map { SigV4QueryItem($0.0, $0.1) },
                                                  headers: headers, body: bytes), at: date)
        var urlText = "http://127.0.0.1:\(port)\(path)"
        if !signed.canonicalQueryString.isEmpty { urlText += "?" + signed.canonicalQueryString }
        var request = URLRequest(url: URL(string: urlText)!)
        request.httpMethod = method
        for field in signed.headers where field.name.lowercased() != "host" {
            request.setValue(field.value, forHTTPHeaderField: field.name)
        }
        if !bytes.isEmpty { request.httpBody = Data(bytes) }
        let limit = timeout ?? self.timeout
        request.timeoutInterval = limit
        let session: URLSession
        if let sharedSession {
            session = sharedSession
        } else {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = limit
            configuration.timeoutIntervalForResource = limit
            session = URLSession(configuration: configuration)
        }
        defer { if sharedSession == nil { session.finishTasksAndInvalidate() } }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name.lowercased()] = value }
        }
        return ClientResponse(status: http.statusCode, headers: fields, body: data)
    }

    func get(_ path: String, _ query: [(String, String)] = []) async throws -> ClientResponse {
        try await send("GET", path, query: query)
    }

    func post(_ path: String, _ body: JSONValue) async throws -> ClientResponse {
        try await send("POST", path, body: body)
    }

    func put(_ path: String, _ body: JSONValue) async throws -> ClientResponse {
        try await send("PUT", path, body: body)
    }
}

/// Runs `body` against a fresh sandbox on a free port and always stops it.
func withSandbox<T>(_ configuration: SandboxConfiguration? = nil,
                    _ body: (SandboxServer, SandboxClient) async throws -> T) async throws -> T {
    let server = SandboxServer(configuration: try configuration ?? Fixtures.configuration())
    let port = try await server.start()
    do {
        let result = try await body(server, SandboxClient(port: port))
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

enum Docs {
    /// A sales invoice as a sync client would post it: 2 × 100.00 table with ST5 + shipping.
    static func invoice(docref1: String, docno: String = "", code: String = "300-S0001",
                        lines: [JSONValue]? = nil, docamt: String? = "218.00") -> JSONValue {
        var object: JSONObject = [
            "docno": .string(docno), "docdate": .string("2025-09-15"), "postdate": .string("2025-09-15"),
            "code": .string(code), "agent": .string("----"), "project": .string("SHOPEE"), "terms": .string("C.O.D."),
            "description": .string("Shopee order \(docref1)"), "docref1": .string(docref1), "cancelled": .bool(false),
        ]
        if let docamt { object["docamt"] = .string(docamt) }
        object["sdsdocdetail"] = .array(lines ?? [
            line(item: "TBL-001", qty: "2", price: "100.00", tax: "ST5", taxamt: "10.00", amount: "200.00"),
            line(item: "SHIPPING", qty: "1", price: "8.00", tax: "", taxamt: "0.00", amount: "8.00"),
        ])
        return .object(object)
    }

    static func line(item: String, qty: String, price: String, uom: String? = nil, tax: String = "",
                     taxamt: String? = nil, amount: String? = nil, dtlkey: Int? = nil) -> JSONValue {
        var object = JSONObject()
        if let dtlkey { object["dtlkey"] = .int(dtlkey) }
        object["itemcode"] = .string(item)
        object["qty"] = .string(qty)
        if let uom { object["uom"] = .string(uom) }
        object["unitprice"] = .string(price)
        object["tax"] = .string(tax)
        if let taxamt { object["taxamt"] = .string(taxamt) }
        if let amount { object["amount"] = .string(amount) }
        object["location"] = .string("PJ-WH")
        object["account"] = .string("500-000")
        return .object(object)
    }

    static func payment(code: String = "300-S0001", docamt: String, docref1: String,
                        knockoffs: [(String, String)]) -> JSONValue {
        .object([
            "docno": .string(""), "code": .string(code), "docdate": .string("2025-09-20"),
            "paymentmethod": .string("310-SHP"), "journal": .string("BANK"), "docamt": .string(docamt),
            "docref1": .string(docref1),
            "sdsknockoff": .array(knockoffs.map { docno, koamt in
                .object(["doctype": .string("IV"), "docno": .string(docno), "koamt": .string(koamt), "knockoff": .bool(true)])
            }),
        ])
    }
}

extension JSONObject {
    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int? {
        if case .number(let text)? = self[key] { return Int(text) }
        return nil
    }
    var lines: [JSONObject] { self["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
}
