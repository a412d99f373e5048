import Expressions
import Foundation
import LedgerCore
import LedgerJSON
import RulePack

/// Per-run settings that are not part of the pack.
public struct TransformOptions: Sendable {
    /// The "sync date" used by `issue_date: sync`.
    public var asOf: CalendarDate
    /// Record which setting decided every field (for `explain`); costs time, so off for bulk runs.
    public var recordProvenance: Bool

    public init(asOf: CalendarDate, recordProvenance: Bool = false) {
        self.asOf = asOf
        self.recordProvenance = recordProvenance
    }
}

/// State carried from one order to the next within a run: custom invoice numbers and the
/// document numbers already handed out (two orders must never share one).
public struct TransformSession: Sendable {
    /// The next custom invoice number per rendered prefix. Seed it from the state store so a later run
    /// continues the sequence instead of starting again at `invoice_number.start`.
    public var nextCustomNumber: [String: Int] = [:]
    var issuedDocumentNumbers = IssuedNumbers()
    /// Custom invoice numbers already given to orders (order id → number), reused so an order transformed
    /// again keeps its number.
    public var assignedCustomNumbers: [String: String] = [:]
    /// The next custom credit note number per rendered prefix (`returns.credit_note_number`).
    public var nextCreditNoteNumber: [String: Int] = [:]
    /// Custom credit note numbers already given to returns ("order id|return id" → number).
    public var assignedCreditNoteNumbers: [String: String] = [:]
    /// Why an order of an unknown store is excluded, by store: the "did you mean" search is worked out once per store.
    var unknownStoreReasons: [String: String] = [:]
    public init() {}
}

extension TransformGraph {
    /// Turns one order into exactly one outcome. Never throws: problems become the outcome.
    public func run(_ order: consuming Order, source: SourceLocation? = nil, options: TransformOptions, session: inout TransformSession) -> OrderOutcome {
        guard let plan = stores[order.store] else {
            if let reason = session.unknownStoreReasons[order.store] { return .excluded(order.id, reason, source: source) }
            let known = storeIDs
            var reason = "store '\(order.store)' is not in profile.stores"
            if let guess = Suggest.closest(to: order.store, in: known) { reason += " (did you mean '\(guess)'?)" }
            if session.unknownStoreReasons.count < 1_000 { session.unknownStoreReasons[order.store] = reason }
            return .excluded(order.id, reason, source: source)
        }
        // Moved into the builder first and read there: the gates below, run on the parameter, copied the whole order.
        let builder = InvoiceBuilder(graph: self, plan: plan, order: consume order, source: source, options: options)
        return builder.refusal() ?? builder.build(session: &session)
    }
}

extension InvoiceBuilder {
    /// Why the order gets no invoice before any of it is built: the integration is off, its channel is not its
    /// store's, or its store's settings leave it out.
    func refusal() -> OrderOutcome? {
        if !graph.integrationEnabled.value {
            return .excluded(order.id, "the integration is disabled (profile.enabled: false at \(graph.integrationEnabled.origin.location?.fileAndLine ?? "pack"))", source: source)
        }
        if order.channel != plan.store.channel {
            let error = Diagnostic.error("order \(order.id) says channel '\(order.channel.rawValue)' but store '\(order.store)' is a \(plan.store.channel.rawValue) store in profile.stores; fix the order's channel or the store's", at: source, keyPath: "channel", code: "channel-mismatch")
            return .failed(order.id, [error], source: source)
        }
        if order.channel == .tiktok && order.isSample && settings.excludeTikTokSamples.value {
            return .excluded(order.id, "TikTok sample order (exclude_tiktok_samples at \(settings.excludeTikTokSamples.origin.location?.fileAndLine ?? "built-in default"))", source: source)
        }
        if plan.syncedStatusBits & order.status.bit == 0 {
            return .excluded(order.id, "status '\(order.status.rawValue)' is not in sync_statuses", source: source)
        }
        if order.isFullyReturned {
            return .excluded(order.id, "every unit was returned (returns[]): an order returned before its invoice was sent gets no invoice and no credit note", source: source)
        }
        return nil
    }
}

/// Header values as the store's settings give them, then changed by order rules.
struct HeaderValues {
    var customer: Traced<String>
    var agent, terms, project, area, description, companyName, location, account: Traced<String>
    var taxCode: Traced<String>
    var taxRate: Traced<Rate>
    /// `description` and `companyName` split into text and placeholders (when the pack was compiled).
    var descriptionTemplate, companyNameTemplate: OrderTemplate
}

/// How conditional rules read an order (given to `value`, not held: holding it would copy it for every rule run).
struct RuleContext {
    let utcOffsetSeconds: Int
    /// Whether the order's prices include tax (the order's own say, else the pack's): `order.buyer_paid` then
    /// counts the tax charged on top of prices that exclude it.
    var pricesIncludeTax = true

    /// The value of rule variable `index` for this order (and line, for line rules).
    func value(_ index: Int, of order: Order, line: OrderLine?) -> ExprValue {
        guard let variable = RuleVariable.at(index) else { return .missing }
        // Built from sign, exponent and significand: Decimal division is slow on Linux.
        func money(_ m: Money) -> ExprValue {
            .number(Decimal(sign: m.minorUnits < 0 ? .minus : .plus, exponent: -2, significand: Decimal(m.minorUnits.magnitude)))
        }
        func date(_ t: Timestamp?) -> ExprValue {
            guard let t else { return .missing }
            return .date(t.localDate(utcOffsetSeconds: utcOffsetSeconds).daysSinceEpoch)
        }
        func optional(_ s: String?) -> ExprValue { s.map { .string($0) } ?? .missing }
        switch variable {
        case .orderID: return .string(order.id)
        case .orderNumber: return .string(order.orderNumber)
        case .channel: return .string(order.channel.rawValue)
        case .store: return .string(order.store)
        case .status: return .string(order.status.rawValue)
        case .currency: return .string(order.currency)
        case .revenue: return money(order.sellerRevenue)
        case .buyerPaid: return money(order.buyerPaid ?? order.computedBuyerPaid(pricesIncludeTax: order.pricesIncludeTax ?? pricesIncludeTax))
        case .lineCount: return .number(Decimal(order.lines.count))
        case .shippingFee: return money(order.shipping.fee)
        case .sellerVoucher: return money(order.vouchers.seller)
        case .platformVoucher: return money(order.vouchers.platform)
        case .sample: return .bool(order.isSample)
        case .cod: return .bool(order.isCOD)
        case .paymentMethod: return optional(order.paymentMethod)
        case .ordered: return date(order.dates.ordered)
        case .paid: return date(order.dates.paid)
        case .shipped: return date(order.dates.shipped)
        case .completed: return date(order.dates.completed)
        case .buyerName: return optional(order.buyer.name)
        case .buyerCountry: return optional(order.buyer.address?.country)
        case .buyerState: return optional(order.buyer.address?.state)
        case .skus: return .stringList(order.lines.map(\.sku))
        case .sku: return line.map { .string($0.sku) } ?? .missing
        case .lineName: return line.map { .string($0.name) } ?? .missing
        case .variation: return optional(line?.variation)
        case .qty: return line.map { .number(Decimal($0.qty)) } ?? .missing
        case .unitPrice: return line.map { money($0.unitPrice) } ?? .missing
        case .lineSellerDiscount: return line.map { money($0.sellerDiscount) } ?? .missing
        case .linePlatformDiscount: return line.map { money($0.platformDiscount) } ?? .missing
        case .lineRevenue: return line.map { money($0.sellerRevenue) } ?? .missing
        case .isBundle: return line.map { .bool(!$0.bundle.isEmpty) } ?? .missing
        case .serialCount: return line.map { .number(Decimal($0.serialNumbers.count)) } ?? .missing
        }
    }
}

