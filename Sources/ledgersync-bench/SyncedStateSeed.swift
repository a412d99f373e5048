import Foundation
import GRDB
import LedgerCore
import LedgerJSON
import OrderIO
import StateStore
import Sync
import Transform

/// A state store in which every order of `ordersPath` that yields an invoice has it in SQL Accounting, as if applied:
/// imported, transformed, staged and marked created (dockey = the document's id, docno `IV-<id>`), a chunk of 256 per
/// transaction. What `scripts/bench-plan.sh` plans against; no sandbox or network is involved.
func seedSyncedState(at statePath: String, ordersPath: String, graph: TransformGraph, options: TransformOptions) throws -> (orders: Int, invoices: Int) {
    let store = try StateStore(path: statePath)
    let imported = try Staging.importOrders(from: try OrderSource(path: ordersPath), into: store)
    var session = TransformSession()
    var decisions: [(orderID: String, outcome: StagedOutcome)] = []
    var invoices = 0
    func stageChunk() throws {
        invoices += try store.stage(decisions).count
        decisions.removeAll(keepingCapacity: true)
    }
    try OrderSource(path: ordersPath).forEach { record in
        guard case .success(let order) = record.result else { return }
        let outcome = graph.run(order, source: record.location, options: options, session: &session)
        guard outcome.kind == .document, let document = outcome.document else { return }
        let json = JSONWriter.compactString(.object(document.payload))
        decisions.append((order.id, .document(type: SalesInvoiceDocument.type, idempotencyKey: document.idempotencyKey, payloadJSON: json)))
        if decisions.count == 256 { try stageChunk() }
    }
    try stageChunk()
    try store.advanceSequences(prefix: "invoice_number:", to: session.nextCustomNumber)
    try store.write { db in
        try db.execute(sql: "UPDATE documents SET state = 'created', remote_dockey = id, remote_docno = 'IV-' || id WHERE state = 'desired'")
        try db.execute(sql: """
            UPDATE orders SET status = 'completed',
                sql_dockey = (SELECT id FROM documents WHERE documents.order_id = orders.id AND type = 'salesinvoice'),
                sql_docno = (SELECT remote_docno FROM documents WHERE documents.order_id = orders.id AND type = 'salesinvoice')
            WHERE id IN (SELECT order_id FROM documents WHERE state = 'created')
            """)
    }
    return (imported.orderIDs.count, invoices)
}
