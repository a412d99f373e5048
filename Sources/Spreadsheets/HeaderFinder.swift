import Foundation

/// A column looked for in a header row: the name it is known by, then the other names (aliases) a report may give
/// it, tried in order. An optional column is used when present; only required ones decide which row is the header.
public struct HeaderColumn: Sendable, Hashable {
    /// Accepted header names, preferred first; compared as `HeaderFinder.normalize` does.
    public var names: [String]
    public var isRequired: Bool

    public init(_ names: [String], required: Bool = true) {
        self.names = names
        isRequired = required
    }

    /// The preferred name: the one messages quote.
    public var name: String { names.first ?? "" }
}

/// Where the header row is and which column each (normalized) header name is in.
public struct HeaderMatch: Sendable, Equatable {
    /// The header's row number (as `SheetRow.number`); data rows are the ones after it.
    public var rowNumber: Int
    /// Every non-empty header cell: normalized name → 0-based column index (the first one when a name repeats).
    public var columns: [String: Int]
    /// The header cells as written, trimmed, by column index ("" for an empty cell): what messages quote.
    public var names: [String]

    public init(rowNumber: Int, columns: [String: Int], names: [String] = []) {
        self.rowNumber = rowNumber
        self.columns = columns
        self.names = names
    }

    /// The column of a header name, compared as `HeaderFinder.normalize` does.
    public func index(of name: String) -> Int? {
        columns[HeaderFinder.normalize(name)]
    }

    /// The column of the first of `column`'s names that the header has.
    public func index(of column: HeaderColumn) -> Int? {
        for name in column.names {
            if let index = index(of: name) { return index }
        }
        return nil
    }

    /// The header cell above a column as written; nil past the header's last cell.
    public func name(at index: Int) -> String? {
        index >= 0 && index < names.count ? names[index] : nil
    }
}

/// The row that came closest to being the header: it had some of the required columns but not all.
public struct HeaderNearMiss: Sendable, Equatable {
    public var rowNumber: Int
    public var present: [HeaderColumn]
    public var missing: [HeaderColumn]

    public init(rowNumber: Int, present: [HeaderColumn], missing: [HeaderColumn]) {
        self.rowNumber = rowNumber
        self.present = present
        self.missing = missing
    }
}

/// What `HeaderFinder.search` found.
public enum HeaderSearch: Sendable, Equatable {
    case found(HeaderMatch)
    /// No row had every required column; `preview` shows the first rows as "row N: a | b | c".
    case notFound(closest: HeaderNearMiss?, preview: [String])
}

/// Which of several candidate column sets a header row names most: what a report looks like by its columns.
public struct HeaderRecognition<Label> {
    public var label: Label
    public var rowNumber: Int
    /// The candidate's names found on the row, as written and trimmed, in column order (each name once).
    public var matched: [String]
}

/// Finds the header row below banner rows ("Shopee Order Report", "Exported 2025-10-01", blank lines…).
public enum HeaderFinder {
    /// Finds the first row, within the first `searchRows` non-empty rows, that contains all `required` column
    /// names (compared with `normalize`). Stops reading as soon as it is found, so it is cheap on a long sheet.
    /// Throws `SpreadsheetError.Reason.headerNotFound` listing the expected columns, the closest row and what the
    /// first rows looked like; or the sheet's own error when reading it failed before the header was found.
    public static func find(required: [String], in rows: some Sequence<SheetRow>, searchRows: Int = 20) throws -> HeaderMatch {
        try find(required.map { HeaderColumn([$0]) }, in: rows, searchRows: searchRows)
    }

    /// `find(required:)` for columns with aliases and optional columns.
    public static func find(_ columns: [HeaderColumn], in rows: some Sequence<SheetRow>, searchRows: Int = 20) throws -> HeaderMatch {
        let sheetRows = rows as? SheetRows
        switch search(columns, in: rows, searchRows: searchRows) {
        case .found(let match):
            return match
        case .notFound(let closest, let preview):
            if let sheetRows, let error = sheetRows.error { throw error }
            let closestText = closest.map { "row \($0.rowNumber) lacks \($0.missing.map { "'\($0.name)'" }.joined(separator: ", "))" }
            throw SpreadsheetError(file: sheetRows?.file ?? "", sheet: sheetRows?.sheet,
                                   .headerNotFound(required: columns.filter(\.isRequired).map(\.name), searchedRows: searchRows,
                                                   preview: preview, closest: closestText))
        }
    }

