import Foundation
import LedgerCore
import LedgerJSON

/// Everything that can go wrong talking to SQL Account, classified for the sync layer.
///
/// Two questions matter more than the case:
///
/// - **`isAmbiguous`** — the server may have acted on the request although no success came back. After an
///   ambiguous failure of a POST, the sync layer must look the document up by `docref1` (and `docno`) before
///   it posts again; after a PUT, re-fetch and compare. This client never does that itself.
/// - **`isBlindlyRetryable`** — the request certainly did nothing (or is a read), so sending it again is safe.
///   Only these are retried by `SQLAccountClient.send(_:retrying:)`.
///
/// | condition | case | ambiguous | retried blindly |
/// |---|---|---|---|
/// | DNS failure, connection refused, no network | `.transport(kind, ambiguous: false)` | no | yes |
/// | TLS handshake failure | `.transport(.tlsFailure, ambiguous: false)` | no | no |
/// | no answer within the timeout | `.timeout` | yes | no |
/// | connection lost/reset/empty reply after sending, other transport failure | `.transport(kind, ambiguous: true)` | yes | no |
/// | 401, 403 | `.authentication` | no | no |
/// | 429 (JSON or nginx HTML), `Retry-After` parsed | `.rateLimited` | no | yes |
/// | any status ≥ 400 whose message says "Record has been changed by another user"/"by other users", or 409 | `.conflict` | no | no |
/// | any status ≥ 400 whose message says unique/duplicate and docno/document no | `.duplicateDocumentNumber` | no | no |
/// | 502, 503, 504 on GET | `.server(ambiguous: false)` | no | yes |
/// | 503 on POST/PUT/DELETE (`uncommittedWriteStatuses`, configurable) | `.server(ambiguous: false)` | no | yes |
/// | any other 5xx on POST/PUT/DELETE (500, 502, 504…) | `.server(ambiguous: true)` | yes | no |
/// | 500 and other 5xx on GET | `.server(ambiguous: false)` | no | no |
/// | 404 on a lookup (find, get, list) | — an empty result, not an error | | |
/// | other 4xx | `.validation` | no | no |
/// | 1xx/3xx, a 2xx whose body is not the JSON expected | `.invalidResponse` | no | no |
/// | bad base URL, unsignable request, empty body | `.configuration` | no | no |
///
/// Every text inside has been passed through the credentials' `Redactor`, so no case carries a secret.
public enum SQLAccountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 401/403: the keys, or the SigV4 region/service/clock, were rejected.
    case authentication(status: Int, message: String)
    /// A 4xx other than 401/403/404-on-lookup/409/429: the request itself is wrong (unknown customer, item…).
    case validation(status: Int, message: String)
    /// Optimistic-lock failure: the record changed since it was read.
    case conflict(message: String)
    /// The `docno` is already used by another document.
    case duplicateDocumentNumber(message: String)
    /// 429. `retryAfter` in seconds, from `Retry-After` (delta-seconds or an HTTP date), when sent.
    case rateLimited(retryAfter: TimeInterval?)
    /// 5xx. `ambiguous` is true for writes the server may have committed (see the table on the type).
    case server(status: Int, message: String, ambiguous: Bool)
    /// No (complete) answer within the timeout. Always ambiguous.
    case timeout
    /// A failure below HTTP other than a timeout.
    case transport(HTTPTransportError.Kind, ambiguous: Bool)
    /// A status or body the client cannot use; `reason` quotes a short, redacted snippet.
    case invalidResponse(reason: String)
    /// The request could not be made: bad base URL, unsignable header, empty body…
    case configuration(String)

    public var isAmbiguous: Bool {
        switch self {
        case .timeout: return true
        case .transport(_, let ambiguous), .server(_, _, let ambiguous): return ambiguous
        case .authentication, .validation, .conflict, .duplicateDocumentNumber, .rateLimited, .invalidResponse,
             .configuration:
            return false
        }
    }

    public var isBlindlyRetryable: Bool {
        switch self {
        case .rateLimited: return true
        case .transport(let kind, let ambiguous): return !ambiguous && kind.isBeforeSending && kind != .tlsFailure
        case .server(let status, _, let ambiguous): return !ambiguous && [502, 503, 504].contains(status)
        default: return false
        }
    }

    /// The HTTP status, when there was one.
    public var status: Int? {
        switch self {
        case .authentication(let status, _), .validation(let status, _), .server(let status, _, _): return status
        case .rateLimited: return 429
        default: return nil
        }
    }

    /// True for a "not found" answer: 404, or 400 whose message says "not found"/"no record found" (SQL answers
    /// both for a missing record, API doc §12). Lookups turn it into an empty result.
    public var isNotFound: Bool {
        guard case .validation(let status, let message) = self else { return false }
        if status == 404 { return true }
        let lowered = message.lowercased()
        return status == 400 && (lowered.contains("not found") || lowered.contains("no record found"))
    }

    /// A stable identifier for tooling, in the style of `Diagnostic.code`.
    public var code: String {
        switch self {
        case .authentication: return "sqlaccount-authentication"
        case .validation: return "sqlaccount-validation"
        case .conflict: return "sqlaccount-conflict"
        case .duplicateDocumentNumber: return "sqlaccount-duplicate-docno"
        case .rateLimited: return "sqlaccount-rate-limited"
        case .server(_, _, let ambiguous): return ambiguous ? "sqlaccount-server-ambiguous" : "sqlaccount-server"
        case .timeout: return "sqlaccount-timeout"
        case .transport: return "sqlaccount-transport"
        case .invalidResponse: return "sqlaccount-invalid-response"
        case .configuration: return "sqlaccount-configuration"
        }
    }

    /// What happened and what to do, for a person.
    public var message: String {
        switch self {
        case .authentication(let status, let message):
            return "SQL Account rejected the credentials (HTTP \(status)\(Self.quoted(message))). Check the access key "
                + "and secret key, that the SigV4 region and service match the tenant (api.sql.my expects "
                + "'\(SQLAccountAuthDefaults.region)' / '\(SQLAccountAuthDefaults.service)'), and that this machine's clock is right."
        case .validation(let status, let message):
            return "SQL Account refused the request (HTTP \(status)\(Self.quoted(message))). Fix what the message names "
                + "(customer, item, UOM, account, tax or project codes must exist in SQL Account) and sync again."
        case .conflict(let message):
            return "The record was changed in SQL Account since it was read\(Self.quoted(message)). Fetch it again and "
                + "re-apply the change with the new updatecount."
        case .duplicateDocumentNumber(let message):
            return "SQL Account already has a document with this number\(Self.quoted(message)). If an earlier attempt "
                + "timed out it may have been saved then: look the document up by docref1/docno before posting again, "
                + "or choose another document number."
        case .rateLimited(let retryAfter):
            let wait = retryAfter.map { "wait \(Self.seconds($0))" } ?? "wait a minute or two"
            return "SQL Account is rate limiting requests (HTTP 429); \(wait) and try again, or lower the concurrency."
        case .server(let status, let message, let ambiguous):
            if ambiguous {
                return "SQL Account answered a write with HTTP \(status)\(Self.parenthesized(message)); the document may "
                    + "have been saved anyway. Look it up by docref1 before posting again."
            }
            return "SQL Account or its relay failed (HTTP \(status)\(Self.quoted(message))). Check that the SQL Account "
                + "PC and its API service are running, then try again."
        case .timeout:
            return "SQL Account did not answer in time. A write may still have been saved: look the document up by "
                + "docref1 before posting again. If this repeats, check the SQL Account PC and its API service, or "
                + "raise the timeout."
        case .transport(let kind, let ambiguous):
            let what: String
            switch kind {
            case .dnsFailure: what = "The SQL Account host name could not be resolved (DNS). Check the host in the profile and this machine's network."
            case .connectionRefused: what = "The connection to SQL Account was refused. Check the host and port, and that the SQL Account API service is running."
            case .notConnected: what = "This machine is not connected to the network. Check its internet connection."
            case .tlsFailure: what = "The secure (TLS) connection to SQL Account failed. Check the host name and the server's certificate."
            case .timedOut: what = "SQL Account did not answer in time."
            case .connectionLost: what = "The connection to SQL Account was lost before an answer arrived."
            case .cancelled: what = "The request to SQL Account was cancelled."
            case .other: what = "The request to SQL Account failed below HTTP."
            }
            return ambiguous ? what + " A write may still have been saved: look the document up by docref1 before posting again." : what
        case .invalidResponse(let reason):
            return "SQL Account sent an answer the client cannot read: \(reason). If it persists, check the base URL "
                + "points at the SQL Account API."
        case .configuration(let reason):
            return "The SQL Account request could not be made: \(reason)."
        }
    }

    public var description: String { message }

    public var diagnostic: Diagnostic { .error(message, code: code) }

    private static func parenthesized(_ message: String) -> String {
        message.isEmpty ? "" : " (\(message))"
    }

    private static func quoted(_ message: String) -> String {
        message.isEmpty ? "" : ": \(message)"
    }

    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// Turns a non-2xx answer into an `SQLAccountError`. Public so other callers (and tests) classify identically.
