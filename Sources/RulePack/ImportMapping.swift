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
        isLine = path.hasPrefix("lines.") || path.hasPrefix("returns.lines.")
        isRequired = required
    }

    /// A field of the order's one return event (`returns.lines.qty`, `returns.refunded`, …), not of the sale.
    public var isReturn: Bool { path.hasPrefix("returns.") }

    /// Every field a mapping may fill, in the order the canonical JSON lists them.
    public static let catalog: [ImportField] = [
        ImportField("id", .text, required: true), ImportField("order_number", .text), ImportField("channel", .channel, required: true),
        ImportField("store", .text, required: true), ImportField("currency", .text), ImportField("status", .status, required: true),
        ImportField("dates.ordered", .time, required: true), ImportField("dates.paid", .time), ImportField("dates.shipped", .time),
        ImportField("dates.completed", .time), ImportField("flags.sample", .flag), ImportField("flags.cod", .flag),
        ImportField("flags.einvoice_issued_by_platform", .flag),
        ImportField("buyer.name", .text), ImportField("buyer.email", .text), ImportField("buyer.phone", .text),
        ImportField("buyer.address.line1", .text), ImportField("buyer.address.line2", .text), ImportField("buyer.address.city", .text),
        ImportField("buyer.address.state", .text), ImportField("buyer.address.postcode", .text), ImportField("buyer.address.country", .text),
        ImportField("buyer.einvoice.requested", .flag), ImportField("buyer.einvoice.tin", .text), ImportField("buyer.einvoice.id_type", .text),
        ImportField("buyer.einvoice.id_value", .text), ImportField("buyer.einvoice.sst_number", .text),
        ImportField("lines.sku", .text, required: true), ImportField("lines.name", .text), ImportField("lines.variation", .text),
        ImportField("lines.qty", .quantity, required: true), ImportField("lines.unit_price", .money, required: true),
        ImportField("lines.seller_discount", .money), ImportField("lines.platform_discount", .money),
        ImportField("shipping.fee", .money), ImportField("shipping.seller_discount", .money), ImportField("shipping.platform_discount", .money),
        ImportField("vouchers.seller", .money), ImportField("vouchers.platform", .money), ImportField("vouchers.coins", .money),
        ImportField("tax.prices_include_tax", .flag), ImportField("tax.charged", .money), ImportField("payment.method", .text), ImportField("payment.buyer_paid", .money),
        // The return the export shows (its cumulative state): at most one event per order (Docs/ImportMappings.md).
        ImportField("returns.id", .text), ImportField("returns.date", .time), ImportField("returns.reason", .text),
        ImportField("returns.lines.qty", .quantity), ImportField("returns.lines.amount", .money),
        ImportField("returns.shipping", .money), ImportField("returns.voucher", .money), ImportField("returns.tax", .money),
        ImportField("returns.refunded", .money),
    ]

    /// The order dates a return's date may fall back to (`returns.date: {from: […]}`), and the built-in fallback when
    /// neither a column nor `from` gives one: the order's last known date, as for a return the status implies.
    public static let returnDateFallback = ["dates.completed", "dates.shipped", "dates.paid", "dates.ordered"]

    /// What `returns.id: {value: …}` may say besides literal text.
    public static let returnIDPlaceholders = ["id", "order_number"]

    public static let byPath: [String: ImportField] = Dictionary(uniqueKeysWithValues: catalog.map { ($0.path, $0) })
}

/// A column of the export: the header it is known by, then aliases; matched as `HeaderFinder.normalize` compares.
public struct ImportColumn: Sendable, Hashable {
    public var headers: [String]
    public var isOptional: Bool
    public var location: SourceLocation?
}

/// How an order-level value repeated on an order's rows becomes one value.
public enum ImportCombine: String, Sendable {
    /// Every non-blank value must agree (blank rows, as in Shopify's later rows, are ignored).
    case same
    /// The first non-blank value.
    case first
    /// The sum over the order's rows (Lazada writes the shipping fee on the first row and 0.00 on the rest).
    case sum
}

