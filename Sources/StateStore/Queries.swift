import Foundation
import GRDB

/// Read-only queries behind `orders list|show|export` and `tasks list|show`.
extension StateStore {
    /// Orders filtered by any of status, store and task, in import order (the order `apply` read them).
    public func filteredOrders(status: OrderSyncStatus? = nil, store: String? = nil, taskID: Int64? = nil) throws -> [StoredOrder] {
        try database.read { db in
            var request = StoredOrder.all()
            if let status { request = request.filter(Column("status") == status.rawValue) }
            if let store { request = request.filter(Column("store") == store) }
            if let taskID { request = request.filter(Column("task_id") == taskID) }
            return try request.order(Column.rowID).fetchAll(db)
        }
    }

    /// Every order id, in import order: the candidates for a "did you mean".
    public func orderIDs() throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT id FROM orders ORDER BY rowid") }
    }

    /// Every store that has imported orders, sorted: the candidates for a "did you mean".
    public func storeNames() throws -> [String] {
        try database.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT store FROM orders ORDER BY store") }
    }

    /// All documents of one order (a sales invoice, later a payment), oldest first.
    public func documents(orderID: String) throws -> [StoredDocument] {
        try database.read { db in
            try StoredDocument.filter(Column("order_id") == orderID).order(Column("id")).fetchAll(db)
        }
    }
}
