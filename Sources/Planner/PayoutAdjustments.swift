import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import StateStore

/// A credit note, or the customer refund that pays it out, made of a payout: a settlement row that pays out less than
/// nothing (`payments.negative_payouts: credit_note`) or a fee that names no order (`payments.channel_charges`).
public struct PlannedPayoutDocument: Sendable {
    public enum Cause: String, Sendable {
        /// A settlement row whose net is below zero.
        case negativePayout = "negative_payout"
        /// A channel-level charge (a fee with no order).
        case channelCharge = "channel_charge"
    }

    public var channel: String
    public var payoutDate: String
    public var reference: String
    /// The settled order; empty for a channel-level charge.
    public var orderID: String
    public var customerCode: String
    /// `salescreditnote` or `customerrefund`.
    public var type: String
    public var cause: Cause
    public var idempotencyKey: String
    public var payload: JSONObject
    public var amount: Money
    /// A refund's credit note (its docref1).
    public var creditNoteKey: String?
    /// The settlement rows the credit note covers (none on the refund).
    public var rowIDs: [Int64]
    /// The refund's `paymentmethod`.
    public var paymentMethod: String?

    public init(channel: String, payoutDate: String, reference: String, orderID: String, customerCode: String, type: String, cause: Cause,
                idempotencyKey: String, payload: JSONObject, amount: Money, creditNoteKey: String?, rowIDs: [Int64], paymentMethod: String?) {
        self.channel = channel
        self.payoutDate = payoutDate
        self.reference = reference
        self.orderID = orderID
        self.customerCode = customerCode
        self.type = type
        self.cause = cause
        self.idempotencyKey = idempotencyKey
        self.payload = payload
        self.amount = amount
        self.creditNoteKey = creditNoteKey
        self.rowIDs = rowIDs
        self.paymentMethod = paymentMethod
    }

    public var isCreditNote: Bool { type == StoredPayoutDocument.creditNote }

    /// `lazada 2025-09-24 (MY2025092201)`.
    public var payoutLabel: String { "\(channel) \(payoutDate) (\(reference))" }
}

/// Builds the credit note + customer refund pairs a payout calls for. Keys are stable per channel, payout reference
/// and order (or payout date, for a channel charge), so a re-plan or a re-import is the same pair.
public enum PayoutAdjustments {
    /// What the pairs need from the pack and the state store.
    public struct Context {
        public var settings: PaymentSettings
        /// `returns.other_item` / `returns.other_account`: what non-goods refunds are credited to.
        public var returnItem: String?
        public var returnAccount: String?

        public init(settings: PaymentSettings, returnItem: String? = nil, returnAccount: String? = nil) {
            self.settings = settings
            self.returnItem = returnItem
            self.returnAccount = returnAccount
        }

        /// The credit note line's item: `payments.charge_item`, else `returns.other_item`.
        public var item: String? { settings.chargeItem?.value ?? returnItem }
        /// Its GL account: `payments.charge_account`, else `payments.fee_account`, else `returns.other_account`.
        public var account: String? { settings.chargeAccount?.value ?? settings.feeAccount?.value ?? returnAccount }
    }

    /// docref1 of a payout credit note: `LS-NP-<channel>-<reference>-<order>` (negative row) or
    /// `LS-CC-<channel>-<reference>-<yyyymmdd>` (channel charge). At most 38 characters, so the refund's `-F` fits
    /// docref1's 40: a longer one keeps its first 27 characters and a hash of the whole.
    public static func key(channel: String, reference: String, orderID: String, payoutDate: String) -> String {
        let full = orderID.isEmpty
            ? "LS-CC-\(channel)-\(reference)-\(payoutDate.replacingOccurrences(of: "-", with: ""))"
            : "LS-NP-\(channel)-\(reference)-\(orderID)"
        guard full.count > 38 else { return full }
        return String(full.prefix(27)) + "-" + String(ContentHash.hex(full).prefix(10))
    }

