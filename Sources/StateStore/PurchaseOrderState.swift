import Foundation
import GRDB

/// A SQL Accounting purchase order as last passed on to the store (`po apply`).
public struct StoredPurchaseOrder: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "purchase_orders"

    public var dockey: Int64
    public var docno: String
    public var updatecount: Int
    public var lastmodified: Int64
    /// The store's record as written (JSON), what the next plan compares with.
    public var recordJSON: String
    public var exportedAt: String
    public var exportPath: String

    enum CodingKeys: String, CodingKey {
        case dockey, docno, updatecount, lastmodified
        case recordJSON = "record_json", exportedAt = "exported_at", exportPath = "export_path"
    }

    public init(dockey: Int64, docno: String, updatecount: Int, lastmodified: Int64, recordJSON: String, exportedAt: String = "", exportPath: String) {
        self.dockey = dockey
        self.docno = docno
        self.updatecount = updatecount
        self.lastmodified = lastmodified
        self.recordJSON = recordJSON
        self.exportedAt = exportedAt
        self.exportPath = exportPath
    }
}

/// Goods the store received against a purchase order, sent to SQL Accounting as a goods received note once.
public struct StoredGoodsReceived: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "goods_received"

    public var id: Int64?
    public var poDockey: Int64
    public var poDocno: String
    public var idempotencyKey: String
    public var payloadJSON: String
    /// The goods-received file and rows it came from.
    public var source: String
    public var state: DocumentState
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, source, state
        case poDockey = "po_dockey", poDocno = "po_docno", idempotencyKey = "idempotency_key", payloadJSON = "payload_json"
        case remoteDockey = "remote_dockey", remoteDocno = "remote_docno", lastError = "last_error", createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(poDockey: Int64, poDocno: String, idempotencyKey: String, payloadJSON: String, source: String) {
        self.poDockey = poDockey
        self.poDocno = poDocno
        self.idempotencyKey = idempotencyKey
        self.payloadJSON = payloadJSON
        self.source = source
        state = .desired
        createdAt = ""
        updatedAt = ""
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension StoredGoodsReceived: SentDocumentRecord {}

/// One request made for a goods received note and what came back, summarised.
public struct GoodsReceivedAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "goods_received_attempts"

    public var id: Int64?
    public var goodsReceivedID: Int64
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
        case goodsReceivedID = "goods_received_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension GoodsReceivedAttempt: SentDocumentAttempt {
    static let documentColumn = "goods_received_id"

    init(documentID: Int64, taskID: Int64?, stamp: String, attempt: AttemptRecord) {
        self.init(id: nil, goodsReceivedID: documentID, taskID: taskID, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                  requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                  responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
    }
}

extension StateStore {
    /// Every purchase order passed on to the store, by SQL dockey.
    public func purchaseOrders() throws -> [Int64: StoredPurchaseOrder] {
        try database.read { db in
            Dictionary(try StoredPurchaseOrder.fetchAll(db).map { ($0.dockey, $0) }) { first, _ in first }
        }
    }

    /// Records the purchase orders just written for the store, in one transaction.
    public func recordExportedPurchaseOrders(_ orders: [StoredPurchaseOrder], now: Date = Date()) throws {
        let stamp = Timestamps.iso(now)
        try database.write { db in
            for var order in orders {
                order.exportedAt = stamp
                try order.save(db)
            }
        }
    }

    /// Records goods received to send, or returns the one already recorded under its idempotency key.
    public func recordGoodsReceived(_ planned: StoredGoodsReceived, now: Date = Date()) throws -> StoredGoodsReceived {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            if let existing = try StoredGoodsReceived.filter(Column("idempotency_key") == planned.idempotencyKey).fetchOne(db) { return existing }
            var row = planned
            row.createdAt = stamp
            row.updatedAt = stamp
            try row.insert(db)
            return row
        }
    }

    public func goodsReceived(_ id: Int64) throws -> StoredGoodsReceived? {
        try database.read { db in try StoredGoodsReceived.fetchOne(db, key: id) }
    }

    /// The goods received notes recorded for a purchase order, oldest first.
    public func goodsReceived(poDockey: Int64) throws -> [StoredGoodsReceived] {
        try database.read { db in try StoredGoodsReceived.filter(Column("po_dockey") == poDockey).order(Column("id")).fetchAll(db) }
    }

    @discardableResult
    public func transitionGoodsReceived(_ id: Int64, to transition: DocumentTransition, attempt: AttemptRecord?, finishing attemptID: Int64? = nil,
                                        taskID: Int64?, now: Date = Date()) throws -> Int64? {
        try transitionSent(StoredGoodsReceived.self, id: id, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID, now: now,
                           attempts: GoodsReceivedAttempt.self)
    }
}
