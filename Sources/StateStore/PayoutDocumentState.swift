import Foundation
import GRDB

/// A credit note or customer refund `payments apply` makes of a payout: a negative settlement row
/// (`payments.negative_payouts: credit_note`) or a channel-level charge (`payments.channel_charges`), and where it
/// stands in SQL Account. A refund names the credit note it knocks off.
public struct StoredPayoutDocument: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "payout_documents"

    public var id: Int64?
    public var channel: String
    public var payoutDate: String
    public var reference: String
    /// The settled order; empty for a channel-level charge.
    public var orderID: String
    public var customerCode: String
    /// `salescreditnote` or `customerrefund`.
    public var type: String
    /// A refund's credit note.
    public var creditNoteID: Int64?
    public var idempotencyKey: String
    public var payloadJSON: String
    public var amountSen: Int64
    public var state: DocumentState
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    public var lastError: String?
    public var taskID: Int64?
    public var createdAt: String
    public var updatedAt: String

    public static let creditNote = "salescreditnote"
    public static let customerRefund = "customerrefund"

    enum CodingKeys: String, CodingKey {
        case id, channel, reference, type, state
        case payoutDate = "payout_date", orderID = "order_id", customerCode = "customer_code", creditNoteID = "credit_note_id"
        case idempotencyKey = "idempotency_key", payloadJSON = "payload_json", amountSen = "amount_sen", remoteDockey = "remote_dockey"
        case remoteDocno = "remote_docno", lastError = "last_error", taskID = "task_id", createdAt = "created_at", updatedAt = "updated_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public var isCreditNote: Bool { type == Self.creditNote }

    /// `lazada 2025-09-24 MY2025092201 order 1576…` / `… channel charge`.
    public var label: String {
        "\(channel) \(payoutDate) \(reference) " + (orderID.isEmpty ? "channel charge" : "order \(orderID)")
    }

    /// How it stands within its receipt task, in the words of an order's status.
    public var taskStatus: OrderSyncStatus { StoredPayment.taskStatus(state: state, errored: lastError != nil && state != .created) }
}

/// One request made for a payout document and what came back, summarised.
public struct PayoutDocumentAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "payout_document_attempts"

    public var id: Int64?
    public var payoutDocumentID: Int64
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
        case payoutDocumentID = "payout_document_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A payout document to record: what the plan says it is.
public struct PayoutDocumentDraft: Sendable, Equatable {
    public var channel: String
    public var payoutDate: String
    public var reference: String
    public var orderID: String
    public var customerCode: String
    public var type: String
    public var idempotencyKey: String
    public var payloadJSON: String
    public var amountSen: Int64
    /// A refund's credit note, by its docref1 (staged in the same call).
    public var creditNoteKey: String?

    public init(channel: String, payoutDate: String, reference: String, orderID: String, customerCode: String, type: String,
                idempotencyKey: String, payloadJSON: String, amountSen: Int64, creditNoteKey: String? = nil) {
        self.channel = channel
        self.payoutDate = payoutDate
        self.reference = reference
        self.orderID = orderID
        self.customerCode = customerCode
        self.type = type
        self.idempotencyKey = idempotencyKey
        self.payloadJSON = payloadJSON
        self.amountSen = amountSen
        self.creditNoteKey = creditNoteKey
    }
}

