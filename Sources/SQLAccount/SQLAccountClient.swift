import Foundation
import LedgerJSON

/// One API call before signing: the path as it goes on the wire (below the base URL), decoded query items and
/// the body bytes.
public struct SQLAccountRequest: Sendable, Equatable, CustomStringConvertible {
    public var method: String
    /// Percent-encoded where needed, e.g. `/salesinvoice`, `/salesinvoice/*`, `/customer/300-C0001`.
    public var path: String
    /// Decoded; the client encodes and sorts them exactly as it signs them.
    public var query: [SigV4QueryItem]
    public var body: [UInt8]

    public init(method: String, path: String, query: [SigV4QueryItem] = [], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }

    /// `METHOD path` — no query values (they may hold customer data), no body.
    public var description: String { "\(method) \(path)" }
}

/// The SQL Account REST API (Cloud Mode, AWS SigV4), as typed endpoints over a pluggable transport.
///
/// Every request is signed with `SigV4Signer` like botocore: `Host` and `Content-Type: application/json` are
/// signed with `X-Amz-Date` (`SignedHeaders=content-type;host;x-amz-date`); `User-Agent` is sent unsigned.
/// Each attempt is signed afresh with the injected clock.
///
/// Failures are thrown as `SQLAccountError` (see its table); the client retries blindly-retryable ones per
/// its `RetryPolicy` and returns ambiguous ones at once. **It never re-POSTs after an ambiguous failure and
/// never looks documents up on its own** — the sync layer does `find(_:docref1:)` before any re-POST.
/// Cancelling the calling task throws `CancellationError`.
public struct SQLAccountClient: Sendable {
    public let configuration: SQLAccountConfiguration
    public let transport: any HTTPTransport
    /// Used by every endpoint; `send(_:retrying:)` can override it per call.
    public var retryPolicy: RetryPolicy
    public var sleeper: any Sleeper
    /// The clock used to sign and to read `Retry-After` dates.
    public var now: @Sendable () -> Date

