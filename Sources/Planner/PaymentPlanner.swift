import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import StateStore

/// The invoice a settled order is paid against: what the state store recorded when it was synced.
public struct SyncedInvoice: Sendable, Equatable {
    public var orderID: String
    public var store: String
    public var docno: String
    public var customerCode: String
    public var amount: Money

    public init(orderID: String, store: String, docno: String, customerCode: String, amount: Money) {
        self.orderID = orderID
        self.store = store
        self.docno = docno
        self.customerCode = customerCode
        self.amount = amount
    }
}

/// How much of an order's settled shipping its invoice bills: the pack's `matching.shipping` for the store or
/// channel (enabled or not) and its `amount_basis` (the invoice's shipping line is `shipping.fee − seller discount`
/// on `seller_revenue`, `− seller and platform discounts` on `buyer_paid`).
public enum InvoicedShipping: String, Sendable, Equatable {
    /// No shipping line: the settlement's shipping credits pay no invoice (they lower the receipt's bank charge).
    case none
    /// The shipping line is what the buyer paid (`amount_basis: buyer_paid`).
    case buyerPaid = "buyer_paid"
    /// The shipping line is what the buyer paid plus the platform's discount on it (`amount_basis: seller_revenue`).
    case beforePlatformDiscount = "before_platform_discount"

    /// The part of a settlement row's shipping credits the invoice bills.
    public func invoicedPart(of row: StoredSettlementRow) -> Money {
        switch self {
        case .none: return .zero
        case .buyerPaid: return Money(minorUnits: row.buyerShippingSen)
        case .beforePlatformDiscount: return Money(minorUnits: row.buyerShippingSen + row.platformShippingSen)
        }
    }
}

/// One receipt to create: a payout of one channel, on one date, under one statement reference, for one customer.
public struct PlannedPayment: Sendable {
    public var channel: String
    public var payoutDate: String
    public var reference: String
    public var customerCode: String
    public var idempotencyKey: String
    /// The `customerpayment` body.
    public var payload: JSONObject
    public var knockOffs: [(orderID: String, docno: String, amount: Money)]
    /// What the receipt records: `docamt`, the fees as `bankcharge`, what reaches the bank and what stays unapplied.
    public var amount: Money
    public var bankCharge: Money
    public var payout: Money
    public var unapplied: Money
    /// The settlement rows it covers.
    public var rowIDs: [Int64]
    /// What the settlement says reaches the bank; equal to `payout` unless an amount was entered.
    public var settlementPayout: Money
    /// `payout` is the amount the operator entered (`--paid-amount`), not the settlement's.
    public var paidAmountEntered: Bool
}

/// Groups settled orders into customer payments (product spec §6), under the pack's `payments` settings:
/// per channel, payout date, statement reference and customer, each order's synced invoice knocked off. An order
/// without a synced invoice, a negative payout or an invoice that differs from the settled amount is reported,
/// never silently dropped.
///
/// What pays an invoice is the order's item revenue plus the shipping its invoice bills (`InvoicedShipping`): the
/// buyer-paid shipping (and the platform's discount on it) the settlement passes on. Shipping credits the invoice
/// does not bill pay no invoice: they lower the receipt's bank charge, and what exceeds the fees stays unapplied
/// on the receipt. Either way `docamt − bankcharge` is the payout, to the sen.
public enum PaymentPlanner {
    public struct Result: Sendable {
        public var payments: [PlannedPayment]
        public var diagnostics: [Diagnostic]
        /// Credit notes and their refunds: negative payouts (`negative_payouts: credit_note`), channel charges.
        public var adjustments: [PlannedPayoutDocument]

        public init(payments: [PlannedPayment], diagnostics: [Diagnostic], adjustments: [PlannedPayoutDocument] = []) {
            self.payments = payments
            self.diagnostics = diagnostics
            self.adjustments = adjustments
        }
    }

