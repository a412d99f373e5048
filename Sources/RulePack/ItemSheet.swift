import Foundation
import LedgerCore
import Spreadsheets

/// One row of an item matching sheet as written, including SKUs still waiting for a code.
public struct ItemSheetRow: Sendable, Equatable {
    public var sku: String
    public var name: String
    /// The SQL item code; empty for a SKU not matched yet.
    public var code: String
    public var uom: String
    /// UOM conversion: one channel unit is `rate` SQL units.
    public var rate: Int?
    /// `matched`, `unmatched` or empty: what the sheet says. Only `match import` reads it.
    public var status: String
    /// The row number in the file (the header is row 1 unless banner rows sit above it); 0 for new rows.
    public var row: Int
    /// Cells of the sheet's other columns (a consultant's notes, …) by header, kept when the sheet is rewritten.
    public var extra: [String: String]

    public init(sku: String, name: String = "", code: String = "", uom: String = "", rate: Int? = nil, status: String = "", row: Int = 0,
                extra: [String: String] = [:]) {
        self.sku = sku
        self.name = name
        self.code = code
        self.uom = uom
        self.rate = rate
        self.status = status
        self.row = row
        self.extra = extra
    }

    public var isMatched: Bool { !code.isEmpty }
}

/// A sheet as read: its rows (those without errors), the columns its header names, and what was wrong.
public struct ItemSheetContents: Sendable {
    public var rows: [ItemSheetRow] = []
    /// Normalized header names by column position ("" for a blank header cell).
    public var columns: [String] = []
    /// Headers, as written, of the columns `write` does not produce itself: kept, in order, on a rewrite.
    public var extraColumns: [String] = []
    /// Rows above the header (a title, an export date): kept on a rewrite.
    public var preamble: [[String]] = []
    public var diagnostics: [Diagnostic] = []

    public init(rows: [ItemSheetRow] = [], columns: [String] = [], extraColumns: [String] = [], preamble: [[String]] = [], diagnostics: [Diagnostic] = []) {
        self.rows = rows
        self.columns = columns
        self.extraColumns = extraColumns
        self.preamble = preamble
        self.diagnostics = diagnostics
    }
}

/// The bulk item matching sheet (`sku, syncapp_code, syncapp_uom`, csv or xlsx) that `matching.item_sheets`
/// lists and `match export` / `match import` exchange. Rows with an empty `syncapp_code` are SKUs still waiting
/// to be matched: the pack skips them.
public enum ItemSheet {
    public static let requiredColumns = ["sku", "syncapp_code", "syncapp_uom"]
    /// For people, never for matching: `name`, and what `match export` adds (`status`, `matched_by`, `stores`,
    /// `order_lines`). `syncapp_rate` is the UOM conversion rate.
    public static let optionalColumns = ["name", "syncapp_rate", "status", "matched_by", "stores", "order_lines"]
    public static let statuses = ["matched", "unmatched"]
    /// What `write` produces; any other column of a pack's sheet is carried over as it is.
    static let writtenColumns: Set<String> = ["sku", "name", "syncapp_code", "syncapp_uom", "syncapp_rate"]

    /// How a sheet is read: as part of a pack (an unknown column is a warning) or as a sheet handed to
    /// `match import` (an unknown column, a status other than matched/unmatched, or a UOM without a code is an error).
    public enum Purpose: Sendable { case pack, `import` }

    /// The matched rows of a pack's sheet.
    public static func read(path: String, displayPath: String, declaredAt: SourceLocation) -> ([ItemMatch], [Diagnostic]) {
        let contents = readRows(path: path, displayPath: displayPath, declaredAt: declaredAt, purpose: .pack)
        let diagnostics = contents.diagnostics
        let matches = contents.rows.filter(\.isMatched).map { row in
            ItemMatch(sku: row.sku, code: row.code, uom: row.uom.isEmpty ? nil : row.uom, rate: row.rate, tax: nil, serialised: false, account: nil,
                      origin: Origin("item sheet row \(row.row)", at: SourceLocation(file: displayPath, line: row.row, column: 1)))
        }
        return (diagnostics.hasErrors ? [] : matches, diagnostics)
    }

    /// Every row of a sheet (xlsx or csv, told apart by content), in file order, checked as `purpose` asks. Rows
    /// with errors are left out; any error means the sheet as a whole must not be used.
    public static func readRows(path: String, displayPath: String, declaredAt: SourceLocation?, purpose: Purpose) -> ItemSheetContents {
        let sheetRows: [SheetRow]
        do {
            let reader = try SpreadsheetReader(path: path)
            sheetRows = try reader.rows().readAll()
        } catch let error as SpreadsheetError {
            let reason = error.description.replacingOccurrences(of: "'\(path)': ", with: "")
            let message = "cannot read the item matching sheet '\(displayPath)': \(reason)"
            if let declaredAt {
                return ItemSheetContents(diagnostics: [.error(message, at: declaredAt, keyPath: "matching.item_sheets", code: "unreadable-file")])
            }
            return ItemSheetContents(diagnostics: [.error(message, at: SourceLocation(file: displayPath), code: "unreadable-file")])
        } catch {
            return ItemSheetContents(diagnostics: [.error("cannot read the item matching sheet '\(displayPath)': \(error)", at: declaredAt ?? SourceLocation(file: displayPath), code: "unreadable-file")])
        }
        return parse(sheetRows, displayPath: displayPath, purpose: purpose)
    }

