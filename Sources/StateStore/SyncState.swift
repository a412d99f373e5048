import Foundation
import GRDB

/// What the transform decided for one stored order, to be recorded before anything is sent.
public enum StagedOutcome: Sendable {
    case document(type: String, idempotencyKey: String, payloadJSON: String)
    case excluded(reason: String)
    case failed(message: String)
}

/// What staging an order did.
public enum StageResult: Equatable, Sendable {
    /// A document ready to sync (state `desired`).
    case staged(documentID: Int64)
    /// SQL Account already has this order's document; changes to it are `plan`'s business, not a second create.
    case alreadyCreated(StoredDocument)
    case excluded
    case failed
    /// Another order already owns this idempotency key; the order is marked failed.
    case keyConflict(otherOrderID: String)
}

/// A request about to be (or just) made for a document, as recorded in `sync_attempts`.
public struct AttemptRecord: Sendable {
    public var method: String
    public var path: String
    public var summary: String
    public var responseStatus: Int?
    public var responseSummary: String?
    public var outcome: AttemptOutcome

    public init(method: String, path: String, summary: String, responseStatus: Int? = nil, responseSummary: String? = nil, outcome: AttemptOutcome) {
        self.method = method
        self.path = path
        self.summary = summary
        self.responseStatus = responseStatus
        self.responseSummary = responseSummary
        self.outcome = outcome
    }
}

/// A document's move to a new state, with what it does to its order.
public enum DocumentTransition: Sendable, Equatable {
    /// A POST is about to go out; the order stays pending until the answer is recorded.
    case sending
    /// SQL Account has it (created now or adopted): the order is completed with the docno written back.
    case created(dockey: Int64, docno: String?, updatecount: Int?)
    /// Refused: the order is failed with `message`.
    case failed(message: String)
    /// Outcome unknown after every lookup: the order is failed; the next run looks it up before sending.
    case unknown(message: String)
    /// Confirmed absent from SQL Account: back to pending.
    case desired
    /// Cancelled in SQL Account: the order is pending again.
    case cancelled
    /// Cancelled in SQL Account because the order itself was cancelled or returned: the order is excluded.
    case cancelledWithOrder(reason: String)
    /// Updated in SQL Account: the document now holds `payloadJSON`, at `updatecount`.
    case updated(payloadJSON: String, updatecount: Int?)
    /// An update or cancel of a synced invoice was refused: the invoice stays as it was (still completed); the
    /// order carries the message and the next apply plans the change again.
    case changeFailed(message: String)
}

extension StateStore {
    // MARK: staging

    /// Records the transform's decision for an order: a document to sync, an exclusion or a failure.
    /// Documents SQL Account may already hold (`sending`, `unknown`, `created`) keep their state.
    @discardableResult
    public func stage(orderID: String, _ outcome: StagedOutcome, now: Date = Date()) throws -> StageResult {
        try stage([(orderID, outcome)], now: now)[0]
    }

