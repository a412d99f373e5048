import Foundation
import Spreadsheets
import Testing
import TestSupport

@Suite("ledgersync match export / import")
struct MatchCLITests {
    /// A temporary git repository with copies of the example packs and sandbox seed, so imports can write.
    struct Workspace {
        let root: String
        let pack = "rules/acme-living"
        let sheet = "rules/acme-living/matching/items.csv"

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-match-cli-\(UUID().uuidString)").path
            let fm = FileManager.default
            try fm.createDirectory(atPath: root + "/rules", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root + "/.git", withIntermediateDirectories: true)
            try fm.createDirectory(atPath: root + "/examples", withIntermediateDirectories: true)
            for name in ["acme-living", "base"] {
                try fm.copyItem(atPath: Golden.packageRoot + "/rules/" + name, toPath: root + "/rules/" + name)
            }
            try fm.copyItem(atPath: Golden.packageRoot + "/examples/sandbox", toPath: root + "/examples/sandbox")
        }

        func path(_ relative: String) -> String { root + "/" + relative }
        func read(_ relative: String) throws -> String { try String(contentsOfFile: path(relative), encoding: .utf8) }
        func write(_ relative: String, _ text: String) throws { try text.write(toFile: path(relative), atomically: true, encoding: .utf8) }
        func run(_ arguments: [String]) async throws -> CLI.Result { try await CLI.run(arguments, in: root) }

        func export(to out: String) async throws -> CLI.Result {
            try await run(["match", "export", "--pack", pack, "--orders", Golden.packageRoot + "/examples/orders/2025-09.jsonl", "--out", out])
        }

        func importSheet(_ file: String, _ extra: [String] = []) async throws -> CLI.Result {
            try await run(["match", "import", "--pack", pack, file] + extra)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }

