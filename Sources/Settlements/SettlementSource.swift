import Foundation
import LedgerCore
import Spreadsheets

/// One sheet of a settlement file, its rows streamed by the Spreadsheets reader: each pass re-reads the file, so a
/// statement of half a million fee rows is never held whole.
public struct SettlementSheet {
    /// nil for a CSV: its one sheet has no name of its own, and messages leave the sheet out.
    public var name: String?
    public var rows: SheetRows

    public init(name: String?, rows: SheetRows) {
        self.name = name
        self.rows = rows
    }
}

/// A settlement file handed to the parsers: its name (for diagnostics) and its sheets in file order. Every report
/// is read through `SpreadsheetReader`, xlsx or CSV told apart by content.
public struct SettlementSource {
    public var fileName: String
    public var sheets: [SettlementSheet]

    public init(fileName: String, sheets: [SettlementSheet]) {
        self.fileName = fileName
        self.sheets = sheets
    }

    /// Every sheet the reader opened; a CSV's one sheet goes unnamed.
    public init(_ reader: SpreadsheetReader, fileName: String) throws {
        self.fileName = fileName
        sheets = try reader.sheetNames.map { name in
            SettlementSheet(name: reader.format == .csv ? nil : name, rows: try reader.rows(sheet: name))
        }
    }

    /// Opens a report file. Throws a `Diagnostic` (code `unreadable-file`) naming the file when it is missing,
    /// unreadable, or not a spreadsheet (a PDF, a legacy .xls, text that is not UTF-8 …).
    public static func open(path: String) throws -> SettlementSource {
        do {
            return try SettlementSource(SpreadsheetReader(path: path), fileName: (path as NSString).lastPathComponent)
        } catch {
            throw unreadable(error, file: path)
        }
    }

    /// CSV text as the same file would be read: a one-sheet source whose row numbers are CSV record numbers (1-based),
    /// the delimiter (`,`, `;` or tab) detected, a byte-order mark dropped.
    public static func csv(text: String, fileName: String) throws -> SettlementSource {
        try csv(bytes: Data(text.utf8), fileName: fileName)
    }

    /// CSV bytes as the same file would be read: text that is not UTF-8 is refused with "save the CSV as UTF-8".
    public static func csv(bytes: Data, fileName: String) throws -> SettlementSource {
        do {
            return try SettlementSource(SpreadsheetReader(csvBytes: bytes, name: fileName), fileName: fileName)
        } catch {
            throw unreadable(error, file: fileName)
        }
    }

    /// The error that cut the last pass over a sheet short (a truncated workbook, bad XML or CSV half-way): parsed
    /// rows are then incomplete, and nothing may be imported.
    public func readError() -> Diagnostic? {
        guard let error = sheets.lazy.compactMap(\.rows.error).first else { return nil }
        return .error("\(error); the file could not be read to the end, so nothing was imported — export it again",
                      at: SourceLocation(file: error.file), code: "unreadable-file")
    }

    private static func unreadable(_ error: Error, file: String) -> Diagnostic {
        .error("\(error)", at: SourceLocation(file: file), code: "unreadable-file")
    }
}