/// A value read from the export's cells: the first non-blank of one or more columns (`first_of`).
public struct ImportCells: Sendable {
    public var choices: [ImportColumn]
    /// `join`: every non-blank one, joined with a space (first and last names), instead of the first non-blank.
    public var joins: Bool = false
    /// The export writes this amount negative (Lazada's discounts); the value is negated.
    public var negate: Bool
    public var combine: ImportCombine
}

/// Where a field's (or a named column's) value comes from.
public enum ImportSource: Sendable {
    case cells(ImportCells)
    /// The same text for every order, checked when the mapping loads.
    case fixed(String)
    case formula(ImportFormula)
    /// A flag that is true when the condition holds on every row of the order (TikTok Shop marks a free sample only
    /// by its zero prices).
    case condition(CompiledExpression)
}

/// A column read only to feed formulas or row conditions, under a name of the mapping's choosing.
public struct ImportNamedColumn: Sendable {
    public var name: String
    public var cells: ImportCells
    /// `money`, `quantity` or `text`.
    public var kind: ImportFieldKind
    public var isLine: Bool
}

/// `status_rules`: the first rule whose condition holds on any of an order's rows gives its status.
public struct ImportStatusRule: Sendable {
    public var condition: CompiledExpression
    public var status: OrderStatus
}

/// What one row of the export is.
public enum ImportGrain: String, Sendable {
    /// One row per order line (Shopee, TikTok Shop, Shopify, WooCommerce).
    case line
    /// One row per unit (Lazada): an order's rows with the same SKU and unit price make one line; qty counts them.
    case unit
}

/// A validated import mapping.
public struct ImportMapping: Sendable {
    public var name: String
    /// Every mapping file that contributed, base first (display paths).
    public var files: [String]
    public var sheet: String?
    public var headerSearchRows: Int
    /// Rows between the header and the first order row (TikTok Shop's row of column descriptions).
    public var skipRowsAfterHeader: Int
    public var grain: ImportGrain
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
    public var statusRules: [ImportStatusRule]
    /// Normalized export channel text → canonical channel, when `channel` comes from a column.
    public var channels: [String: Channel]
    /// Rows for which this condition is true are not order lines (notes, subtotals); nil keeps every row.
    public var skipRows: CompiledExpression?
    /// The variables row conditions read: `row.<name>` for every column-fed field or named column, in scope order.
    public var rowScope: [(variable: String, source: String)]
    /// `returns.date: {from: [dates.completed, …]}`: the order dates a return's date falls back to, in turn, when its
    /// column is blank or there is none; after them, `ImportField.returnDateFallback`.
    public var returnDateFrom: [String] = []

    /// Whether the mapping reads returns at all (any `returns.` field).
    public var readsReturns: Bool { fields.keys.contains { $0.hasPrefix("returns.") } || !returnDateFrom.isEmpty }

    /// Every column the mapping reads, with the field or named column it feeds (`fields.lines.sku`, `columns.sold_price`).
    public var readColumns: [(use: String, column: ImportColumn)] {
        var result: [(String, ImportColumn)] = []
        for field in ImportField.catalog {
            if case .cells(let cells)? = fields[field.path] { result += cells.choices.map { ("fields.\(field.path)", $0) } }
        }
        for named in columns { result += named.cells.choices.map { ("columns.\(named.name)", $0) } }
        return result
    }
}

/// A date/time layout such as `dd/MM/yyyy HH:mm`: `yyyy` `MM` `M` `MMM` (Jan…Dec) `dd` `d` `HH` `H` `mm` `ss`, and `Z` for
/// a UTC offset written in the value (`+0800`, `+08:00`, `Z`), which then wins over the mapping's `time_zone`;
/// anything else is literal.
public struct DatePattern: Sendable, Hashable, CustomStringConvertible {
    public enum Token: Sendable, Hashable { case year, month, monthName, day, hour, minute, second, offset, literal(Character) }
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
            case ("M", 3): tokens.append((.monthName, 3))
            case ("d", 1), ("d", 2): tokens.append((.day, run))
            case ("H", 1), ("H", 2): tokens.append((.hour, run))
            case ("m", 2): tokens.append((.minute, 2))
            case ("s", 2): tokens.append((.second, 2))
            case ("Z", 1): tokens.append((.offset, 1))
            case ("y", _), ("M", _), ("d", _), ("H", _), ("m", _), ("s", _), ("Z", _): return nil
            default: for _ in 0..<run { tokens.append((.literal(c), 1)) }
            }
            index += run
        }
        let kinds = tokens.map(\.0)
        guard kinds.contains(.year), kinds.contains(.month) || kinds.contains(.monthName), kinds.contains(.day) else { return nil }
        self.tokens = tokens
    }
}

