import Foundation
import LedgerCore
import GuardedYAML
import Yams

/// The master data a sandbox starts with: what the tenant's SQL Account database would already hold.
///
/// Seed file format (YAML; every list is optional, every entry of a code list may be a plain code or a mapping):
///
/// ```yaml
/// company: Acme Living Sdn Bhd          # shown by GET /profile
/// version: "5.2025.1038.875"            # shown by GET /version
/// customers:
///   - {code: 300-C0001, companyname: CASH SALES}            # currency defaults to "----" (base)
///   - {code: 300-S0002, companyname: Shopee SG, currency: SGD}
///   - {code: 300-B0001, companyname: Nexus, tin: C20880050010, idtype: 3, idno: "201901012345"}  # Tax tab (e-invoice)
/// stock_items:
///   - {code: TBL-001, description: Round Coffee Table}      # uoms default to [UNIT]
///   - code: MUG-01
///     description: Stoneware Mug
///     uoms: [{uom: PCS, rate: 1}, {uom: BOX, rate: 6}]
///     default_uom: PCS                                      # defaults to the first UOM
/// agents: ["----", {code: KA-01, description: Key accounts}]
/// projects: ["----", SHOPEE]
/// areas: ["----", SG]
/// terms: ["----", C.O.D., 30 DAYS]
/// locations: ["----", PJ-WH]
/// tax_codes: [{code: ST5, rate: 5%}]
/// accounts: [{code: 500-000, description: Sales}]
/// payment_methods: [{code: 310-SHP, description: Shopee wallet}]
/// stock_groups: [DEFAULT, {code: ECOM, description: E-commerce items}]   # what POST /stockitem's stockgroup may name
/// currencies: [{code: "----", description: Ringgit Malaysia, base: true}, {code: SGD, rate: "3.1250"}]
/// suppliers:                                                # GET /supplier; what a purchase document's code names
///   - {code: 400-A0001, companyname: CANDLE CRAFT SDN BHD}  # currency defaults to "----" (base)
/// purchase_orders:                                          # stored as purchaseorder documents when the sandbox starts
///   - docno: PO-00001                                       # required: a restart with a state file holding it keeps that one
///     docdate: 2025-09-01
///     code: 400-A0001                                       # a supplier above
///     description: Candles for the showroom
///     docref1: SUP-REF-1                                    # optional, like project
///     lines:
///       - {itemcode: CANDLE-01, qty: 2, uom: CTN, unitprice: "120.00", location: PJ-WH}  # uom: one of the item's
///       - {itemcode: MUG-01, qty: 10, unitprice: "8.50", description: Mugs}             # (default: its default_uom)
/// ```
///
/// A seeded purchase order is saved through the same checks as `POST /purchaseorder`, with `lastmodified` at midnight
/// UTC of its docdate (so it reads the same on every start). A state file that already holds its docno keeps its
/// copy (with whatever was received against it).
public struct SandboxSeed: Sendable, Equatable {
    public struct Customer: Sendable, Equatable {
        public var code: String
        public var companyName: String
        /// `----` is the base currency.
        public var currency: String
        /// The Tax tab's e-invoice identity, which SQL Account puts on an e-invoice that does not carry its own.
        public var tin: String?
        public var idType: Int?
        public var idValue: String?

        public init(code: String, companyName: String, currency: String = "----", tin: String? = nil, idType: Int? = nil, idValue: String? = nil) {
            self.code = code
            self.companyName = companyName
            self.currency = currency
            self.tin = tin
            self.idType = idType
            self.idValue = idValue
        }
    }

    public struct UOM: Sendable, Equatable {
        public var code: String
        /// How many base units one of this UOM holds, as decimal text (`"1"`, `"6"`).
        public var rate: String

        public init(code: String, rate: String = "1") {
            self.code = code
            self.rate = rate
        }
    }

    public struct StockItem: Sendable, Equatable {
        public var code: String
        public var description: String
        public var uoms: [UOM]
        public var defaultUOM: String

        public init(code: String, description: String = "", uoms: [UOM] = [UOM(code: "UNIT")], defaultUOM: String? = nil) {
            self.code = code
            self.description = description
            self.uoms = uoms
            self.defaultUOM = defaultUOM ?? uoms.first?.code ?? "UNIT"
        }
    }

