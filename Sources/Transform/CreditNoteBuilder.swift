import LedgerCore
import LedgerJSON
import RulePack

/// What one return event of an order became: a sales credit note, or the errors that stop it.
public struct ReturnOutcome: Sendable {
    public var orderID: String
    public var returnID: String
    /// The event's 1-based position in the order's `returns`.
    public var sequence: Int
    /// The return's local date (what `returns.cancel_invoice` compares with the invoice date).
    public var date: CalendarDate
    /// The credit note body (`salescreditnote`), nil when the return failed.
    public var document: SalesInvoiceDocument?
    public var warnings: [Diagnostic]
    public var errors: [Diagnostic]

    /// The credit note's total (`docamt`).
    public var amount: Money { document?.docamt ?? .zero }
}

/// The SQL Account document types returns produce.
public enum ReturnDocumentType {
    public static let creditNote = "salescreditnote"
    public static let customerRefund = "customerrefund"
}

/// What the builder needs to make a credit note of one return event. A class: every invoice's builder holds one
/// (nil), and as a struct it made each builder a kilobyte larger, copied per order.
final class CreditNoteContext {
    let original: Order
    let event: OrderReturn
    let sequence: Int
    /// The credited invoice's `docref1` and number (nil while SQL Account has not numbered it yet).
    let invoiceKey: String
    let invoiceDocno: String?
    let settings: ReturnSettings
    /// Per line of the return-as-an-order: where it is in the order file, and which sold line it returns.
    let linePaths: [String]
    let originalLines: [Int]

    init(original: Order, event: OrderReturn, sequence: Int, invoiceKey: String, invoiceDocno: String?, settings: ReturnSettings,
         linePaths: [String], originalLines: [Int]) {
        self.original = original
        self.event = event
        self.sequence = sequence
        self.invoiceKey = invoiceKey
        self.invoiceDocno = invoiceDocno
        self.settings = settings
        self.linePaths = linePaths
        self.originalLines = originalLines
    }
}

extension TransformGraph {
    /// The credit notes of `order`'s returns, one per event, built like its invoice (the same store plan, item
    /// matching, rules — evaluated on the sold order and line — tax and field limits), so each credits the codes the
    /// invoice carried. `invoiceKey` is the credited invoice's `docref1`; `invoiceDocno` its number when known.
    /// Store gates apply (a store no longer synced credits nothing); the status gate does not — a returned order is
    /// exactly the one that needs them.
    ///
    /// `events` replaces the order's own: each event with the position in `returns` it stands for (its field paths
    /// and sequence), so a supplement crediting what a return grew by is located at that return.
    public func creditNotes(for order: Order, invoiceKey: String, invoiceDocno: String?, source: SourceLocation? = nil,
                            options: TransformOptions, session: inout TransformSession,
                            events: [(event: OrderReturn, position: Int)]? = nil) -> [ReturnOutcome] {
        guard let plan = stores[order.store], integrationEnabled.value, order.channel == plan.store.channel else { return [] }
        let offset = plan.settings.utcOffsetSeconds.value
        var outcomes: [ReturnOutcome] = []
        for (event, index) in events ?? order.returns.enumerated().map({ ($1, $0) }) {
            let (asOrder, context) = Self.returnAsOrder(order, event: event, index: index, basisBuyerPaid: plan.settings.basis.value == "buyer_paid",
                                                        invoiceKey: invoiceKey, invoiceDocno: invoiceDocno, settings: pack.returns)
            let builder = InvoiceBuilder(graph: self, plan: plan, order: asOrder, source: source, options: options, creditNote: context)
            let outcome = builder.build(session: &session)
            outcomes.append(ReturnOutcome(orderID: order.id, returnID: event.id, sequence: index + 1, date: event.date.localDate(utcOffsetSeconds: offset),
                                          document: outcome.document, warnings: outcome.warnings, errors: outcome.errors))
        }
        return outcomes
    }

    /// What returned units are credited: the amount the return gives, else their share of the line as invoiced
    /// (rounded half up; the whole line exactly).
    public static func creditedAmount(_ returned: ReturnedLine, of order: Order, basisBuyerPaid: Bool) -> Money {
        let sold = order.lines[returned.line]
        let invoiced = basisBuyerPaid ? sold.sellerRevenue - sold.platformDiscount : sold.sellerRevenue
        return returned.amount ?? (returned.qty == sold.qty ? invoiced
            : Money(minorUnits: divideRoundingHalfUp(invoiced.minorUnits * Int64(returned.qty), Int64(sold.qty))))
    }