        /// Every file under the workspace with its bytes.
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path(relative), isDirectory: &isDirectory), !isDirectory.boolValue {
                    files[relative] = FileManager.default.contents(atPath: path(relative)) ?? Data()
                }
            }
            return files
        }
    }

    static let header = "sku,name,syncapp_code,syncapp_uom,status\n"

    @Test("export lists every SKU in the orders with its match, unmatched first (golden csv)")
    func exportCSV() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let result = try await workspace.export(to: "items.csv")
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("wrote items.csv: 14 SKUs from 66 orders — 12 matched, 2 unmatched; 2 orders left out"), "\(result.transcript)")
        #expect(result.stdout.contains("? NEW-VASE-01  Speckled Vase  (4 lines in shopee-acme-my, shopify-acme, tiktok-acme-my)"))
        #expect(result.stdout.contains("! order SG-1000115 left out: store 'lazada-oldbrand-my' is not declared in the pack's profile"))
        if let mismatch = Golden.mismatch(try workspace.read("items.csv"), goldenFile: "Tests/CLITests/Golden/match-export.csv") {
            Issue.record("\(mismatch)")
        }
    }

    @Test("a SKU a line rule maps is reported with the rule, and stays unmatched in the store the rule leaves out")
    func ruleMappedSKU() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let rules = try workspace.read("rules/acme-living/rules.yaml")
        try workspace.write("rules/acme-living/rules.yaml", rules + """

              - name: seasonal-decor
                scope: line
                when: 'line.sku starts_with "XMAS-" and order.channel != "woocommerce"'
                set: {item_code: VASE-01}

            """)
        let result = try await workspace.export(to: "items.csv")
        #expect(result.status == 0, "\(result.transcript)")
        let line = try #require(try workspace.read("items.csv").split(whereSeparator: \.isNewline).first { $0.hasPrefix("XMAS-DECOR-99,") })
        let ruleLine = try #require(rules.split(separator: "\n", omittingEmptySubsequences: false).count) + 4
        #expect(line == "XMAS-DECOR-99,Christmas Ornament Set,,,,unmatched,rule 'seasonal-decor' set item_code → VASE-01 (rules/acme-living/rules.yaml:\(ruleLine)); in woo-acme: unmatched → defaults.product_code ECOM-MISC,\"lazada-acme-my, shopee-acme-my, woo-acme\",3")
    }

    @Test("export to xlsx: one 'Items' sheet, codes as text, order_lines as numbers")
    func exportXLSX() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let result = try await workspace.export(to: "items.xlsx")
        #expect(result.status == 0, "\(result.transcript)")
        let reader = try SpreadsheetReader(path: workspace.path("items.xlsx"))
        #expect(reader.format == .xlsx)
        #expect(reader.sheetNames == ["Items"])
        let rows = try reader.rows().readAll()
        #expect(rows.count == 15)
        #expect(rows[0].cells.map(\.text) == ["sku", "name", "syncapp_code", "syncapp_uom", "syncapp_rate", "status", "matched_by", "stores", "order_lines"])
        #expect(rows[1].cells.prefix(6).map(\.text) == ["NEW-VASE-01", "Speckled Vase", "", "", "", "unmatched"])
        #expect(rows[1][8] == SheetCell(kind: .number, text: "4"))
        let mug = try #require(rows.first { $0[0].text == "MUG-6PK" })
        #expect(mug.cells.prefix(6).map(\.text) == ["MUG-6PK", "Stoneware Mug 6-pack", "MUG-01", "PCS", "6", "matched"])
        #expect(mug[6].text == "matching.items[MUG-6PK] (rules/acme-living/matching.yaml:12); in zalora-acme-my: preset 'zalora-consignment' → ZALORA-SALES UNIT (rules/acme-living/pack.yaml:86)")
    }

    @Test("round trip: export xlsx, fill in a code, import checked against the sandbox; only that row of the pack's sheet changes and the invoice uses it")
    func roundTrip() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let before = try workspace.read(workspace.sheet)
        #expect(try await workspace.export(to: "items.xlsx").status == 0)
        var rows = try SpreadsheetReader(path: workspace.path("items.xlsx")).rows().readAll().map { $0.cells.map(\.text) }
        let index = try #require(rows.firstIndex { $0.first == "NEW-VASE-01" })
        rows[index][2] = "VASE-01"
        rows[index][3] = "UNIT"
        rows[index][5] = "matched"
        try SpreadsheetWriter.writeXLSX(path: workspace.path("filled.xlsx"), sheets: [(name: "Items", rows: rows.map { $0.map { $0.isEmpty ? .empty : .string($0) } })])

        // --dry-run shows the same change and writes nothing anywhere: every file in the workspace byte-identical, none added.
        let files = try workspace.snapshot()
        let dryRun = try await workspace.importSheet("filled.xlsx", ["--sandbox", "--dry-run"])
        #expect(dryRun.status == 0, "\(dryRun.transcript)")
        #expect(dryRun.stdout.contains("  + NEW-VASE-01 → VASE-01 UNIT  (row \(index + 1))"), "\(dryRun.transcript)")
        #expect(dryRun.stdout.contains("(dry run: nothing was written)"), "\(dryRun.transcript)")
        #expect(try workspace.snapshot() == files, "match import --dry-run changed the workspace")

        let imported = try await workspace.importSheet("filled.xlsx", ["--sandbox"])
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("  + NEW-VASE-01 → VASE-01 UNIT  (row \(index + 1))"), "\(imported.transcript)")
        #expect(imported.stdout.contains("wrote rules/acme-living/matching/items.csv: 1 new match, 0 changed, 0 removed, 13 unchanged, 1 SKU still unmatched; codes checked against 18 stock items in the embedded sandbox"), "\(imported.transcript)")
        #expect(try workspace.read(workspace.sheet) == before.replacingOccurrences(of: "NEW-VASE-01,Speckled Vase,,\n", with: "NEW-VASE-01,Speckled Vase,VASE-01,UNIT\n"))

        let again = try await workspace.importSheet("filled.xlsx")
        #expect(again.status == 0)
        #expect(again.stdout.contains("no changes to rules/acme-living/matching/items.csv"), "\(again.transcript)")

        let transform = try await workspace.run(["transform", "--pack", workspace.pack, "--orders", Golden.packageRoot + "/examples/orders/2025-09.jsonl", "--format", "jsonl"] + Args.asOf)
        #expect(!transform.stdout.contains("SKU 'NEW-VASE-01' has no item matching"))
        #expect(transform.stdout.contains("SKU 'XMAS-DECOR-99' has no item matching"))
    }

    @Test("a sheet with errors lists each with row, column, value and why, and writes nothing")
    func sheetErrors() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let before = try workspace.read(workspace.sheet)
        try workspace.write("bad.csv", """
            sku,name,syncapp_code,syncapp_uom,status
            NEW-VASE-01,Speckled Vase,,UNIT,unmatched
            XMAS-DECOR-99,Ornaments,XMAS-SET-OF-TWELVE-ORNAMENTS-RED,UNIT,matched
            CANDLE-LAV,Lavender Candle,CANDLE-01,PCS,done
            NEW-VASE-01,Speckled Vase,VASE-01,UNIT,matched
            ,No SKU,VASE-01,UNIT,matched

            """)
        let result = try await workspace.importSheet("bad.csv")
        #expect(result.status == 1)
        #expect(result.stderr.contains("bad.csv:2:3: error: row 2, column C (syncapp_code): empty for SKU 'NEW-VASE-01', which has syncapp_uom 'UNIT'; fill in the SQL item code or clear the UOM"), "\(result.transcript)")
        #expect(result.stderr.contains("bad.csv:3:3: error: row 3, column C (syncapp_code): 'XMAS-SET-OF-TWELVE-ORNAMENTS-RED' for SKU 'XMAS-DECOR-99' is 32 characters; SQL item codes have at most 30"), "\(result.transcript)")
        #expect(result.stderr.contains("bad.csv:4:5: error: row 4, column E (status): 'done' for SKU 'CANDLE-LAV' is not a status; write matched, unmatched or leave it empty"), "\(result.transcript)")
        #expect(result.stderr.contains("bad.csv:5:1: error: SKU 'NEW-VASE-01' appears on rows 2 and 5; keep one row per SKU"), "\(result.transcript)")
        #expect(result.stderr.contains("bad.csv:6:1: error: row 6 has no sku; fill it in or delete the row"), "\(result.transcript)")
        #expect(result.stderr.contains("bad.csv: 5 errors, 0 warnings; nothing was written to rules/acme-living/matching/items.csv"), "\(result.transcript)")
        #expect(try workspace.read(workspace.sheet) == before)
    }

    @Test("an unknown column is an error naming its column letter and the known columns")
    func unknownColumn() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write("typo.csv", "sku,name,syncapp_code,syncapp_uom,remarks\nNEW-VASE-01,Speckled Vase,VASE-01,UNIT,check with Ali\n")
        let result = try await workspace.importSheet("typo.csv")
        #expect(result.status == 1)
        #expect(result.stderr.contains("typo.csv:1:5: error: row 1, column E: 'remarks' is not an item matching column; the columns are sku, syncapp_code, syncapp_uom, name, syncapp_rate, status, matched_by, stores, order_lines (rename or delete it)"), "\(result.transcript)")

        try workspace.write("missing.csv", "sku,name,code,uom\nNEW-VASE-01,Speckled Vase,VASE-01,UNIT\n")
        let missing = try await workspace.importSheet("missing.csv")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("missing.csv:1:1: error: the item matching sheet has no 'syncapp_code' column"), "\(missing.transcript)")
    }

    @Test("clearing a matched code needs status unmatched; a SKU matched in YAML cannot be changed from a sheet")
    func unmatchAndConflicts() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let before = try workspace.read(workspace.sheet)
        try workspace.write("clear.csv", Self.header + "CANDLE-LAV,Lavender Candle,,,matched\nTBL-RND-OAK,Round Coffee Table,TBL-002,UNIT,matched\n")
        let refused = try await workspace.importSheet("clear.csv")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("clear.csv:2:3: error: row 2, column C (syncapp_code): empty for SKU 'CANDLE-LAV', which rules/acme-living/matching/items.csv row 3 matches to CANDLE-01 PCS; fill in the code, or write unmatched in status to remove the match"), "\(refused.transcript)")
        #expect(refused.stderr.contains("clear.csv:3:3: error: row 3, column C (syncapp_code): TBL-002 UNIT for SKU 'TBL-RND-OAK' would have no effect: the SKU is matched to TBL-001 UNIT by matching.items[TBL-RND-OAK] (rules/acme-living/matching.yaml:6), which beats any item sheet; change it there"), "\(refused.transcript)")
        #expect(try workspace.read(workspace.sheet) == before)

        try workspace.write("unmatch.csv", Self.header + "CANDLE-LAV,Lavender Candle,,,unmatched\n")
        let removed = try await workspace.importSheet("unmatch.csv")
        #expect(removed.status == 0, "\(removed.transcript)")
        #expect(removed.stdout.contains("unmatch.csv:2:3: warning: row 2: SKU 'CANDLE-LAV' is no longer matched (was CANDLE-01 PCS); its lines will be invoiced as the default product code"), "\(removed.transcript)")
        #expect(removed.stdout.contains("  - CANDLE-LAV: match CANDLE-01 PCS removed  (row 2)"))
        #expect(try workspace.read(workspace.sheet).contains("\nCANDLE-LAV,Lavender Candle,,\n"))
    }

    @Test("with --sandbox an unknown item code or UOM is an error with a suggestion, and nothing is written")
    func stockItemCheck() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let before = try workspace.read(workspace.sheet)
        try workspace.write("filled.csv", Self.header + """
            NEW-VASE-01,Speckled Vase,VASE-02,UNIT,matched
            XMAS-DECOR-99,Ornaments,FRAME-A4,BOX,matched
            PLANT-POT-M,Plant Pot Medium,CANDLE-01,,matched

            """)
        let result = try await workspace.importSheet("filled.csv", ["--sandbox"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("filled.csv:2:3: error: row 2, column C (syncapp_code): 'VASE-02' for SKU 'NEW-VASE-01' is not a stock item in SQL Accounting; create it there or correct the code; did you mean 'VASE-01'?"), "\(result.transcript)")
        #expect(result.stderr.contains("filled.csv:3:4: error: row 3, column D (syncapp_uom): 'BOX' is not a UOM of stock item 'FRAME-A4' (its UOMs: PCS); did you mean 'PCS'?"), "\(result.transcript)")
        #expect(result.stderr.contains("filled.csv:4:4: error: row 4, column D (syncapp_uom): empty, so invoices use the pack's uom 'UNIT', which stock item 'CANDLE-01' does not have (its UOMs: PCS); fill in syncapp_uom; did you mean 'PCS'?"), "\(result.transcript)")
        #expect(result.stderr.contains("nothing was written"))
        #expect(try workspace.read(workspace.sheet) == before)

        // Without a connection the same sheet passes the offline checks: the stock check is what caught them.
        let offline = try await workspace.importSheet("filled.csv", ["--dry-run"])
        #expect(offline.status == 0, "\(offline.transcript)")
        #expect(offline.stdout.contains("(dry run: nothing was written)"))
        #expect(try workspace.read(workspace.sheet) == before)
    }

    @Test("a pack whose item sheet is xlsx reads it and match import writes it back as xlsx")
    func xlsxPackSheet() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let csvRows = try SpreadsheetReader(path: workspace.path(workspace.sheet)).rows().readAll().map { $0.cells.map(\.text) }
        try SpreadsheetWriter.writeXLSX(path: workspace.path("rules/acme-living/matching/items.xlsx"),
                                        sheets: [(name: "Items", rows: csvRows.map { $0.map { $0.isEmpty ? .empty : .string($0) } })])
        try FileManager.default.removeItem(atPath: workspace.path(workspace.sheet))
        let matching = try workspace.read("rules/acme-living/matching.yaml")
        try workspace.write("rules/acme-living/matching.yaml", matching.replacingOccurrences(of: "matching/items.csv", with: "matching/items.xlsx"))

        let validate = try await workspace.run(["validate", "--pack", workspace.pack])
        #expect(validate.status == 0, "\(validate.transcript)")
        #expect(validate.stdout.contains("13 matched SKUs") == false && validate.stdout.contains("12 matched SKUs"), "\(validate.transcript)")

        try workspace.write("filled.csv", Self.header + "NEW-VASE-01,Speckled Vase,VASE-01,UNIT,matched\n")
        let imported = try await workspace.importSheet("filled.csv")
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("wrote rules/acme-living/matching/items.xlsx: 1 new match"), "\(imported.transcript)")
        let reader = try SpreadsheetReader(path: workspace.path("rules/acme-living/matching/items.xlsx"))
        #expect(reader.format == .xlsx)
        let vase = try #require(try reader.rows().readAll().first { $0[0].text == "NEW-VASE-01" })
        #expect(vase.cells.map(\.text) == ["NEW-VASE-01", "Speckled Vase", "VASE-01", "UNIT"])
        let after = try await workspace.run(["validate", "--pack", workspace.pack])
        #expect(after.stdout.contains("13 matched SKUs"), "\(after.transcript)")
    }

    @Test("a column of the pack's sheet that ledgersync does not use (a consultant's remarks) and a title row above the header survive an import")
    func keepsOtherColumns() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write(workspace.sheet, """
            Acme Living item matching (kept by Siti)
            sku,name,syncapp_code,syncapp_uom,Remarks
            VASE-CER-WHT,Ceramic Vase White,VASE-01,UNIT,checked with Ali 2025-09
            NEW-VASE-01,Speckled Vase,,,ask the supplier for the code

            """)
        try workspace.write("filled.csv", Self.header + "NEW-VASE-01,Speckled Vase,VASE-01,UNIT,matched\nCANDLE-LAV,Lavender Candle,CANDLE-01,PCS,matched\n")
        let imported = try await workspace.importSheet("filled.csv")
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(try workspace.read(workspace.sheet) == """
            Acme Living item matching (kept by Siti)
            sku,name,syncapp_code,syncapp_uom,Remarks
            VASE-CER-WHT,Ceramic Vase White,VASE-01,UNIT,checked with Ali 2025-09
            NEW-VASE-01,Speckled Vase,VASE-01,UNIT,ask the supplier for the code
            CANDLE-LAV,Lavender Candle,CANDLE-01,PCS,

            """)
    }

    @Test("the sheet written is chosen safely: none listed, an unlisted --sheet, an unreadable file")
    func targetSheet() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write("filled.csv", Self.header + "NEW-VASE-01,Speckled Vase,VASE-01,UNIT,matched\n")
        let unlisted = try await workspace.importSheet("filled.csv", ["--sheet", "rules/acme-living/other.csv"])
        #expect(unlisted.status == 1)
        #expect(unlisted.stderr.contains("error: 'rules/acme-living/other.csv' is not one of the pack's item sheets (rules/acme-living/matching/items.csv); add it under matching.item_sheets first"), "\(unlisted.transcript)")

        try workspace.write("not-a-sheet.xlsx", "%PDF-1.4 \u{0}\u{1}\u{2} binary")
        let unreadable = try await workspace.importSheet("not-a-sheet.xlsx")
        #expect(unreadable.status == 1)
        #expect(unreadable.stderr.contains("cannot read the item matching sheet 'not-a-sheet.xlsx'"), "\(unreadable.transcript)")

        let matching = try workspace.read("rules/acme-living/matching.yaml")
        try workspace.write("rules/acme-living/matching.yaml", matching.replacingOccurrences(of: "  item_sheets:\n    - matching/items.csv\n", with: ""))
        let none = try await workspace.importSheet("filled.csv")
        #expect(none.status == 1)
        #expect(none.stderr.contains("the pack lists no item sheet of its own; add `item_sheets: [matching/items.csv]` under matching:"), "\(none.transcript)")
    }

    // MARK: formula guard (issue 12, finding 6)

    /// Two copies of the first September order whose lines have SKUs and product names a spreadsheet would run.
    static func hostileOrders() throws -> String {
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let first = try #require(september.split(separator: "\n").first.map(String.init))
        let one = first.replacingOccurrences(of: #""sku":"TBL-RND-OAK","name":"Round Coffee Table""#, with: #""sku":"-X1","name":"=HYPERLINK(\"http://evil\",\"click\")""#)
            .replacingOccurrences(of: #""sku":"GIFT-TOTE","name":"Free Tote Bag""#, with: #""sku":"+X2","name":"+cmd""#)
        let two = first.replacingOccurrences(of: "SG-1000101", with: "SG-EVIL-2").replacingOccurrences(of: "2509014EAM4Y3J", with: "2509014EVIL002")
            .replacingOccurrences(of: #""sku":"TBL-RND-OAK","name":"Round Coffee Table""#, with: #""sku":"@X3","name":"-2+3""#)
            .replacingOccurrences(of: #""sku":"GIFT-TOTE","name":"Free Tote Bag""#, with: #""sku":"X4","name":"@SUM(A1)""#)
        #expect(one.contains("-X1") && two.contains("@X3"), "the September order no longer has the lines this test rewrites")
        return one + "\n" + two + "\n"
    }

    @Test("export CSV defuses SKUs and product names starting with = + - @, keeps order_lines a number; import reads them back exactly")
    func exportDefusesFormulas() async throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.write("hostile.jsonl", try Self.hostileOrders())
        let export = try await workspace.run(["match", "export", "--pack", workspace.pack, "--orders", "hostile.jsonl", "--out", "items.csv"])
        #expect(export.status == 0, "\(export.transcript)")
        let text = try workspace.read("items.csv")
        #expect(text.contains(#"'-X1,"'=HYPERLINK(""http://evil"",""click"")",,,,unmatched,"#), "\(text)")
        let records = try CSV.parse(text)
        let bySKU = Dictionary(records.dropFirst().map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        #expect(bySKU["'-X1"]?[1] == #"'=HYPERLINK("http://evil","click")"#)
        #expect(bySKU["'+X2"]?[1] == "'+cmd")
        #expect(bySKU["'@X3"]?[1] == "'-2+3")
        #expect(bySKU["X4"]?[1] == "'@SUM(A1)")
        // order_lines is a typed count: written as the number, never prefixed.
        for sku in ["'-X1", "'+X2", "'@X3", "X4"] { #expect(bySKU[sku]?.last == "1", "\(sku): \(bySKU[sku] ?? [])") }

        // The user fills in a code and saves the CSV as it is (apostrophes and all); the import takes them off again.
        var filled = records
        let row = try #require(filled.firstIndex { $0.first == "'-X1" })
        filled[row][2] = "VASE-01"
        filled[row][3] = "UNIT"
        filled[row][5] = "matched"
        try SpreadsheetWriter.writeCSV(path: workspace.path("filled.csv"), rows: filled)
        let imported = try await workspace.importSheet("filled.csv")
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("  + -X1 → VASE-01 UNIT  (row \(row + 1))"), "\(imported.transcript)")
        // The pack's own sheet is a CSV a consultant opens too: guarded the same way, and read back as -X1.
        let sheet = try workspace.read(workspace.sheet)
        #expect(sheet.contains(#"'-X1,"'=HYPERLINK(""http://evil"",""click"")",VASE-01,UNIT"#), "\(sheet)")
        let transform = try await workspace.run(["transform", "--pack", workspace.pack, "--orders", "hostile.jsonl", "--format", "jsonl"] + Args.asOf)
        #expect(!transform.stdout.contains("SKU '-X1' has no item matching"), "\(transform.transcript)")
        #expect(transform.stdout.contains("SKU '+X2' has no item matching"), "\(transform.transcript)")
        #expect(transform.stdout.contains(#""itemcode":"VASE-01""#), "\(transform.transcript)")
    }
}
