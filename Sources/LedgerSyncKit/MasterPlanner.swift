import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import SQLAccount
import StateStore
import Transform

/// One stock item or customer `masters plan` considered: to create (`+`), already in SQL Accounting (`=`), or a
/// clash that ledgersync will not resolve (`!`).
public struct MasterPlanEntry: Sendable {
    public enum Kind: String, Sendable { case stockItem = "stock_item", customer }
    public enum Action: String, Sendable {
        /// SQL Accounting lacks it: `masters apply` creates it.
        case create = "+"
        /// SQL Accounting has it, as the pack would create it: nothing is sent (a stock item is still matched).
        case existing = "="
        /// It cannot be created as planned (the code exists as something else, an unknown reference, an over-long
        /// code): nothing is sent; `message` says what to do.
        case clash = "!"
    }

    public var kind: Kind
    public var action: Action
    public var code: String
    /// What it is for: the SKU of a stock item, the customer code itself.
    public var need: String
    /// The stock item's description or the customer's company name.
    public var name: String
    /// A stock item's UOM.
    public var uom: String?
    /// The setting that made the code, with file:line.
    public var rule: String
    /// Who needs it: order lines and orders, a catalogue row, stores.
    public var neededBy: String
    /// Why `=` or `!`.
    public var message: String?
    public var warnings: [String] = []
    /// The body `masters apply` POSTs (for `+`).
    public var payload: JSONObject
    /// Where a `!` is located in the pack, when a setting is at fault.
    public var location: SourceLocation?
    /// The state store's record of it, when an earlier `masters apply` staged it.
    public var recorded: StoredMaster?
    /// For `clash`: what the found record must agree with to be adopted (see `MasterPlanner.difference`).
    var expectation: Expectation

    struct Expectation: Sendable {
        var description: String?
        var uom: String?
        var currency: String?
    }

    var noun: String { kind == .stockItem ? "stock item" : "customer" }
}

/// What `masters plan` found: every entry, and the problems that belong to no one entry.
public struct MasterPlan: Sendable {
    public var entries: [MasterPlanEntry] = []
    public var diagnostics: [Diagnostic] = []
    /// Where SQL Accounting was read.
    public var target: String = ""
    /// The item code setting, with where a `{seq}` counter goes on from.
    public var itemRule: String?
    /// Why no stock item is listed, when none is.
    public var itemsNote: String?

    public func count(_ action: MasterPlanEntry.Action, _ kind: MasterPlanEntry.Kind? = nil) -> Int {
        entries.filter { $0.action == action && (kind == nil || $0.kind == kind) }.count
    }

    public var hasErrors: Bool { count(.clash) > 0 || diagnostics.hasErrors }
}

/// Decides which masters `masters apply` creates, from the pack's `masters:` settings, the SKUs nothing matches (in
/// orders and a catalogue), the stores' customers, SQL Accounting's masters and what an earlier apply staged. Pure:
/// everything it reads is handed in.
enum MasterPlanner {
    struct Inputs {
        var graph: TransformGraph
        /// The SKUs of the orders and catalogue with their matches; nil without either.
        var report: ItemMatchReport?
        var catalog: MasterCatalog
        /// The UOMs SQL lists for existing items whose UOM the plan needs to compare (`MasterCatalog.itemUOMs`).
        var itemUOMs: [String: [String]?] = [:]
        /// What an earlier `masters apply` staged, by kind and need.
        var recorded: [StoredMaster] = []
    }

    /// The kinds of master the plan reads for `settings`.
    static func kindsNeeded(_ settings: MasterSettings) -> Set<MasterKind> {
        var kinds: Set<MasterKind> = []
        if let items = settings.creatingStockItems {
            kinds.insert(.item)
            if items.group != nil { kinds.insert(.stockGroup) }
        }
        if settings.creatingCustomers != nil { kinds.formUnion([.customer, .currency, .terms, .account]) }
        return kinds
    }

    static func plan(_ inputs: Inputs) -> MasterPlan {
        var plan = MasterPlan()
        let settings = inputs.graph.pack.masters
        if let creation = settings.creatingStockItems { planItems(creation, inputs, into: &plan) }
        if let creation = settings.creatingCustomers { planCustomers(creation, inputs, into: &plan) }
        return plan
    }

    // MARK: stock items

    /// `…pack.yaml:12` style: where a setting was written, or that it is built in.
    static func place(_ origin: Origin) -> String { origin.location.map { " (\($0.fileAndLine))" } ?? " (built-in)" }

