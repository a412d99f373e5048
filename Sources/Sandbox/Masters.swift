import LedgerCore
import LedgerJSON

/// The seed as lookup tables, plus the API records of the master resources: read-only, except that stock items and
/// customers can be created (`POST /stockitem`, `POST /customer`), never changed.
struct Masters: Sendable {
    let seed: SandboxSeed
    private(set) var customers: [String: SandboxSeed.Customer]
    private(set) var items: [String: SandboxSeed.StockItem]
    let agents: Set<String>
    let projects: Set<String>
    let areas: Set<String>
    let terms: Set<String>
    let locations: Set<String>
    let taxCodes: [String: SandboxSeed.TaxCode]
    let accounts: Set<String>
    let paymentMethods: Set<String>
    let currencies: [String: SandboxSeed.Currency]
    let stockGroups: Set<String>
    /// What a purchase order's or goods received note's `code` names (read-only: suppliers are not created here).
    let suppliers: [String: SandboxSeed.Supplier]
    /// The stock items and customers created through the API, as saved, in the order they were created: listed after
    /// the seed's, and as good on a document as a seeded one.
    private(set) var created: [Resource: [JSONObject]] = [:]

    init(seed: SandboxSeed) {
        self.seed = seed
        customers = Dictionary(seed.customers.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        items = Dictionary(seed.stockItems.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        agents = Set(seed.agents.map(\.code))
        projects = Set(seed.projects.map(\.code))
        areas = Set(seed.areas.map(\.code))
        terms = Set(seed.terms.map(\.code))
        locations = Set(seed.locations.map(\.code))
        taxCodes = Dictionary(seed.taxCodes.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        accounts = Set(seed.accounts.map(\.code))
        paymentMethods = Set(seed.paymentMethods.map(\.code))
        currencies = Dictionary(seed.currencies.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        stockGroups = Set(seed.stockGroups.map(\.code))
        suppliers = Dictionary(seed.suppliers.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The `dockey` the next created record of `resource` gets: after the seed's and those created before.
    func nextDockey(_ resource: Resource) -> Int {
        let seeded = resource == .customer ? seed.customers.count : seed.stockItems.count
        return seeded + (created[resource]?.count ?? 0) + 1
    }

    /// The `dtlkey` the next detail row (`sdsuom`, `sdsbranch`) of a created record of `resource` gets: after the
    /// seed's rows and every created one.
    func nextDtlkey(_ resource: Resource) -> Int {
        let detail = resource == .customer ? "sdsbranch" : "sdsuom"
        var last = resource == .customer ? seed.customers.count : seed.stockItems.reduce(0) { $0 + $1.uoms.count }
        for record in created[resource] ?? [] {
            for row in record[detail]?.arrayValue ?? [] {
                if let key = Int(Fields.filterText(row["dtlkey"]) ?? "") { last = max(last, key) }
            }
        }
        return last + 1
    }

    /// Adds a created stock item or customer (a record `MasterRules` built, or one read back from the state file).
    mutating func register(_ resource: Resource, _ record: JSONObject) {
        guard let code = record["code"]?.stringValue else { return }
        switch resource {
        case .stockitem:
            let uoms = (record["sdsuom"]?.arrayValue ?? []).compactMap(\.objectValue).compactMap { row -> SandboxSeed.UOM? in
                guard let uom = row["uom"]?.stringValue else { return nil }
                return SandboxSeed.UOM(code: uom, rate: row["rate"]?.stringValue ?? "1")
            }
            items[code] = SandboxSeed.StockItem(code: code, description: record["description"]?.stringValue ?? "",
                                                uoms: uoms.isEmpty ? [SandboxSeed.UOM(code: "UNIT")] : uoms,
                                                defaultUOM: record["defaultuom"]?.stringValue)
        case .customer:
            customers[code] = SandboxSeed.Customer(code: code, companyName: record["companyname"]?.stringValue ?? code,
                                                   currency: record["currencycode"]?.stringValue ?? "----", tin: record["tin"]?.stringValue,
                                                   idValue: record["idno"]?.stringValue)
        default:
            return
        }
        created[resource, default: []].append(record)
    }

    /// `----` and blank mean "none" for agent, area, project, terms, location and currency.
    static func isNone(_ code: String) -> Bool { code.isEmpty || code == "----" }

    // MARK: Master resources

    /// The master resources served, by their API path name. customer, stockitem and agent are documented (API doc
    /// §5, D4); the others are the names a third-party registry lists for api.sql.my (C1, unverified), which is
    /// why `ledgersync check` lets each name be overridden.
    enum Resource: String, CaseIterable, Sendable {
        case customer, stockitem, agent, area, project, terms, location, account, tax, pmmethod, currency, stockgroup
        /// AP_SUPPLIER, named `supplier` in the third-party registry's list (C1): the purchase documents' `code`.
        case supplier

        /// The resources `POST` creates records of (API doc §5 documents both); every other master is read-only.
        var isCreatable: Bool { self == .customer || self == .stockitem }
    }

    /// Every record of a master resource, in seed order, with details (`sds…`).
    func records(_ resource: Resource) -> [JSONObject] {
        switch resource {
        case .customer:
            return seed.customers.enumerated().map { index, customer in
                var record = JSONObject()
                record.append("dockey", .int(index + 1))
                record.append("code", .string(customer.code))
                record.append("controlaccount", .string("300-000"))
                record.append("companyname", .string(customer.companyName))
                record.append("currencycode", .string(customer.currency))
                if let tin = customer.tin { record.append("tin", .string(tin)) }
                if let idType = customer.idType { record.append("idtype", .int(idType)) }
                if let idValue = customer.idValue { record.append("idno", .string(idValue)) }
                record.append("status", .string("A"))
                record.append("sdsbranch", .array([.object([
                    "dtlkey": .int(index + 1), "code": .string(customer.code), "branchtype": .string("B"),
                    "branchname": .string("BILLING"),
                ])]))
                return record
            } + (created[.customer] ?? [])
        case .stockitem:
            var dtlkey = 0
            return seed.stockItems.enumerated().map { index, item in
                var record = JSONObject()
                record.append("dockey", .int(index + 1))
                record.append("code", .string(item.code))
                record.append("description", .string(item.description))
                record.append("defaultuom", .string(item.defaultUOM))
                record.append("isactive", .bool(true))
                record.append("sdsuom", .array(item.uoms.map { uom in
                    dtlkey += 1
                    return .object([
                        "dtlkey": .int(dtlkey), "uom": .string(uom.code), "rate": .string(uom.rate),
                        "isbase": .bool(uom.code == item.uoms[0].code),
                    ])
                }))
                return record
            } + (created[.stockitem] ?? [])
        case .supplier:
            // The customer's shape on the AP side (control account 400-000, the creditors' ledger).
            return seed.suppliers.enumerated().map { index, supplier in
                var record = JSONObject()
                record.append("dockey", .int(index + 1))
                record.append("code", .string(supplier.code))
                record.append("controlaccount", .string("400-000"))
                record.append("companyname", .string(supplier.companyName))
                record.append("currencycode", .string(supplier.currency))
                record.append("status", .string("A"))
                record.append("sdsbranch", .array([.object([
                    "dtlkey": .int(index + 1), "code": .string(supplier.code), "branchtype": .string("B"),
                    "branchname": .string("BILLING"),
                ])]))
                return record
            }
        case .agent: return Self.entries(seed.agents)
        case .area: return Self.entries(seed.areas)
        case .project: return Self.entries(seed.projects)
        case .terms: return Self.entries(seed.terms)
        case .location: return Self.entries(seed.locations)
        case .stockgroup: return Self.entries(seed.stockGroups)
        case .account:
            // GL accounts (GL_ACC): code and description; the chart's parent/type fields are not modelled.
            return seed.accounts.map { ["code": .string($0.code), "description": .string($0.description)] }
        case .tax:
            // AutoKey-keyed, with `code, description, taxtype, taxrate` (API doc §16, C1).
            return seed.taxCodes.enumerated().map { index, tax in
                var record = JSONObject()
                record.append("autokey", .int(index + 1))
                record.append("code", .string(tax.code))
                record.append("description", .string(tax.description))
                record.append("taxtype", .string(tax.code.hasPrefix("SV") || tax.code.hasPrefix("SUV") ? "SV" : "ST"))
                record.append("taxrate", .string(tax.rate.description))
                record.append("isactive", .bool(true))
                return record
            }
        case .pmmethod:
            // A payment method is a bank or cash GL account (API doc §10): its code is what `paymentmethod` takes.
            return seed.paymentMethods.map { method in
                ["code": .string(method.code), "description": .string(method.description),
                 "journal": .string(method.code.hasPrefix("320") ? "CASH" : "BANK")]
            }
        case .currency:
            return seed.currencies.map { currency in
                var record = JSONObject()
                record.append("code", .string(currency.code))
                record.append("description", .string(currency.description))
                record.append("isbase", .bool(currency.isBase))
                record.append("rate", .string(currency.rate ?? "1"))
                return record
            }
        }
    }

    /// Masters known by code and description (agent, area, project, terms, location).
    private static func entries(_ list: [SandboxSeed.Entry]) -> [JSONObject] {
        list.map { ["code": .string($0.code), "description": .string($0.description), "isactive": .bool(true)] }
    }

    /// The record a `GET /<resource>/{key}` names: by code, or by its integer key (`dockey`, `autokey`) where it has one.
    func record(_ resource: Resource, key: String) -> JSONObject? {
        let all = records(resource)
        if let byCode = all.first(where: { $0["code"]?.stringValue == key }) { return byCode }
        if let number = Int(key) {
            return all.first { $0["dockey"] == .int(number) || $0["autokey"] == .int(number) }
        }
        return nil
    }

    static func notFoundMessage(_ resource: Resource, key: String) -> String {
        switch resource {
        case .customer: return "Customer \(key) not found"
        case .stockitem: return "Stock item \(key) not found"
        case .agent: return "Agent \(key) not found"
        case .area: return "Area \(key) not found"
        case .project: return "Project \(key) not found"
        case .terms: return "Terms \(key) not found"
        case .location: return "Location \(key) not found"
        case .account: return "Account \(key) not found"
        case .tax: return "Tax \(key) not found"
        case .pmmethod: return "Payment method \(key) not found"
        case .currency: return "Currency \(key) not found"
        case .stockgroup: return "Stock group \(key) not found"
        case .supplier: return "Supplier \(key) not found"
        }
    }
}
