import LedgerCore
import Testing
@testable import Settlements
import SettlementTestFixtures

@Suite("Detection by content, wrong-channel refusal and the preview")
struct DetectionTests {
    let olderLazada = """
    Transaction Overview 01 Sep 2025 - 07 Sep 2025
    Transaction Date,Transaction Type,Fee Name,Transaction Number,Details,Seller SKU,Lazada SKU,Amount,VAT in Amount,WHT Amount,WHT included in Amount,Statement,Paid Status,Order No.,Order Item No.,Order Item Status
    05 Sep 2025,Orders-Sales,Item Price Credit,T1,,SKU1,LSKU1,99.00,0,0,No,S1,Paid,300111,9001,Delivered
    """

    @Test("each channel's file is recognised from its header row, whatever its name")
    func detectsEachChannel() throws {
        let shopee = SettlementDetector.detect(SettlementFixtures.shopeeIncome(standardOrders, fileName: "report.xlsx"))
        #expect(shopee?.channel == .shopee)
        #expect(shopee?.reason == "columns 'Sequence No.', 'View By', … on row 3 of sheet 'Income'")
        #expect(shopee?.sheet == "Income" && shopee?.headerRow == 3)

        let lazada = SettlementDetector.detect(SettlementFixtures.lazadaStatement(standardOrders, fileName: "tiktok.csv"))
        #expect(lazada?.channel == .lazada)
        #expect(lazada?.reason == "columns 'Statement Period', 'Statement Number', … on row 2")

        let tiktok = SettlementDetector.detect(SettlementFixtures.tiktokSettlement(standardOrders, fileName: "shopee.xlsx"))
        #expect(tiktok?.channel == .tiktok)
        #expect(tiktok?.reason == "columns 'Statement ID', 'Payment ID', … on row 1 of sheet 'Order details'")
        #expect(tiktok?.description == "a TikTok Shop settlement (columns 'Statement ID', 'Payment ID', … on row 1 of sheet 'Order details')")

        let older = SettlementDetector.detect(try SettlementSource.csv(text: olderLazada, fileName: "x.csv"))
        #expect(older?.channel == .lazada)
        #expect(older?.matchedColumns == ["Transaction Type", "Fee Name", "Lazada SKU", "VAT in Amount", "WHT Amount", "WHT included in Amount", "Paid Status", "Order No.", "Order Item No."])

        let unknown = try SettlementSource.csv(text: "sku,syncapp_code,syncapp_uom\nA,B,C\n", fileName: "items.csv")
        #expect(SettlementDetector.detect(unknown) == nil)
        // With no header to go by, a telling sheet name still says what the file is.
        let bare = SettlementFixtureWorkbook(fileName: "t.xlsx", sheets: [(name: "Order details", rows: [])])
        #expect(SettlementDetector.detect(bare)?.reason == "a sheet named 'Order details'")
    }

    @Test("importing as the detected channel parses; the detection is kept")
    func importsExpected() {
        let result = SettlementImport.parse(SettlementFixtures.tiktokSettlement(standardOrders), expected: .tiktok)
        #expect(result.rows.count == 3 && !result.hasErrors)
        #expect(result.detection?.channel == .tiktok)
        let detected = SettlementImport.parse(SettlementFixtures.lazadaStatement(standardOrders))
        #expect(detected.channel == .lazada && detected.rows.count == 3)
    }

    @Test("a file of another channel is refused with what it looks like")
    func refusesWrongChannel() throws {
        let older = SettlementImport.parse(try SettlementSource.csv(text: olderLazada, fileName: "settlement.csv"), expected: .shopee)
        #expect(older.rows.isEmpty)
        #expect(seen(older) == [Seen(.error, "this looks like a Lazada statement (columns 'Transaction Type', 'Fee Name', … on row 2), not a Shopee income report",
                                     line: 2, column: 0, cell: nil, code: "settlement-wrong-channel")])

        let tiktok = SettlementImport.parse(SettlementFixtures.tiktokSettlement(standardOrders), expected: .lazada)
        #expect(tiktok.errors.map(\.message) == [
            "this looks like a TikTok Shop settlement (columns 'Statement ID', 'Payment ID', … on row 1 of sheet 'Order details'), not a Lazada statement",
        ])
        let shopee = SettlementImport.parse(SettlementFixtures.shopeeIncome(standardOrders), expected: .tiktok)
        #expect(shopee.errors.map(\.message) == [
            "this looks like a Shopee income report (columns 'Sequence No.', 'View By', … on row 3 of sheet 'Income'), not a TikTok Shop settlement",
        ])
        let zalora = SettlementImport.parse(SettlementFixtures.shopeeIncome(standardOrders), expected: .zalora)
        #expect(zalora.errors.map(\.code) == ["settlement-unsupported-channel"])
    }

    @Test("an unrecognised file is one error listing what was looked for")
    func unrecognised() throws {
        let result = SettlementImport.parse(try SettlementSource.csv(text: "sku,syncapp_code,syncapp_uom\nA,B,C\n", fileName: "items.csv"))
        #expect(result.channel == nil)
        #expect(seen(result) == [Seen(.error, "'items.csv' is not a settlement report ledgersync knows: no row in the first 30 rows of the file has the columns of "
                                      + "a Shopee income report ('Payout Completed Date', 'Total Released Amount (RM)'), "
                                      + "a Lazada statement ('Fee Name', 'Transaction Type') or "
                                      + "a TikTok Shop settlement ('Total settlement amount', 'Order/adjustment ID')",
                                      line: 0, column: 0, cell: nil, code: "settlement-unrecognised")])
    }

    @Test("the preview is an aligned table of the first rows, with totals of all rows")
    func preview() {
        let result = SettlementImport.parse(SettlementFixtures.shopeeIncome(standardOrders), expected: .shopee)
        #expect(result.preview(limit: 2) == """
        Row  Order ID      Payout date    Gross  Commission  Service  Transaction  Shipping  Voucher      Net
          4  250910ABC123  2025-09-15    120.00       10.80     6.00         2.59      0.00     0.00   100.61
          6  250911DEF456  2025-09-16   1234.50      111.11     0.00        26.67      4.90    10.00  1081.82
        … 1 more row
        Total of 3 rows (MYR): gross 1369.50, fees 188.42, net 1181.08
        """)
        let lazada = LazadaStatementParser.parse(SettlementFixtures.lazadaStatement(standardOrders))
        #expect(lazada.preview(limit: 1) == """
        Row  Order ID      Payout date  Statement      Gross  Commission  Service  Transaction     Net
        3–6  250910ABC123  2025-09-15   MY20250915-W  120.00       10.80     6.00         2.59  100.61
        … 2 more rows
        Total of 3 rows (MYR): gross 1369.50, fees 188.42, net 1181.08
        """)
        #expect(SettlementPreview.render([]) == "No settlement rows.")
    }

    @Test("the sample orders make balanced fixtures for every channel")
    func sampleOrders() {
        let orders = SettlementFixtures.sampleOrders(count: 200)
        #expect(Set(orders.map(\.orderID)).count == 200)
        let total = orders.reduce(Money.zero) { $0 + $1.net }
        for source in [SettlementFixtures.shopeeIncome(orders).source, SettlementFixtures.lazadaStatement(orders), SettlementFixtures.tiktokSettlement(orders).source] {
            let result = SettlementImport.parse(source)
            #expect(result.errors.isEmpty)
            #expect(result.rows.count == 200)
            #expect(result.rows.reduce(Money.zero) { $0 + $1.net } == total)
        }
    }
}
