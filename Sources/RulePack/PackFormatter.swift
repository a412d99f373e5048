import Foundation
import GuardedYAML
import LedgerCore
import Yams

/// `ledgersync fmt`: one canonical layout for the YAML files of a pack, comments kept.
///
/// The formatter is line oriented: it re-indents and re-spaces the lines the consultant wrote instead of
/// re-serialising the YAML (which would lose comments, quoting and key order). Indentation is driven by
/// the block structure (which mapping or sequence each line belongs to); scalars are copied character for
/// character. As a safety net every result is parsed again and compared with the original, node by node,
/// including each scalar's style: a file whose meaning would change is reported, never rewritten.
/// The canonical style is documented in Docs/RulePackSpec.md, "Formatting (`ledgersync fmt`)".
public enum PackFormatter {
    /// Flow collections (`{a: 1}`, `[a, b]`) stay on one line while the line fits in this many columns.
    public static let maxWidth = 120
    /// Spaces per nesting level.
    public static let indentWidth = 2

    /// The canonical text of one YAML file, or a located error when it is not valid YAML (or uses a
    /// construct the formatter does not handle). Pure: text in, text out.
    public static func format(_ text: String, displayPath: String) -> Result<String, Diagnostic> {
        let original: Node?
        do {
            original = try GuardedYAMLLoader.compose(yaml: text, displayPath: displayPath)
        } catch let refused as YAMLAliasBudgetExceeded {
            return .failure(refused.diagnostic)
        } catch {
            if case .failure(let diagnostic) = YAMLTreeReader.read(text: text, displayPath: displayPath) { return .failure(diagnostic) }
            return .failure(.error("cannot read YAML: \(error)", at: SourceLocation(file: displayPath), code: "yaml-syntax"))
        }

        var source = text
        if source.unicodeScalars.first == "\u{FEFF}" { source.unicodeScalars.removeFirst() }
        source = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0) }
        if lines.last?.isEmpty == true { lines.removeLast() }

        var layout = Layout(lines: lines)
        do {
            try layout.run()
        } catch let issue as FormatIssue {
            return .failure(.error(issue.message, at: SourceLocation(file: displayPath, line: issue.line, column: issue.column), code: issue.code))
        } catch {
            return .failure(.error("cannot format: \(error)", at: SourceLocation(file: displayPath), code: "fmt-internal"))
        }
        let formatted = layout.text()

        // Safety net: the formatted text must mean exactly what the original meant.
        let reread: Node?
        do {
            reread = try GuardedYAMLLoader.compose(yaml: formatted, displayPath: displayPath)
        } catch {
            return .failure(.error("ledgersync fmt could not lay this file out without breaking it (\(error)); the file is left unchanged — format it by hand and report this", at: SourceLocation(file: displayPath), code: "fmt-internal"))
        }
        if let difference = firstDifference(original, reread) {
            let location = SourceLocation(file: displayPath, line: difference.mark?.line ?? 0, column: difference.mark?.column ?? 0)
            return .failure(.error("ledgersync fmt would change the meaning of this file here; the file is left unchanged — format it by hand and report this", at: location, code: "fmt-internal"))
        }
        return .success(formatted)
    }

    /// The files `fmt` formats for a pack, as absolute paths: `pack.yaml`, every file it `includes`
    /// (in order) and `tests/*.yaml` — never the files of the pack it `extends`, never CSV sheets.
    /// Include paths are resolved and confined to the repository exactly as `PackLoader` does.
    public static func packFiles(packDirectory: String, loader: PackLoader = PackLoader()) -> (files: [String], diagnostics: [Diagnostic]) {
        let directory = loader.absolutePath(packDirectory)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return ([], [.error("pack folder '\(packDirectory)' does not exist; pass --pack with the folder that holds \(PackLoader.packFileName)", at: SourceLocation(file: loader.displayPath(directory)), code: "pack-not-found")])
        }
        let packFile = (directory as NSString).appendingPathComponent(PackLoader.packFileName)
        guard FileManager.default.fileExists(atPath: packFile) else {
            return ([], [.error("no \(PackLoader.packFileName) in '\(loader.displayPath(directory))'; a rule pack is a folder with a \(PackLoader.packFileName) file", at: SourceLocation(file: loader.displayPath(directory)), code: "pack-not-found")])
        }
        var files = [packFile]
        var diagnostics: [Diagnostic] = []
        // A pack.yaml that cannot be read is reported when it is formatted; its includes are then unknown.
        if let data = FileManager.default.contents(atPath: packFile), let text = String(data: data, encoding: .utf8),
           case .success(let root?) = YAMLTreeReader.read(text: text, displayPath: loader.displayPath(packFile)),
           let includes = root["includes"] {
            let repositoryRoot = PackLoader.gitRepositoryRoot(containing: directory)
            for entry in includes.items ?? [includes] {
                guard let relative = entry.scalar, !entry.isNull else {
                    diagnostics.append(.error("each include must be a file path relative to \(PackLoader.packFileName), found \(entry.describedForMessage)", at: entry.location, keyPath: "includes", code: "invalid-include"))
                    continue
                }
                guard let path = loader.confinedPath(relative, relativeTo: directory, repositoryRoot: repositoryRoot, at: entry.location, keyPath: "includes", diagnostics: &diagnostics) else { continue }
                guard FileManager.default.fileExists(atPath: path) else {
                    diagnostics.append(.error("included file '\(relative)' does not exist (looked for \(loader.displayPath(path)))", at: entry.location, keyPath: "includes", code: "include-not-found"))
                    continue
                }
                if !files.contains(path) { files.append(path) }
            }
        }
        for test in PackTestFile.discover(packDirectory: directory, loader: loader) where !files.contains(test) {
            files.append(test)
        }
        return (files, diagnostics)
    }

    // MARK: meaning check

    /// Where two parsed files first differ.
    struct Difference {
        /// The position of the differing node in the original, when known.
        var mark: Mark?
    }

    /// nil when both trees are the same: kinds, keys in order, scalar text, tag and style.
    static func firstDifference(_ a: Node?, _ b: Node?) -> Difference? {
        switch (a, b) {
        case (nil, nil): return nil
        case (let a?, nil): return Difference(mark: a.mark)
        case (nil, _?): return Difference(mark: nil)
        case (let a?, let b?): return firstDifference(a, b)
        }
    }

    private static func firstDifference(_ a: Node, _ b: Node) -> Difference? {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)):
            return x.string == y.string && x.tag.rawValue == y.tag.rawValue && x.style == y.style ? nil : Difference(mark: x.mark)
        case (.mapping(let x), .mapping(let y)):
            guard x.tag.rawValue == y.tag.rawValue, x.count == y.count else { return Difference(mark: x.mark) }
            for (p, q) in zip(x, y) {
                if let difference = firstDifference(p.key, q.key) ?? firstDifference(p.value, q.value) { return difference }
            }
            return nil
        case (.sequence(let x), .sequence(let y)):
            guard x.tag.rawValue == y.tag.rawValue, x.count == y.count else { return Difference(mark: x.mark) }
            for (p, q) in zip(x, y) {
                if let difference = firstDifference(p, q) { return difference }
            }
            return nil
        default:
            return Difference(mark: a.mark)
        }
    }
}

