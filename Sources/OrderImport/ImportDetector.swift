import Foundation
import LedgerCore
import RulePack
import Spreadsheets

/// Tells which of several mappings an export is written for, by its header row.
public enum ImportDetector {
    /// How well one mapping's columns fit the file.
    public struct Fit {
        public var mapping: ImportMapping
        public var headerRow: Int
        public var found: Int
        public var needed: Int
        public var missing: [String]
        public var isComplete: Bool { missing.isEmpty }
    }

    /// Every candidate's best header row among the first rows of its sheet, best fit first (complete fits keep the
    /// candidates' order: a pack's own mappings are listed before the built-in ones).
    public static func fits(of path: String, candidates: [ImportMapping]) throws(Diagnostic) -> [Fit] {
        let reader: SpreadsheetReader
        do { reader = try SpreadsheetReader(path: path) } catch let error as SpreadsheetError {
            throw Diagnostic.error(error.description, at: SourceLocation(file: path), code: "import-unreadable")
        } catch {
            throw Diagnostic.error("cannot read '\(path)': \(error)", at: SourceLocation(file: path), code: "import-unreadable")
        }
        var heads: [String: [SheetRow]] = [:]
        var fits: [Fit] = []
        for mapping in candidates {
            let sheetKey = mapping.sheet ?? ""
            if heads[sheetKey] == nil {
                var rows: [SheetRow] = []
                if let sheet = try? reader.rows(sheet: mapping.sheet) {
                    var iterator = sheet.makeIterator()
                    while rows.count < 40, let row = try? iterator.nextRow() { if !row.isEmpty { rows.append(row) } }
                }
                heads[sheetKey] = rows
            }
            let needed = mapping.readColumns.filter { !$0.column.isOptional }
            var best: Fit?
            for row in heads[sheetKey]!.prefix(mapping.headerSearchRows) {
                let names = Set(row.cells.map { HeaderFinder.normalize($0.text) })
                let missing = needed.filter { column in !column.column.headers.contains { names.contains(HeaderFinder.normalize($0)) } }
                if best == nil || missing.count < best!.missing.count {
                    best = Fit(mapping: mapping, headerRow: row.number, found: needed.count - missing.count, needed: needed.count, missing: missing.map { $0.column.headers[0] })
                }
            }
            if let best { fits.append(best) }
        }
        let complete = fits.filter(\.isComplete)
        let partial = fits.filter { !$0.isComplete }.sorted { Double($0.found) / Double(max($0.needed, 1)) > Double($1.found) / Double(max($1.needed, 1)) }
        return complete + partial
    }

    /// "a shopee order export (row 1 has 38 of its 40 columns; it lacks 'Total Amount', 'Order ID')".
    public static func describe(_ fit: Fit) -> String {
        var text = "a \(fit.mapping.name) order export (row \(fit.headerRow) has \(fit.found) of the \(fit.needed) columns it needs"
        if !fit.missing.isEmpty { text += "; it lacks \(fit.missing.prefix(4).map { "'\($0)'" }.joined(separator: ", "))\(fit.missing.count > 4 ? ", …" : "")" }
        return text + ")"
    }
}
