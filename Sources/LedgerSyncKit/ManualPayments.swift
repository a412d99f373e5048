import Foundation
import LedgerCore
import LedgerJSON
import Planner
import StateStore
import Transform

/// What an operator ticks for a receipt made by hand (`payments plan|apply --invoice/--order`, or `--paid-amount`
/// for a channel without settlement rows): synced invoices of one channel, and the amounts entered.
public struct ManualReceipt: Sendable {
    public var invoices: [String]
    public var orders: [String]
    public var bankCharge: Money
    public var reference: String?
    /// The receipt's date; `--to`, else today in Malaysia, when nil.
    public var date: String?

    public init(invoices: [String] = [], orders: [String] = [], bankCharge: Money = .zero, reference: String? = nil, date: String? = nil) {
        self.invoices = invoices
        self.orders = orders
        self.bankCharge = bankCharge
        self.reference = reference
        self.date = date
    }

    /// True when the operator ticked invoices or orders by hand.
    public var picksInvoices: Bool { !invoices.isEmpty || !orders.isEmpty }
}

extension Workflows {
    /// The receipt for ticked invoices (or, without ticks, every unpaid synced invoice of the channel dated within
    /// `from`…`to`), paid with the entered amount.
    static func planManualPayment(graph: TransformGraph, store: StateStore, channel: String, from: String?, to: String?,
                                  paidAmount: Money, manual: ManualReceipt) throws -> PaymentPlanner.Result {
        let candidates = try syncedInvoices(store: store, channel: channel)
        var diagnostics: [Diagnostic] = []
        var ticked: [ManualPaymentPlanner.Invoice] = []
        if manual.picksInvoices {
            for docno in manual.invoices {
                guard let invoice = candidates.first(where: { $0.docno == docno }) else {
                    diagnostics.append(.error(notSynced("invoice", docno, candidates.map(\.docno), channel: channel), code: "unknown-invoice"))
                    continue
                }
                ticked.append(invoice)
            }
            for orderID in manual.orders {
                guard let invoice = candidates.first(where: { $0.orderID == orderID }) else {
                    diagnostics.append(.error(notSynced("order", orderID, candidates.map(\.orderID), channel: channel), code: "unknown-order"))
                    continue
                }
                if !ticked.contains(invoice) { ticked.append(invoice) }
            }
            for invoice in ticked where invoice.outstanding.minorUnits <= 0 {
                diagnostics.append(.error("invoice \(invoice.docno) (order \(invoice.orderID)) is already paid in full by an earlier receipt (\(invoice.alreadyPaid)); untick it", code: "already-paid"))
            }
        } else {
            ticked = candidates.filter { invoice in
                invoice.outstanding.minorUnits > 0 && (from.map { invoice.docdate >= $0 } ?? true) && (to.map { invoice.docdate <= $0 } ?? true)
            }
        }
        guard !diagnostics.hasErrors else { return PaymentPlanner.Result(payments: [], diagnostics: diagnostics) }
        let date = manual.date ?? to ?? Workflows.today().description
        let method = ticked.first.flatMap { graph.pack.matching.payments[$0.store]?.value } ?? graph.pack.matching.payments[channel]?.value
        let request = ManualPaymentPlanner.Request(channel: channel, date: date, paidAmount: paidAmount, bankCharge: manual.bankCharge, reference: manual.reference)
        var result = ManualPaymentPlanner.plan(ticked, request, settings: graph.pack.payments, paymentMethod: method)
        result.diagnostics = diagnostics + result.diagnostics
        return result
    }

    /// Every invoice of `channel` in SQL Accounting, with what receipts sent so far knocked off it.
    static func syncedInvoices(store: StateStore, channel: String) throws -> [ManualPaymentPlanner.Invoice] {
        let paid = try InvoiceBalances.load(store).paid
        var invoices: [ManualPaymentPlanner.Invoice] = []
        for document in try store.documents(in: [.created]) where document.type == "salesinvoice" {
            guard let order = try store.order(document.orderID), order.channel == channel,
                  let payload = (try? JSONParser.parse(document.payloadJSON))?.objectValue, payload["cancelled"]?.boolValue != true else { continue }
            let docno = document.remoteDocno ?? payload["docno"]?.stringValue ?? ""
            invoices.append(ManualPaymentPlanner.Invoice(orderID: order.id, store: order.store, docno: docno, customerCode: payload["code"]?.stringValue ?? "",
                                                         docdate: payload["docdate"]?.stringValue ?? "",
                                                         amount: (payload["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero)
                                                             - Money(minorUnits: try store.creditedSen(orderID: order.id)),
                                                         alreadyPaid: paid[docno] ?? .zero))
        }
        return invoices.sorted { ($0.docdate, $0.docno) < ($1.docdate, $1.docno) }
    }

    private static func notSynced(_ kind: String, _ value: String, _ known: [String], channel: String) -> String {
        var message = "\(kind) '\(value)' has no synced \(channel) invoice in the state store (apply its order first, or check --channel)"
        if let guess = Suggest.closest(to: value, in: known) { message += "; did you mean '\(guess)'?" }
        return message
    }
}