// MARK: - Layout engine

/// A problem at a 1-based line and column of the file being formatted.
struct FormatIssue: Error {
    var message: String
    var line: Int
    var column: Int
    var code: String

    static func unsupported(_ what: String, line: Int, column: Int) -> FormatIssue {
        FormatIssue(message: "ledgersync fmt does not handle \(what); the file is left unchanged", line: line + 1, column: column + 1, code: "fmt-unsupported")
    }
}

/// A flow collection (`{…}`, `[…]`) as parsed: entries keep their scalars' text exactly.
private indirect enum FlowItem {
    /// A scalar or alias with its properties, exactly as written (`"08"`, `&a x`, `*a`).
    case scalar(String)
    case collection(props: String, isMap: Bool, entries: [FlowEntry])

    var isEmptyCollection: Bool {
        if case .collection(_, _, let entries) = self { return entries.isEmpty }
        return false
    }
}

/// One entry of a flow collection: `key`, `key: value`, `key:`; in a sequence, `item` or `key: value`.
private struct FlowEntry {
    var key: FlowItem?
    var hasColon: Bool
    var value: FlowItem?
}

private let blank: Set<Character> = [" ", "\t"]
private let flowIndicators: Set<Character> = [",", "[", "]", "{", "}"]

private func spaces(_ count: Int) -> String { String(repeating: " ", count: max(0, count)) }

private func rstrip<S: StringProtocol>(_ text: S) -> String {
    var end = text.endIndex
    while end > text.startIndex, blank.contains(text[text.index(before: end)]) { end = text.index(before: end) }
    return String(text[..<end])
}