/// The SQL Account columns the builder writes, taken from the shared table once rather than looked up for every
/// field of every order (the transform runs over hundreds of thousands of orders).
private enum HeaderColumn {
    static let docno = FieldLimits.invoiceHeader("docno"), docnoex = FieldLimits.invoiceHeader("docnoex")
    static let code = FieldLimits.invoiceHeader("code"), companyname = FieldLimits.invoiceHeader("companyname")
    static let agent = FieldLimits.invoiceHeader("agent"), terms = FieldLimits.invoiceHeader("terms")
    static let project = FieldLimits.invoiceHeader("project"), area = FieldLimits.invoiceHeader("area")
    static let currencycode = FieldLimits.invoiceHeader("currencycode"), description = FieldLimits.invoiceHeader("description")
    static let docref1 = FieldLimits.invoiceHeader("docref1")
}

private enum LineColumn {
    static let itemcode = FieldLimits.invoiceLine("itemcode"), location = FieldLimits.invoiceLine("location")
    static let project = FieldLimits.invoiceLine("project"), description = FieldLimits.invoiceLine("description")
    static let uom = FieldLimits.invoiceLine("uom"), tax = FieldLimits.invoiceLine("tax"), account = FieldLimits.invoiceLine("account")
}

/// One invoice line while it is being built. A class: the builder passes lines around and changes them in place, and
/// a struct of a dozen traced strings would be retained field by field on every copy.
final class WorkLine {
    let sourcePath: String
    var itemCode: Traced<String>
    var uom: Traced<String>
    var location: Traced<String>
    var project: Traced<String>
    var description: Traced<String>
    var account: Traced<String>
    var taxCode: Traced<String>
    var taxRate: Traced<Rate>
    var qty: Int
    var qtyOrigin: Origin
    /// Two decimals, or up to `unit_price_decimals` after a UOM conversion.
    var unitPrice: FixedDecimal
    var unitPriceOrigin: Origin
    var gross: Money
    var discount: Money
    var discountOrigin: Origin
    var serials: [String]
    /// Goods lines take a share of a spread voucher; shipping, voucher and kit component lines do not.
    let isGoods: Bool
    var taxAmount: Money = .zero
    var amount: Money = .zero
    let taxInclusive: Bool

    init(sourcePath: String, itemCode: Traced<String>, uom: Traced<String>, location: Traced<String>, project: Traced<String>,
         description: Traced<String>, account: Traced<String>, taxCode: Traced<String>, taxRate: Traced<Rate>, qty: Int,
         qtyOrigin: Origin, unitPrice: FixedDecimal, unitPriceOrigin: Origin, gross: Money, discount: Money, discountOrigin: Origin,
         serials: [String], isGoods: Bool, taxInclusive: Bool) {
        self.sourcePath = sourcePath
        self.itemCode = itemCode
        self.uom = uom
        self.location = location
        self.project = project
        self.description = description
        self.account = account
        self.taxCode = taxCode
        self.taxRate = taxRate
        self.qty = qty
        self.qtyOrigin = qtyOrigin
        self.unitPrice = unitPrice
        self.unitPriceOrigin = unitPriceOrigin
        self.gross = gross
        self.discount = discount
        self.discountOrigin = discountOrigin
        self.serials = serials
        self.isGoods = isGoods
        self.taxInclusive = taxInclusive
    }

    var net: Money { gross - discount }
    var isTaxed: Bool { !taxCode.value.isEmpty && !taxRate.value.isZero }
}

/// Builds one order's invoice, or one return's credit note. A class, made once per document: its helpers read the
/// order and settings while recording findings, and nothing of it is copied along the way.
final class InvoiceBuilder {
    let graph: TransformGraph
    let plan: StorePlan
    let order: Order
    let source: SourceLocation?
    let options: TransformOptions
    private(set) var warnings: [Diagnostic] = []
    private(set) var errors: [Diagnostic] = []
    /// Per payload field, in payload order; recorded only for `explain`.
    private var provenance: [FieldProvenance] = []
    /// Set when building a return's credit note: `order` is then the return as an order of its own, and rules read
    /// the original order.
    let creditNote: CreditNoteContext?
    /// What line rules read about the order, made once per order rather than once per line.

    init(graph: TransformGraph, plan: StorePlan, order: consuming Order, source: SourceLocation?, options: TransformOptions,
         creditNote: CreditNoteContext? = nil) {
        self.graph = graph
        self.plan = plan
        self.order = order
        self.source = source
        self.options = options
        self.creditNote = creditNote
    }

    /// Whether `condition` holds (for `line`) of the order conditional rules see: the sold order, also for a credit
    /// note, so its lines get the invoice's codes. Read in place rather than copied.
    func holds(_ condition: CompiledExpression, _ context: RuleContext, line: OrderLine?) -> Bool {
        if let creditNote { return condition.evaluate { context.value($0, of: creditNote.original, line: line) } }
        return condition.evaluate { context.value($0, of: order, line: line) }
    }

    /// Who a message is about.
    var subject: String { creditNote.map { "order \(order.id) return \($0.event.id)" } ?? "order \(order.id)" }

