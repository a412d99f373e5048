import Foundation
import LedgerCore
import RulePack
import Spreadsheets
import Testing

@Suite("Item matching sheets (csv and xlsx)")
struct ItemSheetTests {
    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-itemsheet-\(UUID().uuidString)-\(name)").path
    }

    @Test("an xlsx sheet with a banner row and headers in other case and stray spaces is read like a csv one")
    func xlsxWithBanner() throws {
        let path = Self.temporary("items.xlsx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Matching", rows: [
            [.string("Acme Living item matching — exported 2025-10-01")],
            [],
            [.string(" SKU "), .string("Name"), .string("SyncApp_Code"), .string("syncapp_uom "), .string("syncapp_rate")],
            [.string("MUG-6PK"), .string("Mug 6-pack"), .string("MUG-01"), .string("PCS"), .number("6")],
            [.string("00123"), .empty, .string("0456"), .empty, .empty],
            [.string("NEW-VASE-01"), .string("Speckled Vase"), .empty, .empty, .empty],
        ])])
        let (matches, diagnostics) = ItemSheet.read(path: path, displayPath: "items.xlsx", declaredAt: SourceLocation(file: "pack.yaml", line: 3))
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(matches.map(\.sku) == ["MUG-6PK", "00123"])
        #expect(matches[0].code == "MUG-01" && matches[0].uom == "PCS" && matches[0].rate == 6)
        #expect(matches[0].origin.location == SourceLocation(file: "items.xlsx", line: 4, column: 1))
        #expect(matches[1].code == "0456" && matches[1].uom == nil)
    }

    @Test("for match import an unknown column, a bad status and a UOM without a code are errors at their cell; for a pack the column is a warning")
    func importStrictness() throws {
        let path = Self.temporary("filled.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "sku;syncapp_code;syncapp_uom;status;note\nA;;PCS;unmatched;x\nB;B-1;UNIT;done;\nC;C-1;;matched;\n".write(toFile: path, atomically: true, encoding: .utf8)
        let strict = ItemSheet.readRows(path: path, displayPath: "filled.csv", declaredAt: nil, purpose: .import)
        #expect(strict.rows.isEmpty)
        #expect(strict.diagnostics.map(\.description) == [
            "filled.csv:1:5: error: row 1, column E: 'note' is not an item matching column; the columns are sku, syncapp_code, syncapp_uom, name, syncapp_rate, status, matched_by, stores, order_lines (rename or delete it); did you mean 'name'?",
        ])
        try "sku;syncapp_code;syncapp_uom;status\nA;;PCS;unmatched\nB;B-1;UNIT;done\nC;C-1;;matched\n".write(toFile: path, atomically: true, encoding: .utf8)
        let rows = ItemSheet.readRows(path: path, displayPath: "filled.csv", declaredAt: nil, purpose: .import)
        #expect(rows.rows.map(\.sku) == ["C"])
        #expect(rows.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.code)" } == ["2:2 empty-code", "3:4 invalid-sheet"])

        let lenient = ItemSheet.readRows(path: path, displayPath: "filled.csv", declaredAt: nil, purpose: .pack)
        #expect(!lenient.diagnostics.hasErrors)
        #expect(lenient.rows.map(\.sku) == ["A", "B", "C"])
    }

    @Test("write keeps a csv's LF line endings and adds syncapp_rate only when a row has a rate")
    func writeCSV() throws {
        let path = Self.temporary("items.csv")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "sku,name,syncapp_code,syncapp_uom\nA,Apple,A-1,PCS\n".write(toFile: path, atomically: true, encoding: .utf8)
        try ItemSheet.write([ItemSheetRow(sku: "A", name: "Apple", code: "A-1", uom: "PCS"), ItemSheetRow(sku: "B, large", name: "Box \"XL\"")], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "sku,name,syncapp_code,syncapp_uom\nA,Apple,A-1,PCS\n\"B, large\",\"Box \"\"XL\"\"\",,\n")
        try ItemSheet.write([ItemSheetRow(sku: "A", code: "A-1", uom: "PCS", rate: 6)], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "sku,name,syncapp_code,syncapp_uom,syncapp_rate\nA,,A-1,PCS,6\n")
    }
}
