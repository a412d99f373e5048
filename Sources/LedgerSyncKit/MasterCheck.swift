import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import SQLAccount
import Transform

/// One code a pack can put on an invoice or a receipt, with the pack line that names it.
public struct CodeReference: Sendable, Hashable {
    public var kind: MasterKind
    public var code: String
    /// For a stock item: the UOM its lines carry.
    public var uom: String?
    public var origin: Origin
    /// Where the UOM was set, when not with the code (an item match without uom takes the store's `uom`).
    public var uomOrigin: Origin?

    public init(kind: MasterKind, code: String, uom: String? = nil, origin: Origin, uomOrigin: Origin? = nil) {
        self.kind = kind
        self.code = code
        self.uom = uom
        self.origin = origin
        self.uomOrigin = uomOrigin
    }
}

/// Checks every code a validated pack can emit — store customers and their currencies, item matching codes
/// and UOMs, agents, areas, projects, terms, locations, GL accounts, tax codes, payment methods, currencies —
/// against SQL Accounting's masters, before anything is sent. SQL refuses a document naming an unknown code
/// only at POST (API doc §12), one document at a time; this finds them all at once, each at its pack line.
public enum MasterCheck {
    /// What a check found, and how many distinct codes of each kind it looked at.
    public struct Report: Sendable {
        public var diagnostics: [Diagnostic] = []
        public var checked: [MasterKind: Int] = [:]
        /// Orders whose invoices were checked (with orders).
        public var orders: Int?

        public init() {}

        /// `checked 8 customers, 19 items, …`, in `MasterKind` order, kinds with nothing to check left out.
        public var checkedSummary: String {
            var parts = MasterKind.allCases.compactMap { kind in checked[kind].flatMap { $0 > 0 ? kind.counted($0) : nil } }
            if let orders { parts.append("\(orders) order\(orders == 1 ? "" : "s")") }
            return "checked " + (parts.isEmpty ? "nothing" : parts.joined(separator: ", "))
        }
    }

    // MARK: what the pack can emit