/// Strips trailing blanks from a line inside a multi-line double-quoted scalar, except a blank that a
/// backslash escapes (`\ ` is content).
private func rstripQuoted(_ text: String, double: Bool) -> String {
    let stripped = rstrip(text)
    guard double, stripped.count < text.count else { return stripped }
    let backslashes = stripped.reversed().prefix { $0 == "\\" }.count
    if backslashes % 2 == 1 { return stripped + String(text[text.index(text.startIndex, offsetBy: stripped.count)]) }
    return stripped
}

/// `#foo` → `# foo`; `#!…` and comments that already have a blank after the `#`s are kept.
private func normalizedComment<S: StringProtocol>(_ raw: S) -> String {
    let text = rstrip(raw)
    let hashes = text.prefix { $0 == "#" }.count
    let rest = text.dropFirst(hashes)
    guard let first = rest.first, !blank.contains(first) else { return text }
    if hashes == 1 && first == "!" { return text }
    return String(repeating: "#", count: hashes) + " " + rest
}

private func isAnchorCharacter(_ c: Character) -> Bool {
    c == "-" || c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
}

/// A position in the lines of the file (0-based).
private struct Cursor {
    let lines: [[Character]]
    var line: Int
    var column: Int

    var current: [Character] { line < lines.count ? lines[line] : [] }
    var char: Character? { line < lines.count && column < lines[line].count ? lines[line][column] : nil }
    func char(at offset: Int) -> Character? {
        let index = column + offset
        return line < lines.count && index >= 0 && index < lines[line].count ? lines[line][index] : nil
    }
    var atLineEnd: Bool { line >= lines.count || column >= lines[line].count }
    /// A blank or the end of the line at `offset` from here.
    func blankOrEnd(at offset: Int) -> Bool { char(at: offset).map { blank.contains($0) } ?? true }
    mutating func skipBlanks() { while let c = char, blank.contains(c) { column += 1 } }
    mutating func nextLine() { line += 1; column = 0 }
    var restOfLine: String { line < lines.count && column < lines[line].count ? String(lines[line][column...]) : "" }
}

/// A node as scanned from block context: properties and a body whose text is kept.
private struct Scanned {
    enum Body {
        case empty
        case plain(String)
        /// The text on each line, the first starting at the opening quote, the last ending at the closing one.
        case quoted([String], double: Bool)
        case alias(String)
        case blockHeader(String)
        /// The parsed collection (nil when it must be kept as written) and its text on each line.
        case flow(FlowItem?, segments: [String], column: Int)
    }

    var props: [String]
    var body: Body
    var line: Int
    var column: Int
    var endLine: Int

    var isSingleLine: Bool { line == endLine }

    /// The text of a single-line node: properties, then the body.
    var text: String {
        var parts = props
        switch body {
        case .empty, .blockHeader, .flow: break
        case .plain(let text), .alias(let text): parts.append(text)
        case .quoted(let segments, _): parts.append(segments.joined(separator: "\n"))
        }
        return parts.joined(separator: " ")
    }

    var canBeKey: Bool {
        switch body {
        case .plain, .alias: return true
        case .quoted(let segments, _): return segments.count == 1
        default: return false
        }
    }
}

private struct Context {
    enum Kind { case mapping, sequence }
    var kind: Kind
    /// The column its entries (keys or dashes) start at in the original, and in the output.
    var oldColumn: Int
    var newColumn: Int
}

private struct Layout {
    enum Kind { case blank, content, verbatim, comment }
    struct Line {
        var text: String
        var kind: Kind
    }

    let lines: [[Character]]
    var out: [Line] = []
    /// Full-line comments waiting for the indentation of the line they precede.
    var pendingComments: [Int] = []
    var stack: [Context] = []
    var index = 0

    init(lines: [[Character]]) { self.lines = lines }

    // MARK: output

    /// A content line; the full-line comments just before it take its indentation.
    mutating func emit(_ text: String) {
        let indent = text.prefix { $0 == " " }.count
        for comment in pendingComments { out[comment].text = spaces(indent) + out[comment].text }
        pendingComments.removeAll()
        out.append(Line(text: text, kind: .content))
    }

    mutating func verbatim(_ text: String) { out.append(Line(text: text, kind: .verbatim)) }

    /// The lines joined: no blank lines at the start or end, never two in a row (blank lines inside
    /// scalars are content and kept), one newline at the end.
    func text() -> String {
        var result: [Line] = []
        for line in out {
            if line.kind == .blank && (result.isEmpty || result.last?.kind == .blank) { continue }
            result.append(line)
        }
        while result.last?.kind == .blank { result.removeLast() }
        return result.isEmpty ? "" : result.map(\.text).joined(separator: "\n") + "\n"
    }

    // MARK: lines

