import Expressions
import Foundation
import LedgerCore

// Import mappings (Docs/ImportMappings.md): a YAML file, read with the pack's located tree and diagnostics, that says
// how a merchant's order export (CSV or xlsx) becomes canonical orders. This file is the raw spec → validated model
// step; the OrderImport target runs the model over a file.

/// What a canonical field holds, which decides how a cell is parsed.
public enum ImportFieldKind: String, Sendable {
    case text, money, quantity, time, status, channel, flag
}

/// A canonical order field an import can fill, with its kind and whether it is read per line or per order.
public struct ImportField: Sendable, Hashable {
    public let path: String
    public let kind: ImportFieldKind
    public let isLine: Bool
    public let isRequired: Bool

    init(_ path: String, _ kind: ImportFieldKind, required: Bool = false) {
        self.path = path
        self.kind = kind
        isLine = path.hasPrefix("lines.")
        isRequired = required
    }

    /// Every field a mapping may fill, in the order the canonical JSON lists them.
    public static let catalog: [ImportField] = [
        ImportField("id", .text, required: true), ImportField("order_number", .text), ImportField("channel", .channel, required: true),
        ImportField("store", .text, required: true), ImportField("currency", .text), ImportField("status", .status, required: true),
        ImportField("dates.ordered", .time, required: true), ImportField("dates.paid", .time), ImportField("dates.shipped", .time),
        ImportField("dates.completed", .time), ImportField("flags.sample", .flag), ImportField("flags.cod", .flag),
        ImportField("buyer.name", .text), ImportField("buyer.email", .text), ImportField("buyer.phone", .text),
        ImportField("buyer.address.line1", .text), ImportField("buyer.address.line2", .text), ImportField("buyer.address.city", .text),
        ImportField("buyer.address.state", .text), ImportField("buyer.address.postcode", .text), ImportField("buyer.address.country", .text),
        ImportField("lines.sku", .text, required: true), ImportField("lines.name", .text), ImportField("lines.variation", .text),
        ImportField("lines.qty", .quantity, required: true), ImportField("lines.unit_price", .money, required: true),
        ImportField("lines.seller_discount", .money), ImportField("lines.platform_discount", .money),
        ImportField("shipping.fee", .money), ImportField("shipping.seller_discount", .money), ImportField("shipping.platform_discount", .money),
        ImportField("vouchers.seller", .money), ImportField("vouchers.platform", .money), ImportField("vouchers.coins", .money),
        ImportField("tax.prices_include_tax", .flag), ImportField("payment.method", .text), ImportField("payment.buyer_paid", .money),
    ]

    public static let byPath: [String: ImportField] = Dictionary(uniqueKeysWithValues: catalog.map { ($0.path, $0) })
}

/// A column of the export: the header it is known by, then aliases; matched as `HeaderFinder.normalize` compares.
public struct ImportColumn: Sendable, Hashable {
    public var headers: [String]
    public var isOptional: Bool
    public var location: SourceLocation?
}

/// Where a field's (or a named column's) value comes from.
public enum ImportSource: Sendable {
    case column(ImportColumn)
    /// The same text for every order, checked when the mapping loads.
    case fixed(String)
    case formula(ImportFormula)
}

/// A column read only to feed formulas, under a name of the mapping's choosing.
public struct ImportNamedColumn: Sendable {
    public var name: String
    public var column: ImportColumn
    public var kind: ImportFieldKind
    public var isLine: Bool
}

