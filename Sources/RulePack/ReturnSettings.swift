import LedgerCore

/// `returns:` — how returns and refunds after the sale are booked: a sales credit note per return event (or, while
/// the pack allows it, a cancel of the invoice), how credit notes are numbered and described, what non-goods refunds
/// are credited to, whether a credit note knocks off its invoice, and how the refunded money is paid.
public struct ReturnSettings: Sendable {
    /// When a synced invoice whose order is cancelled or fully returned is cancelled rather than credited.
    public enum CancelPolicy: String, CaseIterable, Sendable {
        /// Always a credit note: the invoice stays as it was booked.
        case never
        /// Cancel while the return falls in the invoice's calendar month (the SST period is still open).
        case sameMonth = "same_month"
        /// Cancel while the return is at most `cancel_within_days` days after the invoice date.
        case withinDays = "within_days"
        /// Cancel whenever SQL Account allows it (no receipt knocks the invoice off).
        case always
    }

    /// What happens to credit no invoice can take (the invoice was already paid).
    public enum RefundTreatment: String, CaseIterable, Sendable {
        /// A customer refund pays it out from the store's payment method (`matching.payments`), knocking off the credit note.
        case customerRefund = "customer_refund"
        /// It stays as the customer's unapplied credit, for the channel to net in a later payout.
        case unapplied
    }

    public var cancelInvoice: Traced<CancelPolicy>
    public var cancelWithinDays: Traced<Int>
    /// `sqlaccount` (SQL numbers it, CN-00001) or `custom` (prefix + sequence, like invoices).
    public var numberSource: Traced<String>
    public var numberPrefix: Traced<String>
    public var numberDigits: Traced<Int>
    public var numberStart: Traced<Int>
    /// `docref1` of a credit note: a template over the invoice's key `{key}`, `{return_id}`, `{return_seq}`, `{id}`, `{order_number}`.
    public var idempotencyKey: Traced<String>
    public var description: Traced<String>
    /// `return` (the return's date) or `sync` (the run date).
    public var issueDate: Traced<String>
    /// The item a shipping refund is credited to; nil: the store's shipping item (`matching.shipping`).
    public var shippingItem: Traced<String>?
    /// The item (and optionally account) other refunds are credited to: goodwill, price adjustments.
    public var otherItem: Traced<String>?
    public var otherAccount: Traced<String>?
    /// The credit note knocks off what its invoice still owes.
    public var knockOffInvoice: Traced<Bool>
    public var refund: Traced<RefundTreatment>
    /// The credit note field that names the invoice it credits (besides the knock-off).
    public var invoiceReferenceField: Traced<String>

    public static let keyPlaceholders = ["key", "return_id", "return_seq", "id", "order_number"]
    public static let descriptionPlaceholders = ["return_id", "return_seq", "invoice", "order_number", "id", "channel", "store", "reason"]
    public static let referenceFields = ["docref2", "docref3", "docref4", "none"]

    public init() {
        func builtIn(_ key: String) -> Origin { .builtIn("returns.\(key)") }
        cancelInvoice = Traced(.sameMonth, builtIn("cancel_invoice"))
        cancelWithinDays = Traced(3, builtIn("cancel_within_days"))
        numberSource = Traced("sqlaccount", builtIn("credit_note_number.source"))
        numberPrefix = Traced("CN-", builtIn("credit_note_number.prefix"))
        numberDigits = Traced(6, builtIn("credit_note_number.digits"))
        numberStart = Traced(1, builtIn("credit_note_number.start"))
        idempotencyKey = Traced("{key}-R{return_id}", builtIn("idempotency_key"))
        description = Traced("Return {return_id} of {channel} order {order_number}", builtIn("description"))
        issueDate = Traced("return", builtIn("issue_date"))
        knockOffInvoice = Traced(true, builtIn("knock_off_invoice"))
        refund = Traced(.customerRefund, builtIn("refund"))
        invoiceReferenceField = Traced("docref2", builtIn("invoice_reference_field"))
    }

    /// Whether an invoice dated `invoiceDate` may be cancelled for a return on `returnDate` (both local dates).
    public func allowsCancel(invoiceDate: CalendarDate, returnDate: CalendarDate) -> Bool {
        switch cancelInvoice.value {
        case .never: return false
        case .always: return true
        case .sameMonth: return invoiceDate.year == returnDate.year && invoiceDate.month == returnDate.month
        case .withinDays: return returnDate.daysSinceEpoch - invoiceDate.daysSinceEpoch <= cancelWithinDays.value
        }
    }
}

