import Foundation
import LedgerCore
import LedgerJSON

/// A REST resource of the API: the lowercase SDK object name used as the first path segment (API doc §5).
public struct SQLAccountResource: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    public var description: String { name }

    /// Sales Invoice (SL_IV), keyed by `dockey`.
    public static let salesInvoice: SQLAccountResource = "salesinvoice"
    /// Customer Payment / Official Receipt (AR_PM), keyed by `dockey`.
    public static let customerPayment: SQLAccountResource = "customerpayment"
    /// Sales Credit Note (SL_CN), keyed by `dockey`.
    public static let salesCreditNote: SQLAccountResource = "salescreditnote"
    /// Customer Refund (AR_CF), keyed by `dockey`.
    public static let customerRefund: SQLAccountResource = "customerrefund"
    /// Customer master (AR_CUSTOMER), keyed by `code`.
    public static let customer: SQLAccountResource = "customer"
    /// Stock item master; the API updates it by `dockey`.
    public static let stockItem: SQLAccountResource = "stockitem"
    /// Agent master, keyed by `code` (the first request SQL's Postman collection suggests).
    public static let agent: SQLAccountResource = "agent"
    // The masters below are named as a third-party registry of api.sql.my lists them (API doc §5, C1), not as
    // SQL documents them: `ledgersync check --resource KIND=NAME` overrides any of them.
    /// Area master, keyed by `code`.
    public static let area: SQLAccountResource = "area"
    /// Project master, keyed by `code`.
    public static let project: SQLAccountResource = "project"
    /// Credit terms master, keyed by `code`.
    public static let terms: SQLAccountResource = "terms"
    /// Stock location (warehouse) master, keyed by `code`.
    public static let location: SQLAccountResource = "location"
    /// GL account master (chart of accounts), keyed by `code`.
    public static let account: SQLAccountResource = "account"
    /// Tax code master, AutoKey-keyed, with `code` and `taxrate` (API doc §16).
    public static let tax: SQLAccountResource = "tax"
    /// Payment methods: the bank/cash GL codes a receipt's `paymentmethod` takes (API doc §10; list/get only).
    public static let paymentMethod: SQLAccountResource = "pmmethod"
    /// Currency master, keyed by `code` (`----` is the base currency).
    public static let currency: SQLAccountResource = "currency"
    /// Stock group master (`ST_GROUP`, C1), keyed by `code`: holds a stock item's sales and purchase GL accounts.
    public static let stockGroup: SQLAccountResource = "stockgroup"
}

/// One record as the API returned it: the JSON object, untouched (key order and number text kept), with typed
/// accessors for the fields the sync layer relies on. Accessors are lenient about the types SQL uses
/// (numbers or numeric strings, `true`/`"T"`/`1`), and return nil when a field is missing, null or unreadable.
public struct SQLAccountRecord: Sendable, Equatable, CustomStringConvertible {
    public var object: JSONObject

    public init(_ object: JSONObject = JSONObject()) {
        self.object = object
    }

    public subscript(key: String) -> JSONValue? {
        get { object[key] }
        set { object[key] = newValue }
    }

    public var json: JSONValue { .object(object) }

    /// True when the server gave nothing back (e.g. a create answered `{"data": []}` or an empty body).
    public var isEmpty: Bool { object.isEmpty }

    /// The document key. nil when missing (re-find the document by `docref1`), and also for 0 or less, which
    /// is what a create payload carries before SQL assigns the key.
    public var dockey: Int? { Self.int(object["dockey"]).flatMap { $0 > 0 ? $0 : nil } }
    public var docno: String? { Self.text(object["docno"]) }
    /// Any field as text, whether SQL Account answered it as a string or a number.
    public func text(_ key: String) -> String? { Self.text(object[key]) }
    public var docref1: String? { Self.text(object["docref1"]) }
    /// The master code (customer, agent…) or, on a document, the customer code.
    public var code: String? { Self.text(object["code"]) }
    /// The optimistic-lock counter; nil when missing or null (treat as 0, as SQL's Python sample does).
    public var updatecount: Int? { Self.int(object["updatecount"]) }
    /// The document amount exactly as sent (`"1060.00"` or `1060`).
    public var docamt: String? { Self.text(object["docamt"]) }
    /// `docamt` as money, when it parses as a decimal with at most 2 places.
    public var docamtMoney: Money? { docamt.flatMap { Money(parsing: $0) } }
    public var cancelled: Bool? { Self.bool(object["cancelled"]) }
    /// `lastmodified`, Unix seconds.
    public var lastmodified: Int? { Self.int(object["lastmodified"]) }

    /// The `sdsdocdetail` rows that are objects, in order.
    public var details: [JSONObject] { object["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? [] }
    /// `sdsdocdetail[].dtlkey`, one entry per row (nil where a row has none).
    public var detailKeys: [Int?] { details.map { Self.int($0["dtlkey"]) } }

    public var description: String {
        var parts: [String] = []
        if let dockey { parts.append("dockey \(dockey)") }
        if let docno { parts.append("docno \(docno)") }
        if let docref1 { parts.append("docref1 \(docref1)") }
        if parts.isEmpty, let code { parts.append("code \(code)") }
        return "SQLAccountRecord(\(parts.joined(separator: ", ")))"
    }

    // MARK: lenient readers

    static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let text)?: return Int(text) ?? Double(text).flatMap { $0 == $0.rounded() && abs($0) < 1e15 ? Int($0) : nil }
        case .string(let text)?: return Int(text.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: return text
        case .number(let text)?: return text
        default: return nil
        }
    }

    static func bool(_ value: JSONValue?) -> Bool? {
        switch value {
        case .bool(let flag)?: return flag
        case .number(let text)?: return text == "1" ? true : text == "0" ? false : nil
        case .string(let text)?:
            switch text.lowercased() {
            case "t", "true", "1", "y", "yes": return true
            case "f", "false", "0", "n", "no": return false
            default: return nil
            }
        default: return nil
        }
    }
}

/// One page of `GET /<resource>?offset=N`.
public struct SQLAccountPage: Sendable, Equatable {
    public var records: [SQLAccountRecord]
    /// The offset this page was asked for.
    public var offset: Int
    /// `pagination.count` as the server sent it (page size or total: unknown, API doc §6).
    public var count: Int?

    public init(records: [SQLAccountRecord], offset: Int, count: Int? = nil) {
        self.records = records
        self.offset = offset
        self.count = count
    }

    /// A page with fewer than 50 rows is the last one.
    public var isLast: Bool { records.count < SQLAccountConfiguration.pageSize }
}

/// A 2xx answer, body unread: `/version` and `/profile` bodies are undocumented, so they are not forced into JSON.
/// The same value the transport returned; only the client decides it is a success.
public typealias SQLAccountResponse = HTTPTransportResponse

extension HTTPTransportResponse {
    public var text: String { bodyText }

    /// The body as JSON, or nil when it is empty or not JSON.
    public var json: JSONValue? { try? JSONParser.parse(body) }
}