    var settings: ResolvedSettings { plan.settings }
    var buyerPaidBasis: Bool { settings.basis.value == "buyer_paid" }

    func warn(_ message: String, _ keyPath: String? = nil, code: String) {
        warnings.append(.warning("\(subject): \(message)", at: source, keyPath: keyPath, code: code))
    }

    func fail(_ message: String, _ keyPath: String? = nil, code: String) {
        errors.append(.error("\(subject): \(message)", at: source, keyPath: keyPath, code: code))
    }

    func orderField(_ path: String) -> Origin { Origin("order \(path)", at: source) }

    /// An origin that only provenance (`explain`) shows, worked out only when provenance is recorded: a bulk transform
    /// would otherwise build several strings per line that nothing reads.
    func provenanceOnly(_ origin: @autoclosure () -> Origin) -> Origin {
        options.recordProvenance ? origin() : Self.unrecordedOrigin
    }

    static let unrecordedOrigin = Origin("", at: nil)

    // MARK: build

    func build(session: inout TransformSession) -> OrderOutcome {
        guard var header = initialHeader() else {
            return .failed(order.id, errors, warnings: warnings, source: source)
        }
        if let exclusion = applyOrderRules(&header) {
            return .excluded(order.id, exclusion, warnings: warnings, source: source)
        }
        let inclusive = order.pricesIncludeTax ?? settings.pricesIncludeTax.value
        var lines = goodsLines(header: header, inclusive: inclusive)
        applyVouchers(&lines, header: header, inclusive: inclusive)
        if let creditNote {
            appendRefunds(&lines, creditNote, header: header, inclusive: inclusive)
        } else {
            appendShipping(&lines, header: header, inclusive: inclusive)
        }
        computeTax(&lines)

        var preTax = Money.zero, tax = Money.zero
        for index in lines.indices {
            preTax += lines[index].amount
            tax += lines[index].taxAmount
        }
        let docamt = preTax + tax
        let currency = resolveCurrency()
        let docno = creditNote.map { creditNoteNumber($0, session: &session) } ?? documentNumber(session: &session)
        let docdate = creditNote.map(creditNoteDate) ?? documentDate()
        let key = creditNote.map { creditNoteKey($0) } ?? plan.keyTemplate.render(order)
        guard errors.isEmpty, let currency, let docno else {
            return .failed(order.id, errors, warnings: warnings, source: source)
        }
        // Only a complete invoice can be checked; a failed order's partial lines would mislead.
        let tieOut = creditNote.map { checkCreditTieOut($0, docamt: docamt, preTax: preTax, inclusive: inclusive) }
            ?? checkTieOut(docamt: docamt, preTax: preTax, inclusive: inclusive)
        // Credit notes are numbered apart from invoices (SQL keeps them in another table).
        let numberKey = creditNote == nil ? docno.value : "CN|" + docno.value
        if !docno.value.isEmpty, let other = session.issuedDocumentNumbers.holder(of: numberKey) {
            if creditNote == nil {
                // With the store's suffix already on, only another numbering source tells the two apart.
                let fix = settings.storeSuffix.value == "always" || settings.invoiceSource.value == "custom"
                    ? "use invoice_number.source: sqlaccount (SQL Account numbers it) or custom" : "set invoice_number.store_suffix: always, or invoice_number.source: sqlaccount"
                fail("invoice number '\(docno.value)' is already used by \(other) in this run; \(fix)", "order_number", code: "duplicate-docno")
            } else {
                fail("credit note number '\(docno.value)' is already used by \(other) in this run; give returns.credit_note_number a {store} prefix, or source: sqlaccount", "returns", code: "duplicate-docno")
            }
            return .failed(order.id, errors, warnings: warnings, source: source)
        }

        let docnoText = fitted("docno", HeaderColumn.docno, text(docno.value), docno.origin)
        let docnoex = fitted("docnoex", HeaderColumn.docnoex, text(order.orderNumber), orderField("order_number"))
        let dateText = docdate.value.description
        record("docdate", dateText, docdate.origin)
        record("postdate", dateText, docdate.origin)
        record("taxdate", dateText, docdate.origin)
        let code = fitted("code", HeaderColumn.code, text(header.customer.value), header.customer.origin)
        let einvoice = graph.pack.einvoice.flatMap { einvoiceDecision($0, customer: header.customer.value) }
        let fittedCompanyName: String?
        if let buyerName = einvoice?.buyerName {
            fittedCompanyName = fitted("companyname", HeaderColumn.companyname, text(buyerName), Origin("order buyer.name: an individual e-invoice is in the buyer's name", at: source))
        } else {
            let companyName = header.companyNameTemplate.render(order)
            fittedCompanyName = companyName.isEmpty ? nil : fitted("companyname", HeaderColumn.companyname, text(companyName), header.companyName.origin)
        }
        let agent = fitted("agent", HeaderColumn.agent, text(header.agent.value), header.agent.origin)
        let terms = fitted("terms", HeaderColumn.terms, text(header.terms.value), header.terms.origin)
        let project = fitted("project", HeaderColumn.project, text(header.project.value), header.project.origin)
        let area = fitted("area", HeaderColumn.area, text(header.area.value), header.area.origin)
        let currencyCode = fitted("currencycode", HeaderColumn.currencycode, text(currency.code.value), currency.code.origin)
        record("currencyrate", currency.rate.value, currency.rate.origin)
        let description: String
        let docref1: String
        var invoiceReference: InvoiceContent.NamedText?
        if let creditNote {
            let template = creditNote.settings.description
            description = fitted("description", HeaderColumn.description, text(renderCreditNote(template.value, creditNote)), template.origin)
            docref1 = fitted("docref1", HeaderColumn.docref1, key, creditNote.settings.idempotencyKey.origin)
            // The refund's docref1 is the credit note's plus "-F": a key that only just fits would leave the refund
            // unable to be found again, so it fails here, before either is sent.
            if creditNote.settings.refund.value == .customerRefund, let limit = HeaderColumn.docref1?.maxLength,
               FieldLimits.length(key) <= limit, FieldLimits.length(key) + 2 > limit {
                fail("docref1 '\(key)' is \(FieldLimits.length(key)) characters, and its customer refund's ('\(key)-F') would be \(FieldLimits.length(key) + 2); SQL Account allows \(limit): shorten returns.idempotency_key, \(creditNote.settings.idempotencyKey.origin)", "docref1", code: "value-too-long")
            }
            let field = creditNote.settings.invoiceReferenceField
            if field.value != "none", let invoice = creditNote.invoiceDocno, !invoice.isEmpty {
                let value = fitted(field.value, FieldLimits.invoiceHeader(field.value), invoice, Origin("the credited invoice's number (\(field.origin.setting))", at: field.origin.location))
                invoiceReference = InvoiceContent.NamedText(key: field.value, value: value)
            }
        } else {
            description = fitted("description", HeaderColumn.description, text(header.descriptionTemplate.render(order)), header.description.origin)
            docref1 = fitted("docref1", HeaderColumn.docref1, key, settings.idempotencyKey.origin)
        }
        record("docamt", docamt.description, Origin("computed: Σ line amount + tax", at: nil))
        record("cancelled", "false", Origin(creditNote == nil ? "built-in: new invoices are not cancelled" : "built-in: new credit notes are not cancelled", at: nil))

        var contentLines: [InvoiceContent.Line] = []
        contentLines.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() { contentLines.append(contentLine(line, at: index)) }
        // A code too long for its column fails the order; its invoice number stays free for the next order.
        guard errors.isEmpty else {
            return .failed(order.id, errors, warnings: warnings, source: source)
        }
        if !docno.value.isEmpty {
            // A credit note's holder is named: its order's line alone would not say which return holds it.
            session.issuedDocumentNumbers.record(numberKey, holder: creditNote.map { "order \(order.id) return \($0.event.id)" } ?? "order \(order.id)",
                                                 at: creditNote == nil ? source : nil)
        }

        let content = InvoiceContent(docno: docnoText, docnoex: docnoex, date: dateText, code: code, companyName: fittedCompanyName,
                                     agent: agent, terms: terms, project: project, area: area, currencyCode: currencyCode,
                                     currencyRate: currency.rate.value, description: description, docref1: docref1,
                                     invoiceReference: invoiceReference, einvoice: einvoice?.header, docamt: docamt, lines: contentLines)
        let document = SalesInvoiceDocument(content: content, idempotencyKey: key, provenance: provenance, tieOut: tieOut)
        return OrderOutcome(orderID: order.id, kind: .document, document: document, reason: nil, warnings: warnings, errors: [], source: source)
    }