    /// Every code the pack can emit, as each synced store resolves it (a setting no store reaches is never sent),
    /// plus the conditional rules' codes and `payments.fee_account`. Item matches read from an item sheet are
    /// left to `sheetItemRows` (their diagnostics name the sheet row and column). Deduplicated, in pack order.
    public static func references(in pack: RulePack) -> [CodeReference] {
        var seen: Set<CodeReference> = []
        var result: [CodeReference] = []
        func add(_ kind: MasterKind, _ code: String, uom: String? = nil, _ origin: Origin, uomFrom uomOrigin: Origin? = nil) {
            let trimmed = code.trimmingCharacters(in: .whitespaces)
            // Blank is "no tax" / "leave it to SQL" for the codes that may be blank; the validator already
            // refused blanks where SQL needs a value.
            if trimmed.isEmpty || (kind.acceptsNone && MasterKind.isNone(trimmed)) { return }
            let reference = CodeReference(kind: kind, code: trimmed, uom: uom, origin: origin,
                                          uomOrigin: uomOrigin?.location == origin.location ? nil : uomOrigin)
            if seen.insert(reference).inserted { result.append(reference) }
        }
        func add(_ kind: MasterKind, _ traced: Traced<String>, upper: Bool) {
            add(kind, upper ? traced.value.uppercased() : traced.value, traced.origin)
        }

        let graph = TransformGraph(pack: pack)
        for storeID in graph.storeIDs {
            guard let plan = graph.plan(forStore: storeID) else { continue }
            let settings = plan.settings
            let upper = settings.uppercase.value
            func text(_ value: String) -> String { upper ? value.uppercased() : value }
            if let customer = plan.customer ?? settings.customerCode { add(.customer, customer, upper: upper) }
            add(.agent, settings.agent, upper: upper)
            add(.terms, settings.terms, upper: upper)
            add(.project, settings.project, upper: upper)
            add(.area, settings.area, upper: upper)
            add(.location, settings.location, upper: upper)
            add(.account, settings.account, upper: upper)
            add(.taxCode, settings.taxCode, upper: upper)
            add(.item, text(settings.productCode.value), uom: text(settings.uom.value), settings.productCode.origin, uomFrom: settings.uom.origin)
            // Voucher lines exist only with `vouchers.treatment: line`.
            if !settings.spreadVouchers.value {
                add(.item, text(settings.voucherItem.value), uom: text(settings.voucherUOM.value), settings.voucherItem.origin, uomFrom: settings.voucherUOM.origin)
                add(.account, settings.voucherAccount, upper: upper)
            }
            for match in plan.items.values.sorted(by: { ($0.origin.location?.description ?? "", $0.sku) < ($1.origin.location?.description ?? "", $1.sku) })
                where !isSheetRow(match.origin) {
                add(.item, text(match.code), uom: text(match.uom ?? settings.uom.value), match.origin,
                    uomFrom: match.uom == nil ? settings.uom.origin : nil)
                if let account = match.account { add(.account, text(account), match.origin) }
                if let tax = match.tax { add(.taxCode, text(tax.code), match.origin) }
            }
            if let preset = plan.preset {
                add(.item, text(preset.itemCode), uom: text(preset.uom), preset.origin)
                if let tax = preset.tax { add(.taxCode, text(tax.code), preset.origin) }
            }
            if let shipping = plan.shipping, shipping.enabled {
                add(.item, text(shipping.code), uom: text(shipping.uom), shipping.origin)
                if let account = shipping.account { add(.account, text(account), shipping.origin) }
                if let tax = shipping.tax { add(.taxCode, text(tax.code), shipping.origin) }
            }
            if let payment = plan.payment { add(.paymentMethod, payment.value, payment.origin) }
            for match in plan.currencies.values.sorted(by: { $0.code < $1.code }) {
                add(.currency, match.code, match.origin)
            }
        }
        for rule in pack.rules {
            for (key, value) in rule.orderSets {
                guard let kind = kind(of: key) else { continue }
                add(kind, value.value.description, value.origin)
            }
            for (field, value) in rule.lineSets {
                let kind: MasterKind?
                switch field {
                case .itemCode: kind = .item
                case .location: kind = .location
                case .project: kind = .project
                case .account: kind = .account
                case .taxCode: kind = .taxCode
                case .uom, .description, .taxRate: kind = nil
                }
                // A rule's item code goes with whatever UOM the line has: only the code can be checked.
                if let kind { add(kind, value.value.description, value.origin) }
            }
        }
        if let feeAccount = pack.payments.feeAccount, pack.payments.fees.value == .bankCharge {
            add(.account, feeAccount.value, feeAccount.origin)
        }
        // The monthly consolidated e-invoice's customer, item and account are sent by `einvoice consolidate`.
        if let consolidation = pack.einvoice?.consolidation {
            if let customer = consolidation.customer { add(.customer, customer.value, customer.origin) }
            if let item = consolidation.itemCode { add(.item, item.value, item.origin) }
            if let account = consolidation.account { add(.account, account.value, account.origin) }
        }
        return result
    }

    static func kind(of key: SettingKey) -> MasterKind? {
        switch key {
        case .customerCode: return .customer
        case .agent: return .agent
        case .terms: return .terms
        case .project: return .project
        case .area: return .area
        case .location: return .location
        case .account, .voucherAccount: return .account
        case .taxCode: return .taxCode
        case .productCode, .voucherItemCode: return .item
        default: return nil
        }
    }

    /// Item sheet rows carry the origin `ItemSheet` gives them.
    static func isSheetRow(_ origin: Origin) -> Bool { origin.setting.hasPrefix("item sheet row") }

    /// The kinds `references` (and the item sheets) need read.
    public static func kindsNeeded(by references: [CodeReference], pack: RulePack) -> Set<MasterKind> {
        var kinds = Set(references.map(\.kind))
        if !sheetMatches(pack).isEmpty { kinds.insert(.item) }
        // Customers' currencies are checked against the currency master and the pack's currency matching.
        if kinds.contains(.customer) { kinds.insert(.currency) }
        return kinds
    }

    /// The item matches in effect that come from an item sheet, by the sheet's display path.
    static func sheetMatches(_ pack: RulePack) -> [String: [ItemMatch]] {
        let graph = TransformGraph(pack: pack)
        var bySheet: [String: [String: ItemMatch]] = [:]
        for storeID in graph.storeIDs {
            for match in graph.plan(forStore: storeID)?.items.values ?? [:].values where isSheetRow(match.origin) {
                guard let file = match.origin.location?.file else { continue }
                bySheet[file, default: [:]][match.sku] = match
            }
        }
        return bySheet.mapValues { Array($0.values) }
    }

