import Foundation
import LedgerCore
import OrderImport
import RulePack
import TestSupport
import Testing

/// One bad export each: what the person importing it reads (file:row:col, column letter and header, value, why),
/// and that the other orders of the file still import. Goldens under Tests/OrderImportTests/Golden.
@Suite struct ImportErrorGoldenTests {
    static let header = "Receipt No,Date,Status,Item Code,Item Name,Qty,List Price,Sold Price,Bill Discount,Receipt Total"
    static let good = "R-9,07/09/2025 09:00,Paid,MUG-6PK,Mug set,1,45.00,45.00,,45.00"

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var rows: [String]
        var header: String = ImportErrorGoldenTests.header
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(name: "unparseable-amount", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,\"12,3x.00\",12.00,,12.00"]),
        Case(name: "amount-in-tenths-of-sen", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,12.345,12.345,,12.35"]),
        Case(name: "unknown-status", rows: ["R-1,05/09/2025 14:02,Piad,MUG-6PK,Mug set,1,45.00,45.00,,45.00"]),
        Case(name: "rows-disagree", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,45.00,45.00,,77.00",
                                           "R-1,05/09/2025 14:02,Paid,CANDLE-LAV,Candle,1,32.00,32.00,,70.00"]),
        Case(name: "line-without-sku", rows: ["R-1,05/09/2025 14:02,Paid,,Mug set,1,45.00,45.00,,45.00"]),
        Case(name: "bad-date", rows: ["R-1,2025/09/05,Paid,MUG-6PK,Mug set,1,45.00,45.00,,45.00"]),
        Case(name: "impossible-date", rows: ["R-1,31/09/2025 14:02,Paid,MUG-6PK,Mug set,1,45.00,45.00,,45.00"]),
        Case(name: "bad-quantity", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1.5,45.00,45.00,,67.50"]),
        Case(name: "zero-quantity", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,0,45.00,45.00,,0.00"]),
        Case(name: "negative-amount", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,45.00,45.00,-5.00,50.00"]),
        Case(name: "total-disagrees-with-parts", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,2,45.00,40.00,5.00,80.00"]),
        Case(name: "formula-goes-negative", rows: ["R-1,05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,40.00,45.00,,45.00"]),
        Case(name: "row-without-order-id", rows: [",05/09/2025 14:02,Paid,MUG-6PK,Mug set,1,45.00,45.00,,45.00"]),
        Case(name: "missing-columns-did-you-mean", rows: [],
             header: "Receipt No,Date,Status,Item Cod,Item Name,Qty,List Price,Sold Price,Bill Discount,Receipt Totl"),
        Case(name: "no-header-row", rows: ["1,2,3"], header: "Customer,Invoice,Amount"),
    ]

    @Test(arguments: cases) func reportsTheProblemAtItsCell(_ example: Case) throws {
        let mapping = try loadMapping(fixtures + "/acme-pos.yaml")
        let text = ([example.header] + example.rows + [Self.good]).joined(separator: "\n") + "\n"
        let path = try temporaryFile("\(example.name).csv", text)
        var rendered: String
        do {
            let result = try importAll(mapping, path, display: "\(example.name).csv")
            rendered = result.failures.joined(separator: "\n") + "\n"
            // One bad order never blocks the others.
            #expect(result.orders.map(\.id) == ["R-9"], "the good order R-9 must still import")
            #expect(!result.failures.isEmpty, "expected a located problem")
        } catch let diagnostic as Diagnostic {
            rendered = "whole file refused, nothing imported:\n" + diagnostic.description + "\n"
        }
        if let mismatch = Golden.mismatch(rendered, goldenFile: "Tests/OrderImportTests/Golden/\(example.name).txt") {
            Issue.record(Comment(rawValue: mismatch))
        }
    }

    @Test func notASpreadsheetIsRefusedWhole() throws {
        let mapping = try loadMapping(fixtures + "/acme-pos.yaml")
        let path = try temporaryFile("orders.pdf", "%PDF-1.7\n\u{0}\u{1}\u{2}binary")
        #expect(throws: Diagnostic.self) { try OrderImporter(mapping: mapping, path: path, displayPath: "orders.pdf") }
        do { _ = try OrderImporter(mapping: mapping, path: path, displayPath: "orders.pdf") } catch {
            #expect(error.description.hasPrefix("orders.pdf: error: 'orders.pdf': not a spreadsheet"))
        }
    }
}