    /// One payload line of `line`, the `index`th, its text fitted to SQL Account's columns.
    func contentLine(_ line: WorkLine, at index: Int) -> InvoiceContent.Line {
        var prefix: String { "sdsdocdetail[\(index)]." }
        record(prefix + "seq", String(index + 1), Origin("computed: line order", at: nil))
        let itemCode = fitted(prefix + "itemcode", LineColumn.itemcode, text(line.itemCode.value), line.itemCode.origin)
        let location = fitted(prefix + "location", LineColumn.location, text(line.location.value), line.location.origin)
        let project = fitted(prefix + "project", LineColumn.project, text(line.project.value), line.project.origin)
        let fullDescription = text(line.description.value)
        let fullTextField = settings.cutDescriptionField.value
        let description = fitted(prefix + "description", LineColumn.description, fullDescription, line.description.origin,
                                 fate: fullTextField.map { "the full text is kept in \($0)" } ?? "the rest is dropped (cut_description_full_text: none)")
        var keptInFull: InvoiceContent.NamedText?
        if description != fullDescription, let fullTextField {
            keptInFull = InvoiceContent.NamedText(key: fullTextField, value: fullDescription)
            record(prefix + fullTextField, fullDescription, Origin("\(line.description.origin.setting) in full, as description was cut (\(settings.cutDescriptionField.origin.setting))", at: settings.cutDescriptionField.origin.location))
        }
        record(prefix + "qty", FixedDecimal(units: Int64(line.qty) * 100, scale: 2).description, line.qtyOrigin)
        let uom = fitted(prefix + "uom", LineColumn.uom, text(line.uom.value), line.uom.origin)
        record(prefix + "unitprice", line.unitPrice.description, line.unitPriceOrigin)
        record(prefix + "disc", line.discount.description, line.discountOrigin)
        let taxCode = fitted(prefix + "tax", LineColumn.tax, text(line.taxCode.value), line.taxCode.origin)
        record(prefix + "taxrate", line.taxCode.value.isEmpty ? "" : line.taxRate.value.description, line.taxRate.origin)
        record(prefix + "taxinclusive", line.taxInclusive ? "true" : "false", order.pricesIncludeTax != nil ? orderField("tax.prices_include_tax") : settings.pricesIncludeTax.origin)
        record(prefix + "taxamt", line.taxAmount.description, Origin(line.isTaxed ? (line.taxInclusive ? "computed: tax contained in the line, half-up" : "computed: tax on the line, half-up") + (settings.taxPerInvoice.value ? ", per_invoice rounding" : "") : "no tax code", at: nil))
        record(prefix + "amount", line.amount.description, Origin(line.taxInclusive && line.isTaxed ? "computed: qty × unit price − disc − tax" : "computed: qty × unit price − disc", at: nil))
        let account = fitted(prefix + "account", LineColumn.account, text(line.account.value), line.account.origin)
        var serials: [String] = []
        if !line.serials.isEmpty {
            let origin = orderField("\(line.sourcePath).serial_numbers")
            serials.reserveCapacity(line.serials.count)
            for (serialIndex, serial) in line.serials.enumerated() {
                serials.append(fit(text(serial), FieldLimits.serialNumber, path: "\(prefix)sdsserialnumber[\(serialIndex)].serialnumber", origin: origin).value)
            }
            record(prefix + "sdsserialnumber", "[\(serials.count) item\(serials.count == 1 ? "" : "s")]", origin)
        }
        var classification: InvoiceContent.NamedText?
        if let einvoice = graph.pack.einvoice {
            let code = einvoice.classification(itemCode: line.itemCode.value)
            classification = InvoiceContent.NamedText(key: einvoice.fields.classification.value, value: code)
            record(prefix + einvoice.fields.classification.value, code, einvoice.itemClassification[line.itemCode.value]?.origin ?? einvoice.defaultClassification.origin)
        }
        return InvoiceContent.Line(itemCode: itemCode, location: location, project: project, description: description,
                                                fullDescription: keptInFull, qty: line.qty, uom: uom, unitPrice: line.unitPrice,
                                                discount: line.discount, taxCode: taxCode, taxRate: line.taxCode.value.isEmpty ? nil : line.taxRate.value,
                                                taxInclusive: line.taxInclusive, taxAmount: line.taxAmount, amount: line.amount,
                                                account: account, serialNumbers: serials, classification: classification)
    }