    // MARK: checking

    /// Reads the masters the pack needs and checks the pack's codes against them. `catalog` is returned so the
    /// caller can check orders (`currencyProblems`) without reading the customers again. Throws only when cancelled.
    public static func check(pack: RulePack, client: SQLAccountClient, resources: MasterResourceNames = .standard,
                             concurrency: Int = 4) async throws -> (Report, MasterCatalog) {
        let references = references(in: pack)
        let catalog = try await MasterCatalog.fetch(client, kinds: kindsNeeded(by: references, pack: pack), resources: resources,
                                                    concurrency: concurrency)
        let report = await check(pack: pack, references: references, against: catalog, concurrency: concurrency)
        return (report, catalog)
    }

    /// Checks `references` (from `references(in:)`) and the pack's item sheets against `catalog`.
    public static func check(pack: RulePack, references: [CodeReference], against catalog: MasterCatalog,
                             concurrency: Int = 4) async -> Report {
        var report = Report()
        for kind in MasterKind.allCases {
            guard let reason = catalog.failures[kind] else { continue }
            let count = Set(references.filter { $0.kind == kind }.map(\.code)).count
            var message = "cannot read SQL Accounting's \(kind.plural) (GET /\(catalog.resources[kind].name)), so \(count) \(kind.noun) code\(count == 1 ? " was" : "s were") not checked: \(reason)"
            if !kind.resourceIsDocumented {
                message += (message.hasSuffix(".") ? " If" : "; if") + " this SQL Account names the resource differently, pass --resource \(kind.rawValue)=NAME"
            }
            report.diagnostics.append(.error(message, code: "master-unreadable"))
        }

        var checkedCodes: [MasterKind: Set<String>] = [:]
        var uomChecks: [(CodeReference, MasterRecord)] = []
        for reference in references {
            guard let masters = catalog.codes(reference.kind) else { continue }
            checkedCodes[reference.kind, default: []].insert(reference.code)
            guard let record = masters[reference.code] else {
                report.diagnostics.append(unknownCode(reference, known: masters, catalog: catalog))
                continue
            }
            if record.active == false {
                report.diagnostics.append(.warning("\(reference.kind.noun) '\(reference.code)' is inactive in SQL Accounting; documents naming it may be refused",
                                                   at: reference.origin.location, keyPath: keyPath(reference.origin), code: "inactive-\(codeSuffix(reference.kind))"))
            }
            if reference.kind == .item, let uom = reference.uom, !uom.isEmpty, uom != record.defaultUOM {
                uomChecks.append((reference, record))
            }
            if reference.kind == .customer, catalog.codes(.currency) != nil {
                report.diagnostics += customerCurrencyProblems(reference, customer: record, pack: pack, catalog: catalog)
            }
        }

        // UOMs other than an item's default need the item's detail: one GET per item, shared by every reference.
        if !uomChecks.isEmpty {
            let (uoms, failed) = await catalog.itemUOMs(Array(Set(uomChecks.map(\.1.code))).sorted(), concurrency: concurrency)
            for (reference, record) in uomChecks {
                guard let uom = reference.uom else { continue }
                if let reason = failed[record.code] {
                    report.diagnostics.append(.error("cannot read the UOMs of stock item '\(record.code)' (GET /stockitem/\(record.code)): \(reason)",
                                                     at: reference.origin.location, keyPath: keyPath(reference.origin), code: "master-unreadable"))
                    continue
                }
                let listed = (uoms[record.code] ?? nil) ?? record.defaultUOM.map { [$0] } ?? []
                guard !listed.contains(uom) else { continue }
                let have = listed.isEmpty ? "SQL lists none" : "its UOMs: \(listed.joined(separator: ", "))"
                report.diagnostics.append(.error("UOM '\(uom)' is not a UOM of stock item '\(record.code)' in SQL Accounting (\(have)); \(uomAdvice(reference))",
                                                 at: reference.origin.location, keyPath: keyPath(reference.origin),
                                                 suggestion: Suggest.closest(to: uom, in: listed) ?? listed.first, code: "unknown-uom"))
            }
        }

        // Item sheet rows: the same check `match import` runs on an imported sheet, located at the sheet's cells.
        if let stock = catalog.stockItems {
            for (displayPath, matches) in sheetMatches(pack).sorted(by: { $0.key < $1.key }) {
                guard let sheet = pack.matching.itemSheets.first(where: { $0.displayPath == displayPath }) else { continue }
                let contents = ItemSheet.readRows(path: sheet.path, displayPath: sheet.displayPath, declaredAt: sheet.declaredAt, purpose: .pack)
                let inEffect = Set(matches.compactMap { match in match.origin.location.map { "\(match.sku)@\($0.line)" } })
                let rows = contents.rows.filter { inEffect.contains("\($0.sku)@\($0.row)") }
                checkedCodes[.item, default: []].formUnion(rows.map(\.code))
                report.diagnostics += await stock.check(rows, columns: contents.columns, sheetPath: sheet.displayPath,
                                                        defaultUOMs: Workflows.storeUOMs(pack))
            }
        }
        report.checked = checkedCodes.mapValues(\.count)
        report.diagnostics = report.diagnostics.sortedForDisplay()
        return report
    }