    /// Checks rows already read; the header is the first non-empty row within the first five.
    public static func parse(_ sheetRows: [SheetRow], displayPath: String, purpose: Purpose) -> ItemSheetContents {
        var diagnostics: [Diagnostic] = []
        let header: HeaderMatch
        do {
            header = try HeaderFinder.find(required: requiredColumns, in: sheetRows, searchRows: 5)
        } catch {
            let first = sheetRows.first { !$0.isEmpty }
            let names = first?.cells.map { HeaderFinder.normalize($0.text) } ?? []
            let at = SourceLocation(file: displayPath, line: first?.number ?? 1, column: 1)
            for column in requiredColumns where !names.contains(column) {
                diagnostics.append(.error("the item matching sheet has no '\(column)' column; its header row must name sku, syncapp_code and syncapp_uom",
                                          at: at, suggestion: Suggest.closest(to: column, in: names.filter { !$0.isEmpty && !requiredColumns.contains($0) }), code: "invalid-sheet"))
            }
            return ItemSheetContents(diagnostics: diagnostics)
        }
        guard let headerRow = sheetRows.first(where: { $0.number == header.rowNumber }) else { return ItemSheetContents(diagnostics: diagnostics) }
        let known = requiredColumns + optionalColumns
        var seenColumns: [String: Int] = [:]
        for (index, cell) in headerRow.cells.enumerated() where !cell.isEmpty {
            let name = HeaderFinder.normalize(cell.text)
            let at = SourceLocation(file: displayPath, line: header.rowNumber, column: index + 1)
            let place = "row \(header.rowNumber), column \(SheetRow.columnName(index))"
            if let first = seenColumns[name] {
                diagnostics.append(.error("\(place): column '\(name)' appears twice (also column \(SheetRow.columnName(first))); keep one", at: at, code: "invalid-sheet"))
                continue
            }
            seenColumns[name] = index
            guard !known.contains(name) else { continue }
            let why = "\(place): '\(cell.text)' is not an item matching column; the columns are \(known.joined(separator: ", "))"
            if purpose == .import {
                diagnostics.append(.error(why + " (rename or delete it)", at: at, suggestion: Suggest.closest(to: name, in: known), code: "unknown-column"))
            } else {
                diagnostics.append(.warning("column '\(name)' is not used by item matching and is ignored", at: at, suggestion: Suggest.closest(to: name, in: known), code: "unknown-column"))
            }
        }
        guard !diagnostics.hasErrors else { return ItemSheetContents(diagnostics: diagnostics) }

        func column(_ name: String) -> Int? { header.index(of: name) }
        let skuIndex = column("sku") ?? 0, codeIndex = column("syncapp_code") ?? 1, uomIndex = column("syncapp_uom") ?? 2
        let nameIndex = column("name"), rateIndex = column("syncapp_rate"), statusIndex = column("status")
        let extraColumns = headerRow.cells.enumerated().compactMap { index, cell -> (Int, String)? in
            let name = HeaderFinder.normalize(cell.text)
            return name.isEmpty || writtenColumns.contains(name) || seenColumns[name] != index ? nil : (index, cell.text.trimmingSpaces)
        }
        var rows: [ItemSheetRow] = []
        var firstRowOfSKU: [String: Int] = [:]
        for sheetRow in sheetRows where sheetRow.number > header.rowNumber && !sheetRow.isEmpty {
            let line = sheetRow.number
            func cell(_ index: Int?) -> String { index.map { cellText(sheetRow[$0].text.trimmingSpaces) } ?? "" }
            func at(_ index: Int) -> SourceLocation { SourceLocation(file: displayPath, line: line, column: index + 1) }
            func place(_ index: Int, _ name: String) -> String { "row \(line), column \(SheetRow.columnName(index)) (\(name))" }
            let sku = cell(skuIndex), code = cell(codeIndex), uom = cell(uomIndex), rateText = cell(rateIndex)
            let status = cell(statusIndex).lowercased()
            if sku.isEmpty {
                diagnostics.append(.error("row \(line) has no sku; fill it in or delete the row", at: at(skuIndex), code: "invalid-sheet"))
                continue
            }
            if let first = firstRowOfSKU[sku] {
                diagnostics.append(.error("SKU '\(sku)' appears on rows \(first) and \(line); keep one row per SKU", at: at(skuIndex), code: "duplicate-sku"))
                continue
            }
            firstRowOfSKU[sku] = line
            var problems: [Diagnostic] = []
            if code.count > 30 {
                problems.append(.error("\(place(codeIndex, "syncapp_code")): '\(code)' for SKU '\(sku)' is \(code.count) characters; SQL item codes have at most 30", at: at(codeIndex), code: "invalid-sheet"))
            }
            if uom.count > 10 {
                problems.append(.error("\(place(uomIndex, "syncapp_uom")): '\(uom)' for SKU '\(sku)' is \(uom.count) characters; SQL UOMs have at most 10", at: at(uomIndex), code: "invalid-sheet"))
            }
            var rate: Int?
            if let rateIndex, !rateText.isEmpty {
                if let value = Int(rateText), value >= 1 {
                    rate = value
                } else {
                    problems.append(.error("\(place(rateIndex, "syncapp_rate")): '\(rateText)' for SKU '\(sku)' must be a whole number ≥ 1 (SQL units per channel unit)", at: at(rateIndex), code: "invalid-sheet"))
                }
            }
            if purpose == .import {
                if let statusIndex, !status.isEmpty, !statuses.contains(status) {
                    problems.append(.error("\(place(statusIndex, "status")): '\(cell(statusIndex))' for SKU '\(sku)' is not a status; write matched, unmatched or leave it empty", at: at(statusIndex), code: "invalid-sheet"))
                }
                if code.isEmpty && !uom.isEmpty {
                    problems.append(.error("\(place(codeIndex, "syncapp_code")): empty for SKU '\(sku)', which has syncapp_uom '\(uom)'; fill in the SQL item code or clear the UOM", at: at(codeIndex), code: "empty-code"))
                } else if code.isEmpty && rate != nil {
                    problems.append(.error("\(place(codeIndex, "syncapp_code")): empty for SKU '\(sku)', which has syncapp_rate \(rateText); fill in the SQL item code or clear the rate", at: at(codeIndex), code: "empty-code"))
                }
            }
            diagnostics += problems
            guard !problems.hasErrors else { continue }
            var extra: [String: String] = [:]
            for (index, name) in extraColumns where !sheetRow[index].text.isEmpty { extra[name] = cellText(sheetRow[index].text) }
            rows.append(ItemSheetRow(sku: sku, name: cell(nameIndex), code: code, uom: uom, rate: rate, status: status, row: line, extra: extra))
        }
        let columns = headerRow.cells.map { HeaderFinder.normalize($0.text) }
        let preamble = sheetRows.filter { $0.number < header.rowNumber }.map { $0.cells.map { cellText($0.text) } }
        return ItemSheetContents(rows: rows, columns: columns, extraColumns: extraColumns.map(\.1), preamble: preamble, diagnostics: diagnostics)
    }

