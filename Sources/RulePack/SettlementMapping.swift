import Expressions
import Foundation
import LedgerCore

// Settlement mappings (Docs/SettlementMappings.md): a YAML file, read with the pack's located tree and diagnostics, that
// says how a payout or settlement report (a payment gateway's transactions export, a marketplace statement) becomes
// settlement rows — one per order per payout — without code. This file is the raw spec → validated model step; the
// Settlements target runs the model over a report (`SettlementMappingParser`).

/// An amount a settlement row carries besides its fees.
public enum SettlementAmountField: String, CaseIterable, Sendable {
    /// The item revenue the payout settles (shipping the buyer paid goes in `buyer_shipping` when the report splits it).
    case gross
    /// Shipping the buyer paid, passed on with the order: it pays the invoice's shipping line.
    case buyerShipping = "buyer_shipping"
    /// The platform's discount on the buyer's shipping, paid on the buyer's behalf.
    case platformShipping = "platform_shipping"
    /// What was paid out for the row; the check `net = gross + shipping − fees` is made against it.
    case net
}

/// Which canonical order field a report's order reference is.
public enum SettlementOrderKey: String, CaseIterable, Sendable {
    /// The channel's order number (`order_number`: Shopify's `#1042`, a marketplace's order number).
    case orderNumber = "order_number"
    /// The omnichannel platform's order id (`id`).
    case id
}

/// The report's order reference: its column, which order field it is, and text to take off its front.
public struct SettlementOrderReference: Sendable {
    public var cells: ImportCells
    public var matches: SettlementOrderKey
    /// Taken off the front of the reference, the first that matches (`#` of `#1042` when the orders say `1042`).
    public var stripPrefixes: [String]
}

/// Where a settlement value comes from.
public enum SettlementValue: Sendable {
    case cells(ImportCells)
    /// The same for every row, checked when the mapping loads.
    case fixed(String)
    /// An amount computed per row with the rule expression language.
    case formula(ImportFormula)
}

/// One fee column of a report with one row per order (or per transaction): what it takes off the payout.
public struct SettlementMappedFee: Sendable {
    /// One of `SettlementMapping.feeKinds`.
    public var kind: String
    /// The fee's name in the settlement row; nil: the column's header as the report writes it.
    public var name: String?
    public var value: SettlementValue
    public var location: SourceLocation?
}

/// What a row of a one-row-per-fee report is, by its fee name.
public enum SettlementFeeRowMeaning: Hashable, Sendable {
    case gross, buyerShipping, platformShipping
    /// A fee of this kind (one of `SettlementMapping.feeKinds`).
    case fee(String)
}

/// A fee name `fee_rows` does not list.
public enum SettlementUnknownFee: String, Sendable {
    /// Counted as an `other` fee, with a warning once per name.
    case other
    /// An error on each such row: nothing is imported until the mapping lists the name.
    case error
}

/// A report with one row per fee per order (Lazada, Zalora's Seller Center): the column naming what each row's amount
/// is, the amount, and which names are item revenue, buyer-paid shipping or fees.
public struct SettlementFeeRows: Sendable {
    public var name: ImportCells
    public var amount: ImportCells
    /// Normalized fee name (`ImportMappingLoader.normalize`) → meaning.
    public var meanings: [String: SettlementFeeRowMeaning]
    /// Every name as written in the mapping, for did-you-mean.
    public var names: [String]
    public var unknown: SettlementUnknownFee
}

/// `skip_rows`: rows a condition is true for are not read; with `warn`, they are counted and reported once.
public struct SettlementSkipRule: Sendable {
    public var condition: CompiledExpression
    public var source: String
    public var warning: String?
    public var location: SourceLocation?
}

/// How several rows of one order in one payout (same order reference, payout date and payout reference) become one.
public enum SettlementCombine: String, Sendable {
    /// Added up: a charge and its refund, one row per fee.
    case sum
    /// An error: the report has one row per order, so a second one is a mistake (a file exported twice into one).
    case reject
}

/// A value the mapping reads from each row's cells, under the key formulas and row conditions know it by.
public struct SettlementSlot: Sendable {
    /// `order`, `payout_date`, `gross`, `fee_name`, `fee_amount`, `fees[0]`, or a named column's name.
    public var key: String
    /// Where the mapping says it (`fields.gross`, `fees[0]`, `columns.type`), for messages.
    public var use: String
    public var cells: ImportCells
    public var isMoney: Bool
}

/// A validated settlement mapping.
public struct SettlementMapping: Sendable {
    /// The kinds a fee may be, as the settlement rows group them (`SettlementFeeKind`).
    public static let feeKinds = ["commission", "service", "transaction", "shipping", "voucher", "refund", "other"]

