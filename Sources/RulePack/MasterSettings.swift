import LedgerCore

/// `masters:` — which master records ledgersync may create in SQL Accounting (`ledgersync masters plan|apply`):
/// stock items for SKUs nothing matches, and the customers the pack names for its stores that SQL lacks. Off unless
/// configured; ledgersync never changes a master SQL already holds.
public struct MasterSettings: Sendable {
    /// nil: no stock items are created.
    public var stockItems: StockItemCreation?
    /// nil: no customers are created.
    public var customers: CustomerCreation?

    public init(stockItems: StockItemCreation? = nil, customers: CustomerCreation? = nil) {
        self.stockItems = stockItems
        self.customers = customers
    }

    /// Stock items to create, when `masters.stock_items` is given with `create` on.
    public var creatingStockItems: StockItemCreation? { stockItems.flatMap { $0.create.value ? $0 : nil } }
    /// Customers to create, when `masters.customers` is given with `create` on.
    public var creatingCustomers: CustomerCreation? { customers.flatMap { $0.create.value ? $0 : nil } }
}

/// `masters.stock_items`: a stock item for each SKU without item matching.
public struct StockItemCreation: Sendable {
    public var create: Traced<Bool>
    /// The item code: a template over `{sku}` (the SKU) or `{seq}` (a counter), e.g. `{sku}` or `EC-{seq}`.
    public var code: Traced<String>
    /// With `{seq}`: the first number, when SQL has no code of the pattern yet.
    public var sequenceStart: Traced<Int>
    /// With `{seq}`: the counter's zero-padded width.
    public var sequenceDigits: Traced<Int>
    /// The item's description: a template over `{name}` (the order line's or catalogue's product name) and `{sku}`.
    public var description: Traced<String>
    /// The item's one UOM; nil: the pack-wide `uom` setting.
    public var uom: Traced<String>?
    /// `stockgroup`: the stock group, whose GL accounts the item's sales and purchases post to; nil leaves it to SQL.
    public var group: Traced<String>?
    /// `stockcontrol`; nil leaves it to SQL.
    public var stockControl: Traced<Bool>?
    /// Upper-case the generated code (SQL's codes are upper case by convention).
    public var uppercase: Traced<Bool>
    /// The `masters.stock_items` key.
    public var origin: Origin

    public static let codePlaceholders = ["sku", "seq"]
    public static let descriptionPlaceholders = ["name", "sku"]

    /// `{seq}` codes rather than `{sku}` ones.
    public var usesSequence: Bool { Template.placeholders(in: code.value).contains("seq") }