    mutating func run() throws {
        while index < lines.count {
            let line = lines[index]
            let indent = line.prefix { blank.contains($0) }.count
            if indent == line.count {
                out.append(Line(text: "", kind: .blank))
                index += 1
                continue
            }
            if line[indent] == "#" {
                pendingComments.append(out.count)
                out.append(Line(text: normalizedComment(String(line[indent...])), kind: .comment))
                index += 1
                continue
            }
            if let tab = line[..<indent].firstIndex(of: "\t") {
                throw FormatIssue(message: "a tab in the indentation; YAML indents with spaces only — replace the tab with spaces", line: index + 1, column: tab + 1, code: "yaml-tab")
            }
            if indent == 0, let marker = documentMarker(line) {
                let rest = String(line[3...]).drop { blank.contains($0) }
                if !rest.isEmpty && rest.first != "#" {
                    throw FormatIssue.unsupported("content on the same line as '\(marker)'; put it on the next line", line: index, column: 4)
                }
                emit(marker + (rest.isEmpty ? "" : "  " + normalizedComment(rest)))
                stack.removeAll()
                index += 1
                continue
            }
            if indent == 0 && line[0] == "%" {
                emit(rstrip(String(line)))
                index += 1
                continue
            }
            try contentLine(indent: indent)
        }
    }

    func documentMarker(_ line: [Character]) -> String? {
        guard line.count >= 3 else { return nil }
        let head = String(line[0..<3])
        guard head == "---" || head == "..." else { return nil }
        return line.count == 3 || blank.contains(line[3]) ? head : nil
    }

