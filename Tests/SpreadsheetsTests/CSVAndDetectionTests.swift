import Foundation
import Testing
import Spreadsheets

@Suite struct CSVReaderTests {
    @Test func semicolonsWithBOMAndQuotedFields() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = try scratch.write("Shopee Export.csv", "\u{FEFF}Shop Report;;\n\nOrder ID;Amount;Note\nA-1;1234,50;\"semi;colon\"\nA-2;7;\"multi\nline \"\"quoted\"\"\"\n")
        let reader = try SpreadsheetReader(path: path)
        #expect(reader.format == .csv)
        #expect(reader.csvDelimiter == ";")
        #expect(reader.sheetNames == ["Shopee Export"])
        let rows = try reader.rows().readAll()
        #expect(rows.summary == ["1: Shop Report", "2: ", "3: Order ID|Amount|Note", "4: A-1|1234,50|semi;colon", "5: A-2|7|multi\nline \"quoted\""])
        #expect(rows[0].cells == [SheetCell(kind: .string, text: "Shop Report")])   // the BOM is not part of the text
        #expect(rows[3][1].kind == .string)
        #expect(rows[4][1] == SheetCell(kind: .number, text: "7"))
        #expect(try reader.rows(sheet: "shopee export").readAll().count == 5)
        let missing = try #require(throws: SpreadsheetError.self) { try reader.rows(sheet: "Sheet1") }
        #expect(missing.reason == .sheetNotFound("Sheet1", available: ["Shopee Export"]))
    }

    @Test func tabsCommasAndCRLF() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let tabs = try scratch.write("tabs.txt", "sku\tprice, MYR\tqty\r\nA\t1,50\t2\r\nB\t3,00\t10\r\n")
        let reader = try SpreadsheetReader(path: tabs)
        #expect(reader.csvDelimiter == "\t")
        #expect(try reader.rows().readAll().summary == ["1: sku|price, MYR|qty", "2: A|1,50|2", "3: B|3,00|10"])

        let commas = try scratch.write("c.csv", "Banner line\nid,amount,when\n1,\"1,234.50\",2025-10-01\n2,-0.5,\n")
        let rows = try SpreadsheetReader(path: commas).rows().readAll()
        #expect(rows.summary == ["1: Banner line", "2: id|amount|when", "3: 1|1,234.50|2025-10-01", "4: 2|-0.5"])
        #expect(rows[3].cells.map(\.kind) == [.number, .number])
        #expect(rows[2].cells.map(\.kind) == [.number, .string, .string])
    }

    @Test func utf16WithBOM() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in "name\tcity\r\nÅsa\t東京\r\n".utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let path = try scratch.write("unicode.txt", bytes: bytes)
        let reader = try SpreadsheetReader(path: path)
        #expect(reader.csvDelimiter == "\t")
        #expect(try reader.rows().readAll().summary == ["1: name|city", "2: Åsa|東京"])
    }
}

@Suite struct DetectionTests {
    @Test func contentDecidesNotTheExtension() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let csvNamedXLSX = try scratch.write("orders.xlsx", "a,b\n1,2\n")
        let reader = try SpreadsheetReader(path: csvNamedXLSX)
        #expect(reader.format == .csv)
        #expect(reader.sheetNames == ["orders"])
        #expect(try reader.rows().readAll().summary == ["1: a|b", "2: 1|2"])

        let xlsxNamedCSV = scratch.path("orders.csv")
        try SpreadsheetWriter.writeXLSX(path: xlsxNamedCSV, sheets: [(name: "Orders", rows: [[.string("a"), .number("1")]])])
        let workbook = try SpreadsheetReader(path: xlsxNamedCSV)
        #expect(workbook.format == .xlsx)
        #expect(workbook.sheetNames == ["Orders"])
        #expect(try workbook.rows().readAll().summary == ["1: a|1"])
    }

    @Test func notSpreadsheets() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        func reason(_ name: String, _ bytes: [UInt8]) throws -> SpreadsheetError {
            let path = try scratch.write(name, bytes: bytes)
            return try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(path: path) }
        }
        let png = try reason("logo.xlsx", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        #expect(png.reason == .notASpreadsheet("it is an image"))
        #expect(png.description.hasSuffix("logo.xlsx': not a spreadsheet (it is an image); expected an .xlsx workbook or a CSV text file"))
        let xls = try reason("old.xls", [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0])
        #expect(xls.description.contains("legacy Excel 97–2003 .xls"))
        #expect(try reason("bin.csv", [0x41, 0x00, 0x42, 0x0A]).reason == .notASpreadsheet("it is binary data"))
        #expect(try reason("latin1.csv", Array("name\ncaf".utf8) + [0xE9, 0x0A]).description.contains("not UTF-8"))
        #expect(try reason("empty.csv", []).reason == .notASpreadsheet("the file is empty"))
        let missing = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(path: scratch.path("nope.csv")) }
        #expect(missing.reason == .unreadable("no such file"))
    }

    @Test func zipFilesThatAreNotWorkbooks() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let docx = scratch.path("letter.xlsx")
        try TestZip.write(to: docx, [("[Content_Types].xml", Parts.contentTypes), ("word/document.xml", "<document/>")])
        let error = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(path: docx) }
        #expect(error.description.contains("a ZIP file but not an xlsx workbook: it is a Word document"))

        let plain = scratch.path("photos.xlsx")
        try TestZip.write(to: plain, [("readme.txt", "hello")])
        let other = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(path: plain) }
        #expect(other.reason == .notXLSX("it has no workbook part 'xl/workbook.xml'"))

        let truncated = scratch.path("cut.xlsx")
        try SpreadsheetWriter.writeXLSX(path: truncated, sheets: [(name: "S", rows: [[.string("x")]])])
        let data = try Data(contentsOf: URL(fileURLWithPath: truncated))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: truncated))
        let cut = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(path: truncated) }
        guard case .notXLSX = cut.reason else { Issue.record("\(cut)"); return }
    }
}

