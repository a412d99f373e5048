import Foundation
import LedgerJSON
import SQLAccount
import StateStore

/// How `apply` talks to SQL Account.
public struct SyncOptions: Sendable {
    /// Documents in flight at once within a task.
    public var concurrency: Int
    /// Orders per task (SQL Account's own limit is 150).
    public var taskSize: Int
    /// How often an order whose create came back ambiguous, and was then not found by lookup, is posted again.
    public var maxAmbiguousRounds: Int
    /// The wait before looking a document up after an ambiguous create (the server may still be committing).
    public var settleDelay: TimeInterval
    /// Tries of each lookup by docref1 (reads are safe to repeat).
    public var lookupAttempts: Int

    public init(concurrency: Int = 4, taskSize: Int = 150, maxAmbiguousRounds: Int = 4, settleDelay: TimeInterval = 0.25, lookupAttempts: Int = 5) {
        self.lookupAttempts = max(1, lookupAttempts)
        self.concurrency = max(1, concurrency)
        self.taskSize = min(max(1, taskSize), 150)
        self.maxAmbiguousRounds = max(1, maxAmbiguousRounds)
        self.settleDelay = settleDelay
    }
}

/// One staged document to bring into SQL Account.
public struct SyncItem: Sendable {
    public var documentID: Int64
    public var orderID: String
    public var idempotencyKey: String
    public var payload: JSONObject
    /// Record SQL's docno on the order (the store's `write_back_invoice_number`); the dockey is always kept.
    public var writeBackDocno: Bool

    public init(documentID: Int64, orderID: String, idempotencyKey: String, payload: JSONObject, writeBackDocno: Bool = true) {
        self.documentID = documentID
        self.orderID = orderID
        self.idempotencyKey = idempotencyKey
        self.payload = payload
        self.writeBackDocno = writeBackDocno
    }
}

/// How one document ended.
public enum SyncItemOutcome: Sendable, Equatable {
    /// Posted now.
    case created(docno: String?, dockey: Int64)
    /// Already in SQL Account (an earlier run, a timeout that committed): recorded, not posted again.
    case adopted(docno: String?, dockey: Int64, note: String?)
    /// SQL Account refused it, or kept failing; nothing was created.
    case failed(message: String)
    /// Could not be confirmed either way; the next run looks it up before posting.
    case unknown(message: String)
    /// Not attempted because the run stopped (credentials rejected).
    case skipped(reason: String)

    public var isSuccess: Bool {
        switch self {
        case .created, .adopted: return true
        default: return false
        }
    }
}

public struct SyncItemResult: Sendable {
    public var item: SyncItem
    public var outcome: SyncItemOutcome
}

/// The run stopped: no point sending the rest (the credentials are refused everywhere).
public struct SyncStopped: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Brings staged documents into SQL Account **exactly once**, recording every step in the state store.
///
/// For each document:
/// 1. look it up by its idempotency key (`docref1`); if SQL Account has it, adopt it — never a second POST;
/// 2. mark it `sending` (committed before the POST, so a crash leaves a trace the next run resolves by lookup);
/// 3. POST; the client retries only what cannot have reached the server (connection refused, 429, 503);
/// 4. on success record dockey/docno (re-finding it when the answer lacks a dockey);
/// 5. on an ambiguous failure (timeout, dropped connection, 5xx on a write) wait, look it up again, adopt it
///    when found, post again only when it is certainly absent — at most `maxAmbiguousRounds` times;
/// 6. on a refusal record the server's message; the other documents carry on.
public final class SyncEngine: Sendable {
    /// Where each step is recorded: the state store's invoice documents, or its customer payments.
    public let ledger: any SyncLedger
    public let client: SQLAccountClient
    public let options: SyncOptions
    let resource: SQLAccountResource
    let stop = StopFlag()
    /// How messages name the document: an invoice, or a receipt (customer payment).
    var documentName: String {
        switch resource {
        case .customerPayment: return "receipt"
        case .salesCreditNote: return "credit note"
        case .customerRefund: return "customer refund"
        default: return "invoice"
        }
    }
    /// What usually makes SQL Account refuse such a document.
    var refusalHint: String {
        switch resource {
        case .customerPayment: return "the customer, the payment method and every knocked-off invoice must exist in SQL Account, with enough outstanding"
        case .customerRefund: return "the customer, the payment method and the credit note it refunds must exist in SQL Account, with enough unapplied"
        case .salesCreditNote: return "item, UOM or location codes must exist in SQL Account, and the invoice it knocks off must still owe the amount"
        default: return "item, UOM or location codes must exist in SQL Account"
        }
    }
    /// The command that sends the documents still waiting.
    var retryCommand: String {
        switch resource {
        case .customerPayment: return "ledgersync payments apply"
        case .salesCreditNote, .customerRefund: return "ledgersync apply"
        default: return "ledgersync tasks retry"
        }
    }