    static func planItems(_ creation: StockItemCreation, _ inputs: Inputs, into plan: inout MasterPlan) {
        let pack = inputs.graph.pack
        guard let report = inputs.report else {
            plan.itemsNote = "no SKUs looked at: give --orders or --catalog for the SKUs that need stock items"
            return
        }
        let skus = report.unmatched
        guard !skus.isEmpty else {
            plan.itemsNote = "every SKU of the \(report.orders > 0 && report.catalogueOnly > 0 ? "orders and catalogue" : report.catalogueOnly > 0 || report.orders == 0 ? "catalogue" : "orders") is matched"
            return
        }
        guard let sqlItems = inputs.catalog.codes(.item) else {
            plan.diagnostics.append(.error("cannot read SQL Accounting's stock items (GET /\(inputs.catalog.resources[.item].name)), so no stock item can be planned: \(inputs.catalog.failures[.item] ?? "no answer")",
                                           code: "master-unreadable"))
            return
        }
        let recorded = Dictionary(inputs.recorded.filter { $0.kind == .stockItem }.map { ($0.need, $0) }, uniquingKeysWith: { first, _ in first })
        let codeLimit = FieldLimits.stockItem("code")?.maxLength ?? 30
        let descriptionLimit = FieldLimits.stockItem("description")?.maxLength ?? 200
        let uom = creation.uom?.value ?? pack.defaults[.uom]?.value.description ?? "UNIT"
        var rule = "masters.stock_items.code \"\(creation.code.value)\"\(place(creation.code.origin))"

        // {seq}: the counter goes on from the highest code of the pattern SQL (or an earlier apply) has.
        var next = creation.sequenceStart.value
        if let affixes = creation.sequenceAffixes {
            func number(_ code: String) -> Int? {
                guard code.count > affixes.prefix.count + affixes.suffix.count, code.hasPrefix(affixes.prefix), code.hasSuffix(affixes.suffix) else { return nil }
                let digits = code.dropFirst(affixes.prefix.count).dropLast(affixes.suffix.count)
                guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
                return Int(digits)
            }
            let highestSQL = sqlItems.keys.compactMap(number).max()
            let highestRecorded = inputs.recorded.filter { $0.kind == .stockItem }.map(\.code).compactMap(number).max()
            if let highest = [highestSQL, highestRecorded].compactMap({ $0 }).max() { next = max(next, highest + 1) }
            if let highestSQL, let code = creation.code(sku: nil, number: highestSQL) {
                rule += ", after \(code) in SQL Accounting"
            } else {
                rule += ", from \(creation.sequenceStart.value) (SQL Accounting has no code of this pattern)"
            }
        }
        plan.itemRule = rule
        let reservedCodes = Set(inputs.recorded.filter { $0.kind == .stockItem }.map(\.code))

        var codeOwner: [String: String] = [:]
        for row in skus.sorted(by: { $0.sku < $1.sku }) {
            let sku = row.sku
            let name = row.name.trimmingSpaces.isEmpty ? sku : row.name
            var entryRule = rule
            let earlier = recorded[sku]
            var code: String
            if let earlier, earlier.state.mayExistRemotely || fits(earlier.code, creation, sku: sku) {
                code = earlier.code
                entryRule = "reserved for SKU \(sku) by an earlier masters apply (state store, \(earlier.state.rawValue))"
            } else if creation.usesSequence {
                var candidate = creation.code(sku: nil, number: next) ?? ""
                while sqlItems[candidate] != nil || reservedCodes.contains(candidate) {
                    next += 1
                    candidate = creation.code(sku: nil, number: next) ?? ""
                }
                next += 1
                code = candidate
            } else {
                code = creation.code(sku: sku, number: nil) ?? sku
            }
            code = code.trimmingSpaces

            var warnings: [String] = []
            var description = render(creation.description.value, ["name": name, "sku": sku]).trimmingSpaces
            if description.isEmpty { description = sku }
            if let cut = FieldLimits.cut(description, to: descriptionLimit) {
                warnings.append("the description is \(FieldLimits.length(description)) characters; SQL Account keeps \(descriptionLimit), so it is cut to '\(cut.text)'")
                description = cut.text
            }
            var payload = JSONObject()
            payload.append("code", .string(code))
            payload.append("description", .string(description))
            if let group = creation.group { payload.append("stockgroup", .string(group.value)) }
            if let control = creation.stockControl { payload.append("stockcontrol", .bool(control.value)) }
            payload.append("sdsuom", .array([.object(["uom": .string(uom), "rate": .string("1"), "isbase": .bool(true)])]))

            var entry = MasterPlanEntry(kind: .stockItem, action: .create, code: code, need: sku, name: description, uom: uom, rule: entryRule,
                                        neededBy: neededBy(row), message: nil, warnings: warnings, payload: payload, location: nil, recorded: earlier,
                                        expectation: .init(description: description, uom: uom))
            func clash(_ message: String, at location: SourceLocation? = nil) {
                entry.action = .clash
                entry.message = message
                entry.location = location
            }
            if code.isEmpty {
                clash("the code made from SKU '\(sku)' is empty; use a code with {seq}", at: creation.code.origin.location)
            } else if FieldLimits.length(code) > codeLimit {
                clash("code '\(code)' is \(FieldLimits.length(code)) characters; SQL Account's item codes have at most \(codeLimit), and a code is never cut — match the SKU by hand (match import), or use a code with {seq}",
                      at: creation.code.origin.location)
            } else if let owner = codeOwner[code] {
                clash("SKU '\(owner)' gets the same code '\(code)'; two SKUs cannot share one new item — match one of them by hand (match import)", at: creation.code.origin.location)
            } else if let existing = sqlItems[code] {
                codeOwner[code] = sku
                if earlier?.state == .created {
                    entry.action = .existing
                    entry.message = "created by an earlier masters apply; only its match is still to be written"
                } else if let difference = difference(existing: existing, uoms: inputs.itemUOMs[code] ?? nil, expected: entry.expectation) {
                    clash("stock item '\(code)' is already in SQL Accounting, \(difference); ledgersync never changes an existing master — if it is this SKU's item, match it with `ledgersync match import`; otherwise change masters.stock_items.code")
                } else {
                    entry.action = .existing
                    entry.message = "already in SQL Accounting as \"\(existing.description ?? "")\"; matched, not created"
                }
            } else {
                codeOwner[code] = sku
                if let group = creation.group, let groups = inputs.catalog.codes(.stockGroup), groups[group.value] == nil {
                    clash("stock group '\(group.value)' (masters.stock_items.group\(place(group.origin))) is not a stock group in SQL Accounting; create it there or correct it",
                          at: group.origin.location)
                }
            }
            plan.entries.append(entry)
        }
        if let group = creation.group, inputs.catalog.failures[.stockGroup] != nil, plan.entries.contains(where: { $0.kind == .stockItem && $0.action == .create }) {
            plan.diagnostics.append(.warning("cannot read SQL Accounting's stock groups (GET /\(inputs.catalog.resources[.stockGroup].name)), so stock group '\(group.value)' was not checked: \(inputs.catalog.failures[.stockGroup] ?? "")",
                                             at: group.origin.location, code: "master-unreadable"))
        }
    }

