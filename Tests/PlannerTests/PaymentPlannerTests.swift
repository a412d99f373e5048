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

    @Test("an order without a synced invoice and (negative_payouts: report) a negative payout are reported, not dropped silently; a differing amount is a warning")
    func reported() throws {
        var settings = Self.bankCharge()
        settings.negativePayouts = Traced(.report, .builtIn("payments.negative_payouts"))
        let result = Self.plan([Self.row(1, "A", gross: 10_000, fees: 700), Self.row(2, "UNKNOWN", gross: 3_000, fees: 100),
                                Self.row(3, "B", gross: 1_000, fees: 2_000), Self.row(4, "C", gross: 2_500, fees: 100)], settings)
        #expect(result.diagnostics.map(\.code) == ["invoice-not-synced", "negative-payout", "amount-mismatch"])
        #expect(result.diagnostics[0].message.contains("order UNKNOWN has no synced invoice"))
        #expect(result.diagnostics[0].location?.file == "income.xlsx, Income, row 8")
        #expect(result.diagnostics[2].message == "order C: the settlement's 25.00 differs from invoice IV-00003's 20.00; 20.00 is knocked off and 5.00 stays unapplied")
        let payment = try #require(result.payments.first)
        #expect(payment.amount == Money(minorUnits: 12_500))
        #expect(payment.unapplied == Money(minorUnits: 500))
        #expect(payment.rowIDs == [1, 4])
    }

    @Test("negative_payouts: offset — a refunded order's row joins its payout's receipt: its refund cancels its items, its kept fees are bank charge, and the receipt still equals the payout")
    func negativeOffset() throws {
        var refunded = Self.row(2, "B", gross: 5_000, fees: 5_300)
        refunded.feeDetailJSON = #"[["refund","Refund Amount",5000],["commission","Commission",300]]"#
        let result = Self.plan([Self.row(1, "A", gross: 10_000, fees: 700), refunded])
        let payment = try #require(result.payments.first)
        #expect(result.payments.count == 1)
        #expect(payment.knockOffs.map(\.docno) == ["IV-00001"], "the refunded order's invoice is owed nothing from this payout")
        #expect(payment.amount == Money(minorUnits: 10_000) && payment.bankCharge == Money(minorUnits: 1_000))
        #expect(payment.payout == Money(minorUnits: 9_000), "93.00 − 3.00 = the payout to the sen")
        #expect(payment.rowIDs == [1, 2])
        #expect(result.diagnostics.map(\.message) == ["order B: the payout is negative (-3.00); it is taken out of the shopee 2025-10-03 receipt (PO-77812) with 3.00 more bank charge (payments.negative_payouts: offset)"])
        // A payout of only negative rows has no receipt to carry them.
        let alone = Self.plan([refunded])
        #expect(alone.payments.isEmpty)
        #expect(alone.diagnostics.map(\.code) == ["negative-payout"])
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

/// Buyer-paid shipping is part of what pays an invoice that bills shipping (issue 12): each channel's payout of
/// orders with shipping knocks every invoice off in full, to the sen, and the bank still gets the payout.
@Suite("Payment planning: shipping the buyer paid")
struct ShippingPaymentPlannerTests {
    /// One settled order: its items, the buyer's shipping, the platform's discount on it, its fees (the logistics
    /// charge among them), and its invoice = items + the shipping line (`seller_revenue`: fee − seller discount).
    struct Settled {
        var order: String
        var items: Int64
        var buyerShipping: Int64
        var platformShipping: Int64 = 0
        var fees: Int64
        var invoiced: Int64 { items + buyerShipping + platformShipping }
        var net: Int64 { items + buyerShipping + platformShipping - fees }
    }

    static func rows(_ channel: String, _ settled: [Settled]) -> [StoredSettlementRow] {
        settled.enumerated().map { index, order in
            var row = StoredSettlementRow(channel: channel, orderID: order.order, payoutDate: "2025-10-08", reference: "ST-1008", currency: "MYR",
                                          grossSen: order.items, feesSen: order.fees, netSen: order.net, buyerShippingSen: order.buyerShipping,
                                          platformShippingSen: order.platformShipping, feeDetailJSON: "[]", source: "\(channel).report row \(index + 2)")
            row.id = Int64(index + 1)
            return row
        }
    }

    static func plan(_ channel: String, _ settled: [Settled], invoiceAmounts: [String: Int64]? = nil, settings: PaymentSettings = PaymentPlannerTests.bankCharge(),
                     shipping: InvoicedShipping?) -> PaymentPlanner.Result {
        let invoices = Dictionary(uniqueKeysWithValues: settled.enumerated().map { index, order in
            (order.order, SyncedInvoice(orderID: order.order, store: "\(channel)-acme-my", docno: "IV-\(index + 1)", customerCode: "300-C0001",
                                        amount: Money(minorUnits: invoiceAmounts?[order.order] ?? order.invoiced)))
        })
        return PaymentPlanner.plan(rows(channel, settled), settings: settings, invoice: { invoices[$0.orderID] },
                                   paymentMethod: { _, _ in "310-BANK" },
                                   invoicedShipping: shipping.map { value -> (String, String) -> InvoicedShipping in { _, _ in value } })
    }

    /// Seven Lazada orders, four of them with shipping the customer paid (the report's 4 of 7 left outstanding by their shipping).
    static let lazada = [
        Settled(order: "157683824297273", items: 36_600, buyerShipping: 650, fees: 2_740),
        Settled(order: "208424197744536", items: 64_720, buyerShipping: 1_000, fees: 3_961),
        Settled(order: "257040098306646", items: 48_400, buyerShipping: 2_500, fees: 2_962),
        Settled(order: "279992949597803", items: 11_060, buyerShipping: 490, fees: 676),
        Settled(order: "240772251817382", items: 15_000, buyerShipping: 0, fees: 900),
        Settled(order: "261403771561496", items: 9_900, buyerShipping: 0, fees: 500),
        Settled(order: "145786769879154", items: 2_000, buyerShipping: 0, fees: 100),
    ]
    /// Shopee: the buyer's shipping plus Shopee's rebate on it make the shipping line.
    static let shopee = [
        Settled(order: "2509014EAM4Y3J", items: 36_900, buyerShipping: 1_000, platformShipping: 1_500, fees: 4_652),
        Settled(order: "2509034XVAVM4H", items: 8_800, buyerShipping: 800, fees: 1_290),
    ]
    /// TikTok: the customer's shipping and the platform's shipping discount.
    static let tiktok = [
        Settled(order: "576983477826601055", items: 5_990, buyerShipping: 0, platformShipping: 490, fees: 980),
        Settled(order: "576956556519475112", items: 12_000, buyerShipping: 800, fees: 1_400),
    ]

    func expectFullyKnockedOff(_ result: PaymentPlanner.Result, _ settled: [Settled], channel: String) throws {
        #expect(result.diagnostics.isEmpty, "\(channel): \(result.diagnostics)")
        let payment = try #require(result.payments.first)
        #expect(result.payments.count == 1)
        // Every settled invoice fully knocked off, to the sen.
        #expect(payment.knockOffs.map(\.amount.minorUnits) == settled.map(\.invoiced), "\(channel): each invoice knocked off by exactly its amount")
        #expect(payment.amount.minorUnits == settled.reduce(0) { $0 + $1.invoiced })
        #expect(payment.unapplied == .zero)
        // The logistics charges and the other fees are the bank charge; the bank gets the payout.
        #expect(payment.bankCharge.minorUnits == settled.reduce(0) { $0 + $1.fees })
        #expect(payment.payout.minorUnits == settled.reduce(0) { $0 + $1.net })
        #expect(payment.payload["docamt"] == .string(payment.amount.description))
        let koamts = payment.payload["sdsknockoff"]?.arrayValue?.compactMap { $0.objectValue?["koamt"]?.stringValue } ?? []
        #expect(koamts == settled.map { Money(minorUnits: $0.invoiced).description })
    }

    @Test("Lazada, Shopee and TikTok payouts with buyer-paid shipping, shipping on the invoice: every settled invoice fully knocked off")
    func shippingOnTheInvoice() throws {
        try expectFullyKnockedOff(Self.plan("lazada", Self.lazada, shipping: .beforePlatformDiscount), Self.lazada, channel: "lazada")
        try expectFullyKnockedOff(Self.plan("shopee", Self.shopee, shipping: .beforePlatformDiscount), Self.shopee, channel: "shopee")
        try expectFullyKnockedOff(Self.plan("tiktok", Self.tiktok, shipping: .beforePlatformDiscount), Self.tiktok, channel: "tiktok")
    }

    @Test("without the pack's shipping setting, the invoice amount says which shipping it bills: the same full knock-offs")
    func inferredFromTheInvoice() throws {
        try expectFullyKnockedOff(Self.plan("lazada", Self.lazada, shipping: nil), Self.lazada, channel: "lazada")
        try expectFullyKnockedOff(Self.plan("shopee", Self.shopee, shipping: nil), Self.shopee, channel: "shopee")
        try expectFullyKnockedOff(Self.plan("tiktok", Self.tiktok, shipping: nil), Self.tiktok, channel: "tiktok")
        // amount_basis buyer_paid: the invoice's shipping line is what the buyer paid, the platform's rebate is not on it.
        let buyerPaidInvoices = Dictionary(uniqueKeysWithValues: Self.shopee.map { ($0.order, $0.items + $0.buyerShipping) })
        let result = Self.plan("shopee", Self.shopee, invoiceAmounts: buyerPaidInvoices, shipping: nil)
        let payment = try #require(result.payments.first)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(payment.knockOffs.map(\.amount) == [Money(minorUnits: 37_900), Money(minorUnits: 9_600)])
        #expect(payment.bankCharge == Money(minorUnits: 4_652 + 1_290 - 1_500), "the rebate the invoice does not bill lowers the bank charge")
        #expect(payment.payout.minorUnits == Self.shopee.reduce(0) { $0 + $1.net })
    }

    @Test("amount_basis buyer_paid from the pack: the buyer's shipping is knocked off, the platform's rebate lowers the bank charge")
    func buyerPaidBasis() throws {
        let invoices = Dictionary(uniqueKeysWithValues: Self.shopee.map { ($0.order, $0.items + $0.buyerShipping) })
        let payment = try #require(Self.plan("shopee", Self.shopee, invoiceAmounts: invoices, shipping: .buyerPaid).payments.first)
        #expect(payment.knockOffs.map(\.amount) == [Money(minorUnits: 37_900), Money(minorUnits: 9_600)])
        #expect(payment.unapplied == .zero)
        #expect(payment.payout.minorUnits == Self.shopee.reduce(0) { $0 + $1.net })
    }

    @Test("shipping not on the invoice: only the items are knocked off; the buyer's shipping lowers the bank charge, and beyond the fees stays unapplied")
    func shippingNotInvoiced() throws {
        let goodsOnly = Dictionary(uniqueKeysWithValues: Self.lazada.map { ($0.order, $0.items) })
        let result = Self.plan("lazada", Self.lazada, invoiceAmounts: goodsOnly, shipping: InvoicedShipping.none)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let payment = try #require(result.payments.first)
        #expect(payment.knockOffs.map(\.amount.minorUnits) == Self.lazada.map(\.items))
        let shipping = Self.lazada.reduce(0) { $0 + $1.buyerShipping }, fees = Self.lazada.reduce(0) { $0 + $1.fees }
        #expect(payment.bankCharge.minorUnits == fees - shipping)
        #expect(payment.unapplied == .zero)
        #expect(payment.payout.minorUnits == Self.lazada.reduce(0) { $0 + $1.net })

        // An order whose shipping exceeds its fees: no negative bank charge — the excess reached the bank, unapplied.
        let cheap = [Settled(order: "279992949597803", items: 1_000, buyerShipping: 650, fees: 150)]
        let small = try #require(Self.plan("lazada", cheap, invoiceAmounts: ["279992949597803": 1_000], shipping: InvoicedShipping.none).payments.first)
        #expect(small.knockOffs.map(\.amount) == [Money(minorUnits: 1_000)])
        #expect(small.bankCharge == .zero)
        #expect(small.amount == Money(minorUnits: 1_500))
        #expect(small.unapplied == Money(minorUnits: 500))
        #expect(small.payout == Money(minorUnits: 1_500), "items 10.00 + shipping 6.50 − fees 1.50")
    }

    @Test("an invoice that still differs names the items and shipping it was compared with")
    func mismatchNamesShipping() throws {
        let result = Self.plan("lazada", [Self.lazada[0]], invoiceAmounts: ["157683824297273": 37_000], shipping: .beforePlatformDiscount)
        #expect(result.diagnostics.map(\.message) == ["order 157683824297273: the settlement's 372.50 (items 366.00 + shipping 6.50) differs from invoice IV-1's 370.00; 370.00 is knocked off and 2.50 stays unapplied"])
    }
}