/// A validated import mapping.
public struct ImportMapping: Sendable {
    public var name: String
    /// Every mapping file that contributed, base first (display paths).
    public var files: [String]
    public var sheet: String?
    public var headerSearchRows: Int
    /// Fixed offset of the export's local times, in seconds east of UTC.
    public var utcOffsetSeconds: Int
    public var dateFormats: [DatePattern]
    /// Text removed from around amounts before parsing ("RM 12.00"); compared ignoring case.
    public var currencyMarks: [String]
    /// Canonical field path → source; only mapped fields are present.
    public var fields: [String: ImportSource]
    public var columns: [ImportNamedColumn]
    /// Normalized export status text → canonical status.
    public var statuses: [String: OrderStatus]
    /// The status texts as written in the mapping, for did-you-mean.
    public var statusNames: [String]
    /// Rows for which this condition is true are not order lines (notes, subtotals); nil keeps every row.
    public var skipRows: CompiledExpression?
    /// The variables `skipRows` reads: `row.<name>` for every column-fed field or named column, in scope order.
    public var skipRowsScope: [(variable: String, source: String)]
}

/// A date/time layout such as `dd/MM/yyyy HH:mm`: `yyyy` `MM` `M` `dd` `d` `HH` `H` `mm` `ss`; anything else is literal.
public struct DatePattern: Sendable, Hashable, CustomStringConvertible {
    public enum Token: Sendable, Hashable { case year, month, day, hour, minute, second, literal(Character) }
    public let text: String
    public let tokens: [(Token, Int)]

    public var description: String { text }
    public static func == (a: DatePattern, b: DatePattern) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// nil when the pattern has no year, month and day.
    public init?(_ text: String) {
        self.text = text
        var tokens: [(Token, Int)] = []
        let chars = Array(text)
        var index = 0
        while index < chars.count {
            let c = chars[index]
            var run = 1
            while index + run < chars.count, chars[index + run] == c { run += 1 }
            switch (c, run) {
            case ("y", 4): tokens.append((.year, 4))
            case ("M", 1), ("M", 2): tokens.append((.month, run))
            case ("d", 1), ("d", 2): tokens.append((.day, run))
            case ("H", 1), ("H", 2): tokens.append((.hour, run))
            case ("m", 2): tokens.append((.minute, 2))
            case ("s", 2): tokens.append((.second, 2))
            case ("y", _), ("M", _), ("d", _), ("H", _), ("m", _), ("s", _): return nil
            default: for _ in 0..<run { tokens.append((.literal(c), 1)) }
            }
            index += run
        }
        let kinds = tokens.map(\.0)
        guard kinds.contains(.year), kinds.contains(.month), kinds.contains(.day) else { return nil }
        self.tokens = tokens
    }
}

/// Arithmetic over amounts and quantities for derived values, e.g. `(list_price - sold_price) * qty`.
/// The rule-condition language (Expressions) has no arithmetic, so derived values use this small form: `+ - *`,
/// parentheses, names and decimal literals; amount ± amount, amount × quantity. Checked when the mapping loads.
public indirect enum ImportFormula: Sendable {
    case name(String)
    case amount(Money)
    case count(Int64)
    case add(ImportFormula, ImportFormula)
    case subtract(ImportFormula, ImportFormula)
    case multiply(ImportFormula, ImportFormula)

    /// The names the formula reads.
    public var names: [String] {
        switch self {
        case .name(let n): return [n]
        case .amount, .count: return []
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b): return a.names + b.names
        }
    }

    public enum Value: Sendable, Equatable { case money(Money), count(Int64) }

    /// Evaluates with `lookup`; nil when a name has no value (the caller reports it).
    public func evaluate(_ lookup: (String) -> Value?) -> Value? {
        switch self {
        case .name(let n): return lookup(n)
        case .amount(let m): return .money(m)
        case .count(let c): return .count(c)
        case .add(let a, let b), .subtract(let a, let b):
            guard let x = a.evaluate(lookup), let y = b.evaluate(lookup) else { return nil }
            let sign: Int64 = { if case .add = self { return 1 } else { return -1 } }()
            switch (x, y) {
            case (.money(let p), .money(let q)): return .money(Money(minorUnits: p.minorUnits + sign * q.minorUnits))
            case (.count(let p), .count(let q)): return .count(p + sign * q)
            default: return nil
            }
        case .multiply(let a, let b):
            guard let x = a.evaluate(lookup), let y = b.evaluate(lookup) else { return nil }
            switch (x, y) {
            case (.money(let m), .count(let c)), (.count(let c), .money(let m)): return .money(Money(minorUnits: m.minorUnits * c))
            case (.count(let p), .count(let q)): return .count(p * q)
            default: return nil
            }
        }
    }
}

