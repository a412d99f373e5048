import Foundation
import LedgerCore
import LedgerJSON
import RulePack

/// A receipt made by hand, as in the seed's customer payment screen: "select Sales Channel > filter by Payment Date >
/// tick the checkbox to knock off the invoice > enter the Paid Amount". For channels without a settlement report
/// (Zalora, webstores, POS) or whenever the operator picks the invoices: the ticked synced invoices of one customer,
/// knocked off in date order as far as the paid amount (plus any bank charge) goes.
public enum ManualPaymentPlanner {
    /// A synced invoice that may be ticked, with what earlier receipts already knocked off it.
    public struct Invoice: Sendable, Equatable {
        public var orderID: String
        public var store: String
        public var docno: String
        public var customerCode: String
        public var docdate: String
        public var amount: Money
        public var alreadyPaid: Money

        public init(orderID: String, store: String, docno: String, customerCode: String, docdate: String, amount: Money, alreadyPaid: Money = .zero) {
            self.orderID = orderID
            self.store = store
            self.docno = docno
            self.customerCode = customerCode
            self.docdate = docdate
            self.amount = amount
            self.alreadyPaid = alreadyPaid
        }

        public var outstanding: Money { amount - alreadyPaid }
    }

    public struct Request: Sendable {
        public var channel: String
        /// The receipt's date (the payment date).
        public var date: String
        public var paidAmount: Money
        /// Charges the payment gateway kept, booked as the receipt's bank charge.
        public var bankCharge: Money
        /// The receipt's reference (`chequenumber`); a stable one is made from the invoices when nil.
        public var reference: String?

        public init(channel: String, date: String, paidAmount: Money, bankCharge: Money = .zero, reference: String? = nil) {
            self.channel = channel
            self.date = date
            self.paidAmount = paidAmount
            self.bankCharge = bankCharge
            self.reference = reference
        }
    }

    /// One receipt for `invoices` (all of one customer), or errors saying why not.
    public static func plan(_ invoices: [Invoice], _ request: Request, settings: PaymentSettings, paymentMethod: String?) -> PaymentPlanner.Result {
        var diagnostics: [Diagnostic] = []
        let ticked = invoices.sorted { ($0.docdate, $0.docno) < ($1.docdate, $1.docno) }
        guard !ticked.isEmpty else {
            return PaymentPlanner.Result(payments: [], diagnostics: [.error("no unpaid synced \(request.channel) invoice matches the selection; nothing to pay", code: "no-invoices")])
        }
        let customers = Dictionary(grouping: ticked, by: \.customerCode)
        if customers.count > 1 {
            let listed = customers.keys.sorted().map { "\($0) (\(customers[$0]!.map(\.docno).joined(separator: ", ")))" }
            diagnostics.append(.error("a receipt pays one customer's invoices, but the ticked ones belong to \(customers.count): \(listed.joined(separator: "; ")); narrow the selection with --store, --invoice or --order", code: "several-customers"))
        }
        guard let method = paymentMethod else {
            diagnostics.append(.error("no payment method for \(request.channel): add matching.payments.\(request.channel) (the bank or wallet account the money reaches)", code: "missing-key"))
            return PaymentPlanner.Result(payments: [], diagnostics: diagnostics)
        }
        guard !diagnostics.hasErrors else { return PaymentPlanner.Result(payments: [], diagnostics: diagnostics) }
        let customer = ticked[0].customerCode
        let reference = request.reference ?? "MANUAL-\(request.date.replacingOccurrences(of: "-", with: ""))-\(shortHash(ticked.map(\.docno)))"
        let receipt = "\(request.channel) receipt \(request.date) (\(reference))"

        let amount = request.paidAmount + request.bankCharge
        var left = amount
        var knockOffs: [(orderID: String, docno: String, amount: Money)] = []
        var shortfalls: [String] = []
        for invoice in ticked {
            let applied = min(invoice.outstanding, left)
            left -= applied
            if applied.minorUnits > 0 { knockOffs.append((invoice.orderID, invoice.docno, applied)) }
            if applied < invoice.outstanding { shortfalls.append("\(invoice.docno) (order \(invoice.orderID)) \(invoice.outstanding - applied)") }
        }
        if !shortfalls.isEmpty {
            diagnostics.append(.warning("\(receipt): \(amount) does not cover the \(ticked.reduce(Money.zero) { $0 + $1.outstanding }) outstanding on the ticked invoices; still outstanding: \(shortfalls.joined(separator: ", "))", code: "paid-amount-short"))
        }
        if left.minorUnits > 0 {
            diagnostics.append(.warning("\(receipt): \(left) more than the ticked invoices owe stays unapplied on the receipt", code: "unapplied"))
        }
        let description = settings.description.value
            .replacingOccurrences(of: "{channel}", with: request.channel.prefix(1).uppercased() + request.channel.dropFirst())
            .replacingOccurrences(of: "{payout_date}", with: request.date)
            .replacingOccurrences(of: "{reference}", with: reference)
        let idempotencyKey = String("LS-PAY-\(request.channel)-\(reference)-\(customer)".prefix(60))
        var payload = JSONObject()
        payload.append("docno", .string(""))
        payload.append("code", .string(customer))
        payload.append("docdate", .string(request.date))
        payload.append("postdate", .string(request.date))
        payload.append("description", .string(description))
        payload.append("paymentmethod", .string(method))
        payload.append("journal", .string(settings.journal.value))
        payload.append("chequenumber", .string(String(reference.prefix(20))))
        payload.append("currencycode", .string("----"))
        payload.append("currencyrate", .string("1.00"))
        payload.append("docamt", .string(amount.description))
        payload.append("bankcharge", .string(request.bankCharge.description))
        if request.bankCharge.minorUnits > 0, let account = settings.feeAccount?.value { payload.append("bankchargeaccount", .string(account)) }
        payload.append("docref1", .string(idempotencyKey))
        payload.append("cancelled", .bool(false))
        payload.append("sdsknockoff", PaymentPlanner.knockOffRows(knockOffs))
        let payment = PlannedPayment(channel: request.channel, payoutDate: request.date, reference: reference, customerCode: customer,
                                     idempotencyKey: idempotencyKey, payload: payload, knockOffs: knockOffs, amount: amount,
                                     bankCharge: request.bankCharge, payout: request.paidAmount, unapplied: left, rowIDs: [],
                                     settlementPayout: request.paidAmount, paidAmountEntered: true)
        return PaymentPlanner.Result(payments: [payment], diagnostics: diagnostics)
    }

    /// Eight hex digits (FNV-1a) of the ticked invoice numbers: the same ticks make the same receipt key, so planning
    /// them again after the receipt was sent finds it instead of sending a second one.
    static func shortHash(_ docnos: [String]) -> String {
        var hash: UInt32 = 0x811C9DC5
        for byte in docnos.sorted().joined(separator: "\u{1F}").utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x01000193
        }
        let hex = String(hash, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}