    public var name: String
    public var description: String?
    /// Every mapping file that contributed, base first (display paths).
    public var files: [String]
    /// The channel whose orders the report pays: the settlement rows' channel.
    public var channel: Channel
    public var sheet: String?
    public var headerSearchRows: Int
    public var skipRowsAfterHeader: Int
    public var dateFormats: [DatePattern]
    /// Text removed from amounts before they are read (`S$ 12.00`); `RM` and `MYR` are always understood.
    public var currencyMarks: [String]
    public var order: SettlementOrderReference
    public var payoutDate: SettlementValue
    public var payoutReference: SettlementValue?
    /// nil: MYR.
    public var currency: SettlementValue?
    /// The amount fields of a one-row-per-order report; empty with `feeRows`.
    public var amounts: [SettlementAmountField: SettlementValue]
    public var fees: [SettlementMappedFee]
    public var feeRows: SettlementFeeRows?
    public var columns: [ImportNamedColumn]
    public var skipRows: [SettlementSkipRule]
    public var combine: SettlementCombine
    /// `row.<key>` for every value read from cells, as row conditions see it, in slot order.
    public var rowScope: [(variable: String, source: String)]

    /// Every value read from cells, fields first, then fees, then named columns.
    public var slots: [SettlementSlot] {
        var result: [SettlementSlot] = [SettlementSlot(key: "order", use: "fields.order", cells: order.cells, isMoney: false)]
        func add(_ key: String, _ use: String, _ value: SettlementValue?, money: Bool) {
            if case .cells(let cells)? = value { result.append(SettlementSlot(key: key, use: use, cells: cells, isMoney: money)) }
        }
        add("payout_date", "fields.payout_date", payoutDate, money: false)
        add("payout_reference", "fields.payout_reference", payoutReference, money: false)
        add("currency", "fields.currency", currency, money: false)
        for field in SettlementAmountField.allCases { add(field.rawValue, "fields.\(field.rawValue)", amounts[field], money: true) }
        for (index, fee) in fees.enumerated() { add("fees[\(index)]", "fees[\(index)]", fee.value, money: true) }
        if let feeRows {
            result.append(SettlementSlot(key: "fee_name", use: "fee_rows.name", cells: feeRows.name, isMoney: false))
            result.append(SettlementSlot(key: "fee_amount", use: "fee_rows.amount", cells: feeRows.amount, isMoney: true))
        }
        for column in columns { result.append(SettlementSlot(key: column.name, use: "columns.\(column.name)", cells: column.cells, isMoney: column.kind != .text)) }
        return result
    }

    /// Every column the mapping reads, with what it feeds.
    public var readColumns: [(use: String, column: ImportColumn)] {
        slots.flatMap { slot in slot.cells.choices.map { (slot.use, $0) } }
    }
}

extension SettlementMapping {
    /// The keys under `fields`, in the order the documentation lists them.
    public static let fieldKeys = ["order", "payout_date", "payout_reference", "currency"] + SettlementAmountField.allCases.map(\.rawValue)
}

/// A calendar day read with a `DatePattern`; a time of day or an offset in the text is read and ignored (the payout day
/// is taken as written, never shifted between time zones).
public enum DatePatternMatch: Sendable, Equatable {
    case date(year: Int, month: Int, day: Int)
    /// The text has the pattern's layout but is no real day ("September 2025 has 30 days").
    case impossible(String)
    case otherLayout
}

extension DatePattern {
    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let fullMonthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// The day `text` names in this layout.
    public func matchDate(_ text: String) -> DatePatternMatch {
        let chars = Array(text)
        var index = 0
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        for (token, width) in tokens {
            switch token {
            case .monthName:
                guard index + 3 <= chars.count, let found = Self.monthNames.firstIndex(of: String(chars[index..<index + 3]).lowercased()) else { return .otherLayout }
                month = found + 1
                index += 3
            case .offset:
                if index < chars.count, chars[index] == "Z" { index += 1; continue }
                guard index < chars.count, chars[index] == "+" || chars[index] == "-" else { return .otherLayout }
                index += 1
                var digits = 0
                while index < chars.count, digits < 4 {
                    if chars[index] == ":" && digits == 2 { index += 1; continue }
                    guard chars[index].isASCII, chars[index].wholeNumberValue != nil else { break }
                    digits += 1; index += 1
                }
                guard digits == 4 else { return .otherLayout }
            case .literal(let c):
                guard index < chars.count, chars[index] == c || (c == " " && chars[index] == "T") || (c == "T" && chars[index] == " ") else { return .otherLayout }
                index += 1
            default:
                var digits = 0, value = 0
                let maximum = token == .year ? 4 : 2
                while index < chars.count, digits < maximum, chars[index].isASCII, let d = chars[index].wholeNumberValue {
                    value = value * 10 + d; digits += 1; index += 1
                }
                guard digits >= (token == .year ? 4 : width) else { return .otherLayout }
                switch token {
                case .year: year = value
                case .month: month = value
                case .day: day = value
                case .hour: hour = value
                case .minute: minute = value
                case .second: second = value
                case .literal, .monthName, .offset: break
                }
            }
        }
        // A time of day the pattern leaves out may follow (an xlsx date-time cell); anything else is another layout.
        let rest = String(chars[index...])
        if !rest.isEmpty {
            let time = rest.drop { $0 == " " || $0 == "T" }
            guard rest.first == " " || rest.first == "T" || rest.first == ":", !time.isEmpty,
                  time.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == ":" || $0 == "." || $0 == "+" || $0 == "-" || $0 == " " || $0 == "Z" }) else { return .otherLayout }
        }
        guard (1...12).contains(month) else { return .impossible("there is no month \(month)") }
        let days = CalendarDate.daysIn(month: month, year: year)
        guard day >= 1, day <= days else { return .impossible("\(Self.fullMonthNames[month - 1]) \(year) has \(days) days") }
        guard hour < 24, minute < 60, second < 60 else { return .impossible("the time of day is past 23:59:59") }
        return .date(year: year, month: month, day: day)
    }
}