/// Reads and validates import mapping files.
public struct ImportMappingLoader {
    public var packLoader: PackLoader

    public init(displayBase: String = FileManager.default.currentDirectoryPath) {
        packLoader = PackLoader(displayBase: displayBase)
    }

    static let topKeys = ["mapping", "extends", "sheet", "header_search_rows", "time_zone", "date_formats", "currency_marks",
                          "fields", "columns", "statuses", "skip_rows"]

    /// Loads `path` and everything it `extends`, then validates; every problem at once.
    public func load(path: String) -> Result<ImportMapping, [Diagnostic]> {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        guard let tree = layered(packLoader.absolutePath(path), chain: [], files: &files, diagnostics: &diagnostics, via: nil) else {
            return .failure(diagnostics)
        }
        let reader = NodeReader()
        reader.diagnostics = diagnostics
        let mapping = validate(tree, files: files.map(packLoader.displayPath), reader: reader)
        if let mapping, !reader.diagnostics.hasErrors { return .success(mapping) }
        return .failure(reader.diagnostics)
    }

    private func layered(_ absolute: String, chain: [String], files: inout [String], diagnostics: inout [Diagnostic], via: YAMLNode?) -> YAMLNode? {
        let display = packLoader.displayPath(absolute)
        if chain.contains(absolute) {
            diagnostics.append(.error("mapping '\(display)' extends itself through \((chain + [absolute]).map(packLoader.displayPath).joined(separator: " → ")); remove one 'extends'", at: via?.location, keyPath: "extends", code: "extends-cycle"))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            let message = via == nil ? "cannot read the mapping file '\(display)'; check --mapping" : "the mapping '\(display)' named by extends does not exist; the path is relative to the file that extends it"
            diagnostics.append(.error(message, at: via?.location ?? SourceLocation(file: display), keyPath: via == nil ? nil : "extends", code: "mapping-not-found"))
            return nil
        }
        let tree: YAMLNode
        switch YAMLTreeReader.read(text: String(decoding: data, as: UTF8.self), displayPath: display) {
        case .failure(let error): diagnostics.append(error); return nil
        case .success(nil): diagnostics.append(.error("the mapping file '\(display)' is empty", at: SourceLocation(file: display), code: "empty-mapping")); return nil
        case .success(let node?): tree = node
        }
        guard let extendsNode = tree["extends"], !extendsNode.isNull else {
            files.append(display)
            return tree
        }
        guard let relative = extendsNode.scalar, !relative.isEmpty else {
            diagnostics.append(.error("'extends' must be the path of another mapping file, found \(extendsNode.describedForMessage)", at: extendsNode.location, keyPath: "extends", code: "invalid-type"))
            return nil
        }
        let basePath = relative.hasPrefix("/") ? relative : ((absolute as NSString).deletingLastPathComponent as NSString).appendingPathComponent(relative)
        guard let base = layered((basePath as NSString).standardizingPath, chain: chain + [absolute], files: &files, diagnostics: &diagnostics, via: extendsNode) else { return nil }
        files.append(display)
        return Self.overlay(base: base, with: tree)
    }

    /// Top-level keys replace the base's, except `fields`, `columns` and `statuses`, which replace entry by entry:
    /// a client mapping overrides one column and keeps the rest.
    static func overlay(base: YAMLNode, with top: YAMLNode) -> YAMLNode {
        guard var merged = base.pairs, let overlay = top.pairs else { return top }
        for pair in overlay {
            guard let key = pair.key.scalar, key != "extends" else { continue }
            guard let index = merged.firstIndex(where: { $0.key.scalar == key }) else { merged.append(pair); continue }
            if ["fields", "columns", "statuses"].contains(key), var entries = merged[index].value.pairs, let overrides = pair.value.pairs {
                for entry in overrides {
                    if let at = entries.firstIndex(where: { $0.key.scalar != nil && $0.key.scalar == entry.key.scalar }) { entries[at] = entry } else { entries.append(entry) }
                }
                merged[index] = (key: pair.key, value: YAMLNode(.mapping(entries), at: pair.value.location))
            } else {
                merged[index] = pair
            }
        }
        return YAMLNode(.mapping(merged), at: top.location)
    }

