import LedgerCore
import LedgerJSON

/// The seed as lookup tables, plus the API records of the read-only master resources.
struct Masters: Sendable {
    let seed: SandboxSeed
    let customers: [String: SandboxSeed.Customer]
    let items: [String: SandboxSeed.StockItem]
    let agents: Set<String>
    let projects: Set<String>
    let areas: Set<String>
    let terms: Set<String>
    let locations: Set<String>
    let taxCodes: [String: SandboxSeed.TaxCode]
    let accounts: Set<String>
    let paymentMethods: Set<String>
    let currencies: [String: SandboxSeed.Currency]

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
    }

    /// `----` and blank mean "none" for agent, area, project, terms, location and currency.
    static func isNone(_ code: String) -> Bool { code.isEmpty || code == "----" }

    // MARK: Master resources (read-only)

    enum Resource: String, CaseIterable {
        case customer, stockitem, agent
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
                record.append("status", .string("A"))
                record.append("sdsbranch", .array([.object([
                    "dtlkey": .int(index + 1), "code": .string(customer.code), "branchtype": .string("B"),
                    "branchname": .string("BILLING"),
                ])]))
                return record
            }
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
            }
        case .agent:
            return seed.agents.map { agent in
                ["code": .string(agent.code), "description": .string(agent.description), "isactive": .bool(true)]
            }
        }
    }

    /// The record a `GET /<resource>/{key}` names: by code, or for stock items also by dockey.
    func record(_ resource: Resource, key: String) -> JSONObject? {
        let all = records(resource)
        if let byCode = all.first(where: { $0["code"]?.stringValue == key }) { return byCode }
        if resource != .agent, let dockey = Int(key) {
            return all.first { $0["dockey"] == .int(dockey) }
        }
        return nil
    }

    func notFoundMessage(_ resource: Resource, key: String) -> String {
        switch resource {
        case .customer: return "Customer \(key) not found"
        case .stockitem: return "Stock item \(key) not found"
        case .agent: return "Agent \(key) not found"
        }
    }
}
