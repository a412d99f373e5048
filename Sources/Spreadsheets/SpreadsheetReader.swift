import CSV
import Foundation

/// Opens an xlsx workbook or a CSV file — told apart by content, never by extension — and streams its rows.
///
///     let reader = try SpreadsheetReader(path: "orders.xlsx")
///     let rows = try reader.rows()                 // first sheet; `rows(sheet: "Orders")` for another
///     let header = try HeaderFinder.find(required: ["Order ID", "Amount"], in: rows)
///     try rows.forEachRow { row in                 // throws if the sheet turns out malformed half-way
///         guard row.number > header.rowNumber else { return }
///         …
///     }
///
/// Not thread-safe; each `rows` sequence can be iterated many times (each pass re-reads the file) and each pass
/// holds only a few chunks of the file in memory.
public final class SpreadsheetReader {
    /// The file path as given (for CSV read from memory: the name it was given).
    public let path: String
    public let format: SpreadsheetFormat
    /// Sheet names in workbook order (csv: one sheet named after the file, without extension).
    public let sheetNames: [String]

    private let book: XLSXBook?
    private let csv: CSVSettings?
    /// CSV bytes handed over in memory rather than a file to re-read on each pass.
    private let csvBytes: Data?

    /// Opens a file and detects xlsx (ZIP magic "PK\u{3}\u{4}") or csv by content, never by extension. The CSV
    /// delimiter (',', ';', '\t') is detected from the first non-empty lines; a UTF-8 BOM is skipped (UTF-16 with a
    /// BOM is read too). Throws `SpreadsheetError` for unreadable files, binary files that are not xlsx (legacy .xls,
    /// PDF, …), ZIP files that are not workbooks, and malformed workbook parts.
    public init(path: String) throws {
        self.path = path
        let head = try Self.readHead(path: path, count: 64 * 1024)
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let book = try XLSXBook(path: path)
            self.book = book
            csv = nil
            format = .xlsx
            sheetNames = book.sheets.map(\.name)
        } else {
            let settings = try CSVSettings.sniff(head: head, path: path)
            book = nil
            csv = settings
            format = .csv
            sheetNames = [URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent]
        }
        csvBytes = nil
    }

    /// Reads CSV bytes already in memory exactly as a CSV file of that content would be read (the same binary and
    /// encoding checks, BOM and delimiter detection); `name` stands in for the path in errors and names the sheet
    /// (without its extension). For generated reports and tests; an xlsx must come from a file.
    public init(csvBytes bytes: Data, name: String) throws {
        path = name
        if bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            throw SpreadsheetError(file: name, .notASpreadsheet("it is a ZIP archive (an xlsx workbook?), which is read from a file, not from memory"))
        }
        csv = try CSVSettings.sniff(head: [UInt8](bytes.prefix(64 * 1024)), path: name)
        csvBytes = bytes
        book = nil
        format = .csv
        sheetNames = [URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent]
    }

    /// `init(csvBytes:name:)` for text (UTF-8).
    public convenience init(csvText text: String, name: String) throws {
        try self.init(csvBytes: Data(text.utf8), name: name)
    }

    /// The detected CSV delimiter (nil for xlsx).
    public var csvDelimiter: Character? { csv.map { Character($0.delimiter) } }

    /// The rows of a sheet (nil = the first sheet), streamed one at a time; see `SheetRows`. Throws
    /// `SpreadsheetError` when the sheet does not exist (listing the sheets) or cannot be opened.
    public func rows(sheet: String? = nil) throws -> SheetRows {
        if let book {
            guard !book.sheets.isEmpty else {
                throw SpreadsheetError(file: path, .notXLSX("the workbook lists no sheets"))
            }
            let chosen: XLSXBook.Sheet
            if let sheet {
                guard let found = book.sheets.first(where: { $0.name == sheet })
                        ?? book.sheets.first(where: { HeaderFinder.normalize($0.name) == HeaderFinder.normalize(sheet) }) else {
                    throw SpreadsheetError(file: path, .sheetNotFound(sheet, available: sheetNames))
                }
                chosen = found
            } else {
                chosen = book.sheets[0]
            }
            return try SheetRows(file: path, sheet: chosen.name) { try XLSXRowSource(book: book, sheet: chosen) }
        }
        let name = sheetNames[0]
        if let sheet, sheet != name, HeaderFinder.normalize(sheet) != HeaderFinder.normalize(name) {
            throw SpreadsheetError(file: path, .sheetNotFound(sheet, available: sheetNames))
        }
        let settings = csv!
        let path = path
        if let bytes = csvBytes {
            return try SheetRows(file: path, sheet: name) { try CSVRowSource(stream: .bytes(bytes), file: path, sheet: name, settings: settings) }
        }
        return try SheetRows(file: path, sheet: name) {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw SpreadsheetError(file: path, .unreadable("cannot open the file"))
            }
            return try CSVRowSource(stream: .file(handle), file: path, sheet: name, settings: settings)
        }
    }

    // MARK: -

    private static func readHead(path: String, count: Int) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw SpreadsheetError(file: path, .unreadable("no such file"))
        }
        if isDirectory.boolValue { throw SpreadsheetError(file: path, .unreadable("it is a folder, not a file")) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SpreadsheetError(file: path, .unreadable("permission denied"))
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw SpreadsheetError(file: path, .unreadable("\(error.localizedDescription)"))
        }
    }
}

