import Foundation

/// A streaming, pull-style tokenizer for worksheet XML (`xl/worksheets/sheetN.xml`): it reads the bytes chunk by
/// chunk and returns one `SheetRow` at a time, so a 200,000-row sheet never sits in memory as a whole.
///
/// It understands what a worksheet holds: elements with or without a namespace prefix, attributes in either quote,
/// self-closing tags, comments, processing instructions, CDATA, the five named entities and numeric character
/// references, and XML line-end normalisation. Everything outside `<sheetData>` and every element it does not know
/// (`<f>`, `<extLst>`, …) is skipped. Malformed input throws with the row being read.
struct SheetXMLScanner {
    struct Failure: Error { var detail: String; var row: Int? }

    private enum Element { case sheetData, row, c, v, inlineString, t, rPh, other }
    private enum CellType { case number, shared, inline, formulaString, boolean, error, isoDate }

    // Input
    private let nextChunk: () throws -> Data?
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false

    // Workbook context
    private let sharedStrings: [String]
    /// Per cellXfs index: 0 not a date format, 1 a date format, 2 a date format with a time part.
    private let dateStyles: [UInt8]
    private let date1904: Bool

    // Document state
    private var sawSheetData = false
    private var inSheetData = false
    private var finished = false
    private var inRow = false
    private var rowNumber = 0
    private var cells: [SheetCell] = []
    private var lastColumn = -1
    private var pendingRow: SheetRow?

    // Cell state
    private var inCell = false
    private var cellColumn = 0
    private var cellType = CellType.number
    private var cellStyle = 0
    private var inValue = false
    private var inInline = false
    private var inText = false
    private var phoneticDepth = 0
    private var hasValue = false
    private var hasInline = false
    private let valueBytes = ByteBuffer()
    private let inlineBytes = ByteBuffer()
    private var lastWasCR = false

    // Tag scratch
    private let nameBytes = ByteBuffer()
    private let attributeName = ByteBuffer()
    private let attrR = ByteBuffer()
    private let attrT = ByteBuffer()
    private let attrS = ByteBuffer()
    private var hasAttrR = false, hasAttrT = false, hasAttrS = false