    /// One line of block content: `- `s, then `key:` and/or a value, then an optional comment.
    mutating func contentLine(indent: Int) throws {
        let lineIndex = index
        var cursor = Cursor(lines: lines, line: index, column: indent)
        var dashes: [Int] = []
        while cursor.char == "-" && cursor.blankOrEnd(at: 1) {
            dashes.append(cursor.column)
            cursor.column += 1
            cursor.skipBlanks()
        }
        var key: Scanned?
        var value: Scanned?
        var comment: String?
        if let c = cursor.char {
            if c == "#" {
                comment = cursor.restOfLine
            } else if (c == "?" || c == ":") && cursor.blankOrEnd(at: 1) {
                throw FormatIssue.unsupported("explicit '\(c) ' keys and values; write the entry as 'key: value'", line: cursor.line, column: cursor.column)
            } else {
                let first = try scanNode(&cursor)
                cursor.skipBlanks()
                if first.isSingleLine && cursor.char == ":" && cursor.blankOrEnd(at: 1) {
                    guard first.canBeKey else {
                        throw FormatIssue.unsupported("a collection or an empty node as a mapping key", line: first.line, column: first.column)
                    }
                    key = first
                    cursor.column += 1
                    cursor.skipBlanks()
                    if let c = cursor.char, c != "#" {
                        value = try scanNode(&cursor)
                        cursor.skipBlanks()
                    }
                } else {
                    value = first
                }
                if let c = cursor.char {
                    guard c == "#" else {
                        throw FormatIssue.unsupported("'\(c)' here (the line reads differently than expected)", line: cursor.line, column: cursor.column)
                    }
                    comment = cursor.restOfLine
                }
            }
        }

        // Where this line's first element sits in the block structure.
        let newIndent: Int
        if !dashes.isEmpty {
            popContexts(deeperThan: indent)
            if let top = stack.last, top.oldColumn == indent, top.kind == .sequence {
                newIndent = top.newColumn
            } else if let top = stack.last, top.oldColumn == indent, top.kind == .mapping {
                // A sequence written at its key's indentation: indent it under the key.
                newIndent = top.newColumn + PackFormatter.indentWidth
                stack.append(Context(kind: .sequence, oldColumn: indent, newColumn: newIndent))
            } else {
                newIndent = childColumn
                stack.append(Context(kind: .sequence, oldColumn: indent, newColumn: newIndent))
            }
        } else if key != nil {
            popContexts(deeperThan: indent)
            if let top = stack.last, top.kind == .sequence, top.oldColumn == indent { stack.removeLast() }
            if let top = stack.last, top.kind == .mapping, top.oldColumn == indent {
                newIndent = top.newColumn
            } else {
                guard stack.last.map({ $0.oldColumn < indent }) ?? true else {
                    throw FormatIssue.unsupported("this indentation (the key does not line up with any mapping above)", line: lineIndex, column: indent)
                }
                newIndent = childColumn
                stack.append(Context(kind: .mapping, oldColumn: indent, newColumn: newIndent))
            }
        } else {
            while let top = stack.last, top.oldColumn >= indent { stack.removeLast() }
            newIndent = childColumn
        }
        // Nested collections that start on this same line (`- - a`, `- key: value`).
        for (offset, column) in dashes.enumerated().dropFirst() {
            stack.append(Context(kind: .sequence, oldColumn: column, newColumn: newIndent + offset * PackFormatter.indentWidth))
        }
        let innerColumn = newIndent + dashes.count * PackFormatter.indentWidth
        if let key, !dashes.isEmpty {
            stack.append(Context(kind: .mapping, oldColumn: key.column, newColumn: innerColumn))
        }
        let parent = stack.last

        var head = spaces(newIndent) + String(repeating: "- ", count: dashes.count)
        if let key { head += key.text + ":" }
        let separator = key == nil ? "" : " "
        let trailing = comment.map { "  " + normalizedComment($0) } ?? ""
        index = cursor.line + 1

        guard let value else {
            emit(rstrip(head) + trailing)
            return
        }
        let props = value.props.joined(separator: " ")
        let propsPrefix = props.isEmpty ? "" : props + " "
        switch value.body {
        case .empty:
            emit(rstrip(head + separator + props) + trailing)
        case .alias, .plain:
            emit(head + separator + value.text + trailing)
            if case .plain = value.body, comment == nil { plainContinuation(parent: parent) }
        case .quoted(let segments, let double):
            if segments.count == 1 {
                emit(head + separator + value.text + trailing)
            } else {
                emit(head + separator + propsPrefix + rstripQuoted(segments[0], double: double))
                let continuation = continuationColumn(parent)
                for (offset, segment) in segments.enumerated().dropFirst() {
                    let isLast = offset == segments.count - 1
                    let content = String(segment.drop { blank.contains($0) })
                    if content.isEmpty { verbatim(""); continue }
                    verbatim(spaces(continuation) + (isLast ? content : rstripQuoted(content, double: double)) + (isLast ? trailing : ""))
                }
            }
        case .blockHeader(let header):
            emit(head + separator + propsPrefix + header + trailing)
            blockScalar(header: header, parent: parent)
        case .flow(let item, let segments, let column):
            let prefix = head + separator + propsPrefix
            guard let item else {
                // Kept as written (comments or multi-line scalars inside): re-indented as a whole.
                emit(prefix + rstrip(segments[0]) + (segments.count == 1 ? trailing : ""))
                let shift = prefix.count - column
                for (offset, segment) in segments.enumerated().dropFirst() {
                    let oldIndent = segment.prefix { blank.contains($0) }.count
                    let content = rstrip(segment.dropFirst(oldIndent))
                    let isLast = offset == segments.count - 1
                    if content.isEmpty { verbatim(""); continue }
                    verbatim(spaces(max(continuationColumn(parent), oldIndent + shift)) + content + (isLast ? trailing : ""))
                }
                return
            }
            let single = prefix + render(item)
            if single.count <= PackFormatter.maxWidth || item.isEmptyCollection {
                emit(single + trailing)
            } else if key != nil {
                emit(rstrip(head + separator + props) + trailing)
                emitBlock(item, column: innerColumn + PackFormatter.indentWidth, firstPrefix: nil, trailing: "")
            } else if props.isEmpty && !dashes.isEmpty {
                emitBlock(item, column: innerColumn, firstPrefix: head, trailing: trailing)
            } else if !props.isEmpty {
                emit(head + props + trailing)
                emitBlock(item, column: innerColumn, firstPrefix: nil, trailing: "")
            } else {
                emitBlock(item, column: innerColumn, firstPrefix: nil, trailing: trailing)
            }
        }
    }

    var childColumn: Int { stack.last.map { $0.newColumn + PackFormatter.indentWidth } ?? 0 }

    func continuationColumn(_ parent: Context?) -> Int { parent.map { $0.newColumn + PackFormatter.indentWidth } ?? PackFormatter.indentWidth }

    mutating func popContexts(deeperThan indent: Int) {
        while let top = stack.last, top.oldColumn > indent { stack.removeLast() }
    }

    // MARK: multi-line scalars

