import Foundation
import LedgerCore
import LedgerJSON
import SQLAccount

/// The kinds of master record SQL Accounting keeps that an invoice or a receipt refers to by code.
public enum MasterKind: String, CaseIterable, Sendable, Hashable {
    case customer, item, agent, area, project, terms, location, account
    case taxCode = "tax"
    case paymentMethod = "payment_method"
    case currency
    /// Stock groups: read by `masters plan` for the group new stock items go in.
    case stockGroup = "stock_group"

    /// As a message names one record: "agent", "stock item", "GL account".
    public var noun: String {
        switch self {
        case .customer: return "customer"
        case .item: return "stock item"
        case .agent: return "agent"
        case .area: return "area"
        case .project: return "project"
        case .terms: return "terms code"
        case .location: return "location"
        case .account: return "GL account"
        case .taxCode: return "tax code"
        case .paymentMethod: return "payment method"
        case .currency: return "currency"
        case .stockGroup: return "stock group"
        }
    }

    /// As a list names several: "customers", "stock items", "terms codes".
    public var plural: String {
        switch self {
        case .terms: return "terms codes"
        case .currency: return "currencies"
        default: return noun + "s"
        }
    }

    /// As the summary counts them: "8 customers", "1 stock item".
    public func counted(_ count: Int) -> String { "\(count) \(count == 1 ? noun : plural)" }

    /// `----` (and blank) is SQL's "none" code for these, valid without a master record (API doc §4).
    public var acceptsNone: Bool { [.agent, .area, .project, .terms, .location, .currency].contains(self) }

    /// The resource this kind is read from unless overridden.
    public var standardResource: SQLAccountResource {
        switch self {
        case .customer: return .customer
        case .item: return .stockItem
        case .agent: return .agent
        case .area: return .area
        case .project: return .project
        case .terms: return .terms
        case .location: return .location
        case .account: return .account
        case .taxCode: return .tax
        case .paymentMethod: return .paymentMethod
        case .currency: return .currency
        case .stockGroup: return .stockGroup
        }
    }

    /// Whether SQL's docs name the resource (customer, stockitem, agent); the others are inferred and may be renamed.
    public var resourceIsDocumented: Bool { [.customer, .item, .agent].contains(self) }

    public static func isNone(_ code: String) -> Bool { code.isEmpty || code == "----" }
}

/// Which API resource each master is read from. The inferred names (everything but customer, stockitem, agent)
/// can be overridden, since only a real tenant can confirm them.
public struct MasterResourceNames: Sendable, Equatable {
    public private(set) var names: [MasterKind: SQLAccountResource]

    public static let standard = MasterResourceNames(names: Dictionary(uniqueKeysWithValues: MasterKind.allCases.map { ($0, $0.standardResource) }))

    public subscript(kind: MasterKind) -> SQLAccountResource { names[kind] ?? kind.standardResource }

    /// Applies `KIND=NAME` overrides (`payment_method=paymentmethod`); a message naming the bad entry otherwise.
    public func overridden(by entries: [String]) -> Result<MasterResourceNames, Diagnostic> {
        var result = self
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let renamable = MasterKind.allCases.filter { !$0.resourceIsDocumented }.map(\.rawValue)
            guard parts.count == 2, !parts[1].isEmpty, parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                return .failure(.error("--resource '\(entry)' is not KIND=NAME (e.g. payment_method=pmmethod); KIND is one of \(renamable.joined(separator: ", "))", code: "invalid-resource"))
            }
            guard let kind = MasterKind(rawValue: parts[0]), !kind.resourceIsDocumented else {
                return .failure(.error("--resource '\(entry)': '\(parts[0])' is not a master whose resource name can be changed; use one of \(renamable.joined(separator: ", "))",
                                       suggestion: Suggest.closest(to: parts[0], in: renamable), code: "invalid-resource"))
            }
            result.names[kind] = SQLAccountResource(parts[1].lowercased())
        }
        return .success(result)
    }
}

/// One master record as the check needs it.
public struct MasterRecord: Sendable, Equatable {
    public var code: String
    public var description: String?
    /// A customer's `currencycode`, with blank read as `----` (the base currency).
    public var currency: String?
    /// A stock item's `defaultuom`.
    public var defaultUOM: String?
    /// A tax code's `taxrate` as SQL writes it (`"6%"`).
    public var taxRate: String?
    /// False only when SQL says so (`isactive`).
    public var active: Bool?

    public init(code: String, description: String? = nil, currency: String? = nil, defaultUOM: String? = nil,
                taxRate: String? = nil, active: Bool? = nil) {
        self.code = code
        self.description = description
        self.currency = currency
        self.defaultUOM = defaultUOM
        self.taxRate = taxRate
        self.active = active
    }
}