    /// A master known only by its code and a description (agent, project, area, terms, location, account,
    /// payment method).
    public struct Entry: Sendable, Equatable {
        public var code: String
        public var description: String

        public init(code: String, description: String = "") {
            self.code = code
            self.description = description
        }
    }

    public struct TaxCode: Sendable, Equatable {
        public var code: String
        public var rate: Rate
        public var description: String

        public init(code: String, rate: Rate, description: String = "") {
            self.code = code
            self.rate = rate
            self.description = description
        }
    }

    /// A supplier (`AP_SUPPLIER`): what a purchase order's or goods received note's `code` names.
    public struct Supplier: Sendable, Equatable {
        public var code: String
        public var companyName: String
        /// `----` is the base currency.
        public var currency: String

        public init(code: String, companyName: String, currency: String = "----") {
            self.code = code
            self.companyName = companyName
            self.currency = currency
        }
    }

    /// A purchase order the sandbox starts with (`purchase_orders:`), as `POST /purchaseorder` would take it.
    public struct PurchaseOrder: Sendable, Equatable {
        public struct Line: Sendable, Equatable {
            public var itemcode: String
            /// Decimal text, in `uom`.
            public var qty: String
            /// nil: the item's default UOM.
            public var uom: String?
            /// Decimal text, per `uom`.
            public var unitprice: String
            public var location: String?
            public var description: String?

            public init(itemcode: String, qty: String, uom: String? = nil, unitprice: String, location: String? = nil,
                        description: String? = nil) {
                self.itemcode = itemcode
                self.qty = qty
                self.uom = uom
                self.unitprice = unitprice
                self.location = location
                self.description = description
            }
        }

        public var docno: String
        public var docdate: String
        /// The supplier.
        public var code: String
        public var description: String
        public var docref1: String?
        public var project: String?
        public var lines: [Line]

        public init(docno: String, docdate: String, code: String, description: String = "", docref1: String? = nil,
                    project: String? = nil, lines: [Line]) {
            self.docno = docno
            self.docdate = docdate
            self.code = code
            self.description = description
            self.docref1 = docref1
            self.project = project
            self.lines = lines
        }
    }

    public struct Currency: Sendable, Equatable {
        public var code: String
        public var description: String
        /// Units of base currency per unit, as decimal text; nil for the base currency.
        public var rate: String?
        public var isBase: Bool

        public init(code: String, description: String = "", rate: String? = nil, isBase: Bool = false) {
            self.code = code
            self.description = description
            self.rate = rate
            self.isBase = isBase
        }
    }

    public var company: String
    public var version: String
    public var customers: [Customer]
    public var stockItems: [StockItem]
    public var agents: [Entry]
    public var projects: [Entry]
    public var areas: [Entry]
    public var terms: [Entry]
    public var locations: [Entry]
    public var taxCodes: [TaxCode]
    public var accounts: [Entry]
    public var paymentMethods: [Entry]
    public var currencies: [Currency]
    /// Stock groups (`ST_GROUP`), which hold an item's sales and purchase GL accounts: what a created stock item's
    /// `stockgroup` may name.
    public var stockGroups: [Entry]
    public var suppliers: [Supplier]
    /// Stored as `purchaseorder` documents when the sandbox starts (issue 16: purchase orders to receive against).
    public var purchaseOrders: [PurchaseOrder]

    public static let defaultVersion = "5.2025.1038.875"

    public init(company: String = "Sandbox Company", version: String = SandboxSeed.defaultVersion,
                customers: [Customer] = [], stockItems: [StockItem] = [], agents: [Entry] = [],
                projects: [Entry] = [], areas: [Entry] = [], terms: [Entry] = [], locations: [Entry] = [],
                taxCodes: [TaxCode] = [], accounts: [Entry] = [], paymentMethods: [Entry] = [],
                currencies: [Currency] = [Currency(code: "----", description: "Base currency", isBase: true)],
                stockGroups: [Entry] = [], suppliers: [Supplier] = [], purchaseOrders: [PurchaseOrder] = []) {
        self.company = company
        self.version = version
        self.customers = customers
        self.stockItems = stockItems
        self.agents = agents
        self.projects = projects
        self.areas = areas
        self.terms = terms
        self.locations = locations
        self.taxCodes = taxCodes
        self.accounts = accounts
        self.paymentMethods = paymentMethods
        self.currencies = currencies
        self.stockGroups = stockGroups
        self.suppliers = suppliers
        self.purchaseOrders = purchaseOrders
    }