/// A derived amount or quantity, written in the rule expression language with its arithmetic, e.g.
/// `(lines.unit_price - sold_price) * lines.qty`; an order-level value may read `sum(<line name>)`.
public struct ImportFormula: Sendable {
    public let source: String
    /// The scope's names in index order: what `evaluate` asks values for.
    public let names: [String]
    let compiled: CompiledNumber

    /// The exact value; nil when a name it reads has no value. `value(name)` gives a number, or for a per-line name
    /// read by an order-level formula, the list of the order's line values.
    public func evaluate(_ value: (String) -> ExprValue) -> Decimal? {
        compiled.evaluate { index in value(names[index]) }
    }

    /// The names the formula reads.
    public var readNames: [String] { compiled.variableIndices.map { names[$0] } }
}

/// Reads and validates import mapping files.
/// Reads and validates import mapping files.
public struct ImportMappingLoader {
    public var packLoader: PackLoader
    /// Where the built-in mappings live (`rules/imports`): `extends: shopee` names `<builtinDirectory>/shopee.yaml`.
    public var builtinDirectory: String?

    public init(displayBase: String = FileManager.default.currentDirectoryPath, builtinDirectory: String? = nil) {
        packLoader = PackLoader(displayBase: displayBase)
        self.builtinDirectory = builtinDirectory
    }

    static let topKeys = ["mapping", "extends", "sheet", "header_search_rows", "skip_rows_after_header", "grain", "time_zone",
                          "date_formats", "currency_marks", "fields", "columns", "statuses", "status_rules", "channels", "skip_rows"]

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

    /// A bare name such as `shopee` is a built-in mapping; anything with a slash or `.yaml` is a path.
    public static func isBuiltinName(_ text: String) -> Bool {
        !text.contains("/") && !text.hasSuffix(".yaml") && !text.hasSuffix(".yml") && isName(text)
    }

    private func layered(_ absolute: String, chain: [String], files: inout [String], diagnostics: inout [Diagnostic], via: YAMLNode?) -> YAMLNode? {
        let display = packLoader.displayPath(absolute)
        if chain.contains(absolute) {
            diagnostics.append(.error("mapping '\(display)' extends itself through \((chain + [absolute]).map(packLoader.displayPath).joined(separator: " → ")); remove one 'extends'", at: via?.location, keyPath: "extends", code: "extends-cycle"))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            let message = via == nil ? "cannot read the mapping file '\(display)'; check --mapping" : "the mapping '\(display)' named by extends does not exist; the path is relative to the file that extends it, and a bare name is a built-in mapping"
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
            diagnostics.append(.error("'extends' must be the path of another mapping file or a built-in name, found \(extendsNode.describedForMessage)", at: extendsNode.location, keyPath: "extends", code: "invalid-type"))
            return nil
        }
        let basePath: String
        if Self.isBuiltinName(relative) {
            guard let builtinDirectory else {
                diagnostics.append(.error("'extends: \(relative)' names a built-in mapping, but the built-in mappings (rules/imports) were not found; give a path instead", at: extendsNode.location, keyPath: "extends", code: "mapping-not-found"))
                return nil
            }
            basePath = (builtinDirectory as NSString).appendingPathComponent("\(relative).yaml")
        } else {
            basePath = relative.hasPrefix("/") ? relative : ((absolute as NSString).deletingLastPathComponent as NSString).appendingPathComponent(relative)
        }
        guard let base = layered((basePath as NSString).standardizingPath, chain: chain + [absolute], files: &files, diagnostics: &diagnostics, via: extendsNode) else { return nil }
        files.append(display)
        return Self.overlay(base: base, with: tree)
    }

