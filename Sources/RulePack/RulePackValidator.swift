import Expressions
import Foundation
import LedgerCore

/// Turns a layered pack tree into the validated `RulePack`, collecting every problem before failing.
public struct RulePackValidator {
    public static let topLevelKeys = ["pack", "extends", "includes", "profile", "defaults", "presets", "matching", "channels", "stores", "rules", "edit_policy", "payments", "masters", "returns", "einvoice", "purchase_orders"]

    let loader: PackLoader
    let layered: LayeredPack
    let reader = NodeReader()

    public init(loader: PackLoader, layered: LayeredPack) {
        self.loader = loader
        self.layered = layered
    }

    /// Loads, layers and validates the pack in `directory`. The pack is nil when any error was found.
    public static func load(packDirectory directory: String, loader: PackLoader = PackLoader()) -> (RulePack?, [Diagnostic]) {
        let (layered, loadDiagnostics) = loader.load(packDirectory: directory)
        guard let layered else { return (nil, loadDiagnostics) }
        let (pack, diagnostics) = RulePackValidator(loader: loader, layered: layered).validate()
        let all = (loadDiagnostics + diagnostics).sortedForDisplay()
        return (all.hasErrors ? nil : pack, all)
    }

    public func validate() -> (RulePack, [Diagnostic]) {
        let root = layered.root
        let top = Dictionary(reader.mapping(root, "", known: Self.topLevelKeys)?.map { ($0.key, $0.value) } ?? [], uniquingKeysWith: { _, b in b })

        var name = (layered.directory as NSString).lastPathComponent
        var kind = RulePack.Kind.client
        if let header = top["pack"], let entries = reader.mapping(header, "pack", known: ["name", "kind", "description"]) {
            for entry in entries {
                switch entry.key {
                case "name": name = reader.string(entry.value, "pack.name") ?? name
                case "kind": if let k = reader.choice(entry.value, "pack.kind", ["client", "base"]) { kind = RulePack.Kind(rawValue: k) ?? .client }
                default: _ = reader.optionalString(entry.value, "pack.description")
                }
            }
        }

        let profile = top["profile"].flatMap { readProfile($0) }
        if profile == nil && kind == .client && top["profile"] == nil {
            reader.error("a client pack needs a profile (company, stores, connection); add a profile: section, or mark a shared pack with pack: {kind: base}", at: root, "profile", code: "missing-key")
        }
        let knownStores = profile?.stores.map(\.id) ?? []

        var defaults = SettingLayer()
        if let node = top["defaults"] { defaults = readSettings(node, path: "defaults") }

        var channelOverrides: [Channel: Override] = [:]
        if let node = top["channels"], let entries = reader.mapping(node, "channels", what: "a mapping of channel names to overrides") {
            for entry in entries {
                let path = "channels.\(entry.key)"
                guard let channel = Channel(rawValue: entry.key) else {
                    reader.error("'\(entry.key)' is not a channel; channels are \(Channel.allCases.map(\.rawValue).joined(separator: ", "))", at: entry.keyNode, path, code: "unknown-channel", suggestion: Suggest.closest(to: entry.key, in: Channel.allCases.map(\.rawValue)))
                    continue
                }
                channelOverrides[channel] = readOverride(entry.value, path: path)
            }
        }
        var storeOverrides: [String: Override] = [:]
        if let node = top["stores"], let entries = reader.mapping(node, "stores", what: "a mapping of store ids to overrides") {
            for entry in entries {
                let path = "stores.\(entry.key)"
                if profile != nil && !knownStores.contains(entry.key) {
                    reader.error("store '\(entry.key)' is not in profile.stores; overrides apply only to synced stores", at: entry.keyNode, path, code: "unknown-store", suggestion: Suggest.closest(to: entry.key, in: knownStores))
                }
                storeOverrides[entry.key] = readOverride(entry.value, path: path)
            }
        }

        let matchTargets = Channel.allCases.map(\.rawValue) + knownStores
        let presets = top["presets"].map { readPresets($0, targets: matchTargets, checkTargets: profile != nil) } ?? []
        let matching = top["matching"].map { readMatching($0, targets: matchTargets, checkTargets: profile != nil) } ?? Matching()
        let rules = top["rules"].map { readRules($0) } ?? []
        let editPolicy = top["edit_policy"].map { readEditPolicy($0) } ?? EditPolicy(fields: [:], editable: [])
        let payments = top["payments"].map { readPayments($0) } ?? PaymentSettings()
        let masters = top["masters"].map { readMasters($0, targets: matchTargets, checkTargets: profile != nil) } ?? MasterSettings()
        let returns = top["returns"].map { readReturns($0) } ?? ReturnSettings()
        let einvoice = top["einvoice"].map { readEInvoice($0, knownStores: profile != nil ? knownStores : []) }
        let purchaseOrders = top["purchase_orders"].map { readPurchaseOrders($0, knownStores: profile != nil ? knownStores : []) }

        let pack = RulePack(name: name, kind: kind, directory: layered.directory, files: layered.files, profile: profile,
                            defaults: defaults, channelOverrides: channelOverrides, storeOverrides: storeOverrides,
                            presets: presets, matching: matching, rules: rules, editPolicy: editPolicy, payments: payments,
                            masters: masters, returns: returns, einvoice: einvoice, purchaseOrders: purchaseOrders)
        if kind == .client { checkCompleteness(pack, root: root) }
        return (pack, reader.diagnostics)
    }

    // MARK: profile