    /// Reads and validates a seed file. Every problem is reported, each as `file:line:column: error: …`.
    public static func load(path: String) throws -> SandboxSeed {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SandboxSeedError(diagnostics: [
                .error("cannot read the seed file: \(error.localizedDescription)", at: SourceLocation(file: path),
                       code: "seed-unreadable"),
            ])
        }
        return try parse(yaml: text, displayPath: path)
    }

    /// Parses seed YAML; `displayPath` names the file in diagnostics.
    public static func parse(yaml text: String, displayPath: String = "<seed>") throws -> SandboxSeed {
        var reader = SeedReader(file: displayPath)
        let node: Node?
        do {
            node = try GuardedYAMLLoader.compose(yaml: text, displayPath: displayPath)
        } catch let refused as YAMLAliasBudgetExceeded {
            throw SandboxSeedError(diagnostics: [refused.diagnostic])
        } catch let error as YamlError {
            throw SandboxSeedError(diagnostics: [reader.diagnostic(for: error)])
        } catch {
            throw SandboxSeedError(diagnostics: [
                .error("cannot read YAML: \(error)", at: SourceLocation(file: displayPath), code: "yaml-syntax"),
            ])
        }
        let seed = reader.read(node)
        if !reader.diagnostics.isEmpty { throw SandboxSeedError(diagnostics: reader.diagnostics) }
        return seed
    }
}

/// A seed file that cannot be used; every diagnostic names `file:line:column`.
public struct SandboxSeedError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Walks the composed YAML tree, collecting located diagnostics instead of stopping at the first.
private struct SeedReader {
    let file: String
    var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    static let topLevelKeys = ["company", "version", "customers", "stock_items", "agents", "projects", "areas",
                               "terms", "locations", "tax_codes", "accounts", "payment_methods", "currencies", "stock_groups",
                               "suppliers", "purchase_orders"]

    func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    mutating func error(_ message: String, at node: Node, keyPath: String? = nil, suggestion: String? = nil,
                        code: String = "seed-invalid") {
        diagnostics.append(.error(message, at: location(node), keyPath: keyPath, suggestion: suggestion, code: code))
    }