    public convenience init(store: StateStore, client: SQLAccountClient, options: SyncOptions, resource: SQLAccountResource = .salesInvoice) {
        self.init(ledger: store, client: client, options: options, resource: resource)
    }

    public init(ledger: any SyncLedger, client: SQLAccountClient, options: SyncOptions, resource: SQLAccountResource) {
        self.ledger = ledger
        self.client = client
        self.options = options
        self.resource = resource
    }

    /// Why the run stopped early, if it did.
    public var stopReason: String? { stop.reason }

    /// Syncs one task's documents with bounded concurrency; `progress` is called after each document.
    public func sync(taskID: Int64, items: [SyncItem], progress: @escaping @Sendable (SyncItemResult) -> Void = { _ in }) async -> [SyncItemResult] {
        var results: [SyncItemResult?] = Array(repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, SyncItemOutcome).self) { group in
            var next = 0
            func launch() {
                guard next < items.count else { return }
                let index = next
                next += 1
                group.addTask { (index, await self.syncOne(items[index], taskID: taskID)) }
            }
            for _ in 0..<min(options.concurrency, items.count) { launch() }
            while let (index, outcome) = await group.next() {
                let result = SyncItemResult(item: items[index], outcome: outcome)
                results[index] = result
                progress(result)
                launch()
            }
        }
        return results.compactMap { $0 }
    }

    func syncOne(_ item: SyncItem, taskID: Int64) async -> SyncItemOutcome {
        if let reason = stop.reason { return .skipped(reason: reason) }
        do {
            return try await deliver(item, taskID: taskID)
        } catch let stopped as SyncStopped {
            return .skipped(reason: stopped.message)
        } catch {
            // Only the state store can throw here: nothing was sent that is not recorded as `sending`.
            return .unknown(message: "could not record the outcome in the state store: \(error); run apply again — it looks the \(documentName) up before sending")
        }
    }

    private func deliver(_ item: SyncItem, taskID: Int64) async throws -> SyncItemOutcome {
        // 1. Look up first: an earlier run, a crash or another machine may already have created it.
        switch await lookUp(item, taskID: taskID) {
        case .found(let outcome): return outcome
        case .failed(let outcome): return outcome
        case .absent: break
        }
        var round = 0
        while true {
            round += 1
            if let reason = stop.reason { return .skipped(reason: reason) }
            let request = AttemptRecord(method: "POST", path: "/\(resource)", summary: Self.summary(of: item.payload), outcome: .sending)
            let attemptID = try ledger.transition(documentID: item.documentID, to: .sending, taskID: taskID, attempt: request)
            do {
                var record = try await client.create(resource, body: item.payload)
                var note: String?
                if record.dockey == nil {
                    // Created, but the answer did not say as what: find it by its key.
                    if let found = try await find(item.idempotencyKey).first(where: { $0.cancelled != true && $0.dockey != nil }) {
                        record = found
                        note = "the create answer had no dockey; found by docref1"
                    }
                }
                guard let dockey = record.dockey else {
                    let message = "SQL Account accepted the \(documentName) but returned no dockey and a lookup by docref1 '\(item.idempotencyKey)' found nothing; run apply again to look it up"
                    try ledger.transition(documentID: item.documentID, to: .unknown(message: message), taskID: taskID,
                                         attempt: Self.answer(request, status: 200, summary: "no dockey", outcome: .ambiguous), finishing: attemptID)
                    return .unknown(message: message)
                }
                try ledger.transition(documentID: item.documentID, to: .created(dockey: Int64(dockey), docno: record.docno, updatecount: record.updatecount),
                                     taskID: taskID, attempt: Self.answer(request, status: 200, summary: Self.summary(of: record) + (note.map { "; \($0)" } ?? ""), outcome: .created),
                                     finishing: attemptID, writeBackDocno: item.writeBackDocno)
                return .created(docno: record.docno, dockey: Int64(dockey))
            } catch let error as SQLAccountError {
                if error.isAmbiguous || Self.mayHaveCommitted(error) {
                    try ledger.transition(documentID: item.documentID, to: .sending, taskID: taskID,
                                         attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .ambiguous), finishing: attemptID)
                    try await settle()
                    switch await lookUp(item, taskID: taskID) {
                    case .found(let outcome): return outcome
                    case .failed(let outcome): return outcome
                    case .absent:
                        if let reason = Self.applicationRefusal(error) {
                            // SQL Account's own error text, and the lookup proves nothing was saved: a refusal, not a glitch.
                            let message = "SQL Account refused the \(documentName) (HTTP \(error.status ?? 500): \(reason)); a lookup by docref1 '\(item.idempotencyKey)' confirms nothing was created. Fix what the message names (\(refusalHint)) and retry."
                            try ledger.transition(documentID: item.documentID, to: .failed(message: message), taskID: taskID, attempt: nil)
                            return .failed(message: message)
                        }
                        if round < options.maxAmbiguousRounds { continue }
                        let message = "SQL Account gave no clear answer \(round) times (last: \(error.message)) and a lookup by docref1 '\(item.idempotencyKey)' finds no \(documentName), so nothing was created; run `\(retryCommand)` when SQL Account is healthy"
                        try ledger.transition(documentID: item.documentID, to: .failed(message: message), taskID: taskID, attempt: nil)
                        return .failed(message: message)
                    }
                }
                if case .authentication = error {
                    stop.set(error.message)
                    try ledger.transition(documentID: item.documentID, to: .desired, taskID: taskID,
                                         attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .failed), finishing: attemptID)
                    throw SyncStopped(message: error.message)
                }
                var message = failureMessage(error, item: item)
                if case .duplicateDocumentNumber = error,
                   let cancelled = try? await find(item.idempotencyKey).first(where: { $0.cancelled == true }) {
                    message = "this order's invoice \(cancelled.docno ?? "") was cancelled in SQL Accounting and its number stays used there, so SQL Account refuses a new invoice with the same number; delete the cancelled invoice in SQL Accounting, or number invoices differently (invoice_number.source: sqlaccount or a store_suffix), then retry"
                }
                try ledger.transition(documentID: item.documentID, to: .failed(message: message), taskID: taskID,
                                     attempt: Self.answer(request, status: error.status, summary: error.message, outcome: .failed), finishing: attemptID)
                return .failed(message: message)
            } catch is CancellationError {
                let message = "the run was interrupted while the \(documentName) was being sent; the next apply looks it up before sending again"
                try ledger.transition(documentID: item.documentID, to: .unknown(message: message), taskID: taskID,
                                     attempt: Self.answer(request, status: nil, summary: "interrupted", outcome: .ambiguous), finishing: attemptID)
                return .unknown(message: message)
            }
        }
    }

    enum Lookup {
        case found(SyncItemOutcome)
        case absent
        case failed(SyncItemOutcome)
    }

    /// Finds the document by its idempotency key; adopts it when SQL Account has it.
    private func lookUp(_ item: SyncItem, taskID: Int64) async -> Lookup {
        let path = "/\(resource)?docref1=…"
        do {
            let matches = try await find(item.idempotencyKey)
                .filter { $0.cancelled != true && $0.dockey != nil }
                .sorted { ($0.dockey ?? 0) < ($1.dockey ?? 0) }
            guard let first = matches.first, let dockey = first.dockey else {
                let current = try ledger.state(of: item.documentID)
                // A document left `sending`/`unknown` by an earlier run was never saved: it is safe to post.
                if let state = current, state == .sending || state == .unknown {
                    try ledger.transition(documentID: item.documentID, to: .desired, taskID: taskID,
                                         attempt: AttemptRecord(method: "GET", path: path, summary: "docref1 \(item.idempotencyKey)", responseStatus: 200,
                                                                responseSummary: "not found: the earlier attempt did not create it", outcome: .retried))
                }
                return .absent
            }
            var note: String?
            if matches.count > 1 {
                let numbers = matches.compactMap(\.docno).joined(separator: ", ")
                note = "SQL Account holds \(matches.count) invoices with docref1 '\(item.idempotencyKey)' (\(numbers)); adopted \(first.docno ?? "dockey \(dockey)") — cancel the others in SQL Accounting"
            }
            try ledger.transition(documentID: item.documentID, to: .created(dockey: Int64(dockey), docno: first.docno, updatecount: first.updatecount), taskID: taskID,
                                 attempt: AttemptRecord(method: "GET", path: path, summary: "docref1 \(item.idempotencyKey)", responseStatus: 200,
                                                        responseSummary: "found " + Self.summary(of: first) + (note.map { "; \($0)" } ?? ""), outcome: .adopted),
                                 writeBackDocno: item.writeBackDocno)
            return .found(.adopted(docno: first.docno, dockey: Int64(dockey), note: note))
        } catch let error as SQLAccountError {
            if case .authentication = error {
                stop.set(error.message)
                return .failed(.skipped(reason: error.message))
            }
            let message = "could not look the \(documentName) up by docref1 '\(item.idempotencyKey)' before sending, so it was not sent: \(error.message)"
            let state = (try? ledger.state(of: item.documentID)) ?? nil
            let transition: DocumentTransition = state == .sending || state == .unknown ? .unknown(message: message) : .failed(message: message)
            _ = try? ledger.transition(documentID: item.documentID, to: transition, taskID: taskID,
                                      attempt: AttemptRecord(method: "GET", path: path, summary: "docref1 \(item.idempotencyKey)", responseStatus: error.status, responseSummary: error.message, outcome: .failed))
            if case .unknown = transition { return .failed(.unknown(message: message)) }
            return .failed(.failed(message: message))
        } catch {
            return .failed(.unknown(message: "could not record the lookup in the state store: \(error)"))
        }
    }

    /// The lookup by docref1. A lookup only reads, so unlike a POST it is safe to repeat after any server or
    /// connection failure, not just the blindly-retryable ones.
    private func find(_ key: String) async throws -> [SQLAccountRecord] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.find(resource, docref1: key)
            } catch let error as SQLAccountError {
                switch error {
                case .server, .timeout, .transport, .invalidResponse, .rateLimited:
                    guard attempt < options.lookupAttempts else { throw error }
                    try await client.sleeper.sleep(seconds: min(4, 0.25 * Double(1 << (attempt - 1))))
                default:
                    throw error
                }
            }
        }
    }

    private func settle() async throws {
        guard options.settleDelay > 0 else { return }
        try await client.sleeper.sleep(seconds: options.settleDelay)
    }

    /// The message of a 5xx that SQL Account's own code produced ("Operation aborted: Item code 'X' not found"), as
    /// opposed to a crash, a relay's page or a bare status. Posting such a document again only repeats the refusal.
    static func applicationRefusal(_ error: SQLAccountError) -> String? {
        guard case .server(let status, let message, _) = error, status == 500 else { return nil }
        let text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = text.lowercased()
        let generic = ["", "internal server error", "internal error", "server error", "error"]
        guard !generic.contains(lower), !lower.contains("<html"), !lower.contains("dataset not in edit or insert mode") else { return nil }
        return text
    }

    /// A 2xx the client could not read may still have created the document.
    static func mayHaveCommitted(_ error: SQLAccountError) -> Bool {
        if case .invalidResponse = error { return true }
        return false
    }

    func failureMessage(_ error: SQLAccountError, item: SyncItem) -> String {
        switch error {
        case .rateLimited:
            return error.message + " The \(documentName) was not created; run `\(retryCommand)` later or lower --concurrency."
        case .server(_, _, false):
            return error.message + " The \(documentName) was not created."
        default:
            return error.message
        }
    }

    static func answer(_ request: AttemptRecord, status: Int?, summary: String, outcome: AttemptOutcome) -> AttemptRecord {
        var record = request
        record.responseStatus = status
        record.responseSummary = String(summary.prefix(500))
        record.outcome = outcome
        return record
    }

    /// What was sent, in one line: the identifying fields and the total, never the whole body.
    static func summary(of payload: JSONObject) -> String {
        var parts: [String] = []
        for key in ["docref1", "docno", "code", "docdate", "docamt"] {
            if let value = payload[key], let text = display(value), !text.isEmpty { parts.append("\(key)=\(text)") }
        }
        if let knockOffs = payload["sdsknockoff"]?.arrayValue {
            parts.append("\(knockOffs.count) knock-off\(knockOffs.count == 1 ? "" : "s")")
        } else {
            let lines = payload["sdsdocdetail"]?.arrayValue?.count ?? 0
            parts.append("\(lines) line\(lines == 1 ? "" : "s")")
        }
        return parts.joined(separator: " ")
    }

    public static func summary(of record: SQLAccountRecord) -> String {
        var parts: [String] = []
        if let dockey = record.dockey { parts.append("dockey=\(dockey)") }
        if let docno = record.docno { parts.append("docno=\(docno)") }
        if let amount = record.docamt { parts.append("docamt=\(amount)") }
        return parts.joined(separator: " ")
    }

    static func display(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text), .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }
}