    static func unknownCode(_ reference: CodeReference, known: [String: MasterRecord], catalog: MasterCatalog) -> Diagnostic {
        let noun = reference.kind.noun
        let article = noun.first.map { "aeiouAEIOU".contains($0) } == true ? "an" : "a"
        let sameLetters = known.keys.first { $0.caseInsensitiveCompare(reference.code) == .orderedSame }
        var message = "\(noun) '\(reference.code)' is not \(article) \(noun) in SQL Accounting"
        if let sameLetters {
            message += " (SQL has '\(sameLetters)': codes are compared exactly)"
        }
        if known.isEmpty {
            message += "; SQL Accounting returned no \(noun) records (GET /\(catalog.resources[reference.kind].name)): create them there"
            if !reference.kind.resourceIsDocumented {
                message += ", or if this SQL Account names the resource differently, pass --resource \(reference.kind.rawValue)=NAME"
            }
        } else {
            message += "; create it there or correct the code"
        }
        return .error(message, at: reference.origin.location, keyPath: keyPath(reference.origin),
                      suggestion: sameLetters ?? Suggest.closest(to: reference.code, in: known.keys.sorted()),
                      code: "unknown-\(codeSuffix(reference.kind))")
    }

    static func codeSuffix(_ kind: MasterKind) -> String {
        kind.rawValue.replacingOccurrences(of: "_", with: "-")
    }

    /// Where the value was written, for diagnostics whose location is unknown (a built-in default) or to name the key.
    static func keyPath(_ origin: Origin) -> String? {
        origin.location == nil || isSheetRow(origin) ? origin.setting : nil
    }

    static func uomAdvice(_ reference: CodeReference) -> String {
        guard let uomOrigin = reference.uomOrigin else { return "set the UOM here to one of the item's UOMs" }
        var advice = uomOrigin.location == nil
            ? "the UOM is the \(uomOrigin.setting); set \(uomOrigin.setting.components(separatedBy: " ").last ?? "uom") under defaults to one of the item's UOMs"
            : "the UOM comes from \(uomOrigin.description); set it there to one of the item's UOMs"
        if reference.origin.setting.contains("items[") { advice += ", or give this item match its own uom" }
        return advice
    }

    // MARK: currencies

    /// The `currencycode` values the pack can put on a store's invoices: the base (`----`, for MYR orders) and
    /// every `matching.currencies` target.
    static func emittedCurrencies(_ pack: RulePack) -> Set<String> {
        var codes: Set<String> = ["----"]
        for match in pack.matching.currencies.values { codes.insert(MasterKind.isNone(match.code) ? "----" : match.code) }
        return codes
    }