    func diagnostic(for error: YamlError) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text))" }
            return .error(message, at: SourceLocation(file: file, line: mark.line, column: mark.column), code: "yaml-syntax")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error("key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears twice in the same mapping",
                          at: SourceLocation(file: file, line: context.mark.line, column: context.mark.column),
                          code: "duplicate-key")
        default:
            return .error("cannot read YAML: \(error)", at: SourceLocation(file: file), code: "yaml-syntax")
        }
    }

    mutating func read(_ root: Node?) -> SandboxSeed {
        var seed = SandboxSeed()
        guard let root else { return seed }
        guard let pairs = root.mapping else {
            error("the seed file must be a mapping with keys such as customers: and stock_items:", at: root)
            return seed
        }
        var currenciesGiven = false
        // Checked against the suppliers, items, UOMs, locations and projects once every key is read: the keys may
        // come in any order.
        var seededOrders: [SeededOrder] = []
        for (keyNode, value) in pairs {
            let key = keyNode.scalar?.string ?? ""
            switch key {
            case "company": seed.company = scalarText(value, keyPath: key) ?? seed.company
            case "version": seed.version = scalarText(value, keyPath: key) ?? seed.version
            case "customers": seed.customers = readCustomers(value)
            case "stock_items": seed.stockItems = readItems(value)
            case "agents": seed.agents = readEntries(value, keyPath: key)
            case "projects": seed.projects = readEntries(value, keyPath: key)
            case "areas": seed.areas = readEntries(value, keyPath: key)
            case "terms": seed.terms = readEntries(value, keyPath: key)
            case "locations": seed.locations = readEntries(value, keyPath: key)
            case "tax_codes": seed.taxCodes = readTaxCodes(value)
            case "accounts": seed.accounts = readEntries(value, keyPath: key)
            case "payment_methods": seed.paymentMethods = readEntries(value, keyPath: key)
            case "stock_groups": seed.stockGroups = readEntries(value, keyPath: key)
            case "currencies":
                currenciesGiven = true
                seed.currencies = readCurrencies(value)
            case "suppliers": seed.suppliers = readSuppliers(value)
            case "purchase_orders": seededOrders = readPurchaseOrders(value)
            default:
                error("unknown key '\(key)'; the seed file knows \(Self.topLevelKeys.joined(separator: ", "))",
                      at: keyNode, keyPath: key, suggestion: Suggest.closest(to: key, in: Self.topLevelKeys),
                      code: "unknown-key")
            }
        }
        if currenciesGiven, !seed.currencies.contains(where: { $0.code == "----" }) {
            // The base currency always exists in SQL Account.
            seed.currencies.insert(.init(code: "----", description: "Base currency", isBase: true), at: 0)
        }
        seed.purchaseOrders = checkPurchaseOrders(seededOrders, against: seed)
        return seed
    }

    // MARK: Helpers

    mutating func scalarText(_ node: Node, keyPath: String) -> String? {
        guard let scalar = node.scalar else {
            error("\(keyPath) must be a single value, not \(describe(node))", at: node, keyPath: keyPath)
            return nil
        }
        return scalar.string
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// The items of a list, or a diagnostic.
    mutating func sequence(_ node: Node, keyPath: String) -> [Node] {
        if let scalar = node.scalar, scalar.style == .plain, ["", "~", "null"].contains(scalar.string) { return [] }
        guard let items = node.sequence else {
            error("\(keyPath) must be a list, not \(describe(node))", at: node, keyPath: keyPath)
            return []
        }
        return Array(items)
    }

    /// The fields of one entry: a mapping with known keys (scalar values), or a plain scalar taken as `code`.
    mutating func fields(_ node: Node, keyPath: String, known: [String]) -> [String: (String, Node)]? {
        if let scalar = node.scalar {
            return ["code": (scalar.string, node)]
        }
        guard let pairs = node.mapping else {
            error("\(keyPath) must be a code or a mapping, not \(describe(node))", at: node, keyPath: keyPath)
            return nil
        }
        var result: [String: (String, Node)] = [:]
        for (keyNode, value) in pairs {
            let key = keyNode.scalar?.string ?? ""
            guard known.contains(key) else {
                error("unknown key '\(key)'; expected \(known.joined(separator: ", "))", at: keyNode,
                      keyPath: "\(keyPath).\(key)", suggestion: Suggest.closest(to: key, in: known), code: "unknown-key")
                continue
            }
            if key == "uoms" {
                result[key] = ("", value)
                continue
            }
            guard let scalar = value.scalar else {
                error("\(keyPath).\(key) must be a single value, not \(describe(value))", at: value, keyPath: "\(keyPath).\(key)")
                continue
            }
            result[key] = (scalar.string, value)
        }
        return result
    }

    /// The entry's code: present, non-empty, at most `maxLength` characters, and not seen before in this list.
    mutating func code(_ fields: [String: (String, Node)], entry: Node, keyPath: String, maxLength: Int,
                       seen: inout [String: Int]) -> String? {
        guard let (code, node) = fields["code"], !code.isEmpty else {
            error("\(keyPath) has no code", at: entry, keyPath: keyPath)
            return nil
        }
        if code.count > maxLength {
            error("code '\(code)' is longer than \(maxLength) characters", at: node, keyPath: keyPath)
            return nil
        }
        let line = node.mark?.line ?? 0
        if let first = seen[code] {
            error("duplicate code '\(code)' (first at line \(first))", at: node, keyPath: keyPath, code: "duplicate-code")
            return nil
        }
        seen[code] = line
        return code
    }

    mutating func readEntries(_ node: Node, keyPath: String) -> [SandboxSeed.Entry] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.Entry] = []
        for (index, item) in sequence(node, keyPath: keyPath).enumerated() {
            let path = "\(keyPath)[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "description"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 20, seen: &seen) else { continue }
            result.append(.init(code: code, description: fields["description"]?.0 ?? ""))
        }
        return result
    }

    mutating func readCustomers(_ node: Node) -> [SandboxSeed.Customer] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.Customer] = []
        for (index, item) in sequence(node, keyPath: "customers").enumerated() {
            let path = "customers[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "companyname", "currency", "tin", "idtype", "idno"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 10, seen: &seen) else { continue }
            let currency = fields["currency"]?.0 ?? "----"
            result.append(.init(code: code, companyName: fields["companyname"]?.0 ?? code,
                                currency: currency.isEmpty ? "----" : currency, tin: fields["tin"]?.0, idType: fields["idtype"].flatMap { Int($0.0) },
                                idValue: fields["idno"]?.0))
        }
        return result
    }

    mutating func readItems(_ node: Node) -> [SandboxSeed.StockItem] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.StockItem] = []
        for (index, item) in sequence(node, keyPath: "stock_items").enumerated() {
            let path = "stock_items[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "description", "uoms", "default_uom"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 30, seen: &seen) else { continue }
            var uoms: [SandboxSeed.UOM] = []
            if let (_, uomsNode) = fields["uoms"] {
                var seenUOMs: [String: Int] = [:]
                for (uomIndex, uomNode) in sequence(uomsNode, keyPath: "\(path).uoms").enumerated() {
                    let uomPath = "\(path).uoms[\(uomIndex)]"
                    var uomFields: [String: (String, Node)]?
                    if let scalar = uomNode.scalar {
                        uomFields = ["uom": (scalar.string, uomNode)]
                    } else {
                        uomFields = self.fieldsOfUOM(uomNode, keyPath: uomPath)
                    }
                    guard let uomFields else { continue }
                    guard let (uom, uomCodeNode) = uomFields["uom"], !uom.isEmpty else {
                        error("\(uomPath) has no uom", at: uomNode, keyPath: uomPath)
                        continue
                    }
                    if let first = seenUOMs[uom] {
                        error("duplicate UOM '\(uom)' for item '\(code)' (first at line \(first))", at: uomCodeNode,
                              keyPath: uomPath, code: "duplicate-code")
                        continue
                    }
                    seenUOMs[uom] = uomCodeNode.mark?.line ?? 0
                    var rate = "1"
                    if let (rateText, rateNode) = uomFields["rate"] {
                        guard let value = FixedDecimal(parsing: rateText, maxScale: 6), value.units > 0 else {
                            error("UOM rate '\(rateText)' must be a positive number", at: rateNode, keyPath: "\(uomPath).rate")
                            continue
                        }
                        rate = rateText
                    }
                    uoms.append(.init(code: uom, rate: rate))
                }
                if uoms.isEmpty {
                    error("item '\(code)' needs at least one UOM", at: uomsNode, keyPath: "\(path).uoms")
                    continue
                }
            } else {
                uoms = [.init(code: "UNIT")]
            }
            var defaultUOM = uoms[0].code
            if let (text, defaultNode) = fields["default_uom"] {
                guard uoms.contains(where: { $0.code == text }) else {
                    error("default_uom '\(text)' is not one of item '\(code)''s UOMs (\(uoms.map(\.code).joined(separator: ", ")))",
                          at: defaultNode, keyPath: "\(path).default_uom")
                    continue
                }
                defaultUOM = text
            }
            result.append(.init(code: code, description: fields["description"]?.0 ?? "", uoms: uoms, defaultUOM: defaultUOM))
        }
        return result
    }

    mutating func fieldsOfUOM(_ node: Node, keyPath: String) -> [String: (String, Node)]? {
        guard let pairs = node.mapping else {
            error("\(keyPath) must be a UOM code or {uom: …, rate: …}, not \(describe(node))", at: node, keyPath: keyPath)
            return nil
        }
        var result: [String: (String, Node)] = [:]
        for (keyNode, value) in pairs {
            let key = keyNode.scalar?.string ?? ""
            guard ["uom", "rate"].contains(key) else {
                error("unknown key '\(key)'; expected uom, rate", at: keyNode, keyPath: "\(keyPath).\(key)",
                      suggestion: Suggest.closest(to: key, in: ["uom", "rate"]), code: "unknown-key")
                continue
            }
            guard let scalar = value.scalar else {
                error("\(keyPath).\(key) must be a single value", at: value, keyPath: "\(keyPath).\(key)")
                continue
            }
            result[key] = (scalar.string, value)
        }
        return result
    }

    mutating func readTaxCodes(_ node: Node) -> [SandboxSeed.TaxCode] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.TaxCode] = []
        for (index, item) in sequence(node, keyPath: "tax_codes").enumerated() {
            let path = "tax_codes[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "rate", "description"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 10, seen: &seen) else { continue }
            guard let (rateText, rateNode) = fields["rate"] else {
                error("tax code '\(code)' has no rate (e.g. rate: 6%)", at: item, keyPath: "\(path).rate")
                continue
            }
            guard let rate = Rate(parsing: rateText) else {
                error("tax rate '\(rateText)' is not a percentage such as 6% or 8.5%", at: rateNode, keyPath: "\(path).rate")
                continue
            }
            result.append(.init(code: code, rate: rate, description: fields["description"]?.0 ?? ""))
        }
        return result
    }

    mutating func readCurrencies(_ node: Node) -> [SandboxSeed.Currency] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.Currency] = []
        for (index, item) in sequence(node, keyPath: "currencies").enumerated() {
            let path = "currencies[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "description", "rate", "base"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 10, seen: &seen) else { continue }
            var rate: String?
            if let (text, rateNode) = fields["rate"] {
                guard let value = FixedDecimal(parsing: text, maxScale: 6), value.units > 0 else {
                    error("currency rate '\(text)' must be a positive number", at: rateNode, keyPath: "\(path).rate")
                    continue
                }
                rate = text
            }
            var isBase = code == "----"
            if let (text, baseNode) = fields["base"] {
                switch text {
                case "true", "yes": isBase = true
                case "false", "no": isBase = false
                default:
                    error("base must be true or false, not '\(text)'", at: baseNode, keyPath: "\(path).base")
                    continue
                }
            }
            result.append(.init(code: code, description: fields["description"]?.0 ?? "", rate: rate, isBase: isBase))
        }
        return result
    }
}