    private func validate(_ root: YAMLNode, files: [String], reader: NodeReader) -> ImportMapping? {
        guard let top = reader.mapping(root, "", known: Self.topKeys) else { return nil }
        var mapping = ImportMapping(name: "", files: files, sheet: nil, headerSearchRows: 20, utcOffsetSeconds: 8 * 3600,
                                    dateFormats: [], currencyMarks: ["RM", "MYR"], fields: [:], columns: [], statuses: [:],
                                    statusNames: [], skipRows: nil, skipRowsScope: [])
        var fieldNodes: YAMLNode?
        var columnNodes: YAMLNode?
        var skipNode: YAMLNode?
        for (key, keyNode, value) in top {
            switch key {
            case "mapping":
                if let entries = reader.mapping(value, "mapping", known: ["name", "description"]) {
                    for (k, _, v) in entries where k == "name" { mapping.name = reader.string(v, "mapping.name") ?? "" }
                }
            case "extends": break
            case "sheet": mapping.sheet = reader.string(value, "sheet")
            case "header_search_rows": mapping.headerSearchRows = reader.integer(value, "header_search_rows", in: 1...1000) ?? 20
            case "time_zone":
                if let text = reader.string(value, "time_zone") {
                    if let offset = Self.utcOffset(text) { mapping.utcOffsetSeconds = offset } else {
                        reader.error("'\(text)' is not a UTC offset; write it like +08:00 (Malaysia), +07:00 or Z", at: value, "time_zone", code: "invalid-value")
                    }
                }
            case "date_formats":
                let items = value.items ?? (value.scalar != nil ? [value] : nil)
                guard let items else { reader.error("'date_formats' must be a list of layouts like \"dd/MM/yyyy HH:mm\"", at: value, "date_formats", code: "invalid-type"); break }
                for (index, item) in items.enumerated() {
                    guard let text = reader.string(item, "date_formats[\(index)]") else { continue }
                    if let pattern = DatePattern(text) { mapping.dateFormats.append(pattern) } else {
                        reader.error("'\(text)' is not a date layout; use yyyy, MM or M, dd or d, HH or H, mm, ss and literal separators, e.g. \"dd/MM/yyyy HH:mm\"", at: item, "date_formats[\(index)]", code: "invalid-value")
                    }
                }
            case "currency_marks":
                if let items = reader.sequence(value, "currency_marks") {
                    mapping.currencyMarks = items.enumerated().compactMap { reader.string($1, "currency_marks[\($0)]") }
                }
            case "fields": fieldNodes = value
            case "columns": columnNodes = value
            case "statuses":
                guard let entries = reader.mapping(value, "statuses", what: "a mapping of export status text to canonical status") else { break }
                for (text, _, target) in entries {
                    let path = "statuses.\(text)"
                    if let name = reader.choice(target, path, OrderStatus.allCases.map(\.rawValue)), let status = OrderStatus(rawValue: name) {
                        mapping.statuses[Self.normalize(text)] = status
                        mapping.statusNames.append(text)
                    }
                }
            case "skip_rows": skipNode = value
            default: reader.error("unknown key '\(key)'", at: keyNode, key, code: "unknown-key")
            }
        }
        if mapping.name.isEmpty { mapping.name = files.last.map { ($0 as NSString).lastPathComponent } ?? "mapping" }

        // Named columns first: formulas may read them.
        if let columnNodes, let entries = reader.mapping(columnNodes, "columns", what: "a mapping of names to columns") {
            for (name, keyNode, value) in entries {
                let path = "columns.\(name)"
                guard Self.isName(name), !name.contains(".") else {
                    reader.error("'\(name)' cannot name a column; use letters, digits and _ (no dots)", at: keyNode, path, code: "invalid-value")
                    continue
                }
                if let column = namedColumn(name, value, path, reader: reader) { mapping.columns.append(column) }
            }
        }
        guard let fieldNodes else {
            reader.error("a mapping needs 'fields': which column feeds each canonical order field", at: root, "fields", code: "missing-key")
            return nil
        }
        guard let entries = reader.mapping(fieldNodes, "fields", what: "a mapping of canonical fields to columns") else { return nil }
        var formulas: [(String, YAMLNode, String)] = []
        for (path, keyNode, value) in entries {
            let keyPath = "fields.\(path)"
            guard let field = ImportField.byPath[path] else {
                reader.error("'\(path)' is not a canonical order field", at: keyNode, keyPath, code: "unknown-field",
                             suggestion: Suggest.closest(to: path, in: ImportField.catalog.map(\.path)))
                continue
            }
            switch source(value, keyPath, allowFormula: true, reader: reader) {
            case .column(let column)?:
                if column.isOptional && field.isRequired {
                    reader.error("'\(path)' is required in every order, so its column cannot be optional", at: value, keyPath, code: "invalid-value")
                }
                mapping.fields[path] = .column(column)
            case .fixed(let text)?:
                if checkFixed(text, field: field, value, keyPath, reader: reader) { mapping.fields[path] = .fixed(text) }
            case .formula?:
                if let text = value["formula"]?.scalar { formulas.append((path, value, text)) }
            case nil: break
            }
        }
        for (path, node, text) in formulas {
            let field = ImportField.byPath[path]!
            if let formula = checkFormula(text, for: field, node: node["formula"] ?? node, "fields.\(path).formula", mapping: mapping, reader: reader) {
                mapping.fields[path] = .formula(formula)
            }
        }
        for field in ImportField.catalog where field.isRequired && mapping.fields[field.path] == nil && !reader.diagnostics.contains(where: { $0.keyPath?.hasPrefix("fields.\(field.path)") == true }) {
            let hint = field.kind == .channel || field.path == "store" ? "map it to a column or give it a fixed {value: …}" : "map it to the export's column"
            reader.error("'fields' lacks '\(field.path)', which every order needs; \(hint)", at: fieldNodes, "fields.\(field.path)", code: "missing-field")
        }
        if case .column? = mapping.fields["status"], mapping.statuses.isEmpty {
            reader.warning("'status' comes from a column but there are no 'statuses'; only canonical names (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))) will be accepted", at: fieldNodes, "statuses", code: "no-status-map")
        }
        if let skipNode, let text = reader.string(skipNode, "skip_rows") {
            var scope: [(variable: String, source: String)] = []
            for field in ImportField.catalog { if case .column? = mapping.fields[field.path] { scope.append(("row.\(field.path.replacingOccurrences(of: "lines.", with: ""))", field.path)) } }
            for column in mapping.columns { scope.append(("row.\(column.name)", column.name)) }
            let variables = scope.map { ExprVariable(name: $0.variable, type: .string, summary: "the row's text in the column of \($0.source); missing when blank") }
            let start = skipNode.location.advanced(byColumns: Self.quoteOffset(skipNode))
            switch ExpressionCompiler.compile(text, at: start, keyPath: "skip_rows", scope: ExpressionScope(variables)) {
            case .success(let compiled): mapping.skipRows = compiled; mapping.skipRowsScope = scope
            case .failure(let problems): reader.diagnostics += problems
            }
        }
        return mapping
    }

