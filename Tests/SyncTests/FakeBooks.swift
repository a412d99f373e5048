import Foundation
import LedgerJSON
import SQLAccount

/// A transport that behaves like a tiny SQL Account: it keeps the documents posted, answers docref1 lookups and
/// dockey reads, and can lose the answer to a POST after committing it. No network, no sandbox.
final class FakeBooks: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var documents: [String: [JSONObject]] = [:]
    private var nextDockey = 1
    /// POSTs whose answer is lost after the document was saved (counted down per POST).
    private var answersToDrop: Int
    /// Answer every request with 401 (credentials refused).
    let refuseCredentials: Bool
    private(set) var requestLog: [String] = []

    init(dropAnswers: Int = 0, refuseCredentials: Bool = false) {
        self.answersToDrop = dropAnswers
        self.refuseCredentials = refuseCredentials
    }

    var posts: Int { lock.withLock { requestLog.filter { $0.hasPrefix("POST ") }.count } }

    func stored(_ resource: String) -> [JSONObject] { lock.withLock { documents[resource] ?? [] } }

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        let segments = (components?.path ?? "").split(separator: "/").map(String.init)
        let query = Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
        return try lock.withLock {
            requestLog.append("\(request.method) \(components?.path ?? "")")
            if refuseCredentials { return .json(401, #"{"error":{"message":"Invalid access key"}}"#) }
            guard let resource = segments.first else { return .json(404, "{}") }
            switch (request.method, segments.count) {
            case ("GET", 1) where resource == "version" || resource == "profile":
                return .json(200, #"{"version":"fake"}"#)
            case ("GET", 1):
                let rows = (documents[resource] ?? []).filter { row in query["docref1"].map { row["docref1"]?.stringValue == $0 } ?? true }
                return Self.answer(.object(["data": .array(rows.map(JSONValue.object))]))
            case ("GET", 2):
                guard let row = (documents[resource] ?? []).first(where: { $0["dockey"]?.stringValue == segments[1] }) else { return .json(404, "{}") }
                return Self.answer(.object(["data": .array([.object(row)])]))
            case ("POST", 1):
                var row = (try? JSONParser.parse(request.body))?.objectValue ?? JSONObject()
                row["dockey"] = .int(nextDockey)
                if row["docno"]?.stringValue?.isEmpty ?? true { row["docno"] = .string(String(format: "IV-%05d", nextDockey)) }
                row["updatecount"] = .int(0)
                nextDockey += 1
                documents[resource, default: []].append(row)
                if answersToDrop > 0 {
                    answersToDrop -= 1
                    throw HTTPTransportError(.connectionLost, detail: "the answer was lost after the commit")
                }
                return Self.answer(.object(["data": .array([.object(row)])]))
            default:
                return .json(405, #"{"error":{"message":"not in the fake"}}"#)
            }
        }
    }

    static func answer(_ value: JSONValue) -> HTTPTransportResponse {
        .json(200, JSONWriter.compactString(value))
    }
}

enum Fixture {
    static let credentials = Credentials(accessKey: "fake.sql.my/TESTS", secretKey: "fake-secret")

    static func client(_ transport: HTTPTransport) -> SQLAccountClient {
        let configuration = SQLAccountConfiguration(credentials: credentials, baseURL: URL(string: "https://fake.sql.my")!, timeout: 5,
                                                    detailPathSigning: .aws, userAgent: "ledgersync-sync-tests")
        return SQLAccountClient(configuration: configuration, transport: transport,
                                retryPolicy: RetryPolicy(maxAttempts: 2, baseDelay: 0, maxDelay: 0, jitter: 0), sleeper: NoSleep())
    }
}

struct NoSleep: Sleeper {
    func sleep(seconds: TimeInterval) async throws {}
}
