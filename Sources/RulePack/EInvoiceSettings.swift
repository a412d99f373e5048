import LedgerCore

/// `einvoice:` — how documents are submitted to MyInvois through SQL Account: the submission type per channel,
/// store or customer, SQL Account's codes for submission and ID types, classification codes per item, the API's
/// field names, the monthly consolidated e-invoice and the 72-hour cancel window. Absent: no e-invoice field is sent.
public struct EInvoiceSettings: Sendable {
    /// How a document is reported to MyInvois.
    public enum Submission: String, CaseIterable, Sendable {
        /// Not reported (the platform issued the e-invoice, or the merchant is not yet in scope).
        case none
        /// An individual e-invoice in the buyer's name.
        case einvoice
        /// Reported in the month's consolidated e-invoice to the general public.
        case consolidate
    }

    /// One consolidated document per store, or one for the whole company.
    public enum ConsolidationScope: String, CaseIterable, Sendable { case store, company }

    /// How a consolidated document's lines summarise the month's orders.
    public enum LineGrouping: String, CaseIterable, Sendable {
        /// One line per order (and tax code), the order number as its description.
        case perOrder = "per_order"
        /// One line per day (and tax code), the day's order numbers in its further description.
        case perDay = "per_day"
        /// One line (per tax code) for the month, every order number in its further description.
        case single
    }

    public struct Consolidation: Sendable {
        public var scope: Traced<ConsolidationScope>
        public var lines: Traced<LineGrouping>
        /// The SQL customer the consolidated document is issued to (a "General Public" customer).
        public var customer: Traced<String>?
        /// The item every consolidated line uses.
        public var itemCode: Traced<String>?
        /// The sales account of the lines; nil: the item's own.
        public var account: Traced<String>?
        /// `salesinvoice` or `cashsale`, the API resource the document is posted to.
        public var resource: Traced<String>
        /// The header description: `{month}` (YYYY-MM), `{store}` (the store id, or `all`), `{orders}` (their count).
        public var description: Traced<String>
        /// `docref1`, how a re-run finds the document it already sent: `{month}` and `{scope}` (the store id or `company`).
        public var idempotencyKey: Traced<String>
        /// MyInvois wants the consolidated e-invoice within this many days after the month ends.
        public var dueDays: Traced<Int>
    }

    /// The SQL Account API's names for the e-invoice fields (documented names as built-ins; packs may rename them).
    public struct Fields: Sendable {
        public var tin: Traced<String>
        public var idType: Traced<String>
        public var idValue: Traced<String>
        public var sstNumber: Traced<String>
        public var submissionType: Traced<String>
        public var classification: Traced<String>
    }

    /// SQL Account's integer code for each submission type. Not documented (a SQL sample sends 17), so the pack must say.
    public var submissionCodes: [Submission: Int]
    /// SQL Account's integer code for each ID type. Not documented, so the pack must say.
    public var idTypeCodes: [EInvoiceIDType: Int]
    public var defaultSubmission: Traced<Submission>
    public var channelSubmission: [String: Traced<Submission>]
    public var storeSubmission: [String: Traced<Submission>]
    /// Keyed by SQL customer code: e.g. a B2B customer always getting an individual e-invoice.
    public var customerSubmission: [String: Traced<Submission>]
    public var defaultClassification: Traced<String>
    public var consolidatedClassification: Traced<String>
    /// Keyed by SQL item code.
    public var itemClassification: [String: Traced<String>]
    public var consolidation: Consolidation
    public var fields: Fields
    /// A validated e-invoice may be cancelled within this many hours; after that only credited.
    public var cancelWindowHours: Traced<Int>
    /// Where the section is, for messages that point at it.
    public var origin: Origin

    public static let descriptionPlaceholders = ["month", "store", "orders"]
    public static let keyPlaceholders = ["month", "scope"]

