import Foundation

/// Where the header row is and which column each (normalized) header name is in.
public struct HeaderMatch: Sendable, Equatable {
    /// The header's row number (as `SheetRow.number`); data rows are the ones after it.
    public var rowNumber: Int
    /// Every non-empty header cell: normalized name → 0-based column index (the first one when a name repeats).
    public var columns: [String: Int]

    public init(rowNumber: Int, columns: [String: Int]) {
        self.rowNumber = rowNumber
        self.columns = columns
    }

    /// The column of a header name, compared as `HeaderFinder.normalize` does.
    public func index(of name: String) -> Int? {
        columns[HeaderFinder.normalize(name)]
    }
}

/// Finds the header row below banner rows ("Shopee Order Report", "Exported 2025-10-01", blank lines…).
public enum HeaderFinder {
    /// Finds the first row, within the first `searchRows` non-empty rows, that contains all `required` column
    /// names (compared with `normalize`). Stops reading as soon as it is found, so it is cheap on a long sheet.
    /// Throws `SpreadsheetError.Reason.headerNotFound` listing the expected columns, the closest row and what the
    /// first rows looked like; or the sheet's own error when reading it failed before the header was found.
    public static func find(required: [String], in rows: some Sequence<SheetRow>, searchRows: Int = 20) throws -> HeaderMatch {
        let wanted = required.map(normalize)
        let sheetRows = rows as? SheetRows
        var preview: [String] = []
        var closest: (row: Int, missing: [String])?
        var examined = 0
        var iterator = rows.makeIterator()
        while examined < searchRows, let row = iterator.next() {
            if row.isEmpty { continue }
            examined += 1
            var columns: [String: Int] = [:]
            for (index, cell) in row.cells.enumerated() where !cell.isEmpty {
                let name = normalize(cell.text)
                if !name.isEmpty && columns[name] == nil { columns[name] = index }
            }
            let missing = zip(required, wanted).filter { columns[$0.1] == nil }.map(\.0)
            if missing.isEmpty {
                return HeaderMatch(rowNumber: row.number, columns: columns)
            }
            if missing.count < required.count && (closest == nil || missing.count < closest!.missing.count) {
                closest = (row.number, missing)
            }
            if preview.count < 8 {
                let shown = row.cells.prefix(12).map { $0.isEmpty ? "" : String($0.text.prefix(30)) }
                preview.append("row \(row.number): " + shown.joined(separator: " | ") + (row.cells.count > 12 ? " | …" : ""))
            }
        }
        if let sheetRows, let error = sheetRows.error { throw error }
        let closestText = closest.map { "row \($0.row) lacks \($0.missing.map { "'\($0)'" }.joined(separator: ", "))" }
        throw SpreadsheetError(file: sheetRows?.file ?? "", sheet: sheetRows?.sheet,
                               .headerNotFound(required: required, searchedRows: searchRows, preview: preview, closest: closestText))
    }

    /// Lowercased, trimmed, with every run of whitespace (spaces, tabs, line breaks, no-break spaces) collapsed to
    /// one space and zero-width characters and BOMs removed: "Order ID ", " order\u{A0} id" → "order id".
    public static func normalize(_ name: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in name.unicodeScalars {
            switch scalar.value {
            case 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
                continue
            default:
                if scalar.properties.isWhitespace {
                    pendingSpace = !out.isEmpty
                } else {
                    if pendingSpace { out.append(" "); pendingSpace = false }
                    out.append(scalar)
                }
            }
        }
        return String(out).lowercased()
    }
}