/// Reads and validates settlement mapping files: every problem at once, each at its file, line and column.
public struct SettlementMappingLoader {
    public var packLoader: PackLoader
    /// Where the built-in settlement mappings live (`rules/settlements`): `extends: zalora` names `<builtinDirectory>/zalora.yaml`.
    public var builtinDirectory: String?

    public init(displayBase: String = FileManager.default.currentDirectoryPath, builtinDirectory: String? = nil) {
        packLoader = PackLoader(displayBase: displayBase)
        self.builtinDirectory = builtinDirectory
    }

    /// A bare name such as `shopify-payments` is a built-in (or, for `--mapping`, a pack's) settlement mapping; anything with
    /// a slash or ending `.yaml` is a path.
    public static func isBuiltinName(_ text: String) -> Bool {
        guard !text.contains("/"), !text.hasSuffix(".yaml"), !text.hasSuffix(".yml"), let first = text.unicodeScalars.first, first.properties.isAlphabetic else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || $0 == "-" || $0 == "." || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }

    public static let topKeys = ["mapping", "extends", "channel", "sheet", "header_search_rows", "skip_rows_after_header", "date_formats",
                                 "currency_marks", "columns", "fields", "fees", "fee_rows", "skip_rows", "combine"]

    /// Loads `path` and everything it `extends`, then validates; every problem at once.
    public func load(path: String) -> Result<SettlementMapping, [Diagnostic]> {
        var files: [String] = []
        var diagnostics: [Diagnostic] = []
        guard let tree = layered(packLoader.absolutePath(path), chain: [], files: &files, diagnostics: &diagnostics, via: nil) else {
            return .failure(diagnostics)
        }
        let reader = NodeReader()
        reader.diagnostics = diagnostics
        let mapping = validate(tree, files: files.map(packLoader.displayPath), reader: reader)
        if let mapping, !reader.diagnostics.hasErrors { return .success(mapping) }
        return .failure(reader.diagnostics.sortedForDisplay())
    }