    init(origin: Origin) {
        func builtIn(_ key: String) -> Origin { .builtIn("einvoice.\(key)") }
        self.origin = origin
        submissionCodes = [:]
        idTypeCodes = [:]
        defaultSubmission = Traced(.consolidate, builtIn("submission"))
        channelSubmission = [:]
        storeSubmission = [:]
        customerSubmission = [:]
        defaultClassification = Traced("008", builtIn("classification.default"))
        consolidatedClassification = Traced("004", builtIn("classification.consolidated"))
        itemClassification = [:]
        consolidation = Consolidation(
            scope: Traced(.store, builtIn("consolidation.per")), lines: Traced(.perDay, builtIn("consolidation.lines")),
            customer: nil, itemCode: nil, account: nil, resource: Traced("salesinvoice", builtIn("consolidation.resource")),
            description: Traced("Consolidated e-invoice {month} {store}", builtIn("consolidation.description")),
            idempotencyKey: Traced("LS-EIV-{month}-{scope}", builtIn("consolidation.idempotency_key")),
            dueDays: Traced(7, builtIn("consolidation.due_days")))
        fields = Fields(
            tin: Traced("tin", builtIn("fields.tin")), idType: Traced("idtype", builtIn("fields.id_type")),
            idValue: Traced("idno", builtIn("fields.id_value")), sstNumber: Traced("salestaxno", builtIn("fields.sst_number")),
            submissionType: Traced("submissiontype", builtIn("fields.submission_type")),
            classification: Traced("irbm_classification", builtIn("fields.classification")))
        cancelWindowHours = Traced(72, builtIn("cancel_window_hours"))
    }

    /// The submission for an order of `channel` in `store` billed to `customer`: customer, then store, then channel,
    /// then the default. The buyer's own request and the platform's issue are decided by the caller, before this.
    public func submission(channel: String, store: String, customer: String) -> Traced<Submission> {
        customerSubmission[customer] ?? storeSubmission[store] ?? channelSubmission[channel] ?? defaultSubmission
    }

    /// The classification of a line of `itemCode` on an ordinary document.
    public func classification(itemCode: String) -> String {
        itemClassification[itemCode]?.value ?? defaultClassification.value
    }

    /// Whether anything can resolve to `submission` (so that its settings are needed).
    func uses(_ submission: Submission) -> Bool {
        defaultSubmission.value == submission
            || [channelSubmission, storeSubmission, customerSubmission].contains { $0.values.contains { $0.value == submission } }
    }
}

extension RulePackValidator {
    /// Reads `einvoice:` into `EInvoiceSettings`, every problem a located diagnostic.
    func readEInvoice(_ node: YAMLNode, knownStores: [String]) -> EInvoiceSettings {
        var settings = EInvoiceSettings(origin: reader.origin("einvoice", node))
        let keys = ["submission_types", "id_types", "submission", "channels", "stores", "customers", "classification",
                    "consolidation", "fields", "cancel_window_hours"]
        guard let entries = reader.mapping(node, "einvoice", known: keys) else { return settings }
        var sawSubmissionTypes = false, sawIDTypes = false
        for entry in entries {
            let path = "einvoice.\(entry.key)"
            switch entry.key {
            case "submission_types":
                sawSubmissionTypes = true
                settings.submissionCodes = readCodes(entry.value, path, EInvoiceSettings.Submission.allCases, name: \.rawValue)
            case "id_types":
                sawIDTypes = true
                settings.idTypeCodes = readCodes(entry.value, path, EInvoiceIDType.allCases, name: \.rawValue)
            case "submission":
                if let submission = readSubmission(entry.value, path) { settings.defaultSubmission = submission }
            case "channels":
                settings.channelSubmission = readSubmissionMap(entry.value, path, known: Channel.allCases.map(\.rawValue), what: "channel")
            case "stores":
                settings.storeSubmission = readSubmissionMap(entry.value, path, known: knownStores.isEmpty ? nil : knownStores, what: "store")
            case "customers":
                settings.customerSubmission = readSubmissionMap(entry.value, path, known: nil, what: "customer")
            case "classification":
                readClassification(entry.value, into: &settings)
            case "consolidation":
                readConsolidation(entry.value, into: &settings)
            case "fields":
                readEInvoiceFields(entry.value, into: &settings)
            default:
                if let hours = reader.integer(entry.value, path, in: 0...8_760) { settings.cancelWindowHours = Traced(hours, reader.origin(path, entry.value)) }
            }
        }
        let why = "SQL Account does not document its codes (a SQL sample sends 17); copy them from SQL Account's e-invoice settings"
        if !sawSubmissionTypes {
            reader.error("einvoice.submission_types is required: the integer SQL Account uses for none, einvoice and consolidate; \(why)", at: node, "einvoice.submission_types", code: "missing-key")
        }
        if !sawIDTypes {
            reader.error("einvoice.id_types is required: the integer SQL Account uses for NRIC, PASSPORT, BRN and ARMY; \(why)", at: node, "einvoice.id_types", code: "missing-key")
        }
        if settings.uses(.consolidate) {
            if settings.consolidation.customer == nil {
                reader.error("einvoice.consolidation.customer is required while any order is consolidated: the SQL customer (General Public) the monthly consolidated e-invoice is issued to", at: node, "einvoice.consolidation.customer", code: "missing-key")
            }
            if settings.consolidation.itemCode == nil {
                reader.error("einvoice.consolidation.item_code is required while any order is consolidated: the item the consolidated e-invoice's lines use", at: node, "einvoice.consolidation.item_code", code: "missing-key")
            }
        }
        return settings
    }