    /// Whether a code an earlier apply reserved (and never sent) still fits the code setting.
    static func fits(_ code: String, _ creation: StockItemCreation, sku: String) -> Bool {
        if let affixes = creation.sequenceAffixes {
            guard code.count > affixes.prefix.count + affixes.suffix.count, code.hasPrefix(affixes.prefix), code.hasSuffix(affixes.suffix) else { return false }
            return code.dropFirst(affixes.prefix.count).dropLast(affixes.suffix.count).allSatisfy { $0.isASCII && $0.isNumber }
        }
        return code == creation.code(sku: sku, number: nil)
    }

    /// How an existing master differs from what the plan would create, or nil when it does not: a stock item's
    /// description (compared without regard to case and spacing) and UOM, and that it is active; a customer's currency.
    static func difference(existing: MasterRecord, uoms: [String]?, expected: MasterPlanEntry.Expectation) -> String? {
        var differences: [String] = []
        if let description = expected.description, let theirs = existing.description, normalized(theirs) != normalized(description) {
            differences.append("described as \"\(theirs)\", not \"\(description)\"")
        }
        if let uom = expected.uom {
            let listed = uoms ?? existing.defaultUOM.map { [$0] } ?? []
            if !listed.isEmpty, !listed.contains(uom) { differences.append("without UOM \(uom) (its UOMs: \(listed.joined(separator: ", ")))") }
        }
        if existing.active == false { differences.append("inactive") }
        if let currency = expected.currency, let theirs = existing.currency, theirs != currency {
            differences.append("in currency \(theirs == "----" ? "---- (the base currency)" : theirs), not \(currency == "----" ? "---- (the base currency)" : currency)")
        }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }

