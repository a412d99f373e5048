import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

@Suite("Lazada statement")
struct LazadaStatementTests {
    let file = "lazada-statement-20250915.csv"

    func lazadaRow(_ orderID: String, _ date: CalendarDate, statement: String, gross: String, fees: [SettlementFee], net: String,
                   rows: [Int], file: String? = nil) -> SettlementRow {
        SettlementRow(channel: .lazada, orderID: orderID, payoutDate: date, statementReference: statement, currency: "MYR", gross: m(gross),
                      fees: fees, net: m(net), source: SettlementLocation(file: file ?? self.file, sheet: nil, rows: rows))
    }

    var expectedRows: [SettlementRow] {
        [
            lazadaRow("250910ABC123", sep15, statement: "MY20250915-W", gross: "120.00", fees: [
                SettlementFee(.commission, "Commission", m("10.80")),
                SettlementFee(.service, "Free Shipping Max Fee", m("6.00")),
                SettlementFee(.transaction, "Payment Fee", m("2.59")),
            ], net: "100.61", rows: [3, 4, 5, 6]),
            lazadaRow("250911DEF456", sep16, statement: "MY20250916-W", gross: "1234.50", fees: [
                SettlementFee(.commission, "Commission", m("111.11")),
                SettlementFee(.transaction, "Payment Fee", m("26.67")),
                SettlementFee(.shipping, "Shipping Fee Voucher", m("4.90")),
                SettlementFee(.voucher, "Promotional Charges Vouchers", m("10.00")),
            ], net: "1081.82", rows: [7, 8, 9, 10, 11]),
            lazadaRow("250912GHI789", sep16, statement: "MY20250916-W", gross: "15.00", fees: [
                SettlementFee(.commission, "Commission", m("1.35")),
                SettlementFee(.refund, "Reversal Item Price", m("15.00")),
            ], net: "-1.35", rows: [12, 13, 14]),
        ]
    }

    let negativeWarning = Seen(.warning, "rows 12–14, column 'Amount(Include Tax)': order '250912GHI789' pays out -1.35: "
                               + "a refund or adjustment taken back by the channel, not a payment of the invoice",
                               line: 12, column: 5, cell: "E12", code: "settlement-negative-payout")

    @Test("the real layout (';'-separated, banner row, one row per fee) groups into one exact row per order")
    func parsesFixture() throws {
        let text = SettlementFixtures.lazadaStatementCSV(standardOrders)
        let lines = text.split(separator: "\n")
        #expect(lines[0].hasPrefix("Seller Center Account Statement"))
        #expect(lines[1].hasPrefix("Statement Period;Statement Number;Transaction Date;Fee Name;Amount(Include Tax);"))
        #expect(lines.count == 2 + 4 + 5 + 3)
        #expect(lines[3].contains(";Commission;-10.80;") && lines[2].contains(";15 Sep 2025;"))

        let result = LazadaStatementParser.parse(try SettlementSource.csv(text: text, fileName: file))
        #expect(result.rows == expectedRows)
        #expect(seen(result) == [negativeWarning])
        #expect(LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(standardOrders)).rows == expectedRows)
    }

