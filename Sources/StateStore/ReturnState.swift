import Foundation
import GRDB

/// One document a return event makes in SQL Account: its sales credit note, or the customer refund that pays it out.
public struct StoredReturnDocument: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "return_documents"

    public var id: Int64?
    public var orderID: String
    public var returnID: String
    /// `salescreditnote` or `customerrefund`.
    public var type: String
    public var idempotencyKey: String
    public var payloadJSON: String
    public var payloadHash: String
    /// The document's total, in sen.
    public var amountSen: Int64
    /// What it knocks off, in sen: the invoice (a credit note), or the credit note it refunds (a refund).
    public var knockoffSen: Int64
    public var state: DocumentState
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    public var lastError: String?
    public var taskID: Int64?
    public var createdAt: String
    public var updatedAt: String
    /// For a credit note: the part of its return event it credited, as the planner wrote it (nil before 2026-12-13).
    public var creditedJSON: String?

    enum CodingKeys: String, CodingKey {
        case id, type, state, creditedJSON = "credited_json"
        case orderID = "order_id", returnID = "return_id", idempotencyKey = "idempotency_key", payloadJSON = "payload_json"
        case payloadHash = "payload_hash", amountSen = "amount_sen", knockoffSen = "knockoff_sen", remoteDockey = "remote_dockey"
        case remoteDocno = "remote_docno", lastError = "last_error", taskID = "task_id", createdAt = "created_at", updatedAt = "updated_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// How it stands within its task, in the words of an order's status.
    public var taskStatus: OrderSyncStatus { StoredPayment.taskStatus(state: state, errored: lastError != nil && state != .created) }
}

/// One request made for a return document and what came back, summarised.
public struct ReturnAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "return_attempts"

    public var id: Int64?
    public var returnDocumentID: Int64
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
        case returnDocumentID = "return_document_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// What staging a return document did.
public enum ReturnStageResult: Equatable, Sendable {
    /// Ready to send (state `desired`), or in doubt from an earlier run (looked up before sending).
    case staged(StoredReturnDocument)
    /// SQL Account has it: nothing to send.
    case alreadyCreated(StoredReturnDocument)
    /// Another document already owns the idempotency key.
    case keyConflict(owner: String)
}

extension StateStore {
    // MARK: return documents