@Suite struct HeaderFinderTests {
    @Test func findsTheHeaderBelowBanners() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("lazada.xlsx")
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Orders", rows: [
            [.string("Lazada Orders Export")],
            [],
            [.string("Generated"), .date("2025-10-01"), .string("by admin")],
            [.string("Order ID "), .string("  AMOUNT"), .string("order\u{A0}  date"), .string("Note"), .string("order id")],
            [.string("SO-1"), .number("10.50"), .date("2025-10-01")],
        ])])
        let rows = try SpreadsheetReader(path: path).rows()
        let header = try HeaderFinder.find(required: ["order id", "Amount", "Order Date"], in: rows)
        #expect(header.rowNumber == 4)
        #expect(header.index(of: "ORDER   ID") == 0)
        #expect(header.index(of: "amount") == 1)
        #expect(header.index(of: "Order Date") == 2)
        #expect(header.columns == ["order id": 0, "amount": 1, "order date": 2, "note": 3])
        #expect(header.index(of: "sku") == nil)
    }

    @Test func explainsWhatItSawWhenNotFound() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = try scratch.write("report.csv", "Report for October\n\nOrder No,Amount\nSO-1,10\n")
        let rows = try SpreadsheetReader(path: path).rows()
        let error = try #require(throws: SpreadsheetError.self) { try HeaderFinder.find(required: ["Order ID", "Amount"], in: rows) }
        #expect(error.description == """
        '\(path)', sheet 'report': no header row with the columns 'Order ID', 'Amount' in the first 20 non-empty rows; closest: row 3 lacks 'Order ID'; the first rows are:
          row 1: Report for October
          row 3: Order No | Amount
          row 4: SO-1 | 10
        """)
        // Only the first `searchRows` non-empty rows are searched.
        let limited = try #require(throws: SpreadsheetError.self) { try HeaderFinder.find(required: ["order no"], in: rows, searchRows: 1) }
        #expect(limited.description.contains("in the first 1 non-empty rows"))
        #expect(try HeaderFinder.find(required: ["order no"], in: rows, searchRows: 2).rowNumber == 3)
    }

    @Test func worksOnPlainRowsToo() throws {
        let rows = [SheetRow(number: 7, cells: [SheetCell(kind: .string, text: "\u{FEFF}SKU"), .empty, SheetCell(kind: .string, text: "Qty\t")])]
        let header = try HeaderFinder.find(required: ["sku", "QTY"], in: rows)
        #expect(header == HeaderMatch(rowNumber: 7, columns: ["sku": 0, "qty": 2], names: ["\u{FEFF}SKU", "", "Qty"]))
        #expect(HeaderFinder.normalize("  Order \n\t ID ") == "order id")
        let error = try #require(throws: SpreadsheetError.self) { try HeaderFinder.find(required: ["x"], in: [SheetRow]()) }
        #expect(error.description == "no header row with the columns 'x' in the first 20 non-empty rows; the sheet has no rows")
    }

    static func row(_ number: Int, _ texts: [String]) -> SheetRow {
        SheetRow(number: number, cells: texts.map { $0.isEmpty ? .empty : SheetCell(kind: .string, text: $0) })
    }

    @Test func normalizeJoinsParenthesesAndSlashes() {
        let n = HeaderFinder.normalize
        #expect(n("Order/adjustment ID  ") == n("order / adjustment  id"))
        #expect(n("Amount (Include Tax)") == "amount(include tax)" && n("Amount( Include Tax )") == "amount(include tax)")
        #expect(n(" Total Released Amount\n(RM) ") == n("total released amount (rm)"))
        #expect(n("Type ") == "type")
        #expect(n("Order ID") != n("OrderID"))
    }

    @Test func aliasesAndOptionalColumns() throws {
        let rows = [Self.row(1, ["Statement"]), Self.row(2, ["Order No.", " Amount ", "Fee Name", "Order Number"])]
        let order = HeaderColumn(["Order Number", "Order No.", "Order No"])
        let release = HeaderColumn(["Release Date"], required: false)
        let header = try HeaderFinder.find([order, HeaderColumn(["Amount(Include Tax)", "Amount"]), release], in: rows)
        #expect(header.rowNumber == 2)
        #expect(header.index(of: order) == 3, "the first name in the column's own order wins, not the leftmost cell")
        #expect(header.index(of: release) == nil)
        #expect(header.name(at: 1) == "Amount" && header.name(at: 9) == nil)

        // Optional columns never decide the header row, and the error lists only the required ones.
        let error = try #require(throws: SpreadsheetError.self) { try HeaderFinder.find([HeaderColumn(["Payout"]), release], in: rows) }
        guard case .headerNotFound(let required, _, _, let closest) = error.reason else { Issue.record("\(error)"); return }
        #expect(required == ["Payout"] && closest == nil)
    }

    @Test func searchReportsTheClosestRow() {
        let rows = [Self.row(1, ["Order ID", "x"]), Self.row(3, ["Order ID", "Payout", "y"]), Self.row(4, ["a", "b", "c"])]
        let wanted = [HeaderColumn(["Order ID"]), HeaderColumn(["Payout", "Payout Amount"]), HeaderColumn(["Date"])]
        guard case .notFound(let closest?, let preview) = HeaderFinder.search(wanted, in: rows) else { Issue.record("found"); return }
        #expect(closest == HeaderNearMiss(rowNumber: 3, present: Array(wanted.prefix(2)), missing: [wanted[2]]))
        #expect(preview == ["row 1: Order ID | x", "row 3: Order ID | Payout | y", "row 4: a | b | c"])
    }

    @Test func recognisesAReportByItsColumns() {
        let rows = [Self.row(1, ["Seller Center Account Statement"]), Self.row(2, ["Fee Name", "Order Number ", "Amount", "Fee Name"]),
                    Self.row(3, ["Order ID", "View By", "Payout Completed Date"])]
        let candidates: [(label: String, names: [String])] = [("shopee", ["View By", "Payout Completed Date", "Sequence No."]),
                                                              ("lazada", ["Fee Name", "Order Number", "Release Date"])]
        let found = HeaderFinder.recognise(candidates, in: rows, minimumMatches: 2)
        #expect(found?.label == "lazada" && found?.rowNumber == 2, "a tie goes to the earlier row")
        #expect(found?.matched == ["Fee Name", "Order Number"], "as written, trimmed, each name once")
        #expect(HeaderFinder.recognise(candidates, in: rows, minimumMatches: 3) == nil)
        #expect(HeaderFinder.recognise(candidates, in: rows, searchRows: 1) == nil, "only the first non-empty rows are looked at")
    }
}

@Suite struct CSVInMemoryTests {
    @Test func readsLikeTheSameFile() throws {
        let text = "\u{FEFF}Banner\nOrder;Amount\nA-1;\"1;5\"\n"
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let fromFile = try SpreadsheetReader(path: try scratch.write("s.csv", text))
        let fromText = try SpreadsheetReader(csvText: text, name: "s.csv")
        #expect(fromText.format == .csv && fromText.csvDelimiter == ";" && fromText.sheetNames == ["s"])
        #expect(try fromText.rows().readAll() == fromFile.rows().readAll())
        #expect(try fromText.rows().readAll().summary == ["1: Banner", "2: Order|Amount", "3: A-1|1;5"])
    }

    @Test func largeTextStreamsInChunksAndRefusesWhatAFileWould() throws {
        let body = (1...20_000).map { "\($0),item \($0),\($0).50" }.joined(separator: "\n")
        let rows = try SpreadsheetReader(csvText: "n,name,price\n" + body, name: "big.csv").rows()
        var count = 0
        try rows.forEachRow { _ in count += 1 }
        #expect(count == 20_001)

        let latin1 = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(csvBytes: Data([0x61, 0x2C, 0xE9, 0x0A]), name: "l.csv") }
        #expect(latin1.description.contains("save the CSV as UTF-8"))
        let empty = try #require(throws: SpreadsheetError.self) { try SpreadsheetReader(csvText: "", name: "e.csv") }
        #expect(empty.reason == .notASpreadsheet("the file is empty"))
    }
}