extension StateStore {
    /// Records a credit note and its refund (in that order in `drafts`) covering settlement rows `rowIDs`, in one
    /// transaction. A document SQL Account may hold (sent, in doubt, created) keeps its body and state — it is looked
    /// up before anything is sent again; an unsent one takes the plan's body. Returns the rows as recorded now.
    @discardableResult
    public func stagePayoutDocuments(_ drafts: [PayoutDocumentDraft], coveringRows rowIDs: [Int64], now: Date = Date()) throws -> [StoredPayoutDocument] {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            var staged: [StoredPayoutDocument] = []
            var idsByKey: [String: Int64] = [:]
            for draft in drafts {
                let creditNoteID = draft.creditNoteKey.flatMap { idsByKey[$0] }
                if var existing = try StoredPayoutDocument.filter(Column("idempotency_key") == draft.idempotencyKey).fetchOne(db) {
                    if !existing.state.mayExistRemotely {
                        existing.payloadJSON = draft.payloadJSON
                        existing.amountSen = draft.amountSen
                        existing.customerCode = draft.customerCode
                        existing.state = .desired
                        existing.lastError = nil
                    }
                    if existing.creditNoteID == nil { existing.creditNoteID = creditNoteID }
                    existing.updatedAt = stamp
                    try existing.update(db)
                    staged.append(existing)
                } else {
                    var document = StoredPayoutDocument(id: nil, channel: draft.channel, payoutDate: draft.payoutDate, reference: draft.reference,
                                                        orderID: draft.orderID, customerCode: draft.customerCode, type: draft.type,
                                                        creditNoteID: creditNoteID, idempotencyKey: draft.idempotencyKey, payloadJSON: draft.payloadJSON,
                                                        amountSen: draft.amountSen, state: .desired, remoteDockey: nil, remoteDocno: nil,
                                                        lastError: nil, taskID: nil, createdAt: stamp, updatedAt: stamp)
                    try document.insert(db)
                    staged.append(document)
                }
                if let id = staged.last?.id { idsByKey[draft.idempotencyKey] = id }
            }
            if let owner = staged.first(where: { $0.isCreditNote })?.id {
                for id in rowIDs {
                    try db.execute(sql: "UPDATE settlement_rows SET payout_document_id = ?, payment_id = NULL WHERE id = ?", arguments: [owner, id])
                }
            }
            return staged
        }
    }

    public func payoutDocument(_ id: Int64) throws -> StoredPayoutDocument? {
        try database.read { db in try StoredPayoutDocument.fetchOne(db, key: id) }
    }

    /// Every payout document, oldest first.
    public func payoutDocuments() throws -> [StoredPayoutDocument] {
        try database.read { db in
            guard try db.tableExists(StoredPayoutDocument.databaseTableName) else { return [] }
            return try StoredPayoutDocument.order(Column("id")).fetchAll(db)
        }
    }

    /// A receipt task's payout documents.
    public func payoutDocuments(taskID: Int64) throws -> [StoredPayoutDocument] {
        try database.read { db in
            guard try db.tableExists(StoredPayoutDocument.databaseTableName) else { return [] }
            return try StoredPayoutDocument.filter(Column("task_id") == taskID).order(Column("id")).fetchAll(db)
        }
    }

    public func payoutDocumentAttempts(documentID: Int64) throws -> [PayoutDocumentAttempt] {
        try database.read { db in try PayoutDocumentAttempt.filter(Column("payout_document_id") == documentID).order(Column("id")).fetchAll(db) }
    }

    /// Moves payout documents into a receipt task.
    public func attachPayoutDocuments(_ ids: [Int64], toTask taskID: Int64) throws {
        try database.write { db in
            for id in ids { try db.execute(sql: "UPDATE payout_documents SET task_id = ? WHERE id = ?", arguments: [taskID, id]) }
            try db.execute(sql: "UPDATE tasks SET order_count = order_count + ? WHERE id = ?", arguments: [ids.count, taskID])
        }
    }

    /// An unsent document the plan no longer makes (its rows went another way): it is never sent.
    public func dropPayoutDocument(_ id: Int64, now: Date = Date()) throws {
        try database.write { db in
            guard var document = try StoredPayoutDocument.fetchOne(db, key: id), !document.state.mayExistRemotely, document.state != .created else { return }
            document.state = .cancelled
            document.updatedAt = Timestamps.iso(now)
            try document.update(db)
            try db.execute(sql: "UPDATE settlement_rows SET payout_document_id = NULL WHERE payout_document_id = ?", arguments: [id])
        }
    }

    /// Replaces the body of a document not sent yet (a refund's credit note number became known).
    public func updatePayoutPayload(_ id: Int64, payloadJSON: String, now: Date = Date()) throws {
        try database.write { db in
            guard var document = try StoredPayoutDocument.fetchOne(db, key: id), !document.state.mayExistRemotely, document.state != .created else { return }
            document.payloadJSON = payloadJSON
            document.updatedAt = Timestamps.iso(now)
            try document.update(db)
        }
    }

    /// Moves a payout document to a new state and records the request (a new row, or `finishing` the POST marked `sending`).
    @discardableResult
    public func transitionPayoutDocument(_ id: Int64, to transition: DocumentTransition, attempt: AttemptRecord?, finishing attemptID: Int64? = nil,
                                         taskID: Int64?, now: Date = Date()) throws -> Int64? {
        try transitionSent(StoredPayoutDocument.self, id: id, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID, now: now, attempts: PayoutDocumentAttempt.self)
    }
}

extension StoredPayoutDocument: SentDocumentRecord {}

extension PayoutDocumentAttempt: SentDocumentAttempt {
    static let documentColumn = "payout_document_id"

    init(documentID: Int64, taskID: Int64?, stamp: String, attempt: AttemptRecord) {
        self.init(id: nil, payoutDocumentID: documentID, taskID: taskID, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                  requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                  responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
    }
}