    /// Records many decisions in one transaction, each as `stage(orderID:)` would (a bulk load's chunk per commit).
    public func stage(_ decisions: [(orderID: String, outcome: StagedOutcome)], now: Date = Date()) throws -> [StageResult] {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            try decisions.map { try Self.stage(orderID: $0.orderID, $0.outcome, stamp: stamp, db) }
        }
    }

    private static func stage(orderID: String, _ outcome: StagedOutcome, stamp: String, _ db: Database) throws -> StageResult {
        guard var order = try StoredOrder.fetchOne(db, key: orderID) else { throw StateStoreError.unknownOrder(orderID) }
        let existing = try StoredDocument.filter(Column("order_id") == orderID).fetchAll(db)
        order.updatedAt = stamp
        switch outcome {
        case .excluded(let reason):
            if let created = existing.first(where: { $0.state == .created }) { return .alreadyCreated(created) }
            try Self.dropUnsent(existing, db)
            order.status = .excluded
            order.excludedReason = reason
            order.taskID = nil
            order.lastError = nil
            try order.update(db)
            return .excluded
        case .failed(let message):
            if let created = existing.first(where: { $0.state == .created }) { return .alreadyCreated(created) }
            try Self.dropUnsent(existing, db)
            order.status = .failed
            order.lastError = message
            order.excludedReason = nil
            try order.update(db)
            return .failed
        case .document(let type, let key, let payload):
            if let other = try String.fetchOne(db, sql: "SELECT order_id FROM documents WHERE idempotency_key = ? AND order_id <> ?", arguments: [key, orderID]) {
                order.status = .failed
                order.lastError = "its idempotency key (docref1) '\(key)' is already used by order \(other); make defaults.idempotency_key unique per order, e.g. \"{order_id}\""
                try order.update(db)
                return .keyConflict(otherOrderID: other)
            }
            var document: StoredDocument
            if var current = existing.first(where: { $0.type == type }) {
                if current.state == .created { return .alreadyCreated(current) }
                current.payloadJSON = payload
                current.payloadHash = ContentHash.hex(payload)
                current.idempotencyKey = key
                if !current.state.mayExistRemotely { current.state = .desired }
                current.updatedAt = stamp
                try current.update(db)
                document = current
            } else {
                document = StoredDocument(id: nil, orderID: orderID, type: type, idempotencyKey: key, payloadJSON: payload,
                                          payloadHash: ContentHash.hex(payload), state: .desired, remoteDockey: nil, remoteDocno: nil,
                                          remoteUpdatecount: nil, createdAt: stamp, updatedAt: stamp)
                try document.insert(db)
            }
            order.status = .pending
            order.lastError = nil
            order.excludedReason = nil
            try order.update(db)
            return .staged(documentID: document.id ?? 0)
        }
    }

    /// Unsent documents of an order that no longer yields one are forgotten; anything SQL Account may hold is kept.
    private static func dropUnsent(_ documents: [StoredDocument], _ db: Database) throws {
        for document in documents where !document.state.mayExistRemotely && document.state != .cancelled {
            _ = try document.delete(db)
        }
    }

    /// The orders `apply` takes up, in import order: every order not yet completed — pending ones, failed ones (the
    /// cause may be fixed), excluded ones (the pack may have changed) — and any whose document an earlier run left
    /// in doubt (`sending`, `unknown`).
    public func ordersToSync() throws -> [StoredOrder] {
        try database.read { db in
            try StoredOrder.fetchAll(db, sql: """
                SELECT * FROM orders
                WHERE status IN ('pending', 'failed', 'excluded')
                   OR id IN (SELECT order_id FROM documents WHERE state IN ('sending', 'unknown'))
                ORDER BY rowid
                """)
        }
    }

    /// A task's orders that `tasks retry` takes up: failed ones, and any whose document is in doubt.
    public func ordersToRetry(taskID: Int64) throws -> [StoredOrder] {
        try database.read { db in
            try StoredOrder.fetchAll(db, sql: """
                SELECT * FROM orders
                WHERE task_id = ?
                  AND (status IN ('failed', 'pending') OR id IN (SELECT order_id FROM documents WHERE state IN ('sending', 'unknown')))
                ORDER BY rowid
                """, arguments: [taskID])
        }
    }

    /// Changes whenever an order or a document changes: a saved plan made against another fingerprint is stale.
    /// Hashed line by line as the rows are read, so a store of a million orders is never one string in memory.
    public func fingerprint() throws -> String {
        try database.read { db in
            var hasher = ContentHash.Hasher()
            var empty = true
            var line = ""
            let orders = try Row.fetchCursor(db, sql: "SELECT id, content_hash, status FROM orders ORDER BY id")
            while let row = try orders.next() {
                line = "o \(row["id"] as String? ?? "") \(row["content_hash"] as String? ?? "") \(row["status"] as String? ?? "")\n"
                hasher.add(line.utf8)
                empty = false
            }
            let documents = try Row.fetchCursor(db, sql: "SELECT order_id, state, payload_hash, remote_updatecount FROM documents ORDER BY id")
            while let row = try documents.next() {
                line = "d \(row["order_id"] as String? ?? "") \(row["state"] as String? ?? "") \(row["payload_hash"] as String? ?? "") \(row["remote_updatecount"] as Int? ?? -1)\n"
                hasher.add(line.utf8)
                empty = false
            }
            return empty ? "empty" : hasher.hex
        }
    }

    // MARK: tasks

    /// Opens a running task holding `orderIDs` (the caller keeps it to at most 150).
    public func openTask(orderIDs: [String], now: Date = Date()) throws -> StoredTask {
        try database.write { db in
            var task = StoredTask(id: nil, createdAt: Timestamps.iso(now), status: .running, orderCount: orderIDs.count, finishedAt: nil, kind: .invoices)
            try task.insert(db)
            for id in orderIDs {
                try db.execute(sql: "UPDATE orders SET task_id = ? WHERE id = ?", arguments: [task.id, id])
            }
            return task
        }
    }

    /// Opens a running receipt task holding the payments one `payments apply` is about to send (new receipts, and
    /// O/R numbers of receipts SQL Account holds); each payment moves to it.
    public func openReceiptTask(paymentIDs: [Int64], now: Date = Date()) throws -> StoredTask {
        try database.write { db in
            var task = StoredTask(id: nil, createdAt: Timestamps.iso(now), status: .running, orderCount: paymentIDs.count, finishedAt: nil, kind: .receipts)
            try task.insert(db)
            for id in paymentIDs {
                try db.execute(sql: "UPDATE payments SET task_id = ? WHERE id = ?", arguments: [task.id, id])
            }
            return task
        }
    }

    /// Closes a task: completed when none of its orders (or receipts) failed.
    @discardableResult
    public func finishTask(_ taskID: Int64, now: Date = Date()) throws -> StoredTask? {
        try database.write { db in
            guard var task = try StoredTask.fetchOne(db, key: taskID) else { return nil }
            let counts = try Self.counts(db, kind: task.kind, taskID: taskID)[taskID] ?? [:]
            task.orderCount = counts.values.reduce(0, +)
            task.status = (counts[.failed] ?? 0) > 0 ? .completedWithFailures : (counts[.pending] ?? 0) > 0 ? .pending : .completed
            task.finishedAt = Timestamps.iso(now)
            try task.update(db)
            return task
        }
    }

    /// Every task, newest first, with how many of its orders (or receipts) stand in each status.
    public func tasks() throws -> [TaskSummary] {
        try database.read { db in
            let tasks = try StoredTask.order(Column("id").desc).fetchAll(db)
            var counts: [TaskKind: [Int64: [OrderSyncStatus: Int]]] = [:]
            for kind in TaskKind.allCases { counts[kind] = try Self.counts(db, kind: kind, taskID: nil) }
            return tasks.map { task in
                TaskSummary(task: task, counts: counts[task.kind]?[task.id ?? 0] ?? [:])
            }
        }
    }

    /// Per task (or one task), how many of its orders — or, for receipt tasks, receipts (`StoredPayment.taskStatus`) —
    /// stand in each status.
    private static func counts(_ db: Database, kind: TaskKind, taskID: Int64?) throws -> [Int64: [OrderSyncStatus: Int]] {
        var counts: [Int64: [OrderSyncStatus: Int]] = [:]
        let only = taskID == nil ? "task_id IS NOT NULL" : "task_id = ?"
        let arguments = taskID.map { StatementArguments([$0]) } ?? StatementArguments()
        switch kind {
        case .invoices:
            for row in try Row.fetchAll(db, sql: "SELECT task_id, status, COUNT(*) AS n FROM orders WHERE \(only) GROUP BY task_id, status", arguments: arguments) {
                let id: Int64 = row["task_id"]
                if let status = OrderSyncStatus(rawValue: row["status"]) { counts[id, default: [:]][status] = row["n"] }
            }
        case .receipts:
            let sql = "SELECT task_id, state, last_error IS NOT NULL AS errored, COUNT(*) AS n FROM payments WHERE \(only) GROUP BY task_id, state, errored"
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let id: Int64 = row["task_id"]
                guard let state = DocumentState(rawValue: row["state"]) else { continue }
                let n: Int = row["n"]
                counts[id, default: [:]][StoredPayment.taskStatus(state: state, errored: row["errored"]), default: 0] += n
            }
            // The credit notes and refunds the receipt task sent for negative payouts and channel charges.
            if try db.tableExists("payout_documents") {
                let documents = "SELECT task_id, state, COUNT(*) AS n FROM payout_documents WHERE \(only) GROUP BY task_id, state"
                for row in try Row.fetchAll(db, sql: documents, arguments: arguments) {
                    let id: Int64 = row["task_id"]
                    guard let state = DocumentState(rawValue: row["state"]) else { continue }
                    let n: Int = row["n"]
                    counts[id, default: [:]][StoredPayment.taskStatus(state: state, errored: false), default: 0] += n
                }
            }
        case .returns:
            let sql = "SELECT task_id, state, COUNT(*) AS n FROM return_documents WHERE \(only) GROUP BY task_id, state"
            for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let id: Int64 = row["task_id"]
                guard let state = DocumentState(rawValue: row["state"]) else { continue }
                let n: Int = row["n"]
                counts[id, default: [:]][StoredPayment.taskStatus(state: state, errored: false), default: 0] += n
            }
        }
        return counts
    }

    public func task(_ id: Int64) throws -> TaskSummary? {
        try tasks().first { $0.id == id }
    }

    /// The orders of a task, optionally only those in `status`.
    public func orders(taskID: Int64, status: OrderSyncStatus? = nil) throws -> [StoredOrder] {
        try database.read { db in
            var request = StoredOrder.filter(Column("task_id") == taskID)
            if let status { request = request.filter(Column("status") == status.rawValue) }
            return try request.order(Column.rowID).fetchAll(db)
        }
    }

    /// Takes orders out of their task: they return to pending (a failed order's document is staged again on the
    /// next apply). Completed orders are refused: their invoice exists; delete the task with --cancel-remote.
    /// A receipt task is refused: its receipts are sent again by `payments apply`, never taken out.
    public func removeFromTask(_ taskID: Int64, orderIDs: [String], now: Date = Date()) throws {
        try database.write { db in
            if let task = try StoredTask.fetchOne(db, key: taskID), task.kind != .invoices {
                throw task.kind == .receipts ? StateStoreError.receiptTask(taskID, operation: .remove) : StateStoreError.returnTask(taskID, operation: .remove)
            }
            for id in orderIDs {
                guard var order = try StoredOrder.fetchOne(db, key: id), order.taskID == taskID else {
                    throw StateStoreError.notInTask(orderID: id, taskID: taskID)
                }
                if order.status == .completed {
                    throw StateStoreError.completedOrder(orderID: id, docno: order.sqlDocno)
                }
                order.taskID = nil
                order.status = .pending
                order.lastError = nil
                order.updatedAt = Timestamps.iso(now)
                try order.update(db)
            }
            try Self.refreshCount(taskID, db)
        }
    }

    /// Deletes a task: all its orders return to pending. Documents SQL Account holds stay recorded (unless
    /// cancelled first), so the next apply adopts them instead of creating a second invoice.
    ///
    /// A receipt task's receipts SQL Account holds become in doubt the same way: the next `payments apply` looks each
    /// up by docref1 and adopts it, or sends it again (as it was sent) when it is gone — deleted or cancelled in SQL
    /// Accounting by hand. Whether SQL has its O/R number is looked at again too (the receipt may be a new one).
    public func deleteTask(_ taskID: Int64, now: Date = Date()) throws {
        try database.write { db in
            guard let task = try StoredTask.fetchOne(db, key: taskID) else { throw StateStoreError.unknownTask(taskID) }
            let stamp = Timestamps.iso(now)
            if task.kind == .receipts {
                try db.execute(sql: """
                    UPDATE payments SET state = 'unknown', or_number_sent = NULL, or_number_field = NULL, or_number_sent_at = NULL, updated_at = ?
                    WHERE task_id = ? AND state = 'created'
                    """, arguments: [stamp, taskID])
                try db.execute(sql: "UPDATE payments SET task_id = NULL WHERE task_id = ?", arguments: [taskID])
                _ = try StoredTask.deleteOne(db, key: taskID)
                return
            }
            if task.kind == .returns {
                // Like receipts: what SQL Account holds is in doubt, and the next apply looks each one up by docref1.
                try db.execute(sql: "UPDATE return_documents SET state = 'unknown', updated_at = ? WHERE task_id = ? AND state = 'created'", arguments: [stamp, taskID])
                try db.execute(sql: "UPDATE return_documents SET task_id = NULL WHERE task_id = ?", arguments: [taskID])
                _ = try StoredTask.deleteOne(db, key: taskID)
                return
            }
            // Invoices SQL Account holds become "in doubt": the next apply looks each one up and adopts it.
            try db.execute(sql: "UPDATE documents SET state = 'unknown', updated_at = ? WHERE state = 'created' AND order_id IN (SELECT id FROM orders WHERE task_id = ?)", arguments: [stamp, taskID])
            try db.execute(sql: "UPDATE orders SET status = 'pending', last_error = NULL, task_id = NULL, updated_at = ? WHERE task_id = ? AND status <> 'excluded'", arguments: [stamp, taskID])
            try db.execute(sql: "UPDATE orders SET task_id = NULL WHERE task_id = ?", arguments: [taskID])
            _ = try StoredTask.deleteOne(db, key: taskID)
        }
    }

    private static func refreshCount(_ taskID: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE tasks SET order_count = (SELECT COUNT(*) FROM orders WHERE task_id = ?) WHERE id = ?", arguments: [taskID, taskID])
    }

    // MARK: documents and attempts

    public func document(_ id: Int64) throws -> StoredDocument? {
        try database.read { db in try StoredDocument.fetchOne(db, key: id) }
    }

    public func document(orderID: String, type: String = "salesinvoice") throws -> StoredDocument? {
        try database.read { db in
            try StoredDocument.filter(Column("order_id") == orderID && Column("type") == type).fetchOne(db)
        }
    }

    /// Documents in any of `states`, oldest first.
    public func documents(in states: [DocumentState]) throws -> [StoredDocument] {
        try database.read { db in
            try StoredDocument.filter(states.map(\.rawValue).contains(Column("state"))).order(Column("id")).fetchAll(db)
        }
    }

    public func attempts(documentID: Int64) throws -> [SyncAttempt] {
        try database.read { db in
            try SyncAttempt.filter(Column("document_id") == documentID).order(Column("id")).fetchAll(db)
        }
    }

    /// Moves a document to a new state and its order with it, in one transaction, recording the attempt:
    /// a new row, or `finishing` an earlier one (the POST that was marked `sending`). Returns the attempt's id.
    @discardableResult
    public func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                           finishing attemptID: Int64? = nil, writeBackDocno: Bool = true, now: Date = Date()) throws -> Int64? {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            guard var document = try StoredDocument.fetchOne(db, key: documentID) else { throw StateStoreError.unknownDocument(documentID) }
            guard var order = try StoredOrder.fetchOne(db, key: document.orderID) else { throw StateStoreError.unknownOrder(document.orderID) }
            document.updatedAt = stamp
            order.updatedAt = stamp
            switch transition {
            case .sending:
                document.state = .sending
            case .created(let dockey, let docno, let updatecount):
                document.state = .created
                document.remoteDockey = dockey
                document.remoteDocno = docno
                document.remoteUpdatecount = updatecount
                order.status = .completed
                order.sqlDockey = dockey
                order.sqlDocno = writeBackDocno ? docno : nil
                order.lastError = nil
                order.changedAfterSync = false
            case .failed(let message):
                document.state = .failed
                order.status = .failed
                order.lastError = message
            case .unknown(let message):
                document.state = .unknown
                order.status = .failed
                order.lastError = message
            case .desired:
                document.state = .desired
                if order.status != .excluded { order.status = .pending }
            case .cancelled:
                document.state = .cancelled
                order.status = .pending
                order.sqlDocno = nil
                order.sqlDockey = nil
            case .cancelledWithOrder(let reason):
                document.state = .cancelled
                order.status = .excluded
                order.excludedReason = reason
                order.lastError = nil
            case .updated(let payload, let updatecount):
                document.state = .created
                document.payloadJSON = payload
                document.payloadHash = ContentHash.hex(payload)
                if let updatecount { document.remoteUpdatecount = updatecount }
                order.status = .completed
                order.lastError = nil
                order.changedAfterSync = false
            case .changeFailed(let message):
                order.lastError = message
            }
            try document.update(db)
            try order.update(db)
            var recordedID: Int64?
            if let attempt {
                if let attemptID, var row = try SyncAttempt.fetchOne(db, key: attemptID) {
                    row.finishedAt = stamp
                    row.responseStatus = attempt.responseStatus
                    row.responseSummary = attempt.responseSummary
                    row.outcome = attempt.outcome
                    try row.update(db)
                    recordedID = attemptID
                } else {
                    var row = SyncAttempt(id: nil, documentID: documentID, taskID: taskID, startedAt: stamp,
                                          finishedAt: attempt.outcome == .sending ? nil : stamp, requestMethod: attempt.method,
                                          requestPath: attempt.path, requestSummary: attempt.summary, responseStatus: attempt.responseStatus,
                                          responseSummary: attempt.responseSummary, outcome: attempt.outcome)
                    try row.insert(db)
                    recordedID = row.id
                }
            }
            return recordedID
        }
    }

    // MARK: edits

    /// Drops earlier edits of `fields`; returns how many there were.
    @discardableResult
    public func removeEdits(orderID: String, fields: [String]) throws -> Int {
        try database.write { db in
            try OrderEdit.filter(Column("order_id") == orderID && fields.contains(Column("field"))).deleteAll(db)
        }
    }

    public func edits(orderID: String) throws -> [OrderEdit] {
        try database.read { db in try OrderEdit.filter(Column("order_id") == orderID).order(Column("field")).fetchAll(db) }
    }

    /// Records edits of a failed order's fields (replacing earlier edits of the same fields).
    public func setEdits(orderID: String, _ values: [(field: String, value: String)], now: Date = Date()) throws {
        try database.write { db in
            guard try StoredOrder.exists(db, key: orderID) else { throw StateStoreError.unknownOrder(orderID) }
            for (field, value) in values {
                try OrderEdit(orderID: orderID, field: field, value: value, editedAt: Timestamps.iso(now)).save(db)
            }
        }
    }
}