extension RulePackValidator {
    /// Reads `returns:` into `ReturnSettings`, every problem a located diagnostic.
    func readReturns(_ node: YAMLNode) -> ReturnSettings {
        var settings = ReturnSettings()
        let keys = ["cancel_invoice", "cancel_within_days", "credit_note_number", "idempotency_key", "description", "issue_date",
                    "shipping_item", "other_item", "other_account", "knock_off_invoice", "refund", "invoice_reference_field"]
        guard let entries = reader.mapping(node, "returns", known: keys) else { return settings }
        let itemLimit = FieldLimits.invoiceLine("itemcode")?.maxLength ?? 30
        let accountLimit = FieldLimits.invoiceLine("account")?.maxLength ?? 10
        for entry in entries {
            let path = "returns.\(entry.key)"
            let origin = reader.origin(path, entry.value)
            switch entry.key {
            case "cancel_invoice":
                if let choice = reader.choice(entry.value, path, ReturnSettings.CancelPolicy.allCases.map(\.rawValue)),
                   let policy = ReturnSettings.CancelPolicy(rawValue: choice) {
                    settings.cancelInvoice = Traced(policy, origin)
                }
            case "cancel_within_days":
                if let days = reader.integer(entry.value, path, in: 0...366) { settings.cancelWithinDays = Traced(days, origin) }
            case "credit_note_number":
                readCreditNoteNumber(entry.value, into: &settings)
            case "idempotency_key":
                if let template = reader.string(entry.value, path), checkTemplatePlaceholders(template, entry.value, path, ReturnSettings.keyPlaceholders) {
                    let used = Template.placeholders(in: template)
                    if !used.contains("return_id") && !used.contains("return_seq") {
                        reader.error("'\(template)' names no return, so a second return of the same order would get the first one's key and never be credited; include {return_id} (or {return_seq})", at: entry.value, path, code: "invalid-value")
                    } else if !used.contains("key") && !used.contains("id") && !used.contains("order_number") {
                        reader.error("'\(template)' names no order, so returns of different orders would share keys; include {key} (the invoice's key), {id} or {order_number}", at: entry.value, path, code: "invalid-value")
                    } else {
                        settings.idempotencyKey = Traced(template, origin)
                    }
                }
            case "description":
                if let template = reader.string(entry.value, path), checkTemplatePlaceholders(template, entry.value, path, ReturnSettings.descriptionPlaceholders) {
                    settings.description = Traced(template, origin)
                }
            case "issue_date":
                if let choice = reader.choice(entry.value, path, ["return", "sync"]) { settings.issueDate = Traced(choice, origin) }
            case "shipping_item":
                if let code = reader.code(entry.value, path, maxLength: itemLimit, allowEmpty: false) { settings.shippingItem = Traced(code, origin) }
            case "other_item":
                if let code = reader.code(entry.value, path, maxLength: itemLimit, allowEmpty: false) { settings.otherItem = Traced(code, origin) }
            case "other_account":
                if let code = reader.code(entry.value, path, maxLength: accountLimit, allowEmpty: false) { settings.otherAccount = Traced(code, origin) }
            case "knock_off_invoice":
                if let flag = reader.bool(entry.value, path) { settings.knockOffInvoice = Traced(flag, origin) }
            case "refund":
                if let choice = reader.choice(entry.value, path, ReturnSettings.RefundTreatment.allCases.map(\.rawValue)),
                   let treatment = ReturnSettings.RefundTreatment(rawValue: choice) {
                    settings.refund = Traced(treatment, origin)
                }
            default:
                if let field = reader.choice(entry.value, path, ReturnSettings.referenceFields) { settings.invoiceReferenceField = Traced(field, origin) }
            }
        }
        return settings
    }

    private func readCreditNoteNumber(_ node: YAMLNode, into settings: inout ReturnSettings) {
        let path = "returns.credit_note_number"
        guard let entries = reader.mapping(node, path, known: ["source", "prefix", "digits", "start"]) else { return }
        for entry in entries {
            let fieldPath = "\(path).\(entry.key)"
            let origin = reader.origin(fieldPath, entry.value)
            switch entry.key {
            case "source":
                if let choice = reader.choice(entry.value, fieldPath, ["sqlaccount", "custom"]) { settings.numberSource = Traced(choice, origin) }
            case "prefix":
                if let prefix = reader.string(entry.value, fieldPath), checkTemplatePlaceholders(prefix, entry.value, fieldPath, ["store", "channel"]) {
                    settings.numberPrefix = Traced(prefix, origin)
                }
            case "digits":
                if let digits = reader.integer(entry.value, fieldPath, in: 1...12) { settings.numberDigits = Traced(digits, origin) }
            default:
                if let start = reader.integer(entry.value, fieldPath, in: 0...999_999_999) { settings.numberStart = Traced(start, origin) }
            }
        }
        let docnoLimit = FieldLimits.invoiceHeader("docno")?.maxLength ?? 20
        let fixed = FieldLimits.length(settings.numberPrefix.value.replacingOccurrences(of: "{store}", with: "").replacingOccurrences(of: "{channel}", with: ""))
        if settings.numberSource.value == "custom" && fixed + settings.numberDigits.value > docnoLimit {
            reader.error("credit note numbers of prefix '\(settings.numberPrefix.value)' and \(settings.numberDigits.value) digits are longer than SQL Account's \(docnoLimit) characters; shorten the prefix or digits", at: node, path, code: "invalid-value")
        }
    }

    func checkTemplatePlaceholders(_ text: String, _ node: YAMLNode, _ path: String, _ allowed: [String]) -> Bool {
        var ok = true
        for name in Template.placeholders(in: text) where !allowed.contains(name) {
            reader.error("unknown placeholder {\(name)} in \(path); available: \(allowed.map { "{\($0)}" }.joined(separator: ", "))", at: node, path,
                         code: "unknown-placeholder", suggestion: Suggest.closest(to: name, in: allowed).map { "{\($0)}" })
            ok = false
        }
        return ok
    }
}
