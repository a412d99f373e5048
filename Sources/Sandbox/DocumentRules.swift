import LedgerCore
import LedgerJSON

/// The document resources the sandbox stores (keyed by integer `dockey`).
public enum SandboxDocumentKind: String, CaseIterable, Sendable {
    case salesInvoice = "salesinvoice"
    case customerPayment = "customerpayment"
    case salesCreditNote = "salescreditnote"
    case customerRefund = "customerrefund"
    /// Purchase orders (`PH_PO`) and the goods received against them (`PH_GR`): issue 16's stock coming back
    /// from SQL Accounting. Their `code` is a supplier, not a customer.
    case purchaseOrder = "purchaseorder"
    case purchaseGoodsReceived = "purchasegoodsreceived"

    /// The auto-number prefix (`IV-00001`, `OR-00001`, `CN-00001`, `CF-00001`, `PO-00001`, `GR-00001`).
    public var docType: String {
        switch self {
        case .salesInvoice: return "IV"
        case .customerPayment: return "OR"
        case .salesCreditNote: return "CN"
        case .customerRefund: return "CF"
        case .purchaseOrder: return "PO"
        case .purchaseGoodsReceived: return "GR"
        }
    }

    /// Whether the document is a purchase document, whose `code` names a supplier.
    var isPurchase: Bool { self == .purchaseOrder || self == .purchaseGoodsReceived }

    /// The `doctype` a knock-off row names a document of this kind by. A payment is numbered `OR-…` but is the
    /// AR_PM document type, so a refund of an overpayment knocks it off as `PM`.
    var knockoffDocType: String {
        switch self {
        case .salesInvoice: return "IV"
        case .customerPayment: return "PM"
        case .salesCreditNote: return "CN"
        case .customerRefund: return "CF"
        case .purchaseOrder: return "PO"
        case .purchaseGoodsReceived: return "GR"
        }
    }

    /// The Firebird table, used in the duplicate-docno message.
    var table: String {
        switch self {
        case .salesInvoice: return "SL_IV"
        case .customerPayment: return "AR_PM"
        case .salesCreditNote: return "SL_CN"
        case .customerRefund: return "AR_CF"
        case .purchaseOrder: return "PH_PO"
        case .purchaseGoodsReceived: return "PH_GR"
        }
    }

    /// In messages: "the credit note amount (docamt)", "A sales credit note needs …".
    var title: String {
        switch self {
        case .salesInvoice: return "sales invoice"
        case .customerPayment: return "customer payment"
        case .salesCreditNote: return "sales credit note"
        case .customerRefund: return "customer refund"
        case .purchaseOrder: return "purchase order"
        case .purchaseGoodsReceived: return "goods received note"
        }
    }

    /// In "The knock-off total … exceeds the payment amount (docamt) …".
    var amountName: String {
        switch self {
        case .salesInvoice: return "invoice amount"
        case .customerPayment: return "payment amount"
        case .salesCreditNote: return "credit note amount"
        case .customerRefund: return "refund amount"
        case .purchaseOrder: return "order amount"
        case .purchaseGoodsReceived: return "goods received amount"
        }
    }

    /// In "knocked off by …": the documents of this kind as a group.
    var plural: String {
        switch self {
        case .salesInvoice: return "sales invoices"
        case .customerPayment: return "customer payments"
        case .salesCreditNote: return "credit notes"
        case .customerRefund: return "customer refunds"
        case .purchaseOrder: return "purchase orders"
        case .purchaseGoodsReceived: return "goods received notes"
        }
    }

    /// Whether the document is a sales document with `sdsdocdetail` item lines that make up its `docamt` (the
    /// others are AR receipts whose `docamt` is the money received or paid out).
    var hasLines: Bool {
        switch self {
        case .salesInvoice, .salesCreditNote, .purchaseOrder, .purchaseGoodsReceived: return true
        case .customerPayment, .customerRefund: return false
        }
    }