    private func readProfile(_ node: YAMLNode) -> Profile? {
        guard let entries = reader.mapping(node, "profile", known: ["company", "enabled", "stores", "connection"]) else { return nil }
        let values = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
        var company = Traced("", Origin("profile.company", at: node.location))
        if let c = values["company"], let text = reader.string(c, "profile.company") { company = Traced(text, reader.origin("profile.company", c)) } else if values["company"] == nil {
            reader.error("profile.company is required: the company name of this SQL Accounting database", at: node, "profile.company", code: "missing-key")
        }
        var enabled = Traced(true, Origin.builtIn("profile.enabled"))
        if let e = values["enabled"], let flag = reader.bool(e, "profile.enabled") { enabled = Traced(flag, reader.origin("profile.enabled", e)) }

        var stores: [StoreDeclaration] = []
        if let s = values["stores"], let storeEntries = reader.mapping(s, "profile.stores", what: "a mapping of store ids to {channel: …}") {
            for entry in storeEntries {
                let path = "profile.stores.\(entry.key)"
                guard let fields = reader.mapping(entry.value, path, known: ["channel", "name"]) else { continue }
                let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
                guard let channelNode = map["channel"] else {
                    reader.error("store '\(entry.key)' needs a channel (one of \(Channel.allCases.map(\.rawValue).joined(separator: ", ")))", at: entry.keyNode, path + ".channel", code: "missing-key")
                    continue
                }
                guard let channelName = reader.string(channelNode, path + ".channel") else { continue }
                guard let channel = Channel(rawValue: channelName) else {
                    reader.error("'\(channelName)' is not a channel; channels are \(Channel.allCases.map(\.rawValue).joined(separator: ", "))", at: channelNode, path + ".channel", code: "unknown-channel", suggestion: Suggest.closest(to: channelName, in: Channel.allCases.map(\.rawValue)))
                    continue
                }
                stores.append(StoreDeclaration(id: entry.key, channel: channel, name: map["name"].flatMap { reader.string($0, path + ".name") }, origin: reader.origin(path, entry.keyNode)))
            }
        }
        if stores.isEmpty && values["stores"] != nil {
            reader.error("profile.stores lists no store; name at least one store whose orders are synced", at: values["stores"], "profile.stores", code: "missing-key")
        } else if values["stores"] == nil {
            reader.error("profile.stores is required: the stores whose orders are synced", at: node, "profile.stores", code: "missing-key")
        }

        let connection = readConnection(values["connection"], profileNode: node)
        return Profile(company: company, enabled: enabled, stores: stores, connection: connection)
    }

    private func readConnection(_ node: YAMLNode?, profileNode: YAMLNode) -> Connection {
        var connection = Connection(mode: "cloud", host: Traced("api.sql.my", .builtIn("profile.connection.host")),
                                    region: Traced("ap-southeast-5", .builtIn("profile.connection.region")),
                                    service: Traced("sqlaccount", .builtIn("profile.connection.service")),
                                    timeoutSeconds: Traced(30, .builtIn("profile.connection.timeout_seconds")),
                                    accessKey: .environment("LEDGERSYNC_ACCESS_KEY"), secretKey: .environment("LEDGERSYNC_SECRET_KEY"))
        guard let node else {
            reader.error("profile.connection is required: say where the access key and secret key come from, e.g. access_key: {env: LEDGERSYNC_ACCESS_KEY}", at: profileNode, "profile.connection", code: "missing-key")
            return connection
        }
        guard let entries = reader.mapping(node, "profile.connection", known: ["mode", "host", "region", "service", "timeout_seconds", "access_key", "secret_key"]) else { return connection }
        var sawAccess = false, sawSecret = false
        for entry in entries {
            let path = "profile.connection.\(entry.key)"
            switch entry.key {
            case "mode": if let m = reader.choice(entry.value, path, ["cloud"]) { connection.mode = m }
            case "host": if let v = reader.string(entry.value, path) { connection.host = Traced(v, reader.origin(path, entry.value)) }
            case "region": if let v = reader.string(entry.value, path) { connection.region = Traced(v, reader.origin(path, entry.value)) }
            case "service": if let v = reader.string(entry.value, path) { connection.service = Traced(v, reader.origin(path, entry.value)) }
            case "timeout_seconds": if let v = reader.integer(entry.value, path, in: 1...600) { connection.timeoutSeconds = Traced(v, reader.origin(path, entry.value)) }
            case "access_key":
                sawAccess = true
                if let ref = readSecret(entry.value, path) { connection.accessKey = ref }
            default:
                sawSecret = true
                if let ref = readSecret(entry.value, path) { connection.secretKey = ref }
            }
        }
        if !sawAccess { reader.error("profile.connection.access_key is required, e.g. access_key: {env: LEDGERSYNC_ACCESS_KEY}", at: node, "profile.connection.access_key", code: "missing-key") }
        if !sawSecret { reader.error("profile.connection.secret_key is required, e.g. secret_key: {env: LEDGERSYNC_SECRET_KEY}", at: node, "profile.connection.secret_key", code: "missing-key") }
        return connection
    }

