import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

/// Shipping the buyer paid is part of what pays the invoice, not a negative fee; what the logistics provider
/// charges stays a fee. The same two orders through each channel's real layout.
@Suite("Settlement shipping credits")
struct ShippingCreditTests {
    /// A buyer who paid 6.50 shipping on a 120.00 order whose delivery cost the seller 4.90; and one whose
    /// shipping the platform discounted by 3.00 on top of the 2.00 the buyer paid (no logistics charge).
    static func orders(platform: Bool) -> [SettlementFixtureOrder] {
        [
            SettlementFixtureOrder("250910SHP001", payoutDate: sep15, gross: m("120.00"),
                                   fees: [.commission: m("10.80"), .transaction: m("2.59"), .shipping: m("4.90")], shipping: [.buyer: m("6.50")]),
            SettlementFixtureOrder("250910SHP002", payoutDate: sep15, gross: m("45.00"), fees: [.commission: m("4.05")],
                                   shipping: platform ? [.buyer: m("2.00"), .platform: m("3.00")] : [.buyer: m("5.00")]),
        ]
    }

    func expectCredits(_ result: SettlementParseResult, buyer: [Money], platform: [Money], logistics: Money, channel: Channel) {
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(result.rows.count == 2)
        guard result.rows.count == 2 else { return }
        let (first, second) = (result.rows[0], result.rows[1])
        #expect(result.rows.map(\.gross) == [m("120.00"), m("45.00")], "\(channel): the gross is the item revenue only")
        #expect(result.rows.map(\.buyerPaidShipping) == buyer, "\(channel)")
        #expect(result.rows.map(\.platformShippingDiscount) == platform, "\(channel)")
        #expect(first.fees(of: .shipping) == logistics, "\(channel): the logistics provider's charge stays a fee")
        #expect(first.totalFees == m("10.80") + m("2.59") + logistics, "\(channel)")
        #expect(second.fees.allSatisfy { $0.kind != .shipping }, "\(channel): no shipping fee where the seller paid none")
        #expect(result.rows.map(\.net) == [m("108.21"), m("45.95")], "\(channel): the payout is items + shipping paid − fees")
        #expect(result.rows.allSatisfy { $0.imbalance == .zero }, "\(channel)")
        // Items + what the buyer's side paid for shipping = the invoice of an order that bills its shipping, to the sen.
        #expect(result.rows.map { $0.gross + $0.totalShippingCredits } == [m("126.50"), m("50.00")], "\(channel)")
    }

    @Test("Shopee: 'Shipping Fee Paid by Buyer (excl. SST)' and 'Shipping Rebate From Shopee' are shipping credits; the logistic provider's charge is a fee")
    func shopee() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(Self.orders(platform: true)))
        expectCredits(result, buyer: [m("6.50"), m("2.00")], platform: [.zero, m("3.00")], logistics: m("4.90"), channel: .shopee)
        #expect(result.rows.first?.shippingCredits == [SettlementShippingCredit(.buyer, "Shipping Fee Paid by Buyer (excl. SST)", m("6.50"))])
        #expect(result.rows.first?.fees.contains(SettlementFee(.shipping, "Shipping Fee Charged by Logistic Provider", m("4.90"))) == true)
    }

    @Test("Lazada: a 'Shipping Fee (Paid By Customer)' row is a shipping credit, not a negative fee")
    func lazada() {
        let result = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(Self.orders(platform: false)))
        expectCredits(result, buyer: [m("6.50"), m("5.00")], platform: [.zero, .zero], logistics: m("4.90"), channel: .lazada)
        #expect(result.rows.first?.shippingCredits == [SettlementShippingCredit(.buyer, "Shipping Fee (Paid By Customer)", m("6.50"))])
        #expect(result.rows.first?.source.rows == [3, 4, 5, 6, 7], "the shipping row is one of the order's rows")
    }

    @Test("TikTok: 'Customer shipping fee' and 'Platform shipping fee discount' come out of 'Seller shipping fee'; what remains is the logistics charge")
    func tiktok() {
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(Self.orders(platform: true)))
        expectCredits(result, buyer: [m("6.50"), m("2.00")], platform: [.zero, m("3.00")], logistics: m("4.90"), channel: .tiktok)
        #expect(result.rows.first?.fees.contains(SettlementFee(.shipping, "Seller shipping fee", m("4.90"))) == true)
        #expect(result.rows.allSatisfy { !$0.fees.contains { $0.name == TikTokSettlementColumns.otherFeesName } }, "nothing left over in Total Fees")
    }

    @Test("TikTok without a 'Seller shipping fee' column: the credits come out of the rest of Total Fees")
    func tiktokWithoutSellerShippingColumn() {
        let source = SettlementFixtures.tiktokSettlement(Self.orders(platform: true)).replacingRows(ofSheet: "Order details") { rows in
            rows.map { row in
                var row = row
                if let index = SettlementFixtures.tiktokOrderDetailsHeader.firstIndex(of: "Seller shipping fee") { row.cells[index] = row.number == 1 ? "Unused" : "" }
                return row
            }
        }
        let result = TikTokSettlementParser.parse(source)
        #expect(!result.hasErrors, "\(result.diagnostics)")
        #expect(result.rows.map(\.totalShippingCredits) == [m("6.50"), m("5.00")])
        #expect(result.rows.first?.fees.contains(SettlementFee(.other, TikTokSettlementColumns.otherFeesName, m("4.90"))) == true,
                "the logistics charge is only in Total Fees then")
        #expect(result.rows.map(\.net) == [m("108.21"), m("45.95")])
    }

    @Test("a payout that does not add up names the shipping in its sum")
    func mismatchNamesShipping() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(Self.orders(platform: false), defects: [.netMismatch(order: 0, by: m("1.00"))]))
        #expect(result.errors.map(\.message) == ["sheet 'Income' row 4, column 'Total Released Amount (RM)': order '250910SHP001' pays out 109.21, "
            + "but gross 120.00 + shipping 6.50 − fees 18.29 = 108.21 (a difference of 1.00); the row's amounts do not add up, or the report has a fee column ledgersync does not read"])
    }

    @Test("the preview shows the shipping paid beside the gross, and in the totals")
    func preview() {
        let result = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(Self.orders(platform: false)))
        let text = result.preview()
        #expect(text.contains("Gross  Shipping paid  Commission  Transaction  Shipping"), "\(text)")
        #expect(text.contains("Total of 2 rows (MYR): gross 165.00, shipping paid 11.50, fees 22.34, net 154.16"), "\(text)")
    }
}