    private func readCodes<Key: Hashable>(_ node: YAMLNode, _ path: String, _ all: [Key], name: (Key) -> String) -> [Key: Int] {
        let names = all.map(name)
        guard let entries = reader.mapping(node, path, known: names) else { return [:] }
        var codes: [Key: Int] = [:]
        var seen: [Int: String] = [:]
        for entry in entries {
            guard let key = all.first(where: { name($0) == entry.key }),
                  let code = reader.integer(entry.value, "\(path).\(entry.key)", in: 0...9_999) else { continue }
            if let other = seen[code] {
                reader.error("\(entry.key) has the same code \(code) as \(other); SQL Account could not tell them apart", at: entry.value, "\(path).\(entry.key)", code: "invalid-value")
            }
            seen[code] = entry.key
            codes[key] = code
        }
        let present = Set(entries.map(\.key))
        let missing = names.filter { !present.contains($0) }
        if !missing.isEmpty {
            reader.error("\(path) lacks \(missing.joined(separator: ", ")); give SQL Account's code for each of \(names.joined(separator: ", "))", at: node, path, code: "missing-key")
        }
        return codes
    }

    private func readSubmission(_ node: YAMLNode, _ path: String) -> Traced<EInvoiceSettings.Submission>? {
        guard let choice = reader.choice(node, path, EInvoiceSettings.Submission.allCases.map(\.rawValue)),
              let submission = EInvoiceSettings.Submission(rawValue: choice) else { return nil }
        return Traced(submission, reader.origin(path, node))
    }

