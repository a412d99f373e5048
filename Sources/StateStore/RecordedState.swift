import Foundation
import GRDB

/// What the state store recorded about one order, as `plan` compares with it: the order's sync status, its sales
/// invoice, the operator's edits and its return documents.
public struct RecordedOrderState: Sendable {
    /// nil: the order was never imported.
    public var status: OrderSyncStatus?
    public var invoice: StoredDocument?
    /// By field, as `edits(orderID:)` lists them.
    public var edits: [OrderEdit] = []
    /// In the order they were recorded, as `returnDocuments(orderID:)` lists them.
    public var returnDocuments: [StoredReturnDocument] = []

    public init(status: OrderSyncStatus? = nil, invoice: StoredDocument? = nil, edits: [OrderEdit] = [], returnDocuments: [StoredReturnDocument] = []) {
        self.status = status
        self.invoice = invoice
        self.edits = edits
        self.returnDocuments = returnDocuments
    }
}

extension StateStore {
    /// How many orders one `recordedStates` call reads: each of its four queries binds this many ids.
    public static let recordedStateBatchSize = 256

    /// The recorded state of up to `recordedStateBatchSize` orders, read in one transaction with four queries
    /// (orders' statuses, invoices, edits, return documents) instead of four per order. A chunk shorter than the batch size
    /// repeats its last id, so every call runs the same four prepared statements from the connection's cache.
    /// Orders the store does not know are absent from the result.
    public func recordedStates(orderIDs: some Collection<String>) throws -> [String: RecordedOrderState] {
        let size = Self.recordedStateBatchSize
        precondition(orderIDs.count <= size, "recordedStates reads at most \(size) orders at a time")
        guard let last = orderIDs.first else { return [:] }
        var ids = Array(orderIDs)
        ids.append(contentsOf: repeatElement(ids.last ?? last, count: size - ids.count))
        let arguments = StatementArguments(ids)
        let placeholders = "(" + Array(repeating: "?", count: size).joined(separator: ",") + ")"
        return try database.read { db in
            var states: [String: RecordedOrderState] = [:]
            states.reserveCapacity(orderIDs.count)
            // Not the whole row: its raw order JSON is what the file being planned already holds.
            let orders = try db.cachedStatement(sql: "SELECT id, status FROM orders WHERE id IN \(placeholders)")
            let rows = try Row.fetchCursor(orders, arguments: arguments)
            while let row = try rows.next() {
                let status: String = try row.decode(atIndex: 1)
                states[try row.decode(atIndex: 0), default: RecordedOrderState()].status = OrderSyncStatus(rawValue: status)
            }
            let invoices = try db.cachedStatement(sql: "SELECT * FROM documents WHERE type = 'salesinvoice' AND order_id IN \(placeholders)")
            for document in try StoredDocument.fetchAll(invoices, arguments: arguments) {
                states[document.orderID, default: RecordedOrderState()].invoice = document
            }
            let edits = try db.cachedStatement(sql: "SELECT * FROM order_edits WHERE order_id IN \(placeholders) ORDER BY order_id, field")
            for edit in try OrderEdit.fetchAll(edits, arguments: arguments) {
                states[edit.orderID, default: RecordedOrderState()].edits.append(edit)
            }
            let returns = try db.cachedStatement(sql: "SELECT * FROM return_documents WHERE order_id IN \(placeholders) ORDER BY id")
            for document in try StoredReturnDocument.fetchAll(returns, arguments: arguments) {
                states[document.orderID, default: RecordedOrderState()].returnDocuments.append(document)
            }
            return states
        }
    }
}