    init(sharedStrings: [String], dateStyles: [UInt8], date1904: Bool, nextChunk: @escaping () throws -> Data?) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.date1904 = date1904
        self.nextChunk = nextChunk
    }

    /// The last row number seen (for error messages).
    var currentRow: Int? { rowNumber > 0 ? rowNumber : nil }

    // MARK: - Rows

    mutating func nextRow() throws -> SheetRow? {
        if finished { return nil }
        while true {
            guard let byte = try readByte() else {
                if inSheetData || inRow {
                    throw fail("the sheet XML ends early\(inRow ? " inside row \(rowNumber)" : ""); the file is truncated")
                }
                finished = true
                return nil
            }
            if byte == 60 /* < */ {
                try markup()
                if let row = pendingRow {
                    pendingRow = nil
                    return row
                }
                if finished { return nil }
            } else if inValue || (inText && inInline && phoneticDepth == 0) {
                try collect(byte)
            }
        }
    }

    // MARK: - Bytes

    @inline(__always)
    private mutating func readByte() throws -> UInt8? {
        if position < buffer.count {
            let byte = buffer[position]
            position += 1
            return byte
        }
        return try refill()
    }

    private mutating func refill() throws -> UInt8? {
        while !atEnd {
            guard let data = try nextChunk() else {
                atEnd = true
                break
            }
            if data.isEmpty { continue }
            buffer = [UInt8](data)
            position = 1
            return buffer[0]
        }
        return nil
    }

    private mutating func requireByte() throws -> UInt8 {
        guard let byte = try readByte() else { throw fail("the sheet XML ends inside a tag; the file is truncated") }
        return byte
    }

    private func fail(_ detail: String) -> Failure {
        Failure(detail: detail, row: rowNumber > 0 ? rowNumber : nil)
    }

    // MARK: - Text

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if inValue { valueBytes.append(byte) } else { inlineBytes.append(byte) }
    }

    private mutating func collect(_ byte: UInt8) throws {
        switch byte {
        case 13:
            append(10)
            lastWasCR = true
            return
        case 10:
            if lastWasCR { lastWasCR = false; return }
            append(10)
        case 38: // &
            try entity()
        default:
            append(byte)
        }
        lastWasCR = false
    }

    private mutating func entity() throws {
        var name: [UInt8] = []
        while true {
            let byte = try requireByte()
            if byte == 59 { break } // ;
            name.append(byte)
            if name.count > 12 { throw fail("an '&' that does not start an entity; write it as &amp;") }
        }
        let scalar: UInt32?
        switch name {
        case Array("amp".utf8): scalar = 38
        case Array("lt".utf8): scalar = 60
        case Array("gt".utf8): scalar = 62
        case Array("quot".utf8): scalar = 34
        case Array("apos".utf8): scalar = 39
        default:
            if name.first == 35 /* # */ {
                let text = String(decoding: name.dropFirst(), as: UTF8.self)
                if text.first == "x" || text.first == "X" {
                    scalar = UInt32(text.dropFirst(), radix: 16)
                } else {
                    scalar = UInt32(text, radix: 10)
                }
            } else {
                scalar = nil
            }
        }
        guard let value = scalar, let unicode = UnicodeScalar(value) else {
            throw fail("unknown entity '&\(String(decoding: name, as: UTF8.self));'")
        }
        for unit in String(Character(unicode)).utf8 { append(unit) }
    }

    // MARK: - Markup

    private mutating func markup() throws {
        let first = try requireByte()
        switch first {
        case 63: // ?
            try skip(until: Array("?>".utf8))
        case 33: // !
            let second = try requireByte()
            if second == 45 { // -
                guard try requireByte() == 45 else { throw fail("a malformed comment") }
                try skip(until: Array("-->".utf8))
            } else if second == 91 { // [
                for expected in Array("CDATA[".utf8) {
                    guard try requireByte() == expected else { throw fail("a malformed CDATA section") }
                }
                try cdata()
            } else {
                try skip(until: [62])
            }
        case 47: // /
            nameBytes.reset()
            while true {
                let byte = try requireByte()
                if byte == 62 { break }
                if byte == 32 || byte == 9 || byte == 10 || byte == 13 { continue }
                nameBytes.append(byte)
            }
            try end(element(nameBytes.view))
        default:
            try startTag(first)
        }
    }

    private mutating func skip(until pattern: [UInt8]) throws {
        var window: [UInt8] = []
        while true {
            let byte = try requireByte()
            window.append(byte)
            if window.count > pattern.count { window.removeFirst() }
            if window == pattern { return }
        }
    }

    private mutating func cdata() throws {
        let collecting = inValue || (inText && inInline && phoneticDepth == 0)
        var pending: [UInt8] = []   // bytes that may be the start of "]]>"
        while true {
            let byte = try requireByte()
            if byte == 93 { // ]
                pending.append(byte)
                continue
            }
            if byte == 62 && pending.count >= 2 { // ]]>
                if collecting { for b in pending.dropLast(2) { append(b) } }
                return
            }
            if collecting {
                for b in pending { append(b) }
                if byte == 13 { append(10); lastWasCR = true } else if byte == 10 && lastWasCR { lastWasCR = false } else { append(byte); lastWasCR = false }
            }
            pending.removeAll(keepingCapacity: true)
        }
    }

    private mutating func startTag(_ first: UInt8) throws {
        nameBytes.reset()
        nameBytes.append(first)
        var byte = try requireByte()
        while !(byte == 32 || byte == 9 || byte == 10 || byte == 13 || byte == 62 || byte == 47) {
            nameBytes.append(byte)
            byte = try requireByte()
        }
        let element = element(nameBytes.view)
        let wantsAttributes = element == .row || element == .c
        hasAttrR = false; hasAttrT = false; hasAttrS = false
        var selfClosing = false
        // Attributes
        while true {
            while byte == 32 || byte == 9 || byte == 10 || byte == 13 { byte = try requireByte() }
            if byte == 62 { break }
            if byte == 47 {
                guard try requireByte() == 62 else { throw fail("a '/' inside a tag") }
                selfClosing = true
                break
            }
            attributeName.reset()
            while !(byte == 61 || byte == 32 || byte == 9 || byte == 10 || byte == 13) {
                if byte == 62 || byte == 47 || byte == 60 { throw fail("an attribute without a value") }
                attributeName.append(byte)
                byte = try requireByte()
            }
            while byte == 32 || byte == 9 || byte == 10 || byte == 13 { byte = try requireByte() }
            guard byte == 61 else { throw fail("an attribute without '='") }
            byte = try requireByte()
            while byte == 32 || byte == 9 || byte == 10 || byte == 13 { byte = try requireByte() }
            guard byte == 34 || byte == 39 else { throw fail("an attribute value without quotes") }
            let quote = byte
            var target = 0 // 0 none, 1 r, 2 t, 3 s
            if wantsAttributes && attributeName.count == 1 {
                switch attributeName[0] {
                case 114: target = 1; attrR.reset(); hasAttrR = true
                case 116: target = 2; attrT.reset(); hasAttrT = true
                case 115: target = 3; attrS.reset(); hasAttrS = true
                default: break
                }
            }
            while true {
                let v = try requireByte()
                if v == quote { break }
                if v == 60 { throw fail("a '<' inside an attribute value") }
                switch target {
                case 1: attrR.append(v)
                case 2: attrT.append(v)
                case 3: attrS.append(v)
                default: break
                }
            }
            byte = try requireByte()
        }
        try start(element, selfClosing: selfClosing)
    }

    private func element(_ name: UnsafeBufferPointer<UInt8>) -> Element {
        // Local name: after the last ':' (some writers use a prefix such as <x:row>).
        var start = 0
        for i in name.indices where name[i] == 58 { start = i + 1 }
        let count = name.count - start
        switch count {
        case 1:
            switch name[start] {
            case 99: return .c
            case 118: return .v
            case 116: return .t
            default: return .other
            }
        case 2:
            return name[start] == 105 && name[start + 1] == 115 ? .inlineString : .other
        case 3:
            if name[start] == 114 && name[start + 1] == 111 && name[start + 2] == 119 { return .row }
            if name[start] == 114 && name[start + 1] == 80 && name[start + 2] == 104 { return .rPh }
            return .other
        case 9:
            return name[start...].elementsEqual("sheetData".utf8) ? .sheetData : .other
        default:
            return .other
        }
    }

    // MARK: - Elements

    private mutating func start(_ element: Element, selfClosing: Bool) throws {
        switch element {
        case .sheetData:
            sawSheetData = true
            if selfClosing { finished = true } else { inSheetData = true }
        case .row:
            guard inSheetData else { return }
            if inRow { throw fail("a <row> inside row \(rowNumber)") }
            if hasAttrR {
                guard let number = Self.integer(attrR.view), number > 0 else {
                    throw fail("row number '\(attrR.string())' is not a positive whole number")
                }
                rowNumber = number
            } else {
                rowNumber += 1
            }
            inRow = true
            cells = []
            lastColumn = -1
            if selfClosing { finishRow() }
        case .c:
            guard inSheetData else { return }
            guard inRow else { throw fail("a cell outside any <row>") }
            inCell = true
            cellColumn = hasAttrR ? Self.column(attrR.view) ?? (lastColumn + 1) : lastColumn + 1
            if cellColumn > 16_383 { throw fail("cell '\(attrR.string())' is beyond column XFD") }
            cellType = hasAttrT ? Self.cellType(attrT.view) : .number
            cellStyle = hasAttrS ? Self.integer(attrS.view) ?? 0 : 0
            hasValue = false
            hasInline = false
            valueBytes.reset()
            inlineBytes.reset()
            if selfClosing { try finishCell() }
        case .v:
            guard inCell else { return }
            hasValue = true
            if !selfClosing { inValue = true; lastWasCR = false }
        case .inlineString:
            guard inCell else { return }
            hasInline = true
            if !selfClosing { inInline = true }
        case .t:
            if inInline && !selfClosing { inText = true; lastWasCR = false }
        case .rPh:
            if inInline && !selfClosing { phoneticDepth += 1 }
        case .other:
            break
        }
    }

    private mutating func end(_ element: Element) throws {
        switch element {
        case .sheetData:
            if inSheetData {
                if inRow { throw fail("row \(rowNumber) is not closed before </sheetData>") }
                inSheetData = false
                finished = true
            }
        case .row:
            if inRow {
                if inCell { throw fail("a cell is not closed before </row>") }
                finishRow()
            }
        case .c:
            if inCell { try finishCell() }
        case .v:
            inValue = false
        case .inlineString:
            inInline = false
            inText = false
        case .t:
            inText = false
        case .rPh:
            if phoneticDepth > 0 { phoneticDepth -= 1 }
        case .other:
            break
        }
    }

    private mutating func finishRow() {
        while let last = cells.last, last.kind == .empty { cells.removeLast() }
        pendingRow = SheetRow(number: rowNumber, cells: cells)
        cells = []
        inRow = false
    }

    private mutating func finishCell() throws {
        inCell = false
        inValue = false
        inInline = false
        inText = false
        phoneticDepth = 0
        let cell: SheetCell
        switch cellType {
        case .shared:
            let text = Self.trimmed(valueBytes.view)
            if !hasValue || text.isEmpty {
                cell = .empty
            } else {
                guard let index = Self.integer(text), index >= 0, index < sharedStrings.count else {
                    throw fail("shared string index '\(String(decoding: text, as: UTF8.self))' in cell \(SheetRow.columnName(cellColumn))\(rowNumber) is out of range (the workbook has \(sharedStrings.count) shared strings)")
                }
                cell = SheetCell(kind: .string, text: sharedStrings[index])
            }
        case .inline:
            if hasInline {
                cell = SheetCell(kind: .string, text: OOXMLText.unescape(inlineBytes.view))
            } else if hasValue {
                cell = SheetCell(kind: .string, text: OOXMLText.unescape(valueBytes.view))
            } else {
                cell = .empty
            }
        case .formulaString:
            cell = hasValue ? SheetCell(kind: .string, text: OOXMLText.unescape(valueBytes.view)) : .empty
        case .error:
            cell = hasValue ? SheetCell(kind: .string, text: String(decoding: Self.trimmed(valueBytes.view), as: UTF8.self)) : .empty
        case .boolean:
            let text = String(decoding: Self.trimmed(valueBytes.view), as: UTF8.self)
            switch text.lowercased() {
            case "": cell = .empty
            case "1", "true": cell = SheetCell(kind: .boolean, text: "TRUE")
            case "0", "false": cell = SheetCell(kind: .boolean, text: "FALSE")
            default: cell = SheetCell(kind: .string, text: text)
            }
        case .isoDate:
            let text = String(decoding: Self.trimmed(valueBytes.view), as: UTF8.self)
            cell = text.isEmpty ? .empty : SheetCell(kind: .date, text: Self.normalizeISODate(text))
        case .number:
            let bytes = Self.trimmed(valueBytes.view)
            if !hasValue || bytes.isEmpty {
                cell = .empty
            } else {
                let text = String(decoding: bytes, as: UTF8.self)
                let style = cellStyle >= 0 && cellStyle < dateStyles.count ? dateStyles[cellStyle] : 0
                if style != 0, let iso = ExcelDate.iso(fromSerial: text, date1904: date1904, withTime: style == 2) {
                    cell = SheetCell(kind: .date, text: iso)
                } else {
                    cell = SheetCell(kind: .number, text: text)
                }
            }
        }
        if cellColumn == cells.count {
            cells.append(cell)
        } else if cellColumn > cells.count {
            cells.append(contentsOf: repeatElement(.empty, count: cellColumn - cells.count))
            cells.append(cell)
        } else {
            cells[cellColumn] = cell
        }
        lastColumn = cellColumn
    }

    // MARK: - Helpers

    private static func cellType(_ bytes: UnsafeBufferPointer<UInt8>) -> CellType {
        if bytes.count == 1 {
            switch bytes[0] {
            case 115: return .shared
            case 98: return .boolean
            case 101: return .error
            case 100: return .isoDate
            default: return .number
            }
        }
        switch String(decoding: bytes, as: UTF8.self) {
        case "s": return .shared
        case "inlineStr": return .inline
        case "str": return .formulaString
        case "b": return .boolean
        case "e": return .error
        case "d": return .isoDate
        default: return .number
        }
    }

    static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        let digits = trimmed(bytes)
        guard !digits.isEmpty, digits.count < 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    /// The 0-based column of a reference such as "C5" (letters only count); nil when it has no letters.
    static func column(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var column = 0
        var letters = 0
        for byte in bytes {
            switch byte {
            case 65...90: column = column * 26 + Int(byte - 64); letters += 1
            case 97...122: column = column * 26 + Int(byte - 96); letters += 1
            case 36: continue // $
            default: break
            }
            if letters > 3 { return 16_384 }
        }
        return letters == 0 ? nil : column - 1
    }

    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 32 || bytes[start] == 9 || bytes[start] == 10 || bytes[start] == 13 { start += 1 }
        while end > start, bytes[end - 1] == 32 || bytes[end - 1] == 9 || bytes[end - 1] == 10 || bytes[end - 1] == 13 { end -= 1 }
        return start == 0 && end == bytes.count ? bytes : UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// "2025-10-01T00:00:00Z" → "2025-10-01"; "2025-10-01T13:30:00.000" → "2025-10-01T13:30:00".
    static func normalizeISODate(_ text: String) -> String {
        var t = text
        if t.hasSuffix("Z") { t.removeLast() }
        guard t.count >= 19 else { return t }
        let dateTime = String(t.prefix(19))
        return dateTime.hasSuffix("T00:00:00") ? String(dateTime.prefix(10)) : dateTime
    }
}

