import Foundation
import LedgerJSON
import SQLAccount

/// A transport that answers from a script and records every request. No network.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step {
        case respond(HTTPTransportResponse)
        case fail(Error)
    }

    struct ScriptExhausted: Error, CustomStringConvertible {
        var request: String
        var description: String { "the script has no answer left for \(request)" }
    }

    private let lock = NSLock()
    private var steps: [Step]
    private var recorded: [HTTPTransportRequest] = []
    /// Answers requests once `steps` is used up.
    private let handler: (@Sendable (HTTPTransportRequest) -> Step)?

    init(_ steps: [Step] = [], handler: (@Sendable (HTTPTransportRequest) -> Step)? = nil) {
        self.steps = steps
        self.handler = handler
    }

    var requests: [HTTPTransportRequest] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    var remainingSteps: Int {
        lock.lock()
        defer { lock.unlock() }
        return steps.count
    }

    func send(_ request: HTTPTransportRequest) async throws -> HTTPTransportResponse {
        let step: Step? = lock.withLock {
            recorded.append(request)
            return steps.isEmpty ? handler?(request) : steps.removeFirst()
        }
        switch step {
        case .respond(let response)?: return response
        case .fail(let error)?: throw error
        case nil: throw ScriptExhausted(request: request.description)
        }
    }
}

/// Records every wait instead of sleeping.
final class RecordingSleeper: Sleeper, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [TimeInterval] = []

    var sleeps: [TimeInterval] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func sleep(seconds: TimeInterval) async throws {
        lock.withLock { recorded.append(seconds) }
    }
}

enum Fixture {
    static let accessKey = "abcd1234.sql.my/APIUSER"
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY"
    static let credentials = Credentials(accessKey: accessKey, secretKey: secret)
    /// 2025-09-11T02:26:50Z (the `lastmodified` example of the API doc).
    static let date = Date(timeIntervalSince1970: 1_757_557_610)

    static func configuration(baseURL: String = "https://api.sql.my",
                              signing: SQLAccountConfiguration.DetailPathSigning = .aws,
                              timeout: TimeInterval = 30) -> SQLAccountConfiguration {
        SQLAccountConfiguration(credentials: credentials, baseURL: URL(string: baseURL)!, timeout: timeout,
                                detailPathSigning: signing, userAgent: "ledgersync-tests")
    }

    /// A policy with exact delays (no jitter) and fast backoff.
    static func policy(maxAttempts: Int = 4, adaptive: AdaptiveBackoff? = nil) -> RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, baseDelay: 0.5, maxDelay: 8, jitter: 0, adaptive: adaptive, random: { 0.5 })
    }

    static func client(_ transport: HTTPTransport, sleeper: Sleeper = RecordingSleeper(),
                       configuration: SQLAccountConfiguration = configuration(),
                       policy: RetryPolicy = policy()) -> SQLAccountClient {
        SQLAccountClient(configuration: configuration, transport: transport, retryPolicy: policy, sleeper: sleeper,
                         now: { date })
    }

    static let verifier = SigV4Verifier(credentials: [credentials])

    /// The request as a server would receive it, for `SigV4Verifier`.
    static func received(_ request: HTTPTransportRequest) -> ReceivedRequest {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        return ReceivedRequest(method: request.method, path: components?.percentEncodedPath ?? "",
                               rawQuery: components?.percentEncodedQuery ?? "", headers: request.headers,
                               body: request.body)
    }

    static func json(_ status: Int, _ text: String, headers: [HeaderField] = []) -> ScriptedTransport.Step {
        .respond(.json(status, text, headers: headers))
    }

    static func html(_ status: Int, _ text: String, headers: [HeaderField] = []) -> ScriptedTransport.Step {
        .respond(HTTPTransportResponse(status: status, headers: [HeaderField("Content-Type", "text/html")] + headers,
                                       body: Array(text.utf8)))
    }

    static let nginx429 = """
        <html>
        <head><title>429 Too Many Requests</title></head>
        <body>
        <center><h1>429 Too Many Requests</h1></center>
        <hr><center>nginx</center>
        </body>
        </html>
        """

    static let nginx502 = """
        <html>
        <head><title>502 Bad Gateway</title></head>
        <body>
        <center><h1>502 Bad Gateway</h1></center>
        <hr><center>nginx/1.24.0</center>
        </body>
        </html>
        """

    static func invoice(dockey: Int, docno: String, docref1: String, updatecount: JSONValue = .int(0)) -> JSONObject {
        [
            "dockey": .int(dockey), "docno": .string(docno), "docref1": .string(docref1),
            "code": .string("300-C0001"), "docamt": .string("209.40"), "cancelled": .bool(false),
            "updatecount": updatecount,
            "sdsdocdetail": .array([
                .object(["dtlkey": .int(dockey * 10 + 1), "seq": .int(1), "itemcode": .string("ISCT"), "qty": .string("2.00")]),
                .object(["dtlkey": .int(dockey * 10 + 2), "seq": .int(2), "itemcode": .string("SHIPPING"), "qty": .string("1.00")]),
            ]),
        ]
    }
}

/// The error `body` throws, or nil.
func caught<T>(_ body: () async throws -> T) async -> Error? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}

func query(of request: HTTPTransportRequest) -> String {
    URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.percentEncodedQuery ?? ""
}

func path(of request: HTTPTransportRequest) -> String {
    URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.percentEncodedPath ?? ""
}