/// The rows of one sheet, streamed: iterate with `for row in rows` (or hand it to `HeaderFinder`). Every iteration
/// re-reads the sheet from the file and keeps memory flat.
///
/// Errors half-way (malformed XML at row N, a truncated file, a CSV that is not UTF-8) cannot be thrown by
/// `IteratorProtocol.next()`: the plain `for … in` loop then simply ends and the error is kept in `error`. Use
/// `forEachRow`, `readAll()` or an iterator's `nextRow()` to have it thrown instead, or check `try rows.check()`
/// after a loop.
public final class SheetRows: Sequence {
    /// The file path as given to the reader.
    public let file: String
    /// The sheet these rows come from.
    public let sheet: String
    /// The error that ended the most recent iteration early, if any (reset when an iteration starts).
    public private(set) var error: SpreadsheetError?

    private let open: () throws -> RowSource
    private var prepared: RowSource?

    /// Rows already in memory (a generated sheet, a test's fixture), handed out like rows read from a file.
    public init(file: String, sheet: String, rows: [SheetRow]) {
        self.file = file
        self.sheet = sheet
        open = { HeldRowSource(rows) }
    }

    init(file: String, sheet: String, open: @escaping () throws -> RowSource) throws {
        self.file = file
        self.sheet = sheet
        self.open = open
        // Open once up front so that a broken sheet fails at `rows(sheet:)`; the first iteration uses it.
        prepared = try Self.wrap(file: file, sheet: sheet, open)
    }

    public struct Iterator: IteratorProtocol {
        private let owner: SheetRows
        private var source: RowSource?
        private var pending: SpreadsheetError?

        fileprivate init(owner: SheetRows, source: RowSource?, pending: SpreadsheetError?) {
            self.owner = owner
            self.source = source
            self.pending = pending
        }

        /// The next row, nil at the end or on an error (kept in the sequence's `error`).
        public mutating func next() -> SheetRow? {
            try? nextRow()
        }

        /// The next row, nil at the end; throws `SpreadsheetError` when the sheet is malformed or unreadable.
        public mutating func nextRow() throws -> SheetRow? {
            if let pending {
                self.pending = nil
                owner.error = pending
                throw pending
            }
            guard let current = source else { return nil }
            do {
                if let row = try current.next() { return row }
                source = nil
                return nil
            } catch {
                source = nil
                let wrapped = SheetRows.wrap(error, file: owner.file, sheet: owner.sheet)
                owner.error = wrapped
                throw wrapped
            }
        }
    }

    public func makeIterator() -> Iterator {
        error = nil
        if let prepared {
            self.prepared = nil
            return Iterator(owner: self, source: prepared, pending: nil)
        }
        do {
            return Iterator(owner: self, source: try Self.wrap(file: file, sheet: sheet, open), pending: nil)
        } catch {
            return Iterator(owner: self, source: nil, pending: Self.wrap(error, file: file, sheet: sheet))
        }
    }