// MARK: Suppliers and purchase orders

/// A purchase order as read, with the nodes its references were read from, so the checks made once the whole file
/// is read (the supplier, items, UOMs and locations may come later in it) point at the right line.
private struct SeededOrder {
    struct Line {
        var value: SandboxSeed.PurchaseOrder.Line
        var path: String
        var entry: Node
        var nodes: [String: Node]
    }

    var value: SandboxSeed.PurchaseOrder
    /// Whether it read without a diagnostic (its references are checked all the same).
    var valid: Bool
    var path: String
    var entry: Node
    var nodes: [String: Node]
    var lines: [Line]
}

extension SeedReader {
    mutating func readSuppliers(_ node: Node) -> [SandboxSeed.Supplier] {
        var seen: [String: Int] = [:]
        var result: [SandboxSeed.Supplier] = []
        for (index, item) in sequence(node, keyPath: "suppliers").enumerated() {
            let path = "suppliers[\(index)]"
            guard let fields = fields(item, keyPath: path, known: ["code", "companyname", "currency"]),
                  let code = code(fields, entry: item, keyPath: path, maxLength: 10, seen: &seen) else { continue }
            let currency = fields["currency"]?.0 ?? "----"
            result.append(.init(code: code, companyName: fields["companyname"]?.0 ?? code,
                                currency: currency.isEmpty ? "----" : currency))
        }
        return result
    }