    /// The credit note and its refund for `amount` taken out of a payout; nil with an error when the pack names
    /// nothing to credit it to, or no payment account to refund it from.
    public static func pair(for row: StoredSettlementRow, amount: Money, customer: String, paymentMethod: String?, cause: PlannedPayoutDocument.Cause,
                            context: Context, rowIDs: [Int64], diagnostics: inout [Diagnostic]) -> [PlannedPayoutDocument]? {
        let at = SourceLocation(file: row.source)
        let what = row.isChannelCharge ? "the \(row.channel) charge of payout \(row.payoutDate) (\(row.reference))" : "order \(row.orderID)'s negative payout"
        guard context.item != nil || context.account != nil else {
            diagnostics.append(.error("\(what) needs a credit note, but the pack names nothing to credit it to: add payments.charge_item or payments.charge_account (or returns.other_item, payments.fee_account)", at: at, code: "missing-key"))
            return nil
        }
        guard let paymentMethod else {
            diagnostics.append(.error("\(what) needs a customer refund, but there is no payment method for \(row.channel): add matching.payments.\(row.channel) (the bank or wallet account the payout reaches)", at: at, code: "missing-key"))
            return nil
        }
        let key = key(channel: row.channel, reference: row.reference, orderID: row.orderID, payoutDate: row.payoutDate)
        let channelName = row.channel.prefix(1).uppercased() + row.channel.dropFirst()
        let limit = FieldLimits.invoiceHeader("description")?.maxLength ?? 200
        let description = row.isChannelCharge
            ? "\(channelName) payout \(row.payoutDate) (\(row.reference)): channel charges"
            : "\(channelName) payout \(row.payoutDate) (\(row.reference)): order \(row.orderID) pays out \(Money.zero - amount)"
        let lineLimit = FieldLimits.invoiceLine("description")?.maxLength ?? 200
        let lineDescription = row.isChannelCharge ? "Channel charges: " + chargeNames(row) : "Negative payout of order \(row.orderID)"
        var line = JSONObject()
        line.append("seq", .int(1))
        if let item = context.item { line.append("itemcode", .string(item)) }
        line.append("description", .string(String(lineDescription.prefix(lineLimit))))
        line.append("qty", .string("1.00"))
        line.append("unitprice", .string(amount.description))
        line.append("disc", .string("0.00"))
        line.append("tax", .string(""))
        line.append("taxamt", .string("0.00"))
        line.append("amount", .string(amount.description))
        if let account = context.account { line.append("account", .string(account)) }
        var note = JSONObject()
        note.append("docno", .string(""))
        note.append("code", .string(customer))
        note.append("docdate", .string(row.payoutDate))
        note.append("postdate", .string(row.payoutDate))
        note.append("description", .string(String(description.prefix(limit))))
        note.append("currencycode", .string("----"))
        note.append("currencyrate", .string("1.00"))
        note.append("docamt", .string(amount.description))
        note.append("docref1", .string(key))
        note.append("docref2", .string(String(row.reference.prefix(FieldLimits.invoiceHeader("docref2")?.maxLength ?? 40))))
        note.append("cancelled", .bool(false))
        note.append("sdsdocdetail", .array([.object(line)]))
        let refund = refundPayload(creditNote: note, amount: amount, paymentMethod: paymentMethod, journal: context.settings.journal.value)
        let common = (channel: row.channel, date: row.payoutDate, reference: row.reference)
        return [
            PlannedPayoutDocument(channel: common.channel, payoutDate: common.date, reference: common.reference, orderID: row.orderID, customerCode: customer,
                                  type: StoredPayoutDocument.creditNote, cause: cause, idempotencyKey: key, payload: note, amount: amount,
                                  creditNoteKey: nil, rowIDs: rowIDs, paymentMethod: nil),
            PlannedPayoutDocument(channel: common.channel, payoutDate: common.date, reference: common.reference, orderID: row.orderID, customerCode: customer,
                                  type: StoredPayoutDocument.customerRefund, cause: cause, idempotencyKey: refund["docref1"]?.stringValue ?? key + "-F",
                                  payload: refund, amount: amount, creditNoteKey: key, rowIDs: [], paymentMethod: paymentMethod),
        ]
    }

    /// A `customerrefund` paying out `amount` of a payout credit note, as returns' refunds are built.
    static func refundPayload(creditNote: JSONObject, amount: Money, paymentMethod: String, journal: String) -> JSONObject {
        ReturnPlanner.refundPayload(creditNote: creditNote, amount: amount, paymentMethod: paymentMethod, journal: journal)
    }

    /// `Sponsored Discovery - Top up 50.00, …` from a row's fee detail.
    static func chargeNames(_ row: StoredSettlementRow) -> String {
        guard let detail = try? JSONParser.parse(row.feeDetailJSON).arrayValue else { return "" }
        return detail.compactMap { item -> String? in
            guard let parts = item.arrayValue, parts.count == 3, let name = parts[1].stringValue, case .number(let text) = parts[2],
                  let sen = Int64(text) else { return nil }
            return "\(name) \(Money(minorUnits: sen))"
        }.joined(separator: ", ")
    }
}