    /// Calls `body` for each row; throws the sheet's error (or `body`'s).
    public func forEachRow(_ body: (SheetRow) throws -> Void) throws {
        var iterator = makeIterator()
        while let row = try iterator.nextRow() { try body(row) }
    }

    /// All rows in memory (for small sheets and tests); throws the sheet's error.
    public func readAll() throws -> [SheetRow] {
        var rows: [SheetRow] = []
        try forEachRow { rows.append($0) }
        return rows
    }

    /// Throws the error that ended the most recent iteration early, if any.
    public func check() throws {
        if let error { throw error }
    }

    private static func wrap(file: String, sheet: String, _ open: () throws -> RowSource) throws -> RowSource {
        do { return try open() } catch { throw wrap(error, file: file, sheet: sheet) }
    }

    static func wrap(_ error: Error, file: String, sheet: String) -> SpreadsheetError {
        if var error = error as? SpreadsheetError {
            if error.sheet == nil { error.sheet = sheet }
            return error
        }
        return SpreadsheetError(file: file, sheet: sheet, .unreadable("\(error)"))
    }
}

protocol RowSource: AnyObject {
    func next() throws -> SheetRow?
}

final class HeldRowSource: RowSource {
    private var rows: IndexingIterator<[SheetRow]>

    init(_ rows: [SheetRow]) { self.rows = rows.makeIterator() }

    func next() throws -> SheetRow? { rows.next() }
}

// MARK: - xlsx

final class XLSXRowSource: RowSource {
    private let pipe: ChunkPipe
    private var scanner: SheetXMLScanner
    private let file: String
    private let sheet: XLSXBook.Sheet

    init(book: XLSXBook, sheet: XLSXBook.Sheet) throws {
        file = book.path
        self.sheet = sheet
        guard let entry = book.entry(sheet.part) else {
            throw SpreadsheetError(file: book.path, sheet: sheet.name, .missingPart(sheet.part))
        }
        let strings = try book.sharedStrings()
        let styles = try book.dateStyles()
        let pipe = ChunkPipe.inflating(path: book.path, entryPath: entry.path)
        self.pipe = pipe
        scanner = SheetXMLScanner(sharedStrings: strings, dateStyles: styles, date1904: book.date1904) { try pipe.take() }
    }

    deinit {
        pipe.cancel()
    }

    func next() throws -> SheetRow? {
        do {
            guard let row = try scanner.nextRow() else {
                pipe.cancel()
                return nil
            }
            return row
        } catch let failure as SheetXMLScanner.Failure {
            pipe.cancel()
            throw SpreadsheetError(file: file, sheet: sheet.name, .malformedXML(part: sheet.part, row: failure.row, detail: failure.detail))
        } catch let error as SpreadsheetError {
            pipe.cancel()
            throw error
        } catch {
            pipe.cancel()
            let at = scanner.currentRow.map { " after row \($0)" } ?? ""
            throw SpreadsheetError(file: file, sheet: sheet.name, .notXLSX("part '\(sheet.part)' cannot be extracted\(at) (\(error)); the file may be damaged or truncated"))
        }
    }
}

// MARK: - csv

struct CSVSettings: Sendable {
    enum Encoding: Sendable { case utf8, utf16LittleEndian, utf16BigEndian }
    var encoding: Encoding
    var delimiter: UnicodeScalar