    /// The scalar fields of a mapping with `known` keys; `lines` (the one list) is handed back as its node.
    mutating func mapping(_ node: Node, keyPath: String, known: [String]) -> [String: (String, Node)]? {
        guard let pairs = node.mapping else {
            error("\(keyPath) must be a mapping, not \(describe(node))", at: node, keyPath: keyPath)
            return nil
        }
        var result: [String: (String, Node)] = [:]
        for (keyNode, value) in pairs {
            let key = keyNode.scalar?.string ?? ""
            guard known.contains(key) else {
                error("unknown key '\(key)'; expected \(known.joined(separator: ", "))", at: keyNode,
                      keyPath: "\(keyPath).\(key)", suggestion: Suggest.closest(to: key, in: known), code: "unknown-key")
                continue
            }
            if key == "lines" {
                result[key] = ("", value)
                continue
            }
            guard let scalar = value.scalar else {
                error("\(keyPath).\(key) must be a single value, not \(describe(value))", at: value, keyPath: "\(keyPath).\(key)")
                continue
            }
            result[key] = (scalar.string, value)
        }
        return result
    }

    /// A required, positive (or, with `zeroAllowed`, non-negative) decimal with at most 6 decimals.
    mutating func quantity(_ fields: [String: (String, Node)], _ key: String, entry: Node, keyPath: String,
                           zeroAllowed: Bool) -> String? {
        guard let (text, node) = fields[key], !text.isEmpty else {
            error("\(keyPath) has no \(key)", at: entry, keyPath: "\(keyPath).\(key)")
            return nil
        }
        guard let value = FixedDecimal(parsing: text, maxScale: 6), zeroAllowed ? value.units >= 0 : value.units > 0 else {
            error("\(key) '\(text)' must be a \(zeroAllowed ? "non-negative" : "positive") number with at most 6 decimals",
                  at: node, keyPath: "\(keyPath).\(key)")
            return nil
        }
        return text
    }