    /// `value` as the pack's `uppercase` setting writes it.
    func text(_ value: String) -> String { settings.uppercase.value ? value.uppercased() : value }

    /// Records a field's provenance; the arguments are only worked out when `explain` asked for it.
    func record(_ path: @autoclosure () -> String, _ value: @autoclosure () -> String, _ origin: @autoclosure () -> Origin) {
        if options.recordProvenance { provenance.append(FieldProvenance(path: path(), value: value(), origin: origin())) }
    }

    /// A text field fitted to its SQL Account column, with its provenance.
    func fitted(_ path: @autoclosure () -> String, _ limit: FieldLimit?, _ value: String, _ origin: @autoclosure () -> Origin,
                         fate: @autoclosure () -> String = "the rest is dropped") -> String {
        let fitted = fit(value, limit, path: path(), origin: origin(), fate: fate())
        record(path(), fitted.value, fitted.origin(origin()))
        return fitted.value
    }

    /// What `fit` made of a value: the value as sent, and how far it was cut (nil when it fit).
    struct Fitted {
        var value: String
        var cut: (kept: Int, length: Int)?

        /// The origin provenance shows: `origin`, noting the cut.
        func origin(_ origin: Origin) -> Origin {
            guard let cut else { return origin }
            return Origin("\(origin.setting), cut to \(cut.kept) of \(cut.length) characters", at: origin.location)
        }
    }

    /// `value` as it fits its SQL Account column (`FieldLimits`): free text is cut, with a `text-truncated`
    /// warning; a code or key is never cut (a shorter code names a different record) but fails the order with
    /// `value-too-long`, naming where the value was set. `fate` tells what became of the text cut off.
    /// `path`, `origin` and `fate` are only worked out for a value that does not fit: this runs for every field of every
    /// order.
    func fit(_ value: String, _ limit: FieldLimit?, path: @autoclosure () -> String, origin: @autoclosure () -> Origin,
                      fate: @autoclosure () -> String = "the rest is dropped") -> Fitted {
        // UTF-8 bytes are never fewer than UTF-16 units, and counting them is free: most values stop here.
        guard let limit, value.utf8.count > limit.maxLength, let cut = FieldLimits.cut(value, to: limit.maxLength) else { return Fitted(value: value) }
        let length = FieldLimits.length(value)
        switch limit.kind {
        case .reference:
            fail("\(limit.field) '\(value)' is \(length) characters, SQL Account allows \(limit.maxLength); it is a code, and a shortened code would name a different record: shorten it where it is set, \(origin())", path(), code: "value-too-long")
            return Fitted(value: value)
        case .text:
            let kept = FieldLimits.length(cut.text)
            warn("\(limit.field) is \(length) characters, SQL Account allows \(limit.maxLength): cut \(cut.atWordBoundary ? "at a word boundary" : "between characters") to \(kept); \(fate())", path(), code: "text-truncated")
            return Fitted(value: cut.text, cut: (kept, length))
        }
    }

    // MARK: header

    func initialHeader() -> HeaderValues? {
        let customer: Traced<String>
        if let matched = plan.customer {
            customer = matched
        } else if let fallback = settings.customerCode {
            customer = fallback
        } else {
            fail("no customer code for store '\(order.store)'; add matching.customers.\(order.channel.rawValue) or defaults.customer_code", "store", code: "missing-customer")
            return nil
        }
        return HeaderValues(customer: customer, agent: settings.agent, terms: settings.terms, project: settings.project, area: settings.area,
                            description: settings.description, companyName: settings.companyName, location: settings.location,
                            account: settings.account, taxCode: settings.taxCode, taxRate: settings.taxRate,
                            descriptionTemplate: plan.descriptionTemplate, companyNameTemplate: plan.companyNameTemplate)
    }

    /// Runs `scope: order` rules in order; later rules override earlier ones. Returns an exclusion reason.
    func applyOrderRules(_ header: inout HeaderValues) -> String? {
        let context = RuleContext(utcOffsetSeconds: settings.utcOffsetSeconds.value, pricesIncludeTax: settings.pricesIncludeTax.value)
        for compiled in graph.orderRules {
            let rule = compiled.rule
            guard holds(rule.condition, context, line: nil) else { continue }
            if let exclude = rule.exclude {
                return "\(exclude.value) (rule '\(rule.name)' at \(exclude.origin.location?.fileAndLine ?? "pack"))"
            }
            for set in compiled.orderSets {
                let value = set.value
                switch set.field {
                case .customerCode: header.customer = value
                case .agent: header.agent = value
                case .terms: header.terms = value
                case .project: header.project = value
                case .area: header.area = value
                case .description:
                    header.description = value
                    header.descriptionTemplate = set.template
                case .companyName:
                    header.companyName = value
                    header.companyNameTemplate = set.template
                case .location: header.location = value
                case .account: header.account = value
                case .taxCode: header.taxCode = value
                case .taxRate:
                    if let rate = set.rate { header.taxRate = Traced(rate, value.origin) }
                default: break
                }
            }
            if rule.stop { break }
        }
        return nil
    }

    /// Fills a `{placeholder}` template from the order. The pack's own templates are split when it is compiled
    /// (`StorePlan`, `RuleSets`); this is for one made while building (a credit note's, after its own placeholders).
    func render(_ template: String) -> String {
        // A byte search: `contains("{")` goes through Foundation (NSString on Linux).
        guard template.utf8.contains(UInt8(ascii: "{")) else { return template }
        return OrderTemplate(template).render(order)
    }

    // MARK: lines

    func goodsLines(header: HeaderValues, inclusive: Bool) -> [WorkLine] {
        var lines: [WorkLine] = []
        lines.reserveCapacity(order.lines.count + 2)
        // Indexed and passed along borrowed: copying an order line retains each of its strings and arrays.
        for index in order.lines.indices {
            let path = creditNote?.linePaths[index] ?? "lines[\(index)]"
            guard let work = resolveLine(order.lines[index], path: path, header: header, inclusive: inclusive, isComponent: false) else { continue }
            if let creditNote {
                applyLineRules(work, line: creditNote.original.lines[creditNote.originalLines[index]])
            } else {
                applyLineRules(work, line: order.lines[index])
            }
            lines.append(work)
            if settings.showBundleItems.value && !order.lines[index].bundle.isEmpty {
                let kitQty = order.lines[index].qty
                for (componentIndex, component) in order.lines[index].bundle.enumerated() {
                    let componentLine = OrderLine(sku: component.sku, name: component.name, qty: component.qty * kitQty, unitPrice: .zero)
                    guard let componentWork = resolveLine(componentLine, path: "\(path).bundle[\(componentIndex)]", header: header, inclusive: inclusive, isComponent: true) else { continue }
                    let kit = Origin("kit component: qty × kit qty, zero-priced (show_bundle_items)", at: settings.showBundleItems.origin.location)
                    componentWork.qtyOrigin = kit
                    componentWork.unitPriceOrigin = kit
                    componentWork.discountOrigin = kit
                    applyLineRules(componentWork, line: componentLine)
                    lines.append(componentWork)
                }
            }
        }
        return lines
    }