    private func layered(_ absolute: String, chain: [String], files: inout [String], diagnostics: inout [Diagnostic], via: YAMLNode?) -> YAMLNode? {
        let display = packLoader.displayPath(absolute)
        if chain.contains(absolute) {
            diagnostics.append(.error("settlement mapping '\(display)' extends itself through \((chain + [absolute]).map(packLoader.displayPath).joined(separator: " → ")); remove one 'extends'",
                                      at: via?.location, keyPath: "extends", code: "extends-cycle"))
            return nil
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            let message = via == nil ? "cannot read the settlement mapping file '\(display)'; check --mapping"
                : "the settlement mapping '\(display)' named by extends does not exist; the path is relative to the file that extends it, and a bare name is a built-in settlement mapping"
            diagnostics.append(.error(message, at: via?.location ?? SourceLocation(file: display), keyPath: via == nil ? nil : "extends", code: "mapping-not-found"))
            return nil
        }
        let tree: YAMLNode
        switch YAMLTreeReader.read(text: String(decoding: data, as: UTF8.self), displayPath: display) {
        case .failure(let error): diagnostics.append(error); return nil
        case .success(nil): diagnostics.append(.error("the settlement mapping file '\(display)' is empty", at: SourceLocation(file: display), code: "empty-mapping")); return nil
        case .success(let node?): tree = node
        }
        guard let extendsNode = tree["extends"], !extendsNode.isNull else {
            files.append(display)
            return tree
        }
        guard let relative = extendsNode.scalar, !relative.isEmpty else {
            diagnostics.append(.error("'extends' must be the path of another settlement mapping file or a built-in name, found \(extendsNode.describedForMessage)",
                                      at: extendsNode.location, keyPath: "extends", code: "invalid-type"))
            return nil
        }
        let basePath: String
        if Self.isBuiltinName(relative) {
            guard let builtinDirectory else {
                diagnostics.append(.error("'extends: \(relative)' names a built-in settlement mapping, but the built-in settlement mappings (rules/settlements) were not found; give a path instead",
                                          at: extendsNode.location, keyPath: "extends", code: "mapping-not-found"))
                return nil
            }
            let known = ((try? FileManager.default.contentsOfDirectory(atPath: builtinDirectory)) ?? []).filter { $0.hasSuffix(".yaml") }
                .map { ($0 as NSString).deletingPathExtension }.sorted()
            guard known.contains(relative) else {
                diagnostics.append(.error("'extends: \(relative)' is not a built-in settlement mapping; the built-in ones are \(known.joined(separator: ", "))",
                                          at: extendsNode.location, keyPath: "extends", suggestion: Suggest.closest(to: relative, in: known), code: "mapping-not-found"))
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

    /// Top-level keys replace the base's, except `fields`, `columns` and `fee_rows`, which replace entry by entry: a client
    /// mapping changes one column and keeps the rest. `fees` and `skip_rows` are lists and replace the base's whole.
    static func overlay(base: YAMLNode, with top: YAMLNode) -> YAMLNode {
        guard var merged = base.pairs, let overlay = top.pairs else { return top }
        for pair in overlay {
            guard let key = pair.key.scalar, key != "extends" else { continue }
            guard let index = merged.firstIndex(where: { $0.key.scalar == key }) else { merged.append(pair); continue }
            if ["fields", "columns", "fee_rows"].contains(key), var entries = merged[index].value.pairs, let overrides = pair.value.pairs {
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

    // MARK: Validation

    private enum Kind { case text, money, date }

    private func validate(_ root: YAMLNode, files: [String], reader: NodeReader) -> SettlementMapping? {
        guard let top = reader.mapping(root, "", known: Self.topKeys) else { return nil }
        var name = "", description: String?
        var channel: Channel?
        var sheet: String?
        var headerSearchRows = 30, skipRowsAfterHeader = 0
        var dateFormats: [DatePattern] = []
        var currencyMarks = ["RM", "MYR"]
        var combine = SettlementCombine.sum
        var fieldNodes: YAMLNode?, columnNodes: YAMLNode?, feeNodes: YAMLNode?, feeRowNodes: YAMLNode?, skipNode: YAMLNode?
        var keyNodes: [String: YAMLNode] = [:]
        for (key, keyNode, value) in top {
            keyNodes[key] = keyNode
            switch key {
            case "mapping":
                if let entries = reader.mapping(value, "mapping", known: ["name", "description"]) {
                    for (k, _, v) in entries {
                        if k == "name" { name = reader.string(v, "mapping.name") ?? "" } else { description = reader.string(v, "mapping.description") }
                    }
                }
            case "extends": break
            case "channel":
                if let text = reader.string(value, "channel") {
                    if let found = Channel(rawValue: text) { channel = found } else {
                        reader.error("'\(text)' is not a channel; use one of \(Channel.allCases.map(\.rawValue).joined(separator: ", "))", at: value, "channel",
                                     code: "invalid-value", suggestion: Suggest.closest(to: text, in: Channel.allCases.map(\.rawValue)))
                    }
                }
            case "sheet": sheet = reader.string(value, "sheet")
            case "header_search_rows": headerSearchRows = reader.integer(value, "header_search_rows", in: 1...1000) ?? 30
            case "skip_rows_after_header": skipRowsAfterHeader = reader.integer(value, "skip_rows_after_header", in: 0...100) ?? 0
            case "date_formats":
                let items = value.items ?? (value.scalar != nil ? [value] : nil)
                guard let items else { reader.error("'date_formats' must be a list of layouts like \"dd/MM/yyyy\"", at: value, "date_formats", code: "invalid-type"); break }
                for (index, item) in items.enumerated() {
                    guard let text = reader.string(item, "date_formats[\(index)]") else { continue }
                    if let pattern = DatePattern(text) { dateFormats.append(pattern) } else {
                        reader.error("'\(text)' is not a date layout; use yyyy, MM, M or MMM, dd or d, HH or H, mm, ss, Z and literal separators, e.g. \"dd/MM/yyyy\"",
                                     at: item, "date_formats[\(index)]", code: "invalid-value")
                    }
                }
            case "currency_marks":
                if let items = reader.sequence(value, "currency_marks") { currencyMarks = items.enumerated().compactMap { reader.string($1, "currency_marks[\($0)]") } }
            case "combine":
                if let text = reader.choice(value, "combine", ["sum", "reject"]) { combine = SettlementCombine(rawValue: text) ?? .sum }
            case "columns": columnNodes = value
            case "fields": fieldNodes = value
            case "fees": feeNodes = value
            case "fee_rows": feeRowNodes = value
            case "skip_rows": skipNode = value
            default: break
            }
        }
        if name.isEmpty { name = files.last.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "settlement" }
        if channel == nil && keyNodes["channel"] == nil {
            reader.error("a settlement mapping needs 'channel': the channel whose orders the report pays (shopify, zalora, woocommerce …)", at: root, "channel", code: "missing-key")
        }

        // Named columns first: formulas and row conditions may read them.
        var columns: [ImportNamedColumn] = []
        if let columnNodes, let entries = reader.mapping(columnNodes, "columns", what: "a mapping of names to columns") {
            for (columnName, keyNode, value) in entries {
                let path = "columns.\(columnName)"
                guard ImportMappingLoader.isName(columnName), !columnName.contains(".") else {
                    reader.error("'\(columnName)' cannot name a column; use letters, digits and _ (no dots)", at: keyNode, path, code: "invalid-value")
                    continue
                }
                if Self.reservedNames.contains(columnName) {
                    reader.error("'\(columnName)' is the name of a field, which formulas and row conditions already read; name the column otherwise", at: keyNode, path, code: "invalid-value")
                    continue
                }
                if let column = namedColumn(columnName, value, path, reader: reader) { columns.append(column) }
            }
        }

        // Fields.
        var order: SettlementOrderReference?
        var payoutDate: SettlementValue?, payoutReference: SettlementValue?, currency: SettlementValue?
        var amounts: [SettlementAmountField: SettlementValue] = [:]
        var formulas: [(target: String, node: YAMLNode, text: String)] = []
        var fieldKeyNodes: [String: YAMLNode] = [:]
        if let fieldNodes, let entries = reader.mapping(fieldNodes, "fields", known: SettlementMapping.fieldKeys, what: "a mapping of settlement fields to columns") {
            for (key, keyNode, value) in entries {
                let path = "fields.\(key)"
                fieldKeyNodes[key] = keyNode
                switch key {
                case "order":
                    order = orderReference(value, path, reader: reader)
                case "payout_date":
                    payoutDate = source(value, path, kind: .date, allowFixed: true, reader: reader)?.value
                case "payout_reference":
                    payoutReference = source(value, path, kind: .text, allowFixed: true, reader: reader)?.value
                case "currency":
                    currency = source(value, path, kind: .text, allowFixed: true, reader: reader)?.value
                    if case .fixed(let text)? = currency, !(text.count == 3 && text.allSatisfy { $0.isASCII && $0.isUppercase }) {
                        reader.error("'\(text)' is not a currency code; write three capital letters such as MYR or SGD", at: value, path, code: "invalid-value")
                    }
                default:
                    guard let field = SettlementAmountField(rawValue: key) else { break }
                    if let spec = source(value, path, kind: .money, allowFixed: true, allowFormula: true, reader: reader) {
                        if case .formula(let text) = spec { formulas.append((path, value["formula"] ?? value, text)) } else { amounts[field] = spec.value }
                    }
                }
            }
        }
        if order == nil && !reader.diagnostics.contains(where: { $0.keyPath?.hasPrefix("fields.order") == true }) {
            reader.error("'fields' lacks 'order': the column holding each row's order reference (Shopify's Order, a marketplace's order number)", at: fieldNodes ?? root, "fields.order", code: "missing-field")
        }
        if payoutDate == nil && !reader.diagnostics.contains(where: { $0.keyPath?.hasPrefix("fields.payout_date") == true }) {
            reader.error("'fields' lacks 'payout_date': the column holding the day the money was paid out (the receipt's date)", at: fieldNodes ?? root, "fields.payout_date", code: "missing-field")
        }

        // Fees: a list of columns (one row per order), or fee rows (one row per fee).
        var fees: [SettlementMappedFee] = []
        if let feeNodes, let items = reader.sequence(feeNodes, "fees") {
            for (index, item) in items.enumerated() {
                let path = "fees[\(index)]"
                guard item.pairs != nil else {
                    reader.error("'\(path)' must be a mapping such as {kind: transaction, column: Fee}", at: item, path, code: "invalid-type")
                    continue
                }
                var kind: String?, feeName: String?
                for pair in item.pairs ?? [] {
                    switch pair.key.scalar {
                    case "kind": kind = reader.choice(pair.value, "\(path).kind", Self.feeKindChoices)
                    case "name": feeName = reader.string(pair.value, "\(path).name")
                    default: break
                    }
                }
                if item["kind"] == nil { reader.error("'\(path)' needs 'kind': one of \(Self.feeKindChoices.joined(separator: ", "))", at: item, "\(path).kind", code: "missing-key") }
                guard let parsed = source(item, path, kind: .money, allowFixed: true, allowFormula: true, extraKeys: ["kind", "name"], reader: reader), let kind else { continue }
                if case .formula(let text) = parsed { formulas.append((path, item["formula"] ?? item, text)) }
                // A formula's placeholder until every name is known.
                fees.append(SettlementMappedFee(kind: kind, name: feeName, value: parsed.value ?? .fixed("0.00"), location: item.location))
            }
        }
        var feeRows: SettlementFeeRows?
        if let feeRowNodes { feeRows = self.feeRows(feeRowNodes, reader: reader) }
        if feeRowNodes != nil {
            for field in SettlementAmountField.allCases {
                if let node = fieldKeyNodes[field.rawValue] {
                    reader.error("'fields.\(field.rawValue)' and 'fee_rows' do not go together: with one row per fee, the fee names say what is item revenue and shipping, and the payout is their sum",
                                 at: node, "fields.\(field.rawValue)", code: "invalid-value")
                }
            }
            if let node = keyNodes["fees"] {
                reader.error("'fees' and 'fee_rows' do not go together: list the fee names under fee_rows.fees", at: node, "fees", code: "invalid-value")
            }
        } else if fieldKeyNodes["gross"] == nil && fieldNodes != nil {
            reader.error("'fields' lacks 'gross': the column holding each row's item revenue (or give 'fee_rows' for a report with one row per fee)", at: fieldNodes, "fields.gross", code: "missing-field")
        }

        // Formulas and row conditions are checked even when a required key is missing, so every problem shows at once.
        let noColumn = ImportCells(choices: [], joins: false, negate: false, combine: .same)
        var mapping = SettlementMapping(name: name, description: description, files: files, channel: channel ?? .other, sheet: sheet,
                                        headerSearchRows: headerSearchRows, skipRowsAfterHeader: skipRowsAfterHeader, dateFormats: dateFormats,
                                        currencyMarks: currencyMarks, order: order ?? SettlementOrderReference(cells: noColumn, matches: .orderNumber, stripPrefixes: []),
                                        payoutDate: payoutDate ?? .cells(noColumn), payoutReference: payoutReference, currency: currency, amounts: amounts, fees: fees,
                                        feeRows: feeRows, columns: columns, skipRows: [], combine: combine, rowScope: [])

        // Formulas read named money columns and the amount fields fed by a column or a fixed value.
        for (target, node, text) in formulas {
            guard let formula = compileFormula(text, node: node, "\(target).formula", mapping: mapping, reader: reader) else { continue }
            if target.hasPrefix("fields."), let field = SettlementAmountField(rawValue: String(target.dropFirst("fields.".count))) {
                mapping.amounts[field] = .formula(formula)
            } else if let index = Int(target.dropFirst("fees[".count).dropLast()), index < mapping.fees.count {
                mapping.fees[index].value = .formula(formula)
            }
        }

        // Row conditions read each value's text as row.<key>.
        mapping.rowScope = mapping.slots.filter { !$0.key.hasPrefix("fees[") }.map { ("row.\($0.key)", $0.key) }
        if let skipNode {
            let items: [YAMLNode] = skipNode.items ?? [skipNode]
            let scope = ExpressionScope(mapping.rowScope.map {
                ExprVariable(name: $0.variable, type: .string, summary: "the row's text in the column of \($0.source); missing when blank")
            })
            for (index, item) in items.enumerated() {
                let path = skipNode.items == nil ? "skip_rows" : "skip_rows[\(index)]"
                var conditionNode: YAMLNode? = item
                var warning: String?
                if item.pairs != nil {
                    guard let entries = reader.mapping(item, path, known: ["when", "warn"], what: "a condition, or a mapping with when and warn") else { continue }
                    conditionNode = nil
                    for (key, _, value) in entries {
                        if key == "when" { conditionNode = value } else { warning = reader.string(value, "\(path).warn") }
                    }
                    if conditionNode == nil { reader.error("'\(path)' needs 'when': a condition over row.<name>", at: item, "\(path).when", code: "missing-key"); continue }
                }
                guard let conditionNode, let text = reader.string(conditionNode, item.pairs == nil ? path : "\(path).when") else { continue }
                let start = conditionNode.location.advanced(byColumns: ImportMappingLoader.quoteOffset(conditionNode))
                switch ExpressionCompiler.compile(text, at: start, keyPath: item.pairs == nil ? path : "\(path).when", scope: scope) {
                case .success(let compiled):
                    mapping.skipRows.append(SettlementSkipRule(condition: compiled, source: text, warning: warning, location: conditionNode.location))
                case .failure(let problems): reader.diagnostics += problems
                }
            }
        }
        guard order != nil, payoutDate != nil, channel != nil else { return nil }
        return mapping
    }

    static let feeKindChoices = SettlementMapping.feeKinds
    static let reservedNames: Set<String> = Set(SettlementMapping.fieldKeys + ["fee_name", "fee_amount"])

    private func orderReference(_ node: YAMLNode, _ path: String, reader: NodeReader) -> SettlementOrderReference? {
        var matches = SettlementOrderKey.orderNumber
        var prefixes: [String] = []
        for pair in node.pairs ?? [] {
            switch pair.key.scalar {
            case "matches":
                if let text = reader.choice(pair.value, "\(path).matches", SettlementOrderKey.allCases.map(\.rawValue)) { matches = SettlementOrderKey(rawValue: text) ?? .orderNumber }
            case "strip_prefix":
                let items = pair.value.items ?? [pair.value]
                for (index, item) in items.enumerated() {
                    guard let text = reader.string(item, pair.value.items == nil ? "\(path).strip_prefix" : "\(path).strip_prefix[\(index)]") else { continue }
                    if text.isEmpty { reader.error("'\(path).strip_prefix' is empty; remove it or give the text to take off, such as \"#\"", at: item, "\(path).strip_prefix", code: "invalid-value") }
                    else { prefixes.append(text) }
                }
            default: break
            }
        }
        if node.pairs?.contains(where: { $0.key.scalar == "value" }) == true {
            reader.error("'\(path)' differs per row; map it to the report's column", at: node, path, code: "invalid-value")
            return nil
        }
        guard case .cells(let cells)? = source(node, path, kind: .text, allowFixed: false, extraKeys: ["matches", "strip_prefix"], reader: reader) else { return nil }
        if cells.choices.allSatisfy(\.isOptional) {
            reader.error("'\(path)' is needed on every row, so its column cannot be optional", at: node, path, code: "invalid-value")
        }
        return SettlementOrderReference(cells: cells, matches: matches, stripPrefixes: prefixes)
    }

    private func feeRows(_ node: YAMLNode, reader: NodeReader) -> SettlementFeeRows? {
        let known = ["name", "amount", "gross", "buyer_shipping", "platform_shipping", "fees", "unknown"]
        guard let entries = reader.mapping(node, "fee_rows", known: known, what: "a mapping with name, amount, gross and fees") else { return nil }
        var nameCells: ImportCells?, amountCells: ImportCells?
        var meanings: [String: SettlementFeeRowMeaning] = [:]
        var firstListed: [String: String] = [:]
        var names: [String] = []
        var unknown = SettlementUnknownFee.other
        func list(_ value: YAMLNode, _ path: String, _ meaning: SettlementFeeRowMeaning) {
            guard let items = reader.sequence(value, path) else { return }
            for (index, item) in items.enumerated() {
                guard let text = reader.string(item, "\(path)[\(index)]") else { continue }
                let key = ImportMappingLoader.normalize(text)
                if let earlier = firstListed[key] {
                    reader.error("fee name '\(text)' is listed under both \(earlier) and \(path); a fee row means one thing", at: item, "\(path)[\(index)]", code: "invalid-value")
                    continue
                }
                firstListed[key] = path
                meanings[key] = meaning
                names.append(text)
            }
        }
        for (key, _, value) in entries {
            let path = "fee_rows.\(key)"
            switch key {
            case "name":
                if case .cells(let cells)? = source(value, path, kind: .text, allowFixed: false, reader: reader) { nameCells = cells }
            case "amount":
                if case .cells(let cells)? = source(value, path, kind: .money, allowFixed: false, reader: reader) { amountCells = cells }
            case "gross": list(value, path, .gross)
            case "buyer_shipping": list(value, path, .buyerShipping)
            case "platform_shipping": list(value, path, .platformShipping)
            case "fees":
                guard let kinds = reader.mapping(value, path, known: Self.feeKindChoices, what: "a mapping of fee kinds to fee names") else { continue }
                for (kind, _, names) in kinds { list(names, "\(path).\(kind)", .fee(kind)) }
            case "unknown":
                if let text = reader.choice(value, path, ["other", "error"]) { unknown = SettlementUnknownFee(rawValue: text) ?? .other }
            default: break
            }
        }
        for (key, what) in [("name", "the column naming what each row's amount is (Fee Name, Transaction Type)"), ("amount", "the column holding each row's amount")]
        where !entries.contains(where: { $0.key == key }) {
            reader.error("'fee_rows' lacks '\(key)': \(what)", at: node, "fee_rows.\(key)", code: "missing-key")
        }
        if !meanings.values.contains(.gross) && entries.contains(where: { $0.key == "name" }) {
            reader.error("'fee_rows' lists no 'gross' fee name: the rows that are the item revenue (Item Price Credit …)", at: node, "fee_rows.gross", code: "missing-key")
        }
        guard let nameCells, let amountCells else { return nil }
        return SettlementFeeRows(name: nameCells, amount: amountCells, meanings: meanings, names: names, unknown: unknown)
    }

    private func namedColumn(_ name: String, _ node: YAMLNode, _ path: String, reader: NodeReader) -> ImportNamedColumn? {
        var kind = ImportFieldKind.money
        for pair in node.pairs ?? [] where pair.key.scalar == "type" {
            if let text = reader.choice(pair.value, "\(path).type", ["money", "text"]) { kind = text == "text" ? .text : .money }
        }
        if node.pairs?.contains(where: { $0.key.scalar == "value" || $0.key.scalar == "formula" }) == true {
            reader.error("'\(path)' must name a column; a fixed value can be written in the formula itself", at: node, path, code: "invalid-value")
            return nil
        }
        guard case .cells(let cells)? = source(node, path, kind: kind == .text ? .text : .money, allowFixed: false, extraKeys: ["type"], reader: reader) else { return nil }
        return ImportNamedColumn(name: name, cells: cells, kind: kind, isLine: true)
    }

    /// `"Header"`, `{column: Header, aliases: [...], optional: true, negative: true}`, `{first_of: [A, B]}`, `{value: …}` or
    /// `{formula: "…"}`. A formula comes back as a placeholder holding only its text, compiled once every name is known.
    private enum Spec {
        case cells(ImportCells), fixed(String), formula(String)

        var value: SettlementValue? {
            switch self {
            case .cells(let cells): return .cells(cells)
            case .fixed(let text): return .fixed(text)
            case .formula: return nil
            }
        }
    }

    private func source(_ node: YAMLNode, _ path: String, kind: Kind, allowFixed: Bool, allowFormula: Bool = false, extraKeys: [String] = [],
                        reader: NodeReader) -> Spec? {
        if let text = node.scalar, !node.isNull {
            guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { reader.error("'\(path)' names an empty column header", at: node, path, code: "invalid-value"); return nil }
            return .cells(ImportCells(choices: [ImportColumn(headers: [text], isOptional: false, location: node.location)], joins: false, negate: false, combine: .same))
        }
        let known = ["column", "aliases", "first_of", "optional", "negative"] + (allowFixed ? ["value"] : []) + (allowFormula ? ["formula"] : []) + extraKeys
        let what = "a column header or a mapping with column, first_of\(allowFixed ? ", value" : "")\(allowFormula ? " or formula" : "")"
        guard let entries = reader.mapping(node, path, known: known, what: what) else { return nil }
        var headers: [String] = []
        var firstOf: [ImportColumn] = []
        var optional = false, negate = false
        var fixed: String?, formula: String?
        var columnOption: YAMLNode?
        for (key, _, value) in entries {
            switch key {
            case "column": if let text = reader.string(value, "\(path).column") { headers.insert(text, at: 0) }
            case "aliases":
                columnOption = value
                if let items = reader.sequence(value, "\(path).aliases") { headers += items.enumerated().compactMap { reader.string($1, "\(path).aliases[\($0)]") } }
            case "first_of":
                if let items = reader.sequence(value, "\(path).first_of") {
                    for (index, item) in items.enumerated() {
                        if let text = reader.string(item, "\(path).first_of[\(index)]") { firstOf.append(ImportColumn(headers: [text], isOptional: false, location: item.location)) }
                    }
                    if items.count < 2 { reader.error("'\(path).first_of' lists two or more columns", at: value, "\(path).first_of", code: "invalid-value") }
                }
            case "optional": columnOption = value; optional = reader.bool(value, "\(path).optional") ?? false
            case "negative":
                columnOption = value
                negate = reader.bool(value, "\(path).negative") ?? false
                if negate && kind != .money { reader.error("'\(path).negative' applies to amounts only", at: value, "\(path).negative", code: "invalid-value") }
            case "value": fixed = reader.optionalString(value, "\(path).value")
            case "formula":
                formula = reader.string(value, "\(path).formula")
                if formula != nil && kind != .money { reader.error("'\(path)' is not an amount; formulas compute amounts only", at: value, "\(path).formula", code: "invalid-value") }
            default: break
            }
        }
        let hasColumn = entries.contains { $0.key == "column" }
        let hasFirstOf = entries.contains { $0.key == "first_of" }
        let chosen = [hasColumn, hasFirstOf, fixed != nil, formula != nil].filter { $0 }.count
        if chosen != 1 {
            let options = ["column", "first_of"] + (allowFixed ? ["value"] : []) + (allowFormula ? ["formula"] : [])
            reader.error("'\(path)' must give exactly one of \(options.dropLast().joined(separator: ", ")) or \(options.last!)", at: node, path, code: "invalid-value")
            return nil
        }
        if fixed != nil || formula != nil, let columnOption {
            reader.error("'\(path)': aliases, optional and negative belong with a column", at: columnOption, path, code: "invalid-value")
        }
        if let fixed {
            switch kind {
            case .money:
                guard Money(parsing: fixed) != nil else { reader.error("'\(fixed)' is not an amount like 12.50", at: node["value"] ?? node, path, code: "invalid-value"); return nil }
            case .date:
                guard CalendarDate(parsing: fixed) != nil else { reader.error("'\(fixed)' is not a date like 2025-09-30", at: node["value"] ?? node, path, code: "invalid-value"); return nil }
            case .text:
                break
            }
            return .fixed(fixed)
        }
        if let formula { return .formula(formula) }
        let choices = hasColumn ? [ImportColumn(headers: headers, isOptional: optional, location: node.location)]
                                : firstOf.map { ImportColumn(headers: $0.headers, isOptional: optional, location: $0.location) }
        guard !choices.isEmpty else { return nil }
        return .cells(ImportCells(choices: choices, joins: false, negate: negate, combine: .same))
    }

    /// Compiles a formula in the rule expression language over the row's named money columns and the amount fields fed by
    /// a column or a fixed value.
    private func compileFormula(_ text: String, node: YAMLNode, _ path: String, mapping: SettlementMapping, reader: NodeReader) -> ImportFormula? {
        var names: [String] = []
        for column in mapping.columns where column.kind != .text { names.append(column.name) }
        for field in SettlementAmountField.allCases {
            switch mapping.amounts[field] {
            case .cells?, .fixed?: names.append(field.rawValue)
            default: break
            }
        }
        let variables = names.map { ExprVariable(name: $0, type: .number, summary: "the row's \($0)") }
        let start = node.location.advanced(byColumns: ImportMappingLoader.quoteOffset(node))
        switch ExpressionCompiler.compileNumber(text, at: start, keyPath: path, scope: ExpressionScope(variables)) {
        case .success(let compiled): return ImportFormula(source: text, names: names, compiled: compiled)
        case .failure(let problems): reader.diagnostics += problems; return nil
        }
    }
}
