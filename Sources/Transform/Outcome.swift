import LedgerCore
import LedgerJSON
import RulePack

/// What one order became: exactly one of a document, an exclusion with its reason, or an error.
public struct OrderOutcome: Sendable {
    public enum Kind: String, Sendable { case document, excluded, error }

    public var orderID: String
    public var kind: Kind
    public var document: SalesInvoiceDocument?
    /// Why the order was excluded, or a one-line summary of why it failed.
    public var reason: String?
    public var warnings: [Diagnostic]
    /// The errors that stopped this order (empty unless `kind == .error`).
    public var errors: [Diagnostic]
    /// Where the order was read from, when it came from a file.
    public var source: SourceLocation?

    public static func excluded(_ id: String, _ reason: String, warnings: [Diagnostic] = [], source: SourceLocation?) -> OrderOutcome {
        OrderOutcome(orderID: id, kind: .excluded, document: nil, reason: reason, warnings: warnings, errors: [], source: source)
    }

    public static func failed(_ id: String, _ errors: [Diagnostic], warnings: [Diagnostic] = [], source: SourceLocation?) -> OrderOutcome {
        OrderOutcome(orderID: id, kind: .error, document: nil, reason: errors.first?.message, warnings: warnings, errors: errors, source: source)
    }
}

/// One `salesinvoice` body exactly as the SQL Account API takes it, with how each field was decided.
public struct SalesInvoiceDocument: Sendable {
    public static let type = "salesinvoice"

    /// The body as the builder made it, until a caller changes it as a JSON object.
    private enum Body: Sendable {
        case typed(InvoiceContent)
        case object(JSONObject)
    }

    private var body: Body
    /// The `docref1` that identifies this order's invoice in SQL Account.
    public var idempotencyKey: String
    /// Per field, in payload order; empty unless provenance was requested.
    public var provenance: [FieldProvenance]
    public var tieOut: TieOut

    public init(content: InvoiceContent, idempotencyKey: String, provenance: [FieldProvenance], tieOut: TieOut) {
        body = .typed(content)
        self.idempotencyKey = idempotencyKey
        self.provenance = provenance
        self.tieOut = tieOut
    }

    /// The body as a JSON object, built on each read from the typed fields until it is set.
    public var payload: JSONObject {
        get {
            switch body {
            case .typed(let content): return content.jsonObject
            case .object(let object): return object
            }
        }
        set { body = .object(newValue) }
    }

    /// The document amount, without building the JSON object.
    public var docamt: Money {
        switch body {
        case .typed(let content): return content.docamt
        case .object(let object): return object["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        }
    }

    /// The document number (`docno`), without building the JSON object.
    public var docno: String {
        switch body {
        case .typed(let content): return content.docno
        case .object(let object): return object["docno"]?.stringValue ?? ""
        }
    }

    /// Whether the payload, as compact JSON, is exactly `json` (a recorded payload), without building the JSON object.
    public func hasPayloadJSON(_ json: String) -> Bool {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(json.utf8.count + 64)
        appendPayloadJSON(to: &bytes)
        return bytes.elementsEqual(json.utf8)
    }

    /// Appends the payload as compact JSON, straight from the typed fields while it has them.
    public func appendPayloadJSON(to buffer: inout [UInt8]) {
        switch body {
        case .typed(let content): content.appendJSON(to: &buffer)
        case .object(let object): JSONWriter.appendCompact(.object(object), to: &buffer)
        }
    }
}

/// Which setting, rule, matching row or order field decided one payload field.
public struct FieldProvenance: Sendable {
    /// Payload path, e.g. `docdate` or `sdsdocdetail[2].itemcode`.
    public var path: String
    public var value: String
    public var origin: Origin
}

/// The check that the invoice total equals the configured basis to the cent.
public struct TieOut: Sendable {
    /// `seller_revenue` or `buyer_paid`.
    public var basis: String
    public var expected: Money
    /// The invoice amount compared: with tax when prices include tax or the order says what tax was charged,
    /// before tax otherwise.
    public var actual: Money
    public var taxIncluded: Bool
    /// The tax the buyer was charged on prices that exclude tax (`tax.charged`), when the order says.
    public var taxCharged: Money?
    /// The tax the invoice computes.
    public var invoiceTax: Money = .zero
    public var difference: Money { actual - expected }
    public var tiesOut: Bool { difference == .zero }
}