    public init(configuration: SQLAccountConfiguration, transport: any HTTPTransport = AsyncHTTPClientTransport(),
                retryPolicy: RetryPolicy = .standard, sleeper: any Sleeper = TaskSleeper(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.transport = transport
        self.retryPolicy = retryPolicy
        self.sleeper = sleeper
        self.now = now
    }

    private var redactor: Redactor { configuration.credentials.redactor }

    // MARK: - Health

    /// `GET /version` — the connection test (API doc §14). The body is undocumented, so it is returned unread.
    public func version() async throws -> SQLAccountResponse {
        try await send(SQLAccountRequest(method: "GET", path: "/version"))
    }

    /// `GET /profile` — the company profile; also works as a credential test.
    public func profile() async throws -> SQLAccountResponse {
        try await send(SQLAccountRequest(method: "GET", path: "/profile"))
    }

    // MARK: - Reading

    /// One page of master rows: `GET /<resource>?limit=50&offset=N[&filters…]` (API doc §5–§7).
    /// A 404 (or 400 "not found") is an empty page.
    public func list(_ resource: SQLAccountResource, offset: Int = 0, filters: [String: String] = [:]) async throws
        -> SQLAccountPage {
        var query = filters.filter { $0.key != "offset" && $0.key != "limit" }.map { SigV4QueryItem($0.key, $0.value) }
        query.append(SigV4QueryItem("offset", String(max(0, offset))))
        query.append(SigV4QueryItem("limit", String(SQLAccountConfiguration.pageSize)))
        let request = SQLAccountRequest(method: "GET", path: Self.path(resource), query: query)
        guard let response = try await lookup(request), !Self.isBlank(response.body) else {
            return SQLAccountPage(records: [], offset: offset)
        }
        let json = try parseJSON(response, for: request)
        let rows: [JSONValue]
        var count: Int?
        if let array = json.arrayValue {
            rows = array
        } else if let object = json.objectValue {
            count = SQLAccountRecord.int(object["pagination"]?["count"])
            switch object["data"] {
            case .array(let array)?: rows = array
            case .null?: rows = []
            case .object(let single)?: rows = [.object(single)]
            default:
                throw SQLAccountError.invalidResponse(reason: "the answer to \(request) has no \"data\" array: "
                    + SQLAccountErrorClassifier.snippet(response.body, redactor: redactor))
            }
        } else {
            throw SQLAccountError.invalidResponse(reason: "the answer to \(request) is not a JSON object: "
                + SQLAccountErrorClassifier.snippet(response.body, redactor: redactor))
        }
        return SQLAccountPage(records: try records(rows, for: request, response: response), offset: offset, count: count)
    }

    /// Every master row matching `filters`, paging 50 at a time (offsets 0, 50, 100…) until a page has fewer
    /// than 50 rows. Throws `.invalidResponse` when the server repeats a page (it ignores `offset`) or, with
    /// `maxPages`, when there are more pages than that.
    public func listAll(_ resource: SQLAccountResource, filters: [String: String] = [:], maxPages: Int? = nil)
        async throws -> [SQLAccountRecord] {
        var all: [SQLAccountRecord] = []
        var offset = 0
        var pages = 0
        var previousFirst: SQLAccountRecord?
        while true {
            let page = try await list(resource, offset: offset, filters: filters)
            pages += 1
            if let first = page.records.first, offset > 0, first == previousFirst {
                throw SQLAccountError.invalidResponse(reason: "GET /\(resource) returned the same rows at offset "
                    + "\(offset) as at the offset before; the server seems to ignore 'offset'")
            }
            all += page.records
            if page.isLast { return all }
            if let maxPages, pages >= maxPages {
                throw SQLAccountError.invalidResponse(reason: "GET /\(resource) with \(Self.describe(filters)) returned "
                    + "more than \(maxPages) pages of \(SQLAccountConfiguration.pageSize); the server seems to ignore the filter")
            }
            previousFirst = page.records.first
            offset += page.records.count
        }
    }

    /// The records whose `docref1` is exactly `docref1` — the idempotency lookup (API doc §13):
    /// `GET /<resource>?docref1=…` (percent-encoded), all pages. Rows whose `docref1` differs are dropped (the
    /// server may match wildcards or ignore the filter); rows without a `docref1` field are kept, since they
    /// cannot be ruled out. Master fields only; `get(_:dockey:)` for the detail.
    public func find(_ resource: SQLAccountResource, docref1: String) async throws -> [SQLAccountRecord] {
        let rows = try await listAll(resource, filters: ["docref1": docref1], maxPages: configuration.maxLookupPages)
        return rows.filter { $0.docref1 == nil || $0.docref1 == docref1 }
    }

    /// The documents numbered `docno`, with detail: `GET /<resource>/*?docno=…` (API doc §5). Rows whose
    /// `docno` differs are dropped; a 404/"not found" is `[]`.
    public func find(_ resource: SQLAccountResource, docno: String) async throws -> [SQLAccountRecord] {
        let rows = try await findWithDetail(resource, filters: ["docno": docno])
        return rows.filter { $0.docno == nil || $0.docno == docno }
    }

    /// `GET /<resource>/*?<filters>` — master + detail. SQL accepts only its indexed fields here: `code`,
    /// `docdate`, `docno`, `postdate`, `eiv_utc` (API doc §5). The canonical URI signed follows
    /// `configuration.detailPathSigning`.
    public func findWithDetail(_ resource: SQLAccountResource, filters: [String: String]) async throws -> [SQLAccountRecord] {
        let query = filters.map { SigV4QueryItem($0.key, $0.value) }
        let request = SQLAccountRequest(method: "GET", path: Self.path(resource) + "/*", query: query)
        guard let response = try await lookup(request) else { return [] }
        return try dataRecords(response, for: request)
    }

    /// `GET /<resource>/{dockey}` → `data[0]`, or nil when there is no such document.
    public func get(_ resource: SQLAccountResource, dockey: Int) async throws -> SQLAccountRecord? {
        try await get(SQLAccountRequest(method: "GET", path: Self.path(resource, key: String(dockey))))
    }

    /// `GET /<resource>/{code}` for masters (customer, agent…), or nil when there is no such record.
    public func get(_ resource: SQLAccountResource, code: String) async throws -> SQLAccountRecord? {
        try await get(SQLAccountRequest(method: "GET", path: Self.path(resource, key: code)))
    }

    private func get(_ request: SQLAccountRequest) async throws -> SQLAccountRecord? {
        guard let response = try await lookup(request) else { return nil }
        return try dataRecords(response, for: request).first
    }

    // MARK: - Writing

    /// `POST /<resource>` with `body`. Returns what came back, unwrapped from `{"data": [record]}` or
    /// `{"data": record}` (or a bare record). When the answer has no `dockey` (`record.dockey == nil`, e.g.
    /// `{"data": []}`, an empty or non-JSON 2xx body), the document *was* created: re-find it by `docref1`.
    public func create(_ resource: SQLAccountResource, body: JSONObject) async throws -> SQLAccountRecord {
        try await write(SQLAccountRequest(method: "POST", path: Self.path(resource), body: try encode(body)))
    }

    /// `PUT /<resource>/{dockey}` with the full payload (API doc §8: send `updatecount` = fetched + 1).
    public func update(_ resource: SQLAccountResource, dockey: Int, body: JSONObject) async throws -> SQLAccountRecord {
        try await write(SQLAccountRequest(method: "PUT", path: Self.path(resource, key: String(dockey)), body: try encode(body)))
    }

    /// `PUT /<resource>/{code}` for masters keyed by code (customer, agent).
    public func update(_ resource: SQLAccountResource, code: String, body: JSONObject) async throws -> SQLAccountRecord {
        try await write(SQLAccountRequest(method: "PUT", path: Self.path(resource, key: code), body: try encode(body)))
    }

    /// Cancels a document the way SQL does it (API doc §8): `PUT /<resource>/{dockey}` with the record as
    /// fetched, `cancelled: true` and `updatecount` + 1 (a missing or null count counts as 0). `current` should
    /// come from `get(_:dockey:)` so the detail rows keep their `dtlkey`s.
    public func cancel(_ resource: SQLAccountResource, dockey: Int, current: SQLAccountRecord) async throws -> SQLAccountRecord {
        if let fetched = current.dockey, fetched != dockey {
            throw SQLAccountError.configuration("cancel of \(resource) \(dockey) was given the record of dockey \(fetched)")
        }
        return try await update(resource, dockey: dockey, body: Self.cancellationBody(for: current))
    }

    /// The body `cancel` sends: `current` with `cancelled: true` and `updatecount` = (`updatecount` ?? 0) + 1,
    /// key order kept.
    public static func cancellationBody(for current: SQLAccountRecord) -> JSONObject {
        var body = current.object
        body["cancelled"] = .bool(true)
        body["updatecount"] = .int((current.updatecount ?? 0) + 1)
        return body
    }

    private func write(_ request: SQLAccountRequest) async throws -> SQLAccountRecord {
        let response = try await send(request)
        guard let json = response.json else { return SQLAccountRecord() }  // 2xx: saved, but nothing readable came back
        return Self.unwrapRecord(json) ?? SQLAccountRecord()
    }

    /// `{"data": [record, …]}` → the first record; `{"data": record}` → it; a bare object without `data` → it.
    static func unwrapRecord(_ json: JSONValue) -> SQLAccountRecord? {
        switch json {
        case .object(let object):
            switch object["data"] {
            case .array(let array)?: return array.first?.objectValue.map(SQLAccountRecord.init)
            case .object(let record)?: return SQLAccountRecord(record)
            case .none: return SQLAccountRecord(object)
            default: return nil
            }
        case .array(let array):
            return array.first?.objectValue.map(SQLAccountRecord.init)
        default:
            return nil
        }
    }

    private func encode(_ body: JSONObject) throws -> [UInt8] {
        guard !body.isEmpty else {
            throw SQLAccountError.configuration("refusing to send an empty JSON body: SQL Account fails on '{}'")
        }
        return JSONWriter.compactBytes(.object(body))
    }

    // MARK: - Sending

    /// Signs and sends `request`, retrying blindly-retryable failures per `policy` (the client's own when nil).
    /// Returns any 2xx answer; throws `SQLAccountError` for everything else (404 included — the lookup
    /// endpoints turn that into an empty result), or `CancellationError`.
    public func send(_ request: SQLAccountRequest, retrying policy: RetryPolicy? = nil) async throws -> SQLAccountResponse {
        let policy = policy ?? retryPolicy
        var attempt = 0
        var waitedBeforeThisAttempt = false
        while true {
            attempt += 1
            if !waitedBeforeThisAttempt, let pacing = policy.adaptive?.currentDelay, pacing > 0 {
                try await sleeper.sleep(seconds: pacing)
            }
            waitedBeforeThisAttempt = false

            let error: SQLAccountError
            switch try await attemptOnce(request) {
            case .success(let response):
                policy.adaptive?.recordSuccess()
                return response
            case .failure(let failure):
                error = failure
            }
            if case .rateLimited(let retryAfter) = error { policy.adaptive?.recordRateLimited(retryAfter: retryAfter) }

            guard error.isBlindlyRetryable, attempt < policy.maxAttempts else { throw error }
            var retryAfter: TimeInterval?
            if case .rateLimited(let seconds) = error { retryAfter = seconds }
            guard let backoff = policy.delay(beforeRetry: attempt, retryAfter: retryAfter) else { throw error }
            let delay = max(backoff, policy.adaptive?.currentDelay ?? 0)
            policy.onRetry?(RetryEvent(attempt: attempt, error: error, delay: delay, request: request.description))
            try await sleeper.sleep(seconds: delay)
            waitedBeforeThisAttempt = true
        }
    }

    /// One signed exchange, classified. Only `CancellationError` escapes as a throw.
    private func attemptOnce(_ request: SQLAccountRequest) async throws -> Result<SQLAccountResponse, SQLAccountError> {
        let prepared: HTTPTransportRequest
        switch prepare(request) {
        case .success(let value): prepared = value
        case .failure(let error): return .failure(error)
        }
        let response: HTTPTransportResponse
        do {
            response = try await transport.send(prepared)
        } catch let error as HTTPTransportError {
            return .failure(Self.map(error))
        } catch let error as URLError {
            return .failure(Self.map(HTTPTransportError.from(error)))
        } catch let error as SQLAccountError {
            return .failure(error)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            return .failure(.transport(.other, ambiguous: true))
        }
        if (200...299).contains(response.status) {
            return .success(response)
        }
        return .failure(SQLAccountErrorClassifier.classify(
            status: response.status, headers: response.headers, body: response.body, method: request.method,
            now: now(), uncommittedWriteStatuses: configuration.uncommittedWriteStatuses, redactor: redactor))
    }

    static func map(_ error: HTTPTransportError) -> SQLAccountError {
        switch error.kind {
        case .timedOut: return .timeout
        default: return .transport(error.kind, ambiguous: !error.kind.isBeforeSending)
        }
    }

    /// A GET whose 404 (or 400 "not found") means "no such record": nil instead of an error.
    private func lookup(_ request: SQLAccountRequest) async throws -> SQLAccountResponse? {
        do {
            return try await send(request)
        } catch let error as SQLAccountError where error.isNotFound {
            return nil
        }
    }

    /// The exact exchange `send` performs for `request` (signed at `now()`), for logging and tests.
    public func prepare(_ request: SQLAccountRequest) -> Result<HTTPTransportRequest, SQLAccountError> {
        let endpoint: SQLAccountConfiguration.Endpoint
        switch configuration.endpoint() {
        case .success(let value): endpoint = value
        case .failure(let error): return .failure(error)
        }
        let wirePath = endpoint.pathPrefix + (request.path.hasPrefix("/") ? request.path : "/" + request.path)
        var signingPath: String?
        if configuration.detailPathSigning == .nodeSample, let stripped = SQLAccountAuthDefaults.nodeSampleSigningPath(for: wirePath) {
            signingPath = SigV4Canonical.uri(fromWirePath: stripped)
        }
        let signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region,
                                 service: configuration.service)
        let unsigned = SigV4Request(method: request.method, path: wirePath, signingPath: signingPath, query: request.query,
                                    headers: [HeaderField("Host", endpoint.hostHeader),
                                              HeaderField("Content-Type", "application/json")],
                                    body: request.body)
        let signed: SignedRequest
        do {
            signed = try signer.sign(unsigned, at: now())
        } catch let error as SigV4SigningError {
            return .failure(.configuration(redactor.redact(error.description)))
        } catch {
            return .failure(.configuration("the request could not be signed"))
        }
        let query = signed.canonicalQueryString
        let text = endpoint.origin + wirePath + (query.isEmpty ? "" : "?" + query)
        guard let url = URL(string: text) else {
            return .failure(.configuration("'\(redactor.redact(text))' is not a valid URL"))
        }
        var headers = signed.headers
        if !configuration.userAgent.isEmpty { headers.append(HeaderField("User-Agent", configuration.userAgent)) }
        return .success(HTTPTransportRequest(method: request.method.uppercased(), url: url, headers: headers,
                                             body: request.body, timeout: configuration.timeout))
    }

