import Foundation
@testable import StateStore
import Testing

/// `plan` reads what the store recorded a chunk of orders at a time; it must read exactly what the per-order reads do.
@Suite("Recorded state, read a chunk at a time")
struct RecordedStateTests {
    /// 300 orders: every third with an invoice, every fifth with an edit, order 7 with two return documents.
    func populatedStore() throws -> StateStore {
        let store = try StateStore(path: temporaryStorePath())
        let imports = (0..<300).map { OrderImport(id: "O-\($0)", store: "shopee", channel: "shopee", orderNumber: "N\($0)", rawJSON: "{\"id\":\"O-\($0)\"}") }
        #expect(try store.importOrders(imports) == Array(repeating: .new, count: 300))
        let decisions: [(orderID: String, outcome: StagedOutcome)] = stride(from: 0, to: 300, by: 3).map {
            ("O-\($0)", .document(type: "salesinvoice", idempotencyKey: "LS-O-\($0)", payloadJSON: "{\"docno\":\"IV-\($0)\"}"))
        }
        let staged = try store.stage(decisions)
        #expect(staged.count == 100)
        #expect(staged.allSatisfy { if case .staged = $0 { true } else { false } })
        for index in stride(from: 0, to: 300, by: 5) {
            try store.setEdits(orderID: "O-\(index)", [(field: "description", value: "edited \(index)"), (field: "agent", value: "A\(index)")])
        }
        for returnID in ["R2", "R1"] {
            _ = try store.stageReturnDocument(orderID: "O-7", returnID: returnID, type: "salescreditnote", idempotencyKey: "LS-O-7-\(returnID)",
                                              payloadJSON: "{}", amountSen: 500, knockoffSen: 500)
        }
        return store
    }

    @Test("each order's invoice, order row, edits and return documents are what the per-order reads return; unknown ids are absent")
    func matchesPerOrderReads() throws {
        let store = try populatedStore()
        let ids = (0..<250).map { "O-\($0)" } + ["UNKNOWN-1", "O-3", "UNKNOWN-2"]
        let states = try store.recordedStates(orderIDs: ids)
        #expect(states["UNKNOWN-1"] == nil && states["UNKNOWN-2"] == nil)
        #expect(states.count == 250)
        for index in 0..<250 {
            let id = "O-\(index)"
            let state = try #require(states[id])
            #expect(state.status == (try store.order(id))?.status)
            #expect(state.invoice == (try store.document(orderID: id)))
            #expect(state.edits == (try store.edits(orderID: id)))
            #expect(state.returnDocuments == (try store.returnDocuments(orderID: id)))
        }
        #expect(states["O-3"]?.invoice?.idempotencyKey == "LS-O-3")
        #expect(states["O-5"]?.edits.map(\.field) == ["agent", "description"], "edits by field, as edits(orderID:) lists them")
        #expect(states["O-7"]?.returnDocuments.map(\.returnID) == ["R2", "R1"], "return documents in the order they were recorded")
    }

    @Test("a short chunk, an empty one and a full one each read in one go")
    func chunkSizes() throws {
        let store = try populatedStore()
        #expect(try store.recordedStates(orderIDs: ["O-6"])["O-6"]?.invoice?.idempotencyKey == "LS-O-6")
        #expect(try store.recordedStates(orderIDs: [String]()).isEmpty)
        #expect(try store.recordedStates(orderIDs: (44..<300).map { "O-\($0)" }).count == StateStore.recordedStateBatchSize)
    }

    @Test("importing a chunk records new, unchanged and changed orders as one import each would, duplicates included")
    func importChunk() throws {
        let store = try StateStore(path: temporaryStorePath())
        _ = try store.importOrder(id: "A", store: "s", channel: "shopee", orderNumber: "1", rawJSON: "{\"v\":1}")
        _ = try store.importOrder(id: "B", store: "s", channel: "shopee", orderNumber: "2", rawJSON: "{\"v\":1}")
        let results = try store.importOrders([OrderImport(id: "A", store: "s", channel: "shopee", orderNumber: "1", rawJSON: "{\"v\":1}"),
                                              OrderImport(id: "B", store: "s", channel: "shopee", orderNumber: "2", rawJSON: "{\"v\":2}"),
                                              OrderImport(id: "C", store: "s", channel: "shopee", orderNumber: "3", rawJSON: "{\"v\":1}"),
                                              OrderImport(id: "C", store: "s", channel: "shopee", orderNumber: "3", rawJSON: "{\"v\":1}")])
        #expect(results == [.unchanged, .changed, .new, .unchanged])
        #expect(try store.order("B")?.revision == 2)
    }
}

@Suite("Order lists")
struct OrderListTests {
    @Test("a page of one status: text in the id or order number (wildcards taken literally), channel, store, days; the total beyond the limit")
    func listOrders() throws {
        let store = try StateStore(path: temporaryStorePath())
        let imports = (1...30).map { index in
            OrderImport(id: "O-\(index)", store: index % 2 == 0 ? "shopee-my" : "lazada-my", channel: index % 2 == 0 ? "shopee" : "lazada",
                        orderNumber: index == 7 ? "50%_OFF" : "N\(index)", rawJSON: "{}", orderedOn: "2025-09-\(String(format: "%02d", index))")
        }
        _ = try store.importOrders(imports)
        let all = try store.listOrders(OrderListQuery(status: .pending, limit: 10))
        #expect(all.rows.map(\.id) == (1...10).map { "O-\($0)" } && all.total == 30, "import order, limited, with the full count")
        #expect(all.channels == ["lazada", "shopee"] && all.stores == ["lazada-my", "shopee-my"])
        #expect(try store.listOrders(OrderListQuery(status: .pending, search: "50%_", limit: 10)).rows.map(\.id) == ["O-7"])
        #expect(try store.listOrders(OrderListQuery(status: .pending, search: "%", limit: 50)).total == 1, "% is a character, not a wildcard")
        let shopeeEarly = try store.listOrders(OrderListQuery(status: .pending, channel: "shopee", from: "2025-09-03", to: "2025-09-08", limit: 50))
        #expect(shopeeEarly.rows.map(\.id) == ["O-4", "O-6", "O-8"])
        #expect(try store.listOrders(OrderListQuery(status: .completed, limit: 10)).total == 0)
    }
}