    /// Rejects binary files and picks the encoding and the delimiter from the first 64 KiB.
    static func sniff(head: [UInt8], path: String) throws -> CSVSettings {
        func reject(_ what: String) -> SpreadsheetError { SpreadsheetError(file: path, .notASpreadsheet(what)) }
        if head.isEmpty { throw reject("the file is empty") }
        let text: String
        var encoding = Encoding.utf8
        if head.starts(with: [0xFF, 0xFE]) || head.starts(with: [0xFE, 0xFF]) {
            encoding = head[0] == 0xFF ? .utf16LittleEndian : .utf16BigEndian
            var units: [UInt16] = []
            var i = 2
            while i + 1 < head.count {
                units.append(encoding == .utf16LittleEndian ? UInt16(head[i]) | UInt16(head[i + 1]) << 8 : UInt16(head[i]) << 8 | UInt16(head[i + 1]))
                i += 2
            }
            text = String(decoding: units, as: UTF16.self)
        } else {
            if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                throw reject("it is a legacy Excel 97–2003 .xls workbook or a password-protected .xlsx; save it as an unprotected .xlsx or as CSV")
            }
            if head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { throw reject("it is an empty ZIP archive") }
            if head.starts(with: Array("%PDF".utf8)) { throw reject("it is a PDF document") }
            if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) || head.starts(with: [0xFF, 0xD8, 0xFF]) || head.starts(with: Array("GIF8".utf8)) {
                throw reject("it is an image")
            }
            if head.starts(with: [0x1F, 0x8B]) { throw reject("it is gzip-compressed data") }
            if head.contains(0) { throw reject("it is binary data") }
            var body = head.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(head.dropFirst(3)) : head
            // The head may end inside a multi-byte character: drop up to 3 bytes of an incomplete sequence.
            var decoded = String(validating: body, as: UTF8.self)
            var dropped = 0
            while decoded == nil && dropped < 3 && head.count == 64 * 1024 && !body.isEmpty {
                body.removeLast()
                dropped += 1
                decoded = String(validating: body, as: UTF8.self)
            }
            guard let valid = decoded else {
                throw reject("it is text that is not UTF-8 (perhaps Windows-1252 or Latin-1); save the CSV as UTF-8")
            }
            text = valid
        }
        return CSVSettings(encoding: encoding, delimiter: detectDelimiter(text, complete: head.count < 64 * 1024))
    }

    /// Picks ',', ';' or '\t': for each, the count outside quotes on each of the first 20 non-empty records; the
    /// candidate whose most common non-zero count appears on the most records wins (ties: the larger count, then
    /// the order ',', ';', tab). Banner lines without delimiters do not spoil it.
    static func detectDelimiter(_ text: String, complete: Bool) -> UnicodeScalar {
        let candidates: [UnicodeScalar] = [",", ";", "\t"]
        var records: [[Int]] = []
        var counts = [0, 0, 0]
        var inQuotes = false
        var hasContent = false
        for scalar in text.unicodeScalars {
            if records.count >= 20 { break }
            if scalar == "\"" {
                inQuotes.toggle()
                hasContent = true
            } else if !inQuotes && (scalar == "\n" || scalar == "\r") {
                if hasContent { records.append(counts) }
                counts = [0, 0, 0]
                hasContent = false
            } else if !inQuotes, let index = candidates.firstIndex(of: scalar) {
                counts[index] += 1
                hasContent = true
            } else if scalar != " " && scalar != "\u{FEFF}" {
                hasContent = true
            }
        }
        if hasContent && complete && records.count < 20 { records.append(counts) }
        var best: (index: Int, lines: Int, count: Int) = (0, 0, 0)
        for index in candidates.indices {
            var frequency: [Int: Int] = [:]
            for record in records where record[index] > 0 { frequency[record[index], default: 0] += 1 }
            guard let mode = frequency.max(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else { continue }
            if mode.value > best.lines || (mode.value == best.lines && mode.key > best.count) {
                best = (index, mode.value, mode.key)
            }
        }
        return candidates[best.index]
    }
}

final class CSVRowSource: RowSource {
    private let reader: CSVReader
    private let file: String
    private let sheet: String
    private var record = 0

    init(stream: ChunkInputStream, file: String, sheet: String, settings: CSVSettings) throws {
        self.file = file
        self.sheet = sheet
        do {
            switch settings.encoding {
            case .utf8:
                reader = try CSVReader(stream: stream, codecType: UTF8.self, delimiter: settings.delimiter)
            case .utf16LittleEndian:
                reader = try CSVReader(stream: stream, codecType: UTF16.self, endian: .little, delimiter: settings.delimiter)
            case .utf16BigEndian:
                reader = try CSVReader(stream: stream, codecType: UTF16.self, endian: .big, delimiter: settings.delimiter)
            }
        } catch {
            throw SpreadsheetError(file: file, sheet: sheet, .unreadable("\(error)"))
        }
    }

