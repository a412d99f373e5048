import LedgerCore
import RulePack

/// What `einvoice:` adds to a document: the submission type, and on an individual e-invoice the buyer's checked
/// identifiers, name and bill-to address.
struct EInvoiceDecision {
    var header: InvoiceContent.EInvoiceHeader
    /// The buyer's name, which an individual e-invoice the buyer asked for is issued in.
    var buyerName: String?
}

extension InvoiceBuilder {
    /// The submission type of the sold order and why: the platform's own e-invoice, then the buyer's request, then the
    /// pack's customer, store, channel and default.
    static func submission(of sold: Order, customer: String, settings: EInvoiceSettings) -> (EInvoiceSettings.Submission, Origin, buyerAsked: Bool) {
        if sold.einvoiceIssuedByPlatform {
            return (.none, Origin("order flags.einvoice_issued_by_platform: the platform issued this order's e-invoice", at: nil), false)
        }
        if sold.buyer.einvoice?.requested == true {
            return (.einvoice, Origin("order buyer.einvoice.requested: the buyer asked for an e-invoice", at: nil), true)
        }
        let traced = settings.submission(channel: sold.channel.rawValue, store: sold.store, customer: customer)
        return (traced.value, traced.origin, false)
    }

    /// The e-invoice members for a document billed to `customer`, or nil (with errors at the buyer's fields) when an
    /// individual e-invoice's buyer cannot be identified, so the document is never sent for MyInvois to refuse.
    func einvoiceDecision(_ settings: EInvoiceSettings, customer: String) -> EInvoiceDecision? {
        let sold = creditNote?.original ?? order
        let (submission, why, buyerAsked) = Self.submission(of: sold, customer: customer, settings: settings)
        guard let code = settings.submissionCodes[submission] else { return nil }
        let fields = settings.fields
        record(fields.submissionType.value, "\(code) (\(submission.rawValue))", why)
        var header = InvoiceContent.EInvoiceHeader(submission: .init(key: fields.submissionType.value, value: code), tin: nil, idType: nil, texts: [])
        guard submission == .einvoice else { return EInvoiceDecision(header: header, buyerName: nil) }

        // A customer set to e-invoice (a B2B account) without the buyer's IDs on the order: SQL Account takes them
        // from the customer master. IDs on the order, or a buyer's own request, are checked and sent.
        let identifiers = sold.buyer.einvoice
        let given = identifiers.map { $0.tin != nil || $0.idType != nil || $0.idValue != nil } ?? false
        guard buyerAsked || given else { return EInvoiceDecision(header: header, buyerName: nil) }
        var problems: [EInvoiceIdentity.Problem] = []
        var resolved: EInvoiceIdentity.Resolved?
        switch EInvoiceIdentity.resolve(identifiers ?? BuyerEInvoice(requested: true)) {
        case .valid(let identity): resolved = identity
        case .invalid(let found): problems = found
        }
        let address = sold.buyer.address
        func missing(_ value: String?) -> Bool { (value?.trimmingCharacters(in: .whitespaces) ?? "").isEmpty }
        if buyerAsked {
            if missing(sold.buyer.name) {
                problems.append(.init("buyer.name", "an individual e-invoice is issued in the buyer's name; the order has none"))
            }
            for (field, value) in [("line1", address?.line1), ("city", address?.city), ("state", address?.state)] where missing(value) {
                problems.append(.init("buyer.address.\(field)", "MyInvois needs the buyer's address (line1, city, state) on an individual e-invoice; the order has no \(field)"))
            }
        }
        if let resolved, let idType = resolved.idType, settings.idTypeCodes[idType] == nil {
            problems.append(.init("buyer.einvoice.id_type", "einvoice.id_types has no code for \(idType.rawValue); add SQL Account's code for it"))
        }
        guard problems.isEmpty, let resolved else {
            for problem in problems {
                fail("\(problem.message); fix the order (or its export) and re-run — nothing was sent", problem.field, code: "einvoice-buyer")
            }
            return nil
        }
        header.tin = InvoiceContent.NamedText(key: fields.tin.value, value: resolved.tin)
        record(fields.tin.value, resolved.tin, missing(identifiers?.tin)
               ? Origin("MyInvois's general TIN for a buyer with no TIN of their own", at: nil) : orderField("buyer.einvoice.tin"))
        if let idType = resolved.idType, let idCode = settings.idTypeCodes[idType] {
            header.idType = InvoiceContent.NamedInt(key: fields.idType.value, value: idCode)
            record(fields.idType.value, "\(idCode) (\(idType.rawValue))", Origin("order buyer.einvoice.id_type as einvoice.id_types.\(idType.rawValue)", at: source))
        }
        if !resolved.idValue.isEmpty {
            header.texts.append(.init(key: fields.idValue.value, value: resolved.idValue))
            record(fields.idValue.value, resolved.idValue, orderField("buyer.einvoice.id_value"))
        }
        if let sst = resolved.sstNumber {
            header.texts.append(.init(key: fields.sstNumber.value, value: sst))
            record(fields.sstNumber.value, sst, orderField("buyer.einvoice.sst_number"))
        }
        if buyerAsked, let address {
            let parts: [(String, String?, String)] = [("address1", address.line1, "line1"), ("address2", address.line2, "line2"),
                                                      ("postcode", address.postcode, "postcode"), ("city", address.city, "city"),
                                                      ("state", address.state, "state"), ("country", address.country, "country")]
            for (key, value, path) in parts {
                guard let value, !missing(value) else { continue }
                header.texts.append(.init(key: key, value: fitted(key, FieldLimits.invoiceHeader(key), text(value), orderField("buyer.address.\(path)"))))
            }
        }
        if buyerAsked, let phone = sold.buyer.phone, !missing(phone) {
            header.texts.append(.init(key: "phone1", value: fitted("phone1", FieldLimits.invoiceHeader("phone1"), phone, orderField("buyer.phone"))))
        }
        return EInvoiceDecision(header: header, buyerName: buyerAsked ? sold.buyer.name : nil)
    }
}
