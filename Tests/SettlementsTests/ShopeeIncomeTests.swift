import Foundation
import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

@Suite("Shopee income report")
struct ShopeeIncomeTests {
    let file = "Income.released.my.20250915_20250921.xlsx"

    func shopeeRow(_ orderID: String, _ date: CalendarDate, gross: String, fees: [SettlementFee], net: String, row: Int) -> SettlementRow {
        SettlementRow(channel: .shopee, orderID: orderID, payoutDate: date, statementReference: nil, currency: "MYR", gross: m(gross),
                      fees: fees, net: m(net), source: SettlementLocation(file: file, sheet: "Income", rows: [row]))
    }

    var expectedRows: [SettlementRow] {
        [
            shopeeRow("250910ABC123", sep15, gross: "120.00", fees: [
                SettlementFee(.commission, "Commission Fee (incl. SST)", m("10.80")),
                SettlementFee(.service, "Service Fee (Incl. SST)", m("6.00")),
                SettlementFee(.transaction, "Transaction Fee (Incl. SST)", m("2.59")),
            ], net: "100.61", row: 4),
            shopeeRow("250911DEF456", sep16, gross: "1234.50", fees: [
                SettlementFee(.shipping, "Shipping Fee Charged by Logistic Provider", m("4.90")),
                SettlementFee(.voucher, "Voucher Sponsored by Seller", m("10.00")),
                SettlementFee(.commission, "Commission Fee (incl. SST)", m("111.11")),
                SettlementFee(.transaction, "Transaction Fee (Incl. SST)", m("26.67")),
            ], net: "1081.82", row: 6),
            shopeeRow("250912GHI789", sep16, gross: "15.00", fees: [
                SettlementFee(.refund, "Refund Amount", m("15.00")),
                SettlementFee(.commission, "Commission Fee (incl. SST)", m("1.35")),
            ], net: "-1.35", row: 8),
        ]
    }

    let negativeWarning = Seen(.warning, "sheet 'Income' row 8, column 'Total Released Amount (RM)': order '250912GHI789' pays out -1.35: "
                               + "a refund or adjustment taken back by the channel, not a payment of the invoice",
                               line: 8, column: 11, cell: "Income!K8", code: "settlement-negative-payout")

    @Test("the real layout (3 header rows, Sku detail rows, negative fees) parses to exact rows")
    func parsesFixture() {
        let source = SettlementFixtures.shopeeIncome(standardOrders)
        // The layout really is what the doc describes.
        let income = source.sheets.first { $0.name == "Income" }!.rows
        #expect(source.sheets.map(\.name) == ["Summary", "Income", "Service Fee Details"])
        #expect(income[0].cells[0] == "Order Info" && income[2].cells[2] == "Order ID" && income[4].cells[1] == "Sku")
        #expect(income[3].cells[25] == "-10.8")

        let result = ShopeeIncomeParser.parse(source)
        #expect(result.channel == .shopee)
        #expect(result.rows == expectedRows)
        #expect(seen(result) == [negativeWarning])
        #expect(result.rows.allSatisfy { $0.imbalance == .zero })
        #expect(result.rows.reduce(Money.zero) { $0 + $1.net } == m("1181.08"))
        #expect(result.rows.reduce(Money.zero) { $0 + $1.totalFees } == m("188.42"))
    }

    @Test("a title banner above the three header rows moves nothing but the row numbers")
    func extraBanner() {
        let source = SettlementFixtures.shopeeIncome(standardOrders).replacingRows(ofSheet: "Income") { rows in
            [SettlementFixtureRow(number: 1, cells: ["Income Released Report — acme.living"])]
                + rows.map { SettlementFixtureRow(number: $0.number + 1, cells: $0.cells) }
        }
        let result = ShopeeIncomeParser.parse(source)
        #expect(result.rows.map(\.source.row) == [5, 7, 9])
        #expect(result.rows.map(\.net) == expectedRows.map(\.net))
    }