    /// Records a return document to send. An existing row for the same (order, return, type) is the same document: one
    /// SQL Account may hold keeps its state and body (it is looked up before any send); an unsent one takes the new body.
    public func stageReturnDocument(orderID: String, returnID: String, type: String, idempotencyKey: String, payloadJSON: String,
                                    amountSen: Int64, knockoffSen: Int64, creditedJSON: String? = nil, now: Date = Date()) throws -> ReturnStageResult {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            if var current = try StoredReturnDocument.filter(Column("order_id") == orderID && Column("return_id") == returnID && Column("type") == type).fetchOne(db) {
                if current.state == .created { return .alreadyCreated(current) }
                if !current.state.mayExistRemotely {
                    current.payloadJSON = payloadJSON
                    current.payloadHash = ContentHash.hex(payloadJSON)
                    current.idempotencyKey = idempotencyKey
                    current.amountSen = amountSen
                    current.knockoffSen = knockoffSen
                    current.creditedJSON = creditedJSON
                    current.state = .desired
                    current.lastError = nil
                }
                current.updatedAt = stamp
                try current.update(db)
                return .staged(current)
            }
            if let owner = try Row.fetchOne(db, sql: "SELECT order_id, return_id FROM return_documents WHERE idempotency_key = ?", arguments: [idempotencyKey]) {
                return .keyConflict(owner: "order \(owner["order_id"] as String? ?? "") return \(owner["return_id"] as String? ?? "")")
            }
            if let owner = try String.fetchOne(db, sql: "SELECT order_id FROM documents WHERE idempotency_key = ?", arguments: [idempotencyKey]) {
                return .keyConflict(owner: "the invoice of order \(owner)")
            }
            var document = StoredReturnDocument(id: nil, orderID: orderID, returnID: returnID, type: type, idempotencyKey: idempotencyKey,
                                                payloadJSON: payloadJSON, payloadHash: ContentHash.hex(payloadJSON), amountSen: amountSen,
                                                knockoffSen: knockoffSen, state: .desired, remoteDockey: nil, remoteDocno: nil, lastError: nil,
                                                taskID: nil, createdAt: stamp, updatedAt: stamp, creditedJSON: creditedJSON)
            try document.insert(db)
            return .staged(document)
        }
    }

    public func returnDocument(_ id: Int64) throws -> StoredReturnDocument? {
        try database.read { db in try StoredReturnDocument.fetchOne(db, key: id) }
    }

    public func returnDocument(orderID: String, returnID: String, type: String) throws -> StoredReturnDocument? {
        try database.read { db in
            try StoredReturnDocument.filter(Column("order_id") == orderID && Column("return_id") == returnID && Column("type") == type).fetchOne(db)
        }
    }

    /// An order's return documents in the order they were recorded.
    public func returnDocuments(orderID: String) throws -> [StoredReturnDocument] {
        try database.read { db in try StoredReturnDocument.filter(Column("order_id") == orderID).order(Column("id")).fetchAll(db) }
    }

    /// A task's return documents.
    public func returnDocuments(taskID: Int64) throws -> [StoredReturnDocument] {
        try database.read { db in try StoredReturnDocument.filter(Column("task_id") == taskID).order(Column("id")).fetchAll(db) }
    }

    /// Every return document not in SQL Account yet (desired, failed, or in doubt), oldest first: what the next apply sends.
    public func returnDocumentsToSend() throws -> [StoredReturnDocument] {
        try database.read { db in
            try StoredReturnDocument.filter(["desired", "failed", "sending", "unknown"].contains(Column("state"))).order(Column("id")).fetchAll(db)
        }
    }

    public func returnAttempts(documentID: Int64) throws -> [ReturnAttempt] {
        try database.read { db in try ReturnAttempt.filter(Column("return_document_id") == documentID).order(Column("id")).fetchAll(db) }
    }

    /// What SQL Account holds knocked off an invoice by the credit notes ledgersync sent (or may have sent), in sen.
    public func creditedSen(orderID: String) throws -> Int64 {
        try database.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT COALESCE(SUM(knockoff_sen), 0) FROM return_documents
                WHERE order_id = ? AND type = 'salescreditnote' AND state IN ('created', 'sending', 'unknown')
                """, arguments: [orderID]) ?? 0
        }
    }

    /// Opens a running task holding the return documents one apply is about to send; each moves to it.
    public func openReturnTask(documentIDs: [Int64], now: Date = Date()) throws -> StoredTask {
        try database.write { db in
            var task = StoredTask(id: nil, createdAt: Timestamps.iso(now), status: .running, orderCount: documentIDs.count, finishedAt: nil, kind: .returns)
            try task.insert(db)
            for id in documentIDs {
                try db.execute(sql: "UPDATE return_documents SET task_id = ? WHERE id = ?", arguments: [task.id, id])
            }
            return task
        }
    }

    /// Moves a return document to a new state and records the request (a new row, or `finishing` the POST marked `sending`).
    @discardableResult
    public func transitionReturnDocument(_ id: Int64, to transition: DocumentTransition, attempt: AttemptRecord?, finishing attemptID: Int64? = nil,
                                         taskID: Int64?, now: Date = Date()) throws -> Int64? {
        try transitionSent(StoredReturnDocument.self, id: id, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID, now: now, attempts: ReturnAttempt.self)
    }

    /// Replaces the body of a return document that has not been sent (the credited invoice's number became known).
    public func updateReturnPayload(_ id: Int64, payloadJSON: String, knockoffSen: Int64, now: Date = Date()) throws {
        try database.write { db in
            guard var document = try StoredReturnDocument.fetchOne(db, key: id), !document.state.mayExistRemotely else { return }
            document.payloadJSON = payloadJSON
            document.payloadHash = ContentHash.hex(payloadJSON)
            document.knockoffSen = knockoffSen
            document.updatedAt = Timestamps.iso(now)
            try document.update(db)
        }
    }
}

/// A document `apply` sends besides the invoice (a return's or a payout's credit note or refund): its state and what
/// SQL Account answered, moved by a `DocumentTransition` the same way for every kind.
protocol SentDocumentRecord: FetchableRecord, MutablePersistableRecord {
    var state: DocumentState { get set }
    var remoteDockey: Int64? { get set }
    var remoteDocno: String? { get set }
    var lastError: String? { get set }
    var updatedAt: String { get set }
}

/// One request made for a `SentDocumentRecord` and what came back: a row of that kind's attempts table, tied to its
/// document by `documentColumn`.
protocol SentDocumentAttempt: RecordedAttempt, FetchableRecord, MutablePersistableRecord {
    static var documentColumn: String { get }
    var finishedAt: String? { get set }
    var responseStatus: Int? { get set }
    var responseSummary: String? { get set }
    var outcome: AttemptOutcome { get set }
    init(documentID: Int64, taskID: Int64?, stamp: String, attempt: AttemptRecord)
}

extension StateStore {
    /// Moves a sent document to its new state and records the request: a new attempt row, or the answer to the
    /// attempt `attemptID` started. Returns the attempt's id.
    func transitionSent<Document: SentDocumentRecord, Attempt: SentDocumentAttempt>(_ document: Document.Type, id: Int64, to transition: DocumentTransition,
                                                                                   attempt: AttemptRecord?, finishing attemptID: Int64?, taskID: Int64?,
                                                                                   now: Date, attempts: Attempt.Type) throws -> Int64? {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            guard var document = try Document.fetchOne(db, key: id) else { throw StateStoreError.unknownDocument(id) }
            document.record(transition)
            document.updatedAt = stamp
            try document.update(db)
            guard let attempt else { return nil }
            if let attemptID, var row = try Attempt.filter(Column("id") == attemptID && Column(Attempt.documentColumn) == id).fetchOne(db) {
                row.finishedAt = stamp
                row.responseStatus = attempt.responseStatus
                row.responseSummary = attempt.responseSummary
                row.outcome = attempt.outcome
                try row.update(db)
                return attemptID
            }
            var row = Attempt(documentID: id, taskID: taskID, stamp: stamp, attempt: attempt)
            try row.insert(db)
            return row.id
        }
    }
}

extension SentDocumentRecord {
    mutating func record(_ transition: DocumentTransition) {
        switch transition {
        case .sending: state = .sending
        case .created(let dockey, let docno, _):
            state = .created
            remoteDockey = dockey
            remoteDocno = docno
            lastError = nil
        case .failed(let message):
            state = .failed
            lastError = message
        case .unknown(let message):
            state = .unknown
            lastError = message
        case .desired: state = .desired
        case .cancelled, .cancelledWithOrder: state = .cancelled
        case .updated: break
        case .changeFailed(let message): lastError = message
        }
    }
}

extension StoredReturnDocument: SentDocumentRecord {}

extension ReturnAttempt: SentDocumentAttempt {
    static let documentColumn = "return_document_id"

    init(documentID: Int64, taskID: Int64?, stamp: String, attempt: AttemptRecord) {
        self.init(id: nil, returnDocumentID: documentID, taskID: taskID, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                  requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                  responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
    }
}