    /// - Parameters:
    ///   - invoice: the synced invoice of an order, or nil when it has none (not imported, not synced yet).
    ///   - paymentMethod: the `paymentmethod` for an order's store and channel (`matching.payments`), or nil.
    ///   - invoicedShipping: how much shipping an order's store and channel put on its invoice. When nil (callers
    ///     that do not pass the pack's shipping matching) it is read from each invoice: the first of item revenue +
    ///     buyer-paid shipping + platform discount, + buyer-paid shipping only, or item revenue alone that equals the
    ///     invoice amount; when none does, all the shipping credits are counted and the difference is warned about.
    ///   - paidAmount: what actually reached the bank, entered by the operator; it replaces the settlement's payout
    ///     and is only accepted when the rows make exactly one receipt (see `enter(_:into:)`).
    ///   - customer: who a payout credit note goes to when the row has no synced invoice (the order's store's customer,
    ///     else the channel's; for a channel charge, the channel's), per `matching.customers`.
    ///   - adjustments: the item and account payout credit notes are made on.
    public static func plan(_ rows: [StoredSettlementRow], settings: PaymentSettings, invoice: (StoredSettlementRow) -> SyncedInvoice?,
                            paymentMethod: (_ store: String, _ channel: String) -> String?,
                            invoicedShipping: ((_ store: String, _ channel: String) -> InvoicedShipping)? = nil,
                            paidAmount: Money? = nil, customer: ((StoredSettlementRow) -> (store: String, code: String)?)? = nil,
                            adjustments context: PayoutAdjustments.Context? = nil) -> Result {
        var diagnostics: [Diagnostic] = []
        var adjustments: [PlannedPayoutDocument] = []
        let context = context ?? PayoutAdjustments.Context(settings: settings)
        var charges: [StoredSettlementRow] = []
        /// A credit note and refund of `amount` for a row: to its invoice's customer, else its store's or channel's.
        func creditNote(_ row: StoredSettlementRow, amount: Money, synced: SyncedInvoice?, cause: PlannedPayoutDocument.Cause) -> [PlannedPayoutDocument]? {
            let owner = synced.map { (store: $0.store, code: $0.customerCode) } ?? customer?(row)
            guard let owner, !owner.code.isEmpty else {
                let what = row.isChannelCharge ? "the \(row.channel) charge of payout \(row.payoutDate) (\(row.reference))" : "order \(row.orderID)'s negative payout"
                diagnostics.append(.error("\(what) needs a credit note, but no customer is known for \(row.channel): add matching.customers.\(row.channel)", at: SourceLocation(file: row.source), code: "missing-key"))
                return nil
            }
            return PayoutAdjustments.pair(for: row, amount: amount, customer: owner.code, paymentMethod: paymentMethod(owner.store, row.channel), cause: cause,
                                          context: context, rowIDs: row.id.map { [$0] } ?? [], diagnostics: &diagnostics)
        }
        struct GroupKey: Hashable { var channel, date, reference, customer: String }
        var groups: [GroupKey: [(StoredSettlementRow, SyncedInvoice)]] = [:]
        var order: [GroupKey] = []
        var negatives: [(StoredSettlementRow, SyncedInvoice?)] = []
        for row in rows {
            let at = SourceLocation(file: row.source)
            if row.isChannelCharge {
                charges.append(row)
                continue
            }
            if row.netSen < 0 {
                if settings.negativePayouts.value == .offset {
                    negatives.append((row, invoice(row)))
                } else if settings.negativePayouts.value == .creditNote {
                    // Out of every receipt: a credit note of what the channel took back, paid out by a refund.
                    let synced = invoice(row)
                    let amount = Money(minorUnits: -row.netSen)
                    if let pair = creditNote(row, amount: amount, synced: synced, cause: .negativePayout) {
                        adjustments += pair
                        diagnostics.append(.warning("order \(row.orderID): the payout is negative (\(Money(minorUnits: row.netSen))); it becomes a credit note of \(amount) to \(pair[0].customerCode) and a customer refund of it from \(pair[1].paymentMethod ?? "") (payments.negative_payouts: credit_note)\(synced == nil ? "; no open invoice of the order is paid by this payout (not synced, or returned), so the credit note goes to its store's customer" : "")",
                                                    at: at, code: "negative-payout-credit-note"))
                    }
                } else {
                    diagnostics.append(.warning("order \(row.orderID): the payout is negative (\(Money(minorUnits: row.netSen))), a refund or adjustment; it is not paid by a receipt (payments.negative_payouts: report) — raise a credit note in SQL Accounting", at: at, code: "negative-payout"))
                }
                continue
            }
            guard let synced = invoice(row) else {
                diagnostics.append(.warning("order \(row.orderID) has no synced invoice (import and apply its order first); its \(Money(minorUnits: row.grossSen)) is left out of the \(row.payoutDate) payout", at: at, code: "invoice-not-synced"))
                continue
            }
            let key = GroupKey(channel: row.channel, date: row.payoutDate, reference: row.reference, customer: synced.customerCode)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((row, synced))
        }
        // A negative row is taken out of the receipt of its own payout (same channel, date and reference): the one
        // of its invoice's customer, else the payout's first.
        var offsets: [GroupKey: [(StoredSettlementRow, SyncedInvoice?)]] = [:]
        for (row, synced) in negatives {
            let candidates = order.filter { $0.channel == row.channel && $0.date == row.payoutDate && $0.reference == row.reference }
            guard let key = candidates.first(where: { $0.customer == synced?.customerCode }) ?? candidates.first else {
                diagnostics.append(.warning("order \(row.orderID): the payout is negative (\(Money(minorUnits: row.netSen))) and its payout \(row.payoutDate) (\(row.reference)) has no positive row to take it out of, so no receipt can carry it — raise a credit note and customer refund in SQL Accounting", at: SourceLocation(file: row.source), code: "negative-payout"))
                continue
            }
            offsets[key, default: []].append((row, synced))
        }
        // Channel charges: on the bank charge of their payout's receipt (the first that can carry it), else a credit note.
        var chargesOf: [GroupKey: [StoredSettlementRow]] = [:]
        for row in charges {
            let charge = Money(minorUnits: row.feesSen)
            let at = SourceLocation(file: row.source)
            let label = "\(row.channel) payout \(row.payoutDate) (\(row.reference))"
            guard charge.minorUnits > 0 else {
                // A credit with no order (a bonus, a reversed charge) is money in, not a charge: never a negative credit note.
                diagnostics.append(.warning("\(label): \(Money.zero - charge) credited with no order (\(PayoutAdjustments.chargeNames(row))) is not a charge; no receipt covers it — record it in SQL Accounting yourself", at: at, code: "channel-credit"))
                continue
            }
            switch settings.channelCharges.value {
            case .report:
                diagnostics.append(.warning("\(label): channel charges of \(charge) name no order (\(PayoutAdjustments.chargeNames(row))); no receipt covers them (payments.channel_charges: report) — record them in SQL Accounting yourself", at: at, code: "channel-charge"))
                continue
            case .bankCharge:
                let carrier = order.first { key in
                    guard key.channel == row.channel, key.date == row.payoutDate, key.reference == row.reference else { return false }
                    let payout = (groups[key] ?? []).reduce(Int64(0)) { $0 + $1.0.netSen } + (offsets[key] ?? []).reduce(Int64(0)) { $0 + $1.0.netSen }
                        + (chargesOf[key] ?? []).reduce(Int64(0)) { $0 + $1.netSen }
                    return payout + row.netSen >= 0
                }
                if settings.fees.value == .bankCharge, let carrier {
                    chargesOf[carrier, default: []].append(row)
                    diagnostics.append(.warning("\(label): channel charges of \(charge) name no order (\(PayoutAdjustments.chargeNames(row))); they are the receipt's bank charge (payments.channel_charges: bank_charge)", at: at, code: "channel-charge"))
                    continue
                }
                let why = settings.fees.value != .bankCharge ? "payments.fees is outstanding, so no receipt has a bank charge" : "the payout has no receipt that can carry them"
                if let pair = creditNote(row, amount: charge, synced: nil, cause: .channelCharge) {
                    adjustments += pair
                    diagnostics.append(.warning("\(label): channel charges of \(charge) name no order and \(why); they become a credit note to \(pair[0].customerCode) and a customer refund from \(pair[1].paymentMethod ?? "") instead (payments.channel_charges: bank_charge)", at: at, code: "channel-charge-credit-note"))
                }
            case .creditNote:
                if let pair = creditNote(row, amount: charge, synced: nil, cause: .channelCharge) {
                    adjustments += pair
                    diagnostics.append(.warning("\(label): channel charges of \(charge) name no order (\(PayoutAdjustments.chargeNames(row))); they become a credit note to \(pair[0].customerCode) and a customer refund from \(pair[1].paymentMethod ?? "") (payments.channel_charges: credit_note)", at: at, code: "channel-charge"))
                }
            }
        }
        var payments: [PlannedPayment] = []
        for key in order {
            guard let members = groups[key], let first = members.first else { continue }
            var knockOffs: [(orderID: String, docno: String, amount: Money)] = []
            var settled = Money.zero, fees = Money.zero, net = Money.zero, knocked = Money.zero, shippingNotInvoiced = Money.zero
            for (row, synced) in members {
                let rowFees = Money(minorUnits: row.feesSen), rowNet = Money(minorUnits: row.netSen)
                let shipping = Money(minorUnits: row.buyerShippingSen + row.platformShippingSen)
                let invoiced = (invoicedShipping?(synced.store, row.channel) ?? inferredShipping(row, synced)).invoicedPart(of: row)
                // What the settlement pays towards the invoice: the items, and the shipping the invoice bills.
                let rowSettled = Money(minorUnits: row.grossSen) + invoiced
                settled += rowSettled
                fees += rowFees
                net += rowNet
                shippingNotInvoiced += shipping - invoiced
                // With the fees as bank charge the receipt pays the settled amount; otherwise only what arrived.
                let paying = settings.fees.value == .bankCharge ? rowSettled : rowNet
                let applied = min(paying, synced.amount)
                if rowSettled != synced.amount {
                    let made = invoiced == .zero ? "" : " (items \(Money(minorUnits: row.grossSen)) + shipping \(invoiced))"
                    diagnostics.append(.warning("order \(row.orderID): the settlement's \(rowSettled)\(made) differs from invoice \(synced.docno)'s \(synced.amount); \(applied) is knocked off\(paying > synced.amount ? " and \(paying - synced.amount) stays unapplied" : ", leaving \(synced.amount - applied) outstanding")",
                                                at: SourceLocation(file: row.source), code: "amount-mismatch"))
                }
                if applied.minorUnits > 0 { knockOffs.append((row.orderID, synced.docno, applied)) }
                knocked += applied
            }
            for (row, synced) in offsets[key] ?? [] {
                // What the row still pays its invoice: the items and billed shipping less what was refunded to the buyer;
                // everything else it takes back is a charge on the payout.
                let refunded = Self.refunds(row)
                let invoiced = synced.map { (invoicedShipping?($0.store, row.channel) ?? inferredShipping(row, $0)).invoicedPart(of: row) } ?? .zero
                let owed = max(.zero, Money(minorUnits: row.grossSen) + invoiced - refunded)
                let applied = synced.map { min(owed, $0.amount) } ?? .zero
                let rowNet = Money(minorUnits: row.netSen)
                let paying = settings.fees.value == .bankCharge ? applied : .zero
                settled += paying
                fees += paying - rowNet
                net += rowNet
                if let synced, applied.minorUnits > 0 { knockOffs.append((row.orderID, synced.docno, applied)) }
                knocked += paying
                diagnostics.append(.warning("order \(row.orderID): the payout is negative (\(rowNet)); it is taken out of the \(key.channel) \(key.date) receipt (\(key.reference))\(applied == .zero ? "" : ", knocking off \(applied)") with \(paying - rowNet) more bank charge (payments.negative_payouts: offset)\(synced == nil ? "; the order has no synced invoice" : "")",
                                            at: SourceLocation(file: row.source), code: "negative-payout-offset"))
            }
            for row in chargesOf[key] ?? [] {
                // A fee of the payout with no order: more bank charge, nothing knocked off.
                fees += Money(minorUnits: row.feesSen)
                net += Money(minorUnits: row.netSen)
            }
            var amount = settings.fees.value == .bankCharge ? settled : net
            var bankCharge = settings.fees.value == .bankCharge ? fees - shippingNotInvoiced : .zero
            if bankCharge.isNegative && shippingNotInvoiced.minorUnits > 0 {
                // Shipping beyond the fees cannot be a negative bank charge: it reached the bank, so the receipt takes
                // it in, unapplied, for the operator to allocate.
                let excess = min(shippingNotInvoiced, -bankCharge)
                bankCharge += excess
                amount += excess
            }
            if (amount - bankCharge).isNegative {
                diagnostics.append(.error("the \(key.channel) \(key.date) payout (\(key.reference)) comes to \(amount - bankCharge) after its negative rows: a receipt cannot be negative — raise a credit note and customer refund in SQL Accounting, or set payments.negative_payouts: report", code: "negative-receipt"))
                continue
            }
            let method = paymentMethod(first.1.store, key.channel)
            if method == nil {
                diagnostics.append(.error("no payment method for \(key.channel): add matching.payments.\(key.channel) (the bank or wallet account the payout reaches)", code: "missing-key"))
                continue
            }
            let description = settings.description.value
                .replacingOccurrences(of: "{channel}", with: key.channel.prefix(1).uppercased() + key.channel.dropFirst())
                .replacingOccurrences(of: "{payout_date}", with: key.date)
                .replacingOccurrences(of: "{reference}", with: key.reference)
            let idempotencyKey = String("LS-PAY-\(key.channel)-\(key.reference)-\(key.customer)".prefix(60))
            var payload = JSONObject()
            payload.append("docno", .string(""))
            payload.append("code", .string(key.customer))
            payload.append("docdate", .string(key.date))
            payload.append("postdate", .string(key.date))
            payload.append("description", .string(description))
            payload.append("paymentmethod", .string(method ?? ""))
            payload.append("journal", .string(settings.journal.value))
            payload.append("chequenumber", .string(String(key.reference.prefix(20))))
            payload.append("currencycode", .string("----"))
            payload.append("currencyrate", .string("1.00"))
            payload.append("docamt", .string(amount.description))
            payload.append("bankcharge", .string(bankCharge.description))
            if settings.fees.value == .bankCharge, let account = settings.feeAccount?.value { payload.append("bankchargeaccount", .string(account)) }
            payload.append("docref1", .string(idempotencyKey))
            payload.append("cancelled", .bool(false))
            payload.append("sdsknockoff", knockOffRows(knockOffs))
            payments.append(PlannedPayment(channel: key.channel, payoutDate: key.date, reference: key.reference, customerCode: key.customer,
                                           idempotencyKey: idempotencyKey, payload: payload, knockOffs: knockOffs, amount: amount, bankCharge: bankCharge,
                                           payout: amount - bankCharge, unapplied: amount - knocked,
                                           rowIDs: members.compactMap { $0.0.id } + (offsets[key] ?? []).compactMap { $0.0.id } + (chargesOf[key] ?? []).compactMap(\.id),
                                           settlementPayout: amount - bankCharge, paidAmountEntered: false))
        }
        if let paidAmount {
            // One figure from the bank statement can only describe one receipt: never spread it over several.
            guard payments.count == 1, var only = payments.first else {
                diagnostics.append(.error(selectionMessage(paidAmount, payments), code: "paid-amount-selection"))
                return Result(payments: payments, diagnostics: diagnostics, adjustments: adjustments)
            }
            diagnostics += enter(paidAmount, into: &only)
            payments = [only]
        }
        return Result(payments: payments, diagnostics: diagnostics, adjustments: adjustments)
    }

