import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO
import RulePack
import Testing

/// Returns read from order exports (Docs/ImportMappings.md, "Returns"): each built-in reads its example export's
/// partial return into the exact canonical event; a custom mapping reads WooCommerce-style refund columns through a
/// formula; a return over the units sold is an error at its cell; a refund the export does not place is a warning;
/// the same export imports to the same bytes every time.
@Suite struct ReturnImportTests {
    /// Order number as the export writes it → the canonical `returns` the built-in reads from its example export
    /// (examples/exports/README.md lists the same events, written by scripts/make-example-exports.py).
    static let exampleReturns: [String: [String: String]] = [
        "shopee": ["2509149X48P08Q": #"[{"id":"export","date":"2025-09-19T15:49:00+08:00","lines":[{"sku":"CHR-DIN-WAL","qty":1}]}]"#],
        "lazada": ["261403771561496": #"[{"id":"export","date":"2025-10-01T19:18:00+08:00","lines":[{"sku":"CANDLE-LAV","qty":1,"amount":"32.00"}]}]"#],
        "tiktok": ["576940066464178373": #"[{"id":"export","date":"2025-09-24T10:18:36+08:00","reason":"Item damaged in transit","lines":[{"sku":"MUG-6PK","qty":1}],"refunded":"56.16"}]"#],
        "shopify": [:],
        "woocommerce": ["5521": #"[{"id":"export","date":"2025-09-04T12:05:00+08:00","lines":[{"sku":"MUG-6PK","qty":1,"amount":"59.00"}],"tax":"2.95","refunded":"61.95"}]"#],
    ]

    @Test(arguments: BuiltinMappingTests.channels) func eachBuiltinReadsItsExamplesReturnExactly(_ channel: BuiltinMappingTests.Channel) throws {
        let mapping = try loadMapping("rules/acme-living/imports/\(channel.mapping).yaml")
        let importer = try OrderImporter(mapping: mapping, path: repositoryRoot + "/examples/exports/" + channel.export, displayPath: channel.export)
        var returns: [String: String] = [:]
        while let record = try importer.next() {
            let order = try record.result.get()
            guard let event = record.raw?["returns"] else { continue }
            returns[order.id] = JSONWriter.compactString(event)
            // A partial return: the order stays what the export says it is (invoiced), and the event decodes.
            #expect(order.status == .completed, "\(order.id): a partly returned order is not returned")
            #expect(order.returns.count == 1 && !order.isFullyReturned)
        }
        #expect(returns == Self.exampleReturns[channel.mapping]!)
        // The fully returned (Shopee, Lazada) and cancelled orders need no event: their status says it, and their
        // refund columns (TikTok's, Lazada's, Shopify's Refunded Amount) raise no warning.
        #expect(importer.warnings.map(\.description) == [])
    }

    @Test func aPOSWithWooCommerceStyleRefundColumnsImportsItsReturns() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos-returns.yaml")
        let importer = try OrderImporter(mapping: mapping, path: fixtures + "/acme-pos-returns.csv", displayPath: "acme-pos-returns.csv")
        var returns: [String: String] = [:], statuses: [String: String] = [:], records: [OrderRecord] = []
        while let record = try importer.next() {
            let order = try record.result.get()
            records.append(record)
            statuses[order.id] = order.status.rawValue
            if let event = record.raw?["returns"] { returns[order.id] = JSONWriter.compactString(event) }
        }
        #expect(returns == [
            // 1 of 2 mugs back (Qty 2 − Kept Qty 1), with its refund, number, date and reason; the kept tote not listed.
            "R-0001": #"[{"id":"RT-88","date":"2025-09-09T11:30:00+08:00","reason":"Chipped","lines":[{"sku":"MUG-6PK","qty":1,"amount":"40.00"}],"refunded":"40.00"}]"#,
            // The SKU is on two lines: the line index says which; no return date, so the order's date (no paid date).
            "R-0002": #"[{"id":"RT-89","date":"2025-09-05T15:40:00+08:00","lines":[{"sku":"CANDLE-LAV","line":1,"qty":2}]}]"#,
        ])
        // R-0003: a refund with nothing returned is not guessed; R-0004: Refunded, its status returns it all.
        #expect(statuses == ["R-0001": "completed", "R-0002": "completed", "R-0003": "completed", "R-0004": "returned", "R-0005": "completed"])
        let warning = "acme-pos-returns.csv:6:13: warning: order R-0003: the export says 10.00 was refunded (column M (Bill Refund)), but no units came back and it does not say the refund is for shipping; no return is imported for it. Record it in the order's returns (as shipping or other) by hand, or map returns.shipping if the export has the column"
        #expect(importer.warnings.map(\.description) == [warning])
        // The warning travels with the order it is about.
        #expect(JSONWriter.compactString(records[2].raw!["import"]!["warnings"]!) == JSONWriter.compactString(.array([.string(warning)])))
        #expect(records[0].raw!["import"]!["warnings"] == nil)
        let decoded = try records[1].result.get()
        #expect(decoded.returns[0].lines.map(\.line) == [1] && decoded.returnedQuantity(ofLine: 1) == 2 && decoded.returnedQuantity(ofLine: 0) == 0)
    }

    @Test func aLineReturnedBeyondWhatItSoldIsAnErrorAtItsCell() throws {
        let mappingPath = try temporaryFile("over.yaml", "extends: \(fixtures)/acme-pos.yaml\nfields:\n  returns.lines.qty: Returned\n")
        let mapping = try loadMapping(mappingPath)
        let csv = """
        Receipt No,Date,Status,Item Code,Item Name,Qty,List Price,Sold Price,Bill Discount,Receipt Total,Returned
        R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,2,45.00,45.00,,122.00,3
        R-1,05/09/2025 14:02,Paid,CANDLE-LAV,Candle,1,32.00,32.00,,122.00,0
        R-9,07/09/2025 09:00,Paid,MUG-6PK,Mug set,1,45.00,45.00,,45.00,
        """
        let result = try importAll(mapping, try temporaryFile("over.csv", csv), display: "over.csv")
        #expect(result.failures == ["over.csv:2:11: error: order R-1: column K (Returned) is 3 on row 2, more than the 2 units the line sold (column F (Qty)); a line cannot return more units than it sold. Check the row in the export"])
        #expect(result.orders.map(\.id) == ["R-9"], "one bad order never blocks the others")
    }

    @Test func aPartReturnPassesOverAStatusRuleThatWouldReturnTheWholeOrder() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos-returns-status.yaml")
        let csv = """
        Receipt No,Date,Status,Item Code,Item Name,Qty,Kept Qty,List Price,Sold Price,Bill Discount,Receipt Total,Return Status,Return No
        R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,2,1,45.00,45.00,,90.00,Approved,RT-1
        R-2,05/09/2025 15:00,Paid,MUG-6PK,Mug set,2,0,45.00,45.00,,90.00,Approved,RT-2
        R-3,05/09/2025 16:00,Paid,MUG-6PK,Mug set,2,1,45.00,45.00,,90.00,Approved,
        """
        let result = try importAll(mapping, try temporaryFile("status.csv", csv), display: "status.csv")
        // A return id column that is blank where units came back: the order is not imported (an id made up now
        // would not match the next export's).
        #expect(result.failures == ["status.csv:4:13: error: order R-3: column M (Return No) is blank, but units came back and a return needs its id; fill it in, or give returns.id a fixed value such as {value: export}"])
        // R-1 kept a mug: still completed (its sale is invoiced) with the return; R-2 returned both: returned, no event.
        #expect(result.orders.map(\.status) == [.completed, .returned])
        #expect(result.orders.map(\.returns.count) == [1, 0])
    }

