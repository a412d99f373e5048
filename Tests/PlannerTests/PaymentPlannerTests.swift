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
        PaymentPlanner.plan(rows, settings: settings, invoice: { invoices[$0.orderID] }, paymentMethod: { _, channel in channel == "shopee" ? "310-SHP" : nil })
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

@Suite("Payment planning with an entered paid amount")
struct EnteredPaidAmountTests {
    typealias Fixture = PaymentPlannerTests

    /// A (100.00, fees 7.00) and B (50.00, fees 3.50) in one payout: 150.00 knocked off, 139.50 settled.
    static let payout = [Fixture.row(1, "A", gross: 10_000, fees: 700), Fixture.row(2, "B", gross: 5_000, fees: 350)]

    static func plan(_ rows: [StoredSettlementRow] = payout, paid sen: Int64, _ settings: PaymentSettings = Fixture.bankCharge()) -> PaymentPlanner.Result {
        PaymentPlanner.plan(rows, settings: settings, invoice: { Fixture.invoices[$0.orderID] }, paymentMethod: { _, _ in "310-SHP" },
                            paidAmount: Money(minorUnits: sen))
    }

    static func koamts(_ payment: PlannedPayment) -> [JSONValue?] {
        (payment.payload["sdsknockoff"]?.arrayValue ?? []).map { $0["koamt"] }
    }

    @Test("the settlement's own payout entered: the receipt is as planned, marked entered, no warning")
    func exact() throws {
        let planned = try #require(Fixture.plan(Self.payout).payments.first)
        let result = Self.plan(paid: 13_950)
        #expect(result.diagnostics.isEmpty)
        let payment = try #require(result.payments.first)
        #expect(payment.paidAmountEntered)
        #expect(payment.payout == Money(minorUnits: 13_950))
        #expect(payment.settlementPayout == Money(minorUnits: 13_950))
        #expect(payment.amount == Money(minorUnits: 15_000))
        #expect(payment.unapplied == .zero)
        #expect(payment.payload == planned.payload, "the same body, docref1 included")
    }

    @Test("more reached the bank: docamt = paid + bank charge, the knock-offs stay, the surplus is unapplied; the difference is a warning with both figures")
    func more() throws {
        let result = Self.plan(paid: 14_001)
        #expect(result.diagnostics.map(\.code) == ["paid-amount-differs"])
        #expect(result.diagnostics.first?.severity == .warning)
        #expect(result.diagnostics.first?.message == "shopee payout 2025-10-03 (PO-77812): the entered paid amount 140.01 differs from the settlement's payout 139.50 — 0.51 more reached the bank")
        let payment = try #require(result.payments.first)
        #expect(payment.amount == Money(minorUnits: 15_051))
        #expect(payment.bankCharge == Money(minorUnits: 1_050))
        #expect(payment.unapplied == Money(minorUnits: 51))
        #expect(payment.payload["docamt"] == .string("150.51"))
        #expect(payment.payload["bankcharge"] == .string("10.50"))
        #expect(payment.payload["docref1"] == .string("LS-PAY-shopee-PO-77812-300-S0001"), "the docref1 names the payout, not the amount")
        #expect(Self.koamts(payment) == [.string("100.00"), .string("50.00")])
    }