    /// The first row, within the first `searchRows` non-empty rows, that has every required column (under any of
    /// its names); otherwise the row that had the most of them. Never throws: a read error ends the search early
    /// and stays in the `SheetRows`' `error` for the caller to report.
    public static func search(_ columns: [HeaderColumn], in rows: some Sequence<SheetRow>, searchRows: Int = 20) -> HeaderSearch {
        let required = columns.filter(\.isRequired)
        var preview: [String] = []
        var closest: HeaderNearMiss?
        var examined = 0
        var iterator = rows.makeIterator()
        while examined < searchRows, let row = iterator.next() {
            if row.isEmpty { continue }
            examined += 1
            let match = header(row)
            let missing = required.filter { match.index(of: $0) == nil }
            if missing.isEmpty { return .found(match) }
            if missing.count < required.count && (closest == nil || missing.count < closest!.missing.count) {
                closest = HeaderNearMiss(rowNumber: row.number, present: required.filter { match.index(of: $0) != nil }, missing: missing)
            }
            if preview.count < 8 {
                let shown = row.cells.prefix(12).map { $0.isEmpty ? "" : String($0.text.prefix(30)) }
                preview.append("row \(row.number): " + shown.joined(separator: " | ") + (row.cells.count > 12 ? " | …" : ""))
            }
        }
        return .notFound(closest: closest, preview: preview)
    }

    /// Tells reports apart by their header: the row, within the first `searchRows` non-empty rows, naming the most
    /// distinct names of one candidate, with at least `minimumMatches` of them. The earliest row wins a tie, and
    /// the earlier candidate a tie on one row.
    public static func recognise<Label>(_ candidates: [(label: Label, names: [String])], in rows: some Sequence<SheetRow>,
                                        searchRows: Int = 20, minimumMatches: Int = 2) -> HeaderRecognition<Label>? {
        let keys = candidates.map { Set($0.names.map(normalize)) }
        var best: HeaderRecognition<Label>?
        var examined = 0
        var iterator = rows.makeIterator()
        while examined < searchRows, let row = iterator.next() {
            if row.isEmpty { continue }
            examined += 1
            let cells = row.cells.map { (written: trimmed($0.text), key: normalize($0.text)) }
            for (candidate, names) in zip(candidates, keys) {
                var seen: Set<String> = []
                let matched = cells.filter { names.contains($0.key) && seen.insert($0.key).inserted }.map(\.written)
                if matched.count >= minimumMatches, matched.count > best?.matched.count ?? 0 {
                    best = HeaderRecognition(label: candidate.label, rowNumber: row.number, matched: matched)
                }
            }
        }
        return best
    }

    private static func header(_ row: SheetRow) -> HeaderMatch {
        var columns: [String: Int] = [:]
        for (index, cell) in row.cells.enumerated() where !cell.isEmpty {
            let name = normalize(cell.text)
            if !name.isEmpty && columns[name] == nil { columns[name] = index }
        }
        return HeaderMatch(rowNumber: row.number, columns: columns, names: row.cells.map { trimmed($0.text) })
    }

    private static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Lowercased, trimmed, with every run of whitespace (spaces, tabs, line breaks, no-break spaces) collapsed to
    /// one space, zero-width characters and BOMs removed, and no space inside or before parentheses or around a
    /// slash — reports write the same header both ways: "Order ID ", " order\u{A0} id" → "order id";
    /// "Amount (Include Tax)" → "amount(include tax)"; "Order / adjustment ID" → "order/adjustment id".
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
                    if pendingSpace && !joinsWithoutSpace(before: scalar) && !joinsWithoutSpace(after: out.last) { out.append(" ") }
                    pendingSpace = false
                    out.append(scalar)
                }
            }
        }
        return String(out).lowercased()
    }

    private static func joinsWithoutSpace(before scalar: Unicode.Scalar) -> Bool {
        scalar == "(" || scalar == ")" || scalar == "/"
    }

    private static func joinsWithoutSpace(after scalar: Unicode.Scalar?) -> Bool {
        scalar == "(" || scalar == "/"
    }
}