    // MARK: - Helpers

    static func path(_ resource: SQLAccountResource, key: String? = nil) -> String {
        var path = "/" + SigV4Encoding.uriEncode(resource.name)
        if let key { path += "/" + SigV4Encoding.uriEncode(key) }
        return path
    }

    private static func isBlank(_ body: [UInt8]) -> Bool {
        body.allSatisfy { $0 == 32 || $0 == 10 || $0 == 13 || $0 == 9 }
    }

    private static func describe(_ filters: [String: String]) -> String {
        filters.isEmpty ? "no filter" : "filter " + filters.keys.sorted().joined(separator: ", ")
    }

    private func parseJSON(_ response: SQLAccountResponse, for request: SQLAccountRequest) throws -> JSONValue {
        do {
            return try JSONParser.parse(response.body)
        } catch {
            throw SQLAccountError.invalidResponse(reason: "the answer to \(request) (HTTP \(response.status)) is not JSON: "
                + SQLAccountErrorClassifier.snippet(response.body, redactor: redactor))
        }
    }

    /// `{"data": [record…]}` (also `{"data": record}`, a bare array, or an empty body) → records.
    private func dataRecords(_ response: SQLAccountResponse, for request: SQLAccountRequest) throws -> [SQLAccountRecord] {
        if Self.isBlank(response.body) { return [] }
        let json = try parseJSON(response, for: request)
        switch json {
        case .array(let rows):
            return try records(rows, for: request, response: response)
        case .object(let object):
            switch object["data"] {
            case .array(let rows)?: return try records(rows, for: request, response: response)
            case .object(let record)?: return [SQLAccountRecord(record)]
            case .null?: return []
            case .none where object["dockey"] != nil || object["code"] != nil: return [SQLAccountRecord(object)]
            default: break
            }
        default: break
        }
        throw SQLAccountError.invalidResponse(reason: "the answer to \(request) has no \"data\" array: "
            + SQLAccountErrorClassifier.snippet(response.body, redactor: redactor))
    }

    private func records(_ rows: [JSONValue], for request: SQLAccountRequest, response: SQLAccountResponse) throws
        -> [SQLAccountRecord] {
        try rows.map { row in
            guard let object = row.objectValue else {
                throw SQLAccountError.invalidResponse(reason: "the answer to \(request) has a row that is \(row.typeName), "
                    + "not an object: " + SQLAccountErrorClassifier.snippet(response.body, redactor: redactor))
            }
            return SQLAccountRecord(object)
        }
    }
}