    @Test("less reached the bank: the invoices are knocked off in order until it is used up, the last one partly; what stays outstanding is named")
    func less() throws {
        // 120.00 paid + 10.50 bank charge = 130.50: A in full (100.00), B only 30.50 of 50.00.
        let result = Self.plan(paid: 12_000)
        #expect(result.diagnostics.map(\.code) == ["paid-amount-differs", "paid-amount-short"])
        #expect(result.diagnostics[0].message.hasSuffix("the entered paid amount 120.00 differs from the settlement's payout 139.50 — 19.50 less reached the bank"))
        #expect(result.diagnostics[1].message == "shopee payout 2025-10-03 (PO-77812): the receipt's 130.50 (120.00 paid + 10.50 bank charge) does not cover the 150.00 planned to knock off; still outstanding: IV-00002 (order B) 19.50 (30.50 of 50.00 knocked off)")
        let payment = try #require(result.payments.first)
        #expect(payment.amount == Money(minorUnits: 13_050))
        #expect(payment.unapplied == .zero)
        #expect(payment.knockOffs.map(\.docno) == ["IV-00001", "IV-00002"])
        #expect(Self.koamts(payment) == [.string("100.00"), .string("30.50")])
        #expect(payment.payload["docamt"] == .string("130.50"))

        // So little that the second invoice gets nothing: it is left off the receipt and reported.
        let tiny = Self.plan(paid: 1)
        let only = try #require(tiny.payments.first)
        #expect(Self.koamts(only) == [.string("10.51")])
        #expect(tiny.diagnostics.last?.message.hasSuffix("still outstanding: IV-00001 (order A) 89.49 (10.51 of 100.00 knocked off), IV-00002 (order B) 50.00 (nothing knocked off)") == true,
                "\(tiny.diagnostics.map(\.message))")
    }

    @Test("fees: outstanding — docamt is exactly the amount paid, no bank charge is added")
    func outstandingPolicy() throws {
        let settings = PaymentSettings(fees: Traced(.outstanding, .builtIn("payments.fees")))
        let exact = try #require(Self.plan(paid: 13_950, settings).payments.first)
        #expect(exact.amount == Money(minorUnits: 13_950))
        #expect(exact.bankCharge == .zero)
        #expect(exact.unapplied == .zero)
        #expect(Self.koamts(exact) == [.string("93.00"), .string("46.50")])

        let more = try #require(Self.plan(paid: 14_000, settings).payments.first)
        #expect(more.payload["docamt"] == .string("140.00"))
        #expect(more.payload["bankcharge"] == .string("0.00"))
        #expect(more.unapplied == Money(minorUnits: 50))

        let less = Self.plan(paid: 10_000, settings)
        let payment = try #require(less.payments.first)
        #expect(payment.payload["docamt"] == .string("100.00"))
        #expect(Self.koamts(payment) == [.string("93.00"), .string("7.00")])
        #expect(less.diagnostics.last?.message.hasSuffix("the receipt's 100.00 does not cover the 139.50 planned to knock off; still outstanding: IV-00002 (order B) 39.50 (7.00 of 46.50 knocked off)") == true,
                "\(less.diagnostics.map(\.message))")
    }

    @Test("several receipts (or none) cannot take one entered amount: an error listing each, nothing changed")
    func severalReceipts() throws {
        let rows = [Fixture.row(1, "A", gross: 10_000, fees: 0, date: "2025-10-03"), Fixture.row(2, "B", gross: 5_000, fees: 100, date: "2025-10-10", reference: "PO-2")]
        let result = Self.plan(rows, paid: 10_000)
        #expect(result.diagnostics.map(\.code) == ["paid-amount-selection"])
        #expect(result.diagnostics.hasErrors)
        #expect(result.diagnostics.first?.message == "--paid-amount 100.00 is for exactly one receipt, but the selection matches 2: shopee 2025-10-03 PO-77812 (customer 300-S0001, settlement payout 100.00); shopee 2025-10-10 PO-2 (customer 300-S0001, settlement payout 49.00); narrow it with --channel, --from and --to; nothing is sent")
        #expect(result.payments.allSatisfy { !$0.paidAmountEntered }, "the receipts are shown as the settlement has them")
        #expect(result.payments.map(\.amount) == [Money(minorUnits: 10_000), Money(minorUnits: 5_000)])

        // One payout paying two customers' invoices is two receipts that no date or channel can tell apart.
        var invoices = Fixture.invoices
        invoices["B"]?.customerCode = "300-S0002"
        let split = PaymentPlanner.plan(Self.payout, settings: Fixture.bankCharge(), invoice: { invoices[$0.orderID] }, paymentMethod: { _, _ in "310-SHP" },
                                        paidAmount: Money(minorUnits: 10_000))
        #expect(split.diagnostics.first?.message.hasSuffix("nothing is sent (one payout paying several customers makes one receipt each; plan it without --paid-amount)") == true,
                "\(split.diagnostics.map(\.message))")

        let none = Self.plan([], paid: 10_000)
        #expect(none.diagnostics.first?.message == "--paid-amount 100.00 is for exactly one receipt, but no unpaid payout matches the selection; nothing is sent")
        #expect(none.diagnostics.hasErrors)
    }
}
