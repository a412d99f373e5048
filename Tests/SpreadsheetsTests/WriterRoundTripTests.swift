import Foundation
import Testing
import Spreadsheets

@Suite struct WriterRoundTripTests {
    @Test func xlsxRoundTripKeepsExactText() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("out.xlsx")
        let orders: [[SheetValue]] = [
            [.string("Order ID"), .string("Amount"), .string("Date"), .string("Paid"), .string("Note")],
            [.string("08"), .number("1234.50"), .date("2025-10-01"), .boolean(true), .string("  spaced  ")],
            [.string("A&B <c> \"q\" 'a'"), .number("-3"), .date("1900-01-01"), .boolean(false), .string("line1\nline2\r\nx\ttab")],
            [.empty, .number("1E-3"), .date("2025-10-01T13:45:30"), .empty, .string("ctrl\u{1}_x0041_ 😀 漢字 café")],
            [],
            [.empty, .empty, .empty, .string("sparse"), .empty],
            [.number("+5"), .date("1900-03-01"), .date("1900-02-28"), .string(""), .string("=SUM(A1:A2)")],
        ]
        let summary: [[SheetValue]] = [[.string("Total"), .number("1231.50")], [.string("Rows"), .number("6")]]
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Orders", rows: orders), (name: "Summary & Totals", rows: summary)])
        // Atomic write: nothing but the workbook is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.folder.path) == ["out.xlsx"])

        let reader = try SpreadsheetReader(path: path)
        #expect(reader.format == .xlsx)
        #expect(reader.sheetNames == ["Orders", "Summary & Totals"])
        let rows = try reader.rows().readAll()
        #expect(rows.map(\.number) == [1, 2, 3, 4, 6, 7])
        let s = { (text: String) in SheetCell(kind: .string, text: text) }
        let n = { (text: String) in SheetCell(kind: .number, text: text) }
        let d = { (text: String) in SheetCell(kind: .date, text: text) }
        let b = { (flag: Bool) in SheetCell(kind: .boolean, text: flag ? "TRUE" : "FALSE") }
        #expect(rows[0].cells == [s("Order ID"), s("Amount"), s("Date"), s("Paid"), s("Note")])
        #expect(rows[1].cells == [s("08"), n("1234.50"), d("2025-10-01"), b(true), s("  spaced  ")])
        #expect(rows[2].cells == [s("A&B <c> \"q\" 'a'"), n("-3"), d("1900-01-01"), b(false), s("line1\nline2\r\nx\ttab")])
        #expect(rows[3].cells == [.empty, n("1E-3"), d("2025-10-01T13:45:30"), .empty, s("ctrl\u{1}_x0041_ 😀 漢字 café")])
        #expect(rows[4].cells == [.empty, .empty, .empty, s("sparse")])
        #expect(rows[5].cells == [n("5"), d("1900-03-01"), d("1900-02-28"), s(""), s("=SUM(A1:A2)")])
        #expect(try reader.rows(sheet: "summary & totals").readAll().summary == ["1: Total|1231.50", "2: Rows|6"])
    }

    @Test func xlsxRejectsValuesExcelWouldRepair() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = try scratch.write("keep.xlsx", "previous content")
        func attempt(_ sheets: [(name: String, rows: [[SheetValue]])]) throws -> SpreadsheetError {
            try #require(throws: SpreadsheetError.self) { try SpreadsheetWriter.writeXLSX(path: path, sheets: sheets) }
        }
        let money = try attempt([(name: "S", rows: [[.string("x"), .number("1,234.50")]])])
        #expect(money.description.contains("cell B1: '1,234.50' is not a plain number"))
        #expect(try attempt([(name: "S", rows: [[.date("01/10/2025")]])]).description.contains("cell A1"))
        #expect(try attempt([(name: "Bad/Name", rows: [])]).description.contains("contains '/'"))
        #expect(try attempt([(name: String(repeating: "x", count: 32), rows: [])]).description.contains("31 characters"))
        #expect(try attempt([(name: "Same", rows: []), (name: "same", rows: [])]).description.contains("two sheets"))
        #expect(try attempt([]).description.contains("at least one sheet"))
        // A failed write leaves the old file alone and no temporary files behind.
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous content")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.folder.path) == ["keep.xlsx"])
    }

    @Test func emptyWorkbookSheet() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("empty.xlsx")
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Nothing", rows: [])])
        let reader = try SpreadsheetReader(path: path)
        #expect(reader.sheetNames == ["Nothing"])
        #expect(try reader.rows().readAll().isEmpty)
    }

    @Test func csvWriterQuotesWhatNeedsQuoting() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("out.csv")
        let rows = [["a,b", "q\"t", "line\r\nbreak", "plain", ""], ["x", "semi;colon", "08"]]
        try SpreadsheetWriter.writeCSV(path: path, rows: rows)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "\"a,b\",\"q\"\"t\",\"line\r\nbreak\",plain,\r\nx,semi;colon,08\r\n")
        let back = try SpreadsheetReader(path: path).rows().readAll()
        #expect(back.summary == ["1: a,b|q\"t|line\r\nbreak|plain", "2: x|semi;colon|08"])
        #expect(back[1][2].kind == .string)

        let semicolons = scratch.path("semi.csv")
        try SpreadsheetWriter.writeCSV(path: semicolons, rows: rows, delimiter: ";")
        #expect(try String(contentsOfFile: semicolons, encoding: .utf8) == "a,b;\"q\"\"t\";\"line\r\nbreak\";plain;\r\nx;\"semi;colon\";08\r\n")
        let reader = try SpreadsheetReader(path: semicolons)
        #expect(reader.csvDelimiter == ";")
        #expect(try reader.rows().readAll().summary == back.summary)
    }

    @Test func manyRowsStreamAndStopEarly() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("big.xlsx")
        var rows: [[SheetValue]] = [[.string("Banner")], [], [.string("Order ID"), .string("Amount"), .string("Date")]]
        for i in 0..<20_000 {
            rows.append([.string("SO-\(i)"), .number("\(i).\(i % 100 < 10 ? "0" : "")\(i % 100)"), .date("2025-10-01")])
        }
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Big", rows: rows)])
        let sheet = try SpreadsheetReader(path: path).rows()
        // HeaderFinder stops after row 3: the inflating thread is cancelled, nothing hangs.
        let header = try HeaderFinder.find(required: ["order id", "amount"], in: sheet)
        #expect(header.rowNumber == 3)
        var count = 0, last: SheetRow?
        for row in sheet where row.number > header.rowNumber {
            count += 1
            last = row
        }
        try sheet.check()
        #expect(count == 20_000)
        #expect(last?.cells.map(\.text) == ["SO-19999", "19999.99", "2025-10-01"])
        // A second pass re-reads the file; breaking out of a loop early is fine too.
        for row in sheet {
            #expect(row.number == 1)
            break
        }
        #expect(try sheet.readAll().count == 20_002)
    }
}