    /// The following lines of a multi-line plain scalar: more indented than its collection, not comments.
    /// Leading blanks are not part of the value, so they are re-indented; blank lines between are kept.
    mutating func plainContinuation(parent: Context?) {
        let parentColumn = parent?.oldColumn ?? -1
        var next = index
        var blanks = 0
        while next < lines.count {
            let line = lines[next]
            let indent = line.prefix { blank.contains($0) }.count
            if indent == line.count { blanks += 1; next += 1; continue }
            if indent <= parentColumn || line[indent] == "#" || (indent == 0 && documentMarker(line) != nil) { break }
            for _ in 0..<blanks { verbatim("") }
            blanks = 0
            var cursor = Cursor(lines: lines, line: next, column: indent)
            var end = indent
            while end < line.count && !(blank.contains(line[end]) && end + 1 < line.count && line[end + 1] == "#") { end += 1 }
            let content = rstrip(String(line[indent..<end]))
            cursor.column = end
            cursor.skipBlanks()
            let comment = cursor.char == "#" ? "  " + normalizedComment(cursor.restOfLine) : ""
            verbatim(spaces(continuationColumn(parent)) + content + comment)
            next += 1
            index = next
            if !comment.isEmpty { break }
        }
    }

    /// The content of a `|` or `>` scalar: moved as a whole so that relative indentation, blank lines and
    /// trailing blanks (all content) are kept exactly.
    mutating func blockScalar(header: String, parent: Context?) {
        let oldParent = parent?.oldColumn ?? -1
        let newParent = parent?.newColumn ?? -1
        let explicit = header.compactMap { $0.wholeNumberValue }.first { $0 > 0 }
        let keep = header.contains("+")
        var oldIndent: Int? = explicit.map { oldParent >= 0 ? oldParent + $0 : $0 }
        let newIndent = explicit.map { newParent >= 0 ? newParent + $0 : $0 } ?? max(newParent, 0) + PackFormatter.indentWidth
        var lastContent = index - 1
        var next = index
        while next < lines.count {
            let line = lines[next]
            let leading = line.prefix { $0 == " " }.count
            if line.allSatisfy({ blank.contains($0) }) {
                if let oldIndent, leading > oldIndent { lastContent = next }
                next += 1
                continue
            }
            if oldIndent == nil {
                guard leading > oldParent else { break }
                oldIndent = leading
            }
            guard leading >= oldIndent! else { break }
            lastContent = next
            next += 1
        }
        let d = oldIndent ?? 0
        if lastContent >= index {
            for line in lines[index...lastContent] {
                let leading = line.prefix { $0 == " " }.count
                if line.allSatisfy({ blank.contains($0) }) && leading <= d {
                    verbatim("")
                } else {
                    verbatim(spaces(newIndent) + String(line.dropFirst(d)))
                }
            }
        }
        // Blank lines after the content belong to the scalar only with `+` (keep) chomping.
        for _ in (lastContent + 1)..<next { out.append(Line(text: "", kind: keep ? .verbatim : .blank)) }
        index = next
    }

    // MARK: flow collections

    func render(_ item: FlowItem) -> String {
        switch item {
        case .scalar(let text): return text
        case .collection(let props, let isMap, let entries):
            let body = entries.map(render).joined(separator: ", ")
            return (props.isEmpty ? "" : props + " ") + (isMap ? "{" : "[") + body + (isMap ? "}" : "]")
        }
    }

    func render(_ entry: FlowEntry) -> String {
        let key = entry.key.map(render) ?? ""
        guard entry.hasColon else { return key }
        // An empty value is written `key: ` so the ':' can never be read as part of the key.
        return key + ": " + (entry.value.map(render) ?? "")
    }

    /// A flow collection too wide for one line, written in block style at `column`. The first line
    /// starts with `firstPrefix` (`- ` of the enclosing item) when given.
    mutating func emitBlock(_ item: FlowItem, column: Int, firstPrefix: String?, trailing: String) {
        guard case .collection(_, let isMap, let entries) = item else { return }
        for (offset, entry) in entries.enumerated() {
            let lead = offset == 0 ? (firstPrefix ?? spaces(column)) : spaces(column)
            let comment = offset == 0 ? trailing : ""
            if isMap {
                emitPair(lead: lead, entry: entry, column: column, trailing: comment)
            } else if entry.hasColon {
                emitPair(lead: lead + "- ", entry: entry, column: column + PackFormatter.indentWidth, trailing: comment)
            } else {
                emitItem(lead: lead + "- ", item: entry.key, column: column + PackFormatter.indentWidth, trailing: comment)
            }
        }
    }

    mutating func emitPair(lead: String, entry: FlowEntry, column: Int, trailing: String) {
        let key = (entry.key.map(render) ?? "") + ":"
        guard let value = entry.value else {
            emit(lead + key + trailing)
            return
        }
        let single = lead + key + " " + render(value)
        guard case .collection(let props, _, _) = value, single.count > PackFormatter.maxWidth, !value.isEmptyCollection else {
            emit(single + trailing)
            return
        }
        emit(lead + key + (props.isEmpty ? "" : " " + props) + trailing)
        emitBlock(value, column: column + PackFormatter.indentWidth, firstPrefix: nil, trailing: "")
    }

