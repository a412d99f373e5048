import LedgerCore
import Planner
import RulePack
import Testing

@Suite("Manual receipts: ticked invoices, one paid amount")
struct ManualPaymentPlannerTests {
    func money(_ text: String) -> Money { Money(parsing: text)! }

    var invoices: [ManualPaymentPlanner.Invoice] {
        [ManualPaymentPlanner.Invoice(orderID: "SG-2", store: "shopify-acme", docno: "#1043", customerCode: "300-W0001", docdate: "2025-09-09", amount: money("7626.72")),
         ManualPaymentPlanner.Invoice(orderID: "SG-1", store: "shopify-acme", docno: "#1042", customerCode: "300-W0001", docdate: "2025-09-02", amount: money("475.45"), alreadyPaid: money("75.45"))]
    }

    @Test("knocks off the ticked invoices oldest first, as far as the paid amount and bank charge go")
    func knocksOffInDateOrder() throws {
        let request = ManualPaymentPlanner.Request(channel: "shopify", date: "2025-09-30", paidAmount: money("5000.00"), bankCharge: money("12.50"))
        let result = ManualPaymentPlanner.plan(invoices, request, settings: PaymentSettings(), paymentMethod: "320-000")
        let payment = try #require(result.payments.first)
        #expect(payment.knockOffs.map(\.docno) == ["#1042", "#1043"])
        #expect(payment.knockOffs.map(\.amount) == [money("400.00"), money("4612.50")])
        #expect(payment.amount == money("5012.50") && payment.bankCharge == money("12.50") && payment.payout == money("5000.00") && payment.unapplied == .zero)
        #expect(payment.payload["docamt"]?.stringValue == "5012.50" && payment.payload["code"]?.stringValue == "300-W0001")
        #expect(result.diagnostics.map(\.code) == ["paid-amount-short"])
        #expect(result.diagnostics[0].message.contains("still outstanding: #1043 (order SG-2) 3014.22"))
        // The same ticks make the same receipt key: planning again after a send finds it.
        let again = ManualPaymentPlanner.plan(invoices.reversed(), request, settings: PaymentSettings(), paymentMethod: "320-000")
        #expect(again.payments.first?.idempotencyKey == payment.idempotencyKey)
        #expect(payment.idempotencyKey.count <= 60 && payment.idempotencyKey.hasPrefix("LS-PAY-shopify-MANUAL-20250930-"))
    }

    @Test("more than the invoices owe stays unapplied, and is said")
    func surplusUnapplied() throws {
        let request = ManualPaymentPlanner.Request(channel: "shopify", date: "2025-09-30", paidAmount: money("500.00"), reference: "FPX-0930")
        let result = ManualPaymentPlanner.plan([invoices[1]], request, settings: PaymentSettings(), paymentMethod: "320-000")
        let payment = try #require(result.payments.first)
        #expect(payment.unapplied == money("100.00") && payment.reference == "FPX-0930")
        #expect(result.diagnostics.map(\.code) == ["unapplied"])
    }

    @Test("invoices of two customers cannot share a receipt; no payment method is an error too")
    func refusals() {
        var other = invoices[0]
        other.customerCode = "300-W0002"
        let request = ManualPaymentPlanner.Request(channel: "shopify", date: "2025-09-30", paidAmount: money("10.00"))
        let mixed = ManualPaymentPlanner.plan([other, invoices[1]], request, settings: PaymentSettings(), paymentMethod: "320-000")
        #expect(mixed.payments.isEmpty)
        #expect(mixed.diagnostics.first?.message == "a receipt pays one customer's invoices, but the ticked ones belong to 2: 300-W0001 (#1042); 300-W0002 (#1043); narrow the selection with --store, --invoice or --order")
        let noMethod = ManualPaymentPlanner.plan(invoices, request, settings: PaymentSettings(), paymentMethod: nil)
        #expect(noMethod.payments.isEmpty && noMethod.diagnostics.map(\.code) == ["missing-key"])
        let none = ManualPaymentPlanner.plan([], request, settings: PaymentSettings(), paymentMethod: "320-000")
        #expect(none.diagnostics.map(\.code) == ["no-invoices"])
    }
}
