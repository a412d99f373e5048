import Foundation
import GRDB

/// One order's line of a channel payout, as imported from a settlement report. Money in sen.
public struct StoredSettlementRow: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "settlement_rows"

    public var id: Int64?
    public var channel: String
    public var orderID: String
    /// YYYY-MM-DD.
    public var payoutDate: String
    public var reference: String
    public var currency: String
    /// The item revenue (no shipping).
    public var grossSen: Int64
    /// The fees, shipping charged to the seller included; never the shipping the buyer's side paid.
    public var feesSen: Int64
    /// `net = gross + buyer shipping + platform shipping discount − fees`.
    public var netSen: Int64
    /// Shipping the buyer paid, passed on with the order: part of what pays an invoice that bills shipping.
    public var buyerShippingSen: Int64
    /// The platform's discount on the buyer's shipping, paid on the buyer's behalf (Shopee's shipping rebate).
    public var platformShippingSen: Int64
    /// `[[kind, name, sen], …]`; shipping credits as kind `buyer_shipping` / `platform_shipping`.
    public var feeDetailJSON: String
    /// `file, sheet, row` the line came from.
    public var source: String
    public var fileHash: String
    public var paymentID: Int64?
    /// The payout credit note that covers the row (a negative row, a channel charge booked as a credit note).
    public var payoutDocumentID: Int64?

    /// A fee that names no order: a channel-level charge of its payout (one row per channel, payout date and reference).
    public var isChannelCharge: Bool { orderID.isEmpty }

    public init(channel: String, orderID: String, payoutDate: String, reference: String, currency: String, grossSen: Int64, feesSen: Int64,
                netSen: Int64, buyerShippingSen: Int64 = 0, platformShippingSen: Int64 = 0, feeDetailJSON: String, source: String,
                fileHash: String = "", paymentID: Int64? = nil) {
        self.channel = channel
        self.orderID = orderID
        self.payoutDate = payoutDate
        self.reference = reference
        self.currency = currency
        self.grossSen = grossSen
        self.feesSen = feesSen
        self.netSen = netSen
        self.buyerShippingSen = buyerShippingSen
        self.platformShippingSen = platformShippingSen
        self.feeDetailJSON = feeDetailJSON
        self.source = source
        self.fileHash = fileHash
        self.paymentID = paymentID
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, reference, currency, source
        case orderID = "order_id", payoutDate = "payout_date", grossSen = "gross_sen", feesSen = "fees_sen", netSen = "net_sen"
        case buyerShippingSen = "buyer_shipping_sen", platformShippingSen = "platform_shipping_sen"
        case feeDetailJSON = "fee_detail_json", fileHash = "file_hash", paymentID = "payment_id", payoutDocumentID = "payout_document_id"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// A customer payment (official receipt) built from one payout, and where it stands in SQL Account.
public struct StoredPayment: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "payments"

    public var id: Int64?
    public var channel: String
    public var payoutDate: String
    public var reference: String
    public var customerCode: String
    public var idempotencyKey: String
    public var payloadJSON: String
    public var state: DocumentState
    public var remoteDocno: String?
    public var remoteDockey: Int64?
    /// The official-receipt number an operator recorded (`payments set-or`).
    public var orNumber: String?
    /// Why the receipt — or, once it is in SQL Account, sending its O/R number — failed last.
    public var lastError: String?
    public var createdAt: String
    public var updatedAt: String
    /// The receipt task that last sent it (`payments apply`).
    public var taskID: Int64?
    /// The O/R number SQL Account is confirmed to hold, in the receipt field `orNumberField`, since `orNumberSentAt`.
    public var orNumberSent: String?
    public var orNumberField: String?
    public var orNumberSentAt: String?

    public init(id: Int64?, channel: String, payoutDate: String, reference: String, customerCode: String, idempotencyKey: String, payloadJSON: String,
                state: DocumentState, remoteDocno: String?, remoteDockey: Int64?, orNumber: String?, lastError: String?, createdAt: String,
                updatedAt: String, taskID: Int64? = nil, orNumberSent: String? = nil, orNumberField: String? = nil, orNumberSentAt: String? = nil) {
        self.id = id
        self.channel = channel
        self.payoutDate = payoutDate
        self.reference = reference
        self.customerCode = customerCode
        self.idempotencyKey = idempotencyKey
        self.payloadJSON = payloadJSON
        self.state = state
        self.remoteDocno = remoteDocno
        self.remoteDockey = remoteDockey
        self.orNumber = orNumber
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.taskID = taskID
        self.orNumberSent = orNumberSent
        self.orNumberField = orNumberField
        self.orNumberSentAt = orNumberSentAt
    }

    enum CodingKeys: String, CodingKey {
        case id, channel, reference, state
        case payoutDate = "payout_date", customerCode = "customer_code", idempotencyKey = "idempotency_key", payloadJSON = "payload_json"
        case remoteDocno = "remote_docno", remoteDockey = "remote_dockey", orNumber = "or_number", lastError = "last_error"
        case createdAt = "created_at", updatedAt = "updated_at", taskID = "task_id"
        case orNumberSent = "or_number_sent", orNumberField = "or_number_field", orNumberSentAt = "or_number_sent_at"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// Whether SQL Account holds the recorded O/R number in `field`.
    public func orNumberInSQL(field: String? = nil) -> Bool {
        guard let number = orNumber, orNumberSent == number else { return false }
        return field.map { $0 == orNumberField } ?? true
    }

    /// How the payment stands within its receipt task, in the words of an order's status: completed once SQL Account
    /// holds it (failed while its O/R number could not be sent), failed when refused or left in doubt, pending until sent.
    public var taskStatus: OrderSyncStatus { Self.taskStatus(state: state, errored: lastError != nil) }

    static func taskStatus(state: DocumentState, errored: Bool) -> OrderSyncStatus {
        switch state {
        case .created: return errored ? .failed : .completed
        case .failed, .unknown: return .failed
        case .desired, .sending: return .pending
        case .cancelled: return .excluded
        }
    }
}

/// One request `payments apply` made for a payment and what came back, summarised (never the keys or signature).
public struct PaymentAttempt: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord, RecordedAttempt {
    public static let databaseTableName = "payment_attempts"

    public var id: Int64?
    public var paymentID: Int64
    /// The receipt task of the `payments apply` that made the request (nil before receipt tasks existed).
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
        case paymentID = "payment_id", taskID = "task_id", startedAt = "started_at", finishedAt = "finished_at"
        case requestMethod = "request_method", requestPath = "request_path", requestSummary = "request_summary"
        case responseStatus = "response_status", responseSummary = "response_summary"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// What importing a settlement file did.
public struct SettlementImportResult: Equatable, Sendable {
    /// The same bytes were imported before: nothing was written.
    public var alreadyImported: Bool
    public var added: Int
    /// Rows already known from an earlier (overlapping) file.
    public var skipped: Int

    public init(alreadyImported: Bool, added: Int, skipped: Int) {
        self.alreadyImported = alreadyImported
        self.added = added
        self.skipped = skipped
    }
}

/// What importing a settlement file would do, worked out without writing (`payments import --preview`).
public struct SettlementImportPreview: Equatable, Sendable {
    /// The same bytes were imported before: an import would write nothing.
    public var alreadyImported: Bool
    /// Per row, in the file's order: whether an import would skip it as already known (from an earlier file, or an
    /// earlier row of this one with the same channel, order, payout date and reference).
    public var known: [Bool]

    public var added: Int { alreadyImported ? 0 : known.filter { !$0 }.count }
    public var skipped: Int { known.count - added }

    public init(alreadyImported: Bool, known: [Bool]) {
        self.alreadyImported = alreadyImported
        self.known = known
    }

    /// What an import into a store that does not exist yet would do: every row new.
    public static func empty(rows: Int) -> SettlementImportPreview { SettlementImportPreview(alreadyImported: false, known: Array(repeating: false, count: rows)) }
}

extension StateStore {
    /// Records a settlement file's rows in one transaction: all or nothing. The same file again is a no-op; an
    /// overlapping file adds only the rows not seen before (same channel, order, payout date and reference).
    public func importSettlement(contentHash: String, name: String, channel: String, rows: [StoredSettlementRow], now: Date = Date()) throws -> SettlementImportResult {
        try database.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM settlement_files WHERE content_hash = ?", arguments: [contentHash]) != nil {
                return SettlementImportResult(alreadyImported: true, added: 0, skipped: rows.count)
            }
            try db.execute(sql: "INSERT INTO settlement_files(content_hash, name, channel, imported_at, row_count) VALUES (?, ?, ?, ?, ?)",
                           arguments: [contentHash, name, channel, Timestamps.iso(now), rows.count])
            var added = 0
            // One prepared statement for every row; rows already known (an overlapping file) are skipped by the unique key.
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO settlement_rows(channel, order_id, payout_date, reference, currency, gross_sen, fees_sen, net_sen,
                                                      buyer_shipping_sen, platform_shipping_sen, fee_detail_json, source, file_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                try insert.execute(arguments: [row.channel, row.orderID, row.payoutDate, row.reference, row.currency, row.grossSen, row.feesSen,
                                               row.netSen, row.buyerShippingSen, row.platformShippingSen, row.feeDetailJSON, row.source, contentHash])
                added += db.changesCount
            }
            return SettlementImportResult(alreadyImported: false, added: added, skipped: rows.count - added)
        }
    }

    /// What `importSettlement` would do with these rows, answered by reading only (the store may be read-only and
    /// older than the settlement tables: then nothing is known yet).
    public func previewSettlement(contentHash: String, rows: [StoredSettlementRow]) throws -> SettlementImportPreview {
        try database.read { db in
            guard try db.tableExists("settlement_files"), try db.tableExists("settlement_rows") else { return .empty(rows: rows.count) }
            if try Row.fetchOne(db, sql: "SELECT 1 FROM settlement_files WHERE content_hash = ?", arguments: [contentHash]) != nil {
                return SettlementImportPreview(alreadyImported: true, known: Array(repeating: true, count: rows.count))
            }
            let lookup = try db.makeStatement(sql: "SELECT 1 FROM settlement_rows WHERE channel = ? AND order_id = ? AND payout_date = ? AND reference = ?")
            var seen: Set<[String]> = []
            var known: [Bool] = []
            known.reserveCapacity(rows.count)
            for row in rows {
                let key = [row.channel, row.orderID, row.payoutDate, row.reference]
                let stored = try Row.fetchOne(lookup, arguments: StatementArguments(key)) != nil
                known.append(stored || !seen.insert(key).inserted)
            }
            return SettlementImportPreview(alreadyImported: false, known: known)
        }
    }

    /// Settlement rows of a channel (optionally within payout dates, inclusive), in payout order; `unpaidOnly`
    /// leaves out rows a payment already covers.
    public func settlementRows(channel: String? = nil, from: String? = nil, to: String? = nil, unpaidOnly: Bool = false) throws -> [StoredSettlementRow] {
        try database.read { db in
            var request = StoredSettlementRow.all()
            if let channel { request = request.filter(Column("channel") == channel) }
            if let from { request = request.filter(Column("payout_date") >= from) }
            if let to { request = request.filter(Column("payout_date") <= to) }
            if unpaidOnly {
                request = request.filter(sql: "(payment_id IS NULL OR payment_id IN (SELECT id FROM payments WHERE state IN ('desired', 'failed')))"
                    + " AND (payout_document_id IS NULL OR payout_document_id IN (SELECT id FROM payout_documents WHERE state IN ('desired', 'failed', 'cancelled')))")
            }
            return try request.order(Column("payout_date"), Column("reference"), Column("id")).fetchAll(db)
        }
    }

    /// Records a planned payment covering `rowIDs`, replacing the payload of an unsent one with the same key (so a
    /// re-plan, say with an entered paid amount, is what gets sent). One SQL Account may already hold (sent, in
    /// doubt or created) is returned untouched and does not take the rows over: they are not on the receipt it sent.
    /// The caller compares its `payloadJSON` with the plan's to tell the two apart.
    @discardableResult
    public func stagePayment(channel: String, payoutDate: String, reference: String, customerCode: String, idempotencyKey: String,
                             payloadJSON: String, rowIDs: [Int64], now: Date = Date()) throws -> StoredPayment {
        try database.write { db in
            let stamp = Timestamps.iso(now)
            if var existing = try StoredPayment.filter(Column("idempotency_key") == idempotencyKey).fetchOne(db) {
                if existing.state.mayExistRemotely { return existing }
                existing.payloadJSON = payloadJSON
                existing.state = .desired
                existing.updatedAt = stamp
                try existing.update(db)
                for id in rowIDs { try db.execute(sql: "UPDATE settlement_rows SET payment_id = ?, payout_document_id = NULL WHERE id = ?", arguments: [existing.id, id]) }
                return existing
            }
            var payment = StoredPayment(id: nil, channel: channel, payoutDate: payoutDate, reference: reference, customerCode: customerCode,
                                        idempotencyKey: idempotencyKey, payloadJSON: payloadJSON, state: .desired, remoteDocno: nil, remoteDockey: nil,
                                        orNumber: nil, lastError: nil, createdAt: stamp, updatedAt: stamp)
            try payment.insert(db)
            for id in rowIDs { try db.execute(sql: "UPDATE settlement_rows SET payment_id = ?, payout_document_id = NULL WHERE id = ?", arguments: [payment.id, id]) }
            return payment
        }
    }

    public func payments() throws -> [StoredPayment] {
        try database.read { db in try StoredPayment.order(Column("payout_date"), Column("id")).fetchAll(db) }
    }

    public func payment(_ id: Int64) throws -> StoredPayment? {
        try database.read { db in try StoredPayment.fetchOne(db, key: id) }
    }

    public func paymentAttempts(paymentID: Int64) throws -> [PaymentAttempt] {
        try database.read { db in
            try PaymentAttempt.filter(Column("payment_id") == paymentID).order(Column("id")).fetchAll(db)
        }
    }

    /// Moves a payment to a new state, as the sync engine reports it, recording the request in the same transaction:
    /// a new attempt, or `finishing` an earlier one (the POST that was marked `sending`). Returns the attempt's id.
    @discardableResult
    public func transitionPayment(_ paymentID: Int64, to transition: DocumentTransition, attempt: AttemptRecord? = nil,
                                  finishing attemptID: Int64? = nil, taskID: Int64? = nil, now: Date = Date()) throws -> Int64? {
        let stamp = Timestamps.iso(now)
        return try database.write { db in
            guard var payment = try StoredPayment.fetchOne(db, key: paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            switch transition {
            case .sending: payment.state = .sending
            case .created(let dockey, let docno, _):
                payment.state = .created
                payment.remoteDockey = dockey
                payment.remoteDocno = docno
                payment.lastError = nil
            case .failed(let message):
                payment.state = .failed
                payment.lastError = message
            case .unknown(let message):
                payment.state = .unknown
                payment.lastError = message
            case .desired: payment.state = .desired
            case .cancelled, .cancelledWithOrder: payment.state = .cancelled
            case .updated, .changeFailed: break
            }
            payment.updatedAt = stamp
            try payment.update(db)
            return try Self.record(attempt, paymentID: paymentID, taskID: taskID, finishing: attemptID, stamp: stamp, db)
        }
    }

    /// Records a request for a payment — a new row, or `finishing` an earlier one — and returns its id.
    private static func record(_ attempt: AttemptRecord?, paymentID: Int64, taskID: Int64?, finishing attemptID: Int64?, stamp: String,
                               _ db: Database) throws -> Int64? {
        guard let attempt else { return nil }
        if let attemptID, var row = try PaymentAttempt.filter(Column("id") == attemptID && Column("payment_id") == paymentID).fetchOne(db) {
            row.finishedAt = stamp
            row.responseStatus = attempt.responseStatus
            row.responseSummary = attempt.responseSummary
            row.outcome = attempt.outcome
            try row.update(db)
            return attemptID
        }
        var row = PaymentAttempt(id: nil, paymentID: paymentID, taskID: taskID, startedAt: stamp, finishedAt: attempt.outcome == .sending ? nil : stamp,
                                 requestMethod: attempt.method, requestPath: attempt.path, requestSummary: attempt.summary,
                                 responseStatus: attempt.responseStatus, responseSummary: attempt.responseSummary, outcome: attempt.outcome)
        try row.insert(db)
        return row.id
    }

    /// Records the official-receipt number an operator gave a payment. It is SQL Account's business once another
    /// number than the one it holds is recorded: `paymentsAwaitingReceiptNumber` lists it until it is sent.
    @discardableResult
    public func setReceiptNumber(paymentID: Int64, _ number: String, now: Date = Date()) throws -> StoredPayment {
        try database.write { db in
            guard var payment = try StoredPayment.fetchOne(db, key: paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            payment.orNumber = number
            payment.updatedAt = Timestamps.iso(now)
            try payment.update(db)
            return payment
        }
    }

    // MARK: receipt tasks and O/R numbers

    /// The payments of a receipt task, oldest first.
    public func payments(taskID: Int64) throws -> [StoredPayment] {
        try database.read { db in try StoredPayment.filter(Column("task_id") == taskID).order(Column("id")).fetchAll(db) }
    }

    /// Payments a receipt task made requests for that a later task has taken over since (sent again, or their O/R
    /// number sent): id → the task they are in now.
    public func paymentsMovedOn(fromTask taskID: Int64) throws -> [(paymentID: Int64, taskID: Int64?)] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, task_id FROM payments
                WHERE id IN (SELECT payment_id FROM payment_attempts WHERE task_id = ?) AND (task_id IS NULL OR task_id <> ?)
                ORDER BY id
                """, arguments: [taskID, taskID]).map { (paymentID: $0["id"], taskID: $0["task_id"]) }
        }
    }

    /// Receipts SQL Account holds whose recorded O/R number it does not hold yet in `field`: never sent, another
    /// number recorded since, or the pack now names another field. Oldest first.
    public func paymentsAwaitingReceiptNumber(field: String) throws -> [StoredPayment] {
        try database.read { db in
            try StoredPayment.fetchAll(db, sql: """
                SELECT * FROM payments
                WHERE state = 'created' AND or_number IS NOT NULL
                  AND (or_number_sent IS NULL OR or_number_sent <> or_number OR or_number_field IS NULL OR or_number_field <> ?)
                ORDER BY id
                """, arguments: [field])
        }
    }

    /// Records a request about a payment that does not change where the payment stands (a look at the receipt, the
    /// PUT of its O/R number marked `sending`); returns the attempt's id.
    @discardableResult
    public func recordPaymentAttempt(_ paymentID: Int64, _ attempt: AttemptRecord, finishing attemptID: Int64? = nil, taskID: Int64?,
                                     now: Date = Date()) throws -> Int64? {
        try database.write { db in
            guard try StoredPayment.exists(db, key: paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            return try Self.record(attempt, paymentID: paymentID, taskID: taskID, finishing: attemptID, stamp: Timestamps.iso(now), db)
        }
    }

    /// SQL Account holds `number` in the receipt's `field` (sent now, or found there): recorded with the request, the
    /// payment's last error cleared. With `field` docno the receipt's SQL number is that number now.
    public func receiptNumberInSQL(paymentID: Int64, number: String, field: String, attempt: AttemptRecord?, finishing attemptID: Int64? = nil,
                                   taskID: Int64?, now: Date = Date()) throws {
        let stamp = Timestamps.iso(now)
        try database.write { db in
            guard var payment = try StoredPayment.fetchOne(db, key: paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            payment.orNumberSent = number
            payment.orNumberField = field
            payment.orNumberSentAt = stamp
            payment.lastError = nil
            if field == "docno" { payment.remoteDocno = number }
            payment.updatedAt = stamp
            try payment.update(db)
            _ = try Self.record(attempt, paymentID: paymentID, taskID: taskID, finishing: attemptID, stamp: stamp, db)
        }
    }

    /// Sending the O/R number failed: the receipt stays as SQL Account holds it, the payment carries why.
    public func receiptNumberFailed(paymentID: Int64, message: String, attempt: AttemptRecord?, finishing attemptID: Int64? = nil, taskID: Int64?,
                                    now: Date = Date()) throws {
        let stamp = Timestamps.iso(now)
        try database.write { db in
            guard var payment = try StoredPayment.fetchOne(db, key: paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            payment.lastError = message
            payment.updatedAt = stamp
            try payment.update(db)
            _ = try Self.record(attempt, paymentID: paymentID, taskID: taskID, finishing: attemptID, stamp: stamp, db)
        }
    }
}
