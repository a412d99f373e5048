import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

@Suite("TikTok Shop settlement")
struct TikTokSettlementTests {
    let file = "tiktok-settlement-20250915.xlsx"

    func tiktokRow(_ orderID: String, _ date: CalendarDate, statement: String, gross: String, fees: [SettlementFee], net: String, row: Int) -> SettlementRow {
        SettlementRow(channel: .tiktok, orderID: orderID, payoutDate: date, statementReference: statement, currency: "MYR", gross: m(gross),
                      fees: fees, net: m(net), source: SettlementLocation(file: file, sheet: "Order details", rows: [row]))
    }

    var expectedRows: [SettlementRow] {
        [
            tiktokRow("250910ABC123", sep15, statement: "7202509150001", gross: "120.00", fees: [
                SettlementFee(.transaction, "Transaction fee", m("2.59")),
                SettlementFee(.commission, "TikTok Shop commission fee", m("10.80")),
                SettlementFee(.service, "SFP service fee", m("6.00")),
            ], net: "100.61", row: 2),
            tiktokRow("250911DEF456", sep16, statement: "7202509160001", gross: "1234.50", fees: [
                SettlementFee(.transaction, "Transaction fee", m("26.67")),
                SettlementFee(.commission, "TikTok Shop commission fee", m("111.11")),
                SettlementFee(.shipping, "Seller shipping fee", m("4.90")),
                SettlementFee(.other, "Total Fees (rest)", m("10.00")),    // the voucher: only in Total Fees
            ], net: "1081.82", row: 3),
            tiktokRow("250912GHI789", sep16, statement: "7202509160001", gross: "15.00", fees: [
                SettlementFee(.commission, "TikTok Shop commission fee", m("1.35")),
                SettlementFee(.other, "Total Fees (rest)", m("15.00")),
            ], net: "-1.35", row: 4),
        ]
    }

    let negativeWarning = Seen(.warning, "sheet 'Order details' row 4, column 'Total settlement amount': order '250912GHI789' pays out -1.35: "
                               + "a refund or adjustment taken back by the channel, not a payment of the invoice",
                               line: 4, column: 15, cell: "Order details!O4", code: "settlement-negative-payout")

    @Test("the real layout ('Order details', headers with trailing spaces) parses to exact rows")
    func parsesFixture() {
        let source = SettlementFixtures.tiktokSettlement(standardOrders)
        #expect(source.sheets.map(\.name) == ["Order details"])
        #expect(source.sheets[0].rows[0].cells[4] == "Type " && source.sheets[0].rows[0].cells[6] == "Order/adjustment ID  ")
        let result = TikTokSettlementParser.parse(source)
        #expect(result.rows == expectedRows)
        #expect(seen(result) == [negativeWarning])
    }