    /// Top-level keys replace the base's, except `fields`, `columns`, `statuses` and `channels`, which replace entry by
    /// entry: a client mapping overrides one column and keeps the rest.
    static func overlay(base: YAMLNode, with top: YAMLNode) -> YAMLNode {
        guard var merged = base.pairs, let overlay = top.pairs else { return top }
        for pair in overlay {
            guard let key = pair.key.scalar, key != "extends" else { continue }
            guard let index = merged.firstIndex(where: { $0.key.scalar == key }) else { merged.append(pair); continue }
            if ["fields", "columns", "statuses", "channels"].contains(key), var entries = merged[index].value.pairs, let overrides = pair.value.pairs {
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
        var mapping = ImportMapping(name: "", files: files, sheet: nil, headerSearchRows: 20, skipRowsAfterHeader: 0, grain: .line,
                                    utcOffsetSeconds: 8 * 3600, dateFormats: [], currencyMarks: ["RM", "MYR"], fields: [:], columns: [],
                                    statuses: [:], statusNames: [], statusRules: [], channels: [:], skipRows: nil, rowScope: [])
        var fieldNodes: YAMLNode?
        var columnNodes: YAMLNode?
        var skipNode: YAMLNode?
        var statusRuleNodes: YAMLNode?
        for (key, keyNode, value) in top {
            switch key {
            case "mapping":
                if let entries = reader.mapping(value, "mapping", known: ["name", "description"]) {
                    for (k, _, v) in entries where k == "name" { mapping.name = reader.string(v, "mapping.name") ?? "" }
                }
            case "extends": break
            case "sheet": mapping.sheet = reader.string(value, "sheet")
            case "header_search_rows": mapping.headerSearchRows = reader.integer(value, "header_search_rows", in: 1...1000) ?? 20
            case "skip_rows_after_header": mapping.skipRowsAfterHeader = reader.integer(value, "skip_rows_after_header", in: 0...100) ?? 0
            case "grain":
                if let text = reader.choice(value, "grain", ["line", "unit"]) { mapping.grain = ImportGrain(rawValue: text) ?? .line }
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
                        reader.error("'\(text)' is not a date layout; use yyyy, MM, M or MMM, dd or d, HH or H, mm, ss, Z and literal separators, e.g. \"dd/MM/yyyy HH:mm\"", at: item, "date_formats[\(index)]", code: "invalid-value")
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
            case "channels":
                guard let entries = reader.mapping(value, "channels", what: "a mapping of export channel text to canonical channel") else { break }
                for (text, _, target) in entries {
                    if let name = reader.choice(target, "channels.\(text)", Channel.allCases.map(\.rawValue)), let channel = Channel(rawValue: name) {
                        mapping.channels[Self.normalize(text)] = channel
                    }
                }
            case "status_rules": statusRuleNodes = value
            case "skip_rows": skipNode = value
            default: reader.error("unknown key '\(key)'", at: keyNode, key, code: "unknown-key")
            }
        }
        if mapping.name.isEmpty { mapping.name = files.last.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "mapping" }

        // Named columns first: formulas and row conditions may read them.
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
        var conditions: [(String, YAMLNode)] = []
        var keyNodes: [String: YAMLNode] = [:]
        for (path, keyNode, value) in entries {
            let keyPath = "fields.\(path)"
            guard let field = ImportField.byPath[path] else {
                reader.error("'\(path)' is not a canonical order field\(Self.returnsHint(path))", at: keyNode, keyPath, code: "unknown-field",
                             suggestion: Self.returnsHint(path).isEmpty ? Suggest.closest(to: path, in: ImportField.catalog.map(\.path)) : nil)
                continue
            }
            keyNodes[path] = keyNode
            if field.path == "lines.qty" && mapping.grain == .unit {
                reader.error("with 'grain: unit' every row is one unit and the quantity is the number of rows; remove 'lines.qty'", at: keyNode, keyPath, code: "invalid-value")
                continue
            }
            var extraKeys: [String] = []
            if field.path == "returns.date", let fromNode = value["from"] {
                // {from: [dates.completed, …]}: the order dates it falls back to; alone, or after a column.
                mapping.returnDateFrom = returnDateFrom(fromNode, "\(keyPath).from", reader: reader)
                if value.pairs?.count == 1 { continue }
                extraKeys = ["from"]
            }
            switch source(value, keyPath, allowFormula: true, kind: field.kind, isLine: field.isLine, extraKeys: extraKeys,
                          allowCondition: field.path == "returns.lines.qty", reader: reader) {
            case .cells(let cells)?:
                if cells.choices.allSatisfy(\.isOptional) && field.isRequired {
                    reader.error("'\(path)' is required in every order, so its column cannot be optional", at: value, keyPath, code: "invalid-value")
                }
                mapping.fields[path] = .cells(cells)
            case .fixed(let text)?:
                if checkFixed(text, field: field, value, keyPath, reader: reader) { mapping.fields[path] = .fixed(text) }
            case .formula?:
                if let text = value["formula"]?.scalar { formulas.append((path, value, text)) }
            case .condition?:
                if let node = value["when"] { conditions.append((path, node)) }
            case nil: break
            }
        }
        for (path, node, text) in formulas {
            let field = ImportField.byPath[path]!
            if let formula = checkFormula(text, for: field, node: node["formula"] ?? node, "fields.\(path).formula", mapping: mapping, reader: reader) {
                mapping.fields[path] = .formula(formula)
            }
        }
        checkReturns(mapping, keyNodes: keyNodes, fieldNodes: fieldNodes, reader: reader)
        for field in ImportField.catalog where field.isRequired && mapping.fields[field.path] == nil && !(field.path == "lines.qty" && mapping.grain == .unit)
            && !reader.diagnostics.contains(where: { $0.keyPath?.hasPrefix("fields.\(field.path)") == true }) {
            let hint = field.kind == .channel || field.path == "store" ? "map it to a column or give it a fixed {value: …}" : "map it to the export's column"
            reader.error("'fields' lacks '\(field.path)', which every order needs; \(hint)", at: fieldNodes, "fields.\(field.path)", code: "missing-field")
        }
        if case .cells? = mapping.fields["status"], mapping.statuses.isEmpty {
            reader.warning("'status' comes from a column but there are no 'statuses'; only canonical names (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))) will be accepted", at: fieldNodes, "statuses", code: "no-status-map")
        }

        // Row conditions (skip_rows, status_rules) read the row's text under row.<name>.
        for field in ImportField.catalog {
            if case .cells? = mapping.fields[field.path] { mapping.rowScope.append(("row.\(field.path.replacingOccurrences(of: "lines.", with: ""))", field.path)) }
        }
        for column in mapping.columns { mapping.rowScope.append(("row.\(column.name)", column.name)) }
        let rowVariables = ExpressionScope(mapping.rowScope.map {
            ExprVariable(name: $0.variable, type: .string, summary: "the row's text in the column of \($0.source); missing when blank")
        })
        for (path, node) in conditions {
            guard let text = node.scalar else { continue }
            let start = node.location.advanced(byColumns: Self.quoteOffset(node))
            switch ExpressionCompiler.compile(text, at: start, keyPath: "fields.\(path).when", scope: rowVariables) {
            case .success(let compiled): mapping.fields[path] = .condition(compiled)
            case .failure(let problems): reader.diagnostics += problems
            }
        }
        if let skipNode, let text = reader.string(skipNode, "skip_rows") {
            let start = skipNode.location.advanced(byColumns: Self.quoteOffset(skipNode))
            switch ExpressionCompiler.compile(text, at: start, keyPath: "skip_rows", scope: rowVariables) {
            case .success(let compiled): mapping.skipRows = compiled
            case .failure(let problems): reader.diagnostics += problems
            }
        }
        if let statusRuleNodes, let items = reader.sequence(statusRuleNodes, "status_rules") {
            for (index, item) in items.enumerated() {
                let path = "status_rules[\(index)]"
                guard let entries = reader.mapping(item, path, known: ["when", "status"], what: "a mapping with when and status") else { continue }
                var condition: CompiledExpression?
                var status: OrderStatus?
                for (key, _, value) in entries {
                    if key == "when", let text = reader.string(value, "\(path).when") {
                        let start = value.location.advanced(byColumns: Self.quoteOffset(value))
                        switch ExpressionCompiler.compile(text, at: start, keyPath: "\(path).when", scope: rowVariables) {
                        case .success(let compiled): condition = compiled
                        case .failure(let problems): reader.diagnostics += problems
                        }
                    } else if key == "status", let name = reader.choice(value, "\(path).status", OrderStatus.allCases.map(\.rawValue)) {
                        status = OrderStatus(rawValue: name)
                    }
                }
                if let condition, let status { mapping.statusRules.append(ImportStatusRule(condition: condition, status: status)) } else if entries.count < 2 {
                    reader.error("'\(path)' needs both 'when' (a condition over row.<name>) and 'status'", at: item, path, code: "missing-key")
                }
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
                    if let text = reader.choice(pair.value, "\(path).type", ["money", "quantity", "text"]) { kind = ImportFieldKind(rawValue: text) ?? .money }
                case "per":
                    if let text = reader.choice(pair.value, "\(path).per", ["line", "order"]) { isLine = text == "line" }
                default: break
                }
            }
        }
        guard case .cells(let cells)? = source(node, path, allowFormula: false, kind: kind, isLine: isLine, extraKeys: ["type", "per"], reader: reader) else {
            if node.pairs?.contains(where: { $0.key.scalar == "value" }) == true {
                reader.error("'\(path)' must name a column; a fixed value can be written in the formula itself", at: node, path, code: "invalid-value")
            }
            return nil
        }
        return ImportNamedColumn(name: name, cells: cells, kind: kind, isLine: isLine)
    }

    /// `"Header"`, `{column: "Header", aliases: [...], optional: true, negative: true, combine: sum}`,
    /// `{first_of: ["Header", "Other header"]}`, `{value: fixed}` or `{formula: "..."}`.
    private enum SourceSpec { case cells(ImportCells), fixed(String), formula, condition }

    private func source(_ node: YAMLNode, _ path: String, allowFormula: Bool, kind: ImportFieldKind, isLine: Bool, extraKeys: [String] = [],
                        allowCondition: Bool = false, reader: NodeReader) -> SourceSpec? {
        if let text = node.scalar, !node.isNull {
            guard !text.trimmingSpaces.isEmpty else { reader.error("'\(path)' names an empty column header", at: node, path, code: "invalid-value"); return nil }
            return .cells(ImportCells(choices: [ImportColumn(headers: [text], isOptional: false, location: node.location)], joins: false, negate: false, combine: .same))
        }
        let known = ["column", "aliases", "first_of", "join", "optional", "negative", "combine", "value"] + (allowFormula ? ["formula"] : [])
            + (kind == .flag || allowCondition ? ["when"] : []) + extraKeys
        guard let entries = reader.mapping(node, path, known: known, what: "a column header or a mapping with column, first_of, value or formula") else { return nil }
        var headers: [String] = []
        var firstOf: [ImportColumn] = []
        var joins = false
        var optional = false
        var negate = false
        var combine = ImportCombine.same
        var fixed: String?
        var hasFormula = false
        var hasCondition = false
        var columnOptionNode: YAMLNode?
        for (key, _, value) in entries {
            switch key {
            case "column": if let text = reader.string(value, "\(path).column") { headers.insert(text, at: 0) }
            case "aliases":
                columnOptionNode = value
                if let items = reader.sequence(value, "\(path).aliases") { headers += items.enumerated().compactMap { reader.string($1, "\(path).aliases[\($0)]") } }
            case "first_of", "join":
                joins = key == "join"
                if joins && kind != .text { reader.error("'\(path).join' joins texts; '\(path)' is \(kind.rawValue)", at: value, "\(path).join", code: "invalid-value") }
                if let items = reader.sequence(value, "\(path).\(key)") {
                    for (index, item) in items.enumerated() {
                        if let text = reader.string(item, "\(path).\(key)[\(index)]") { firstOf.append(ImportColumn(headers: [text], isOptional: false, location: item.location)) }
                    }
                    if items.count < 2 { reader.error("'\(path).\(key)' lists two or more columns", at: value, "\(path).\(key)", code: "invalid-value") }
                }
            case "optional": columnOptionNode = value; optional = reader.bool(value, "\(path).optional") ?? false
            case "negative":
                columnOptionNode = value
                negate = reader.bool(value, "\(path).negative") ?? false
                if negate && kind != .money { reader.error("'\(path).negative' applies to amounts only", at: value, "\(path).negative", code: "invalid-value") }
            case "combine":
                columnOptionNode = value
                if let text = reader.choice(value, "\(path).combine", ["same", "first", "sum"]) {
                    combine = ImportCombine(rawValue: text) ?? .same
                    if isLine { reader.error("'\(path).combine' applies to order-level values, which repeat on an order's rows; a line's value is its own row's", at: value, "\(path).combine", code: "invalid-value") }
                    if combine == .sum && kind != .money && kind != .quantity { reader.error("'\(path)' is \(kind.rawValue); only amounts and quantities can be summed", at: value, "\(path).combine", code: "invalid-value") }
                }
            case "value": fixed = reader.optionalString(value, "\(path).value")
            case "formula": hasFormula = reader.string(value, "\(path).formula") != nil
            case "when": hasCondition = reader.string(value, "\(path).when") != nil
            default: break
            }
        }
        let hasColumn = entries.contains { $0.key == "column" }
        let chosen = [hasColumn, !firstOf.isEmpty || entries.contains { $0.key == "first_of" || $0.key == "join" }, fixed != nil, hasFormula, hasCondition].filter { $0 }.count
        if chosen != 1 {
            reader.error("'\(path)' must give exactly one of column, first_of, join, value\(allowFormula ? " or formula" : "")", at: node, path, code: "invalid-value")
            return nil
        }
        if hasCondition { return columnOptionNode == nil ? .condition : nil }
        if fixed != nil || hasFormula, let columnOptionNode {
            reader.error("'\(path)': aliases, optional, negative and combine belong with a column", at: columnOptionNode, path, code: "invalid-value")
        }
        if let fixed { return .fixed(fixed) }
        if hasFormula { return .formula }  // compiled once every name is known
        let choices = hasColumn ? [ImportColumn(headers: headers, isOptional: optional, location: node.location)]
                                : firstOf.map { ImportColumn(headers: $0.headers, isOptional: optional, location: $0.location) }
        guard !choices.isEmpty else { return nil }
        return .cells(ImportCells(choices: choices, joins: joins, negate: negate, combine: combine))
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
            if field.path == "returns.id" {
                for name in Self.placeholders(in: text) where !ImportField.returnIDPlaceholders.contains(name) {
                    reader.error("'{\(name)}' is not a placeholder of returns.id; use {id} or {order_number}, or literal text", at: node, path, code: "invalid-value",
                                 suggestion: Suggest.closest(to: name, in: ImportField.returnIDPlaceholders))
                    return false
                }
                if text.trimmingSpaces.isEmpty {
                    reader.error("'returns.id' must not be empty; a return needs an id that stays the same from one export to the next", at: node, path, code: "invalid-value")
                    return false
                }
            }
        }
        return true
    }

