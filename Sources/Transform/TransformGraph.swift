import Expressions
import LedgerCore
import RulePack

/// A rule pack compiled for running: one `StorePlan` per synced store with every override, preset and
/// matching already resolved, so an order costs dictionary hits, not layer walks.
///
/// Pipeline (each stage is its own type and can be tested alone):
/// 1. `PackLoader` reads pack.yaml, includes and the `extends` chain into one located YAML tree;
/// 2. `RulePackValidator` checks it, collecting every diagnostic, into the `RulePack` model;
/// 3. `TransformGraph.compile` resolves precedence (built-in → base → client → channel → store) per store;
/// 4. `TransformGraph.run` turns one `Order` into an `OrderOutcome`: store/sample/status gates,
///    order rules, lines (preset → item matching → default), line rules, vouchers, shipping, tax,
///    tie-out, and the SQL Account payload with the provenance of every field.
public final class TransformGraph: @unchecked Sendable {
    public let pack: RulePack
    let stores: [String: StorePlan]
    let orderRules: [RuleSets]
    let lineRules: [RuleSets]
    let integrationEnabled: Traced<Bool>

    public init(pack: RulePack) {
        self.pack = pack
        orderRules = pack.rules.filter { $0.scope == .order }.map(RuleSets.init)
        lineRules = pack.rules.filter { $0.scope == .line }.map(RuleSets.init)
        integrationEnabled = pack.profile?.enabled ?? Traced(true, .builtIn("profile.enabled"))
        var plans: [String: StorePlan] = [:]
        for store in pack.profile?.stores ?? [] {
            plans[store.id] = StorePlan(pack: pack, store: store)
        }
        stores = plans
    }

    public var storeIDs: [String] { stores.keys.sorted() }

    /// The effective settings of a store, for `explain` and the docs.
    public func plan(forStore id: String) -> StorePlan? { stores[id] }

    /// Calls `body` with each line rule whose condition holds for `line` of `order`, in order, up to the first
    /// matching `stop` rule. A callback rather than an array: it runs for every order line.
    func forEachLineRule(where holds: (CompiledExpression) -> Bool, _ body: (RuleSets) -> Void) {
        for compiled in lineRules where holds(compiled.rule.condition) {
            body(compiled)
            if compiled.rule.stop { break }
        }
    }

    /// The item code line rules give `line` of `order` (the last rule that sets one wins, as in the transform), with
    /// the rule that set it; nil when no rule does or the store is not synced.
    public func ruleItemCode(for line: OrderLine, in order: Order) -> Traced<String>? {
        guard !lineRules.isEmpty, let plan = stores[order.store] else { return nil }
        var code: Traced<String>?
        let context = RuleContext(utcOffsetSeconds: plan.settings.utcOffsetSeconds.value)
        forEachLineRule(where: { condition in condition.evaluate { context.value($0, of: order, line: line) } }) { compiled in
            for set in compiled.lineSets where set.field == .itemCode { code = set.value }
        }
        return code
    }
}

/// A conditional rule with what it sets already made into the traced text the builder assigns ("rule 'x' set agent"):
/// rules run for every order and every line.
final class RuleSets: Sendable {
    struct Assignment<Field: Sendable>: Sendable {
        let field: Field
        let value: Traced<String>
        /// The value as a rate, for `tax_rate`.
        let rate: Rate?
        /// The value split into text and `{placeholder}`s, for `description` and `company_name`.
        let template: OrderTemplate
    }

    let rule: ConditionalRule
    let orderSets: [Assignment<SettingKey>]
    let lineSets: [Assignment<LineField>]

    init(_ rule: ConditionalRule) {
        self.rule = rule
        func assignment<Field>(_ field: Field, _ name: String, _ traced: Traced<SettingValue>) -> Assignment<Field> {
            let origin = Origin("rule '\(rule.name)' set \(name)", at: traced.origin.location)
            var rate: Rate?
            if case .rate(let value) = traced.value { rate = value }
            let text = traced.value.description
            return Assignment(field: field, value: Traced(text, origin), rate: rate, template: OrderTemplate(text))
        }
        orderSets = rule.orderSets.map { assignment($0.key, $0.key.rawValue, $0.value) }
        lineSets = rule.lineSets.map { assignment($0.field, $0.field.rawValue, $0.value) }
    }
}