    /// The code for `sku`, or for counter value `number`; nil when the template needs the other one.
    public func code(sku: String?, number: Int?) -> String? {
        var text = ""
        var rest = Substring(code.value)
        while let open = rest.firstIndex(of: "{") {
            text += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = rest[rest.index(after: open)..<close]
            switch name {
            case "sku":
                guard let sku else { return nil }
                text += sku
            case "seq":
                guard let number else { return nil }
                let digits = String(number)
                text += String(repeating: "0", count: max(0, sequenceDigits.value - digits.count)) + digits
            default:
                text += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        return uppercase.value ? text.uppercased() : text
    }

    /// The text around `{seq}` (upper-cased like the code): what a code of this pattern starts and ends with.
    public var sequenceAffixes: (prefix: String, suffix: String)? {
        guard let range = code.value.range(of: "{seq}") else { return nil }
        let prefix = String(code.value[..<range.lowerBound]), suffix = String(code.value[range.upperBound...])
        return uppercase.value ? (prefix.uppercased(), suffix.uppercased()) : (prefix, suffix)
    }
}

/// `masters.customers`: the customer of each synced store (`matching.customers`, `customer_code`) that SQL lacks.
public struct CustomerCreation: Sendable {
    public var create: Traced<Bool>
    public var defaults: CustomerFields
    /// By channel name or store id; the store id beats the channel, either beats `defaults`.
    public var overrides: [String: CustomerFields]
    public var origin: Origin

    public static let namePlaceholders = ["store", "store_name", "channel", "code"]

    /// What one customer gets: the store's override, then the channel's, then the section's own keys.
    public func fields(store: String, channel: String) -> CustomerFields {
        var result = defaults
        for key in [channel, store] {
            guard let layer = overrides[key] else { continue }
            if let name = layer.name { result.name = name }
            if let currency = layer.currency { result.currency = currency }
            if let terms = layer.terms { result.terms = terms }
            if let account = layer.controlAccount { result.controlAccount = account }
        }
        return result
    }
}

/// The values a created customer takes; nil where the section leaves it to the default named.
public struct CustomerFields: Sendable {
    /// `companyname`: a template over `{store}`, `{store_name}` (the profile's store name), `{channel}`, `{code}`.
    public var name: Traced<String>?
    /// `currencycode`; the section default is `----` (the base currency).
    public var currency: Traced<String>?
    /// `creditterm`; nil: the store's `terms` setting.
    public var terms: Traced<String>?
    /// `controlaccount`; nil leaves it to SQL (300-000, Trade Debtors).
    public var controlAccount: Traced<String>?

    public init(name: Traced<String>? = nil, currency: Traced<String>? = nil, terms: Traced<String>? = nil, controlAccount: Traced<String>? = nil) {
        self.name = name
        self.currency = currency
        self.terms = terms
        self.controlAccount = controlAccount
    }
}

extension RulePackValidator {
    /// Reads `masters:` into `MasterSettings`, every problem a located diagnostic.
    func readMasters(_ node: YAMLNode, targets: [String], checkTargets: Bool) -> MasterSettings {
        var settings = MasterSettings()
        guard let entries = reader.mapping(node, "masters", known: ["stock_items", "customers"]) else { return settings }
        for entry in entries {
            if entry.key == "stock_items" {
                settings.stockItems = readStockItemCreation(entry.value, keyNode: entry.keyNode)
            } else {
                settings.customers = readCustomerCreation(entry.value, keyNode: entry.keyNode, targets: targets, checkTargets: checkTargets)
            }
        }
        return settings
    }

    private func readStockItemCreation(_ node: YAMLNode, keyNode: YAMLNode) -> StockItemCreation? {
        let path = "masters.stock_items"
        let keys = ["create", "code", "sequence", "description", "uom", "group", "stock_control", "uppercase"]
        guard let entries = reader.mapping(node, path, known: keys) else { return nil }
        let map = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
        let codeLimit = FieldLimits.stockItem("code")?.maxLength ?? 30
        var creation = StockItemCreation(
            create: Traced(true, .builtIn("\(path).create")), code: Traced("{sku}", .builtIn("\(path).code")),
            sequenceStart: Traced(1, .builtIn("\(path).sequence.start")), sequenceDigits: Traced(5, .builtIn("\(path).sequence.digits")),
            description: Traced("{name}", .builtIn("\(path).description")), uom: nil, group: nil, stockControl: nil,
            uppercase: Traced(true, .builtIn("\(path).uppercase")), origin: reader.origin(path, keyNode))
        var valid = true
        if let value = map["create"] {
            if let flag = reader.bool(value, "\(path).create") { creation.create = Traced(flag, reader.origin("\(path).create", value)) } else { valid = false }
        }
        if let value = map["uppercase"] {
            if let flag = reader.bool(value, "\(path).uppercase") { creation.uppercase = Traced(flag, reader.origin("\(path).uppercase", value)) } else { valid = false }
        }
        if let value = map["sequence"], let fields = reader.mapping(value, "\(path).sequence", known: ["start", "digits"]) {
            for field in fields {
                let fieldPath = "\(path).sequence.\(field.key)"
                if field.key == "start" {
                    if let start = reader.integer(field.value, fieldPath, in: 0...999_999_999) { creation.sequenceStart = Traced(start, reader.origin(fieldPath, field.value)) } else { valid = false }
                } else {
                    if let digits = reader.integer(field.value, fieldPath, in: 1...12) { creation.sequenceDigits = Traced(digits, reader.origin(fieldPath, field.value)) } else { valid = false }
                }
            }
        } else if map["sequence"] != nil {
            valid = false
        }
        if let value = map["code"] {
            if let template = reader.string(value, "\(path).code") {
                creation.code = Traced(template, reader.origin("\(path).code", value))
                if !checkCodeTemplate(creation, value, limit: codeLimit, sequenceGiven: map["sequence"]) { valid = false }
            } else {
                valid = false
            }
        } else if let sequence = map["sequence"] {
            reader.error("\(path).sequence numbers a code with {seq}, but code is the built-in {sku}; write code: \"EC-{seq}\" (any prefix), or remove sequence", at: sequence, "\(path).sequence", code: "invalid-value")
            valid = false
        }
        if let value = map["description"] {
            if let template = reader.string(value, "\(path).description") {
                if checkPlaceholders(template, value, "\(path).description", allowed: StockItemCreation.descriptionPlaceholders) {
                    creation.description = Traced(template, reader.origin("\(path).description", value))
                } else {
                    valid = false
                }
            } else {
                valid = false
            }
        }
        if let value = map["uom"] {
            if let uom = reader.code(value, "\(path).uom", maxLength: FieldLimits.stockItemUOM.maxLength, allowEmpty: false) {
                creation.uom = Traced(uom, reader.origin("\(path).uom", value))
            } else {
                valid = false
            }
        }
        if let value = map["group"] {
            if let group = reader.code(value, "\(path).group", maxLength: FieldLimits.stockItem("stockgroup")?.maxLength ?? 10, allowEmpty: false) {
                creation.group = Traced(group, reader.origin("\(path).group", value))
            } else {
                valid = false
            }
        }
        if let value = map["stock_control"] {
            if let flag = reader.bool(value, "\(path).stock_control") { creation.stockControl = Traced(flag, reader.origin("\(path).stock_control", value)) } else { valid = false }
        }
        return valid ? creation : nil
    }

    /// The item code template: known placeholders, `{sku}` or `{seq}` (one, once), and room for them in SQL's 30.
    private func checkCodeTemplate(_ creation: StockItemCreation, _ node: YAMLNode, limit: Int, sequenceGiven: YAMLNode?) -> Bool {
        let path = "masters.stock_items.code"
        let template = creation.code.value
        guard checkPlaceholders(template, node, path, allowed: StockItemCreation.codePlaceholders) else { return false }
        let used = Template.placeholders(in: template)
        let sku = used.filter { $0 == "sku" }.count, seq = used.filter { $0 == "seq" }.count
        if sku == 0 && seq == 0 {
            reader.error("'\(template)' has neither {sku} nor {seq}, so every SKU would get the same item code; write \"{sku}\" (the SKU itself), \"W-{sku}\" or \"EC-{seq}\" (a counter)", at: node, path, code: "invalid-value")
            return false
        }
        if sku > 0 && seq > 0 {
            reader.error("'\(template)' has both {sku} and {seq}; use {sku} (the code follows the SKU) or {seq} (a counter), not both", at: node, path, code: "invalid-value")
            return false
        }
        if seq > 1 || sku > 1 {
            reader.error("'\(template)' has {\(seq > 1 ? "seq" : "sku")} more than once; write it once", at: node, path, code: "invalid-value")
            return false
        }
        let fixed = FieldLimits.length(template.replacingOccurrences(of: "{sku}", with: "").replacingOccurrences(of: "{seq}", with: ""))
        if seq == 1 {
            let longest = fixed + creation.sequenceDigits.value
            if longest > limit {
                reader.error("'\(template)' with \(creation.sequenceDigits.value) digits makes codes of \(longest) characters; SQL Account's item codes have at most \(limit): shorten the prefix or sequence.digits", at: node, path, code: "invalid-value")
                return false
            }
        } else {
            if fixed >= limit {
                reader.error("'\(template)' leaves no room for the SKU in SQL Account's \(limit)-character item codes; shorten the text around {sku}", at: node, path, code: "invalid-value")
                return false
            }
            if let sequenceGiven {
                reader.error("masters.stock_items.sequence numbers a code with {seq}, but '\(template)' has none; remove sequence, or use {seq}", at: sequenceGiven, "masters.stock_items.sequence", code: "invalid-value")
                return false
            }
        }
        return true
    }

    /// Placeholders outside `allowed` are errors at the template, with the closest one.
    private func checkPlaceholders(_ text: String, _ node: YAMLNode, _ path: String, allowed: [String]) -> Bool {
        var ok = true
        for placeholder in Template.placeholders(in: text) where !allowed.contains(placeholder) {
            reader.error("unknown placeholder {\(placeholder)} in \(path); available: \(allowed.map { "{\($0)}" }.joined(separator: ", "))", at: node, path,
                         code: "unknown-placeholder", suggestion: Suggest.closest(to: placeholder, in: allowed).map { "{\($0)}" })
            ok = false
        }
        return ok
    }

    private func readCustomerCreation(_ node: YAMLNode, keyNode: YAMLNode, targets: [String], checkTargets: Bool) -> CustomerCreation? {
        let path = "masters.customers"
        guard let entries = reader.mapping(node, path, known: ["create", "name", "currency", "terms", "control_account", "overrides"]) else { return nil }
        var creation = CustomerCreation(create: Traced(true, .builtIn("\(path).create")),
                                        defaults: CustomerFields(name: Traced("{store_name}", .builtIn("\(path).name")),
                                                                 currency: Traced("----", .builtIn("\(path).currency"))),
                                        overrides: [:], origin: reader.origin(path, keyNode))
        var valid = true
        var fieldEntries: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for entry in entries {
            switch entry.key {
            case "create":
                if let flag = reader.bool(entry.value, "\(path).create") { creation.create = Traced(flag, reader.origin("\(path).create", entry.value)) } else { valid = false }
            case "overrides":
                guard let rows = reader.mapping(entry.value, "\(path).overrides", what: "a mapping of channel or store to {name, currency, terms, control_account}") else {
                    valid = false
                    continue
                }
                for row in rows {
                    let rowPath = "\(path).overrides.\(row.key)"
                    if checkTargets && !targets.contains(row.key) {
                        reader.error("'\(row.key)' is neither a channel nor a store in profile.stores", at: row.keyNode, rowPath, code: "unknown-target",
                                     suggestion: Suggest.closest(to: row.key, in: targets))
                        valid = false
                        continue
                    }
                    guard let fields = reader.mapping(row.value, rowPath, known: ["name", "currency", "terms", "control_account"]) else {
                        valid = false
                        continue
                    }
                    var layer = CustomerFields()
                    if !readCustomerFields(fields, into: &layer, path: rowPath) { valid = false }
                    creation.overrides[row.key] = layer
                }
            default:
                fieldEntries.append(entry)
            }
        }
        if !readCustomerFields(fieldEntries, into: &creation.defaults, path: path) { valid = false }
        return valid ? creation : nil
    }

    /// `name`, `currency`, `terms`, `control_account` of the section or of one override.
    private func readCustomerFields(_ entries: [(key: String, keyNode: YAMLNode, value: YAMLNode)], into fields: inout CustomerFields, path: String) -> Bool {
        var valid = true
        for entry in entries {
            let fieldPath = "\(path).\(entry.key)"
            let origin = reader.origin(fieldPath, entry.value)
            switch entry.key {
            case "name":
                guard let template = reader.string(entry.value, fieldPath), !template.trimmingSpaces.isEmpty else {
                    if entry.value.scalar != nil && !entry.value.isNull { reader.error("'\(fieldPath)' must not be empty", at: entry.value, fieldPath, code: "invalid-value") }
                    valid = false
                    continue
                }
                if checkPlaceholders(template, entry.value, fieldPath, allowed: CustomerCreation.namePlaceholders) {
                    fields.name = Traced(template, origin)
                } else {
                    valid = false
                }
            case "currency":
                if let code = reader.code(entry.value, fieldPath, maxLength: FieldLimits.customer("currencycode")?.maxLength ?? 6, allowEmpty: false) {
                    fields.currency = Traced(code, origin)
                } else {
                    valid = false
                }
            case "terms":
                if let code = reader.code(entry.value, fieldPath, maxLength: FieldLimits.customer("creditterm")?.maxLength ?? 10, allowEmpty: false) {
                    fields.terms = Traced(code, origin)
                } else {
                    valid = false
                }
            default:
                if let code = reader.code(entry.value, fieldPath, maxLength: FieldLimits.customer("controlaccount")?.maxLength ?? 10, allowEmpty: false) {
                    fields.controlAccount = Traced(code, origin)
                } else {
                    valid = false
                }
            }
        }
        return valid
    }
}