    private func namedColumn(_ name: String, _ node: YAMLNode, _ path: String, reader: NodeReader) -> ImportNamedColumn? {
        var kind = ImportFieldKind.money
        var isLine = true
        if let pairs = node.pairs {
            for pair in pairs {
                switch pair.key.scalar {
                case "type":
                    if let text = reader.choice(pair.value, "\(path).type", ["money", "quantity"]) { kind = ImportFieldKind(rawValue: text) ?? .money }
                case "per":
                    if let text = reader.choice(pair.value, "\(path).per", ["line", "order"]) { isLine = text == "line" }
                default: break
                }
            }
        }
        guard case .column(let column)? = source(node, path, allowFormula: false, extraKeys: ["type", "per"], reader: reader) else {
            if node.pairs?.contains(where: { $0.key.scalar == "value" }) == true {
                reader.error("'\(path)' must name a column; a fixed value can be written in the formula itself", at: node, path, code: "invalid-value")
            }
            return nil
        }
        return ImportNamedColumn(name: name, column: column, kind: kind, isLine: isLine)
    }

    /// `"Header"`, `{column: "Header", aliases: [...], optional: true}`, `{value: fixed}` or `{formula: "..."}`.
    private func source(_ node: YAMLNode, _ path: String, allowFormula: Bool, extraKeys: [String] = [], reader: NodeReader) -> ImportSource? {
        if let text = node.scalar, !node.isNull {
            guard !text.trimmingSpaces.isEmpty else { reader.error("'\(path)' names an empty column header", at: node, path, code: "invalid-value"); return nil }
            return .column(ImportColumn(headers: [text], isOptional: false, location: node.location))
        }
        let known = ["column", "aliases", "optional", "value"] + (allowFormula ? ["formula"] : []) + extraKeys
        guard let entries = reader.mapping(node, path, known: known, what: "a column header or a mapping with column, value or formula") else { return nil }
        var headers: [String] = []
        var optional = false
        var fixed: String?
        var hasFormula = false
        var aliasesNode: YAMLNode?
        for (key, _, value) in entries {
            switch key {
            case "column": if let text = reader.string(value, "\(path).column") { headers.insert(text, at: 0) }
            case "aliases":
                aliasesNode = value
                if let items = reader.sequence(value, "\(path).aliases") { headers += items.enumerated().compactMap { reader.string($1, "\(path).aliases[\($0)]") } }
            case "optional": optional = reader.bool(value, "\(path).optional") ?? false
            case "value": fixed = reader.optionalString(value, "\(path).value")
            case "formula": hasFormula = reader.string(value, "\(path).formula") != nil
            default: break
            }
        }
        let chosen = [entries.contains { $0.key == "column" }, fixed != nil, hasFormula].filter { $0 }.count
        if chosen != 1 {
            reader.error("'\(path)' must give exactly one of column, value\(allowFormula ? " or formula" : "")", at: node, path, code: "invalid-value")
            return nil
        }
        if fixed != nil || hasFormula, aliasesNode != nil || optional {
            reader.error("'\(path)': aliases and optional belong with a column", at: aliasesNode ?? node, path, code: "invalid-value")
        }
        if let fixed { return .fixed(fixed) }
        if hasFormula { return .formula(.count(0)) }  // parsed once every name is known
        return .column(ImportColumn(headers: headers, isOptional: optional, location: node.location))
    }