    mutating func emitItem(lead: String, item: FlowItem?, column: Int, trailing: String) {
        guard let item else {
            emit(rstrip(lead) + trailing)
            return
        }
        let single = lead + render(item)
        guard case .collection(let props, _, _) = item, single.count > PackFormatter.maxWidth, !item.isEmptyCollection else {
            emit(single + trailing)
            return
        }
        if props.isEmpty {
            emitBlock(item, column: column, firstPrefix: lead, trailing: trailing)
        } else {
            emit(lead + props + trailing)
            emitBlock(item, column: column, firstPrefix: nil, trailing: "")
        }
    }

    // MARK: scanning

    /// Properties and one node starting at the cursor, in block context. Flow collections and quoted
    /// scalars may continue on later lines; the cursor ends just after the node.
    func scanNode(_ cursor: inout Cursor) throws -> Scanned {
        let line = cursor.line, column = cursor.column
        var props: [String] = []
        while let c = cursor.char, c == "&" || c == "!" {
            props.append(scanProperty(&cursor, inFlow: false))
            cursor.skipBlanks()
        }
        var body = Scanned.Body.empty
        if let c = cursor.char, c != "#" {
            switch c {
            case "|", ">":
                var header = ""
                while let h = cursor.char, !blank.contains(h) { header.append(h); cursor.column += 1 }
                body = .blockHeader(header)
            case "\"", "'":
                body = .quoted(try scanQuoted(&cursor), double: c == "\"")
            case "{", "[":
                var parser = FlowParser(cursor: cursor)
                let item = try parser.collection()
                var segments: [String] = []
                for index in line...parser.cursor.line {
                    let text = lines[index]
                    let start = index == line ? cursor.column : 0
                    let end = index == parser.cursor.line ? parser.cursor.column : text.count
                    segments.append(String(text[start..<end]))
                }
                body = .flow(parser.keepAsWritten ? nil : item, segments: segments, column: cursor.column)
                cursor = parser.cursor
            case "*":
                var name = "*"
                cursor.column += 1
                while let a = cursor.char, isAnchorCharacter(a) { name.append(a); cursor.column += 1 }
                body = .alias(name)
            default:
                let text = cursor.current
                var end = cursor.column
                while end < text.count {
                    if blank.contains(text[end]) && end + 1 < text.count && text[end + 1] == "#" { break }
                    if text[end] == ":" && (end + 1 == text.count || blank.contains(text[end + 1])) { break }
                    end += 1
                }
                body = .plain(rstrip(String(text[cursor.column..<end])))
                cursor.column = end
            }
        }
        return Scanned(props: props, body: body, line: line, column: column, endLine: cursor.line)
    }
}

/// `&anchor`, `!tag`, `!!str`, `!<verbatim>`.
private func scanProperty(_ cursor: inout Cursor, inFlow: Bool) -> String {
    var text = String(cursor.char!)
    let isAnchor = cursor.char == "&"
    cursor.column += 1
    if !isAnchor && cursor.char == "<" {
        while let c = cursor.char { text.append(c); cursor.column += 1; if c == ">" { break } }
        return text
    }
    while let c = cursor.char {
        if isAnchor ? !isAnchorCharacter(c) : (blank.contains(c) || (inFlow && flowIndicators.contains(c))) { break }
        text.append(c)
        cursor.column += 1
    }
    return text
}

/// A quoted scalar from its opening quote: its text on each line it spans.
private func scanQuoted(_ cursor: inout Cursor) throws -> [String] {
    let quote = cursor.char!
    let start = (line: cursor.line, column: cursor.column)
    var segments: [String] = []
    var current = String(quote)
    cursor.column += 1
    while true {
        guard cursor.line < cursor.lines.count else {
            throw FormatIssue(message: "a quoted scalar is not closed", line: start.line + 1, column: start.column + 1, code: "yaml-syntax")
        }
        guard let c = cursor.char else {
            segments.append(current)
            current = ""
            cursor.nextLine()
            continue
        }
        current.append(c)
        cursor.column += 1
        if quote == "'" && c == "'" {
            if cursor.char == "'" { current.append("'"); cursor.column += 1 } else { break }
        } else if quote == "\"" && c == "\\" {
            if let escaped = cursor.char { current.append(escaped); cursor.column += 1 }
        } else if quote == "\"" && c == "\"" {
            break
        }
    }
    segments.append(current)
    return segments
}

