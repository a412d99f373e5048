import LedgerCore
import LedgerJSON
import Planner
import RulePack
import StateStore
import Testing

/// The arithmetic of payout credit notes: negative rows (`negative_payouts: credit_note`) and channel charges
/// (`channel_charges`). Whatever the treatment, receipts (docamt − bankcharge) − refunds = the payout's net, to the sen.
@Suite("Payout credit notes and channel charges")
struct PayoutAdjustmentTests {
    typealias P = PaymentPlannerTests

    static func charge(_ id: Int64, fees: Int64, date: String = "2025-10-03", reference: String = "PO-77812") -> StoredSettlementRow {
        var row = StoredSettlementRow(channel: "shopee", orderID: "", payoutDate: date, reference: reference, currency: "MYR", grossSen: 0,
                                      feesSen: fees, netSen: -fees, feeDetailJSON: #"[["other","Ads top-up",\#(fees)]]"#, source: "income.xlsx, Income, row \(id + 6)")
        row.id = id
        return row
    }

    static func settings(negative: PaymentSettings.NegativePayouts = .creditNote, charges: PaymentSettings.ChannelCharges = .bankCharge,
                         fees: PaymentSettings.FeeTreatment = .bankCharge) -> PaymentSettings {
        var settings = PaymentSettings(fees: Traced(fees, .builtIn("payments.fees")), feeAccount: Traced("908-000", .builtIn("payments.fee_account")))
        settings.negativePayouts = Traced(negative, .builtIn("payments.negative_payouts"))
        settings.channelCharges = Traced(charges, .builtIn("payments.channel_charges"))
        return settings
    }

    static func plan(_ rows: [StoredSettlementRow], _ settings: PaymentSettings) -> PaymentPlanner.Result {
        PaymentPlanner.plan(rows, settings: settings, invoice: { P.invoices[$0.orderID] }, paymentMethod: { _, channel in channel == "shopee" ? "310-SHP" : nil },
                            customer: { _ in ("shopee-acme-my", "300-S0001") },
                            adjustments: PayoutAdjustments.Context(settings: settings, returnItem: "ECOM-MISC"))
    }

    /// Receipts' payouts less refunds.
    static func cash(_ result: PaymentPlanner.Result) -> Money {
        result.payments.reduce(Money.zero) { $0 + $1.payout } - result.adjustments.filter { !$0.isCreditNote }.reduce(Money.zero) { $0 + $1.amount }
    }

    @Test("credit_note: the negative row leaves the receipt; a credit note of |net| and a refund of it knocking the credit note off; receipt − refund = the payout")
    func negativeRowIsACreditNote() throws {
        var refunded = P.row(2, "B", gross: 5_000, fees: 5_300)
        refunded.feeDetailJSON = #"[["refund","Refund Amount",5000],["commission","Commission",300]]"#
        let rows = [P.row(1, "A", gross: 10_000, fees: 700), refunded]
        let result = Self.plan(rows, Self.settings())
        #expect(!result.diagnostics.hasErrors)
        let payment = try #require(result.payments.first)
        #expect(payment.rowIDs == [1])
        #expect(payment.amount == Money(minorUnits: 10_000) && payment.bankCharge == Money(minorUnits: 700))
        #expect(result.adjustments.map(\.type) == ["salescreditnote", "customerrefund"])
        let note = result.adjustments[0], refund = result.adjustments[1]
        #expect(note.amount == Money(minorUnits: 300) && refund.amount == Money(minorUnits: 300))
        #expect(note.rowIDs == [2] && refund.rowIDs.isEmpty)
        #expect(note.customerCode == "300-S0001", "the invoice's customer")
        #expect(note.idempotencyKey == "LS-NP-shopee-PO-77812-B" && refund.idempotencyKey == "LS-NP-shopee-PO-77812-B-F" && refund.creditNoteKey == note.idempotencyKey)
        let line = try #require(note.payload["sdsdocdetail"]?.arrayValue?.first?.objectValue)
        #expect(line["itemcode"] == .string("ECOM-MISC") && line["account"] == .string("908-000") && line["amount"] == .string("3.00"))
        #expect(note.payload["docamt"] == .string("3.00"))
        #expect(refund.payload["paymentmethod"] == .string("310-SHP") && refund.payload["docamt"] == .string("3.00"))
        let knockOff = try #require(refund.payload["sdsknockoff"]?.arrayValue?.first?.objectValue)
        #expect(knockOff["doctype"] == .string("CN") && knockOff["koamt"] == .string("3.00"))
        #expect(Self.cash(result) == Money(minorUnits: rows.reduce(0) { $0 + $1.netSen }), "93.00 − 3.00 = 90.00")
        #expect(result.diagnostics.map(\.code) == ["negative-payout-credit-note"])

        // A payout of only negative rows: no receipt, just the pair.
        let alone = Self.plan([refunded], Self.settings())
        #expect(alone.payments.isEmpty && alone.adjustments.count == 2)
        #expect(Self.cash(alone) == Money(minorUnits: -300))
    }

    @Test("a negative row of an order without a synced invoice goes to the store's (or channel's) customer")
    func customerWithoutInvoice() throws {
        let result = Self.plan([P.row(1, "GONE", gross: 0, fees: 450)], Self.settings())
        #expect(result.adjustments.first?.customerCode == "300-S0001")
        #expect(result.adjustments.first?.amount == Money(minorUnits: 450))
    }

    @Test("channel charges, bank_charge: the payout's receipt's bank charge grows by the charge; nothing else is made; receipt = the payout")
    func chargeAsBankCharge() throws {
        let rows = [P.row(1, "A", gross: 10_000, fees: 700), Self.charge(2, fees: 5_000)]
        let result = Self.plan(rows, Self.settings())
        let payment = try #require(result.payments.first)
        #expect(result.adjustments.isEmpty)
        #expect(payment.amount == Money(minorUnits: 10_000) && payment.bankCharge == Money(minorUnits: 5_700) && payment.payout == Money(minorUnits: 4_300))
        #expect(payment.rowIDs == [1, 2])
        #expect(payment.knockOffs.map(\.amount) == [Money(minorUnits: 10_000)])
        #expect(Self.cash(result) == Money(minorUnits: 4_300))
    }

    @Test("channel charges, bank_charge: a charge no receipt of its payout can carry (none, too small, fees: outstanding) falls back to a credit note + refund, and says so")
    func chargeFallsBack() throws {
        for (rows, settings) in [([Self.charge(2, fees: 5_000)], Self.settings()),
                                 ([P.row(1, "A", gross: 10_000, fees: 700), Self.charge(2, fees: 9_400)], Self.settings()),
                                 ([P.row(1, "A", gross: 10_000, fees: 700), Self.charge(2, fees: 5_000)], Self.settings(fees: .outstanding))] {
            let result = Self.plan(rows, settings)
            #expect(result.adjustments.map(\.type) == ["salescreditnote", "customerrefund"])
            #expect(result.diagnostics.map(\.code).contains("channel-charge-credit-note"))
            #expect(result.adjustments.first?.idempotencyKey == "LS-CC-shopee-PO-77812-20251003")
            #expect(Self.cash(result) == Money(minorUnits: rows.reduce(0) { $0 + $1.netSen }))
        }
    }

    @Test("channel charges, credit_note and report")
    func chargeTreatments() throws {
        let rows = [P.row(1, "A", gross: 10_000, fees: 700), Self.charge(2, fees: 5_000)]
        let noted = Self.plan(rows, Self.settings(charges: .creditNote))
        #expect(noted.payments.first?.bankCharge == Money(minorUnits: 700))
        #expect(noted.adjustments.map(\.amount) == [Money(minorUnits: 5_000), Money(minorUnits: 5_000)])
        let line = noted.adjustments.first?.payload["sdsdocdetail"]?.arrayValue?.first?.objectValue
        #expect(line?["description"] == .string("Channel charges: Ads top-up 50.00"))
        #expect(Self.cash(noted) == Money(minorUnits: 4_300))
        let reported = Self.plan(rows, Self.settings(charges: .report))
        #expect(reported.adjustments.isEmpty && reported.payments.first?.bankCharge == Money(minorUnits: 700))
        #expect(reported.diagnostics.map(\.code) == ["channel-charge"])
        // A credit with no order is never a (negative) charge.
        let credit = Self.plan([P.row(1, "A", gross: 10_000, fees: 700), Self.charge(2, fees: -500)], Self.settings(charges: .creditNote))
        #expect(credit.adjustments.isEmpty && credit.diagnostics.map(\.code) == ["channel-credit"])
    }

    @Test("no item or account to credit, or no payment method: an error naming what to add")
    func missingSettings() {
        var settings = PaymentSettings(fees: Traced(.outstanding, .builtIn("payments.fees")))
        settings.negativePayouts = Traced(.creditNote, .builtIn("payments.negative_payouts"))
        let result = PaymentPlanner.plan([P.row(1, "B", gross: 0, fees: 300)], settings: settings, invoice: { P.invoices[$0.orderID] },
                                         paymentMethod: { _, _ in "310-SHP" })
        #expect(result.diagnostics.errors.map(\.code) == ["missing-key"])
        #expect(result.diagnostics.errors.first?.message.contains("payments.charge_item") == true)
        let noMethod = PaymentPlanner.plan([P.row(1, "B", gross: 0, fees: 300)], settings: Self.settings(), invoice: { P.invoices[$0.orderID] },
                                           paymentMethod: { _, _ in nil })
        #expect(noMethod.diagnostics.errors.first?.message.contains("matching.payments.shopee") == true)
    }

    @Test("keys: stable, at most 38 characters (the refund's -F fits docref1's 40), a long one cut with a hash of the whole")
    func keys() {
        let short = PayoutAdjustments.key(channel: "lazada", reference: "MY2025092201", orderID: "", payoutDate: "2025-09-24")
        #expect(short == "LS-CC-lazada-MY2025092201-20250924")
        let long = PayoutAdjustments.key(channel: "lazada", reference: "MY2025092201", orderID: "157683824297273", payoutDate: "2025-09-24")
        #expect(long.count == 38 && long.hasPrefix("LS-NP-lazada-MY2025092201-"))
        #expect(long == PayoutAdjustments.key(channel: "lazada", reference: "MY2025092201", orderID: "157683824297273", payoutDate: "2025-10-01"))
        #expect(long != PayoutAdjustments.key(channel: "lazada", reference: "MY2025092201", orderID: "157683824297274", payoutDate: "2025-09-24"))
    }
}
