import Foundation
import LedgerCore
import Testing
@testable import Spreadsheets

/// Finding 6 of issue 12: every CSV ledgersync writes goes through `SpreadsheetWriter`, whose text cells are
/// defused (OWASP CSV injection advice) while typed numbers stay numbers.
@Suite("CSV formula guard")
struct CSVFormulaGuardTests {
    static let hostile = [#"=HYPERLINK("http://evil","click")"#, "+cmd", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]

    @Test("text starting with = + - @ tab or CR gets a leading apostrophe, quoted where RFC 4180 needs it")
    func hostileTextIsDefused() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("out.csv")
        try SpreadsheetWriter.writeCSV(path: path, rows: [Self.hostile.map(SheetValue.string)])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == #""'=HYPERLINK(""http://evil"",""click"")",'+cmd,'-2+3,'@SUM(A1),'"# + "\tTab," + "\"'\rCR\"\r\n")
        let back = try SpreadsheetReader(path: path).rows().readAll()
        #expect(back.first?.cells.map(\.text) == Self.hostile.map { "'" + $0 })
    }

    @Test("typed numbers are written exactly, negative ones included; text that merely looks harmless is untouched")
    func numbersIntact() throws {
        let text = try SpreadsheetWriter.csvText(rows: [
            [.number("-12.50"), .number("+7"), .number("0.10"), .string("Table - oak"), .string("a=b"), .string(""), .empty, .boolean(true), .date("2025-09-01")],
        ])
        #expect(text == "-12.50,7,0.10,Table - oak,a=b,,,TRUE,2025-09-01\r\n")
    }

    @Test("a cell typed as a number that is not a plain number is refused, never written as text a spreadsheet would run")
    func badNumberRefused() {
        #expect(throws: SpreadsheetError.self) {
            _ = try SpreadsheetWriter.csvText(rows: [[.number("=1+1")]], displayPath: "out.csv")
        }
    }

    @Test("xlsx needs no guard: cells are inline strings, never formulas, and =HYPERLINK reads back as the same text cell")
    func xlsxWritesNoFormulas() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("out.xlsx")
        try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Items", rows: [Self.hostile.map(SheetValue.string)])])
        let back = try SpreadsheetReader(path: path).rows().readAll()
        #expect(back.first?.cells.map(\.text) == Self.hostile)
        #expect(back.first?.cells.allSatisfy { $0.kind == .string } == true)
    }

    @Test("a failed write leaves the old file and no temporary file behind")
    func failedWriteKeepsOldFile() throws {
        let scratch = try Scratch()
        defer { scratch.cleanup() }
        let path = scratch.path("keep.csv")
        try SpreadsheetWriter.writeCSV(path: path, rows: [["old"]])
        #expect(throws: SpreadsheetError.self) {
            try SpreadsheetWriter.writeCSV(path: path, rows: [[.string("new")], [.number("not a number")]])
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old\r\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.folder.path) == ["keep.csv"])
    }
}