    /// A customer whose currency the pack never sends is refused for every invoice (SQL: "currencycode … does not
    /// match customer …"); a currency SQL does not have cannot be sent either.
    static func customerCurrencyProblems(_ reference: CodeReference, customer: MasterRecord, pack: RulePack, catalog: MasterCatalog) -> [Diagnostic] {
        guard let currency = customer.currency else { return [] }
        var problems: [Diagnostic] = []
        if currency != "----", let currencies = catalog.codes(.currency), currencies[currency] == nil {
            problems.append(.warning("customer '\(customer.code)' is in currency '\(currency)', which is not in SQL Accounting's currency list (GET /\(catalog.resources[.currency].name))",
                                     at: reference.origin.location, keyPath: keyPath(reference.origin), code: "unknown-currency"))
        }
        if !emittedCurrencies(pack).contains(currency) {
            let name = currency == "----" ? "the base currency (----)" : currency
            problems.append(.error("customer '\(customer.code)' is in \(name) in SQL Accounting, but no order currency is matched to currencycode '\(currency)', so SQL would refuse every invoice to it; add matching.currencies.\(currency): {code: \(currency), rate: …}, or match the store to a customer in the currency its orders are in",
                                   at: reference.origin.location, keyPath: keyPath(reference.origin), code: "customer-currency"))
        }
        return problems
    }

    /// The invoice of one order goes to a customer in another currency: SQL Account refuses it at POST
    /// ("currencycode 'SGD' does not match customer 300-S0001's currency '----'"). nil when the currencies agree,
    /// the document names no customer, or the customer is not in `catalog` (an unknown customer is the pack
    /// check's error).
    ///
    /// - Parameters:
    ///   - orderID: the order, as messages name it.
    ///   - store: the order's store id, to find the pack line that chose the customer; nil searches the pack.
    ///   - payload: the `salesinvoice` body (`code`, `currencycode`).
    ///   - orderLocation: where the order was read (the diagnostic's location); nil puts it at the customer's pack line.
    public static func currencyProblem(orderID: String, store: String?, payload: JSONObject, orderLocation: SourceLocation?,
                                       customers catalog: MasterCatalog, graph: TransformGraph) -> Diagnostic? {
        guard let code = payload["code"]?.stringValue, let customer = catalog.customer(code), let customerCurrency = customer.currency else { return nil }
        let sent = payload["currencycode"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
        let invoiceCurrency = MasterKind.isNone(sent) ? "----" : sent
        guard invoiceCurrency != customerCurrency else { return nil }
        func describe(_ currency: String) -> String { currency == "----" ? "the base currency (----, MYR)" : currency }
        let origin = customerOrigin(code: code, store: store, graph: graph)
        var message = "order \(orderID): the invoice is in \(describe(invoiceCurrency)) (currencycode '\(sent.isEmpty ? "----" : sent)'), but customer '\(code)'"
        if let origin { message += ", chosen by \(origin.description)," }
        message += " is in \(describe(customerCurrency)) in SQL Accounting, so SQL Account would refuse it; "
        message += "match this store to a customer in \(invoiceCurrency == "----" ? "MYR" : invoiceCurrency) (matching.customers\(store.map { ".\($0)" } ?? "")), or exclude the order"
        return .error(message, at: orderLocation ?? origin?.location, code: "currency-mismatch")
    }

    /// `currencyProblem` for every document among `outcomes`, in order. `stores` maps order id → store id when
    /// known (the pack line of the store's customer is then exact).
    public static func currencyProblems(_ outcomes: [OrderOutcome], stores: [String: String] = [:], customers catalog: MasterCatalog,
                                        graph: TransformGraph) -> [Diagnostic] {
        outcomes.compactMap { outcome in
            guard let document = outcome.document else { return nil }
            return currencyProblem(orderID: outcome.orderID, store: stores[outcome.orderID], payload: document.payload,
                                   orderLocation: outcome.source, customers: catalog, graph: graph)
        }
    }

    /// The setting, matching row or rule that gives `code` as a store's customer: the store's own first, then any
    /// store's, then a rule that sets customer_code. nil when nothing in the pack names it (e.g. an edited payload).
    static func customerOrigin(code: String, store: String?, graph: TransformGraph) -> Origin? {
        func customer(of storeID: String) -> Traced<String>? {
            guard let plan = graph.plan(forStore: storeID) else { return nil }
            return plan.customer ?? plan.settings.customerCode
        }
        func matches(_ value: String) -> Bool { value.caseInsensitiveCompare(code) == .orderedSame }
        if let store, let traced = customer(of: store), matches(traced.value) { return traced.origin }
        for rule in graph.pack.rules {
            for (key, value) in rule.orderSets where key == .customerCode && matches(value.value.description) { return value.origin }
        }
        for storeID in graph.storeIDs {
            if let traced = customer(of: storeID), matches(traced.value) { return traced.origin }
        }
        return nil
    }
}