    private func readSecret(_ node: YAMLNode, _ path: String) -> SecretReference? {
        if case .scalar = node.kind, !node.isNull {
            reader.error("a literal key in a pack would be committed to git; reference it instead: \(path.hasSuffix("secret_key") ? "secret_key: {env: LEDGERSYNC_SECRET_KEY}" : "access_key: {env: LEDGERSYNC_ACCESS_KEY}") or {file: ~/.config/ledgersync/acme.env, key: \(path.hasSuffix("secret_key") ? "SECRET_KEY" : "ACCESS_KEY")} (a file outside the repository)", at: node, path, code: "literal-secret")
            return nil
        }
        guard let entries = reader.mapping(node, path, known: ["env", "file", "key"]) else { return nil }
        let map = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
        if let env = map["env"] {
            if map["file"] != nil { reader.error("give either env or file for \(path), not both", at: node, path, code: "invalid-value") }
            guard let name = reader.string(env, path + ".env") else { return nil }
            guard name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) != nil else {
                reader.error("'\(name)' is not an environment variable name (letters, digits and _)", at: env, path + ".env", code: "invalid-value")
                return nil
            }
            return .environment(name)
        }
        if let file = map["file"] {
            guard let filePath = reader.string(file, path + ".file") else { return nil }
            let key = map["key"].flatMap { reader.string($0, path + ".key") } ?? (path.hasSuffix("secret_key") ? "SECRET_KEY" : "ACCESS_KEY")
            // A secrets file must live outside the pack so it is never committed with it.
            let declaringDirectory = (file.location.file as NSString).deletingLastPathComponent
            let resolved = filePath.hasPrefix("/") || filePath.hasPrefix("~") ? filePath : ((loader.absolutePath(declaringDirectory) as NSString).appendingPathComponent(filePath) as NSString).standardizingPath
            let repository = layered.repositoryRoot.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
            if let repository, resolved.hasPrefix(repository) {
                reader.error("the secrets file '\(filePath)' is inside the repository and would be committed with the pack; keep it outside, e.g. ~/.config/ledgersync/", at: file, path + ".file", code: "literal-secret")
            } else if resolved.hasPrefix(layered.directory + "/") {
                // Outside git too: the pack folder is what gets copied, shared and committed later.
                reader.error("the secrets file '\(filePath)' is inside the pack folder and would be copied and committed with the pack; keep it outside, e.g. ~/.config/ledgersync/", at: file, path + ".file", code: "literal-secret")
            }
            return .file(path: resolved, key: key)
        }
        reader.error("\(path) needs env: VARIABLE or file: PATH", at: node, path, code: "missing-key")
        return nil
    }

    // MARK: settings

    /// The keys allowed in a settings block, grouped keys written as nested mappings.
    private static let settingTopLevelNames: [String] = {
        var names: [String] = []
        for key in SettingKey.allCases {
            let name = key.group ?? key.rawValue
            if !names.contains(name) { names.append(name) }
        }
        return names
    }()

    func readSettings(_ node: YAMLNode, path: String) -> SettingLayer {
        var layer = SettingLayer()
        guard let entries = reader.mapping(node, path, known: Self.settingTopLevelNames) else { return layer }
        for entry in entries {
            let groupKeys = SettingKey.allCases.filter { $0.group == entry.key }
            if groupKeys.isEmpty {
                if let key = SettingKey(rawValue: entry.key), let value = readSetting(key, entry.value, path: NodeReader.join(path, entry.key)) {
                    layer[key] = value
                }
                continue
            }
            let groupPath = NodeReader.join(path, entry.key)
            guard let members = reader.mapping(entry.value, groupPath, known: groupKeys.map(\.leafName)) else { continue }
            for member in members {
                guard let key = groupKeys.first(where: { $0.leafName == member.key }) else { continue }
                if let value = readSetting(key, member.value, path: NodeReader.join(groupPath, member.key)) { layer[key] = value }
            }
        }
        return layer
    }

    func readSetting(_ key: SettingKey, _ node: YAMLNode, path: String) -> Traced<SettingValue>? {
        let origin = reader.origin(path, node)
        switch key.spec.kind {
        case .code(let max):
            return reader.code(node, path, maxLength: max, allowEmpty: !key.requiresValue).map { Traced(.string($0), origin) }
        case .template:
            guard let text = reader.optionalString(node, path) else { return nil }
            checkTemplate(text, node, path)
            if key == .idempotencyKey && !text.contains("{id}") && !text.contains("{order_number}") {
                reader.error("idempotency_key must contain {id} or {order_number}, or two orders would share one invoice", at: node, path, code: "invalid-value")
                return nil
            }
            return Traced(.string(text), origin)
        case .bool:
            return reader.bool(node, path).map { Traced(.bool($0), origin) }
        case .choice(let choices):
            return reader.choice(node, path, choices).map { Traced(.string($0), origin) }
        case .integer(let range):
            return reader.integer(node, path, in: range).map { Traced(.int($0), origin) }
        case .rate:
            return reader.rate(node, path).map { Traced(.rate($0), origin) }
        case .statuses:
            guard let items = reader.sequence(node, path) else { return nil }
            var statuses: [String] = []
            for item in items {
                guard let name = reader.string(item, path) else { continue }
                if OrderStatus(rawValue: name) == nil {
                    reader.error("'\(name)' is not an order status; statuses are \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))", at: item, path, code: "invalid-value", suggestion: Suggest.closest(to: name, in: OrderStatus.allCases.map(\.rawValue)))
                } else {
                    statuses.append(name)
                }
            }
            return Traced(.strings(statuses), origin)
        case .utcOffset:
            guard let text = reader.string(node, path) else { return nil }
            guard UTCOffset.seconds(text) != nil else {
                reader.error("'\(text)' is not a UTC offset; write it like +08:00", at: node, path, code: "invalid-value")
                return nil
            }
            return Traced(.string(text), origin)
        }
    }

    private func checkTemplate(_ text: String, _ node: YAMLNode, _ path: String) {
        for placeholder in Template.placeholders(in: text) where !SettingSpec.templatePlaceholders.contains(placeholder) {
            reader.error("unknown placeholder {\(placeholder)} in \(path); available: \(SettingSpec.templatePlaceholders.map { "{\($0)}" }.joined(separator: ", "))", at: node, path, code: "unknown-placeholder", suggestion: Suggest.closest(to: placeholder, in: SettingSpec.templatePlaceholders).map { "{\($0)}" })
        }
    }

    private func readOverride(_ node: YAMLNode, path: String) -> Override {
        var override = Override()
        guard let entries = reader.mapping(node, path, known: ["defaults", "items"]) else { return override }
        for entry in entries {
            let subpath = NodeReader.join(path, entry.key)
            if entry.key == "defaults" {
                override.defaults = readSettings(entry.value, path: subpath)
            } else {
                override.items = Array(readItemRows(entry.value, path: subpath).values).sorted { $0.sku < $1.sku }
            }
        }
        return override
    }

    // MARK: presets

    private func readPresets(_ node: YAMLNode, targets: [String], checkTargets: Bool) -> [Preset] {
        guard let entries = reader.mapping(node, "presets", what: "a mapping of preset names to {item_code, uom, tax, enabled_for}") else { return [] }
        var presets: [Preset] = []
        var claimed: [String: String] = [:]
        for entry in entries {
            let path = "presets.\(entry.key)"
            guard let fields = reader.mapping(entry.value, path, known: ["item_code", "uom", "tax", "enabled_for", "description"]) else { continue }
            let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
            guard let itemNode = map["item_code"] else {
                reader.error("preset '\(entry.key)' needs item_code", at: entry.keyNode, path + ".item_code", code: "missing-key")
                continue
            }
            guard let itemCode = reader.code(itemNode, path + ".item_code", maxLength: 30, allowEmpty: false) else { continue }
            let uom = map["uom"].flatMap { reader.code($0, path + ".uom", maxLength: 10, allowEmpty: false) } ?? "UNIT"
            let tax = map["tax"].flatMap { readTax($0, path: path + ".tax") }
            var enabledFor: [String] = []
            if let list = map["enabled_for"], let items = reader.sequence(list, path + ".enabled_for") {
                for item in items {
                    guard let target = reader.string(item, path + ".enabled_for") else { continue }
                    if checkTargets && !targets.contains(target) {
                        reader.error("'\(target)' in \(path).enabled_for is neither a channel nor a store in profile.stores", at: item, path + ".enabled_for", code: "unknown-target", suggestion: Suggest.closest(to: target, in: targets))
                        continue
                    }
                    if let other = claimed[target] {
                        reader.error("presets '\(other)' and '\(entry.key)' are both enabled for '\(target)'; a channel or store can have one preset", at: item, path + ".enabled_for", code: "preset-conflict")
                        continue
                    }
                    claimed[target] = entry.key
                    enabledFor.append(target)
                }
            }
            if let d = map["description"] { _ = reader.optionalString(d, path + ".description") }
            presets.append(Preset(name: entry.key, itemCode: itemCode, uom: uom, tax: tax, enabledFor: enabledFor, origin: reader.origin(path, entry.keyNode)))
        }
        return presets
    }

    private func readTax(_ node: YAMLNode, path: String) -> TaxSetting? {
        guard let entries = reader.mapping(node, path, known: ["code", "rate"]) else { return nil }
        let map = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
        let code = map["code"].flatMap { reader.code($0, path + ".code", maxLength: 10) } ?? ""
        let rate = map["rate"].flatMap { reader.rate($0, path + ".rate") } ?? .zero
        if !code.isEmpty && map["rate"] == nil {
            reader.error("tax code '\(code)' needs a rate, e.g. rate: 8%", at: node, path + ".rate", code: "missing-key")
        }
        return TaxSetting(code: code, rate: rate)
    }

    // MARK: matching

    private func readMatching(_ node: YAMLNode, targets: [String], checkTargets: Bool) -> Matching {
        var matching = Matching()
        guard let entries = reader.mapping(node, "matching", known: ["items", "item_sheets", "customers", "shipping", "payments", "currencies"]) else { return matching }
        var sheetRows: [String: ItemMatch] = [:]
        var inlineRows: [String: ItemMatch] = [:]
        for entry in entries {
            let path = "matching.\(entry.key)"
            switch entry.key {
            case "items":
                inlineRows = readItemRows(entry.value, path: path)
            case "item_sheets":
                let sheets = entry.value.items ?? [entry.value]
                for sheet in sheets {
                    guard let relative = reader.string(sheet, path) else { continue }
                    let declaringDirectory = (loader.absolutePath(sheet.location.file) as NSString).deletingLastPathComponent
                    guard let file = loader.confinedPath(relative, relativeTo: declaringDirectory, repositoryRoot: layered.repositoryRoot, at: sheet.location, keyPath: path, diagnostics: &reader.diagnostics) else { continue }
                    let (rows, diagnostics) = ItemSheet.read(path: file, displayPath: loader.displayPath(file), declaredAt: sheet.location)
                    matching.itemSheets.append(ItemSheetReference(path: file, displayPath: loader.displayPath(file), declaredAt: sheet.location,
                                                                  declaringFile: loader.absolutePath(sheet.location.file)))
                    reader.diagnostics += diagnostics
                    for row in rows {
                        if let earlier = sheetRows[row.sku] {
                            reader.diagnostics.append(.error("SKU '\(row.sku)' is matched in two sheets (also at \(earlier.origin.location?.fileAndLine ?? "?")); keep it in one", at: row.origin.location, keyPath: "sku", code: "duplicate-sku"))
                        }
                        sheetRows[row.sku] = row
                    }
                }
            case "customers":
                matching.customers = readKeyedCodes(entry.value, path: path, targets: targets, checkTargets: checkTargets, maxLength: 10)
            case "payments":
                matching.payments = readKeyedCodes(entry.value, path: path, targets: targets, checkTargets: checkTargets, maxLength: 10)
            case "shipping":
                guard let rows = reader.mapping(entry.value, path, what: "a mapping of channel or store to {enabled, code, uom}") else { continue }
                for row in rows {
                    let rowPath = "\(path).\(row.key)"
                    checkTarget(row.key, row.keyNode, rowPath, targets: targets, enabled: checkTargets)
                    guard let fields = reader.mapping(row.value, rowPath, known: ["enabled", "code", "uom", "account", "tax"]) else { continue }
                    let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
                    let enabled = map["enabled"].flatMap { reader.bool($0, rowPath + ".enabled") } ?? false
                    let code = map["code"].flatMap { reader.code($0, rowPath + ".code", maxLength: 30) } ?? ""
                    if enabled && code.isEmpty {
                        reader.error("shipping for '\(row.key)' is enabled but has no item code; add code: SHIPPING (an item in SQL Account) or set enabled: false", at: row.value, rowPath + ".code", code: "missing-key")
                    }
                    let uom = map["uom"].flatMap { reader.code($0, rowPath + ".uom", maxLength: 10) } ?? "UNIT"
                    let account = map["account"].flatMap { reader.code($0, rowPath + ".account", maxLength: 10) }
                    let tax = map["tax"].flatMap { readTax($0, path: rowPath + ".tax") }
                    matching.shipping[row.key] = ShippingMatch(enabled: enabled, code: code, uom: uom.isEmpty ? "UNIT" : uom, account: account, tax: tax, origin: reader.origin(rowPath, row.keyNode))
                }
            default:
                guard let rows = reader.mapping(entry.value, path, what: "a mapping of currency (MYR, SGD …) to an SQL currency code") else { continue }
                for row in rows {
                    let rowPath = "\(path).\(row.key)"
                    if row.key.count != 3 || row.key.uppercased() != row.key {
                        reader.error("'\(row.key)' is not a currency code; use the ISO code the orders carry, e.g. SGD", at: row.keyNode, rowPath, code: "invalid-value")
                    }
                    if row.value.scalar != nil, !row.value.isNull {
                        if let code = reader.code(row.value, rowPath, maxLength: 10, allowEmpty: false) {
                            matching.currencies[row.key] = CurrencyMatch(code: code, rate: nil, origin: reader.origin(rowPath, row.value))
                        }
                        continue
                    }
                    guard let fields = reader.mapping(row.value, rowPath, known: ["code", "rate"]) else { continue }
                    let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
                    guard let codeNode = map["code"] else {
                        reader.error("currency matching for \(row.key) needs code (the SQL Account currency code, ---- for the base currency)", at: row.value, rowPath + ".code", code: "missing-key")
                        continue
                    }
                    guard let code = reader.code(codeNode, rowPath + ".code", maxLength: 10, allowEmpty: false) else { continue }
                    var rate: FixedDecimal?
                    if let rateNode = map["rate"], let text = reader.string(rateNode, rowPath + ".rate") {
                        rate = FixedDecimal(parsing: text, maxScale: 8)
                        if rate == nil || (rate?.units ?? 0) <= 0 {
                            reader.error("'\(text)' is not an exchange rate; write a positive decimal like 3.1050", at: rateNode, rowPath + ".rate", code: "invalid-value")
                        }
                    }
                    matching.currencies[row.key] = CurrencyMatch(code: code, rate: rate, origin: reader.origin(rowPath, row.keyNode))
                }
            }
        }
        matching.items = sheetRows.merging(inlineRows) { _, inline in inline }
        return matching
    }

    private func checkTarget(_ key: String, _ node: YAMLNode, _ path: String, targets: [String], enabled: Bool) {
        guard enabled, !targets.contains(key) else { return }
        reader.error("'\(key)' is neither a channel nor a store in profile.stores", at: node, path, code: "unknown-target", suggestion: Suggest.closest(to: key, in: targets))
    }

    private func readKeyedCodes(_ node: YAMLNode, path: String, targets: [String], checkTargets: Bool, maxLength: Int) -> [String: Traced<String>] {
        var result: [String: Traced<String>] = [:]
        guard let rows = reader.mapping(node, path, what: "a mapping of channel or store to a code") else { return result }
        for row in rows {
            let rowPath = "\(path).\(row.key)"
            checkTarget(row.key, row.keyNode, rowPath, targets: targets, enabled: checkTargets)
            if let code = reader.code(row.value, rowPath, maxLength: maxLength, allowEmpty: false) {
                result[row.key] = Traced(code, reader.origin(rowPath, row.value))
            }
        }
        return result
    }

    func readItemRows(_ node: YAMLNode, path: String) -> [String: ItemMatch] {
        var rows: [String: ItemMatch] = [:]
        guard let items = reader.sequence(node, path) else { return rows }
        for (index, item) in items.enumerated() {
            let rowPath = "\(path)[\(index)]"
            guard let fields = reader.mapping(item, rowPath, known: ["sku", "code", "uom", "rate", "tax", "serialised", "account"]) else { continue }
            let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
            guard let skuNode = map["sku"], let sku = reader.string(skuNode, rowPath + ".sku") else {
                if map["sku"] == nil { reader.error("item matching row needs sku", at: item, rowPath + ".sku", code: "missing-key") }
                continue
            }
            guard let codeNode = map["code"] else {
                reader.error("item matching for SKU '\(sku)' needs code (the SQL item code)", at: item, rowPath + ".code", code: "missing-key")
                continue
            }
            guard let code = reader.code(codeNode, rowPath + ".code", maxLength: 30, allowEmpty: false) else { continue }
            if let existing = rows[sku] {
                reader.error("SKU '\(sku)' is matched twice in \(path) (also at \(existing.origin.location?.fileAndLine ?? "?")); keep one row", at: skuNode, rowPath + ".sku", code: "duplicate-sku")
            }
            let uom = map["uom"].flatMap { reader.code($0, rowPath + ".uom", maxLength: 10) }
            let rate = map["rate"].flatMap { reader.integer($0, rowPath + ".rate", in: 1...100_000) }
            let tax = map["tax"].flatMap { readTax($0, path: rowPath + ".tax") }
            let serialised = map["serialised"].flatMap { reader.bool($0, rowPath + ".serialised") } ?? false
            let account = map["account"].flatMap { reader.code($0, rowPath + ".account", maxLength: 10) }
            rows[sku] = ItemMatch(sku: sku, code: code, uom: uom.flatMap { $0.isEmpty ? nil : $0 }, rate: rate, tax: tax, serialised: serialised, account: account, origin: Origin("\(path)[\(sku)]", at: item.location))
        }
        return rows
    }

    // MARK: rules

    private func readRules(_ node: YAMLNode) -> [ConditionalRule] {
        guard let items = reader.sequence(node, "rules") else { return [] }
        var rules: [ConditionalRule] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "rules[\(index)]"
            guard let fields = reader.mapping(item, path, known: ["name", "scope", "when", "set", "exclude", "stop", "description"]) else { continue }
            let map = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { _, b in b })
            guard let nameNode = map["name"], let name = reader.string(nameNode, path + ".name") else {
                if map["name"] == nil { reader.error("every rule needs a name (shown in explain and plan output)", at: item, path + ".name", code: "missing-key") }
                continue
            }
            if !names.insert(name).inserted {
                reader.error("two rules are named '\(name)'; rule names must be unique", at: nameNode, path + ".name", code: "duplicate-rule")
            }
            let rulePath = "rules[\(name)]"
            var scope = RuleScope.order
            if let s = map["scope"], let text = reader.choice(s, rulePath + ".scope", ["order", "line"]) { scope = RuleScope(rawValue: text) ?? .order }
            guard let whenNode = map["when"] else {
                reader.error("rule '\(name)' needs a when: condition (use when: 'true' to always apply)", at: item, rulePath + ".when", code: "missing-key")
                continue
            }
            guard let source = reader.string(whenNode, rulePath + ".when") else { continue }
            let start = expressionStart(whenNode)
            var condition: CompiledExpression?
            switch ExpressionCompiler.compile(source, at: start, keyPath: rulePath + ".when", scope: RuleVariable.scope(for: scope)) {
            case .success(let compiled): condition = compiled
            case .failure(let diagnostics):
                reader.diagnostics += diagnostics.map { diagnostic in
                    guard scope == .order, diagnostic.code == "unknown-field", diagnostic.message.contains("'line.") else { return diagnostic }
                    var explained = diagnostic
                    explained.message = "\(diagnostic.message.components(separatedBy: ";").first ?? diagnostic.message): line fields are only available to line rules; add scope: line to rule '\(name)'"
                    explained.suggestion = nil
                    return explained
                }
            }
            var orderSets: [(key: SettingKey, value: Traced<SettingValue>)] = []
            var lineSets: [(field: LineField, value: Traced<SettingValue>)] = []
            if let setNode = map["set"] {
                let setPath = rulePath + ".set"
                if scope == .order {
                    let layer = readSettings(setNode, path: setPath)
                    for key in SettingKey.allCases {
                        guard let value = layer[key] else { continue }
                        if SettingKey.orderRuleSettable.contains(key) {
                            orderSets.append((key: key, value: value))
                        } else {
                            reader.diagnostics.append(.error("an order rule cannot set '\(key.rawValue)'; it may set \(SettingKey.orderRuleSettable.map(\.rawValue).joined(separator: ", "))", at: value.origin.location ?? setNode.location, keyPath: NodeReader.join(setPath, key.rawValue), code: "invalid-rule"))
                        }
                    }
                } else {
                    lineSets = readLineSets(setNode, path: setPath)
                }
            }
            var exclude: Traced<String>?
            if let e = map["exclude"] {
                if scope == .line {
                    reader.error("only order rules can exclude; use scope: order", at: e, rulePath + ".exclude", code: "invalid-rule")
                } else if let reason = reader.string(e, rulePath + ".exclude") {
                    exclude = Traced(reason, reader.origin(rulePath + ".exclude", e))
                }
            }
            if map["set"] == nil && map["exclude"] == nil {
                reader.error("rule '\(name)' neither sets anything nor excludes; add set: {…} or exclude: 'reason'", at: item, rulePath, code: "invalid-rule")
            }
            let stop = map["stop"].flatMap { reader.bool($0, rulePath + ".stop") } ?? false
            if let d = map["description"] { _ = reader.optionalString(d, rulePath + ".description") }
            if let condition {
                rules.append(ConditionalRule(name: name, scope: scope, condition: condition, orderSets: orderSets, lineSets: lineSets, exclude: exclude, stop: stop, origin: Origin(rulePath, at: item.location)))
            }
        }
        return rules
    }

    /// Where the expression text starts: one column right of an opening quote.
    private func expressionStart(_ node: YAMLNode) -> SourceLocation {
        if case .scalar(_, false) = node.kind { return node.location.advanced(byColumns: 1) }
        return node.location
    }

    private func readLineSets(_ node: YAMLNode, path: String) -> [(field: LineField, value: Traced<SettingValue>)] {
        var sets: [(field: LineField, value: Traced<SettingValue>)] = []
        let topNames = ["item_code", "uom", "account", "location", "project", "description", "tax"]
        guard let entries = reader.mapping(node, path, known: topNames) else { return sets }
        for entry in entries {
            let fieldPath = NodeReader.join(path, entry.key)
            switch entry.key {
            case "tax":
                guard let members = reader.mapping(entry.value, fieldPath, known: ["code", "rate"]) else { continue }
                for member in members {
                    let memberPath = NodeReader.join(fieldPath, member.key)
                    if member.key == "code", let code = reader.code(member.value, memberPath, maxLength: 10) {
                        sets.append((field: .taxCode, value: Traced(.string(code), reader.origin(memberPath, member.value))))
                    } else if member.key == "rate", let rate = reader.rate(member.value, memberPath) {
                        sets.append((field: .taxRate, value: Traced(.rate(rate), reader.origin(memberPath, member.value))))
                    }
                }
            case "description":
                if let text = reader.optionalString(entry.value, fieldPath) {
                    checkTemplate(text, entry.value, fieldPath)
                    sets.append((field: .description, value: Traced(.string(text), reader.origin(fieldPath, entry.value))))
                }
            default:
                guard let field = LineField(rawValue: entry.key) else { continue }
                let max = field == .itemCode ? 30 : field == .project ? 20 : 10
                if let code = reader.code(entry.value, fieldPath, maxLength: max, allowEmpty: field != .itemCode) {
                    sets.append((field: field, value: Traced(.string(code), reader.origin(fieldPath, entry.value))))
                }
            }
        }
        return sets
    }

    // MARK: edit policy

    private func readEditPolicy(_ node: YAMLNode) -> EditPolicy {
        var policy = EditPolicy(fields: [:], editable: [])
        guard let entries = reader.mapping(node, "edit_policy", known: ["fields", "editable"]) else { return policy }
        let allFields = EditPolicy.allFields
        for entry in entries {
            let path = "edit_policy.\(entry.key)"
            if entry.key == "fields" {
                guard let rows = reader.mapping(entry.value, path, what: "a mapping of invoice field to create_only | update | ignore") else { continue }
                for row in rows {
                    let rowPath = "\(path).\(row.key)"
                    if row.key.hasPrefix(EditPolicy.receiptPrefix) && !EditPolicy.receiptFields.contains(row.key) {
                        reader.error("'\(row.key)' is not a receipt field ledgersync updates; a synced receipt is only ever changed by its O/R number, in one of: \(EditPolicy.receiptFields.joined(separator: ", "))",
                                     at: row.keyNode, rowPath, code: "unknown-field", suggestion: Suggest.closest(to: row.key, in: EditPolicy.receiptFields))
                        continue
                    }
                    guard allFields.contains(row.key) || EditPolicy.receiptFields.contains(row.key) else {
                        reader.error("'\(row.key)' is not an invoice field", at: row.keyNode, rowPath, code: "unknown-field", suggestion: Suggest.closest(to: row.key, in: allFields))
                        continue
                    }
                    if let choice = reader.choice(row.value, rowPath, FieldPolicy.allCases.map(\.rawValue)), let fieldPolicy = FieldPolicy(rawValue: choice) {
                        if row.key == "docref1" && fieldPolicy != .createOnly {
                            reader.error("docref1 is the idempotency key that finds the invoice again; it must stay create_only", at: row.value, rowPath, code: "invalid-value")
                            continue
                        }
                        policy.fields[row.key] = Traced(fieldPolicy, reader.origin(rowPath, row.value))
                    }
                }
            } else {
                guard let items = reader.sequence(entry.value, path) else { continue }
                for item in items {
                    guard let field = reader.string(item, path) else { continue }
                    guard allFields.contains(field) else {
                        reader.error("'\(field)' is not an invoice field", at: item, path, code: "unknown-field", suggestion: Suggest.closest(to: field, in: allFields))
                        continue
                    }
                    if field == "docref1" {
                        reader.error("docref1 is the idempotency key; operators cannot edit it", at: item, path, code: "invalid-value")
                        continue
                    }
                    policy.editable.append(Traced(field, reader.origin(path, item)))
                }
            }
        }
        for field in EditPolicy.builtInCreateOnly where policy.fields[field] == nil {
            policy.fields[field] = Traced(.createOnly, .builtIn("edit_policy.fields.\(field)"))
        }
        return policy
    }

    // MARK: completeness

    /// Settings without a built-in default that some store would need.
    // MARK: payments

    private func readPayments(_ node: YAMLNode) -> PaymentSettings {
        var settings = PaymentSettings()
        guard let entries = reader.mapping(node, "payments", known: ["fees", "fee_account", "journal", "description", "or_number_field", "negative_payouts",
                                                                 "channel_charges", "charge_item", "charge_account"]) else { return settings }
        for entry in entries {
            let path = "payments.\(entry.key)"
            switch entry.key {
            case "fees":
                if let choice = reader.choice(entry.value, path, PaymentSettings.FeeTreatment.allCases.map(\.rawValue)),
                   let treatment = PaymentSettings.FeeTreatment(rawValue: choice) {
                    settings.fees = Traced(treatment, reader.origin(path, entry.value))
                }
            case "fee_account":
                if let code = reader.string(entry.value, path) {
                    if code.isEmpty || code.count > 10 {
                        reader.error("'\(code)' is not a GL account code (1–10 characters, e.g. 908-000)", at: entry.value, path, code: "invalid-value")
                    } else {
                        settings.feeAccount = Traced(code, reader.origin(path, entry.value))
                    }
                }
            case "journal":
                if let journal = reader.choice(entry.value, path, ["BANK", "CASH"]) { settings.journal = Traced(journal, reader.origin(path, entry.value)) }
            case "negative_payouts":
                if let choice = reader.choice(entry.value, path, PaymentSettings.NegativePayouts.allCases.map(\.rawValue)),
                   let treatment = PaymentSettings.NegativePayouts(rawValue: choice) {
                    settings.negativePayouts = Traced(treatment, reader.origin(path, entry.value))
                }
            case "channel_charges":
                if let choice = reader.choice(entry.value, path, PaymentSettings.ChannelCharges.allCases.map(\.rawValue)),
                   let treatment = PaymentSettings.ChannelCharges(rawValue: choice) {
                    settings.channelCharges = Traced(treatment, reader.origin(path, entry.value))
                }
            case "charge_item":
                if let code = reader.string(entry.value, path) {
                    if code.isEmpty || code.count > 30 {
                        reader.error("'\(code)' is not an item code (1–30 characters, e.g. ECOM-FEES)", at: entry.value, path, code: "invalid-value")
                    } else {
                        settings.chargeItem = Traced(code, reader.origin(path, entry.value))
                    }
                }
            case "charge_account":
                if let code = reader.string(entry.value, path) {
                    if code.isEmpty || code.count > 10 {
                        reader.error("'\(code)' is not a GL account code (1–10 characters, e.g. 908-000)", at: entry.value, path, code: "invalid-value")
                    } else {
                        settings.chargeAccount = Traced(code, reader.origin(path, entry.value))
                    }
                }
            case "or_number_field":
                if let field = reader.choice(entry.value, path, PaymentSettings.orNumberFields) {
                    settings.orNumberField = Traced(field, reader.origin(path, entry.value))
                }
            default:
                if let text = reader.string(entry.value, path) {
                    for name in Template.placeholders(in: text) where !PaymentSettings.placeholders.contains(name) {
                        reader.error("'{\(name)}' is not a payment description placeholder; use one of: \(PaymentSettings.placeholders.map { "{\($0)}" }.joined(separator: ", "))",
                                     at: entry.value, path, code: "unknown-placeholder", suggestion: Suggest.closest(to: name, in: PaymentSettings.placeholders))
                    }
                    settings.description = Traced(text, reader.origin(path, entry.value))
                }
            }
        }
        if settings.fees.value == .bankCharge && settings.feeAccount == nil {
            reader.error("payments.fees is bank_charge, so the fees need an account: add payments.fee_account (e.g. 908-000, marketplace fees)", at: node, "payments.fee_account", code: "missing-key")
        }
        return settings
    }

    private func checkCompleteness(_ pack: RulePack, root: YAMLNode) {
        guard let profile = pack.profile else { return }
        for store in profile.stores {
            let layer = pack.defaults.overlaid(by: pack.channelOverrides[store.channel]?.defaults ?? SettingLayer()).overlaid(by: pack.storeOverrides[store.id]?.defaults ?? SettingLayer())
            if layer[.customerCode] == nil && pack.matching.customers[store.id] == nil && pack.matching.customers[store.channel.rawValue] == nil {
                reader.diagnostics.append(.error("store '\(store.id)' has no customer: add matching.customers.\(store.channel.rawValue) (or .\(store.id)), or defaults.customer_code", at: store.origin.location, keyPath: "defaults.customer_code", code: "missing-key"))
            }
            let unmatched = layer[.unmatchedItems]?.value ?? SettingKey.unmatchedItems.spec.builtIn
            let hasPreset = pack.presets.contains { $0.enabledFor.contains(store.id) || $0.enabledFor.contains(store.channel.rawValue) }
            if unmatched == .string("default_item") && layer[.productCode] == nil && !hasPreset {
                reader.diagnostics.append(.error("store '\(store.id)' has no product code for unmatched SKUs: add defaults.product_code, or set defaults.unmatched_items: error", at: store.origin.location, keyPath: "defaults.product_code", code: "missing-key"))
            }
        }
    }
}

/// `{placeholder}` templates used by descriptions and keys.
public enum Template {
    public static func placeholders(in text: String) -> [String] {
        var result: [String] = []
        var current: String?
        for character in text {
            if character == "{" { current = "" } else if character == "}" {
                if let name = current { result.append(name) }
                current = nil
            } else if current != nil { current?.append(character) }
        }
        return result
    }
}

/// Parses `+08:00` / `-05:30` / `Z` to seconds east of UTC.
public enum UTCOffset {
    public static func seconds(_ text: String) -> Int? {
        if text == "Z" || text == "+00:00" { return 0 }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == 43 || bytes[0] == 45, bytes[3] == 58,
              let hours = Int(String(text.dropFirst().prefix(2))), let minutes = Int(String(text.suffix(2))),
              hours <= 14, minutes < 60 else { return nil }
        return (bytes[0] == 45 ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