/// Everything one store's orders need, resolved once. A class: every order of the store shares it, so handing it
/// to an order's builder is one reference, not a copy of a few dozen traced settings.
public final class StorePlan: Sendable {
    public let store: StoreDeclaration
    public let settings: ResolvedSettings
    public let items: [String: ItemMatch]
    public let preset: Preset?
    public let customer: Traced<String>?
    public let shipping: ShippingMatch?
    public let payment: Traced<String>?
    public let currencies: [String: CurrencyMatch]
    /// Origins that are the same for every order of the store, each a string to build, so made once here.
    let documentNumberOrigin: Origin
    let issueDateOrigin: Origin
    let shippingOrigin: Origin?
    let presetOrigin: Origin?
    /// What the vouchers taken off an invoice are called: the seller's, or with the platform's and coins on the
    /// buyer-paid basis; and the voucher line's description, as `vouchers.treatment: line` adds it.
    let voucherLabel: String
    let voucherLineDescription: Traced<String>
    /// An unmatched SKU's item code (`defaults.product_code`).
    let unmatchedItemCode: Traced<String>
    /// The store's `{placeholder}` settings, split into text and placeholders once.
    let descriptionTemplate, keyTemplate, prefixTemplate, companyNameTemplate: OrderTemplate
    /// Per currency of `matching.currencies`, its code and (when the pack fixes it) rate as invoices carry them,
    /// traced: made once here rather than an origin string per order.
    let matchedCurrencies: [String: (code: Traced<String>, rate: Traced<String>?)]
    /// `sync_statuses` as bits (`OrderStatus.bit`): asked for every order, where a set would hash the status.
    let syncedStatusBits: UInt16

    init(pack: RulePack, store: StoreDeclaration) {
        self.store = store
        let channelOverride = pack.channelOverrides[store.channel]
        let storeOverride = pack.storeOverrides[store.id]
        var layer = SettingLayer()
        for key in SettingKey.allCases {
            if let builtIn = key.spec.builtIn { layer[key] = Traced(builtIn, .builtIn(key.rawValue)) }
        }
        layer = layer.overlaid(by: pack.defaults)
        if let channelOverride { layer = layer.overlaid(by: channelOverride.defaults) }
        if let storeOverride { layer = layer.overlaid(by: storeOverride.defaults) }
        settings = ResolvedSettings(layer)

        var items = pack.matching.items
        for row in channelOverride?.items ?? [] { items[row.sku] = row }
        for row in storeOverride?.items ?? [] { items[row.sku] = row }
        self.items = items

        let channel = store.channel.rawValue
        preset = pack.presets.first { $0.enabledFor.contains(store.id) } ?? pack.presets.first { $0.enabledFor.contains(channel) }
        customer = pack.matching.customers[store.id] ?? pack.matching.customers[channel]
        shipping = pack.matching.shipping[store.id] ?? pack.matching.shipping[channel]
        payment = pack.matching.payments[store.id] ?? pack.matching.payments[channel]
        currencies = pack.matching.currencies
        matchedCurrencies = Dictionary(uniqueKeysWithValues: pack.matching.currencies.map { currency, match in
            let code = Traced(match.code, Origin("matching.currencies.\(currency)", at: match.origin.location))
            if match.code == "----" { return (currency, (code, Traced("1.00", code.origin))) }
            return (currency, (code, match.rate.map { Traced($0.description, code.origin) }))
        })

        let source = settings.invoiceSource
        switch source.value {
        case "sqlaccount":
            documentNumberOrigin = Origin("invoice_number.source: sqlaccount — known after apply (SQL Account numbers it)", at: source.origin.location)
        case "order", "platform":
            documentNumberOrigin = settings.storeSuffix.value == "always"
                ? Origin("invoice_number.source: \(source.value) + store suffix", at: settings.storeSuffix.origin.location)
                : Origin("invoice_number.source: \(source.value)", at: source.origin.location)
        default:
            documentNumberOrigin = Origin("invoice_number.source: custom (prefix \(settings.invoicePrefix.origin.location?.fileAndLine ?? "built-in"), sequence from \(settings.invoiceStart.value))", at: source.origin.location)
        }
        let issueDate = settings.issueDate
        issueDateOrigin = issueDate.value == "sync" ? Origin("issue_date: sync (run date)", at: issueDate.origin.location)
            : Origin("order dates.\(issueDate.value) via issue_date", at: issueDate.origin.location)
        shippingOrigin = shipping.map { Origin("matching.shipping.\($0.origin.setting.split(separator: ".").last.map(String.init) ?? channel)", at: $0.origin.location) }
        voucherLabel = settings.basis.value == "buyer_paid" ? "vouchers and coins" : "seller voucher"
        voucherLineDescription = Traced(voucherLabel.prefix(1).uppercased() + voucherLabel.dropFirst(),
                                        Origin("\(voucherLabel) line (vouchers.treatment: line)", at: settings.spreadVouchers.origin.location))
        unmatchedItemCode = Traced(settings.productCode.value, Origin("unmatched SKU → defaults.product_code", at: settings.productCode.origin.location))
        syncedStatusBits = settings.syncStatuses.value.reduce(0) { $0 | $1.bit }
        descriptionTemplate = OrderTemplate(settings.description.value)
        keyTemplate = OrderTemplate(settings.idempotencyKey.value)
        prefixTemplate = OrderTemplate(settings.invoicePrefix.value)
        companyNameTemplate = OrderTemplate(settings.companyName.value)
        presetOrigin = preset.map { Origin("preset '\($0.name)' (enabled for \($0.enabledFor.contains(store.id) ? store.id : channel))", at: $0.origin.location) }
    }
}