    mutating func readPurchaseOrders(_ node: Node) -> [SeededOrder] {
        var seen: [String: Int] = [:]
        var result: [SeededOrder] = []
        let known = ["docno", "docdate", "code", "description", "docref1", "project", "lines"]
        for (index, item) in sequence(node, keyPath: "purchase_orders").enumerated() {
            let path = "purchase_orders[\(index)]"
            guard let fields = mapping(item, keyPath: path, known: known) else { continue }
            var valid = true
            // The docno is what a restart with a state file recognises the order by, so it is required and unique.
            var docno = ""
            if let (text, docnoNode) = fields["docno"], !text.isEmpty {
                if FieldLimits.length(text) > ColumnLengths.docno {
                    error("docno '\(text)' is longer than \(ColumnLengths.docno) characters", at: docnoNode, keyPath: "\(path).docno")
                    valid = false
                } else if let first = seen[text] {
                    error("duplicate docno '\(text)' (first at line \(first))", at: docnoNode, keyPath: "\(path).docno",
                          code: "duplicate-code")
                    valid = false
                } else {
                    seen[text] = docnoNode.mark?.line ?? 0
                }
                docno = text
            } else {
                error("\(path) has no docno (e.g. docno: PO-00001)", at: item, keyPath: "\(path).docno")
                valid = false
            }
            var docdate = ""
            if let (text, dateNode) = fields["docdate"], !text.isEmpty {
                if Fields.isDate(text) { docdate = text } else {
                    error("docdate '\(text)' is not a date in the form YYYY-MM-DD", at: dateNode, keyPath: "\(path).docdate")
                    valid = false
                }
            } else {
                error("\(path) has no docdate", at: item, keyPath: "\(path).docdate")
                valid = false
            }
            let code = fields["code"]?.0 ?? ""
            if code.isEmpty {
                error("\(path) has no code (the supplier)", at: item, keyPath: "\(path).code")
                valid = false
            }
            var lines: [SeededOrder.Line] = []
            if let (_, linesNode) = fields["lines"] {
                let lineKeys = ["itemcode", "qty", "uom", "unitprice", "location", "description"]
                let lineNodes = sequence(linesNode, keyPath: "\(path).lines")
                if lineNodes.isEmpty, linesNode.sequence != nil || linesNode.scalar != nil {
                    error("purchase order '\(docno)' needs at least one line", at: linesNode, keyPath: "\(path).lines")
                    valid = false
                }
                for (lineIndex, lineNode) in lineNodes.enumerated() {
                    let linePath = "\(path).lines[\(lineIndex)]"
                    guard let lineFields = mapping(lineNode, keyPath: linePath, known: lineKeys) else {
                        valid = false
                        continue
                    }
                    let itemcode = lineFields["itemcode"]?.0 ?? ""
                    if itemcode.isEmpty { error("\(linePath) has no itemcode", at: lineNode, keyPath: "\(linePath).itemcode") }
                    let qty = quantity(lineFields, "qty", entry: lineNode, keyPath: linePath, zeroAllowed: false)
                    let price = quantity(lineFields, "unitprice", entry: lineNode, keyPath: linePath, zeroAllowed: true)
                    guard !itemcode.isEmpty, let qty, let price else {
                        valid = false
                        continue
                    }
                    let uom = lineFields["uom"]?.0
                    let location = lineFields["location"]?.0
                    lines.append(.init(value: .init(itemcode: itemcode, qty: qty, uom: uom?.isEmpty == true ? nil : uom,
                                                    unitprice: price, location: location?.isEmpty == true ? nil : location,
                                                    description: lineFields["description"]?.0),
                                       path: linePath, entry: lineNode, nodes: lineFields.mapValues(\.1)))
                }
            } else {
                error("\(path) has no lines", at: item, keyPath: "\(path).lines")
                valid = false
            }
            // Checked against the masters even when something else is wrong with it, so one run reports everything.
            let order = SandboxSeed.PurchaseOrder(docno: docno, docdate: docdate, code: code,
                                                  description: fields["description"]?.0 ?? "", docref1: fields["docref1"]?.0,
                                                  project: fields["project"]?.0, lines: lines.map(\.value))
            result.append(SeededOrder(value: order, valid: valid, path: path, entry: item, nodes: fields.mapValues(\.1),
                                      lines: lines))
        }
        return result
    }

