import Foundation
import GRDB

/// Where one document stands against SQL Account.
public enum DocumentState: String, Codable, CaseIterable, Sendable {
    /// Built from the order, not sent yet.
    case desired
    /// A POST was started and its outcome not yet recorded: after a crash, look it up before sending again.
    case sending
    /// SQL Account has it; `remoteDockey`/`remoteDocno` say which.
    case created
    /// SQL Account refused it (or the transform failed); the order's `last_error` says why.
    case failed
    /// A write whose outcome is unknown (timeout, dropped connection) and could not be confirmed by lookup.
    case unknown
    /// Cancelled in SQL Account by `tasks delete --cancel-remote`.
    case cancelled

    /// States in which SQL Account may already hold the document: never POST without looking it up first.
    public var mayExistRemotely: Bool { self == .sending || self == .unknown || self == .created }
}

/// One document (a sales invoice, later a customer payment) the store has built for an order.
public struct StoredDocument: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "documents"

    public var id: Int64?
    public var orderID: String
    public var type: String
    public var idempotencyKey: String
    public var payloadJSON: String
    public var payloadHash: String
    public var state: DocumentState
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    public var remoteUpdatecount: Int?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, type, state
        case orderID = "order_id", idempotencyKey = "idempotency_key", payloadJSON = "payload_json", payloadHash = "payload_hash"
        case remoteDockey = "remote_dockey", remoteDocno = "remote_docno", remoteUpdatecount = "remote_updatecount"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    public init(id: Int64?, orderID: String, type: String, idempotencyKey: String, payloadJSON: String, payloadHash: String, state: DocumentState,
                remoteDockey: Int64?, remoteDocno: String?, remoteUpdatecount: Int?, createdAt: String, updatedAt: String) {
        self.id = id
        self.orderID = orderID
        self.type = type
        self.idempotencyKey = idempotencyKey
        self.payloadJSON = payloadJSON
        self.payloadHash = payloadHash
        self.state = state
        self.remoteDockey = remoteDockey
        self.remoteDocno = remoteDocno
        self.remoteUpdatecount = remoteUpdatecount
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Column by column: the Codable default goes through a keyed decoding container per row, and `plan` reads a
    /// document per order.
    public init(row: Row) throws {
        let stateName: String = try row.decode(forColumn: CodingKeys.state.rawValue)
        guard let state = DocumentState(rawValue: stateName) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "documents.state holds an unknown state '\(stateName)'")
        }
        self.init(id: try row.decode(forColumn: CodingKeys.id.rawValue), orderID: try row.decode(forColumn: CodingKeys.orderID.rawValue),
                  type: try row.decode(forColumn: CodingKeys.type.rawValue), idempotencyKey: try row.decode(forColumn: CodingKeys.idempotencyKey.rawValue),
                  payloadJSON: try row.decode(forColumn: CodingKeys.payloadJSON.rawValue),
                  payloadHash: try row.decode(forColumn: CodingKeys.payloadHash.rawValue), state: state,
                  remoteDockey: try row.decode(forColumn: CodingKeys.remoteDockey.rawValue),
                  remoteDocno: try row.decode(forColumn: CodingKeys.remoteDocno.rawValue),
                  remoteUpdatecount: try row.decode(forColumn: CodingKeys.remoteUpdatecount.rawValue),
                  createdAt: try row.decode(forColumn: CodingKeys.createdAt.rawValue), updatedAt: try row.decode(forColumn: CodingKeys.updatedAt.rawValue))
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum TaskStatus: String, Codable, CaseIterable, Sendable {
    case pending, running, completed
    case completedWithFailures = "completed_with_failures"
}

/// What a task sent: invoices (`apply`, `tasks retry`), receipts (`payments apply`) or returns' credit notes and refunds (`apply`).
public enum TaskKind: String, Codable, CaseIterable, Sendable {
    case invoices, receipts
    /// The credit notes and customer refunds of returns (`apply`).
    case returns
}

/// What one `apply` sent together: at most 150 orders' invoices, or the receipts of one `payments apply`.
public struct StoredTask: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tasks"

    public var id: Int64?
    public var createdAt: String
    public var status: TaskStatus
    /// The orders (an invoice task) or receipts (a receipt task) it holds.
    public var orderCount: Int
    public var finishedAt: String?
    public var kind: TaskKind

    public init(id: Int64?, createdAt: String, status: TaskStatus, orderCount: Int, finishedAt: String?, kind: TaskKind = .invoices) {
        self.id = id
        self.createdAt = createdAt
        self.status = status
        self.orderCount = orderCount
        self.finishedAt = finishedAt
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey {
        case id, status, kind
        case createdAt = "created_at", orderCount = "order_count", finishedAt = "finished_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

public enum AttemptOutcome: String, Codable, CaseIterable, Sendable {
    case sending, created, updated, adopted, failed, ambiguous, retried
}

/// A recorded request to SQL Account and its answer, for an invoice (`SyncAttempt`) or a payment (`PaymentAttempt`).
public protocol RecordedAttempt {
    var id: Int64? { get }
    var startedAt: String { get }
    var finishedAt: String? { get }
    var requestMethod: String { get }
    var requestPath: String { get }
    var requestSummary: String { get }
    var responseStatus: Int? { get }
    var responseSummary: String? { get }
    var outcome: AttemptOutcome { get }
}

/// One request about a document and what came back, summarised (never the keys or signature).
public struct SyncAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "sync_attempts"

    public var id: Int64?
    public var documentID: Int64
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
        case documentID = "document_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// An operator's edit of one invoice field of a failed order (`sdsdocdetail[2].itemcode`, `agent`…).
public struct OrderEdit: Codable, Equatable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "order_edits"

    public var orderID: String
    public var field: String
    public var value: String
    public var editedAt: String

    enum CodingKeys: String, CodingKey {
        case field, value
        case orderID = "order_id", editedAt = "edited_at"
    }
}

/// A task with how its orders stand now.
public struct TaskSummary: Equatable, Sendable {
    public var task: StoredTask
    public var counts: [OrderSyncStatus: Int]

    public var id: Int64 { task.id ?? 0 }
    public func count(_ status: OrderSyncStatus) -> Int { counts[status] ?? 0 }
}
