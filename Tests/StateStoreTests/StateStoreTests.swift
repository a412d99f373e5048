import Foundation
import GRDB
@testable import StateStore
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
        #expect(try store.appliedMigrations() == ["2026-11-26-orders-tasks-documents", "2026-11-27-task-finish-exclusions-edits", "2026-11-27-settlements-payments",
                                                  "2026-11-28-payment-attempts", "2026-11-28-orders-by-channel-order-number",
                                                  "2026-12-05-settlement-shipping-credits", "2026-12-05-receipt-tasks-or-numbers", "2026-12-08-created-masters",
                                                  "2026-12-12-return-documents", "2026-12-13-return-credited-events", "2026-12-14-payout-credit-notes",
                                                  "2026-12-15-orders-ordered-on", "2026-12-16-einvoice-consolidations",
                                                  "2026-12-16-purchase-orders"])
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        #expect(permissions?.intValue == 0o600)
        // Reopening applies nothing twice.
        #expect(try StateStore(path: path).appliedMigrations().count == 14)
    }

    @Test("settlement rows imported before shipping credits were recorded keep their amounts and read as no shipping credit")
    func upgradesToShippingCredits() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "2026-11-28-orders-by-channel-order-number")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO settlement_files(content_hash, name, channel, imported_at, row_count) VALUES ('h1', 'statement.csv', 'lazada', 'now', 1)")
            try db.execute(sql: """
                INSERT INTO settlement_rows(channel, order_id, payout_date, reference, currency, gross_sen, fees_sen, net_sen, fee_detail_json, source, file_hash)
                VALUES ('lazada', 'L-1', '2025-09-17', 'MY2025091501', 'MYR', 36600, 2740, 33860, '{}', 'statement.csv:3', 'h1')
                """)
        }
        try queue.close()

        let store = try StateStore(path: path)
        let row = try #require(try store.settlementRows().first)
        #expect(row.grossSen == 36600 && row.feesSen == 2740 && row.netSen == 33860)
        #expect(row.buyerShippingSen == 0)
    }

    @Test("a store made before payment attempts were recorded gains the table when opened, its payments kept")
    func upgradesToPaymentAttempts() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // The store as the previous release left it: the first three migrations, a payment sent.
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "2026-11-27-settlements-payments")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO payments(channel, payout_date, reference, customer_code, idempotency_key, payload_json, state, remote_docno, created_at, updated_at)
                VALUES ('shopee', '2025-10-03', 'P-1', '300-S0001', 'LS-PAY-shopee-P-1', '{}', 'created', 'OR-00001', 'now', 'now')
                """)
        }
        #expect(try queue.read { db in try db.tableExists("payment_attempts") } == false)
        try queue.close()

        let store = try StateStore(path: path)
        #expect(try store.appliedMigrations().suffix(11) == ["2026-11-28-payment-attempts", "2026-11-28-orders-by-channel-order-number",
                                                            "2026-12-05-settlement-shipping-credits", "2026-12-05-receipt-tasks-or-numbers", "2026-12-08-created-masters",
                                                            "2026-12-12-return-documents", "2026-12-13-return-credited-events", "2026-12-14-payout-credit-notes",
                                                            "2026-12-15-orders-ordered-on", "2026-12-16-einvoice-consolidations",
                                                            "2026-12-16-purchase-orders"])
        let payment = try #require(try store.payments().first)
        #expect(payment.remoteDocno == "OR-00001")
        #expect(try store.paymentAttempts(paymentID: payment.id ?? 0).isEmpty)
    }

    @Test("a master's code is reserved for its need: kept once it may be in SQL Account, never handed to another need")
    func masterReservations() throws {
        let store = try StateStore(path: temporaryStorePath())
        let first = try store.stageMaster(kind: .stockItem, need: "SKU-A", code: "EC-0001", payloadJSON: #"{"code":"EC-0001"}"#)
        let id = try #require(first.id)
        // Not sent yet: a new plan may give it another code.
        #expect(try store.stageMaster(kind: .stockItem, need: "SKU-A", code: "EC-0002", payloadJSON: #"{"code":"EC-0002"}"#).code == "EC-0002")
        #expect(throws: MasterCodeTaken.self) {
            try store.stageMaster(kind: .stockItem, need: "SKU-B", code: "EC-0002", payloadJSON: "{}")
        }
        // Once a POST may have gone out, the code and body stay what they were.
        try store.transitionMaster(id, to: .sending, attempt: AttemptRecord(method: "POST", path: "/stockitem", summary: "code=EC-0002", outcome: .sending))
        let kept = try store.stageMaster(kind: .stockItem, need: "SKU-A", code: "EC-0009", payloadJSON: "{}")
        #expect(kept.code == "EC-0002")
        #expect(kept.state == .sending)
        try store.transitionMaster(id, to: .created(adopted: true), attempt: AttemptRecord(method: "GET", path: "/stockitem/*", summary: "code EC-0002", outcome: .adopted))
        #expect(try store.master(id)?.adopted == true)
        #expect(try store.masterAttempts(masterID: id).map(\.outcome) == [.sending, .adopted])
        // The same code may name a customer: kinds are apart.
        #expect(try store.stageMaster(kind: .customer, need: "EC-0002", code: "EC-0002", payloadJSON: "{}").kind == .customer)
        #expect(try store.masters(kind: .stockItem).count == 1)
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

@Suite("State store: documents, tasks and attempts")
struct SyncStateTests {
    static func storeWithOrder(_ id: String = "SG-1") throws -> StateStore {
        let store = try StateStore(path: temporaryStorePath())
        try store.importOrder(id: id, store: "shopee-acme-my", channel: "shopee", orderNumber: "N-\(id)", rawJSON: #"{"id":"\#(id)"}"#)
        return store
    }

    @Test("a staged order is pending with one desired document; staging it again replaces the payload, never adds a second")
    func stagingIsIdempotent() throws {
        let store = try Self.storeWithOrder()
        guard case .staged(let first) = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "LS-SG-1", payloadJSON: #"{"docamt":"1.00"}"#)) else {
            Issue.record("not staged"); return
        }
        guard case .staged(let second) = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "LS-SG-1", payloadJSON: #"{"docamt":"2.00"}"#)) else {
            Issue.record("not staged again"); return
        }
        #expect(first == second)
        #expect(try store.document(orderID: "SG-1")?.payloadJSON == #"{"docamt":"2.00"}"#)
        #expect(try store.documents(in: DocumentState.allCases).count == 1)
        #expect(try store.order("SG-1")?.status == .pending)
    }

    @Test("a created document is never staged over, and an in-doubt one keeps its state so the next run looks it up first")
    func createdAndInDoubtDocumentsAreKept() throws {
        let store = try Self.storeWithOrder()
        guard case .staged(let id) = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "LS-SG-1", payloadJSON: "{}")) else { return }
        try store.transition(documentID: id, to: .sending, taskID: nil, attempt: AttemptRecord(method: "POST", path: "/salesinvoice", summary: "s", outcome: .sending))
        _ = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "LS-SG-1", payloadJSON: #"{"x":1}"#))
        #expect(try store.document(id)?.state == .sending)
        #expect(try store.ordersToSync().map(\.id) == ["SG-1"])
        try store.transition(documentID: id, to: .created(dockey: 7, docno: "IV-00007", updatecount: 1), taskID: nil, attempt: nil)
        let order = try #require(try store.order("SG-1"))
        #expect(order.status == .completed)
        #expect(order.sqlDocno == "IV-00007")
        #expect(order.sqlDockey == 7)
        if case .alreadyCreated = try store.stage(orderID: "SG-1", .excluded(reason: "cancelled")) {} else { Issue.record("a created invoice must not be dropped by a later exclusion") }
        #expect(try store.ordersToSync().isEmpty)
    }

    @Test("two orders can never share an idempotency key: the second is failed with what to change")
    func keyConflict() throws {
        let store = try Self.storeWithOrder("SG-1")
        try store.importOrder(id: "SG-2", store: "shopee-acme-my", channel: "shopee", orderNumber: "N-2", rawJSON: "{}")
        _ = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "SAME", payloadJSON: "{}"))
        #expect(try store.stage(orderID: "SG-2", .document(type: "salesinvoice", idempotencyKey: "SAME", payloadJSON: "{}")) == .keyConflict(otherOrderID: "SG-1"))
        let failed = try #require(try store.order("SG-2"))
        #expect(failed.status == .failed)
        #expect(failed.lastError?.contains("idempotency_key") == true)
    }

    @Test("removing a completed order from its task is refused; deleting a task returns its orders to pending")
    func removeAndDelete() throws {
        let store = try Self.storeWithOrder("SG-1")
        try store.importOrder(id: "SG-2", store: "shopee-acme-my", channel: "shopee", orderNumber: "N-2", rawJSON: "{}")
        guard case .staged(let one) = try store.stage(orderID: "SG-1", .document(type: "salesinvoice", idempotencyKey: "K1", payloadJSON: "{}")) else { return }
        _ = try store.stage(orderID: "SG-2", .failed(message: "bad item"))
        let task = try #require(try store.openTask(orderIDs: ["SG-1", "SG-2"]).id)
        try store.transition(documentID: one, to: .created(dockey: 1, docno: "IV-1", updatecount: 1), taskID: task, attempt: nil)
        #expect(try store.finishTask(task)?.status == .completedWithFailures)
        #expect(throws: StateStoreError.completedOrder(orderID: "SG-1", docno: "IV-1")) { try store.removeFromTask(task, orderIDs: ["SG-1"]) }
        try store.removeFromTask(task, orderIDs: ["SG-2"])
        #expect(try store.order("SG-2")?.status == .pending)
        #expect(try store.order("SG-2")?.taskID == nil)
        try store.deleteTask(task)
        #expect(try store.tasks().isEmpty)
        #expect(try store.order("SG-1")?.status == .pending)
        // The invoice SQL Account holds stays recorded as possibly there, so the next apply looks it up and adopts it.
        #expect(try store.document(one)?.state == .unknown)
        #expect(try store.ordersToSync().map(\.id) == ["SG-1", "SG-2"])
    }
}

@Suite("State store: settlements and payments")
struct SettlementStateTests {
    static func row(_ order: String, _ date: String = "2025-10-03", reference: String = "P-1", gross: Int64 = 10_000, fees: Int64 = 700) -> StoredSettlementRow {
        StoredSettlementRow(channel: "shopee", orderID: order, payoutDate: date, reference: reference, currency: "MYR", grossSen: gross, feesSen: fees,
                            netSen: gross - fees, feeDetailJSON: "[[\"commission\", \(fees)]]", source: "income.xlsx, Income, row 7")
    }

    @Test("the same file again is a no-op; an overlapping file adds only its new rows")
    func idempotentImport() throws {
        let store = try StateStore(path: temporaryStorePath())
        let first = try store.importSettlement(contentHash: "h1", name: "a.xlsx", channel: "shopee", rows: [Self.row("A"), Self.row("B")])
        #expect(first == SettlementImportResult(alreadyImported: false, added: 2, skipped: 0))
        #expect(try store.importSettlement(contentHash: "h1", name: "a.xlsx", channel: "shopee", rows: [Self.row("A"), Self.row("B")]).alreadyImported)
        let overlap = try store.importSettlement(contentHash: "h2", name: "b.xlsx", channel: "shopee", rows: [Self.row("B"), Self.row("C")])
        #expect(overlap == SettlementImportResult(alreadyImported: false, added: 1, skipped: 1))
        #expect(try store.settlementRows(channel: "shopee").map(\.orderID) == ["A", "B", "C"])
        #expect(try store.settlementRows(channel: "shopee").map(\.netSen) == [9_300, 9_300, 9_300])
    }

    @Test("a preview of an import reads what it would add: a file seen before, rows known from an overlapping file or repeated in this one")
    func previewOfAnImport() throws {
        let store = try StateStore(path: temporaryStorePath())
        _ = try store.importSettlement(contentHash: "h1", name: "a.xlsx", channel: "shopee", rows: [Self.row("A"), Self.row("B")])
        #expect(try store.previewSettlement(contentHash: "h1", rows: [Self.row("A"), Self.row("B")]) == SettlementImportPreview(alreadyImported: true, known: [true, true]))
        let overlap = try store.previewSettlement(contentHash: "h2", rows: [Self.row("B"), Self.row("C"), Self.row("C"), Self.row("A", "2025-10-10")])
        #expect(overlap.known == [true, false, true, false])
        #expect(overlap.added == 2 && overlap.skipped == 2)
        // Exactly what the import then does.
        let imported = try store.importSettlement(contentHash: "h2", name: "b.xlsx", channel: "shopee",
                                                  rows: [Self.row("B"), Self.row("C"), Self.row("C"), Self.row("A", "2025-10-10")])
        #expect(imported == SettlementImportResult(alreadyImported: false, added: overlap.added, skipped: overlap.skipped))
    }

    @Test("a store opened read-only is not migrated, refuses writes and stays byte-identical; an older one reads as having no settlements")
    func readOnlyStore() throws {
        #expect(try StateStore.openReadOnly(path: temporaryStorePath()) == nil, "no store: nil, and none created")
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A store as the first release left it: orders and tasks, no settlement tables yet.
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "2026-11-26-orders-tasks-documents")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO orders(id, store, channel, order_number, raw_json, content_hash, status, imported_at, updated_at) VALUES ('SG-1', 's', 'shopee', 'N1', '{}', 'h', 'completed', 't', 't')")
        }
        try queue.close()
        let before = try #require(FileManager.default.contents(atPath: path))
        let folder = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)

        let store = try #require(try StateStore.openReadOnly(path: path))
        #expect(store.isReadOnly)
        #expect(try store.appliedMigrations() == ["2026-11-26-orders-tasks-documents"], "not migrated")
        #expect(try store.hasTable("settlement_rows") == false)
        #expect(try store.orders(channel: "shopee", settlementOrderID: "N1").map(\.id) == ["SG-1"])
        #expect(try store.previewSettlement(contentHash: "h1", rows: [Self.row("N1")]) == .empty(rows: 1))
        #expect(throws: (any Error).self) { try store.importOrder(id: "SG-2", store: "s", channel: "shopee", orderNumber: "N2", rawJSON: "{}") }
        #expect(FileManager.default.contents(atPath: path) == before, "the file changed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent) == folder, "files were created beside it")
    }

    @Test("orders imported before the ordered day was recorded get it from their JSON, in Malaysia time; new imports record it")
    func upgradesToOrderedOn() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "2026-12-14-payout-credit-notes")
        try queue.write { db in
            // 20:15 UTC on 30 September is 04:15 on 1 October in Malaysia.
            try db.execute(sql: """
                INSERT INTO orders(id, store, channel, order_number, raw_json, content_hash, status, imported_at, updated_at)
                VALUES ('SG-1', 's', 'shopee', 'N1', '{"dates":{"ordered":"2025-09-30T20:15:00Z"}}', 'h', 'pending', 't', 't'),
                       ('SG-2', 's', 'shopee', 'N2', '{"dates":{"ordered":"2025-09-30T23:59:00+08:00"}}', 'h', 'pending', 't', 't'),
                       ('SG-3', 's', 'shopee', 'N3', '{}', 'h', 'pending', 't', 't')
                """)
        }
        try queue.close()
        let store = try StateStore(path: path)
        #expect(try store.order("SG-1")?.orderedOn == "2025-10-01")
        #expect(try store.order("SG-2")?.orderedOn == "2025-09-30")
        #expect(try store.order("SG-3")?.orderedOn == nil, "no date in the JSON: none recorded")
        _ = try store.importOrders([OrderImport(id: "SG-4", store: "s", channel: "shopee", orderNumber: "N4", rawJSON: "{}", orderedOn: "2025-10-02")])
        #expect(try store.order("SG-4")?.orderedOn == "2025-10-02")
    }

    @Test("a staged payment covers its rows; a sent one is not re-staged; the O/R number is recorded")
    func payments() throws {
        let store = try StateStore(path: temporaryStorePath())
        _ = try store.importSettlement(contentHash: "h1", name: "a.xlsx", channel: "shopee", rows: [Self.row("A"), Self.row("B")])
        let ids = try store.settlementRows().compactMap(\.id)
        let payment = try store.stagePayment(channel: "shopee", payoutDate: "2025-10-03", reference: "P-1", customerCode: "300-S0001",
                                             idempotencyKey: "LS-PAY-shopee-P-1", payloadJSON: "{}", rowIDs: ids)
        #expect(try store.settlementRows(unpaidOnly: true).count == 2, "a payment not yet sent leaves its rows to plan again")
        try store.setReceiptNumber(paymentID: payment.id ?? 0, "OR-2025-0001")
        #expect(try store.payment(payment.id ?? 0)?.orNumber == "OR-2025-0001")
        #expect(throws: StateStoreError.unknownPayment(99)) { try store.setReceiptNumber(paymentID: 99, "X") }
    }

    @Test("re-staging an unsent payment sends the new payload; a created one keeps what was sent and does not take new rows over")
    func restagingPayments() throws {
        let store = try StateStore(path: temporaryStorePath())
        _ = try store.importSettlement(contentHash: "h1", name: "a.xlsx", channel: "shopee", rows: [Self.row("A"), Self.row("B")])
        let ids = try store.settlementRows().compactMap(\.id)
        func stage(_ payload: String, _ rows: [Int64]) throws -> StoredPayment {
            try store.stagePayment(channel: "shopee", payoutDate: "2025-10-03", reference: "P-1", customerCode: "300-S0001",
                                   idempotencyKey: "LS-PAY-shopee-P-1", payloadJSON: payload, rowIDs: rows)
        }
        let first = try stage(#"{"docamt":"186.00"}"#, ids)
        try store.transitionPayment(first.id ?? 0, to: .failed(message: "refused"))
        // Re-planned with an entered amount: the same payment (same docref1), now with the new body, ready to send.
        let replanned = try stage(#"{"docamt":"180.00"}"#, ids)
        #expect(replanned.id == first.id)
        #expect(replanned.state == .desired)
        #expect(try store.payment(first.id ?? 0)?.payloadJSON == #"{"docamt":"180.00"}"#)
        #expect(try store.payments().count == 1)

        try store.transitionPayment(first.id ?? 0, to: .created(dockey: 8, docno: "OR-00008", updatecount: 1))
        _ = try store.importSettlement(contentHash: "h2", name: "b.xlsx", channel: "shopee", rows: [Self.row("C")])
        let late = try #require(try store.settlementRows(unpaidOnly: true).first)
        let kept = try stage(#"{"docamt":"999.00"}"#, [late.id ?? 0])
        #expect(kept.state == .created)
        #expect(kept.payloadJSON == #"{"docamt":"180.00"}"#, "what SQL Account holds is never overwritten")
        #expect(try store.settlementRows(unpaidOnly: true).map(\.orderID) == ["C"], "a row not on the sent receipt stays unpaid")
    }

    @Test("each request for a payment is recorded with its answer: a POST marked sending, then finished")
    func paymentAttempts() throws {
        let store = try StateStore(path: temporaryStorePath())
        let payment = try store.stagePayment(channel: "shopee", payoutDate: "2025-10-03", reference: "P-1", customerCode: "300-S0001",
                                             idempotencyKey: "LS-PAY-shopee-P-1", payloadJSON: "{}", rowIDs: [])
        let id = try #require(payment.id)
        try store.transitionPayment(id, to: .desired, attempt: AttemptRecord(method: "GET", path: "/customerpayment?docref1=…", summary: "docref1 LS-PAY-shopee-P-1",
                                                                             responseStatus: 200, responseSummary: "not found", outcome: .retried))
        let post = try store.transitionPayment(id, to: .sending, attempt: AttemptRecord(method: "POST", path: "/customerpayment", summary: "docamt=180.00", outcome: .sending))
        #expect(try store.paymentAttempts(paymentID: id).last?.finishedAt == nil, "in flight until the answer is recorded")
        let finished = try store.transitionPayment(id, to: .created(dockey: 8, docno: "OR-00008", updatecount: 1),
                                                   attempt: AttemptRecord(method: "POST", path: "/customerpayment", summary: "docamt=180.00", responseStatus: 200,
                                                                          responseSummary: "dockey=8 docno=OR-00008", outcome: .created), finishing: post)
        #expect(finished == post)
        let attempts = try store.paymentAttempts(paymentID: id)
        #expect(attempts.map(\.requestMethod) == ["GET", "POST"])
        #expect(attempts.map(\.outcome) == [.retried, .created])
        #expect(attempts.last?.responseStatus == 200)
        #expect(attempts.last?.responseSummary == "dockey=8 docno=OR-00008")
        #expect(attempts.last?.finishedAt != nil)
        #expect(try store.payment(id)?.remoteDocno == "OR-00008")
        #expect(try store.paymentAttempts(paymentID: 99).isEmpty)
    }

    @Test("2026-12-05-receipt-tasks-or-numbers: earlier tasks become invoice tasks; an O/R number recorded before is due, its receipt in no task yet")
    func upgradesToReceiptTasks() throws {
        let path = temporaryStorePath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "2026-12-05-settlement-shipping-credits")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO tasks(created_at, status, order_count) VALUES ('t', 'completed', 0)")
            try db.execute(sql: """
                INSERT INTO payments(channel, payout_date, reference, customer_code, idempotency_key, payload_json, state, remote_docno, remote_dockey, or_number, created_at, updated_at)
                VALUES ('shopee', '2025-10-03', 'P-1', '300-S0001', 'LS-PAY-shopee-P-1', '{}', 'created', 'OR-00001', 1, 'OR-2025-0001', 'now', 'now')
                """)
        }
        try queue.close()

        let store = try StateStore(path: path)
        #expect(try store.appliedMigrations().contains("2026-12-05-receipt-tasks-or-numbers"))
        #expect(try store.tasks().map(\.task.kind) == [.invoices])
        let payment = try #require(try store.payment(1))
        #expect(payment.taskID == nil && payment.orNumberSent == nil && !payment.orNumberInSQL())
        #expect(try store.paymentsAwaitingReceiptNumber(field: "docref2").map(\.id) == [1], "recorded before, never sent: due")
        #expect(throws: DatabaseError.self, "the kind is checked") {
            try store.write { db in try db.execute(sql: "UPDATE tasks SET kind = 'credit-notes'") }
        }
    }

    /// A created payment with a recorded O/R number, as `payments apply` and `set-or` leave it.
    static func createdPayment(_ store: StateStore, reference: String, orNumber: String? = nil) throws -> Int64 {
        let payment = try store.stagePayment(channel: "shopee", payoutDate: "2025-10-03", reference: reference, customerCode: "300-S0001",
                                             idempotencyKey: "LS-PAY-shopee-\(reference)", payloadJSON: #"{"docref2":""}"#, rowIDs: [])
        let id = try #require(payment.id)
        try store.transitionPayment(id, to: .created(dockey: id, docno: "OR-0000\(id)", updatecount: 0))
        if let orNumber { try store.setReceiptNumber(paymentID: id, orNumber) }
        return id
    }

    @Test("a receipt task holds the payments one payments apply sent; its counts and status follow them, an O/R number that could not be sent included")
    func receiptTasks() throws {
        let store = try StateStore(path: temporaryStorePath())
        let invoices = try store.openTask(orderIDs: [])
        let first = try Self.createdPayment(store, reference: "P-1")
        let refused = try store.stagePayment(channel: "shopee", payoutDate: "2025-10-04", reference: "P-2", customerCode: "300-S0001",
                                             idempotencyKey: "LS-PAY-shopee-P-2", payloadJSON: "{}", rowIDs: []).id ?? 0
        let task = try store.openReceiptTask(paymentIDs: [first, refused])
        let taskID = try #require(task.id)
        #expect(task.kind == .receipts && task.status == .running)
        try store.transitionPayment(refused, to: .failed(message: "No record found: paymentmethod '399-999'"),
                                    attempt: AttemptRecord(method: "POST", path: "/customerpayment", summary: "docamt=1.00", responseStatus: 400, outcome: .failed), taskID: taskID)
        #expect(try store.paymentAttempts(paymentID: refused).map(\.taskID) == [taskID], "the request is filed under its task")
        #expect(try store.finishTask(taskID)?.status == .completedWithFailures)
        #expect(try store.payments(taskID: taskID).map(\.id) == [first, refused])
        let summary = try #require(try store.task(taskID))
        #expect(summary.counts == [.completed: 1, .failed: 1])
        #expect(try store.task(invoices.id ?? 0)?.task.kind == .invoices)
        #expect(try store.tasks().map(\.task.kind) == [.receipts, .invoices], "newest first, both kinds")

        // The O/R number of the created one fails: the receipt stays in SQL, its task shows the failure.
        try store.receiptNumberFailed(paymentID: first, message: "SQL Account refused it", attempt: nil, taskID: taskID)
        try store.transitionPayment(refused, to: .created(dockey: 9, docno: "OR-00009", updatecount: 0))
        #expect(try store.finishTask(taskID)?.status == .completedWithFailures)
        #expect(try store.payment(first)?.taskStatus == .failed)
        try store.receiptNumberInSQL(paymentID: first, number: "OR-1", field: "docref2", attempt: nil, taskID: taskID)
        #expect(try store.finishTask(taskID)?.status == .completed)
        #expect(try store.task(taskID)?.counts == [.completed: 2])
    }

    @Test("an O/R number is due until SQL Account holds exactly it in the pack's field; recording it clears the error, docno becomes the SQL number")
    func receiptNumbersDue() throws {
        let store = try StateStore(path: temporaryStorePath())
        let none = try Self.createdPayment(store, reference: "P-0")
        let due = try Self.createdPayment(store, reference: "P-1", orNumber: "OR-1")
        let unsent = try store.stagePayment(channel: "shopee", payoutDate: "2025-10-03", reference: "P-2", customerCode: "300-S0001",
                                            idempotencyKey: "LS-PAY-shopee-P-2", payloadJSON: "{}", rowIDs: []).id ?? 0
        try store.setReceiptNumber(paymentID: unsent, "OR-2")
        #expect(try store.paymentsAwaitingReceiptNumber(field: "docref2").map(\.id) == [due], "only receipts SQL Account holds, with a number")
        _ = none

        try store.receiptNumberFailed(paymentID: due, message: "refused", attempt: nil, taskID: nil)
        try store.receiptNumberInSQL(paymentID: due, number: "OR-1", field: "docref2",
                                     attempt: AttemptRecord(method: "PUT", path: "/customerpayment/2", summary: "docref2", responseStatus: 200, outcome: .updated), taskID: nil)
        let sent = try #require(try store.payment(due))
        #expect(sent.orNumberInSQL() && sent.orNumberInSQL(field: "docref2") && !sent.orNumberInSQL(field: "docref3"))
        #expect(sent.lastError == nil && sent.orNumberSentAt != nil)
        #expect(try store.paymentAttempts(paymentID: due).map(\.outcome) == [.updated])
        #expect(try store.paymentsAwaitingReceiptNumber(field: "docref2").isEmpty, "sent: a second apply sends nothing")
        #expect(try store.paymentsAwaitingReceiptNumber(field: "docref3").map(\.id) == [due], "another field: due again")
        try store.setReceiptNumber(paymentID: due, "OR-1B")
        #expect(try store.paymentsAwaitingReceiptNumber(field: "docref2").map(\.id) == [due], "another number: due again")

        try store.receiptNumberInSQL(paymentID: due, number: "OR-1B", field: "docno", attempt: nil, taskID: nil)
        #expect(try store.payment(due)?.remoteDocno == "OR-1B")
    }

    @Test("deleting a receipt task puts its receipts in doubt (looked up again, O/R number looked at again); removing from it or retrying it is refused")
    func deletingAReceiptTask() throws {
        let store = try StateStore(path: temporaryStorePath())
        let id = try Self.createdPayment(store, reference: "P-1", orNumber: "OR-1")
        try store.receiptNumberInSQL(paymentID: id, number: "OR-1", field: "docref2", attempt: nil, taskID: nil)
        let taskID = try #require(try store.openReceiptTask(paymentIDs: [id]).id)
        #expect(throws: StateStoreError.receiptTask(taskID, operation: .remove)) { try store.removeFromTask(taskID, orderIDs: ["P-1"]) }
        #expect(StateStoreError.receiptTask(taskID, operation: .retry).description.contains("`ledgersync payments apply`"))
        try store.deleteTask(taskID)
        #expect(try store.task(taskID) == nil)
        let payment = try #require(try store.payment(id))
        #expect(payment.state == .unknown && payment.taskID == nil)
        #expect(payment.orNumberSent == nil && payment.orNumber == "OR-1")
        #expect(try store.payments(taskID: taskID).isEmpty)
    }

    @Test("a settlement's order reference finds the order by the channel's order number first, then by id, within the channel")
    func settlementOrderLookup() throws {
        let store = try StateStore(path: temporaryStorePath())
        let raw = "{}"
        try store.importOrder(id: "SG-1", store: "lazada-my", channel: "lazada", orderNumber: "157683824297273", rawJSON: raw)
        try store.importOrder(id: "SG-2", store: "shopee-my", channel: "shopee", orderNumber: "2509014EAM4Y3J", rawJSON: raw)
        try store.importOrder(id: "SG-3", store: "shopee-my", channel: "shopee", orderNumber: "250901SAME", rawJSON: raw)
        try store.importOrder(id: "SG-4", store: "shopee-sg", channel: "shopee", orderNumber: "250901SAME", rawJSON: raw)
        #expect(try store.orders(channel: "lazada", settlementOrderID: "157683824297273").map(\.id) == ["SG-1"])
        #expect(try store.orders(channel: "shopee", settlementOrderID: "SG-2").map(\.id) == ["SG-2"])
        #expect(try store.orders(channel: "lazada", settlementOrderID: "2509014EAM4Y3J").isEmpty, "another channel's order is never matched")
        #expect(try store.orders(channel: "shopee", settlementOrderID: "250901SAME").map(\.id) == ["SG-3", "SG-4"])
    }
}