/// The effective general settings of a store, typed for the hot path, with their origins.
///
/// A class: every order's builder reads it, and sharing it is one reference rather than a copy of a few dozen traced
/// values.
public final class ResolvedSettings: Sendable {
    public let layer: SettingLayer

    public let customerCode: Traced<String>?
    public let agent, terms, project, area, productCode, uom, account, location: Traced<String>
    public let description, companyName, idempotencyKey, invoicePrefix: Traced<String>
    public let uppercase, serialNumbers, showBundleItems, excludeTikTokSamples, uomConversion, pricesIncludeTax: Traced<Bool>
    public let issueDate: Traced<String>
    public let invoiceSource: Traced<String>
    public let invoiceDigits, invoiceStart, unitPriceDecimals: Traced<Int>
    public let storeSuffix: Traced<String>
    public let unmatchedIsError: Traced<Bool>
    public let basis: Traced<String>
    public let syncStatuses: Traced<Set<OrderStatus>>
    public let taxCode: Traced<String>
    public let taxRate: Traced<Rate>
    public let taxPerInvoice: Traced<Bool>
    public let spreadVouchers: Traced<Bool>
    public let voucherItem, voucherUOM, voucherAccount: Traced<String>
    public let utcOffsetSeconds: Traced<Int>
    /// The line field that takes the full text of a cut line description; nil when it is not kept.
    public let cutDescriptionField: Traced<String?>

    init(_ layer: SettingLayer) {
        self.layer = layer
        func string(_ key: SettingKey) -> Traced<String> {
            guard let traced = layer[key] else { return Traced("", .builtIn(key.rawValue)) }
            if case .string(let s) = traced.value { return Traced(s, traced.origin) }
            return Traced(traced.value.description, traced.origin)
        }
        func bool(_ key: SettingKey) -> Traced<Bool> {
            guard let traced = layer[key], case .bool(let b) = traced.value else { return Traced(false, .builtIn(key.rawValue)) }
            return Traced(b, traced.origin)
        }
        func int(_ key: SettingKey) -> Traced<Int> {
            guard let traced = layer[key], case .int(let i) = traced.value else { return Traced(0, .builtIn(key.rawValue)) }
            return Traced(i, traced.origin)
        }
        customerCode = layer[.customerCode].map { Traced($0.value.description, $0.origin) }
        agent = string(.agent); terms = string(.terms); project = string(.project); area = string(.area)
        productCode = string(.productCode); uom = string(.uom); account = string(.account); location = string(.location)
        description = string(.description); companyName = string(.companyName); idempotencyKey = string(.idempotencyKey)
        invoicePrefix = string(.invoiceNumberPrefix)
        uppercase = bool(.uppercase); serialNumbers = bool(.serialNumbers); showBundleItems = bool(.showBundleItems)
        excludeTikTokSamples = bool(.excludeTikTokSamples); uomConversion = bool(.uomConversion); pricesIncludeTax = bool(.pricesIncludeTax)
        issueDate = string(.issueDate)
        invoiceSource = string(.invoiceNumberSource)
        invoiceDigits = int(.invoiceNumberDigits); invoiceStart = int(.invoiceNumberStart); unitPriceDecimals = int(.unitPriceDecimals)
        storeSuffix = string(.invoiceNumberStoreSuffix)
        let unmatched = string(.unmatchedItems)
        unmatchedIsError = Traced(unmatched.value == "error", unmatched.origin)
        basis = string(.amountBasis)
        if let traced = layer[.syncStatuses], case .strings(let names) = traced.value {
            syncStatuses = Traced(Set(names.compactMap(OrderStatus.init(rawValue:))), traced.origin)
        } else {
            syncStatuses = Traced([], .builtIn("sync_statuses"))
        }
        taxCode = string(.taxCode)
        if let traced = layer[.taxRate], case .rate(let rate) = traced.value {
            taxRate = Traced(rate, traced.origin)
        } else {
            taxRate = Traced(.zero, .builtIn("tax.rate"))
        }
        let rounding = string(.taxRounding)
        taxPerInvoice = Traced(rounding.value == "per_invoice", rounding.origin)
        let voucher = string(.sellerVoucher)
        spreadVouchers = Traced(voucher.value == "spread", voucher.origin)
        voucherItem = string(.voucherItemCode); voucherUOM = string(.voucherUOM); voucherAccount = string(.voucherAccount)
        let offset = string(.utcOffset)
        utcOffsetSeconds = Traced(UTCOffset.seconds(offset.value) ?? 8 * 3600, offset.origin)
        let fullText = string(.cutDescriptionFullText)
        cutDescriptionField = Traced(fullText.value == "none" || fullText.value.isEmpty ? nil : fullText.value, fullText.origin)
    }
}

extension OrderStatus {
    /// This status's own bit, for sets of statuses held as a mask.
    var bit: UInt16 {
        switch self {
        case .unpaid: 1
        case .paid: 1 << 1
        case .ready_to_ship: 1 << 2
        case .shipped: 1 << 3
        case .delivered: 1 << 4
        case .completed: 1 << 5
        case .cancelled: 1 << 6
        case .returned: 1 << 7
        }
    }
}
