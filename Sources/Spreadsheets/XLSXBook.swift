import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ZIPFoundation

/// The workbook-level parts of an xlsx: sheet list, relationships, styles (which cell formats are dates) and the
/// shared string table, read with Foundation's `XMLParser`. Worksheets themselves are streamed by `SheetXMLScanner`.
final class XLSXBook {
    struct Sheet { var name: String; var part: String }

    let path: String
    private let archive: Archive
    private let entries: [String: Entry]
    private let entriesFolded: [String: Entry]
    let sheets: [Sheet]
    let date1904: Bool
    private let sharedStringsPart: String?
    private let stylesPart: String?
    private var loadedSharedStrings: [String]?
    private var loadedDateStyles: [UInt8]?

    init(path: String) throws {
        self.path = path
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw SpreadsheetError(file: path, .notXLSX("the ZIP archive cannot be opened (\(error)); it may be damaged or truncated"))
        }
        var entries: [String: Entry] = [:]
        var folded: [String: Entry] = [:]
        for entry in archive {
            entries[entry.path] = entry
            folded[Self.fold(entry.path)] = entry
        }
        self.entries = entries
        entriesFolded = folded

        if let mimetype = entries["mimetype"], let data = try? Self.extract(archive, mimetype),
           String(decoding: data, as: UTF8.self).contains("opendocument") {
            throw SpreadsheetError(file: path, .notXLSX("it is an OpenDocument file (.ods); save it as .xlsx or CSV"))
        }

        // _rels/.rels names the workbook part; fall back to the usual place.
        var workbookPart = "xl/workbook.xml"
        if let rels = entries["_rels/.rels"] ?? folded[Self.fold("_rels/.rels")] {
            let data = try Self.extract(archive, rels, file: path)
            for relation in try Self.relationships(data, part: "_rels/.rels", base: "", file: path)
            where relation.type.hasSuffix("/officeDocument") {
                workbookPart = relation.target
                break
            }
        }
        guard let workbookEntry = entries[workbookPart] ?? folded[Self.fold(workbookPart)] else {
            if entries.keys.contains(where: { $0.hasPrefix("word/") }) {
                throw SpreadsheetError(file: path, .notXLSX("it is a Word document (.docx), not a workbook"))
            }
            if entries.keys.contains(where: { $0.hasPrefix("ppt/") }) {
                throw SpreadsheetError(file: path, .notXLSX("it is a PowerPoint file (.pptx), not a workbook"))
            }
            throw SpreadsheetError(file: path, .notXLSX("it has no workbook part '\(workbookPart)'"))
        }
        let base = workbookPart.contains("/") ? String(workbookPart[..<workbookPart.lastIndex(of: "/")!]) + "/" : ""
        let relsPart = base + "_rels/" + (workbookPart.split(separator: "/").last.map(String.init) ?? "workbook.xml") + ".rels"
        var targets: [String: String] = [:]
        var sharedStrings: String?
        var styles: String?
        if let relsEntry = entries[relsPart] ?? folded[Self.fold(relsPart)] {
            for relation in try Self.relationships(try Self.extract(archive, relsEntry, file: path), part: relsPart, base: base, file: path) {
                targets[relation.id] = relation.target
                if relation.type.hasSuffix("/sharedStrings") { sharedStrings = relation.target }
                if relation.type.hasSuffix("/styles") { styles = relation.target }
            }
        }
        sharedStringsPart = sharedStrings ?? (entries[base + "sharedStrings.xml"] != nil ? base + "sharedStrings.xml" : nil)
        stylesPart = styles ?? (entries[base + "styles.xml"] != nil ? base + "styles.xml" : nil)