    /// The same comparison against a record the API returned (a lookup by code during apply).
    static func difference(found record: SQLAccountRecord, expected: MasterPlanEntry.Expectation) -> String? {
        var master = MasterRecord(code: record.code ?? "")
        master.description = record["description"]?.stringValue
        master.defaultUOM = record["defaultuom"]?.stringValue
        if expected.currency != nil {
            let currency = record["currencycode"]?.stringValue?.trimmingSpaces ?? ""
            master.currency = MasterKind.isNone(currency) ? "----" : currency
        }
        if let active = record["isactive"] {
            switch active {
            case .bool(let flag): master.active = flag
            case .string(let text): master.active = !["f", "false", "0"].contains(text.lowercased())
            default: break
            }
        }
        let uoms = record["sdsuom"]?.arrayValue?.compactMap { $0.objectValue?["uom"]?.stringValue }
        return difference(existing: master, uoms: uoms, expected: expected)
    }

    static func normalized(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `{name}`-style placeholders replaced by `values`; others kept as written.
    static func render(_ template: String, _ values: [String: String]) -> String {
        var result = template
        for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
        return result
    }

    /// "for SKU X: 4 order lines in a, b (orders SG-1, SG-2, …)" / "for SKU X: catalogue row 5".
    static func neededBy(_ row: SKUMatchReport) -> String {
        var parts: [String] = []
        if row.orderLines > 0 {
            var text = "\(row.orderLines) order line\(row.orderLines == 1 ? "" : "s") in \(row.stores.joined(separator: ", "))"
            let shown = row.orders.prefix(5).joined(separator: ", ")
            text += " (order\(row.orders.count == 1 ? "" : "s") \(shown)\(row.orders.count > 5 ? ", … \(row.orders.count - 5) more" : ""))"
            parts.append(text)
        }
        if let catalogueRow = row.catalogueRow { parts.append("catalogue row \(catalogueRow)") }
        return "SKU \(row.sku): " + (parts.isEmpty ? "unmatched" : parts.joined(separator: "; "))
    }

    // MARK: customers

    static func planCustomers(_ creation: CustomerCreation, _ inputs: Inputs, into plan: inout MasterPlan) {
        let graph = inputs.graph
        guard let profile = graph.pack.profile else { return }
        guard let sqlCustomers = inputs.catalog.codes(.customer) else {
            plan.diagnostics.append(.error("cannot read SQL Accounting's customers (GET /\(inputs.catalog.resources[.customer].name)), so no customer can be planned: \(inputs.catalog.failures[.customer] ?? "no answer")",
                                           code: "master-unreadable"))
            return
        }
        struct Need {
            var code: String
            var origin: Origin
            var stores: [StoreDeclaration] = []
        }
        var needs: [Need] = []
        for store in profile.stores {
            guard let storePlan = graph.plan(forStore: store.id), let traced = storePlan.customer ?? storePlan.settings.customerCode else { continue }
            let code = (storePlan.settings.uppercase.value ? traced.value.uppercased() : traced.value).trimmingSpaces
            guard !code.isEmpty else { continue }
            if let index = needs.firstIndex(where: { $0.code == code }) {
                needs[index].stores.append(store)
            } else {
                needs.append(Need(code: code, origin: traced.origin, stores: [store]))
            }
        }
        let recorded = Dictionary(inputs.recorded.filter { $0.kind == .customer }.map { ($0.need, $0) }, uniquingKeysWith: { first, _ in first })
        let nameLimit = FieldLimits.customer("companyname")?.maxLength ?? 100
        for need in needs {
            let first = need.stores[0]
            let fields = creation.fields(store: first.id, channel: first.channel.rawValue)
            let storePlan = graph.plan(forStore: first.id)
            var warnings: [String] = []
            let nameTemplate = fields.name?.value ?? "{store_name}"
            var name = render(nameTemplate, ["store": first.id, "store_name": first.name ?? first.id, "channel": first.channel.rawValue.capitalized, "code": need.code]).trimmingSpaces
            if name.isEmpty { name = need.code }
            if let cut = FieldLimits.cut(name, to: nameLimit) {
                warnings.append("the company name is \(FieldLimits.length(name)) characters; SQL Account keeps \(nameLimit), so it is cut to '\(cut.text)'")
                name = cut.text
            }
            let currencyCode = fields.currency?.value ?? "----"
            let currency = MasterKind.isNone(currencyCode) ? "----" : currencyCode
            let terms = fields.terms ?? storePlan.map { Traced($0.settings.terms.value, $0.settings.terms.origin) }
            var payload = JSONObject()
            payload.append("code", .string(need.code))
            payload.append("companyname", .string(name))
            payload.append("currencycode", .string(currency))
            if let terms, !MasterKind.isNone(terms.value) { payload.append("creditterm", .string(terms.value)) }
            if let account = fields.controlAccount { payload.append("controlaccount", .string(account.value)) }

            let storeList = need.stores.map(\.id).joined(separator: ", ")
            var entry = MasterPlanEntry(kind: .customer, action: .create, code: need.code, need: need.code, name: name, uom: nil,
                                        rule: need.origin.description, neededBy: "store\(need.stores.count == 1 ? "" : "s") \(storeList)", message: nil,
                                        warnings: warnings, payload: payload, location: nil, recorded: recorded[need.code],
                                        expectation: .init(currency: currency))
            func clash(_ message: String, at location: SourceLocation?) {
                entry.action = .clash
                entry.message = message
                entry.location = location
            }
            let currencyPlace = fields.currency.map { $0.origin.location == nil ? "masters.customers.currency (built-in)" : $0.origin.description } ?? "masters.customers.currency"
            let overridePath = "masters.customers.overrides.\(first.id).currency"
            if let existing = sqlCustomers[need.code] {
                if recorded[need.code]?.state == .created {
                    entry.action = .existing
                    entry.message = "created by an earlier masters apply"
                } else if let difference = difference(existing: existing, uoms: nil, expected: entry.expectation) {
                    clash("customer '\(need.code)' is already in SQL Accounting, \(difference) as \(currencyPlace) would create it; ledgersync never changes an existing master — if \(storeList) sell\(need.stores.count == 1 ? "s" : "") in \(existing.currency ?? "----"), set \(overridePath): \(existing.currency ?? "----")",
                          at: fields.currency?.origin.location ?? creation.origin.location)
                } else {
                    entry.action = .existing
                    entry.message = "already in SQL Accounting as \"\(existing.description ?? "")\""
                }
                plan.entries.append(entry)
                continue
            }
            // A new customer: every code it names must exist, and its currency must be the one its stores' invoices carry.
            var problems: [(String, SourceLocation?)] = []
            if currency != "----", let currencies = inputs.catalog.codes(.currency), currencies[currency] == nil {
                problems.append(("currency '\(currency)' (\(currencyPlace)) is not a currency in SQL Accounting", fields.currency?.origin.location))
            }
            if let terms, !MasterKind.isNone(terms.value), let known = inputs.catalog.codes(.terms), known[terms.value] == nil {
                problems.append(("terms '\(terms.value)' (\(terms.origin.description)) is not a terms code in SQL Accounting", terms.origin.location))
            }
            if let account = fields.controlAccount, let known = inputs.catalog.codes(.account), known[account.value] == nil {
                problems.append(("control account '\(account.value)' (\(account.origin.description)) is not a GL account in SQL Accounting", account.origin.location))
            }
            for store in need.stores {
                for iso in (inputs.report?.storeCurrencies[store.id] ?? []).sorted() {
                    let sent = graph.pack.matching.currencies[iso].map { MasterKind.isNone($0.code) ? "----" : $0.code } ?? (iso == "MYR" ? "----" : nil)
                    guard let sent, sent != currency else { continue }
                    problems.append(("store \(store.id)'s orders are in \(iso) (currencycode \(sent)), but \(currencyPlace) would create the customer in \(currency), so SQL Account would refuse its invoices; set masters.customers.overrides.\(store.id).currency: \(sent)",
                                     fields.currency?.origin.location ?? creation.origin.location))
                }
            }
            if !problems.isEmpty {
                clash("customer '\(need.code)' cannot be created as configured: " + problems.map(\.0).joined(separator: "; "), at: problems.first?.1)
            }
            plan.entries.append(entry)
        }
        for kind in [MasterKind.currency, .terms, .account] where inputs.catalog.failures[kind] != nil && plan.count(.create, .customer) > 0 {
            plan.diagnostics.append(.warning("cannot read SQL Accounting's \(kind.plural) (GET /\(inputs.catalog.resources[kind].name)), so the new customers' \(kind.plural) were not checked: \(inputs.catalog.failures[kind] ?? "")",
                                             code: "master-unreadable"))
        }
    }
}