    @Test("an adjustment settles against its related order; other row types are skipped with a warning")
    func adjustments() {
        let header = SettlementFixtures.tiktokOrderDetailsHeader
        func row(_ number: Int, _ values: [String: String]) -> SettlementFixtureRow {
            SettlementFixtureRow(number: number, cells: header.map { values[$0.trimmingSpaces] ?? "" })
        }
        let source = SettlementFixtureWorkbook(fileName: "adj.xlsx", sheets: [(name: "Order details", rows: [
            SettlementFixtureRow(number: 1, cells: header),
            row(2, ["Statement date": "2025-09-15", "Statement ID": "S9", "Type": "Adjustment", "Currency": "MYR",
                    "Order/adjustment ID": "ADJ-7788", "Related order ID": "576912345678901234",
                    "Total settlement amount": "-5", "Total Revenue": "0", "Total Fees": "0", "Adjustment amount": "-5",
                    "Adjustment reasons": "Logistics compensation reversal"]),
            row(3, ["Statement date": "2025-09-15", "Statement ID": "S9", "Type": "Reserve", "Order/adjustment ID": "R1",
                    "Total settlement amount": "-100"]),
        ])])
        let result = TikTokSettlementParser.parse(source)
        #expect(result.rows == [
            SettlementRow(channel: .tiktok, orderID: "576912345678901234", kind: .adjustment, adjustmentID: "ADJ-7788", payoutDate: sep15,
                          statementReference: "S9", currency: "MYR", gross: .zero, fees: [SettlementFee(.other, "Adjustment amount", m("5.00"))],
                          net: m("-5.00"), source: SettlementLocation(file: "adj.xlsx", sheet: "Order details", rows: [2])),
        ])
        #expect(result.warnings.map(\.code) == ["settlement-negative-payout", "settlement-skipped-row"])
        #expect(result.warnings[1].message == "sheet 'Order details' row 3, column 'Type': type 'Reserve' is neither Order nor Adjustment; the row is skipped")
    }

    @Test("adjustments that name no order and only take money are one channel charge per payout (empty order id), their fees kept")
    func orderlessAdjustments() {
        let header = SettlementFixtures.tiktokOrderDetailsHeader
        func row(_ number: Int, _ values: [String: String]) -> SettlementFixtureRow {
            SettlementFixtureRow(number: number, cells: header.map { values[$0.trimmingSpaces] ?? "" })
        }
        let source = SettlementFixtureWorkbook(fileName: "adj.xlsx", sheets: [(name: "Order details", rows: [
            SettlementFixtureRow(number: 1, cells: header),
            row(2, ["Statement date": "2025-09-15", "Statement ID": "S9", "Type": "Adjustment", "Currency": "MYR", "Order/adjustment ID": "ADJ-1",
                    "Total settlement amount": "-5", "Total Revenue": "0", "Total Fees": "0", "Adjustment amount": "-5",
                    "Adjustment reasons": "Late dispatch penalty"]),
            row(3, ["Statement date": "2025-09-15", "Statement ID": "S9", "Type": "Adjustment", "Currency": "MYR", "Order/adjustment ID": "ADJ-2",
                    "Total settlement amount": "-20", "Total Revenue": "0", "Total Fees": "0", "Adjustment amount": "-20",
                    "Adjustment reasons": "Ads credit top-up"]),
        ])])
        let result = TikTokSettlementParser.parse(source)
        #expect(result.rows == [
            SettlementRow(channel: .tiktok, orderID: "", kind: .adjustment, payoutDate: sep15, statementReference: "S9", currency: "MYR", gross: .zero,
                          fees: [SettlementFee(.other, "Adjustment amount", m("5.00")), SettlementFee(.other, "Adjustment amount", m("20.00"))],
                          net: m("-25.00"), source: SettlementLocation(file: "adj.xlsx", sheet: "Order details", rows: [2, 3])),
        ])
        #expect(result.diagnostics.isEmpty, "kept for payments.channel_charges, not warned about")
    }

    @Test("a bad fee amount is an error naming the trimmed header")
    func badAmount() {
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(standardOrders, defects: [.badAmount(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Order details' row 3, column 'Transaction fee': \(badAmountWhy)",
                 line: 3, column: 22, cell: "Order details!V3", code: "settlement-bad-amount"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("a missing order ID is an error")
    func missingOrderID() {
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(standardOrders, defects: [.missingOrderID(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Order details' row 3, column 'Order/adjustment ID': the order/adjustment ID is empty, so the row cannot be matched to an invoice",
                 line: 3, column: 7, cell: "Order details!G3", code: "settlement-missing-order-id"),
            negativeWarning,
        ])
    }

    @Test("a missing statement date is an error")
    func missingPayoutDate() {
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(standardOrders, defects: [.missingPayoutDate(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Order details' row 3, column 'Statement date': the payout date is empty, so the order cannot be put in a payout",
                 line: 3, column: 1, cell: "Order details!A3", code: "settlement-missing-payout-date"),
            negativeWarning,
        ])
    }

    @Test("a settlement amount that is not revenue + fees is an error")
    func netMismatch() {
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(standardOrders, defects: [.netMismatch(order: 0, by: m("-1.00"))]))
        #expect(seen(result) == [
            Seen(.error, "sheet 'Order details' row 2, column 'Total settlement amount': order '250910ABC123' pays out 99.61, "
                 + "but gross 120.00 − fees 19.39 = 100.61 (a difference of -1.00); the row's amounts do not add up, "
                 + "or the report has a fee column ledgersync does not read",
                 line: 2, column: 15, cell: "Order details!O2", code: "settlement-net-mismatch"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250911DEF456", "250912GHI789"])
    }

    @Test("an order ID a spreadsheet rounded into a number is refused")
    func roundedOrderID() {
        var orders = standardOrders
        orders[0].orderID = "5.7691234567891E+17"
        let result = TikTokSettlementParser.parse(SettlementFixtures.tiktokSettlement(orders))
        #expect(result.errors.map(\.code) == ["settlement-bad-order-id"])
        #expect(result.errors[0].message.hasPrefix("sheet 'Order details' row 2, column 'Order/adjustment ID': '5.7691234567891E+17' is an order number a spreadsheet turned into a rounded number"))
    }
}
