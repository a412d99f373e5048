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

/// One order as a list shows it: what staff search, filter and read, without its raw JSON.
public struct OrderListRow: Sendable, Equatable {
    public var id: String
    public var store: String
    public var channel: String
    public var orderNumber: String
    public var status: OrderSyncStatus
    /// `YYYY-MM-DD` in Malaysia time.
    public var orderedOn: String?
    public var sqlDocno: String?
    public var taskID: Int64?
    public var lastError: String?
    public var excludedReason: String?
    public var changedAfterSync: Bool
}

/// Which orders a list shows: a status, text found in the id or order number, a channel, a store and a date range
/// (inclusive, Malaysia time); at most `limit`, in import order.
public struct OrderListQuery: Sendable {
    public var status: OrderSyncStatus
    public var search: String?
    public var channel: String?
    public var store: String?
    public var from: String?
    public var to: String?
    public var limit: Int

    public init(status: OrderSyncStatus, search: String? = nil, channel: String? = nil, store: String? = nil, from: String? = nil,
                to: String? = nil, limit: Int) {
        self.status = status
        self.search = search
        self.channel = channel
        self.store = store
        self.from = from
        self.to = to
        self.limit = limit
    }
}

extension StateStore {
    /// The orders `query` selects, up to its limit, how many it selects in all, and the channels and stores of the
    /// status (for the filters' choices). One indexed query each: a list of 100,000 orders never reads their JSON.
    public func listOrders(_ query: OrderListQuery) throws -> (rows: [OrderListRow], total: Int, channels: [String], stores: [String]) {
        var conditions = ["status = ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [query.status.rawValue]
        if let search = query.search, !search.isEmpty {
            // LIKE with its wildcards escaped: a search for "50%" finds those characters.
            let pattern = "%" + search.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
                .replacingOccurrences(of: "_", with: "\\_") + "%"
            conditions.append("(id LIKE ? ESCAPE '\\' OR order_number LIKE ? ESCAPE '\\')")
            arguments += [pattern, pattern]
        }
        if let channel = query.channel, !channel.isEmpty { conditions.append("channel = ?"); arguments.append(channel) }
        if let store = query.store, !store.isEmpty { conditions.append("store = ?"); arguments.append(store) }
        if let from = query.from, !from.isEmpty { conditions.append("ordered_on >= ?"); arguments.append(from) }
        if let to = query.to, !to.isEmpty { conditions.append("ordered_on <= ?"); arguments.append(to) }
        let filter = conditions.joined(separator: " AND ")
        return try database.read { db in
            let statementArguments = StatementArguments(arguments)
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, store, channel, order_number, status, ordered_on, sql_docno, task_id, last_error, excluded_reason, changed_after_sync
                FROM orders WHERE \(filter) ORDER BY rowid LIMIT ?
                """, arguments: statementArguments + [query.limit])
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM orders WHERE \(filter)", arguments: statementArguments) ?? 0
            let channels = try String.fetchAll(db, sql: "SELECT DISTINCT channel FROM orders WHERE status = ? ORDER BY channel", arguments: [query.status.rawValue])
            let stores = try String.fetchAll(db, sql: "SELECT DISTINCT store FROM orders WHERE status = ? ORDER BY store", arguments: [query.status.rawValue])
            let listed = try rows.map { row -> OrderListRow in
                let status: String = try row.decode(forColumn: "status")
                return OrderListRow(id: try row.decode(forColumn: "id"), store: try row.decode(forColumn: "store"), channel: try row.decode(forColumn: "channel"),
                                    orderNumber: try row.decode(forColumn: "order_number"), status: OrderSyncStatus(rawValue: status) ?? query.status,
                                    orderedOn: try row.decode(forColumn: "ordered_on"), sqlDocno: try row.decode(forColumn: "sql_docno"),
                                    taskID: try row.decode(forColumn: "task_id"), lastError: try row.decode(forColumn: "last_error"),
                                    excludedReason: try row.decode(forColumn: "excluded_reason"), changedAfterSync: try row.decode(forColumn: "changed_after_sync"))
            }
            return (listed, total, channels, stores)
        }
    }
}