    /// The return as an order of its own: each returned line at its sold unit price with a discount that leaves
    /// exactly the amount credited, the shipping refunded as its shipping fee, the voucher kept back as a seller
    /// voucher. Amounts not given are the units' share of the line as invoiced (rounded half up; a whole line exactly).
    static func returnAsOrder(_ order: Order, event: OrderReturn, index: Int, basisBuyerPaid: Bool, invoiceKey: String,
                              invoiceDocno: String?, settings: ReturnSettings) -> (Order, CreditNoteContext) {
        var lines: [OrderLine] = []
        var paths: [String] = []
        var originals: [Int] = []
        for (row, returned) in event.lines.enumerated() {
            let sold = order.lines[returned.line]
            let amount = creditedAmount(returned, of: order, basisBuyerPaid: basisBuyerPaid)
            let gross = sold.unitPrice * returned.qty
            lines.append(OrderLine(sku: sold.sku, name: sold.name, variation: sold.variation, qty: returned.qty, unitPrice: sold.unitPrice,
                                   sellerDiscount: gross - amount, bundle: sold.bundle))
            paths.append("returns[\(index)].lines[\(row)]")
            originals.append(returned.line)
        }
        var asOrder = order
        asOrder.lines = lines
        asOrder.shipping = ShippingCharge(fee: event.shipping)
        asOrder.vouchers = Vouchers(seller: event.voucher)
        asOrder.taxCharged = event.tax
        asOrder.buyerPaid = event.refunded
        asOrder.returns = []
        let context = CreditNoteContext(original: order, event: event, sequence: index + 1, invoiceKey: invoiceKey, invoiceDocno: invoiceDocno,
                                        settings: settings, linePaths: paths, originalLines: originals)
        return (asOrder, context)
    }
}

extension InvoiceBuilder {
    /// The refunds that are not goods: shipping (to `returns.shipping_item`, else the store's shipping item) and
    /// other refunds (to `returns.other_item`/`other_account`).
    func appendRefunds(_ lines: inout [WorkLine], _ context: CreditNoteContext, header: HeaderValues, inclusive: Bool) {
        let path = "returns[\(context.sequence - 1)]"
        let settings = context.settings
        if context.event.shipping != .zero {
            if let item = settings.shippingItem {
                let origin = Origin(item.origin.setting, at: item.origin.location)
                lines.append(refundLine(item: Traced(item.value, origin), account: header.account, description: "Shipping fee refund",
                                        amount: context.event.shipping, path: "\(path).shipping", header: header, inclusive: inclusive))
            } else if let shipping = plan.shipping, shipping.enabled {
                let origin = Origin("matching.shipping (the invoice's shipping item)", at: shipping.origin.location)
                let line = refundLine(item: Traced(shipping.code, origin), account: shipping.account.map { Traced($0, origin) } ?? header.account,
                                      description: "Shipping fee refund", amount: context.event.shipping, path: "\(path).shipping", header: header, inclusive: inclusive)
                line.uom = Traced(shipping.uom, origin)
                if let tax = shipping.tax {
                    line.taxCode = Traced(tax.code, origin)
                    line.taxRate = Traced(tax.rate, origin)
                }
                lines.append(line)
            } else {
                fail("the return refunds shipping \(context.event.shipping), but this store invoices no shipping item to credit it to; set returns.shipping_item (or enable matching.shipping.\(order.channel.rawValue))", "\(path).shipping", code: "missing-refund-item")
            }
        }
        for (index, other) in context.event.other.enumerated() {
            guard let item = settings.otherItem else {
                fail("the return refunds \(other.amount) for '\(other.description)', which is neither goods nor shipping; set returns.other_item (a non-stock item such as REFUND) to credit it to", "\(path).other[\(index)]", code: "missing-refund-item")
                continue
            }
            let account = settings.otherAccount ?? header.account
            lines.append(refundLine(item: item, account: account, description: other.description, amount: other.amount,
                                    path: "\(path).other[\(index)]", header: header, inclusive: inclusive))
        }
    }

    private func refundLine(item: Traced<String>, account: Traced<String>, description: String, amount: Money, path: String,
                            header: HeaderValues, inclusive: Bool) -> WorkLine {
        let field = orderField("\(path)")
        return WorkLine(sourcePath: path, itemCode: item, uom: settings.uom, location: header.location, project: header.project,
                        description: Traced(description, field), account: account, taxCode: header.taxCode, taxRate: header.taxRate,
                        qty: 1, qtyOrigin: Origin("built-in: one refund", at: nil), unitPrice: FixedDecimal(money: amount), unitPriceOrigin: field,
                        gross: amount, discount: .zero, discountOrigin: Origin("built-in: no discount on a refund", at: nil),
                        serials: [], isGoods: false, taxInclusive: inclusive)
    }

