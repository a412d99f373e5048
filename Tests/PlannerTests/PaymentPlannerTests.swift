import LedgerCore
import LedgerJSON
import Planner
import RulePack
import StateStore
import Testing

@Suite("Payment planning")
struct PaymentPlannerTests {
    static func row(_ id: Int64, _ order: String, gross: Int64, fees: Int64, date: String = "2025-10-03", reference: String = "PO-77812") -> StoredSettlementRow {
        var row = StoredSettlementRow(channel: "shopee", orderID: order, payoutDate: date, reference: reference, currency: "MYR", grossSen: gross,
                                      feesSen: fees, netSen: gross - fees, feeDetailJSON: "[]", source: "income.xlsx, Income, row \(id + 6)")
        row.id = id
        return row
    }

    static let invoices: [String: SyncedInvoice] = [
        "A": SyncedInvoice(orderID: "A", store: "shopee-acme-my", docno: "IV-00001", customerCode: "300-S0001", amount: Money(minorUnits: 10_000)),
        "B": SyncedInvoice(orderID: "B", store: "shopee-acme-my", docno: "IV-00002", customerCode: "300-S0001", amount: Money(minorUnits: 5_000)),
        "C": SyncedInvoice(orderID: "C", store: "shopee-acme-my", docno: "IV-00003", customerCode: "300-S0001", amount: Money(minorUnits: 2_000)),
    ]

    static func bankCharge() -> PaymentSettings {
        PaymentSettings(feeAccount: Traced("908-000", .builtIn("payments.fee_account")))
    }

    static func plan(_ rows: [StoredSettlementRow], _ settings: PaymentSettings = bankCharge()) -> PaymentPlanner.Result {
        PaymentPlanner.plan(rows, settings: settings, invoice: { invoices[$0] }, paymentMethod: { _, channel in channel == "shopee" ? "310-SHP" : nil })
    }

    @Test("bank_charge: one receipt per payout pays each invoice in full; the fees are its bank charge; the bank gets the payout, to the sen")
    func bankChargeTreatment() throws {
        let result = Self.plan([Self.row(1, "A", gross: 10_000, fees: 700), Self.row(2, "B", gross: 5_000, fees: 350)])
        #expect(result.diagnostics.isEmpty)
        let payment = try #require(result.payments.first)
        #expect(result.payments.count == 1)
        #expect(payment.amount == Money(minorUnits: 15_000))
        #expect(payment.bankCharge == Money(minorUnits: 1_050))
        #expect(payment.payout == Money(minorUnits: 13_950))
        #expect(payment.unapplied == .zero)
        #expect(payment.rowIDs == [1, 2])
        #expect(payment.payload["docamt"] == .string("150.00"))
        #expect(payment.payload["bankcharge"] == .string("10.50"))
        #expect(payment.payload["bankchargeaccount"] == .string("908-000"))
        #expect(payment.payload["paymentmethod"] == .string("310-SHP"))
        #expect(payment.payload["description"] == .string("Shopee payout 2025-10-03 (PO-77812)"))
        #expect(payment.payload["docref1"] == .string("LS-PAY-shopee-PO-77812-300-S0001"))
        let knockOffs = payment.payload["sdsknockoff"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(knockOffs.map { $0["docno"] } == [.string("IV-00001"), .string("IV-00002")])
        #expect(knockOffs.map { $0["koamt"] } == [.string("100.00"), .string("50.00")])
    }

    @Test("outstanding: the receipt is the payout; the fees stay outstanding on the invoices")
    func outstandingTreatment() throws {
        let settings = PaymentSettings(fees: Traced(.outstanding, .builtIn("payments.fees")))
        let payment = try #require(Self.plan([Self.row(1, "A", gross: 10_000, fees: 700)], settings).payments.first)
        #expect(payment.amount == Money(minorUnits: 9_300))
        #expect(payment.bankCharge == .zero)
        #expect(payment.payload["bankchargeaccount"] == nil)
        #expect(payment.knockOffs.map(\.amount) == [Money(minorUnits: 9_300)])
    }

    @Test("an order without a synced invoice and a negative payout are reported, not dropped silently; a differing amount is a warning")
    func reported() throws {
        let result = Self.plan([Self.row(1, "A", gross: 10_000, fees: 700), Self.row(2, "UNKNOWN", gross: 3_000, fees: 100),
                                Self.row(3, "B", gross: 1_000, fees: 2_000), Self.row(4, "C", gross: 2_500, fees: 100)])
        #expect(result.diagnostics.map(\.code) == ["invoice-not-synced", "negative-payout", "amount-mismatch"])
        #expect(result.diagnostics[0].message.contains("order UNKNOWN has no synced invoice"))
        #expect(result.diagnostics[0].location?.file == "income.xlsx, Income, row 8")
        #expect(result.diagnostics[2].message == "order C: the settlement's 25.00 differs from invoice IV-00003's 20.00; 20.00 is knocked off and 5.00 stays unapplied")
        let payment = try #require(result.payments.first)
        #expect(payment.amount == Money(minorUnits: 12_500))
        #expect(payment.unapplied == Money(minorUnits: 500))
        #expect(payment.rowIDs == [1, 4])
    }

    @Test("payouts on different dates or statements are separate receipts; a channel without a payment method is an error")
    func grouping() {
        let result = Self.plan([Self.row(1, "A", gross: 10_000, fees: 0, date: "2025-10-03"), Self.row(2, "B", gross: 5_000, fees: 0, date: "2025-10-10", reference: "PO-2")])
        #expect(result.payments.map(\.payoutDate) == ["2025-10-03", "2025-10-10"])
        var lazada = Self.row(3, "A", gross: 10_000, fees: 0)
        lazada.channel = "lazada"
        let missing = Self.plan([lazada])
        #expect(missing.payments.isEmpty)
        #expect(missing.diagnostics.first?.message == "no payment method for lazada: add matching.payments.lazada (the bank or wallet account the payout reaches)")
    }
}
