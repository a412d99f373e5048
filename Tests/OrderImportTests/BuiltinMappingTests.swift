import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO
import RulePack
import Testing

/// Each built-in mapping (through Acme Living's pack mapping, which sets the store) reads its example export in the
/// channel's real layout back into the canonical example orders: same orders, what the buyer paid to the sen, the
/// same SKUs and quantities, the statuses the export can tell.
@Suite struct BuiltinMappingTests {
    struct Channel: Sendable, CustomStringConvertible {
        var mapping: String
        var export: String
        var store: String
        /// Canonical status → the status the export can show for it (see rules/imports/*.yaml and examples/exports/README.md).
        var statusAsExported: [String: String] = [:]
        var description: String { mapping }
    }

    static let channels: [Channel] = [
        Channel(mapping: "shopee", export: "shopee-Order.all.20250901_20250930.xlsx", store: "shopee-acme-my", statusAsExported: ["ready_to_ship": "paid"]),
        Channel(mapping: "lazada", export: "lazada-orders-2025-09.xlsx", store: "lazada-acme-my"),
        Channel(mapping: "tiktok", export: "tiktok-orders-2025-09.csv", store: "tiktok-acme-my"),
        Channel(mapping: "shopify", export: "shopify-orders_export.csv", store: "shopify-acme", statusAsExported: ["delivered": "completed", "ready_to_ship": "paid"]),
        Channel(mapping: "woocommerce", export: "woocommerce-orders-2025-09.csv", store: "woo-acme", statusAsExported: ["shipped": "completed"]),
    ]

    static func canonicalOrders(store: String) throws -> [String: Order] {
        let source = try OrderSource(path: repositoryRoot + "/examples/orders/2025-09.jsonl")
        var byNumber: [String: Order] = [:]
        while let record = try source.next() {
            if case .success(let order) = record.result, order.store == store {
                byNumber[order.orderNumber.hasPrefix("WC-") ? String(order.orderNumber.dropFirst(3)) : order.orderNumber] = order
            }
        }
        return byNumber
    }

    @Test(arguments: channels) func theExampleExportReadsBackIntoTheCanonicalOrders(_ channel: Channel) throws {
        let mapping = try loadMapping("rules/acme-living/imports/\(channel.mapping).yaml")
        #expect(mapping.name == channel.mapping)
        let result = try importAll(mapping, repositoryRoot + "/examples/exports/" + channel.export, display: channel.export)
        #expect(result.failures == [])
        let expected = try Self.canonicalOrders(store: channel.store)
        #expect(Set(result.orders.map(\.id)) == Set(expected.keys))
        for order in result.orders {
            guard let canonical = expected[order.id] else { continue }
            #expect(order.store == channel.store && order.channel == canonical.channel)
            #expect(order.buyerPaid == canonical.buyerPaid, "\(order.id): buyer paid")
            let wanted = channel.statusAsExported[canonical.status.rawValue] ?? canonical.status.rawValue
            #expect(order.status.rawValue == wanted, "\(order.id): status")
            func units(_ o: Order) -> [String: Int] { o.lines.reduce(into: [:]) { $0[$1.sku, default: 0] += $1.qty } }
            #expect(units(order) == units(canonical), "\(order.id): SKUs and quantities")
            #expect(order.dates.ordered.secondsSinceEpoch / 60 == canonical.dates.ordered.secondsSinceEpoch / 60, "\(order.id): ordered time")
        }
    }

    @Test func everyBuiltinMappingLoadsOnItsOwn() throws {
        for name in ["shopee", "lazada", "tiktok", "shopify", "woocommerce"] {
            let mapping = try loadMapping("rules/imports/\(name).yaml")
            #expect(mapping.name == name)
        }
    }
}