/// OOXML string escapes: `_xHHHH_` stands for the UTF-16 code unit HHHH (Excel writes control characters that way);
/// `_x005F_` protects a literal underscore that would otherwise look like an escape.
enum OOXMLText {
    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let string = String(decoding: bytes, as: UTF8.self)
        guard bytes.count >= 7, bytes.contains(95) else { return string }
        return unescape(string)
    }

    static func unescape(_ string: String) -> String {
        guard string.contains("_x") else { return string }
        let units = Array(string.utf16)
        var out: [UInt16] = []
        out.reserveCapacity(units.count)
        var i = 0
        while i < units.count {
            if units[i] == 95, i + 6 < units.count, units[i + 1] == 120, units[i + 6] == 95,
               let value = UInt16(String(utf16CodeUnits: Array(units[(i + 2)..<(i + 6)]), count: 4), radix: 16) {
                out.append(value)
                i += 7
            } else {
                out.append(units[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF16.self)
    }

    /// Escapes what XML 1.0 cannot carry (control characters other than tab and LF, lone CR) and underscores that
    /// would read as an escape.
    static func escape(_ string: String) -> String {
        var needs = false
        for scalar in string.unicodeScalars where (scalar.value < 32 && scalar != "\t" && scalar != "\n") || scalar == "_" || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
            needs = true
            break
        }
        guard needs else { return string }
        var out = String.UnicodeScalarView()
        let scalars = Array(string.unicodeScalars)
        var i = 0
        func hex(_ v: UInt32) -> String {
            let h = String(v, radix: 16, uppercase: true)
            return "_x" + String(repeating: "0", count: max(0, 4 - h.count)) + h + "_"
        }
        while i < scalars.count {
            let s = scalars[i]
            if (s.value < 32 && s != "\t" && s != "\n") || s.value == 0xFFFE || s.value == 0xFFFF {
                out.append(contentsOf: hex(s.value).unicodeScalars)
            } else if s == "_", i + 6 < scalars.count, scalars[i + 1] == "x", scalars[i + 6] == "_",
                      scalars[(i + 2)..<(i + 6)].allSatisfy({ $0.properties.isASCIIHexDigit }) {
                out.append(contentsOf: "_x005F_".unicodeScalars)
            } else {
                out.append(s)
            }
            i += 1
        }
        return String(out)
    }
}

/// A growable byte buffer that is reset without freeing (the scanner's per-cell scratch space). The `view` is valid
/// until the next append or reset.
final class ByteBuffer {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow() }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func reset() { count = 0 }

    var isEmpty: Bool { count == 0 }

    subscript(index: Int) -> UInt8 { base[index] }

    var view: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func string() -> String { String(decoding: view, as: UTF8.self) }

    private func grow() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }
}