public enum SQLAccountErrorClassifier {
    static let maxMessageLength = 300

    /// - Parameters:
    ///   - method: the request's method; decides whether a 5xx is ambiguous (writes) or not (reads).
    ///   - now: for a `Retry-After` given as an HTTP date.
    ///   - uncommittedWriteStatuses: 5xx statuses at which a write is known not to have been committed.
    public static func classify(status: Int, headers: [HeaderField], body: [UInt8], method: String, now: Date,
                                uncommittedWriteStatuses: Set<Int> = [503], redactor: Redactor) -> SQLAccountError {
        let message = serverMessage(body: body, redactor: redactor)
        let lowered = message.lowercased()

        switch status {
        case 401, 403:
            return .authentication(status: status, message: message)
        case 429:
            return .rateLimited(retryAfter: headers.first(named: "retry-after").flatMap { retryAfter($0, now: now) })
        case 400...599:
            if status == 409 || isConflictMessage(lowered) { return .conflict(message: message) }
            if isDuplicateDocumentNumberMessage(lowered) { return .duplicateDocumentNumber(message: message) }
            if status >= 500 {
                let isWrite = !["GET", "HEAD", "OPTIONS"].contains(method.uppercased())
                let ambiguous = isWrite && !uncommittedWriteStatuses.contains(status)
                return .server(status: status, message: message, ambiguous: ambiguous)
            }
            return .validation(status: status, message: message)
        default:
            var reason = "unexpected HTTP status \(status)"
            if (300...399).contains(status), let location = headers.first(named: "location") {
                reason += " (redirect to \(redactor.redact(location)))"
            }
            if !message.isEmpty { reason += ": \(message)" }
            return .invalidResponse(reason: reason)
        }
    }

