import Foundation
import LedgerCore
import OrderIO
import RulePack
import Transform

/// One SKU seen in the orders and how the pack matches it today: a row of `match export`.
public struct SKUMatchReport: Sendable, Equatable {
    public var sku: String
    /// The channel's product name (the first one seen).
    public var name: String
    /// The pack-wide match (item sheet or `matching.items`); empty when the SKU has none.
    public var code: String
    public var uom: String
    public var rate: Int?
    /// Every store it was sold in resolves it to an item (pack-wide, channel or store matching, or a preset).
    public var matched: Bool
    /// What decides the item in each store, with file:line: "item sheet row 3 (…/items.csv:3)", "preset 'pos' …",
    /// "unmatched → defaults.product_code ECOM-MISC".
    public var matchedBy: String
    public var stores: [String]
    public var orderLines: Int
    /// The orders with a line of it, in file order.
    public var orders: [String] = []
    /// The catalogue row that lists it (`--catalog`), if any.
    public var catalogueRow: Int? = nil
}

/// The SKUs of an orders file against a pack's item matching, as the transform resolves them.
public struct ItemMatchReport: Sendable {
    public var rows: [SKUMatchReport]
    public var orders: Int
    /// Orders whose store the pack does not sync, or that could not be read: their SKUs are not listed.
    public var skippedOrders: [(orderID: String, reason: String)]
    /// The currencies (ISO, as the orders carry them) of each store's orders.
    public var storeCurrencies: [String: Set<String>] = [:]
    /// Catalogue SKUs listed that no order sold (`--catalog`).
    public var catalogueOnly: Int = 0

    public var unmatched: [SKUMatchReport] { rows.filter { !$0.matched } }

    /// Unmatched SKUs first (the work to do), then matched ones; each by SKU.
    public static func build(graph: TransformGraph, orders: OrderSource) throws -> ItemMatchReport {
        struct Resolution {
            var description: String
            var matched: Bool
            var stores: [String]
        }
        struct Usage {
            var name = ""
            var stores: [String] = []
            var lines = 0
            var orders: [String] = []
            var resolutions: [Resolution] = []
        }
        var usage: [String: Usage] = [:]
        var orderCount = 0
        var skipped: [(String, String)] = []
        var currencies: [String: Set<String>] = [:]
        // As the transform decides a line's item: a line rule, else the store's preset, else item matching, else the default.
        func resolve(_ line: OrderLine, of order: Order, plan: StorePlan) -> (String, Bool) {
            if let ruled = graph.ruleItemCode(for: line, in: order) {
                return ("\(ruled.origin.setting) → \(ruled.value) (\(ruled.origin.location?.fileAndLine ?? "pack"))", true)
            }
            if let preset = plan.preset {
                return ("preset '\(preset.name)' → \(preset.itemCode) \(preset.uom) (\(preset.origin.location?.fileAndLine ?? "pack"))", true)
            }
            if let match = plan.items[line.sku] { return (match.origin.description, true) }
            if plan.settings.unmatchedIsError.value { return ("unmatched: the order fails (unmatched_items: error)", false) }
            return ("unmatched → defaults.product_code \(plan.settings.productCode.value)", false)
        }
        try orders.forEach { record in
            switch record.result {
            case .failure(let failure):
                skipped.append((failure.orderID, failure.diagnostics.first?.message ?? "unreadable order"))
            case .success(let order):
                guard let plan = graph.plan(forStore: order.store) else {
                    skipped.append((order.id, "store '\(order.store)' is not declared in the pack's profile"))
                    return
                }
                orderCount += 1
                currencies[order.store, default: []].insert(order.currency)
                func note(_ line: OrderLine) {
                    guard !line.sku.isEmpty else { return }
                    var entry = usage[line.sku] ?? Usage()
                    if entry.name.isEmpty { entry.name = line.name }
                    if !entry.stores.contains(order.store) { entry.stores.append(order.store) }
                    if entry.orders.last != order.id { entry.orders.append(order.id) }
                    entry.lines += 1
                    let (description, matched) = resolve(line, of: order, plan: plan)
                    if let index = entry.resolutions.firstIndex(where: { $0.description == description }) {
                        if !entry.resolutions[index].stores.contains(order.store) { entry.resolutions[index].stores.append(order.store) }
                    } else {
                        entry.resolutions.append(Resolution(description: description, matched: matched, stores: [order.store]))
                    }
                    usage[line.sku] = entry
                }
                for line in order.lines {
                    note(line)
                    if plan.settings.showBundleItems.value {
                        for component in line.bundle {
                            note(OrderLine(sku: component.sku, name: component.name, qty: component.qty * line.qty, unitPrice: .zero))
                        }
                    }
                }
            }
        }
        var rows: [SKUMatchReport] = []
        for (sku, entry) in usage {
            // The way most stores resolve it first, then the exceptions with their stores.
            let ranked = entry.resolutions.enumerated().sorted { ($1.element.stores.count, $0.offset) < ($0.element.stores.count, $1.offset) }.map(\.element)
            let matchedBy = ([ranked[0].description] + ranked.dropFirst().map { "in \($0.stores.sorted().joined(separator: ", ")): \($0.description)" })
                .joined(separator: "; ")
            let packWide = graph.pack.matching.items[sku]
            rows.append(SKUMatchReport(sku: sku, name: entry.name, code: packWide?.code ?? "", uom: packWide?.uom ?? "", rate: packWide?.rate,
                                       matched: entry.resolutions.allSatisfy(\.matched), matchedBy: matchedBy, stores: entry.stores.sorted(), orderLines: entry.lines,
                                       orders: entry.orders))
        }
        rows.sort { ($0.matched ? 1 : 0, $0.sku) < ($1.matched ? 1 : 0, $1.sku) }
        var report = ItemMatchReport(rows: rows, orders: orderCount, skippedOrders: skipped)
        report.storeCurrencies = currencies
        return report
    }