    private func readSubmissionMap(_ node: YAMLNode, _ path: String, known: [String]?, what: String) -> [String: Traced<EInvoiceSettings.Submission>] {
        guard let entries = reader.mapping(node, path, what: "a mapping of \(what)s to none, einvoice or consolidate") else { return [:] }
        var map: [String: Traced<EInvoiceSettings.Submission>] = [:]
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            if let known, !known.contains(entry.key) {
                reader.error("\(what) '\(entry.key)' is not known here; known: \(known.joined(separator: ", "))", at: entry.keyNode, entryPath,
                             code: "unknown-\(what)", suggestion: Suggest.closest(to: entry.key, in: known))
                continue
            }
            if let submission = readSubmission(entry.value, entryPath) { map[entry.key] = submission }
        }
        return map
    }

    private func readClassificationCode(_ node: YAMLNode, _ path: String) -> Traced<String>? {
        guard let text = reader.string(node, path) else { return nil }
        guard text.utf8.count == 3, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            reader.error("'\(text)' is not a MyInvois classification code: three digits such as \"008\" (e-commerce) or \"004\" (consolidated); quote it so YAML keeps the leading zeros", at: node, path, code: "invalid-value")
            return nil
        }
        return Traced(text, reader.origin(path, node))
    }

    private func readClassification(_ node: YAMLNode, into settings: inout EInvoiceSettings) {
        let path = "einvoice.classification"
        guard let entries = reader.mapping(node, path, known: ["default", "consolidated", "items"]) else { return }
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            switch entry.key {
            case "default":
                if let code = readClassificationCode(entry.value, entryPath) { settings.defaultClassification = code }
            case "consolidated":
                if let code = readClassificationCode(entry.value, entryPath) { settings.consolidatedClassification = code }
            default:
                guard let items = reader.mapping(entry.value, entryPath, what: "a mapping of SQL item codes to classification codes") else { continue }
                for item in items {
                    if let code = readClassificationCode(item.value, "\(entryPath).\(item.key)") { settings.itemClassification[item.key] = code }
                }
            }
        }
    }

    private func readConsolidation(_ node: YAMLNode, into settings: inout EInvoiceSettings) {
        let path = "einvoice.consolidation"
        let keys = ["per", "lines", "customer", "item_code", "account", "resource", "description", "idempotency_key", "due_days"]
        guard let entries = reader.mapping(node, path, known: keys) else { return }
        let customerLimit = FieldLimits.invoiceHeader("code")?.maxLength ?? 10
        let itemLimit = FieldLimits.invoiceLine("itemcode")?.maxLength ?? 30
        let accountLimit = FieldLimits.invoiceLine("account")?.maxLength ?? 10
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            let origin = reader.origin(entryPath, entry.value)
            switch entry.key {
            case "per":
                if let choice = reader.choice(entry.value, entryPath, EInvoiceSettings.ConsolidationScope.allCases.map(\.rawValue)),
                   let scope = EInvoiceSettings.ConsolidationScope(rawValue: choice) { settings.consolidation.scope = Traced(scope, origin) }
            case "lines":
                if let choice = reader.choice(entry.value, entryPath, EInvoiceSettings.LineGrouping.allCases.map(\.rawValue)),
                   let lines = EInvoiceSettings.LineGrouping(rawValue: choice) { settings.consolidation.lines = Traced(lines, origin) }
            case "customer":
                if let code = reader.code(entry.value, entryPath, maxLength: customerLimit, allowEmpty: false) { settings.consolidation.customer = Traced(code, origin) }
            case "item_code":
                if let code = reader.code(entry.value, entryPath, maxLength: itemLimit, allowEmpty: false) { settings.consolidation.itemCode = Traced(code, origin) }
            case "account":
                if let code = reader.code(entry.value, entryPath, maxLength: accountLimit, allowEmpty: false) { settings.consolidation.account = Traced(code, origin) }
            case "resource":
                if let choice = reader.choice(entry.value, entryPath, ["salesinvoice", "cashsale"]) { settings.consolidation.resource = Traced(choice, origin) }
            case "description":
                if let text = reader.string(entry.value, entryPath), checkTemplatePlaceholders(text, entry.value, entryPath, EInvoiceSettings.descriptionPlaceholders) {
                    settings.consolidation.description = Traced(text, origin)
                }
            case "idempotency_key":
                if let text = reader.string(entry.value, entryPath), checkTemplatePlaceholders(text, entry.value, entryPath, EInvoiceSettings.keyPlaceholders) {
                    let used = Template.placeholders(in: text)
                    if !used.contains("month") || !used.contains("scope") {
                        reader.error("'\(text)' must name both {month} and {scope}, or two months (or two stores) would share one consolidated document and the second would never be sent", at: entry.value, entryPath, code: "invalid-value")
                    } else {
                        settings.consolidation.idempotencyKey = Traced(text, origin)
                    }
                }
            default:
                if let days = reader.integer(entry.value, entryPath, in: 1...31) { settings.consolidation.dueDays = Traced(days, origin) }
            }
        }
    }

    private func readEInvoiceFields(_ node: YAMLNode, into settings: inout EInvoiceSettings) {
        let path = "einvoice.fields"
        let keys = ["tin", "id_type", "id_value", "sst_number", "submission_type", "classification"]
        guard let entries = reader.mapping(node, path, known: keys) else { return }
        for entry in entries {
            let entryPath = "\(path).\(entry.key)"
            guard let name = reader.string(entry.value, entryPath) else { continue }
            guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
                reader.error("'\(name)' is not an API field name: lower-case letters, digits and _ (for example tin or irbm_classification)", at: entry.value, entryPath, code: "invalid-value")
                continue
            }
            let traced = Traced(name, reader.origin(entryPath, entry.value))
            switch entry.key {
            case "tin": settings.fields.tin = traced
            case "id_type": settings.fields.idType = traced
            case "id_value": settings.fields.idValue = traced
            case "sst_number": settings.fields.sstNumber = traced
            case "submission_type": settings.fields.submissionType = traced
            default: settings.fields.classification = traced
            }
        }
    }
}
