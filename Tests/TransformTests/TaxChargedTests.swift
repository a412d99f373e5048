import LedgerCore
import Testing
import Transform

/// Prices that exclude tax: the invoice adds tax the buyer must have been charged. The tie-out compares the invoice
/// total with tax against the order and the tax it says was charged, so a receivable nobody paid is reported.
@Suite("Tax charged on prices that exclude tax")
struct TaxChargedTests {
    let graph: TransformGraph

    init() throws {
        graph = try compilePack(minimalPack(defaults: "tax: {code: ST5, rate: 5%}"))
    }

    func order(charged: String?) -> Order {
        var order = sampleOrder(inclusive: false)  // 2 × 100.00 less 10.00: 190.00 before tax, 9.50 tax at 5%
        order.taxCharged = charged.map { rm($0) }
        if let charged { order.buyerPaid = rm("190.00") + rm(charged) }
        return order
    }

    @Test("the tax charged equals the invoice's: the total with tax ties out, no warning")
    func matching() throws {
        let outcome = transform(order(charged: "9.50"), with: graph)
        let tie = try #require(outcome.document?.tieOut)
        #expect(tie.taxIncluded && tie.actual == rm("199.50") && tie.expected == rm("199.50") && tie.tiesOut)
        #expect(tie.taxCharged == rm("9.50") && tie.invoiceTax == rm("9.50"))
        #expect(!outcome.warnings.contains { ["tie-out", "tax-not-charged", "buyer-paid-mismatch"].contains($0.code) }, "\(outcome.warnings)")
    }

    @Test("a different tax charged is a tie-out difference at tax.charged naming both taxes")
    func differing() throws {
        let outcome = transform(order(charged: "9.00"), with: graph)
        let tie = try #require(outcome.document?.tieOut)
        #expect(tie.difference == rm("0.50"))
        let warning = try #require(outcome.warnings.first { $0.code == "tie-out" })
        #expect(warning.keyPath == "tax.charged")
        #expect(warning.message == "order SG-1: invoice total with tax 199.50 does not tie out to seller_revenue 190.00 plus the tax charged 9.00 = 199.00: difference 0.50; the invoice's tax 9.50 differs from the tax the buyer was charged 9.00 (tax.charged) by 0.50")
        #expect(!outcome.warnings.contains { $0.code == "buyer-paid-mismatch" })
    }

    @Test("no tax charged on the order: the tax the invoice adds is reported as not accounted for")
    func missing() throws {
        let outcome = transform(order(charged: nil), with: graph)
        let warning = try #require(outcome.warnings.first { $0.code == "tax-not-charged" })
        #expect(warning.message.contains("the invoice adds 9.50 tax, but the order does not say what tax the buyer was charged (tax.charged): the receivable is 9.50 more than the order accounts for"))
        #expect(outcome.document?.tieOut.taxIncluded == false)
    }

    @Test("prices that include tax: tax.charged is inside them and buyer_paid does not add it")
    func inclusive() throws {
        var order = sampleOrder(inclusive: true)
        order.taxCharged = rm("9.05")
        order.buyerPaid = rm("190.00")
        let outcome = transform(order, with: graph)
        #expect(!outcome.warnings.contains { $0.code == "buyer-paid-mismatch" || $0.code == "tax-not-charged" }, "\(outcome.warnings)")
        #expect(order.computedBuyerPaid(pricesIncludeTax: true) == rm("190.00"))
        #expect(order.computedBuyerPaid(pricesIncludeTax: false) == rm("199.05"))
    }
}