    /// No orders: only catalogue SKUs are listed.
    public static let empty = ItemMatchReport(rows: [], orders: 0, skippedOrders: [])

    /// Adds every SKU of `catalogue` the orders did not sell, with its match as each synced store would resolve a line
    /// of it — item matching (pack-wide, channel, store) or the store's preset; line rules need an order, so they are not
    /// asked — and notes the catalogue row of the ones they did. Unmatched first, then by SKU, as `build` sorts.
    public mutating func add(_ catalogue: ProductCatalogue, graph: TransformGraph, ordersGiven: Bool) {
        var index = Dictionary(rows.enumerated().map { ($1.sku, $0) }, uniquingKeysWith: { first, _ in first })
        for product in catalogue.products {
            if let at = index[product.sku] {
                rows[at].catalogueRow = product.row
                if rows[at].name.isEmpty { rows[at].name = product.name }
                continue
            }
            var resolutions: [(description: String, matched: Bool, stores: [String])] = []
            for storeID in graph.storeIDs {
                guard let plan = graph.plan(forStore: storeID) else { continue }
                let resolved: (String, Bool)
                if let preset = plan.preset {
                    resolved = ("preset '\(preset.name)' → \(preset.itemCode) \(preset.uom) (\(preset.origin.location?.fileAndLine ?? "pack"))", true)
                } else if let match = plan.items[product.sku] {
                    resolved = (match.origin.description, true)
                } else if plan.settings.unmatchedIsError.value {
                    resolved = ("unmatched: the order fails (unmatched_items: error)", false)
                } else {
                    resolved = ("unmatched → defaults.product_code \(plan.settings.productCode.value)", false)
                }
                if let at = resolutions.firstIndex(where: { $0.description == resolved.0 }) {
                    resolutions[at].stores.append(storeID)
                } else {
                    resolutions.append((resolved.0, resolved.1, [storeID]))
                }
            }
            let ranked = resolutions.enumerated().sorted { ($1.element.stores.count, $0.offset) < ($0.element.stores.count, $1.offset) }.map(\.element)
            var matchedBy = (ranked.first.map { [$0.description] } ?? [])
            matchedBy += ranked.dropFirst().map { "in \($0.stores.sorted().joined(separator: ", ")): \($0.description)" }
            let packWide = graph.pack.matching.items[product.sku]
            index[product.sku] = rows.count
            rows.append(SKUMatchReport(sku: product.sku, name: product.name, code: packWide?.code ?? "", uom: packWide?.uom ?? "", rate: packWide?.rate,
                                       matched: !resolutions.isEmpty && resolutions.allSatisfy(\.matched),
                                       matchedBy: "catalogue row \(product.row)\(ordersGiven ? ", not in the orders" : ""): " + matchedBy.joined(separator: "; "),
                                       stores: [], orderLines: 0, orders: [], catalogueRow: product.row))
            catalogueOnly += 1
        }
        rows.sort { ($0.matched ? 1 : 0, $0.sku) < ($1.matched ? 1 : 0, $1.sku) }
    }

    /// The export sheet: what `match import` reads back.
    public static let columns = ["sku", "name", "syncapp_code", "syncapp_uom", "syncapp_rate", "status", "matched_by", "stores", "order_lines"]

    public var sheetRows: [[String]] {
        rows.map { row in
            [row.sku, row.name, row.code, row.uom, row.rate.map(String.init) ?? "", row.matched ? "matched" : "unmatched", row.matchedBy,
             row.stores.joined(separator: ", "), String(row.orderLines)]
        }
    }
}
