import CSV
import Foundation
import LedgerCore

/// The bulk item matching sheet (`sku, syncapp_code, syncapp_uom`) referenced by `matching.item_sheets`.
/// Rows with an empty `syncapp_code` are SKUs still waiting to be matched and are skipped.
public enum ItemSheet {
    public static let requiredColumns = ["sku", "syncapp_code", "syncapp_uom"]
    /// Optional columns: `name` and `status` are for people and ignored; `syncapp_rate` is the UOM conversion rate.
    public static let informationalColumns = ["name", "status", "syncapp_rate"]

    public static func read(path: String, displayPath: String, declaredAt: SourceLocation) -> ([ItemMatch], [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return ([], [.error("cannot read the item matching sheet '\(displayPath)'; check the path", at: declaredAt, keyPath: "matching.item_sheets", code: "unreadable-file")])
        }
        return parse(text: text, displayPath: displayPath)
    }

    public static func parse(text: String, displayPath: String) -> ([ItemMatch], [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let reader: CSVReader
        do {
            reader = try CSVReader(string: body, hasHeaderRow: true)
        } catch {
            return ([], [.error("cannot parse '\(displayPath)' as CSV: \(error)", at: SourceLocation(file: displayPath, line: 1), code: "invalid-sheet")])
        }
        let header = (reader.headerRow ?? []).map { $0.trimmingSpaces.lowercased() }
        for column in requiredColumns where !header.contains(column) {
            diagnostics.append(.error("the item matching sheet has no '\(column)' column; its header must be sku,syncapp_code,syncapp_uom", at: SourceLocation(file: displayPath, line: 1, column: 1), suggestion: Suggest.closest(to: column, in: header.filter { !requiredColumns.contains($0) }), code: "invalid-sheet"))
        }
        for (index, column) in header.enumerated() where !requiredColumns.contains(column) && !informationalColumns.contains(column) {
            diagnostics.append(.warning("column '\(column)' is not used by item matching and is ignored", at: SourceLocation(file: displayPath, line: 1, column: index + 1), code: "unknown-column"))
        }
        guard !diagnostics.hasErrors else { return ([], diagnostics) }
        let skuIndex = header.firstIndex(of: "sku") ?? 0
        let codeIndex = header.firstIndex(of: "syncapp_code") ?? 1
        let uomIndex = header.firstIndex(of: "syncapp_uom") ?? 2
        let rateIndex = header.firstIndex(of: "syncapp_rate")
        var rows: [ItemMatch] = []
        var seen: [String: Int] = [:]
        var line = 1
        while let row = reader.next() {
            line += 1
            func cell(_ i: Int) -> String { i < row.count ? row[i].trimmingSpaces : "" }
            let sku = cell(skuIndex), code = cell(codeIndex), uom = cell(uomIndex)
            if row.allSatisfy({ $0.trimmingSpaces.isEmpty }) { continue }
            let location = SourceLocation(file: displayPath, line: line, column: 1)
            if sku.isEmpty {
                diagnostics.append(.error("row \(line) has no sku; fill it in or delete the row", at: location, keyPath: "sku", code: "invalid-sheet"))
                continue
            }
            if let first = seen[sku] {
                diagnostics.append(.error("SKU '\(sku)' appears on rows \(first) and \(line); keep one row per SKU", at: location, keyPath: "sku", code: "duplicate-sku"))
                continue
            }
            seen[sku] = line
            if code.isEmpty { continue }
            if code.count > 30 {
                diagnostics.append(.error("syncapp_code '\(code)' for SKU '\(sku)' is \(code.count) characters; SQL item codes have at most 30", at: location.advanced(byColumns: codeIndex), keyPath: "syncapp_code", code: "invalid-sheet"))
                continue
            }
            if uom.count > 10 {
                diagnostics.append(.error("syncapp_uom '\(uom)' for SKU '\(sku)' is \(uom.count) characters; SQL UOMs have at most 10", at: location, keyPath: "syncapp_uom", code: "invalid-sheet"))
                continue
            }
            var rate: Int?
            if let rateIndex, !cell(rateIndex).isEmpty {
                guard let value = Int(cell(rateIndex)), value >= 1 else {
                    diagnostics.append(.error("syncapp_rate '\(cell(rateIndex))' for SKU '\(sku)' must be a whole number ≥ 1", at: location, keyPath: "syncapp_rate", code: "invalid-sheet"))
                    continue
                }
                rate = value
            }
            rows.append(ItemMatch(sku: sku, code: code, uom: uom.isEmpty ? nil : uom, rate: rate, tax: nil, serialised: false, account: nil, origin: Origin("item sheet row \(line)", at: location)))
        }
        if let error = reader.error {
            diagnostics.append(.error("CSV error in '\(displayPath)' after row \(line): \(error); check quoting", at: SourceLocation(file: displayPath, line: line), code: "invalid-sheet"))
        }
        return (rows, diagnostics)
    }
}
