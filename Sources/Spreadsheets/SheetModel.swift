import Foundation

/// One cell as read from a sheet. Nothing is ever converted through `Double`: `text` is the cell's exact text.
public struct SheetCell: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case empty, string, number, boolean, date }
    public var kind: Kind
    /// Exact text: strings as written, numbers as the XML/CSV text, booleans "TRUE"/"FALSE", dates as ISO
    /// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS" (converted from the Excel serial when the cell's number format is a date format).
    public var text: String

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }

    public static let empty = SheetCell(kind: .empty, text: "")

    /// True for an empty cell and for a string cell whose text is "" (whitespace is not empty: it is kept exactly).
    public var isEmpty: Bool { kind == .empty || text.isEmpty }
}

/// One row of a sheet.
public struct SheetRow: Sendable, Equatable {
    /// 1-based row number in the sheet, as Excel shows it. Rows absent from an xlsx are skipped, not yielded empty,
    /// so numbers can jump (3, 4, 9, …). For CSV it is the record number (a quoted field with a newline is one record).
    public var number: Int
    /// Column A first; missing cells are filled with `.empty`; trailing empty cells are dropped (a row can be `[]`).
    public var cells: [SheetCell]

    public init(number: Int, cells: [SheetCell]) {
        self.number = number
        self.cells = cells
    }

    /// The cell at a 0-based column index, `.empty` past the end of the row.
    public subscript(column: Int) -> SheetCell {
        column >= 0 && column < cells.count ? cells[column] : .empty
    }

    /// True when every cell is empty.
    public var isEmpty: Bool { cells.allSatisfy(\.isEmpty) }

    /// Column letters for a 0-based column index: 0 → "A", 25 → "Z", 26 → "AA".
    public static func columnName(_ index: Int) -> String {
        var n = index + 1
        var letters: [Character] = []
        while n > 0 {
            let r = (n - 1) % 26
            letters.append(Character(UnicodeScalar(UInt8(65 + r))))
            n = (n - 1) / 26
        }
        return String(letters.reversed())
    }
}

public enum SpreadsheetFormat: String, Sendable { case xlsx, csv }

/// A cell value for the writers: `SpreadsheetWriter.writeXLSX` stores it typed in the workbook; `writeCSV` and
/// `csvText` write it as text (strings through the formula guard, numbers exactly, dates as ISO text).
public enum SheetValue: Sendable, Equatable {
    /// Always written as text, never re-typed ("08" stays "08").
    case string(String)
    /// Exact decimal text ("1234.50", "-3", "1E-3"); written as-is into `<v>`. Anything that is not a plain number is rejected.
    case number(String)
    /// "YYYY-MM-DD" (or "YYYY-MM-DDTHH:MM:SS"); written as an Excel serial with a yyyy-mm-dd (hh:mm:ss) style.
    case date(String)
    case boolean(Bool)
    case empty
}