    /// The kinds this kind's `sdsknockoff` rows may knock off.
    var knockoffTargets: [SandboxDocumentKind] {
        switch self {
        case .salesInvoice, .purchaseOrder, .purchaseGoodsReceived: return []
        case .customerPayment, .salesCreditNote: return [.salesInvoice]
        case .customerRefund: return [.salesCreditNote, .customerPayment]
        }
    }

    /// Appended to the "No record found: doctype" answer to say which `doctype`s are accepted.
    var knockoffScope: String {
        switch self {
        case .salesInvoice: return "a sales invoice knocks off nothing"
        case .customerPayment: return "the sandbox knocks off sales invoices (IV) only"
        case .salesCreditNote: return "a sales credit note knocks off sales invoices (IV) only"
        case .customerRefund: return "a customer refund knocks off credit notes (CN) and customer payments (PM)"
        case .purchaseOrder, .purchaseGoodsReceived: return "a purchase document knocks off nothing"
        }
    }

    /// The derived field that says what is left of a document: an invoice is still owed (`outstanding`); a
    /// payment, credit note or refund still has money not applied to anything (`unappliedamt`). A purchase
    /// document has none: what is left of a purchase order is stock to receive (`transferredqty`, `status`).
    var balanceField: String? {
        switch self {
        case .salesInvoice: return "outstanding"
        case .customerPayment, .salesCreditNote, .customerRefund: return "unappliedamt"
        case .purchaseOrder, .purchaseGoodsReceived: return nil
        }
    }

    /// The balance the saved record holds as well, kept in step by every commit that changes it, so the state
    /// file shows a receipt's `unappliedamt` as SQL stores it. An invoice's `outstanding` is only ever derived.
    var storedBalanceField: String? {
        switch self {
        case .salesInvoice, .purchaseOrder, .purchaseGoodsReceived: return nil
        case .customerPayment, .salesCreditNote, .customerRefund: return "unappliedamt"
        }
    }

    /// The balance in a knock-off message: "exceeds its outstanding 25.00", "exceeds its unapplied amount 25.00".
    var balanceName: String {
        switch self {
        case .salesInvoice, .purchaseOrder, .purchaseGoodsReceived: return "outstanding"
        case .customerPayment, .salesCreditNote, .customerRefund: return "unapplied amount"
        }
    }

    /// The kinds that knock this kind off, as "customer payments or credit notes"; nil when none do.
    var knockedOffBy: String? {
        let sources = Self.allCases.filter { $0.knockoffTargets.contains(self) }
        return sources.isEmpty ? nil : sources.map(\.plural).joined(separator: " or ")
    }