        // workbook.xml: <sheets><sheet name="…" sheetId="…" r:id="rId1"/></sheets>, <workbookPr date1904="1"/>
        var sheets: [Sheet] = []
        var date1904 = false
        let workbookData = try Self.extract(archive, workbookEntry, file: path)
        var missingTarget: String?
        try XMLEvents.parse(workbookData, part: workbookPart, file: path, start: { name, attributes in
            switch name {
            case "sheet":
                let sheetName = attributes["name"] ?? "Sheet\(sheets.count + 1)"
                let id = attributes.first(where: { $0.key == "r:id" || ($0.key.hasSuffix(":id")) })?.value ?? ""
                if let target = targets[id] {
                    sheets.append(Sheet(name: sheetName, part: target))
                } else if targets.isEmpty {
                    sheets.append(Sheet(name: sheetName, part: base + "worksheets/sheet\(sheets.count + 1).xml"))
                } else {
                    missingTarget = missingTarget ?? "sheet '\(sheetName)' (relationship '\(id)')"
                }
            case "workbookPr":
                let flag = (attributes["date1904"] ?? "").lowercased()
                date1904 = flag == "1" || flag == "true"
            default:
                break
            }
        })
        if let missingTarget {
            throw SpreadsheetError(file: path, .malformedXML(part: relsPart, row: nil, detail: "no relationship for \(missingTarget)"))
        }
        self.sheets = sheets
        self.date1904 = date1904
    }

    // MARK: - Parts

    func entry(_ part: String) -> Entry? {
        entries[part] ?? entriesFolded[Self.fold(part)]
    }

    /// The shared string table (rich-text runs joined; phonetic runs left out), loaded on first use.
    func sharedStrings() throws -> [String] {
        if let loadedSharedStrings { return loadedSharedStrings }
        var strings: [String] = []
        if let part = sharedStringsPart {
            guard let entry = entry(part) else { throw SpreadsheetError(file: path, .missingPart(part)) }
            // Streamed from the zip entry: a large table is never held as XML text, only as the strings.
            let pipe = ChunkPipe.inflating(path: path, entryPath: entry.path)
            defer { pipe.cancel() }
            let stream = ChunkInputStream { try pipe.take() }
            var current = ""
            var inItem = false, inText = false, phonetic = 0
            try XMLEvents.parse(stream, part: part, file: path, start: { name, _ in
                switch name {
                case "si": inItem = true; current = ""
                case "t": inText = inItem
                case "rPh": phonetic += 1
                default: break
                }
            }, end: { name in
                switch name {
                case "si": strings.append(OOXMLText.unescape(current)); inItem = false
                case "t": inText = false
                case "rPh": phonetic -= 1
                default: break
                }
            }, text: { text in
                if inText && phonetic == 0 { current += text }
            })
        }
        loadedSharedStrings = strings
        return strings
    }

    /// Per cellXfs index: 0 not a date, 1 a date format, 2 a date format with a time part.
    func dateStyles() throws -> [UInt8] {
        if let loadedDateStyles { return loadedDateStyles }
        var styles: [UInt8] = []
        if let part = stylesPart, let entry = entry(part) {
            let data = try Self.extract(archive, entry, file: path)
            var formats: [Int: String] = [:]
            var xfIDs: [Int] = []
            var inCellXfs = false
            try XMLEvents.parse(data, part: part, file: path, start: { name, attributes in
                switch name {
                case "numFmt":
                    if let id = attributes["numFmtId"].flatMap({ Int($0) }) { formats[id] = attributes["formatCode"] ?? "" }
                case "cellXfs":
                    inCellXfs = true
                case "xf":
                    if inCellXfs { xfIDs.append(attributes["numFmtId"].flatMap { Int($0) } ?? 0) }
                default:
                    break
                }
            }, end: { name in
                if name == "cellXfs" { inCellXfs = false }
            })
            styles = xfIDs.map { id in
                if let code = formats[id] {
                    let kind = ExcelDate.classify(formatCode: code)
                    return kind.isDate ? (kind.hasTime ? 2 : 1) : 0
                }
                return ExcelDate.isBuiltInDate(id) ? (ExcelDate.isBuiltInTime(id) ? 2 : 1) : 0
            }
        }
        loadedDateStyles = styles
        return styles
    }

    // MARK: - Helpers

    struct Relationship { var id: String; var type: String; var target: String }

    static func relationships(_ data: Data, part: String, base: String, file: String) throws -> [Relationship] {
        var result: [Relationship] = []
        try XMLEvents.parse(data, part: part, file: file, start: { name, attributes in
            guard name == "Relationship", (attributes["TargetMode"] ?? "").lowercased() != "external",
                  let target = attributes["Target"] else { return }
            result.append(Relationship(id: attributes["Id"] ?? "", type: attributes["Type"] ?? "", target: resolve(target, base: base)))
        })
        return result
    }

    /// Resolves a relationship target against the folder of the part that names it ("/xl/…" is from the root).
    static func resolve(_ target: String, base: String) -> String {
        let joined = target.hasPrefix("/") ? String(target.dropFirst()) : base + target
        var parts: [Substring] = []
        for component in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(component)
        }
        return parts.joined(separator: "/")
    }

    static func fold(_ path: String) -> String {
        var p = path.replacingOccurrences(of: "\\", with: "/").lowercased()
        while p.hasPrefix("/") { p.removeFirst() }
        return p
    }

    static func extract(_ archive: Archive, _ entry: Entry) throws -> Data {
        var data = Data()
        _ = try archive.extract(entry, skipCRC32: true) { data.append($0) }
        return data
    }

    static func extract(_ archive: Archive, _ entry: Entry, file: String) throws -> Data {
        do {
            var data = Data()
            let checksum = try archive.extract(entry) { data.append($0) }
            if checksum != entry.checksum {
                throw SpreadsheetError(file: file, .notXLSX("part '\(entry.path)' is corrupt (CRC-32 mismatch)"))
            }
            return data
        } catch let error as SpreadsheetError {
            throw error
        } catch {
            throw SpreadsheetError(file: file, .notXLSX("part '\(entry.path)' cannot be extracted (\(error))"))
        }
    }
}

