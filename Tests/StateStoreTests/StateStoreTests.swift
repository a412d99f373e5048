import Foundation
import GRDB
import StateStore
import Testing

func temporaryStorePath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ledgersync-state-\(UUID().uuidString)/state.db").path
}

@Suite("State store")
struct StateStoreTests {
    @Test("a new store applies the named migrations and is readable by its owner only")
    func createsWithMigrations() throws {
        let path = temporaryStorePath()
        let store = try StateStore(path: path)
        #expect(try store.appliedMigrations() == ["2026-11-26-orders-tasks-documents"])
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        // Reopening applies nothing twice.
        #expect(try StateStore(path: path).appliedMigrations().count == 1)
    }

    @Test("re-importing the same order is a no-op; a changed order is a new revision")
    func importIsIdempotent() throws {
        let store = try StateStore(path: temporaryStorePath())
        let raw = #"{"id":"SG-1","lines":[]}"#
        #expect(try store.importOrder(id: "SG-1", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: raw) == .new)
        #expect(try store.importOrder(id: "SG-1", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: raw) == .unchanged)
        #expect(try store.order("SG-1")?.revision == 1)
        #expect(try store.importOrder(id: "SG-1", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: raw + " ") == .changed)
        let order = try #require(try store.order("SG-1"))
        #expect(order.revision == 2)
        #expect(order.status == .pending)
        #expect(try store.orders(status: .pending).map(\.id) == ["SG-1"])
        #expect(try store.statusCounts() == [.pending: 1])
    }

    @Test("an order changed after it was synced is flagged, not sent again as new")
    func changedAfterSync() throws {
        let store = try StateStore(path: temporaryStorePath())
        try store.importOrder(id: "SG-1", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: "{}")
        try store.write { db in try db.execute(sql: "UPDATE orders SET status = 'completed', sql_docno = 'IV-00001' WHERE id = 'SG-1'") }
        #expect(try store.importOrder(id: "SG-1", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: #"{"qty":2}"#) == .changed)
        let order = try #require(try store.order("SG-1"))
        #expect(order.status == .completed)
        #expect(order.changedAfterSync)
        #expect(order.sqlDocno == "IV-00001")
    }

    @Test("one idempotency key can never hold two documents")
    func uniqueIdempotencyKey() throws {
        let store = try StateStore(path: temporaryStorePath())
        try store.importOrder(id: "A", store: "s", channel: "shopee", orderNumber: "N1", rawJSON: "{}")
        try store.importOrder(id: "B", store: "s", channel: "shopee", orderNumber: "N2", rawJSON: "{}")
        let insert = "INSERT INTO documents(order_id, type, idempotency_key, payload_json, payload_hash, state, created_at, updated_at) VALUES (?, 'salesinvoice', 'LS-A', '{}', 'h', 'desired', 't', 't')"
        try store.write { db in try db.execute(sql: insert, arguments: ["A"]) }
        #expect(throws: DatabaseError.self) {
            try store.write { db in try db.execute(sql: insert, arguments: ["B"]) }
        }
    }

    @Test("sequences hand out each number once, across store handles")
    func sequences() throws {
        let path = temporaryStorePath()
        let first = try StateStore(path: path)
        let second = try StateStore(path: path)
        #expect(try first.nextSequenceValue("PJ-", start: 1201) == 1201)
        #expect(try second.nextSequenceValue("PJ-", start: 1201) == 1202)
        #expect(try first.nextSequenceValue("PJ-", start: 1201) == 1203)
        #expect(try first.nextSequenceValue("EC-", start: 1) == 1)
    }
}