    /// The shipping an invoice bills, read from its amount when the caller gave no `invoicedShipping`: the first
    /// composition that equals it, else every shipping credit (the mismatch is warned about by the caller).
    static func inferredShipping(_ row: StoredSettlementRow, _ invoice: SyncedInvoice) -> InvoicedShipping {
        let items = Money(minorUnits: row.grossSen)
        for candidate in [InvoicedShipping.beforePlatformDiscount, .buyerPaid, .none] where items + candidate.invoicedPart(of: row) == invoice.amount {
            return candidate
        }
        return .beforePlatformDiscount
    }

    /// Makes `paid` the amount that reached the bank for `payment`: `docamt` becomes `paid` plus the fees booked as
    /// bank charge (none with `fees: outstanding`), the planned knock-offs are kept in order while they fit — the last
    /// one partly — and what is left over stays unapplied. The docref1 is untouched: it names the payout, not the amount.
    static func enter(_ paid: Money, into payment: inout PlannedPayment) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let receipt = "\(payment.channel) payout \(payment.payoutDate) (\(payment.reference))"
        let settled = payment.settlementPayout
        if paid != settled {
            let difference = paid < settled ? "\(settled - paid) less" : "\(paid - settled) more"
            diagnostics.append(.warning("\(receipt): the entered paid amount \(paid) differs from the settlement's payout \(settled) — \(difference) reached the bank",
                                        code: "paid-amount-differs"))
        }
        let amount = paid + payment.bankCharge
        var left = amount
        var knockOffs: [(orderID: String, docno: String, amount: Money)] = []
        var shortfalls: [String] = []
        for knockOff in payment.knockOffs {
            let applied = min(knockOff.amount, left)
            left -= applied
            if applied.minorUnits > 0 { knockOffs.append((knockOff.orderID, knockOff.docno, applied)) }
            if applied < knockOff.amount {
                let part = applied.minorUnits > 0 ? "\(applied) of \(knockOff.amount) knocked off" : "nothing knocked off"
                shortfalls.append("\(knockOff.docno) (order \(knockOff.orderID)) \(knockOff.amount - applied) (\(part))")
            }
        }
        if !shortfalls.isEmpty {
            let planned = payment.knockOffs.reduce(Money.zero) { $0 + $1.amount }
            let covering = payment.bankCharge == .zero ? "\(amount)" : "\(amount) (\(paid) paid + \(payment.bankCharge) bank charge)"
            diagnostics.append(.warning("\(receipt): the receipt's \(covering) does not cover the \(planned) planned to knock off; still outstanding: \(shortfalls.joined(separator: ", "))",
                                        code: "paid-amount-short"))
        }
        payment.amount = amount
        payment.payout = paid
        payment.unapplied = left
        payment.knockOffs = knockOffs
        payment.paidAmountEntered = true
        payment.payload["docamt"] = .string(amount.description)
        payment.payload["sdsknockoff"] = knockOffRows(knockOffs)
        return diagnostics
    }

    /// Why an entered amount cannot be used: the rows make no receipt, or several.
    static func selectionMessage(_ paid: Money, _ payments: [PlannedPayment]) -> String {
        guard !payments.isEmpty else {
            return "--paid-amount \(paid) is for exactly one receipt, but no unpaid payout matches the selection; nothing is sent"
        }
        let listed = payments.map { "\($0.channel) \($0.payoutDate) \($0.reference) (customer \($0.customerCode), settlement payout \($0.settlementPayout))" }
        var message = "--paid-amount \(paid) is for exactly one receipt, but the selection matches \(payments.count): \(listed.joined(separator: "; ")); "
            + "narrow it with --channel, --from and --to; nothing is sent"
        let payouts = Set(payments.map { "\($0.channel)|\($0.payoutDate)|\($0.reference)" })
        if payouts.count < payments.count {
            // The same payout split by customer cannot be narrowed by channel or date.
            message += " (one payout paying several customers makes one receipt each; plan it without --paid-amount)"
        }
        return message
    }

    /// What a row's fee detail says was refunded to the buyer (fee kind `refund`).
    static func refunds(_ row: StoredSettlementRow) -> Money {
        guard let detail = try? JSONParser.parse(row.feeDetailJSON).arrayValue else { return .zero }
        var total = Money.zero
        for item in detail {
            guard let parts = item.arrayValue, parts.count == 3, parts[0].stringValue == "refund",
                  case .number(let text) = parts[2], let sen = Int64(text) else { continue }
            total += Money(minorUnits: sen)
        }
        return total
    }

    /// `sdsknockoff`: one `IV` row per invoice paid.
    static func knockOffRows(_ knockOffs: [(orderID: String, docno: String, amount: Money)]) -> JSONValue {
        .array(knockOffs.map { .object(["doctype": .string("IV"), "docno": .string($0.docno), "koamt": .string($0.amount.description), "knockoff": .bool(true)]) })
    }
}
