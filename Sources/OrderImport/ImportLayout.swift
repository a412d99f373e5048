import Foundation
import LedgerCore
import RulePack
import Spreadsheets

/// One value the mapping reads from each row: a canonical field fed by cells, or a named column.
struct ImportSlot {
    /// The field path (`lines.sku`) or the named column's name.
    var key: String
    var kind: ImportFieldKind
    var isLine: Bool
    var cells: ImportCells
    /// The 0-based column of each of `cells.choices`; nil for an optional column the export does not have.
    var columns: [Int?]
}

/// Where the header row is and which column feeds each slot.
public struct ImportLayout {
    public var headerRow: Int
    /// The header row's texts, trimmed, by 0-based column.
    public var headers: [String]
    var slots: [ImportSlot]
    var slotIndex: [String: Int]

    /// "column R (Total Amount)".
    func describeColumn(_ index: Int) -> String {
        let header = index < headers.count ? headers[index] : ""
        return header.isEmpty ? "column \(SheetRow.columnName(index))" : "column \(SheetRow.columnName(index)) (\(header))"
    }

    /// Finds the header row within the mapping's `header_search_rows` non-empty rows: the first with every column the
    /// mapping needs. Otherwise one error naming each missing column, with the closest header actually present.
    static func find(_ mapping: ImportMapping, in rows: SheetRows, display: String) throws(Diagnostic) -> ImportLayout {
        let wanted = mapping.readColumns
        var best: (row: SheetRow, found: Int, missing: [(use: String, column: ImportColumn)])?
        var examined = 0
        var iterator = rows.makeIterator()
        while examined < mapping.headerSearchRows {
            let next: SheetRow?
            do { next = try iterator.nextRow() } catch let error as SpreadsheetError {
                throw Diagnostic.error(describe(error, display: display), at: SourceLocation(file: display), code: "import-unreadable")
            } catch {
                throw Diagnostic.error("cannot read '\(display)': \(error)", at: SourceLocation(file: display), code: "import-unreadable")
            }
            guard let row = next else { break }
            if row.isEmpty { continue }
            examined += 1
            let index = headerIndex(row)
            let missing = wanted.filter { !$0.column.isOptional && position(of: $0.column, in: index) == nil }
            if missing.isEmpty { return layout(mapping, row: row, index: index) }
            let found = wanted.count - missing.count
            if found > (best?.found ?? 0) { best = (row, found, missing) }
        }
        let name = mapping.name
        guard let best, best.found >= 2 else {
            throw Diagnostic.error("'\(display)' is not an export the \(name) mapping reads: none of its first \(mapping.headerSearchRows) non-empty rows names the columns the mapping reads (\(wanted.filter { !$0.column.isOptional }.prefix(4).map { "'\($0.column.headers[0])'" }.joined(separator: ", ")), …); nothing was imported. Check the file, or name its mapping with --mapping",
                                   at: SourceLocation(file: display), code: "import-header-not-found")
        }
        let present = best.row.cells.map { CellParsing.clean($0.text) }.filter { !$0.isEmpty }
        var lines: [String] = []
        for (use, column) in best.missing {
            var line = "'\(column.headers[0])'\(column.headers.count > 1 ? " (or \(column.headers.dropFirst().map { "'\($0)'" }.joined(separator: ", ")))" : "") for \(use)"
            if let guess = Suggest.closest(to: column.headers[0], in: present) { line += "; did you mean '\(guess)'?" }
            if let at = column.location { line += " [\(at)]" }
            lines.append(line)
        }
        throw Diagnostic.error("'\(display)' row \(best.row.number) looks like the header the \(name) mapping reads (\(best.found) of \(wanted.count) columns found) but lacks \(best.missing.count == 1 ? "a column" : "\(best.missing.count) columns") the mapping needs; nothing was imported:\n" + lines.map { "  - " + $0 }.joined(separator: "\n") + "\nRename the column in the mapping (or add an alias), or mark it optional: true",
                               at: SourceLocation(file: display, line: best.row.number), code: "import-missing-columns")
    }

    private static func headerIndex(_ row: SheetRow) -> [String: Int] {
        var index: [String: Int] = [:]
        for (column, cell) in row.cells.enumerated() where !cell.isEmpty {
            let key = HeaderFinder.normalize(cell.text)
            if !key.isEmpty && index[key] == nil { index[key] = column }
        }
        return index
    }

    private static func position(of column: ImportColumn, in index: [String: Int]) -> Int? {
        for header in column.headers { if let found = index[HeaderFinder.normalize(header)] { return found } }
        return nil
    }

    private static func layout(_ mapping: ImportMapping, row: SheetRow, index: [String: Int]) -> ImportLayout {
        var slots: [ImportSlot] = []
        for field in ImportField.catalog {
            guard case .cells(let cells)? = mapping.fields[field.path] else { continue }
            slots.append(ImportSlot(key: field.path, kind: field.kind, isLine: field.isLine, cells: cells, columns: cells.choices.map { position(of: $0, in: index) }))
        }
        for named in mapping.columns {
            slots.append(ImportSlot(key: named.name, kind: named.kind, isLine: named.isLine, cells: named.cells, columns: named.cells.choices.map { position(of: $0, in: index) }))
        }
        var slotIndex: [String: Int] = [:]
        for (position, slot) in slots.enumerated() { slotIndex[slot.key] = position }
        return ImportLayout(headerRow: row.number, headers: row.cells.map { CellParsing.clean($0.text) }, slots: slots, slotIndex: slotIndex)
    }

    /// A spreadsheet error in the words of an import: what the file is and what to do.
    static func describe(_ error: SpreadsheetError, display: String) -> String {
        var copy = error
        copy.file = display
        return copy.description
    }
}