    func next() throws -> SheetRow? {
        let fields = reader.next()
        if let error = reader.error {
            throw SpreadsheetError(file: file, sheet: sheet, .malformedCSV(row: record, detail: "\(error) (is it UTF-8 text?)"))
        }
        guard let fields else { return nil }
        record += 1
        var cells = fields.map(Self.cell)
        while let last = cells.last, last.kind == .empty { cells.removeLast() }
        return SheetRow(number: record, cells: cells)
    }

    /// "" is empty; a plain decimal without a leading zero ("1234.50", "-3", "0.5") is a number; the rest is text.
    static func cell(_ field: String) -> SheetCell {
        if field.isEmpty { return .empty }
        return SheetCell(kind: isPlainNumber(field) ? .number : .string, text: field)
    }

    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Substring(text).utf8[...]
        if bytes.first == 45 { bytes = bytes.dropFirst() } // -
        guard let first = bytes.first, first >= 48 && first <= 57 else { return false }
        var sawPoint = false, digitsAfterPoint = 0, integerDigits = 0
        for byte in bytes {
            if byte == 46 { // .
                if sawPoint { return false }
                sawPoint = true
            } else if byte >= 48 && byte <= 57 {
                if sawPoint { digitsAfterPoint += 1 } else { integerDigits += 1 }
            } else {
                return false
            }
        }
        if sawPoint && digitsAfterPoint == 0 { return false }
        if first == 48 && integerDigits > 1 { return false }   // "08", "007": an identifier, keep it text
        return true
    }
}

/// An `InputStream` fed by a chunk source (a file handle, or a `ChunkPipe` inflating a zip entry). Its
/// `hasBytesAvailable` is exact (false at the end): CSV.swift asks it before every read, and Foundation's own file
/// stream on Linux answers true at the end, which CSV.swift then reports as `cannotReadFile` after the last row.
/// `XMLParser(stream:)` reads it in chunks, so a large part is never handed to libxml2 in one piece.
final class ChunkInputStream: InputStream {
    private let nextChunk: () throws -> Data?
    private let onClose: () -> Void
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var status: Stream.Status = .notOpen
    /// The error the chunk source threw, if any (reading then returns -1).
    private(set) var failure: Error?

    init(onClose: @escaping () -> Void = {}, nextChunk: @escaping () throws -> Data?) {
        self.nextChunk = nextChunk
        self.onClose = onClose
        super.init(data: Data())
    }

    static func file(_ handle: FileHandle) -> ChunkInputStream {
        ChunkInputStream(onClose: { try? handle.close() }) { try handle.read(upToCount: 64 * 1024) }
    }

    /// Bytes in memory, handed out in the same 64 KiB chunks as a file.
    static func bytes(_ data: Data) -> ChunkInputStream {
        var offset = data.startIndex
        return ChunkInputStream {
            guard offset < data.endIndex else { return nil }
            let end = data.index(offset, offsetBy: 64 * 1024, limitedBy: data.endIndex) ?? data.endIndex
            defer { offset = end }
            return data.subdata(in: offset..<end)
        }
    }

    override func open() {
        if status == .notOpen { status = .open }
    }

    override func close() {
        if status != .closed { onClose() }
        status = .closed
    }

    override var streamStatus: Stream.Status { status }
    override var streamError: Error? { failure }

    override var hasBytesAvailable: Bool {
        fill()
        return position < buffer.count
    }

    override func read(_ out: UnsafeMutablePointer<UInt8>, maxLength length: Int) -> Int {
        fill()
        if failure != nil { return -1 }
        let count = min(length, buffer.count - position)
        if count > 0 {
            buffer.withUnsafeBufferPointer { out.update(from: $0.baseAddress! + position, count: count) }
            position += count
        }
        return count
    }

    private func fill() {
        guard position >= buffer.count, !atEnd, status == .open else { return }
        do {
            if let data = try nextChunk(), !data.isEmpty {
                buffer = [UInt8](data)
            } else {
                atEnd = true
                buffer = []
            }
            position = 0
        } catch {
            failure = error
            atEnd = true
        }
    }

    deinit {
        if status != .closed { onClose() }
    }
}
