import Foundation

/// What went wrong reading or writing a spreadsheet, naming the file (and sheet/row where known).
public struct SpreadsheetError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Reason: Sendable, Equatable {
        /// The file cannot be opened or read (missing, permissions, I/O); the detail is the system's message.
        case unreadable(String)
        /// Neither an xlsx nor text CSV; the detail says what it looks like.
        case notASpreadsheet(String)
        /// A ZIP file that is not an xlsx workbook (no workbook part, or a corrupt archive); the detail says why.
        case notXLSX(String)
        /// A part the workbook refers to is missing from the archive.
        case missingPart(String)
        case sheetNotFound(String, available: [String])
        /// Malformed XML (or an impossible value such as a shared-string index out of range) in a part.
        /// `row` is the sheet row being read when it was found, when known.
        case malformedXML(part: String, row: Int?, detail: String)
        /// A CSV that cannot be decoded or parsed after `row`.
        case malformedCSV(row: Int, detail: String)
        /// `HeaderFinder` found no row with all required columns; `preview` shows the first rows as "row N: a | b | c".
        case headerNotFound(required: [String], searchedRows: Int, preview: [String], closest: String?)
        /// A value given to the writer that cannot be written (bad number text, bad date, bad sheet name, …).
        case invalidValue(String)
        /// Writing the output failed; the detail is the system's message.
        case writeFailed(String)
    }

    /// The file path as given; "" when not known (e.g. `HeaderFinder` over plain rows).
    public var file: String
    /// The sheet concerned, when there is one.
    public var sheet: String?
    public var reason: Reason

    public init(file: String, sheet: String? = nil, _ reason: Reason) {
        self.file = file
        self.sheet = sheet
        self.reason = reason
    }

    public var description: String {
        var place = file.isEmpty ? "" : "'\(file)'"
        if let sheet { place += place.isEmpty ? "sheet '\(sheet)'" : ", sheet '\(sheet)'" }
        let prefix = place.isEmpty ? "" : place + ": "
        switch reason {
        case .unreadable(let detail):
            return "\(prefix)cannot read the file: \(detail)"
        case .notASpreadsheet(let detail):
            return "\(prefix)not a spreadsheet (\(detail)); expected an .xlsx workbook or a CSV text file"
        case .notXLSX(let detail):
            return "\(prefix)a ZIP file but not an xlsx workbook: \(detail)"
        case .missingPart(let part):
            return "\(prefix)the workbook is incomplete: part '\(part)' is missing from the archive"
        case .sheetNotFound(let name, let available):
            let list = available.map { "'\($0)'" }.joined(separator: ", ")
            return "\(prefix)sheet '\(name)' not found; the workbook has \(available.isEmpty ? "no sheets" : "sheets: \(list)")"
        case .malformedXML(let part, let row, let detail):
            let at = row.map { " at sheet row \($0)" } ?? ""
            return "\(prefix)malformed XML in '\(part)'\(at): \(detail)"
        case .malformedCSV(let row, let detail):
            return "\(prefix)cannot read the CSV after row \(row): \(detail)"
        case .headerNotFound(let required, let searched, let preview, let closest):
            var text = "\(prefix)no header row with the columns \(required.map { "'\($0)'" }.joined(separator: ", ")) in the first \(searched) non-empty rows"
            if let closest { text += "; closest: \(closest)" }
            text += preview.isEmpty ? "; the sheet has no rows" : "; the first rows are:\n" + preview.map { "  " + $0 }.joined(separator: "\n")
            return text
        case .invalidValue(let detail):
            return "\(prefix)\(detail)"
        case .writeFailed(let detail):
            return "\(prefix)cannot write the file: \(detail)"
        }
    }
}