    private func checkFixed(_ text: String, field: ImportField, _ node: YAMLNode, _ path: String, reader: NodeReader) -> Bool {
        switch field.kind {
        case .channel:
            guard Channel(rawValue: text) != nil else {
                reader.error("'\(text)' is not a channel; use one of \(Channel.allCases.map(\.rawValue).joined(separator: ", "))", at: node, path, code: "invalid-value", suggestion: Suggest.closest(to: text, in: Channel.allCases.map(\.rawValue)))
                return false
            }
        case .status:
            guard OrderStatus(rawValue: text) != nil else {
                reader.error("'\(text)' is not a canonical status; use one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))", at: node, path, code: "invalid-value", suggestion: Suggest.closest(to: text, in: OrderStatus.allCases.map(\.rawValue)))
                return false
            }
        case .money:
            guard Money(parsing: text) != nil else { reader.error("'\(text)' is not an amount like 12.50", at: node, path, code: "invalid-value"); return false }
        case .flag:
            guard ["true", "false"].contains(text) else { reader.error("'\(text)' must be true or false", at: node, path, code: "invalid-value"); return false }
        case .quantity:
            guard let n = Int(text), n > 0 else { reader.error("'\(text)' is not a quantity of 1 or more", at: node, path, code: "invalid-value"); return false }
        case .time:
            guard Timestamp(parsing: text) != nil else { reader.error("'\(text)' is not a time like 2025-09-15T10:21:00+08:00", at: node, path, code: "invalid-value"); return false }
        case .text:
            if field.path == "id" || field.path == "order_number" {
                reader.error("'\(field.path)' differs per order; map it to a column", at: node, path, code: "invalid-value")
                return false
            }
        }
        return true
    }