    @Test("a bad amount is an error naming the sheet, row, column and value; the other orders still parse")
    func badAmount() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(standardOrders, defects: [.badAmount(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Income' row 6, column 'Commission Fee (incl. SST)': \(badAmountWhy)",
                 line: 6, column: 26, cell: "Income!Z6", code: "settlement-bad-amount"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("a missing order ID is an error")
    func missingOrderID() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(standardOrders, defects: [.missingOrderID(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Income' row 6, column 'Order ID': the order ID is empty, so the row cannot be matched to an invoice",
                 line: 6, column: 3, cell: "Income!C6", code: "settlement-missing-order-id"),
            negativeWarning,
        ])
        #expect(result.rows.count == 2)
    }

    @Test("a missing payout date is an error")
    func missingPayoutDate() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(standardOrders, defects: [.missingPayoutDate(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Income' row 6, column 'Payout Completed Date': the payout date is empty, so the order cannot be put in a payout",
                 line: 6, column: 8, cell: "Income!H6", code: "settlement-missing-payout-date"),
            negativeWarning,
        ])
    }

    @Test("a payout that is not gross − fees to the sen is an error with both sides")
    func netMismatch() {
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(standardOrders, defects: [.netMismatch(order: 1, by: m("0.30"))]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Income' row 6, column 'Total Released Amount (RM)': order '250911DEF456' pays out 1082.12, "
                 + "but gross 1234.50 − fees 152.68 = 1081.82 (a difference of 0.30); the row's amounts do not add up, "
                 + "or the report has a fee column ledgersync does not read",
                 line: 6, column: 11, cell: "Income!K6", code: "settlement-net-mismatch"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("every row's errors are reported, not just the first")
    func collectsAll() {
        let orders = standardOrders + [SettlementFixtureOrder("250913JKL000", payoutDate: sep16, gross: m("50.00"), fees: [.commission: m("4.50")])]
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(orders, defects: [
            .badAmount(order: 0), .missingOrderID(order: 1), .missingPayoutDate(order: 1), .netMismatch(order: 3, by: m("-0.01")),
        ]))
        #expect(result.errors.map(\.code) == ["settlement-bad-amount", "settlement-missing-order-id", "settlement-missing-payout-date",
                                             "settlement-net-mismatch"])
        #expect(result.errors.compactMap(\.location?.line) == [4, 6, 6, 10])
        #expect(result.rows.map(\.orderID) == ["250912GHI789"])
    }

    @Test("a zero payout is a warning; a missing required column is one error pointing at the closest header row")
    func zeroAndMissingColumn() {
        let zero = [SettlementFixtureOrder("250914ZZZ111", payoutDate: sep15, gross: m("20.00"), fees: [.refund: m("20.00")])]
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(zero))
        #expect(seen(result) == [Seen(.warning, "sheet 'Income' row 4, column 'Total Released Amount (RM)': order '250914ZZZ111' pays out 0.00; "
                                      + "there is nothing to knock off", line: 4, column: 11, cell: "Income!K4", code: "settlement-zero-payout")])
        #expect(result.rows.count == 1)

        let noDate = SettlementFixtures.shopeeIncome(standardOrders).replacingRows(ofSheet: "Income") { rows in
            rows.map { row in SettlementFixtureRow(number: row.number, cells: row.cells.enumerated().map { $0.offset == 7 ? "" : $0.element }) }
        }
        #expect(seen(ShopeeIncomeParser.parse(noDate)) == [
            Seen(.error, "no header row with the Shopee income report columns 'Order ID', 'Payout Completed Date', 'Total Released Amount (RM)' "
                 + "in the first 30 rows of any sheet; row 3 of sheet 'Income' has 'Order ID', 'Total Released Amount (RM)' but not 'Payout Completed Date'",
                 line: 3, column: 0, cell: nil, code: "settlement-missing-column"),
        ])
    }
}

@Suite("Shopee income report: duplicates")
struct ShopeeDuplicateTests {
    @Test("the same order twice in one payout is a warning on the second row")
    func duplicate() {
        let orders = [standardOrders[0], standardOrders[0]]
        let result = ShopeeIncomeParser.parse(SettlementFixtures.shopeeIncome(orders))
        #expect(result.rows.count == 2)
        #expect(seen(result) == [
            Seen(.warning, "sheet 'Income' row 6, column 'Order ID': order '250910ABC123' is also on row 4 of the same payout; both rows are counted",
                 line: 6, column: 3, cell: "Income!C6", code: "settlement-duplicate-order"),
        ])
    }
}

@Suite("Shopee income report: read from a real xlsx file")
struct ShopeeWorkbookFileTests {
    @Test("the fixture written as an xlsx and opened like `payments import` parses exactly as the fixture held in memory")
    func fromFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("settlements-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let workbook = SettlementFixtures.shopeeIncome(standardOrders, defects: [.badAmount(order: 1)])
        let source = try workbook.written(to: folder.appendingPathComponent(workbook.fileName).path)
        #expect(source.sheets.map(\.name) == ["Summary", "Income", "Service Fee Details"])
        let fromFile = SettlementImport.parse(source, expected: .shopee)
        let inMemory = SettlementImport.parse(workbook, expected: .shopee)
        #expect(source.readError() == nil)
        #expect(fromFile.rows == inMemory.rows && fromFile.rows.count == 2)
        #expect(seen(fromFile) == seen(inMemory))
        #expect(fromFile.errors.map(\.keyPath) == ["Income!Z6"])
    }
}