    /// "Record has been changed by another user" (and the docs' "…by other users").
    static func isConflictMessage(_ lowered: String) -> Bool {
        lowered.contains("changed by another user") || lowered.contains("changed by other user")
    }

    /// A unique-constraint failure on the document number (API doc §12, a heuristic from observed clients):
    /// mentions unique/duplicate and docno/document no.
    static func isDuplicateDocumentNumberMessage(_ lowered: String) -> Bool {
        let uniqueness = lowered.contains("unique") || lowered.contains("duplicate")
        let docno = ["docno", "doc no", "doc_no", "document no", "document number", "doc. no"].contains { lowered.contains($0) }
        return uniqueness && docno
    }

    /// The server's message: JSON `message`, `error` (string) or `error.message` (as clients read it, API doc §7),
    /// an HTML page's `<title>` (or first `<h1>`), or the text itself; whitespace collapsed, at most 300
    /// characters, redacted before it is shortened (so no part of a secret survives a cut). Empty when the
    /// body is.
    public static func serverMessage(body: [UInt8], redactor: Redactor = Redactor()) -> String {
        clip(redactor.redact(unclippedServerMessage(body: body)))
    }

    static func unclippedServerMessage(body: [UInt8]) -> String {
        let text = String(decoding: body, as: UTF8.self)
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return "" }
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("["), let json = try? JSONParser.parse(body) {
            return jsonMessage(json) ?? JSONWriter.compactString(json)
        }
        if trimmed.hasPrefix("<") {
            return htmlElementText("title", in: trimmed) ?? htmlElementText("h1", in: trimmed) ?? strippingTags(trimmed)
        }
        return trimmed
    }

    static func jsonMessage(_ json: JSONValue) -> String? {
        guard let object = json.objectValue else { return nil }
        func lookup(_ object: JSONObject, _ key: String) -> JSONValue? {
            if let value = object[key] { return value }
            return object.entries.first { $0.0.lowercased() == key }?.1
        }
        if let message = lookup(object, "message")?.stringValue, !message.isEmpty { return message }
        if let error = lookup(object, "error") {
            if let text = error.stringValue, !text.isEmpty { return text }
            if let inner = error.objectValue, let message = lookup(inner, "message")?.stringValue, !message.isEmpty {
                return message
            }
        }
        if let errors = lookup(object, "errors")?.arrayValue {
            let texts = errors.compactMap { $0.stringValue ?? $0["message"]?.stringValue }
            if !texts.isEmpty { return texts.joined(separator: "; ") }
        }
        if let data = lookup(object, "data"), let inner = jsonMessage(data) { return inner }
        return nil
    }

    static func htmlElementText(_ tag: String, in html: String) -> String? {
        guard let open = html.range(of: "<\(tag)", options: .caseInsensitive),
              let openEnd = html[open.upperBound...].firstIndex(of: ">"),
              let close = html.range(of: "</\(tag)", options: .caseInsensitive,
                                     range: html.index(after: openEnd)..<html.endIndex)
        else { return nil }
        let inner = strippingTags(String(html[html.index(after: openEnd)..<close.lowerBound]))
        return inner.isEmpty ? nil : inner
    }

    static func strippingTags(_ html: String) -> String {
        var result = ""
        var inTag = false
        for character in html {
            if character == "<" { inTag = true; result.append(" "); continue }
            if character == ">" { inTag = false; continue }
            if !inTag { result.append(character) }
        }
        return collapsingWhitespace(result)
    }

    static func collapsingWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
    }

    static func clip(_ text: String) -> String {
        let collapsed = collapsingWhitespace(text)
        guard collapsed.count > maxMessageLength else { return collapsed }
        return String(collapsed.prefix(maxMessageLength)) + "…"
    }

    /// `Retry-After` as seconds from `now`: delta-seconds (`120`, also `1.5`) or an HTTP date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`, RFC 850 and asctime forms too). A date in the past gives 0.
    public static func retryAfter(_ value: String, now: Date) -> TimeInterval? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 { return seconds }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) {
                return max(0, date.timeIntervalSince(now).rounded(.up))
            }
        }
        return nil
    }

    /// A short, redacted, single-line excerpt of a body, for `invalidResponse` reasons.
    static func snippet(_ body: [UInt8], redactor: Redactor, limit: Int = 120) -> String {
        if body.isEmpty { return "an empty body" }
        // Redact the whole body first: cutting first could leave the start of a secret behind.
        let text = collapsingWhitespace(redactor.redact(String(decoding: body, as: UTF8.self)))
        let clipped = text.count > limit ? String(text.prefix(limit)) + "…" : text
        return "'\(clipped)'"
    }
}
