import CSV
import LedgerCore

/// One row of a settlement file as the user sees it in a spreadsheet program.
public struct SettlementSourceRow: Hashable, Sendable {
    /// The 1-based row number the user sees (the CSV record number for CSV files).
    public var number: Int
    /// The exact cell text, column A first. Numbers as written; dates as `YYYY-MM-DD`,
    /// `YYYY-MM-DDTHH:MM:SS` or as written.
    public var cells: [String]

    public init(number: Int, cells: [String]) {
        self.number = number
        self.cells = cells
    }
}

/// The rows of one sheet: held in memory, or read from the file again on each pass, so that a statement of
/// half a million fee rows is never held whole.
public struct SettlementRows: Sequence, Sendable, ExpressibleByArrayLiteral, Equatable {
    private enum Storage: @unchecked Sendable {
        case held([SettlementSourceRow])
        // Unchecked: a stream is only ever iterated by the one import that opened it.
        case streamed(() -> AnyIterator<SettlementSourceRow>)
    }

    private let storage: Storage

    public init(_ rows: [SettlementSourceRow]) { storage = .held(rows) }

    public init(arrayLiteral rows: SettlementSourceRow...) { storage = .held(rows) }

    /// `makeRows` starts a new pass over the file each time it is called.
    public init(streaming makeRows: @escaping () -> AnyIterator<SettlementSourceRow>) { storage = .streamed(makeRows) }

    public func makeIterator() -> AnyIterator<SettlementSourceRow> {
        switch storage {
        case .held(let rows): return AnyIterator(rows.makeIterator())
        case .streamed(let makeRows): return makeRows()
        }
    }

    /// The row at a 0-based position (a pass over the file when streamed).
    public subscript(position: Int) -> SettlementSourceRow {
        if case .held(let rows) = storage { return rows[position] }
        return Array(self)[position]
    }

    public static func == (lhs: SettlementRows, rhs: SettlementRows) -> Bool { Array(lhs) == Array(rhs) }
}

/// A settlement file handed to the parsers: its name (for diagnostics) and its sheets in file order.
/// A CSV file is one sheet with an empty name; messages then leave the sheet out.
public struct SettlementSource: Sendable {
    public var fileName: String
    public var sheets: [(name: String, rows: SettlementRows)]

    public init(fileName: String, sheets: [(name: String, rows: [SettlementSourceRow])]) {
        self.fileName = fileName
        self.sheets = sheets.map { ($0.name, SettlementRows($0.rows)) }
    }

    /// Sheets whose rows may be streamed from the file: the parsers make one full pass, detection reads the first rows.
    public init(fileName: String, streamedSheets: [(name: String, rows: SettlementRows)]) {
        self.fileName = fileName
        self.sheets = streamedSheets
    }

    /// Reads CSV text into a one-sheet source (row numbers are CSV record numbers, 1-based).
    /// With `delimiter` nil the delimiter is sniffed: `;` when the first non-empty line has more `;` than `,`
    /// (Lazada's statements), `,` otherwise. A byte-order mark is dropped.
    /// Throws a `Diagnostic` (code `settlement-unreadable`) when the text is not valid CSV.
    public static func csv(text: String, fileName: String, delimiter: Unicode.Scalar? = nil) throws -> SettlementSource {
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let separator = delimiter ?? sniffDelimiter(body)
        let reader: CSVReader
        do {
            reader = try CSVReader(string: body, hasHeaderRow: false, trimFields: false, delimiter: separator)
        } catch {
            throw Diagnostic.error("cannot read '\(fileName)' as CSV: \(error)", at: SourceLocation(file: fileName, line: 1), code: "settlement-unreadable")
        }
        var rows: [SettlementSourceRow] = []
        while let cells = reader.next() {
            rows.append(SettlementSourceRow(number: rows.count + 1, cells: cells))
        }
        if let error = reader.error {
            throw Diagnostic.error("cannot read '\(fileName)' as CSV after row \(rows.count): \(error); check its quoting",
                                   at: SourceLocation(file: fileName, line: rows.count + 1), code: "settlement-unreadable")
        }
        return SettlementSource(fileName: fileName, sheets: [(name: "", rows: rows)])
    }

    static func sniffDelimiter(_ text: String) -> Unicode.Scalar {
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let semicolons = line.filter { $0 == ";" }.count
            let commas = line.filter { $0 == "," }.count
            if semicolons == 0 && commas == 0 { continue }
            return semicolons > commas ? ";" : ","
        }
        return ","
    }
}
