import Foundation
import LedgerCore
import ZIPFoundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes xlsx workbooks and RFC 4180 CSV files, atomically (`AtomicFile`: a temporary file beside the target,
/// flushed, then renamed). The one CSV writer of ledgersync.
public enum SpreadsheetWriter {
    /// Writes an xlsx with one or more sheets, valid for Excel and LibreOffice: `[Content_Types].xml`, `_rels`,
    /// the workbook, one worksheet per sheet (inline strings, so nothing is de-duplicated in memory) and a small
    /// `styles.xml` with yyyy-mm-dd and yyyy-mm-dd hh:mm:ss date formats. Strings are written as strings (never
    /// re-typed: "08" stays text), numbers as their exact text, dates as serials with a date style, booleans as
    /// booleans; `.empty` leaves the cell out. Each worksheet is streamed to a temporary file before it is zipped.
    /// Throws `SpreadsheetError` (`.invalidValue`) for bad sheet names (empty, over 31 characters, `: \ / ? * [ ]`,
    /// duplicates), number text that is not a plain decimal, dates that are not YYYY-MM-DD on or after 1900-01-01,
    /// and text over Excel's 32,767 characters.
    public static func writeXLSX(path: String, sheets: [(name: String, rows: [[SheetValue]])]) throws {
        guard !sheets.isEmpty else { throw SpreadsheetError(file: path, .invalidValue("a workbook needs at least one sheet")) }
        var seen: Set<String> = []
        for sheet in sheets {
            try validateSheetName(sheet.name, path: path)
            guard seen.insert(sheet.name.lowercased()).inserted else {
                throw SpreadsheetError(file: path, .invalidValue("two sheets are named '\(sheet.name)' (names are compared ignoring case)"))
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-xlsx-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw SpreadsheetError(file: path, .writeFailed("cannot create a temporary folder: \(error.localizedDescription)"))
        }
        defer { try? FileManager.default.removeItem(at: scratch) }

        var sheetFiles: [String] = []
        for (index, sheet) in sheets.enumerated() {
            let file = scratch.appendingPathComponent("sheet\(index + 1).xml").path
            try writeWorksheet(sheet.rows, to: file, sheetName: sheet.name, outputPath: path)
            sheetFiles.append(file)
        }

        try replaceAtomically(path) { temporary in
            do {
                let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
                try add(archive, "[Content_Types].xml", contentTypes(sheetCount: sheets.count))
                try add(archive, "_rels/.rels", rootRelationships)
                try add(archive, "xl/workbook.xml", workbook(names: sheets.map(\.name)))
                try add(archive, "xl/_rels/workbook.xml.rels", workbookRelationships(sheetCount: sheets.count))
                try add(archive, "xl/styles.xml", styles)
                for (index, file) in sheetFiles.enumerated() {
                    try addFile(archive, "xl/worksheets/sheet\(index + 1).xml", file)
                }
            } catch let error as SpreadsheetError {
                throw error
            } catch {
                throw SpreadsheetError(file: path, .writeFailed("cannot build the xlsx archive: \(error)"))
            }
        }
    }

    /// RFC 4180 CSV with the given delimiter: fields containing the delimiter, a quote, CR or LF are quoted (quotes
    /// doubled); records end with CRLF (or `lineEnding`, e.g. "\n" for files kept in git); UTF-8 without a BOM.
    /// `.string` cells are text through the formula guard (`defusedFormula`); `.number` cells are plain decimals written
    /// exactly (so `-12.50` stays a number; a leading `+` is dropped, anything else is rejected as for xlsx);
    /// `.date` is its ISO text, `.boolean` TRUE/FALSE, `.empty` an empty field.
    public static func writeCSV(path: String, rows: [[SheetValue]], delimiter: Character = ",", lineEnding: String = "\r\n") throws {
        let encoder = try CSVEncoder(delimiter: delimiter, lineEnding: lineEnding, displayPath: path)
        try replaceAtomically(path) { temporary in
            let out = try BufferedFile(path: temporary, displayPath: path)
            defer { out.close() }
            for (index, row) in rows.enumerated() { try out.write(encoder.record(row, rowNumber: index + 1)) }
            try out.finish()
        }
    }

    /// `writeCSV` with every cell text.
    public static func writeCSV(path: String, rows: [[String]], delimiter: Character = ",", lineEnding: String = "\r\n") throws {
        try writeCSV(path: path, rows: rows.map { $0.map(SheetValue.string) }, delimiter: delimiter, lineEnding: lineEnding)
    }

    /// The CSV `writeCSV` would write, as text (for standard output); `displayPath` names it in errors.
    public static func csvText(rows: [[SheetValue]], delimiter: Character = ",", lineEnding: String = "\r\n",
                               displayPath: String = "<stdout>") throws -> String {
        let encoder = try CSVEncoder(delimiter: delimiter, lineEnding: lineEnding, displayPath: displayPath)
        var bytes: [UInt8] = []
        for (index, row) in rows.enumerated() { bytes += try encoder.record(row, rowNumber: index + 1) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
    static let formulaTriggers: Set<UInt8> = [61, 43, 45, 64, 9, 13]   // = + - @ tab CR

    /// `text` as a spreadsheet will show it, never run it: a leading apostrophe when it starts with `=`, `+`, `-`, `@`,
    /// a tab or a carriage return (OWASP's advice against CSV injection), so Excel, LibreOffice and Google Sheets show
    /// `=HYPERLINK(…)` as text. Every text cell of every CSV ledgersync writes goes through it; readers of ledgersync's
    /// own sheets take the apostrophe off again (`ItemSheet`).
    public static func defusedFormula(_ text: String) -> String {
        guard let first = text.utf8.first, formulaTriggers.contains(first) else { return text }
        return "'" + text
    }

    /// Encodes CSV records: quoting, the formula guard and typed cells.
    struct CSVEncoder {
        let separator: [UInt8]
        let delimiter: Character
        let lineEnding: [UInt8]
        let displayPath: String

        init(delimiter: Character, lineEnding: String, displayPath: String) throws {
            guard delimiter != "\"" && delimiter != "\n" && delimiter != "\r" && delimiter != "\r\n" else {
                throw SpreadsheetError(file: displayPath, .invalidValue("'\(delimiter)' cannot be a CSV delimiter"))
            }
            self.separator = Array(String(delimiter).utf8)
            self.delimiter = delimiter
            self.lineEnding = Array(lineEnding.utf8)
            self.displayPath = displayPath
        }

        func record(_ row: [SheetValue], rowNumber: Int) throws -> [UInt8] {
            var out: [UInt8] = []
            for (index, value) in row.enumerated() {
                if index > 0 { out += separator }
                switch value {
                case .string(let text):
                    append(defusedFormula(text), to: &out)
                case .number(let text):
                    guard let normalized = normalizedNumber(text) else {
                        throw SpreadsheetError(file: displayPath, .invalidValue("row \(rowNumber), column \(SheetRow.columnName(index)): '\(text)' is not a plain number (digits, one '.', an optional sign and exponent)"))
                    }
                    out += normalized.utf8
                case .date(let text):
                    append(defusedFormula(text), to: &out)
                case .boolean(let flag):
                    out += (flag ? "TRUE" : "FALSE").utf8
                case .empty:
                    break
                }
            }
            out += lineEnding
            return out
        }

        private func append(_ field: String, to out: inout [UInt8]) {
            let needsQuotes: Bool
            if separator.count == 1 {
                let d = separator[0]
                needsQuotes = field.utf8.contains { $0 == d || $0 == 34 || $0 == 13 || $0 == 10 }
            } else {
                needsQuotes = field.contains(delimiter) || field.utf8.contains { $0 == 34 || $0 == 13 || $0 == 10 }
            }
            guard needsQuotes else {
                out += field.utf8
                return
            }
            out.append(34)
            for byte in field.utf8 {
                out.append(byte)
                if byte == 34 { out.append(34) }
            }
            out.append(34)
        }
    }

    /// `AtomicFile.replace`, with its failures reported as this writer's `SpreadsheetError`.
    private static func replaceAtomically(_ path: String, _ produce: (String) throws -> Void) throws {
        do {
            try AtomicFile.replace(path, with: produce)
        } catch let error as AtomicFileError {
            throw SpreadsheetError(file: path, .writeFailed(error.reason))
        }
    }

    // MARK: - Worksheet

    private static func writeWorksheet(_ rows: [[SheetValue]], to file: String, sheetName: String, outputPath: String) throws {
        let out = try BufferedFile(path: file, displayPath: outputPath)
        defer { out.close() }
        var lastRow = 0, lastColumn = 0
        for (r, row) in rows.enumerated() {
            if let last = row.lastIndex(where: { $0 != .empty }) {
                lastRow = r + 1
                lastColumn = max(lastColumn, last)
            }
        }
        let dimension = lastRow == 0 ? "A1" : "A1:\(SheetRow.columnName(lastColumn))\(lastRow)"
        try out.write(#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n")
        try out.write(#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#)
        try out.write("<dimension ref=\"\(dimension)\"/><sheetData>")
        var columnNames: [[UInt8]] = []
        for (r, row) in rows.enumerated() {
            guard row.contains(where: { $0 != .empty }) else { continue }
            let rowText = Array(String(r + 1).utf8)
            try out.write("<row r=\"")
            try out.write(rowText)
            try out.write("\">")
            for (c, value) in row.enumerated() {
                if value == .empty { continue }
                while columnNames.count <= c { columnNames.append(Array(SheetRow.columnName(columnNames.count).utf8)) }
                func fail(_ detail: String) -> SpreadsheetError {
                    SpreadsheetError(file: outputPath, sheet: sheetName, .invalidValue("cell \(SheetRow.columnName(c))\(r + 1): \(detail)"))
                }
                try out.write("<c r=\"")
                try out.write(columnNames[c])
                try out.write(rowText)
                switch value {
                case .string(let text):
                    let scan = TextScan(text)
                    if scan.utf8Count > 32_767, text.utf16.count > 32_767 {
                        throw fail("text of \(text.utf16.count) characters is over Excel's 32,767")
                    }
                    try out.write(scan.preserve ? "\" t=\"inlineStr\"><is><t xml:space=\"preserve\">" : "\" t=\"inlineStr\"><is><t>")
                    if scan.plain {
                        try out.write(text)
                    } else {
                        try out.write(xmlText(OOXMLText.escape(text)))
                    }
                    try out.write("</t></is></c>")
                case .number(let text):
                    guard let normalized = normalizedNumber(text) else {
                        throw fail("'\(text)' is not a plain number (digits, one '.', an optional sign and exponent)")
                    }
                    try out.write("\"><v>")
                    try out.write(normalized)
                    try out.write("</v></c>")
                case .date(let text):
                    guard let serial = ExcelDate.serial(fromISO: text) else {
                        throw fail("'\(text)' is not a date as YYYY-MM-DD (or YYYY-MM-DDTHH:MM:SS) on or after 1900-01-01")
                    }
                    try out.write(serial.hasTime ? "\" s=\"2\"><v>" : "\" s=\"1\"><v>")
                    try out.write(serial.serial)
                    try out.write("</v></c>")
                case .boolean(let flag):
                    try out.write(flag ? "\" t=\"b\"><v>1</v></c>" : "\" t=\"b\"><v>0</v></c>")
                case .empty:
                    break
                }
            }
            try out.write("</row>")
        }
        try out.write("</sheetData></worksheet>")
        try out.finish()
    }

    /// Plain decimal text for `<v>`: an optional '-', digits with at most one '.', an optional exponent. A leading
    /// '+' is dropped (Excel rejects it); everything else is written exactly as given.
    static func normalizedNumber(_ text: String) -> String? {
        var body = Substring(text)
        if body.hasPrefix("+") { body = body.dropFirst() }
        var bytes = body.utf8[...]
        if bytes.first == 45 { bytes = bytes.dropFirst() }
        var mantissaDigits = 0, sawPoint = false, sawExponent = false, exponentDigits = 0
        var previous: UInt8 = 0
        for byte in bytes {
            switch byte {
            case 48...57:
                if sawExponent { exponentDigits += 1 } else { mantissaDigits += 1 }
            case 46:
                if sawPoint || sawExponent { return nil }
                sawPoint = true
            case 69, 101:
                if sawExponent || mantissaDigits == 0 { return nil }
                sawExponent = true
            case 43, 45:
                if !(previous == 69 || previous == 101) { return nil }
            default:
                return nil
            }
            previous = byte
        }
        guard mantissaDigits > 0, !sawExponent || exponentDigits > 0 else { return nil }
        return String(body)
    }

    static func validateSheetName(_ name: String, path: String) throws {
        func bad(_ why: String) -> SpreadsheetError { SpreadsheetError(file: path, .invalidValue("sheet name '\(name)' \(why)")) }
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw bad("is empty") }
        if name.utf16.count > 31 { throw bad("is longer than Excel's 31 characters") }
        if let c = name.first(where: { ":\\/?*[]".contains($0) }) { throw bad("contains '\(c)'") }
        if name.hasPrefix("'") || name.hasSuffix("'") { throw bad("starts or ends with an apostrophe") }
        if name.unicodeScalars.contains(where: { $0.value < 32 }) { throw bad("contains a control character") }
    }

    /// One pass over a string's UTF-8: does it need escaping, and does it need xml:space="preserve"?
    struct TextScan {
        var plain = true
        var preserve = false
        var utf8Count = 0

        init(_ text: String) {
            var first: UInt8 = 0, last: UInt8 = 0
            for byte in text.utf8 {
                if utf8Count == 0 { first = byte }
                last = byte
                utf8Count += 1
                switch byte {
                case 38, 60, 62, 34, 95, 0xEF: plain = false          // & < > " _ and U+FFFE/U+FFFF's lead byte
                case 9, 10: preserve = true
                case 0..<32: plain = false
                default: break
                }
            }
            func isSpace(_ b: UInt8) -> Bool { b == 32 || b == 9 || b == 10 || b == 13 || b >= 0x80 }
            if utf8Count > 0 && (isSpace(first) || isSpace(last)) { preserve = true }
        }
    }

    static func xmlText(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    // MARK: - Package parts

    private static func add(_ archive: Archive, _ path: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<min(data.count, Int(position) + size))
        }
    }

    private static func addFile(_ archive: Archive, _ path: String, _ file: String) throws {
        let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
        guard let handle = FileHandle(forReadingAtPath: file) else { throw SpreadsheetError(file: file, .unreadable("temporary worksheet vanished")) }
        defer { try? handle.close() }
        try archive.addEntry(with: path, type: .file, uncompressedSize: size, compressionMethod: .deflate, bufferSize: 256 * 1024) { _, chunk in
            try handle.read(upToCount: chunk) ?? Data()
        }
    }

    private static func contentTypes(sheetCount: Int) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        text += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        text += #"<Default Extension="xml" ContentType="application/xml"/>"#
        text += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for index in 1...sheetCount {
            text += "<Override PartName=\"/xl/worksheets/sheet\(index).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
        }
        text += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        text += "</Types>"
        return text
    }

    private static let rootRelationships = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        + #"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#
        + "</Relationships>"

    private static func workbook(names: [String]) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#
        text += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (index, name) in names.enumerated() {
            text += "<sheet name=\"\(xmlText(name))\" sheetId=\"\(index + 1)\" r:id=\"rId\(index + 1)\"/>"
        }
        text += "</sheets></workbook>"
        return text
    }

    private static func workbookRelationships(sheetCount: Int) -> String {
        var text = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        text += #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for index in 1...sheetCount {
            text += "<Relationship Id=\"rId\(index)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\(index).xml\"/>"
        }
        text += "<Relationship Id=\"rId\(sheetCount + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>"
        text += "</Relationships>"
        return text
    }

    /// Style 0: General; style 1: yyyy-mm-dd; style 2: yyyy-mm-dd hh:mm:ss.
    private static let styles = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        + #"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#
        + #"<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>"#
        + #"<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>"#
        + #"<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>"#
        + #"<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>"#
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"
}

/// A write buffer over a C `FILE` (1 MiB flushes), throwing `SpreadsheetError` on I/O errors.
final class BufferedFile {
    private var file: UnsafeMutablePointer<FILE>?
    private var buffer: [UInt8] = []
    private let displayPath: String

    init(path: String, displayPath: String) throws {
        self.displayPath = displayPath
        guard let file = fopen(path, "wb") else {
            throw SpreadsheetError(file: displayPath, .writeFailed(String(cString: strerror(errno))))
        }
        self.file = file
        buffer.reserveCapacity(1 << 20)
    }

    @inline(__always)
    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    @inline(__always)
    func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard let file, !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        if written != buffer.count {
            throw SpreadsheetError(file: displayPath, .writeFailed(String(cString: strerror(errno))))
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes and closes, throwing if anything failed.
    func finish() throws {
        try flush()
        guard let file else { return }
        self.file = nil
        if fclose(file) != 0 {
            throw SpreadsheetError(file: displayPath, .writeFailed(String(cString: strerror(errno))))
        }
    }

    func close() {
        if let file { fclose(file); self.file = nil }
    }
}