    func resolveLine(_ line: OrderLine, path: String, header: HeaderValues, inclusive: Bool, isComponent: Bool) -> WorkLine? {
        let match = plan.items[line.sku]
        var itemCode: Traced<String>
        var uom: Traced<String>
        var taxCode = header.taxCode
        var taxRate = header.taxRate
        // An item the pack does not know is described with its SKU in front.
        var describedWithSKU = false
        if let match, let tax = match.tax {
            taxCode = Traced(tax.code, match.origin)
            taxRate = Traced(tax.rate, match.origin)
        }
        if let preset = plan.preset {
            let origin = plan.presetOrigin ?? preset.origin
            itemCode = Traced(preset.itemCode, origin)
            uom = Traced(preset.uom, origin)
            if let tax = preset.tax {
                taxCode = Traced(tax.code, origin)
                taxRate = Traced(tax.rate, origin)
            }
            describedWithSKU = match == nil
        } else if let match {
            itemCode = Traced(match.code, match.origin)
            uom = match.uom.map { Traced($0, match.origin) } ?? settings.uom
        } else {
            if settings.unmatchedIsError.value {
                fail("SKU '\(line.sku)' has no item matching and unmatched_items is error; add it to matching.items or the item sheet", "\(path).sku", code: "unmatched-sku")
                return nil
            }
            itemCode = plan.unmatchedItemCode
            uom = settings.uom
            describedWithSKU = true
            warn("SKU '\(line.sku)' has no item matching; invoiced as product code '\(settings.productCode.value)' with the SKU in the description", "\(path).sku", code: "unmatched-sku")
        }

        var qty = line.qty
        var qtyOrigin = provenanceOnly(orderField("\(path).qty"))
        var unitPrice = FixedDecimal(money: line.unitPrice)
        var unitPriceOrigin = provenanceOnly(orderField("\(path).unit_price"))
        // A preset replaces the item and its UOM, so the matched item's conversion no longer applies.
        if let rate = match?.rate, rate > 1, settings.uomConversion.value, plan.preset == nil {
            qty = line.qty * rate
            let conversion = provenanceOnly(Origin("UOM conversion × \(rate) from \(match?.origin.setting ?? "item matching")", at: match?.origin.location))
            qtyOrigin = conversion
            unitPriceOrigin = conversion
            let decimals = settings.unitPriceDecimals.value
            var scaled = line.unitPrice.minorUnits
            for _ in 2..<decimals { scaled *= 10 }
            let converted = divideRoundingHalfUp(scaled, Int64(rate))
            // Trailing zeros past the cents are dropped: 12.5000 is sent as 12.50.
            unitPrice = FixedDecimal(units: converted, scale: decimals)
            while unitPrice.scale > 2 && unitPrice.units % 10 == 0 {
                unitPrice.units /= 10
                unitPrice.scale -= 1
            }
            let text = unitPrice.description
            // Only a cent-visible gap matters: SQL Account shows qty × unit price to two decimals.
            var centScale: Int64 = 1
            for _ in 2..<decimals { centScale *= 10 }
            let shownAmount = divideRoundingHalfUp(converted * Int64(qty), centScale)
            if shownAmount != line.gross.minorUnits {
                warn("unit price \(line.unitPrice) ÷ \(rate) is not exact; \(qty) × \(text) = \(Money(minorUnits: shownAmount)) while the line amount is kept at \(line.gross); raise unit_price_decimals", "\(path).unit_price", code: "inexact-unit-price")
            }
        }

        var discount = line.sellerDiscount
        var discountOrigin = provenanceOnly(orderField("\(path).seller_discount"))
        if buyerPaidBasis && line.platformDiscount != .zero {
            discount += line.platformDiscount
            discountOrigin = provenanceOnly(Origin("order \(path).seller_discount + platform_discount (amount_basis: buyer_paid)", at: source))
        }
        if discount > line.gross {
            fail("the discount \(discount) is larger than qty × unit price \(line.gross)", "\(path).seller_discount", code: "invalid-discount")
            return nil
        }

        var serials: [String] = []
        // A credit note returns units whose serial numbers the return does not name.
        if settings.serialNumbers.value && !isComponent && creditNote == nil {
            serials = line.serialNumbers
            if match?.serialised == true && serials.count != line.qty {
                warn("SKU '\(line.sku)' is serialised but the line has \(serials.count) serial number\(serials.count == 1 ? "" : "s") for qty \(line.qty); fill them in the order before syncing", "\(path).serial_numbers", code: "missing-serials")
            }
        }
        let account = match?.account.map { Traced($0, match?.origin ?? header.account.origin) } ?? header.account
        return WorkLine(sourcePath: path, itemCode: itemCode, uom: uom, location: header.location, project: header.project,
                        description: Traced(Self.description(of: line, withSKU: describedWithSKU), provenanceOnly(orderField("\(path).name"))), account: account,
                        taxCode: taxCode, taxRate: taxRate, qty: qty, qtyOrigin: qtyOrigin, unitPrice: unitPrice,
                        unitPriceOrigin: unitPriceOrigin, gross: isComponent ? .zero : line.gross, discount: isComponent ? .zero : discount,
                        discountOrigin: discountOrigin, serials: serials, isGoods: !isComponent, taxInclusive: inclusive)
    }

    /// `SKU name (variation)`, built in one string: this runs for every line.
    static func description(of line: OrderLine, withSKU: Bool) -> String {
        var text = ""
        text.reserveCapacity(line.name.utf8.count + (withSKU ? line.sku.utf8.count + 1 : 0) + (line.variation.map { $0.utf8.count + 3 } ?? 0))
        if withSKU {
            text += line.sku
            text += " "
        }
        text += line.name
        if let variation = line.variation, !variation.isEmpty {
            text += " ("
            text += variation
            text += ")"
        }
        return text
    }