    /// The orders whose supplier, project, items, UOMs and locations are all in `seed`; every other is reported at
    /// the line that names what is missing.
    mutating func checkPurchaseOrders(_ orders: [SeededOrder], against seed: SandboxSeed) -> [SandboxSeed.PurchaseOrder] {
        let suppliers = seed.suppliers.map(\.code)
        let items = Dictionary(seed.stockItems.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        let locations = seed.locations.map(\.code)
        let projects = seed.projects.map(\.code)
        var result: [SandboxSeed.PurchaseOrder] = []
        for order in orders {
            var valid = order.valid
            if !order.value.code.isEmpty, !suppliers.contains(order.value.code) {
                let hint = suppliers.isEmpty ? "; list it under suppliers:" : ""
                error("supplier '\(order.value.code)' is not in suppliers\(hint)", at: order.nodes["code"] ?? order.entry,
                      keyPath: "\(order.path).code", suggestion: Suggest.closest(to: order.value.code, in: suppliers),
                      code: "unknown-supplier")
                valid = false
            }
            if let project = order.value.project, !Masters.isNone(project), !projects.contains(project) {
                error("project '\(project)' is not in projects", at: order.nodes["project"] ?? order.entry,
                      keyPath: "\(order.path).project", suggestion: Suggest.closest(to: project, in: projects), code: "unknown-project")
                valid = false
            }
            for line in order.lines {
                guard let item = items[line.value.itemcode] else {
                    error("item '\(line.value.itemcode)' is not in stock_items", at: line.nodes["itemcode"] ?? line.entry,
                          keyPath: "\(line.path).itemcode", suggestion: Suggest.closest(to: line.value.itemcode, in: items.keys.sorted()),
                          code: "unknown-item")
                    valid = false
                    continue
                }
                if let uom = line.value.uom, !item.uoms.contains(where: { $0.code == uom }) {
                    let uoms = item.uoms.map(\.code)
                    error("uom '\(uom)' is not one of item '\(item.code)''s UOMs (\(uoms.joined(separator: ", ")))",
                          at: line.nodes["uom"] ?? line.entry, keyPath: "\(line.path).uom",
                          suggestion: Suggest.closest(to: uom, in: uoms), code: "unknown-uom")
                    valid = false
                }
                if let location = line.value.location, !Masters.isNone(location), !locations.contains(location) {
                    error("location '\(location)' is not in locations", at: line.nodes["location"] ?? line.entry,
                          keyPath: "\(line.path).location", suggestion: Suggest.closest(to: location, in: locations),
                          code: "unknown-location")
                    valid = false
                }
            }
            if valid { result.append(order.value) }
        }
        return result
    }
}