/// SQL Accounting's masters, read once each (`GET /<resource>`, 50 a page) for `ledgersync check`, `plan --refresh`
/// and `apply`. A master that could not be read is in `failures`, and codes of its kind are left unchecked.
public struct MasterCatalog: Sendable {
    public private(set) var records: [MasterKind: [String: MasterRecord]] = [:]
    /// Why a kind could not be read: the error of `GET /<resource>`.
    public private(set) var failures: [MasterKind: String] = [:]
    public let resources: MasterResourceNames
    /// The stock items, kept as `match import`'s catalog so its sheet check and UOM lookups are shared.
    var stockItems: StockItemCatalog?

    public init(resources: MasterResourceNames = .standard) {
        self.resources = resources
    }

    /// Customers only, built from records already at hand (tests; a caller that listed them itself).
    public init(customers: [MasterRecord]) {
        self.resources = .standard
        records[.customer] = Dictionary(customers.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var loadedKinds: Set<MasterKind> { Set(records.keys) }

    public func codes(_ kind: MasterKind) -> [String: MasterRecord]? { records[kind] }

    public func customer(_ code: String) -> MasterRecord? { records[.customer]?[code] }

    /// Reads `kinds` with at most `concurrency` resources in flight. Never throws for a master that fails; the
    /// failure is recorded instead (so one renamed resource does not hide every other problem). Cancellation
    /// is the only error.
    public static func fetch(_ client: SQLAccountClient, kinds: Set<MasterKind> = Set(MasterKind.allCases),
                             resources: MasterResourceNames = .standard, concurrency: Int = 4) async throws -> MasterCatalog {
        var catalog = MasterCatalog(resources: resources)
        let ordered = MasterKind.allCases.filter { kinds.contains($0) }
        enum Fetched: Sendable {
            case records(MasterKind, [MasterRecord])
            case stock(StockItemCatalog)
            case failed(MasterKind, String)
        }
        try await withThrowingTaskGroup(of: Fetched.self) { group in
            var next = 0
            func launch() {
                guard next < ordered.count else { return }
                let kind = ordered[next]
                next += 1
                let resource = resources[kind]
                group.addTask {
                    do {
                        if kind == .item { return .stock(try await StockItemCatalog.load(client)) }
                        return .records(kind, try await client.listAll(resource).compactMap { record(from: $0, kind: kind) })
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch {
                        return .failed(kind, "\(error)")
                    }
                }
            }
            for _ in 0..<max(1, min(concurrency, ordered.count)) { launch() }
            while let fetched = try await group.next() {
                switch fetched {
                case .records(let kind, let list):
                    catalog.records[kind] = Dictionary(list.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
                case .stock(let stock):
                    catalog.stockItems = stock
                    catalog.records[.item] = stock.items.mapValues { MasterRecord(code: $0.code, description: $0.description, defaultUOM: $0.defaultUOM, active: $0.active) }
                case .failed(let kind, let reason):
                    catalog.failures[kind] = reason
                }
                launch()
            }
        }
        return catalog
    }

    static func record(from record: SQLAccountRecord, kind: MasterKind) -> MasterRecord? {
        guard let code = record.code?.trimmingCharacters(in: .whitespaces), !code.isEmpty else { return nil }
        var master = MasterRecord(code: code)
        master.description = record["description"]?.stringValue ?? record["companyname"]?.stringValue
        if kind == .customer {
            let currency = record["currencycode"]?.stringValue?.trimmingCharacters(in: .whitespaces) ?? ""
            master.currency = MasterKind.isNone(currency) ? "----" : currency
        }
        if kind == .taxCode { master.taxRate = record["taxrate"]?.stringValue }
        master.active = record["isactive"].flatMap(flag)
        return master
    }

    /// SQL writes flags as `true`, `"T"`, `1` or `"1"`; anything else is unknown.
    private static func flag(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .number(let text): return text == "1" ? true : text == "0" ? false : nil
        case .string(let text):
            switch text.lowercased() {
            case "t", "true", "1", "y", "yes": return true
            case "f", "false", "0", "n", "no": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// The UOMs SQL lists for each of `codes` (`GET /stockitem/{code}`, `sdsuom`), at most `concurrency` at a time;
    /// nil for an item whose detail lists none. A failed read is in the second result.
    func itemUOMs(_ codes: [String], concurrency: Int = 4) async -> ([String: [String]?], [String: String]) {
        guard let client = stockItems?.client else { return ([:], [:]) }
        var found: [String: [String]?] = [:]
        var failed: [String: String] = [:]
        await withTaskGroup(of: (String, Result<[String]?, Error>).self) { group in
            var next = 0
            func launch() {
                guard next < codes.count else { return }
                let code = codes[next]
                next += 1
                group.addTask {
                    do {
                        guard let record = try await client.get(.stockItem, code: code) else { return (code, .success(nil)) }
                        return (code, .success(record["sdsuom"]?.arrayValue?.compactMap { $0.objectValue?["uom"]?.stringValue }))
                    } catch {
                        return (code, .failure(error))
                    }
                }
            }
            for _ in 0..<max(1, min(concurrency, codes.count)) { launch() }
            while let (code, result) = await group.next() {
                switch result {
                case .success(let uoms): found[code] = uoms
                case .failure(let error): failed[code] = "\(error)"
                }
                launch()
            }
        }
        return (found, failed)
    }
}