    func applyLineRules(_ work: WorkLine, line: OrderLine) {
        guard !graph.lineRules.isEmpty else { return }
        let context = RuleContext(utcOffsetSeconds: settings.utcOffsetSeconds.value)
        graph.forEachLineRule(where: { holds($0, context, line: line) }) { compiled in
            for set in compiled.lineSets {
                let value = set.value
                switch set.field {
                case .itemCode: work.itemCode = value
                case .uom: work.uom = value
                case .account: work.account = value
                case .location: work.location = value
                case .project: work.project = value
                case .description: work.description = Traced(set.template.render(order), value.origin)
                case .taxCode: work.taxCode = value
                case .taxRate: if let rate = set.rate { work.taxRate = Traced(rate, value.origin) }
                }
            }
        }
    }

    // MARK: vouchers and shipping

    func applyVouchers(_ lines: inout [WorkLine], header: HeaderValues, inclusive: Bool) {
        var total = order.vouchers.seller
        if buyerPaidBasis { total += order.vouchers.platform + order.vouchers.coins }
        let label = plan.voucherLabel
        guard total != .zero else { return }
        var goodsNet = Money.zero
        for index in lines.indices where lines[index].isGoods { goodsNet += lines[index].net }
        if total > goodsNet {
            fail("the \(label) \(total) exceeds the goods total \(goodsNet)", "vouchers.seller", code: "invalid-voucher")
            return
        }
        if settings.spreadVouchers.value {
            // Pro rata by line net; the cents left by rounding down go to the largest lines first.
            let eligible = lines.indices.filter { lines[$0].isGoods && lines[$0].net > .zero }
            var shares: [Int: Int64] = [:]
            var assigned: Int64 = 0
            for index in eligible {
                let share = total.minorUnits * lines[index].net.minorUnits / goodsNet.minorUnits
                shares[index] = share
                assigned += share
            }
            var leftover = total.minorUnits - assigned
            for index in eligible.sorted(by: { lines[$0].net > lines[$1].net }) where leftover > 0 {
                shares[index, default: 0] += 1
                leftover -= 1
            }
            for (index, share) in shares where share > 0 {
                lines[index].discount += Money(minorUnits: share)
                lines[index].discountOrigin = provenanceOnly(Origin("\(lines[index].discountOrigin.setting) + \(label) share \(Money(minorUnits: share)) (vouchers.treatment: spread)", at: settings.spreadVouchers.origin.location))
            }
            return
        }
        let origin = plan.voucherLineDescription.origin
        lines.append(WorkLine(sourcePath: "vouchers", itemCode: settings.voucherItem, uom: settings.voucherUOM, location: header.location,
                              project: header.project, description: plan.voucherLineDescription,
                              account: settings.voucherAccount.value.isEmpty ? header.account : settings.voucherAccount,
                              taxCode: header.taxCode, taxRate: header.taxRate, qty: 1, qtyOrigin: origin,
                              unitPrice: FixedDecimal(money: -total), unitPriceOrigin: provenanceOnly(orderField(buyerPaidBasis ? "vouchers (seller + platform + coins)" : "vouchers.seller")),
                              gross: -total, discount: .zero, discountOrigin: origin, serials: [], isGoods: false, taxInclusive: inclusive))
    }

    func appendShipping(_ lines: inout [WorkLine], header: HeaderValues, inclusive: Bool) {
        guard let shipping = plan.shipping, shipping.enabled else { return }
        var discount = order.shipping.sellerDiscount
        if buyerPaidBasis { discount += order.shipping.platformDiscount }
        guard order.shipping.fee != .zero else { return }
        if discount > order.shipping.fee {
            fail("the shipping discount \(discount) exceeds the shipping fee \(order.shipping.fee)", "shipping.seller_discount", code: "invalid-discount")
            return
        }
        let origin = plan.shippingOrigin ?? shipping.origin
        lines.append(WorkLine(sourcePath: "shipping", itemCode: Traced(shipping.code, origin), uom: Traced(shipping.uom, origin),
                              location: header.location, project: header.project, description: Traced("Shipping fee", origin),
                              account: shipping.account.map { Traced($0, origin) } ?? header.account,
                              taxCode: shipping.tax.map { Traced($0.code, origin) } ?? header.taxCode,
                              taxRate: shipping.tax.map { Traced($0.rate, origin) } ?? header.taxRate,
                              qty: 1, qtyOrigin: origin, unitPrice: FixedDecimal(money: order.shipping.fee), unitPriceOrigin: provenanceOnly(orderField("shipping.fee")),
                              gross: order.shipping.fee, discount: discount, discountOrigin: provenanceOnly(orderField(buyerPaidBasis ? "shipping.seller_discount + platform_discount" : "shipping.seller_discount")),
                              serials: [], isGoods: false, taxInclusive: inclusive))
    }

    // MARK: tax and totals

    func computeTax(_ lines: inout [WorkLine]) {
        for index in lines.indices {
            let net = lines[index].net
            guard lines[index].isTaxed else {
                lines[index].amount = net
                continue
            }
            let rate = lines[index].taxRate.value
            let inclusive = lines[index].taxInclusive
            let tax = inclusive ? rate.tax(containedIn: net) : rate.tax(onExclusive: net)
            lines[index].taxAmount = tax
            lines[index].amount = inclusive ? net - tax : net
        }
        guard settings.taxPerInvoice.value else { return }
        // One Cent Different Rounding: tax on each code's total, the difference on its first line.
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for index in lines.indices where lines[index].isTaxed {
            let key = "\(lines[index].taxCode.value)|\(lines[index].taxRate.value.percentE4)|\(lines[index].taxInclusive)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        for key in order {
            guard let indices = groups[key], let first = indices.first else { continue }
            let net = indices.reduce(Money.zero) { $0 + lines[$1].net }
            let rate = lines[first].taxRate.value
            let total = lines[first].taxInclusive ? rate.tax(containedIn: net) : rate.tax(onExclusive: net)
            let perLine = indices.reduce(Money.zero) { $0 + lines[$1].taxAmount }
            let delta = total - perLine
            guard delta != .zero else { continue }
            lines[first].taxAmount += delta
            if lines[first].taxInclusive { lines[first].amount -= delta }
        }
    }