    private func checkFormula(_ text: String, for field: ImportField, node: YAMLNode, _ path: String, mapping: ImportMapping, reader: NodeReader) -> ImportFormula? {
        guard field.kind == .money || field.kind == .quantity else {
            reader.error("'\(field.path)' is \(field.kind.rawValue); formulas compute amounts and quantities only", at: node, path, code: "invalid-value")
            return nil
        }
        let start = node.location.advanced(byColumns: Self.quoteOffset(node))
        var parser = FormulaParser(text: Array(text))
        let parsed: ImportFormula
        do { parsed = try parser.parse() } catch let error as FormulaParser.Problem {
            reader.diagnostics.append(.error("\(error.message) in the formula '\(text)'", at: start.advanced(byColumns: error.offset), keyPath: path, code: "formula-syntax"))
            return nil
        } catch {
            return nil
        }
        // Names: named columns, and canonical fields fed by a column or a fixed value.
        var kinds: [String: (ImportFieldKind, Bool)] = [:]
        for column in mapping.columns { kinds[column.name] = (column.kind, column.isLine) }
        for candidate in ImportField.catalog where candidate.kind == .money || candidate.kind == .quantity {
            switch mapping.fields[candidate.path] {
            case .column?, .fixed?: kinds[candidate.path] = (candidate.kind, candidate.isLine)
            default: break
            }
        }
        var ok = true
        for name in Set(parsed.names).sorted() {
            guard let (_, isLine) = kinds[name] else {
                reader.error("the formula reads '\(name)', which is neither a named column nor an amount or quantity field fed by a column", at: node, path, code: "unknown-name",
                             suggestion: Suggest.closest(to: name, in: kinds.keys.sorted()))
                ok = false
                continue
            }
            if isLine && !field.isLine {
                reader.error("'\(name)' is read per line; the order-level field '\(field.path)' cannot use it", at: node, path, code: "invalid-value")
                ok = false
            }
        }
        guard ok else { return nil }
        let resultKind = Self.typeOf(parsed) { kinds[$0]?.0 == .quantity ? .count(1) : .money(.zero) }
        switch (resultKind, field.kind) {
        case (.success(.money)?, .money), (.success(.count)?, .quantity): return parsed
        case (.failure(let problem)?, _):
            reader.error("the formula '\(text)' \(problem.message)", at: node, path, code: "formula-type")
        default:
            reader.error("the formula '\(text)' computes \(field.kind == .money ? "a quantity" : "an amount"), but '\(field.path)' is \(field.kind == .money ? "an amount" : "a quantity")", at: node, path, code: "formula-type")
        }
        return nil
    }

    private enum FormulaType { case money, count }
    private struct TypeProblem: Error { let message: String }