    /// The `{name}` placeholders of a template, in order.
    public static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            names.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// `returns.date`'s `from`: one order date or a list of them (`dates.completed`, …), tried in turn.
    private func returnDateFrom(_ node: YAMLNode, _ path: String, reader: NodeReader) -> [String] {
        let items = node.items ?? (node.scalar != nil && !node.isNull ? [node] : nil)
        guard let items, !items.isEmpty else {
            reader.error("'\(path)' names the order dates a return's date falls back to, e.g. [dates.completed, dates.shipped]", at: node, path, code: "invalid-type")
            return []
        }
        let dates = ImportField.catalog.filter { $0.path.hasPrefix("dates.") }.map(\.path)
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = reader.string(item, "\(path)[\(index)]") else { continue }
            if dates.contains(text) { result.append(text); continue }
            reader.error("'\(text)' is not an order date; use one of \(dates.joined(separator: ", "))", at: item, "\(path)[\(index)]", code: "invalid-value",
                         suggestion: Suggest.closest(to: text, in: dates))
        }
        return result
    }

    /// For an unknown `returns.` path that is a known one at the other level: what to write instead.
    static func returnsHint(_ path: String) -> String {
        guard path.hasPrefix("returns.") else { return "" }
        let rest = path.hasPrefix("returns.lines.") ? String(path.dropFirst("returns.lines.".count)) : String(path.dropFirst("returns.".count))
        if path.hasPrefix("returns.lines."), ImportField.byPath["returns.\(rest)"] != nil {
            return "; returns.\(rest) is one value per order (the return event), not per line: write 'returns.\(rest)'"
        }
        if !path.hasPrefix("returns.lines."), ImportField.byPath["returns.lines.\(rest)"] != nil {
            return "; returns.lines.\(rest) is read per line (the units of each line that came back): write 'returns.lines.\(rest)'"
        }
        return ""
    }

    /// The returns fields together: an event returns goods or refunds something, so one of `returns.lines.qty`,
    /// `returns.shipping` or `returns.refunded` must be there for the others to mean anything; a line's refunded
    /// amount is for its returned units.
    private func checkReturns(_ mapping: ImportMapping, keyNodes: [String: YAMLNode], fieldNodes: YAMLNode, reader: NodeReader) {
        guard mapping.readsReturns else { return }
        let drivers = ["returns.lines.qty", "returns.shipping", "returns.refunded"]
        if !drivers.contains(where: { keyNodes[$0] != nil }) {
            let first = ImportField.catalog.first { $0.isReturn && keyNodes[$0.path] != nil }?.path ?? "returns.date"
            reader.error("'\(first)' describes a return, but the mapping reads none: map returns.lines.qty (the units of each line that came back), returns.shipping or returns.refunded", at: keyNodes[first] ?? fieldNodes, "fields.\(first)", code: "missing-field")
        }
        if let amount = keyNodes["returns.lines.amount"], keyNodes["returns.lines.qty"] == nil {
            reader.error("'returns.lines.amount' is what was refunded for a line's returned units; map returns.lines.qty too (how many units came back)", at: amount, "fields.returns.lines.amount", code: "missing-field")
        }
    }


    /// Compiles a formula in the rule expression language. Its names: named money/quantity columns, and amount or
    /// quantity fields fed by a column or a fixed value. A line formula reads every name as a number; an order-level
    /// formula reads order-level names as numbers and per-line names as lists (`sum(lines.seller_discount)`).
    private func checkFormula(_ text: String, for field: ImportField, node: YAMLNode, _ path: String, mapping: ImportMapping, reader: NodeReader) -> ImportFormula? {
        guard field.kind == .money || field.kind == .quantity else {
            reader.error("'\(field.path)' is \(field.kind.rawValue); formulas compute amounts and quantities only", at: node, path, code: "invalid-value")
            return nil
        }
        var names: [(String, Bool)] = []
        for column in mapping.columns where column.kind != .text { names.append((column.name, column.isLine)) }
        for candidate in ImportField.catalog where candidate.kind == .money || candidate.kind == .quantity {
            switch mapping.fields[candidate.path] {
            case .cells?, .fixed?: names.append((candidate.path, candidate.isLine))
            default: break
            }
        }
        if mapping.grain == .unit && field.isLine { names.append(("lines.qty", true)) }
        if !field.isLine { names.append(("lines.gross", true)) }
        let variables = names.map { name, isLine in
            ExprVariable(name: name, type: isLine && !field.isLine ? .numberList : .number,
                         summary: name == "lines.gross" ? "qty × unit_price of each line" : isLine && !field.isLine ? "the order's line values of \(name)" : "the value of \(name)")
        }
        let start = node.location.advanced(byColumns: Self.quoteOffset(node))
        switch ExpressionCompiler.compileNumber(text, at: start, keyPath: path, scope: ExpressionScope(variables)) {
        case .success(let compiled): return ImportFormula(source: text, names: names.map(\.0), compiled: compiled)
        case .failure(let problems): reader.diagnostics += problems; return nil
        }
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

