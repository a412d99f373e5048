import Foundation
import GRDB

/// A month's consolidated e-invoice for one scope (a store id, or `company`) and where it stands in SQL Account.
public struct StoredConsolidation: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "einvoice_consolidations"

    public var id: Int64?
    /// `YYYY-MM`.
    public var month: String
    public var scope: String
    /// `salesinvoice` or `cashsale`.
    public var resource: String
    public var customerCode: String
    public var idempotencyKey: String
    public var payloadJSON: String
    /// The orders it reports, a JSON array of order ids.
    public var orderIDsJSON: String
    public var amountSen: Int64
    public var state: DocumentState
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, month, scope, resource, state
        case customerCode = "customer_code", idempotencyKey = "idempotency_key", payloadJSON = "payload_json", orderIDsJSON = "order_ids_json"
        case amountSen = "amount_sen", remoteDockey = "remote_dockey", remoteDocno = "remote_docno", lastError = "last_error"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(month: String, scope: String, resource: String, customerCode: String, idempotencyKey: String, payloadJSON: String,
                orderIDs: [String], amountSen: Int64) {
        self.month = month
        self.scope = scope
        self.resource = resource
        self.customerCode = customerCode
        self.idempotencyKey = idempotencyKey
        self.payloadJSON = payloadJSON
        let ids = (try? JSONSerialization.data(withJSONObject: orderIDs)).flatMap { String(data: $0, encoding: .utf8) }
        orderIDsJSON = ids ?? "[]"
        self.amountSen = amountSen
        state = .desired
        createdAt = ""
        updatedAt = ""
    }

    public var orderIDs: [String] {
        (try? JSONSerialization.jsonObject(with: Data(orderIDsJSON.utf8))) as? [String] ?? []
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StoredConsolidation: SentDocumentRecord {}

/// One request made for a consolidated e-invoice and what came back, summarised.
public struct ConsolidationAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "einvoice_consolidation_attempts"

    public var id: Int64?
    public var consolidationID: Int64
    public var taskID: Int64?
    public var startedAt: String
    public var finishedAt: String?
    public var requestMethod: String
    public var requestPath: String
    public var requestSummary: String
    public var responseStatus: Int?
    public var responseSummary: String?
    public var outcome: AttemptOutcome

    enum CodingKeys: String, CodingKey {
        case id, outcome
        case consolidationID = "consolidation_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An order placed in a month, with its invoice as recorded (if any): what a consolidation is made of.
public struct MonthOrder: Sendable, Equatable {
    public var orderID: String
    public var store: String
    public var channel: String
    public var orderNumber: String
    public var orderedOn: String
    public var status: OrderSyncStatus
    public var excludedReason: String?
    /// The invoice's type, state, payload and SQL number, when one was recorded.
    public var documentType: String?
    public var documentState: DocumentState?
    public var payloadJSON: String?
    public var remoteDocno: String?
}

extension StateStore {
    /// Every order placed in `month` (`YYYY-MM`, by its Malaysia-time order date), oldest first.
    public func orders(placedIn month: String) throws -> [MonthOrder] {
        try database.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.id, o.store, o.channel, o.order_number, o.ordered_on, o.status, o.excluded_reason,
                       d.type AS document_type, d.state AS document_state, d.payload_json, d.remote_docno
                FROM orders o LEFT JOIN documents d ON d.order_id = o.id
                WHERE o.ordered_on >= ? AND o.ordered_on <= ?
                ORDER BY o.ordered_on, o.id
                """, arguments: [month + "-01", month + "-31"])
            return rows.map { row in
                let status: String = row["status"]
                let documentState: String? = row["document_state"]
                return MonthOrder(orderID: row["id"], store: row["store"], channel: row["channel"], orderNumber: row["order_number"],
                                  orderedOn: row["ordered_on"], status: OrderSyncStatus(rawValue: status) ?? .pending, excludedReason: row["excluded_reason"],
                                  documentType: row["document_type"], documentState: documentState.flatMap(DocumentState.init(rawValue:)),
                                  payloadJSON: row["payload_json"], remoteDocno: row["remote_docno"])
            }
        }
    }

    /// The consolidations recorded for `month`, by scope.
    public func consolidations(month: String) throws -> [StoredConsolidation] {
        try database.read { db in
            try StoredConsolidation.filter(Column("month") == month).order(Column("scope")).fetchAll(db)
        }
    }

    public func consolidation(_ id: Int64) throws -> StoredConsolidation? {
        try database.read { db in try StoredConsolidation.fetchOne(db, key: id) }
    }

    /// Records a consolidation to send, or refreshes one never sent (its payload as planned now); one SQL Account
    /// may hold already (created, or in doubt) is returned as it is.
    public func recordConsolidation(_ planned: StoredConsolidation, now: Date = Date()) throws -> StoredConsolidation {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            if var existing = try StoredConsolidation.filter(Column("month") == planned.month && Column("scope") == planned.scope).fetchOne(db) {
                guard existing.state == .desired || existing.state == .failed else { return existing }
                existing.payloadJSON = planned.payloadJSON
                existing.orderIDsJSON = planned.orderIDsJSON
                existing.amountSen = planned.amountSen
                existing.customerCode = planned.customerCode
                existing.resource = planned.resource
                existing.idempotencyKey = planned.idempotencyKey
                existing.updatedAt = stamp
                try existing.update(db)
                return existing
            }
            var row = planned
            row.createdAt = stamp
            row.updatedAt = stamp
            try row.insert(db)
            return row
        }
    }

    @discardableResult
    public func transitionConsolidation(_ id: Int64, to transition: DocumentTransition, attempt: AttemptRecord?, finishing attemptID: Int64? = nil,
                                        taskID: Int64?, now: Date = Date()) throws -> Int64? {
        try transitionSent(StoredConsolidation.self, id: id, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID, now: now, attempts: ConsolidationAttempt.self)
    }
}

extension ConsolidationAttempt: SentDocumentAttempt {
    static let documentColumn = "consolidation_id"

    init(documentID: Int64, taskID: Int64?, stamp: String, attempt: AttemptRecord) {
        self.init(id: nil, consolidationID: documentID, taskID: taskID, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                  requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                  responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
    }
}