/// Runs `XMLParser` over a small part and reports elements by local name (prefix dropped) with their attributes.
final class XMLEvents: NSObject, XMLParserDelegate {
    private let onStart: (String, [String: String]) -> Void
    private let onEnd: (String) -> Void
    private let onText: (String) -> Void

    private init(start: @escaping (String, [String: String]) -> Void, end: @escaping (String) -> Void, text: @escaping (String) -> Void) {
        onStart = start
        onEnd = end
        onText = text
    }

    static func parse(_ data: Data, part: String, file: String,
                      start: @escaping (String, [String: String]) -> Void,
                      end: @escaping (String) -> Void = { _ in },
                      text: @escaping (String) -> Void = { _ in }) throws {
        var pending: Data? = data
        let stream = ChunkInputStream {
            defer { pending = nil }
            return pending
        }
        try parse(stream, part: part, file: file, start: start, end: end, text: text)
    }

    /// Parses from a stream, which `XMLParser` reads in chunks: handing it a large part as one `Data` makes libxml2
    /// fail past 10 MB ("huge input lookup"), which a big shared string table reaches.
    static func parse(_ stream: ChunkInputStream, part: String, file: String,
                      start: @escaping (String, [String: String]) -> Void,
                      end: @escaping (String) -> Void = { _ in },
                      text: @escaping (String) -> Void = { _ in }) throws {
        let parser = XMLParser(stream: stream)
        parser.shouldProcessNamespaces = false
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        let delegate = XMLEvents(start: start, end: end, text: text)
        parser.delegate = delegate
        if !parser.parse() {
            if let failure = stream.failure {
                if let error = failure as? SpreadsheetError { throw error }
                throw SpreadsheetError(file: file, .notXLSX("part '\(part)' cannot be extracted (\(failure)); the file may be damaged or truncated"))
            }
            let detail = parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"
            throw SpreadsheetError(file: file, .malformedXML(part: part, row: nil, detail: "line \(parser.lineNumber), column \(parser.columnNumber): \(detail)"))
        }
    }

    private static func local(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        onStart(Self.local(elementName), attributeDict)
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        onEnd(Self.local(elementName))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        onText(string)
    }

    func parser(_ parser: XMLParser, foundIgnorableWhitespace whitespaceString: String) {
        onText(whitespaceString)
    }

    func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
        onText(String(decoding: CDATABlock, as: UTF8.self))
    }
}
