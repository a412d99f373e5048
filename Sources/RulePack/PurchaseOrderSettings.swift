import LedgerCore

/// `purchase_orders:` — the purchase orders entered in SQL Accounting that ledgersync passes on to the store (the
/// platform's purchase-order / stock-in records): which to take, how their quantities are converted (the seed's
/// "UOM conversion … for purchase order only"), and which store's SKUs the lines are given in. Absent: none are read.
public struct PurchaseOrderSettings: Sendable {
    /// Take only purchase orders of these supplier codes; empty: every supplier.
    public var suppliers: [Traced<String>] = []
    /// Take only purchase orders of these projects; empty: any project.
    public var projects: [Traced<String>] = []
    /// Take only the lines received into these locations; empty: any location.
    public var locations: [Traced<String>] = []
    /// Ignore purchase orders dated before this day.
    public var since: Traced<CalendarDate>?
    /// Convert each line into its item's base UOM: quantity × the UOM's rate, unit cost ÷ the rate.
    public var uomConversion: Traced<Bool>
    /// Per SQL item code, overriding `uomConversion`.
    public var convertItems: [String: Traced<Bool>] = [:]
    /// The store whose SKUs the lines carry (item matching read backwards); nil: lines carry SQL item codes.
    public var store: Traced<String>?
    /// The CSV/xlsx layout `po apply` writes: a built-in name (`rules/po-exports/<name>.yaml`) or a path relative to
    /// the pack; nil: the standard layout.
    public var layout: Traced<String>?
    /// Where the section is, for messages that point at it.
    public var origin: Origin

    init(origin: Origin) {
        self.origin = origin
        uomConversion = Traced(false, Origin("built-in default for purchase_orders.uom_conversion (SQL Account's e-commerce setting is off by default)", at: nil))
    }

    /// Whether lines of `itemCode` are converted to the base UOM, and the setting that says so.
    public func converts(itemCode: String) -> Traced<Bool> {
        convertItems[itemCode] ?? uomConversion
    }

    /// Whether a purchase order of `supplier` and `project`, dated `date`, is taken.
    public func takes(supplier: String, project: String, date: CalendarDate?) -> Bool {
        if !suppliers.isEmpty && !suppliers.contains(where: { $0.value == supplier }) { return false }
        if !projects.isEmpty && !projects.contains(where: { $0.value == project }) { return false }
        if let since, let date, date < since.value { return false }
        return true
    }

    /// Whether a line received into `location` is taken.
    public func takes(location: String) -> Bool {
        locations.isEmpty || locations.contains { $0.value == location }
    }
}

extension RulePackValidator {
    /// Reads `purchase_orders:` into `PurchaseOrderSettings`, every problem a located diagnostic.
    func readPurchaseOrders(_ node: YAMLNode, knownStores: [String]) -> PurchaseOrderSettings {
        let path = "purchase_orders"
        var settings = PurchaseOrderSettings(origin: reader.origin(path, node))
        let keys = ["suppliers", "projects", "locations", "since", "uom_conversion", "convert", "store", "layout"]
        guard let entries = reader.mapping(node, path, known: keys) else { return settings }
        let limits = ["suppliers": FieldLimits.invoiceHeader("code")?.maxLength ?? 10, "projects": FieldLimits.invoiceHeader("project")?.maxLength ?? 20,
                      "locations": FieldLimits.invoiceLine("location")?.maxLength ?? 20]
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            switch entry.key {
            case "suppliers", "projects", "locations":
                let codes = readCodeList(entry.value, entryPath, limit: limits[entry.key] ?? 20)
                switch entry.key {
                case "suppliers": settings.suppliers = codes
                case "projects": settings.projects = codes
                default: settings.locations = codes
                }
            case "since":
                guard let text = reader.string(entry.value, entryPath) else { continue }
                guard let date = CalendarDate(parsing: text) else {
                    reader.error("'\(text)' is not a date; write it as YYYY-MM-DD, e.g. 2025-10-01", at: entry.value, entryPath, code: "invalid-value")
                    continue
                }
                settings.since = Traced(date, reader.origin(entryPath, entry.value))
            case "uom_conversion":
                if let value = reader.bool(entry.value, entryPath) { settings.uomConversion = Traced(value, reader.origin(entryPath, entry.value)) }
            case "convert":
                guard let items = reader.mapping(entry.value, entryPath, what: "a mapping of SQL item codes to true or false") else { continue }
                for item in items {
                    let itemPath = "\(entryPath).\(item.key)"
                    if let value = reader.bool(item.value, itemPath) { settings.convertItems[item.key] = Traced(value, reader.origin(itemPath, item.value)) }
                }
            case "layout":
                guard let layout = reader.string(entry.value, entryPath) else { continue }
                if layout.trimmingCharacters(in: .whitespaces).isEmpty {
                    reader.error("'\(entryPath)' must name a layout (a file in rules/po-exports, or a path relative to the pack)", at: entry.value, entryPath, code: "invalid-value")
                } else {
                    settings.layout = Traced(layout, reader.origin(entryPath, entry.value))
                }
            default:
                guard let store = reader.string(entry.value, entryPath) else { continue }
                if !knownStores.isEmpty && !knownStores.contains(store) {
                    reader.error("store '\(store)' is not in profile.stores; known: \(knownStores.joined(separator: ", "))", at: entry.value, entryPath,
                                 code: "unknown-store", suggestion: Suggest.closest(to: store, in: knownStores))
                    continue
                }
                settings.store = Traced(store, reader.origin(entryPath, entry.value))
            }
        }
        return settings
    }

    /// A list of SQL codes, each non-empty and within SQL Account's column length.
    private func readCodeList(_ node: YAMLNode, _ path: String, limit: Int) -> [Traced<String>] {
        guard let items = reader.sequence(node, path) else { return [] }
        var codes: [Traced<String>] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard let code = reader.string(item, itemPath) else { continue }
            if code.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.error("'\(path)' lists an empty code", at: item, itemPath, code: "invalid-value")
            } else if FieldLimits.length(code) > limit {
                reader.error("'\(code)' is \(FieldLimits.length(code)) characters; SQL Account allows at most \(limit) for \(path)", at: item, itemPath, code: "code-too-long")
            } else {
                codes.append(Traced(code, reader.origin(itemPath, item)))
            }
        }
        return codes
    }
}