    /// Checks the invoice against the order to the sen. Prices that include tax: the total. Prices that exclude it:
    /// the total with tax against the order plus the tax the buyer was charged (`tax.charged`), so a receivable the
    /// buyer never paid is reported; when the order does not say what tax was charged, the amount before tax, and a
    /// warning that the tax the invoice adds is not accounted for.
    func checkTieOut(docamt: Money, preTax: Money, inclusive: Bool) -> TieOut {
        let basis = settings.basis.value
        let shippingInvoiced = plan.shipping?.enabled == true
        let charged = inclusive ? nil : order.taxCharged
        let invoiceTax = docamt - preTax
        var expected: Money
        if buyerPaidBasis {
            expected = order.buyerPaid ?? order.computedBuyerPaid(pricesIncludeTax: inclusive)
        } else {
            var revenue = order.sellerRevenue
            if shippingInvoiced { revenue += order.shipping.fee - order.shipping.sellerDiscount }
            expected = revenue + (charged ?? .zero)
        }
        let computed = order.computedBuyerPaid(pricesIncludeTax: inclusive)
        if let paid = order.buyerPaid, paid != computed {
            let parts = charged == nil ? "the lines, vouchers and shipping" : "the lines, vouchers, shipping and tax charged"
            warn("payment.buyer_paid \(paid) differs from what \(parts) add up to (\(computed)); check the order export", "payment.buyer_paid", code: "buyer-paid-mismatch")
        }
        let withTax = inclusive || charged != nil
        let actual = withTax ? docamt : preTax
        let tieOut = TieOut(basis: basis, expected: expected, actual: actual, taxIncluded: withTax, taxCharged: charged, invoiceTax: invoiceTax)
        if !inclusive && charged == nil && invoiceTax != .zero {
            warn("prices exclude tax and the invoice adds \(invoiceTax) tax, but the order does not say what tax the buyer was charged (tax.charged): the receivable is \(invoiceTax) more than the order accounts for; give the order its tax.charged (an import mapping reads it from the export's tax column)", "tax.charged", code: "tax-not-charged")
        }
        if !tieOut.tiesOut {
            var why = ""
            if let charged, charged != invoiceTax {
                why = "; the invoice's tax \(invoiceTax) differs from the tax the buyer was charged \(charged) (tax.charged) by \(invoiceTax - charged)"
            } else if buyerPaidBasis && !shippingInvoiced && order.shipping.fee != .zero {
                why = "; shipping is not invoiced for this store (enable matching.shipping.\(order.channel.rawValue))"
            } else if settings.taxPerInvoice.value {
                why = " (tax.rounding: per_invoice)"
            }
            let what = inclusive ? "total" : withTax ? "total with tax" : "amount before tax"
            let against = charged.map { "\(basis) \(expected - $0) plus the tax charged \($0) = \(expected)" } ?? "\(basis) \(expected)"
            warn("invoice \(what) \(actual) does not tie out to \(against): difference \(tieOut.difference)\(why)", charged != nil && charged != invoiceTax ? "tax.charged" : "payment", code: "tie-out")
        }
        return tieOut
    }

    static let baseCurrencyCode = Traced("----", Origin.builtIn("MYR is the base currency (----)"))
    static let baseCurrencyRate = Traced("1.00", Origin.builtIn("base currency rate"))

    func resolveCurrency() -> (code: Traced<String>, rate: Traced<String>)? {
        if let match = plan.matchedCurrencies[order.currency] {
            if let rate = match.rate { return (match.code, rate) }
            if let text = order.exchangeRate { return (match.code, Traced(text, orderField("exchange_rate"))) }
            fail("no exchange rate for \(order.currency): add rate to matching.currencies.\(order.currency), or supply exchange_rate on the order", "currency", code: "missing-exchange-rate")
            return nil
        }
        if order.currency == "MYR" {
            return (Self.baseCurrencyCode, Self.baseCurrencyRate)
        }
        fail("no currency matching for \(order.currency); add matching.currencies.\(order.currency): {code: \(order.currency), rate: …}", "currency", code: "unmatched-currency")
        return nil
    }

    func documentNumber(session: inout TransformSession) -> Traced<String>? {
        let source = settings.invoiceSource
        var number: String
        switch source.value {
        case "sqlaccount":
            return Traced("", plan.documentNumberOrigin)
        case "order":
            number = order.orderNumber
        case "platform":
            number = order.id
        default:
            let prefix = plan.prefixTemplate.render(order)
            if let assigned = session.assignedCustomNumbers[order.id], assigned.uppercased().hasPrefix(prefix.uppercased()) {
                number = assigned
            } else {
                let next = max(session.nextCustomNumber[prefix] ?? settings.invoiceStart.value, settings.invoiceStart.value)
                session.nextCustomNumber[prefix] = next + 1
                var digits = String(next)
                if digits.count < settings.invoiceDigits.value { digits = String(repeating: "0", count: settings.invoiceDigits.value - digits.count) + digits }
                number = prefix + digits
            }
        }
        if settings.storeSuffix.value == "always" && source.value != "custom" {
            number += "-" + String(order.store.suffix(4))
        }
        if settings.uppercase.value { number = number.uppercased() }
        if number.count > 20 {
            let fix = source.value == "custom" ? "use a shorter invoice_number.prefix or fewer digits" : settings.storeSuffix.value == "always" ? "drop invoice_number.store_suffix or use invoice_number.source: sqlaccount" : "use invoice_number.source: sqlaccount (SQL Account numbers it) or custom"
            fail("invoice number '\(number)' is \(number.count) characters; SQL Account allows 20: \(fix)", source.value == "platform" ? "id" : "order_number", code: "docno-too-long")
            return nil
        }
        return Traced(number, plan.documentNumberOrigin)
    }

    func documentDate() -> Traced<CalendarDate> {
        let choice = settings.issueDate
        let offset = settings.utcOffsetSeconds.value
        if choice.value == "sync" { return Traced(options.asOf, plan.issueDateOrigin) }
        if let kind = OrderDateKind(rawValue: choice.value), let stamp = order.dates[kind] {
            return Traced(stamp.localDate(utcOffsetSeconds: offset), plan.issueDateOrigin)
        }
        warn("the order has no \(choice.value) date; the invoice uses the ordered date", "dates.\(choice.value)", code: "date-fallback")
        return Traced(order.dates.ordered.localDate(utcOffsetSeconds: offset), Origin("order dates.ordered (fallback: no \(choice.value) date)", at: choice.origin.location))
    }
}