    @Test func unitRowsReturnedAreUnitsBackAndTheKeptRowsGiveTheStatus() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos-units.yaml")
        let result = try importAll(mapping, fixtures + "/acme-pos-units.csv", display: "acme-pos-units.csv")
        #expect(result.failures == [], "rows disagreeing on State are not an error when the disagreeing rows came back")
        #expect(result.orders.map(\.status) == [.completed, .returned])
        #expect(result.orders[0].lines.map(\.qty) == [2, 1])
        #expect(JSONWriter.compactString(result.raw[0]["returns"]!) == #"[{"id":"export","date":"2025-09-07T10:00:00+08:00","lines":[{"sku":"MUG-6PK","qty":1,"amount":"45.00"}]}]"#)
        #expect(result.raw[1]["returns"] == nil)
    }

    @Test func shopifysPartialRefundCannotBePlacedAndIsAWarning() throws {
        // #1042 partly refunded: Shopify's export says how much, not for which units or whether for shipping.
        var text = try String(contentsOfFile: repositoryRoot + "/examples/exports/shopify-orders_export.csv", encoding: .utf8)
        var lines = text.components(separatedBy: "\n")
        let row = try #require(lines.firstIndex { $0.hasPrefix("#1042,") })
        lines[row] = lines[row].replacingOccurrences(of: ",paid,", with: ",partially_refunded,").replacingOccurrences(of: ",0.00,Acme Living,", with: ",25.00,Acme Living,")
        text = lines.joined(separator: "\n")
        let mapping = try loadMapping("rules/acme-living/imports/shopify.yaml")
        let importer = try OrderImporter(mapping: mapping, path: try temporaryFile("shopify.csv", text), displayPath: "shopify.csv")
        var imported: [Order] = []
        while let record = try importer.next() { imported.append(try record.result.get()) }
        #expect(imported.count == 6 && imported.allSatisfy { $0.returns.isEmpty })
        #expect(imported.first { $0.id == "#1042" }?.status == .completed)
        #expect(importer.warnings.map(\.description) == ["shopify.csv:2:50: warning: order #1042: the export says 25.00 was refunded (column AX (Refunded Amount)), but no units came back and it does not say the refund is for shipping; no return is imported for it. Record it in the order's returns (as shipping or other) by hand, or map returns.shipping if the export has the column"])
    }

    static let reimports: [(mapping: String, export: String)] = BuiltinMappingTests.channels.map { ("rules/acme-living/imports/\($0.mapping).yaml", "examples/exports/\($0.export)") }
        + [("Tests/OrderImportTests/Fixtures/acme-pos-returns.yaml", "Tests/OrderImportTests/Fixtures/acme-pos-returns.csv")]

    @Test(arguments: reimports) func importingTheSameExportAgainGivesTheSameBytes(_ item: (mapping: String, export: String)) throws {
        func canonical() throws -> String {
            let mapping = try loadMapping(repositoryRoot + "/" + item.mapping)
            let result = try importAll(mapping, repositoryRoot + "/" + item.export, display: item.export)
            #expect(result.failures == [])
            return result.raw.map { JSONWriter.compactString($0) }.joined(separator: "\n")
        }
        let first = try canonical()
        #expect(try canonical() == first)
        #expect(first.contains(#""returns":[{"id":"#) == (item.export.contains("shopify") == false))
    }
}