    @Test("fee rows group by order, statement and release date, wherever they sit; same-name fees add up, zero fees drop out")
    func grouping() throws {
        let header = SettlementFixtures.lazadaStatementHeader.joined(separator: ";")
        func line(_ statement: String, _ fee: String, _ amount: String, _ release: String, _ order: String, _ orderLine: String) -> String {
            "1 Sep 2025 - 7 Sep 2025;\(statement);1 Sep 2025;\(fee);\(amount);0.00;Released;\(release);;28 Aug 2025;\(order);\(orderLine);SKU;LSKU;0.00;No;Delivered;Chair;"
        }
        let text = ["Account Statement", header,
                    line("S1", "Item Price Credit", "100.00", "8 Sep 2025", "A1", "A1-1"),
                    line("S1", "Item Price Credit", "49.90", "8 Sep 2025", "B2", "B2-1"),
                    line("S1", "Item Price Credit", "60.00", "8 Sep 2025", "A1", "A1-2"),   // A1's second order line
                    line("S1", "Commission", "-8.00", "8 Sep 2025", "A1", "A1-1"),
                    line("S1", "Commission", "-4.80", "8 Sep 2025", "A1", "A1-2"),
                    line("S1", "Payment Fee", "0.00", "8 Sep 2025", "A1", "A1-1"),
                    line("S1", "Sponsored Discovery Top-up", "-1.00", "8 Sep 2025", "B2", "B2-1"),
                    "",
                    line("S2", "Shipping Subsidy Credit", "3.00", "15 Sep 2025", "A1", "A1-1"),   // a later statement
                    line("S2", "Sponsored Discovery Top-up", "-2.00", "15 Sep 2025", "A1", "A1-1"),
        ].joined(separator: "\n")
        let result = LazadaStatementParser.parse(try SettlementSource.csv(text: text, fileName: "g.csv"))
        #expect(result.rows == [
            lazadaRow("A1", CalendarDate(year: 2025, month: 9, day: 8), statement: "S1", gross: "160.00",
                      fees: [SettlementFee(.commission, "Commission", m("12.80"))], net: "147.20", rows: [3, 5, 6, 7, 8], file: "g.csv"),
            lazadaRow("B2", CalendarDate(year: 2025, month: 9, day: 8), statement: "S1", gross: "49.90",
                      fees: [SettlementFee(.other, "Sponsored Discovery Top-up", m("1.00"))], net: "48.90", rows: [4, 9], file: "g.csv"),
            lazadaRow("A1", sep15, statement: "S2", gross: "0.00",
                      fees: [SettlementFee(.shipping, "Shipping Subsidy Credit", m("-3.00")), SettlementFee(.other, "Sponsored Discovery Top-up", m("2.00"))],
                      net: "1.00", rows: [11, 12], file: "g.csv"),
        ])
        // An unknown fee name is warned about once, where it first appears.
        #expect(seen(result) == [
            Seen(.warning, "row 9, column 'Fee Name': fee name 'Sponsored Discovery Top-up' is not in ledgersync's Lazada fee table; "
                 + "it is counted as an 'other' fee", line: 9, column: 4, cell: "D9", code: "settlement-unknown-fee"),
        ])
    }

    @Test("the older 'Transaction Overview' export (comma-separated, Order No., Amount, Transaction Date) parses too")
    func olderExport() throws {
        let text = """
        Transaction Overview 01 Sep 2025 - 07 Sep 2025
        Transaction Date,Transaction Type,Fee Name,Transaction Number,Details,Seller SKU,Lazada SKU,Amount,VAT in Amount,WHT Amount,WHT included in Amount,Statement,Paid Status,Order No.,Order Item No.,Order Item Status,Shipping Provider,Shipping Speed,Shipment Type,Reference,Comment,PaymentRefId
        05 Sep 2025,Orders-Sales,Item Price Credit,T1,,SKU1,LSKU1,"1,299.00",0,0,No,1 Sep 2025 - 7 Sep 2025,Paid,300111,9001,Delivered,LEX,Standard,Dropship,,,P1
        05 Sep 2025,Orders-Lazada Fees,Commission,T2,,SKU1,LSKU1,-116.91,0,0,No,1 Sep 2025 - 7 Sep 2025,Paid,300111,9001,Delivered,LEX,Standard,Dropship,,,P1
        05 Sep 2025,Orders-Lazada Fees,Payment Fee,T3,,SKU1,LSKU1,(28.06),0,0,No,1 Sep 2025 - 7 Sep 2025,Paid,300111,9001,Delivered,LEX,Standard,Dropship,,,P1
        """
        let result = LazadaStatementParser.parse(try SettlementSource.csv(text: text, fileName: "old.csv"))
        #expect(result.diagnostics.isEmpty)
        #expect(result.rows == [
            lazadaRow("300111", CalendarDate(year: 2025, month: 9, day: 5), statement: "1 Sep 2025 - 7 Sep 2025", gross: "1299.00",
                      fees: [SettlementFee(.commission, "Commission", m("116.91")), SettlementFee(.transaction, "Payment Fee", m("28.06"))],
                      net: "1154.03", rows: [3, 4, 5], file: "old.csv"),
        ])
    }

    @Test("fee rows naming no order, order line or SKU are account-level charges: one channel-level row (empty order id) per statement and release date, with the fees by name; the orders still import")
    func accountLevelFee() throws {
        let topUp = "15 Sep 2025 - 21 Sep 2025;MY20250915-W;14 Sep 2025;Sponsored Discovery - Top up;-50.00;0.00;Released;15 Sep 2025;;;;;;;0.00;No;;;"
        let second = "15 Sep 2025 - 21 Sep 2025;MY20250915-W;14 Sep 2025;Sponsored Discovery - Top up;-20.00;0.00;Released;15 Sep 2025;;;;;;;0.00;No;;;"
        let text = SettlementFixtures.lazadaStatementCSV(standardOrders) + topUp + "\n" + second + "\n"
        let result = LazadaStatementParser.parse(try SettlementSource.csv(text: text, fileName: file))
        let charge = SettlementRow(channel: .lazada, orderID: "", kind: .adjustment, payoutDate: sep15, statementReference: "MY20250915-W", currency: "MYR",
                                   gross: .zero, fees: [SettlementFee(.other, "Sponsored Discovery - Top up", m("70.00"))], net: m("-70.00"),
                                   source: SettlementLocation(file: file, sheet: nil, rows: [15, 16]))
        #expect(result.rows == expectedRows + [charge])
        #expect(seen(result) == [negativeWarning], "a channel charge is kept, not warned about: payments.channel_charges books it")
        // An item-price row without an order number is still an error: that money belongs to some invoice.
        let revenue = topUp.replacingOccurrences(of: "Sponsored Discovery - Top up;-50.00", with: "Item Price Credit;50.00")
        let broken = LazadaStatementParser.parse(try SettlementSource.csv(text: SettlementFixtures.lazadaStatementCSV(standardOrders) + revenue + "\n", fileName: file))
        #expect(broken.errors.map(\.code) == ["settlement-missing-order-id"])
    }

    @Test("a bad amount drops its order (its total would be wrong) and names the row")
    func badAmount() {
        let result = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(standardOrders, defects: [.badAmount(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "row 8, column 'Amount(Include Tax)': \(badAmountWhy)", line: 8, column: 5, cell: "E8", code: "settlement-bad-amount"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("a missing order number is an error on every row that lacks it")
    func missingOrderID() {
        let result = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(standardOrders, defects: [.missingOrderID(order: 1)]))
        #expect(seen(result) == (7...11).map { row in
            Seen(.error, "row \(row), column 'Order Number': the order number is empty, so the row cannot be matched to an invoice",
                 line: row, column: 11, cell: "K\(row)", code: "settlement-missing-order-id")
        } + [negativeWarning])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("a missing release date is an error and drops the whole order from that statement")
    func missingPayoutDate() {
        let result = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(standardOrders, defects: [.missingPayoutDate(order: 1)]))
        #expect(seen(result) == [
            Seen(.error, "row 7, column 'Release Date': the payout date is empty, so the order cannot be put in a payout",
                 line: 7, column: 8, cell: "H7", code: "settlement-missing-payout-date"),
            negativeWarning,
        ])
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250912GHI789"])
    }

    @Test("a statement has no payout column, so the net-mismatch defect does not apply to it")
    func noNetMismatch() {
        #expect(!SettlementFixtures.supports(.netMismatch(order: 0, by: m("0.01")), for: .lazada))
        #expect(SettlementFixtures.supports(.netMismatch(order: 0, by: m("0.01")), for: .tiktok))
        #expect(SettlementFixtures.supports(.badAmount(order: 0), for: .lazada))
    }
}

@Suite("Lazada statement: rows not released yet")
struct LazadaUnreleasedTests {
    @Test("rows whose release status says not released are left out with one warning")
    func unreleased() throws {
        var orders = standardOrders
        orders.append(SettlementFixtureOrder("250913PEND01", payoutDate: sep16, gross: m("30.00"), fees: [.commission: m("2.70")]))
        let text = SettlementFixtures.lazadaStatementCSV(orders).split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { index, line in
            index >= 14 ? String(line).replacing(";Released;16 Sep 2025;", with: ";Not Released;;") : String(line)
        }.joined(separator: "\n")
        let result = LazadaStatementParser.parse(try SettlementSource.csv(text: text, fileName: "p.csv"))
        #expect(result.rows.map(\.orderID) == ["250910ABC123", "250911DEF456", "250912GHI789"])
        #expect(seen(result).filter { $0.code == "settlement-not-released" } == [
            Seen(.warning, "row 15, column 'Release Status': 2 rows are not released yet (Release Status 'Not Released', the first here) "
                 + "and left out: they belong to a later payout", line: 15, column: 7, cell: "G15", code: "settlement-not-released"),
        ])
    }
}
