import LedgerCore
import LedgerJSON

/// The document resources the sandbox stores (keyed by integer `dockey`).
public enum SandboxDocumentKind: String, CaseIterable, Sendable {
    case salesInvoice = "salesinvoice"
    case customerPayment = "customerpayment"

    /// The SQL document type, also the auto-number prefix (`IV-00001`, `OR-00001`).
    public var docType: String { self == .salesInvoice ? "IV" : "OR" }

    /// The Firebird table, used in the duplicate-docno message.
    var table: String { self == .salesInvoice ? "SL_IV" : "AR_PM" }

    /// `IV-%.5d` / `OR-%.5d`, SQL's default Maintain Document Number formats.
    func autoNumber(_ number: Int) -> String {
        let digits = String(number)
        return docType + "-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
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

    // MARK: Master fields shared by invoices and payments

    /// Validates and normalises the master fields in place; returns the customer code.
    func normalizeMaster(_ kind: SandboxDocumentKind, _ master: inout JSONObject) throws -> String {
        guard let code = try Fields.text(master["code"], "code")?.trimmingSpaces, !code.isEmpty else {
            throw APIError.badRequest("Customer code is required (code)")
        }
        guard let customer = masters.customers[code] else {
            throw APIError.badRequest("Customer \(code) not found")
        }
        master["code"] = .string(code)
        if (try Fields.text(master["companyname"], "companyname") ?? "").isEmpty {
            master["companyname"] = .string(customer.companyName)
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
        if kind == .salesInvoice {
            try checkReference(master, "terms", in: masters.terms)
        } else {
            try checkReference(master, "paymentproject", in: masters.projects)
        }

        let currency = try Fields.text(master["currencycode"], "currencycode") ?? ""
        if currency.isEmpty {
            master["currencycode"] = .string(customer.currency)
        } else {
            guard Masters.isNone(currency) || masters.currencies[currency] != nil else {
                throw APIError.noRecord("currencycode", currency)
            }
            let normalizedCurrency = Masters.isNone(currency) ? "----" : currency
            let customerCurrency = Masters.isNone(customer.currency) ? "----" : customer.currency
            guard normalizedCurrency == customerCurrency else {
                throw APIError.badRequest("currencycode '\(currency)' does not match customer \(code)'s currency '\(customer.currency)'")
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
        try ColumnLengths.check(master, kind == .salesInvoice ? FieldLimits.invoiceHeader : FieldLimits.paymentHeader)
        return code
    }

    /// A reference that must be blank, `----`, or a seeded code.
    func checkReference(_ object: JSONObject, _ field: String, in codes: Set<String>, context: String = "") throws {
        guard let value = try Fields.text(object[field], field), !Masters.isNone(value) else { return }
        guard codes.contains(value) else { throw APIError.noRecord(field, value, context) }
    }

    // MARK: Sales invoice

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
            total += amount + taxamt
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
        for (index, serial) in (line["sdsserialnumber"]?.arrayValue ?? []).enumerated() {
            if let text = serial.objectValue?["serialnumber"]?.stringValue {
                try ColumnLengths.check(text, FieldLimits.serialNumber, context: " (sdsdocdetail line \(number) sdsserialnumber \(index + 1))")
            }
        }
        return line
    }

    // MARK: Customer payment

    /// What a payment's knock-off rows do to invoices: invoice dockey → amount applied.
    typealias Contributions = [Int: Money]

    /// The master fields a customer payment (`AR_PM`) takes: docs/sqlaccount-api.md §10 (`docref2…4` inferred from
    /// its `docref1..`), the bill-to snapshot the sandbox fills in, and what it returns (`dockey`, `updatecount`,
    /// `lastmodified`, `unappliedamt`), so a receipt fetched and sent back is accepted. `udf_…` user-defined fields
    /// pass (§4). The real API's answer to an unknown field is not documented; the sandbox refuses it, so a
    /// misspelt field (`payments.or_number_field`, say) is caught here instead of being silently dropped.
    static let paymentFields: Set<String> = [
        "dockey", "docno", "code", "companyname", "address1", "address2", "address3", "address4",
        "docdate", "postdate", "taxdate", "description", "paymentmethod", "journal", "chequenumber",
        "docamt", "localdocamt", "bankcharge", "bankchargeaccount", "currencycode", "currencyrate",
        "project", "paymentproject", "agent", "area", "unappliedamt", "nonrefundable", "cancelled", "changed",
        "bankacc", "status", "updatecount", "lastmodified", "bounceddate", "fromdoctype", "fromdockey",
        "docref1", "docref2", "docref3", "docref4",
    ]
    /// The detail arrays a customer payment takes.
    static let paymentDetails: Set<String> = ["sdsknockoff", "sdsdocdetail"]

    /// Refuses a field a customer payment does not have, naming the closest one it does.
    func checkPaymentFields(_ body: JSONObject) throws {
        for key in body.keys {
            if key.hasPrefix("sds") {
                guard Self.paymentDetails.contains(key) else {
                    throw APIError.badRequest("Unknown field '\(key)' for customerpayment (AR_PM); its detail is sdsknockoff")
                }
                continue
            }
            guard Self.paymentFields.contains(key) || key.hasPrefix("udf_") else {
                var message = "Unknown field '\(key)' for customerpayment (AR_PM)"
                if let guess = Suggest.closest(to: key, in: Self.paymentFields.sorted()) { message += "; did you mean '\(guess)'?" }
                throw APIError.badRequest(message)
            }
        }
    }

    /// Validates the payment-only master fields (payment method, accounts, amounts).
    func normalizePaymentMaster(_ master: inout JSONObject) throws -> Money {
        let method = try Fields.text(master["paymentmethod"], "paymentmethod")?.trimmingSpaces ?? ""
        guard !method.isEmpty else { throw APIError.badRequest("Payment method is required (paymentmethod)") }
        guard masters.paymentMethods.contains(method) else { throw APIError.noRecord("paymentmethod", method) }
        if let account = try Fields.text(master["bankchargeaccount"], "bankchargeaccount"), !account.isEmpty,
           !masters.accounts.contains(account) {
            throw APIError.noRecord("bankchargeaccount", account)
        }
        if let charge = try Fields.money(master["bankcharge"], "bankcharge") { master["bankcharge"] = .string(charge.description) }
        guard let docamt = try Fields.money(master["docamt"], "docamt") else {
            throw APIError.badRequest("docamt is required for a customer payment")
        }
        guard !docamt.isNegative else { throw APIError.badRequest("docamt \(docamt) must not be negative") }
        master["docamt"] = .string(docamt.description)
        return docamt
    }

    /// Checks each knock-off row against the stored invoices and returns the normalised rows and what they apply.
    ///
    /// `outstanding(dockey)` is an invoice's outstanding amount not counting this payment's own earlier
    /// knock-offs (so an update can re-apply them).
    func normalizeKnockoffs(_ rows: [JSONValue], customer: String, docamt: Money, paymentCancelled: Bool,
                            invoices: DocumentBook, outstanding: (Int) -> Money) throws -> ([JSONObject], Contributions) {
        var normalized: [JSONObject] = []
        var contributions: Contributions = [:]
        var order: [Int] = []
        for (index, value) in rows.enumerated() {
            let number = index + 1
            let context = " (sdsknockoff line \(number))"
            guard var row = value.objectValue else {
                throw APIError.badRequest("sdsknockoff line \(number) must be an object, not \(value.typeName)")
            }
            let doctype = (try Fields.text(row["doctype"], "sdsknockoff line \(number) doctype") ?? "IV").uppercased()
            guard doctype == "IV" else {
                throw APIError.noRecord("doctype", doctype, context + "; the sandbox knocks off sales invoices (IV) only")
            }
            let docno = try Fields.text(row["docno"], "sdsknockoff line \(number) docno") ?? ""
            let refdockey = try Fields.int(row["refdockey"], "sdsknockoff line \(number) refdockey")
            var target: Int?
            if !docno.isEmpty {
                target = invoices.docnoIndex[docno]
                guard let found = target else { throw APIError.noRecord("IV", docno, context) }
                if let refdockey, refdockey > 0, refdockey != found {
                    throw APIError.badRequest("refdockey \(refdockey) is not the dockey of \(docno) (\(found))\(context)")
                }
            } else if let refdockey, invoices.records[refdockey] != nil {
                target = refdockey
            } else {
                throw APIError.noRecord("IV", refdockey.map(String.init) ?? "", context)
            }
            let dockey = target!
            let invoice = invoices.records[dockey]!
            let invoiceNo = invoice["docno"]?.stringValue ?? docno
            let invoiceCustomer = invoice["code"]?.stringValue ?? ""
            guard invoiceCustomer == customer else {
                throw APIError.badRequest("\(invoiceNo) belongs to customer \(invoiceCustomer), not \(customer)\(context)")
            }
            guard invoice["cancelled"]?.boolValue != true else {
                throw APIError.badRequest("\(invoiceNo) is cancelled and cannot be knocked off\(context)")
            }
            let koamt = try Fields.money(row["koamt"], "sdsknockoff line \(number) koamt") ?? .zero
            guard !koamt.isNegative else { throw APIError.badRequest("koamt \(koamt) must not be negative\(context)") }
            let knockoff = try Fields.bool(row["knockoff"], "sdsknockoff line \(number) knockoff") ?? (koamt.minorUnits > 0)
            row["doctype"] = .string(doctype)
            row["docno"] = .string(invoiceNo)
            row["refdockey"] = .int(dockey)
            row["koamt"] = .string(koamt.description)
            row["knockoff"] = .bool(knockoff)
            normalized.append(row)
            if knockoff, koamt.minorUnits > 0, !paymentCancelled {
                if contributions[dockey] == nil { order.append(dockey) }
                contributions[dockey, default: .zero] += koamt
            }
        }
        for dockey in order {
            let applied = contributions[dockey]!
            let available = outstanding(dockey)
            if applied > available {
                let docno = invoices.records[dockey]?["docno"]?.stringValue ?? String(dockey)
                throw APIError.badRequest("koamt \(applied) for \(docno) exceeds its outstanding \(available)")
            }
        }
        let total = contributions.values.reduce(Money.zero, +)
        if total > docamt {
            throw APIError.badRequest("The knock-off total \(total) exceeds the payment amount (docamt) \(docamt)")
        }
        return (normalized, contributions)
    }

    /// The knock-offs a stored payment applies (none when it is cancelled).
    static func contributions(ofPayment record: JSONObject) -> Contributions {
        guard record["cancelled"]?.boolValue != true else { return [:] }
        var result: Contributions = [:]
        for row in record["sdsknockoff"]?.arrayValue ?? [] {
            guard let row = row.objectValue, row["knockoff"]?.boolValue == true,
                  case .number(let keyText)? = row["refdockey"], let dockey = Int(keyText),
                  let text = row["koamt"]?.stringValue, let amount = Money(parsing: text) else { continue }
            result[dockey, default: .zero] += amount
        }
        return result
    }
}