    /// `IV-%.5d`, `OR-%.5d`, `CN-%.5d`, `CF-%.5d`, `PO-%.5d`, `GR-%.5d`: SQL's default Maintain Document Number formats.
    func autoNumber(_ number: Int) -> String {
        let digits = String(number)
        return docType + "-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}

/// One document a knock-off row applies to.
struct KnockoffTarget: Hashable, Sendable {
    var kind: SandboxDocumentKind
    var dockey: Int
}

extension Money {
    /// The largest amount the API's decimal text takes (`Money(parsing:)` refuses more): 9999999999999.99.
    static let largest = Money(minorUnits: 999_999_999_999_999)

    /// `self + other`, or nil past `largest` either way: a total the sandbox could not store as text it reads back
    /// (and, summed over a 4 MB body, one that would overflow).
    func adding(_ other: Money) -> Money? {
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow, sum.magnitude <= Self.largest.minorUnits.magnitude else { return nil }
        return Money(minorUnits: sum)
    }
}

/// Refuses a value longer than its SQL Account column, as Firebird does ("string right truncation"). The
/// lengths are the shared table `LedgerCore.FieldLimits`, the one the transform fits its payloads to, measured
/// the same way (`FieldLimits.length`). `docno` is checked first and answered with 400.
enum ColumnLengths {
    static func check(_ object: JSONObject, _ limits: [FieldLimit], context: String = "") throws {
        for limit in limits {
            if let text = object[limit.field]?.stringValue {
                try check(text, limit, context: context)
            }
        }
    }

    static func check(_ text: String, _ limit: FieldLimit, context: String = "") throws {
        let length = FieldLimits.length(text)
        if length > limit.maxLength {
            throw APIError.aborted("string right truncation: \(limit.field) is \(length) characters, at most \(limit.maxLength) allowed\(context)")
        }
    }

    static let docno = FieldLimits.invoiceHeader("docno")?.maxLength ?? 20
}

/// A detail row on its way into a saved document: the row as sent (merged for an update) and the `dtlkey`
/// it keeps, nil for a row to insert.
struct PendingLine {
    var fields: JSONObject
    var dtlkey: Int?
}

/// The checks and normalisation of one document, against the masters and the invoices already stored.
struct DocumentRules {
    let masters: Masters

    // MARK: Master fields shared by every document

    /// Validates and normalises the master fields in place; returns the customer code (the supplier code of a
    /// purchase document).
    func normalizeMaster(_ kind: SandboxDocumentKind, _ master: inout JSONObject) throws -> String {
        let party = kind.isPurchase ? "supplier" : "customer"
        guard let code = try Fields.text(master["code"], "code")?.trimmingSpaces, !code.isEmpty else {
            throw APIError.badRequest("\(kind.isPurchase ? "Supplier" : "Customer") code is required (code)")
        }
        let companyName: String
        let partyCurrency: String
        var customer: SandboxSeed.Customer?
        if kind.isPurchase {
            guard let supplier = masters.suppliers[code] else {
                var message = "Supplier \(code) not found"
                if masters.customers[code] != nil { message += " (\(code) is a customer; a purchase document's code is a supplier)" }
                throw APIError.badRequest(message)
            }
            companyName = supplier.companyName
            partyCurrency = supplier.currency
        } else {
            guard let found = masters.customers[code] else {
                throw APIError.badRequest("Customer \(code) not found")
            }
            customer = found
            companyName = found.companyName
            partyCurrency = found.currency
        }
        master["code"] = .string(code)
        if (try Fields.text(master["companyname"], "companyname") ?? "").isEmpty {
            master["companyname"] = .string(companyName)
        }
        // As SQL Account does, a document without the buyer's e-invoice identity takes the customer's (its Tax tab).
        if let customer, (try Fields.text(master["tin"], "tin") ?? "").isEmpty, let tin = customer.tin {
            master["tin"] = .string(tin)
            if master["idtype"] == nil, let idType = customer.idType { master["idtype"] = .int(idType) }
            if master["idno"] == nil, let idValue = customer.idValue { master["idno"] = .string(idValue) }
        }

        if let docno = try Fields.text(master["docno"], "docno") {
            guard FieldLimits.length(docno) <= ColumnLengths.docno else {
                throw APIError.badRequest("docno '\(docno)' is longer than \(ColumnLengths.docno) characters")
            }
            master["docno"] = .string(docno)
        }

        guard let docdate = try Fields.date(master["docdate"], "docdate") else {
            throw APIError.badRequest("docdate is required (YYYY-MM-DD)")
        }
        for field in ["postdate", "taxdate"] {
            if try Fields.date(master[field], field) == nil { master[field] = .string(docdate) }
        }
        for field in ["bounceddate", "duedate"] { _ = try Fields.date(master[field], field) }

        try checkReference(master, "agent", in: masters.agents)
        try checkReference(master, "area", in: masters.areas)
        try checkReference(master, "project", in: masters.projects)
        switch kind {
        case .salesInvoice, .salesCreditNote, .purchaseOrder, .purchaseGoodsReceived:
            try checkReference(master, "terms", in: masters.terms)
        case .customerPayment, .customerRefund:
            try checkReference(master, "paymentproject", in: masters.projects)
        }

        let currency = try Fields.text(master["currencycode"], "currencycode") ?? ""
        if currency.isEmpty {
            master["currencycode"] = .string(partyCurrency)
        } else {
            guard Masters.isNone(currency) || masters.currencies[currency] != nil else {
                throw APIError.noRecord("currencycode", currency)
            }
            let normalizedCurrency = Masters.isNone(currency) ? "----" : currency
            let expected = Masters.isNone(partyCurrency) ? "----" : partyCurrency
            guard normalizedCurrency == expected else {
                throw APIError.badRequest("currencycode '\(currency)' does not match \(party) \(code)'s currency '\(partyCurrency)'")
            }
        }
        if let rate = try Fields.decimal(master["currencyrate"], "currencyrate") {
            master["currencyrate"] = .string(rate.apiText)
        }
        for field in ["localdocamt", "d_amount"] {
            if let amount = try Fields.money(master[field], field) { master[field] = .string(amount.description) }
        }
        master["cancelled"] = .bool(try Fields.bool(master["cancelled"], "cancelled") ?? false)
        for field in ["transferable", "changed", "nonrefundable", "taxinclusive"] { _ = try Fields.bool(master[field], field) }
        switch kind {
        case .salesInvoice, .salesCreditNote, .purchaseOrder, .purchaseGoodsReceived:
            try ColumnLengths.check(master, FieldLimits.invoiceHeader)
        case .customerPayment, .customerRefund: try ColumnLengths.check(master, FieldLimits.paymentHeader)
        }
        return code
    }

    /// A reference that must be blank, `----`, or a seeded code.
    func checkReference(_ object: JSONObject, _ field: String, in codes: Set<String>, context: String = "") throws {
        guard let value = try Fields.text(object[field], field), !Masters.isNone(value) else { return }
        guard codes.contains(value) else { throw APIError.noRecord(field, value, context) }
    }

    // MARK: Sales invoice and sales credit note

    /// Normalises the detail rows (assigning `dtlkey`s from `nextDtlkey`) and checks `docamt` against them.
    func normalizeInvoice(_ master: inout JSONObject, lines: [PendingLine], dockey: Int,
                          nextDtlkey: inout Int) throws -> [JSONObject] {
        var normalized: [JSONObject] = []
        var total = Money.zero
        for (index, pending) in lines.enumerated() {
            var line = try normalizeLine(pending.fields, number: index + 1)
            let dtlkey: Int
            if let kept = pending.dtlkey {
                dtlkey = kept
            } else {
                dtlkey = nextDtlkey
                nextDtlkey += 1
            }
            line["dtlkey"] = nil
            line["dockey"] = nil
            var ordered: JSONObject = ["dtlkey": .int(dtlkey), "dockey": .int(dockey)]
            if line["seq"] == nil { ordered.append("seq", .int(index + 1)) }
            for (key, value) in line.entries { ordered.append(key, value) }
            let amount = try Fields.money(line["amount"], "amount") ?? .zero
            let taxamt = try Fields.money(line["taxamt"], "taxamt") ?? .zero
            guard let sum = total.adding(amount).flatMap({ $0.adding(taxamt) }) else {
                throw APIError.badRequest("The lines' total (sum of amount + taxamt) is larger than \(Money.largest)")
            }
            total = sum
            normalized.append(ordered)
        }
        if let docamt = try Fields.money(master["docamt"], "docamt") {
            guard docamt == total else {
                throw APIError.badRequest("docamt \(docamt) does not equal the lines' total \(total) (sum of amount + taxamt)")
            }
        }
        master["docamt"] = .string(total.description)
        return normalized
    }

    /// One detail row: references checked, `uom` defaulted, `amount`/`taxamt` computed when not given.
    func normalizeLine(_ input: JSONObject, number: Int) throws -> JSONObject {
        var line = input
        let context = " (sdsdocdetail line \(number))"
        func named(_ field: String) -> String { "sdsdocdetail line \(number) \(field)" }

        let itemcode = try Fields.text(line["itemcode"], named("itemcode"))?.trimmingSpaces ?? ""
        let account = try Fields.text(line["account"], named("account"))?.trimmingSpaces ?? ""
        if itemcode.isEmpty {
            guard !account.isEmpty else {
                throw APIError.aborted("sdsdocdetail line \(number) has neither an itemcode nor an account")
            }
        } else {
            guard let item = masters.items[itemcode] else {
                throw APIError.aborted("Item code '\(itemcode)' not found\(context)")
            }
            let uom = try Fields.text(line["uom"], named("uom"))?.trimmingSpaces ?? ""
            if uom.isEmpty {
                line["uom"] = .string(item.defaultUOM)
            } else if !item.uoms.contains(where: { $0.code == uom }) {
                throw APIError.aborted("UOM '\(uom)' is not a UOM of item '\(itemcode)' (it has \(item.uoms.map(\.code).joined(separator: ", ")))\(context)")
            }
            let effectiveUOM = line["uom"]?.stringValue ?? item.defaultUOM
            if line["rate"] == nil || line["rate"] == .null, let rate = item.uoms.first(where: { $0.code == effectiveUOM })?.rate {
                line["rate"] = .string(rate)
            }
        }
        if let location = try Fields.text(line["location"], named("location")), !Masters.isNone(location),
           !masters.locations.contains(location) {
            throw APIError.aborted("Location '\(location)' not found\(context)")
        }
        try checkReference(line, "project", in: masters.projects, context: context)
        if !account.isEmpty, !masters.accounts.contains(account) { throw APIError.noRecord("account", account, context) }
        let taxCode = try Fields.text(line["tax"], named("tax"))?.trimmingSpaces ?? ""
        var taxRate = Rate.zero
        if !taxCode.isEmpty {
            guard let tax = masters.taxCodes[taxCode] else { throw APIError.noRecord("tax", taxCode, context) }
            taxRate = tax.rate
            if let given = try Fields.text(line["taxrate"], named("taxrate")), !given.isEmpty {
                guard let rate = Rate(parsing: given) else {
                    throw APIError.badRequest("\(named("taxrate")) '\(given)' is not a percentage such as 6%")
                }
                taxRate = rate
            }
        }
        _ = try Fields.date(line["deliverydate"], named("deliverydate"))
        _ = try Fields.int(line["seq"], named("seq"))
        let taxInclusive = try Fields.bool(line["taxinclusive"], named("taxinclusive")) ?? false
        for flag in ["printable", "transferable", "changed"] { _ = try Fields.bool(line[flag], named(flag)) }

        let qty = try Fields.decimal(line["qty"], named("qty")) ?? FixedDecimal(units: 1, scale: 0)
        let unitPrice = try Fields.decimal(line["unitprice"], named("unitprice")) ?? FixedDecimal(units: 0, scale: 0)
        line["qty"] = .string(qty.apiText)
        line["unitprice"] = .string(unitPrice.apiText)
        for field in ["sqty", "suomqty"] {
            if let value = try Fields.decimal(line[field], named(field)) { line[field] = .string(value.apiText) }
        }

        var amount = try Fields.money(line["amount"], named("amount"))
        var taxamt = try Fields.money(line["taxamt"], named("taxamt"))
        if amount == nil || taxamt == nil {
            // SQL computes what the client leaves out: qty × unitprice − disc, then tax at the code's rate.
            guard let gross = qty.timesRoundedToSen(unitPrice) else {
                throw APIError.badRequest("\(named("qty")) × unitprice is too large")
            }
            var discount = Money.zero
            switch line["disc"] {
            case .string(let text)?:
                guard let value = DiscountExpression.discount(text, on: gross) else {
                    throw APIError.badRequest("\(named("disc")) '\(text)' is not a discount such as 10, 5% or 5%+3")
                }
                discount = value
            case .number(let text)?:
                guard let value = Money(parsing: text) else {
                    throw APIError.badRequest("\(named("disc")) '\(text)' is not a valid amount")
                }
                discount = value
            case nil, .null?: break
            case let other?: throw APIError.badRequest("\(named("disc")) must be a string, not \(other.typeName)")
            }
            let net = gross - discount
            if taxInclusive {
                let tax = taxamt ?? taxRate.tax(containedIn: net)
                taxamt = tax
                amount = amount ?? (net - tax)
            } else {
                amount = amount ?? net
                taxamt = taxamt ?? taxRate.tax(onExclusive: amount!)
            }
        }
        line["amount"] = .string(amount!.description)
        line["taxamt"] = .string(taxamt!.description)
        for field in ["localamount", "localtaxamt", "taxableamt", "amountwithtax"] {
            if let value = try Fields.money(line[field], named(field)) { line[field] = .string(value.description) }
        }
        try ColumnLengths.check(line, FieldLimits.invoiceLine, context: context)
        try EInvoiceRules.checkClassification(line, number: number)
        for (index, serial) in (line["sdsserialnumber"]?.arrayValue ?? []).enumerated() {
            if let text = serial.objectValue?["serialnumber"]?.stringValue {
                try ColumnLengths.check(text, FieldLimits.serialNumber, context: " (sdsdocdetail line \(number) sdsserialnumber \(index + 1))")
            }
        }
        return line
    }

    // MARK: Customer payment and customer refund

    /// The master fields a customer payment (`AR_PM`) takes: docs/sqlaccount-api.md §10 (`docref2…4` inferred from
    /// its `docref1..`), the bill-to snapshot the sandbox fills in, and what it returns (`dockey`, `updatecount`,
    /// `lastmodified`, `unappliedamt`), so a receipt fetched and sent back is accepted. `udf_…` user-defined fields
    /// pass (§4). The real API's answer to an unknown field is not documented; the sandbox refuses it, so a
    /// misspelt field (`payments.or_number_field`, say) is caught here instead of being silently dropped. A customer
    /// refund (`AR_CF`) is the same AR document with the money going out, so it takes the same fields (inferred).
    static let paymentFields: Set<String> = [
        "dockey", "docno", "code", "companyname", "address1", "address2", "address3", "address4",
        "docdate", "postdate", "taxdate", "description", "paymentmethod", "journal", "chequenumber",
        "docamt", "localdocamt", "bankcharge", "bankchargeaccount", "currencycode", "currencyrate",
        "project", "paymentproject", "agent", "area", "unappliedamt", "nonrefundable", "cancelled", "changed",
        "bankacc", "status", "updatecount", "lastmodified", "bounceddate", "fromdoctype", "fromdockey",
        "docref1", "docref2", "docref3", "docref4",
    ]
    /// The detail arrays a customer payment or refund takes.
    static let paymentDetails: Set<String> = ["sdsknockoff", "sdsdocdetail"]

    /// Refuses a field a customer payment or refund does not have, naming the closest one it does.
    func checkPaymentFields(_ kind: SandboxDocumentKind, _ body: JSONObject) throws {
        let resource = "\(kind.rawValue) (\(kind.table))"
        for key in body.keys {
            if key.hasPrefix("sds") {
                guard Self.paymentDetails.contains(key) else {
                    throw APIError.badRequest("Unknown field '\(key)' for \(resource); its detail is sdsknockoff")
                }
                continue
            }
            guard Self.paymentFields.contains(key) || key.hasPrefix("udf_") else {
                var message = "Unknown field '\(key)' for \(resource)"
                if let guess = Suggest.closest(to: key, in: Self.paymentFields.sorted()) { message += "; did you mean '\(guess)'?" }
                throw APIError.badRequest(message)
            }
        }
    }

    /// Validates the payment-only master fields (payment method, accounts, amounts) of a payment or refund.
    func normalizePaymentMaster(_ kind: SandboxDocumentKind, _ master: inout JSONObject) throws -> Money {
        let method = try Fields.text(master["paymentmethod"], "paymentmethod")?.trimmingSpaces ?? ""
        guard !method.isEmpty else { throw APIError.badRequest("Payment method is required (paymentmethod)") }
        guard masters.paymentMethods.contains(method) else { throw APIError.noRecord("paymentmethod", method) }
        if let account = try Fields.text(master["bankchargeaccount"], "bankchargeaccount"), !account.isEmpty,
           !masters.accounts.contains(account) {
            throw APIError.noRecord("bankchargeaccount", account)
        }
        if let charge = try Fields.money(master["bankcharge"], "bankcharge") { master["bankcharge"] = .string(charge.description) }
        guard let docamt = try Fields.money(master["docamt"], "docamt") else {
            throw APIError.badRequest("docamt is required for a \(kind.title)")
        }
        guard !docamt.isNegative else { throw APIError.badRequest("docamt \(docamt) must not be negative") }
        master["docamt"] = .string(docamt.description)
        return docamt
    }

    // MARK: Knock-off

    /// What a document's knock-off rows apply: target → amount.
    typealias Contributions = [KnockoffTarget: Money]

    /// Checks each knock-off row of a `kind` document against the stored documents it names, and returns the
    /// normalised rows and what they apply.
    ///
    /// `available(target)` is the target's outstanding (invoice) or unapplied amount (credit note, payment) not
    /// counting this document's own earlier knock-offs (so an update can re-apply them).
    func normalizeKnockoffs(_ rows: [JSONValue], of kind: SandboxDocumentKind, customer: String, docamt: Money,
                            cancelled: Bool, books: [SandboxDocumentKind: DocumentBook],
                            available: (KnockoffTarget) -> Money) throws -> ([JSONObject], Contributions) {
        var normalized: [JSONObject] = []
        var contributions: Contributions = [:]
        var order: [KnockoffTarget] = []
        let targets = kind.knockoffTargets
        for (index, value) in rows.enumerated() {
            let number = index + 1
            let context = " (sdsknockoff line \(number))"
            guard var row = value.objectValue else {
                throw APIError.badRequest("sdsknockoff line \(number) must be an object, not \(value.typeName)")
            }
            var doctype = (try Fields.text(row["doctype"], "sdsknockoff line \(number) doctype") ?? "").trimmingSpaces.uppercased()
            if doctype.isEmpty {
                // One kind of target: the row can only mean it. Two (a refund's CN and PM): guessing would apply
                // the money to the wrong book.
                guard targets.count == 1 else {
                    throw APIError.badRequest("sdsknockoff line \(number) doctype is required (\(targets.map(\.knockoffDocType).joined(separator: " or ")))")
                }
                doctype = targets[0].knockoffDocType
            }
            guard let targetKind = targets.first(where: { $0.knockoffDocType == doctype }) else {
                throw APIError.noRecord("doctype", doctype, context + "; " + kind.knockoffScope)
            }
            let book = books[targetKind] ?? DocumentBook()
            let docno = try Fields.text(row["docno"], "sdsknockoff line \(number) docno") ?? ""
            let refdockey = try Fields.int(row["refdockey"], "sdsknockoff line \(number) refdockey")
            let dockey: Int
            if !docno.isEmpty {
                guard let found = book.dockey(docno: docno) else { throw APIError.noRecord(doctype, docno, context) }
                if let refdockey, refdockey > 0, refdockey != found {
                    throw APIError.badRequest("refdockey \(refdockey) is not the dockey of \(docno) (\(found))\(context)")
                }
                dockey = found
            } else if let refdockey, book.records[refdockey] != nil {
                dockey = refdockey
            } else {
                throw APIError.noRecord(doctype, refdockey.map(String.init) ?? "", context)
            }
            guard let target = book.records[dockey] else { throw APIError.noRecord(doctype, docno, context) }
            let targetNo = target["docno"]?.stringValue ?? docno
            let targetCustomer = target["code"]?.stringValue ?? ""
            guard targetCustomer == customer else {
                throw APIError.badRequest("\(targetNo) belongs to customer \(targetCustomer), not \(customer)\(context)")
            }
            let koamt = try Fields.money(row["koamt"], "sdsknockoff line \(number) koamt") ?? .zero
            guard !koamt.isNegative else { throw APIError.badRequest("koamt \(koamt) must not be negative\(context)") }
            let knockoff = try Fields.bool(row["knockoff"], "sdsknockoff line \(number) knockoff") ?? (koamt.minorUnits > 0)
            let applies = knockoff && koamt.minorUnits > 0 && !cancelled
            // Only a row that applies money needs a live target: a cancelled document keeps its rows as they were,
            // and must stay editable after what they named was cancelled too.
            if applies, target["cancelled"]?.boolValue == true {
                throw APIError.badRequest("\(targetNo) is cancelled and cannot be knocked off\(context)")
            }
            row["doctype"] = .string(doctype)
            row["docno"] = .string(targetNo)
            row["refdockey"] = .int(dockey)
            row["koamt"] = .string(koamt.description)
            row["knockoff"] = .bool(knockoff)
            normalized.append(row)
            if applies {
                let key = KnockoffTarget(kind: targetKind, dockey: dockey)
                if contributions[key] == nil { order.append(key) }
                guard let sum = (contributions[key] ?? .zero).adding(koamt) else {
                    throw APIError.badRequest("The knock-off total for \(targetNo) is larger than \(Money.largest)\(context)")
                }
                contributions[key] = sum
            }
        }
        var total = Money.zero
        for key in order {
            let applied = contributions[key]!
            let left = available(key)
            if applied > left {
                let docno = books[key.kind]?.records[key.dockey]?["docno"]?.stringValue ?? String(key.dockey)
                throw APIError.badRequest("koamt \(applied) for \(docno) exceeds its \(key.kind.balanceName) \(left)")
            }
            // Each is at most its target's balance, itself at most `Money.largest`, but there may be many.
            guard let sum = total.adding(applied) else {
                throw APIError.badRequest("The knock-off total is larger than \(Money.largest)")
            }
            total = sum
        }
        if total > docamt {
            throw APIError.badRequest("The knock-off total \(total) exceeds the \(kind.amountName) (docamt) \(docamt)")
        }
        return (normalized, contributions)
    }

    /// The knock-offs a stored document applies (none when it is cancelled, or of a kind that knocks off nothing).
    /// Rows that do not read back (a hand-edited state file) apply nothing rather than stop the sandbox.
    static func contributions(of kind: SandboxDocumentKind, _ record: JSONObject) -> Contributions {
        guard !kind.knockoffTargets.isEmpty, record["cancelled"]?.boolValue != true else { return [:] }
        var result: Contributions = [:]
        for row in record["sdsknockoff"]?.arrayValue ?? [] {
            guard let row = row.objectValue, row["knockoff"]?.boolValue == true,
                  let targetKind = kind.knockoffTargets.first(where: { $0.knockoffDocType == row["doctype"]?.stringValue }),
                  case .number(let keyText)? = row["refdockey"], let dockey = Int(keyText),
                  let text = row["koamt"]?.stringValue, let amount = Money(parsing: text) else { continue }
            let key = KnockoffTarget(kind: targetKind, dockey: dockey)
            result[key] = (result[key] ?? .zero).adding(amount) ?? .largest
        }
        return result
    }
}