    private static func typeOf(_ formula: ImportFormula, _ sample: (String) -> ImportFormula.Value) -> Result<FormulaType, TypeProblem>? {
        func check(_ f: ImportFormula) throws -> FormulaType {
            switch f {
            case .name(let n): if case .money = sample(n) { return .money } else { return .count }
            case .amount: return .money
            case .count: return .count
            case .add(let a, let b), .subtract(let a, let b):
                let x = try check(a), y = try check(b)
                guard x == y else { throw TypeProblem(message: "adds or subtracts an amount and a quantity") }
                return x
            case .multiply(let a, let b):
                let x = try check(a), y = try check(b)
                if x == .money && y == .money { throw TypeProblem(message: "multiplies two amounts; multiply an amount by a quantity") }
                return x == .money || y == .money ? .money : .count
            }
        }
        do { return .success(try check(formula)) } catch let problem as TypeProblem { return .failure(problem) } catch { return nil }
    }

    static func quoteOffset(_ node: YAMLNode) -> Int {
        if case .scalar(_, false) = node.kind { return 1 }
        return 0
    }

    static func isName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    /// Status texts compare as headers do: case, spaces and line breaks do not matter.
    public static func normalize(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `+08:00`, `+0800`, `-05:30`, `Z` or `UTC`.
    public static func utcOffset(_ text: String) -> Int? {
        if text == "Z" || text == "UTC" { return 0 }
        let chars = Array(text)
        guard chars.count == 6 || chars.count == 5, chars[0] == "+" || chars[0] == "-" else { return nil }
        let digits = chars.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, digits.allSatisfy(\.isASCII), let hh = Int(String(digits.prefix(2))), let mm = Int(String(digits.suffix(2))),
              hh <= 14, mm < 60, chars.count == 5 || chars[3] == ":" else { return nil }
        return (chars[0] == "-" ? -1 : 1) * (hh * 3600 + mm * 60)
    }
}

private struct FormulaParser {
    struct Problem: Error { let message: String; let offset: Int }
    let text: [Character]
    var position = 0

    mutating func parse() throws -> ImportFormula {
        let result = try sum()
        skipSpaces()
        if position < text.count { throw Problem(message: "unexpected '\(text[position])'", offset: position) }
        return result
    }

    mutating func skipSpaces() { while position < text.count, text[position] == " " { position += 1 } }

    mutating func sum() throws -> ImportFormula {
        var left = try product()
        while true {
            skipSpaces()
            guard position < text.count, text[position] == "+" || text[position] == "-" else { return left }
            let op = text[position]
            position += 1
            let right = try product()
            left = op == "+" ? .add(left, right) : .subtract(left, right)
        }
    }

    mutating func product() throws -> ImportFormula {
        var left = try atom()
        while true {
            skipSpaces()
            guard position < text.count else { return left }
            if text[position] == "/" { throw Problem(message: "there is no division (it would round); derive amounts with + - and ×", offset: position) }
            guard text[position] == "*" else { return left }
            position += 1
            left = .multiply(left, try atom())
        }
    }

    mutating func atom() throws -> ImportFormula {
        skipSpaces()
        guard position < text.count else { throw Problem(message: "the formula ends where a name or number was expected", offset: position) }
        let start = position
        let c = text[position]
        if c == "(" {
            position += 1
            let inner = try sum()
            skipSpaces()
            guard position < text.count, text[position] == ")" else { throw Problem(message: "'(' at column \(start + 1) is not closed", offset: position) }
            position += 1
            return inner
        }
        if c.isASCII && c.isNumber {
            while position < text.count, text[position].isASCII, text[position].isNumber || text[position] == "." { position += 1 }
            let literal = String(text[start..<position])
            if !literal.contains("."), let n = Int64(literal) { return .count(n) }
            guard let money = Money(parsing: literal) else { throw Problem(message: "'\(literal)' is not a number with at most two decimals", offset: start) }
            return .amount(money)
        }
        if c == "_" || c.isLetter {
            while position < text.count, text[position] == "_" || text[position] == "." || text[position].isLetter || (text[position].isASCII && text[position].isNumber) { position += 1 }
            return .name(String(text[start..<position]))
        }
        throw Problem(message: "unexpected '\(c)'", offset: start)
    }
}