    /// A cell's value: every CSV ledgersync writes (`match export`, the pack's sheet itself) goes through the
    /// spreadsheet formula guard, which puts an apostrophe before a value starting with `=`, `+`, `-`, `@`, a tab
    /// or CR (`-X1` → `'-X1`, `=HYPERLINK(…)` → `'=HYPERLINK(…)`). That apostrophe is the guard, not part of the
    /// value, and is taken off here, so a SKU, name or code reads back exactly as it was written.
    public static func cellText(_ text: String) -> String {
        guard text.hasPrefix("'") else { return text }
        let rest = String(text.dropFirst())
        return SpreadsheetWriter.defusedFormula(rest) == text ? rest : text
    }

    /// Writes a pack's sheet (xlsx when the path ends in .xlsx, else csv) atomically: sku, name, syncapp_code,
    /// syncapp_uom, syncapp_rate when any row has a rate, then `extraColumns` from each row's `extra`; `preamble` rows
    /// (what stood above the header) come first. Unmatched SKUs are kept with empty codes. A csv keeps
    /// the line endings it had (LF for a new one), so that a sheet in git shows only the rows that changed.
    /// A csv goes through the formula guard like every CSV ledgersync writes (consultants open these sheets in
    /// Excel, and names come from marketplace orders): SKU `-X1` is written `'-X1` and read back as `-X1` (see
    /// `cellText`). An xlsx holds text cells, which a spreadsheet never runs as formulas.
    public static func write(_ rows: [ItemSheetRow], to path: String, extraColumns: [String] = [], preamble: [[String]] = []) throws {
        let withRate = rows.contains { $0.rate != nil }
        var header = ["sku", "name", "syncapp_code", "syncapp_uom"]
        if withRate { header.append("syncapp_rate") }
        header += extraColumns
        let body = rows.map { row -> [String] in
            var fields = [row.sku, row.name, row.code, row.uom]
            if withRate { fields.append(row.rate.map(String.init) ?? "") }
            fields += extraColumns.map { row.extra[$0] ?? "" }
            return fields
        }
        if path.lowercased().hasSuffix(".xlsx") {
            try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Items", rows: (preamble + [header] + body).map { $0.map { $0.isEmpty ? SheetValue.empty : .string($0) } })])
        } else {
            let existing = FileManager.default.contents(atPath: path) ?? Data()
            let crlf = existing.range(of: Data("\r\n".utf8)) != nil
            try SpreadsheetWriter.writeCSV(path: path, rows: preamble + [header] + body, lineEnding: crlf ? "\r\n" : "\n")
        }
    }
}