/// Parses a flow collection as libyaml does, keeping every scalar's text. Collections that cannot be
/// re-laid out safely (comments or multi-line scalars inside, explicit or complex keys) are marked
/// `keepAsWritten`.
private struct FlowParser {
    var cursor: Cursor
    var keepAsWritten = false

    mutating func skipSpace() throws {
        while true {
            guard cursor.line < cursor.lines.count else {
                throw FormatIssue(message: "a flow collection ('{' or '[') is not closed", line: cursor.lines.count, column: 1, code: "yaml-syntax")
            }
            guard let c = cursor.char else { cursor.nextLine(); continue }
            if blank.contains(c) { cursor.column += 1; continue }
            if c == "#" && (cursor.column == 0 || cursor.char(at: -1).map { blank.contains($0) } == true) {
                keepAsWritten = true
                cursor.column = cursor.current.count
                continue
            }
            return
        }
    }

    mutating func collection() throws -> FlowItem {
        let isMap = cursor.char == "{"
        let close: Character = isMap ? "}" : "]"
        let start = cursor
        cursor.column += 1
        var entries: [FlowEntry] = []
        while true {
            try skipSpace()
            if cursor.char == close { cursor.column += 1; break }
            if cursor.char == "?" {
                keepAsWritten = true
                cursor.column += 1
                try skipSpace()
            }
            let key = try node()
            try skipSpace()
            var entry = FlowEntry(key: key, hasColon: false, value: nil)
            if cursor.char == ":" {
                entry.hasColon = true
                cursor.column += 1
                try skipSpace()
                if cursor.char != "," && cursor.char != close {
                    entry.value = try node()
                    try skipSpace()
                }
            }
            if key == nil && !entry.hasColon {
                throw FormatIssue(message: "unexpected '\(cursor.char.map(String.init) ?? "")' in a flow collection", line: cursor.line + 1, column: cursor.column + 1, code: "yaml-syntax")
            }
            if key == nil { keepAsWritten = true }
            if case .collection? = key, entry.hasColon { keepAsWritten = true }
            entries.append(entry)
            if cursor.char == "," { cursor.column += 1; continue }
            if cursor.char == close { cursor.column += 1; break }
            throw FormatIssue(message: "expected ',' or '\(close)' in the flow collection that starts at line \(start.line + 1)", line: cursor.line + 1, column: cursor.column + 1, code: "yaml-syntax")
        }
        return .collection(props: "", isMap: isMap, entries: entries)
    }

    mutating func node() throws -> FlowItem? {
        var props: [String] = []
        while let c = cursor.char, c == "&" || c == "!" {
            props.append(scanProperty(&cursor, inFlow: true))
            try skipSpace()
        }
        let body: String
        switch cursor.char {
        case "{"?, "["?:
            let item = try collection()
            guard case .collection(_, let isMap, let entries) = item else { return item }
            return .collection(props: props.joined(separator: " "), isMap: isMap, entries: entries)
        case "\""?, "'"?:
            let segments = try scanQuoted(&cursor)
            if segments.count > 1 { keepAsWritten = true }
            body = segments.joined(separator: "\n")
        case "*"?:
            var name = "*"
            cursor.column += 1
            while let a = cursor.char, isAnchorCharacter(a) { name.append(a); cursor.column += 1 }
            body = name
        case ","?, "}"?, "]"?, ":"?, nil:
            return props.isEmpty ? nil : .scalar(props.joined(separator: " "))
        default:
            body = plain()
        }
        return .scalar((props + [body]).joined(separator: " "))
    }

    /// A plain scalar in flow context; one that continues on the next line is kept as written.
    mutating func plain() -> String {
        var text = ""
        while true {
            let line = cursor.current
            var end = cursor.column
            while end < line.count {
                let c = line[end]
                if flowIndicators.contains(c) { break }
                if c == ":" && (end + 1 == line.count || blank.contains(line[end + 1]) || flowIndicators.contains(line[end + 1])) { break }
                if blank.contains(c) && end + 1 < line.count && line[end + 1] == "#" { break }
                end += 1
            }
            text += rstrip(String(line[cursor.column..<end]))
            cursor.column = end
            guard end == line.count else { return text }
            // At the end of the line: does the scalar go on?
            var probe = cursor
            probe.nextLine()
            while probe.line < probe.lines.count {
                probe.skipBlanks()
                if probe.char != nil { break }
                probe.nextLine()
            }
            guard let next = probe.char, !flowIndicators.contains(next), next != "#", next != ":" else { return text }
            keepAsWritten = true
            text += " "
            cursor = probe
        }
    }
}