    /// `returns.credit_note_number`: empty for SQL Account to number (CN-00001), else the prefix and the next number
    /// of its own sequence; a return keeps a number it was given before.
    func creditNoteNumber(_ context: CreditNoteContext, session: inout TransformSession) -> Traced<String>? {
        let settings = context.settings
        let source = settings.numberSource
        if source.value == "sqlaccount" {
            return Traced("", Origin("returns.credit_note_number.source: sqlaccount — known after apply (SQL Account numbers it)", at: source.origin.location))
        }
        var prefix = settings.numberPrefix.value
        prefix = prefix.replacingOccurrences(of: "{store}", with: order.store).replacingOccurrences(of: "{channel}", with: order.channel.rawValue)
        if self.settings.uppercase.value { prefix = prefix.uppercased() }
        let assignedKey = "\(order.id)|\(context.event.id)"
        let number: String
        if let assigned = session.assignedCreditNoteNumbers[assignedKey], assigned.hasPrefix(prefix) {
            number = assigned
        } else {
            let next = max(session.nextCreditNoteNumber[prefix] ?? settings.numberStart.value, settings.numberStart.value)
            session.nextCreditNoteNumber[prefix] = next + 1
            let digits = String(next)
            number = prefix + String(repeating: "0", count: max(0, settings.numberDigits.value - digits.count)) + digits
            session.assignedCreditNoteNumbers[assignedKey] = number
        }
        let limit = FieldLimits.invoiceHeader("docno")?.maxLength ?? 20
        if FieldLimits.length(number) > limit {
            fail("credit note number '\(number)' is \(FieldLimits.length(number)) characters; SQL Account allows \(limit): shorten returns.credit_note_number.prefix or digits", "returns", code: "docno-too-long")
            return nil
        }
        return Traced(number, Origin("returns.credit_note_number.source: custom (prefix \(settings.numberPrefix.origin.location?.fileAndLine ?? "built-in"))", at: source.origin.location))
    }

    func creditNoteDate(_ context: CreditNoteContext) -> Traced<CalendarDate> {
        let choice = context.settings.issueDate
        if choice.value == "sync" { return Traced(options.asOf, Origin("returns.issue_date: sync (run date)", at: choice.origin.location)) }
        return Traced(context.event.date.localDate(utcOffsetSeconds: settings.utcOffsetSeconds.value),
                      Origin("order returns[\(context.sequence - 1)].date via returns.issue_date", at: choice.origin.location))
    }

    func creditNoteKey(_ context: CreditNoteContext) -> String {
        renderCreditNote(context.settings.idempotencyKey.value, context)
    }

    /// Fills a `returns` template: the return's placeholders, then the order's.
    func renderCreditNote(_ template: String, _ context: CreditNoteContext) -> String {
        var text = template
        let values: [(String, String)] = [
            ("key", context.invoiceKey), ("return_id", context.event.id), ("return_seq", String(context.sequence)),
            ("invoice", context.invoiceDocno ?? ""), ("reason", context.event.reason ?? ""),
        ]
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return render(text)
    }

    /// The credit note against what the channel says was refunded (`refunded`), else against its own parts: the goods
    /// credited, shipping and other refunds, less the voucher kept back (plus the tax refunded on prices that exclude it).
    func checkCreditTieOut(_ context: CreditNoteContext, docamt: Money, preTax: Money, inclusive: Bool) -> TieOut {
        let event = context.event
        let tax = inclusive ? nil : event.tax
        let goods = order.lines.reduce(Money.zero) { $0 + $1.sellerRevenue }
        let parts = goods + event.shipping + event.other.reduce(Money.zero) { $0 + $1.amount } - event.voucher + (tax ?? .zero)
        let withTax = inclusive || tax != nil
        let actual = withTax ? docamt : preTax
        let expected = event.refunded ?? parts
        let tieOut = TieOut(basis: event.refunded == nil ? "return parts" : "refunded", expected: expected, actual: actual, taxIncluded: withTax,
                            taxCharged: tax, invoiceTax: docamt - preTax)
        if let refunded = event.refunded, refunded != parts {
            warn("returns[\(context.sequence - 1)].refunded \(refunded) differs from what its lines, shipping and other refunds add up to (\(parts)); check the return in the export", "returns[\(context.sequence - 1)].refunded", code: "refund-mismatch")
        }
        if !tieOut.tiesOut {
            let what = inclusive ? "total" : withTax ? "total with tax" : "amount before tax"
            warn("credit note \(what) \(actual) does not tie out to the \(event.refunded == nil ? "return's parts" : "amount refunded") \(expected): difference \(tieOut.difference)", "returns[\(context.sequence - 1)]", code: "tie-out")
        }
        if !inclusive && tax == nil && docamt != preTax {
            warn("prices exclude tax and the credit note adds \(docamt - preTax) tax, but the return does not say what tax was refunded (returns[\(context.sequence - 1)].tax)", "returns[\(context.sequence - 1)].tax", code: "tax-not-charged")
        }
        return tieOut
    }
}
