import Foundation
import GRDB

/// The kinds of master record `masters apply` creates.
public enum MasterRecordKind: String, Codable, CaseIterable, Sendable {
    case stockItem = "stockitem"
    case customer
}

/// One stock item or customer `masters apply` creates (or created): its code, reserved before the POST, and how far it got.
public struct StoredMaster: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "masters"

    public var id: Int64?
    public var kind: MasterRecordKind
    /// The SKU a stock item is for, or the customer's code.
    public var need: String
    public var code: String
    public var payloadJSON: String
    /// `desired`, `sending`, `created`, `failed` or `unknown` (never `cancelled`).
    public var state: DocumentState
    /// SQL Account already had it when it was looked up: nothing was posted.
    public var adopted: Bool
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, kind, need, code, state, adopted
        case payloadJSON = "payload_json", lastError = "last_error", createdAt = "created_at", updatedAt = "updated_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One request `masters apply` made for a master and what came back, summarised.
public struct MasterAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "master_attempts"

    public var id: Int64?
    public var masterID: Int64
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
        case masterID = "master_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A master's move to a new state, as `masters apply` reports it.
public enum MasterTransition: Sendable, Equatable {
    /// The POST is about to go out.
    case sending
    /// SQL Account has it: created by the POST, or `adopted` (found by code).
    case created(adopted: Bool)
    /// Refused, or given up on.
    case failed(message: String)
    /// A write whose outcome could not be confirmed: the next run looks it up by code before posting.
    case unknown(message: String)
    /// Confirmed absent: may be posted.
    case desired
}

/// A master code that belongs to another need: a SKU's reserved code already taken by another SKU.
public struct MasterCodeTaken: Error, Sendable, CustomStringConvertible {
    public var kind: MasterRecordKind
    public var code: String
    public var need: String
    public var description: String { "\(kind.rawValue) code '\(code)' is already reserved for '\(need)' in the state store" }
}

extension StateStore {
    /// Every master recorded, of `kind` when given, in the order they were staged.
    public func masters(kind: MasterRecordKind? = nil) throws -> [StoredMaster] {
        try database.read { db in
            var request = StoredMaster.all()
            if let kind { request = request.filter(Column("kind") == kind.rawValue) }
            return try request.order(Column("id")).fetchAll(db)
        }
    }

    public func master(_ id: Int64) throws -> StoredMaster? {
        try database.read { db in try StoredMaster.fetchOne(db, key: id) }
    }

    public func masterAttempts(masterID: Int64) throws -> [MasterAttempt] {
        try database.read { db in try MasterAttempt.filter(Column("master_id") == masterID).order(Column("id")).fetchAll(db) }
    }

    /// Records the master `need` calls for, with its code and payload, or returns the one recorded before: one SQL
    /// Account may hold (`sending`, `unknown`, `created`) keeps its code and payload; an unsent one (`desired`,
    /// `failed`) takes the new ones. Throws `MasterCodeTaken` when another need holds `code`.
    @discardableResult
    public func stageMaster(kind: MasterRecordKind, need: String, code: String, payloadJSON: String, now: Date = Date()) throws -> StoredMaster {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            let holder = try StoredMaster.filter(Column("kind") == kind.rawValue && Column("code") == code).fetchOne(db)
            if var existing = try StoredMaster.filter(Column("kind") == kind.rawValue && Column("need") == need).fetchOne(db) {
                // One SQL Account may hold keeps its code; an unsent one follows the plan.
                guard !existing.state.mayExistRemotely else { return existing }
                if let holder, holder.id != existing.id { throw MasterCodeTaken(kind: kind, code: code, need: holder.need) }
                existing.code = code
                existing.payloadJSON = payloadJSON
                existing.updatedAt = stamp
                try existing.update(db)
                return existing
            }
            if let holder { throw MasterCodeTaken(kind: kind, code: code, need: holder.need) }
            var master = StoredMaster(id: nil, kind: kind, need: need, code: code, payloadJSON: payloadJSON, state: .desired, adopted: false,
                                      lastError: nil, createdAt: stamp, updatedAt: stamp)
            try master.insert(db)
            return master
        }
    }

    /// Moves a master to a new state and records the request in the same transaction: a new attempt, or `finishing`
    /// an earlier one (the POST marked `sending`). Returns the attempt's id.
    @discardableResult
    public func transitionMaster(_ id: Int64, to transition: MasterTransition, attempt: AttemptRecord? = nil, finishing attemptID: Int64? = nil,
                                 now: Date = Date()) throws -> Int64? {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            guard var master = try StoredMaster.fetchOne(db, key: id) else { throw StateStoreError.unknownMaster(id) }
            switch transition {
            case .sending: master.state = .sending
            case .created(let adopted):
                master.state = .created
                master.adopted = adopted
                master.lastError = nil
            case .failed(let message):
                master.state = .failed
                master.lastError = message
            case .unknown(let message):
                master.state = .unknown
                master.lastError = message
            case .desired: master.state = .desired
            }
            master.updatedAt = stamp
            try master.update(db)
            guard let attempt else { return nil }
            if let attemptID, var row = try MasterAttempt.filter(Column("id") == attemptID && Column("master_id") == id).fetchOne(db) {
                row.finishedAt = stamp
                row.responseStatus = attempt.responseStatus
                row.responseSummary = attempt.responseSummary
                row.outcome = attempt.outcome
                try row.update(db)
                return attemptID
            }
            var row = MasterAttempt(id: nil, masterID: id, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                                    requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                                    responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
            try row.insert(db)
            return row.id
        }
    }
}