/// Set once when the run must stop; read by every worker before it sends.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?

    var reason: String? { lock.withLock { value } }

    func set(_ reason: String) {
        lock.withLock { if value == nil { value = reason } }
    }
}

/// Where the exactly-once engine records each step of a document it brings into SQL Account.
public protocol SyncLedger: Sendable {
    /// The document's recorded state, nil when unknown.
    func state(of documentID: Int64) throws -> DocumentState?
    /// Moves the document to a new state and records the request; returns the attempt's id.
    @discardableResult
    func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                    finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64?
}

extension SyncLedger {
    @discardableResult
    func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                    finishing attemptID: Int64? = nil, writeBackDocno: Bool = true) throws -> Int64? {
        try self.transition(documentID: documentID, to: transition, taskID: taskID, attempt: attempt, finishing: attemptID,
                            writeBackDocno: writeBackDocno, now: Date())
    }
}

/// Invoices: the state store's documents, each tied to its order.
extension StateStore: SyncLedger {
    public func state(of documentID: Int64) throws -> DocumentState? { try document(documentID)?.state }
}

/// Customer payments: the state store's `payments`, whose ids stand in for document ids.
public struct PaymentLedger: SyncLedger {
    public let store: StateStore

    public init(store: StateStore) {
        self.store = store
    }

    public func state(of documentID: Int64) throws -> DocumentState? { try store.payment(documentID)?.state }

    /// Every request is recorded in `payment_attempts`, with the receipt task of the `payments apply` that made it.
    public func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                           finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64? {
        try store.transitionPayment(documentID, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID.flatMap { $0 > 0 ? $0 : nil }, now: now)
    }
}

/// The credit notes and refunds of returns: the state store's `return_documents`.
public struct ReturnLedger: SyncLedger {
    public let store: StateStore

    public init(store: StateStore) {
        self.store = store
    }

    public func state(of documentID: Int64) throws -> DocumentState? { try store.returnDocument(documentID)?.state }

    public func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                           finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64? {
        try store.transitionReturnDocument(documentID, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID.flatMap { $0 > 0 ? $0 : nil }, now: now)
    }
}
