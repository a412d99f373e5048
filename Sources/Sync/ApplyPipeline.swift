import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Planner
import RulePack
import SQLAccount
import StateStore
import Transform

/// What an apply starts from.
public enum ApplyInput {
    /// An orders file: imported, then every order not yet in SQL Accounting is staged, and the file's orders whose
    /// invoices are already there are checked for updates and cancels. With a selection, only the selected orders
    /// of the file are imported, and only they are staged (not other orders the state store holds pending).
    case orders(OrderSource, selection: ResolvedSelection? = nil)
    /// `tasks retry N`: that task's failed (and in-doubt) orders again, in the same task.
    case retry(task: Int64)
    /// A saved plan, carried out exactly: its creates with the plan's payloads, its updates and cancels; only the
    /// orders of its selection are imported.
    case plan(Plan, orders: OrderSource)
    /// Orders the state store already holds, ticked by id (the console's "create a task"): the ones not yet in SQL
    /// Accounting are staged and sent, those whose invoices are there are updated or cancelled when they changed;
    /// nothing is imported and no other pending order is taken.
    case stored(orderIDs: [String])
}

/// Everything decided before anything is sent.
public struct PreparedApply: Sendable {
    public var imported = ImportReport()
    public var staged = StagingReport()
    /// Updates and cancels of invoices SQL Accounting already holds.
    public var changes: [PlanEntry] = []
    /// Set for a retry: the task the documents stay in, and how many orders it takes up.
    public var retryTask: Int64?
    public var retriedOrders = 0
    /// The orders of the file this apply took; nil: all of them.
    public var selection: ResolvedSelection?
    /// Credit notes and customer refunds of returns to send (after the invoices they credit).
    public var returns: [StoredReturnDocument] = []
    /// Return documents that could not be built or recorded: (order, message).
    public var returnFailures: [(orderID: String, message: String)] = []

    public init() {}

    /// Whether there is anything to send.
    public var hasWork: Bool { !staged.items.isEmpty || !changes.isEmpty || !returns.isEmpty }
}

/// Tasks of at most `taskSize` orders: the documents to sync, and the orders that failed before sending (so the
/// task lists them and `tasks retry` takes them up).
public struct TaskChunk: Sendable {
    public var orderIDs: [String]
    public var items: [SyncItem]
    public var existingTask: Int64?
}

/// SQL Account cannot be reached with these keys: nothing was sent.
public struct ConnectionUnavailable: Error, Sendable {
    public var status: ConnectionStatus
}

/// What the delivery stage reports while it runs (a progress line, a log).
public struct ApplyEvents: Sendable {
    public var taskStarted: @Sendable (_ taskID: Int64) -> Void
    public var documentDone: @Sendable (SyncItemResult) -> Void

    public init(taskStarted: @escaping @Sendable (Int64) -> Void = { _ in }, documentDone: @escaping @Sendable (SyncItemResult) -> Void = { _ in }) {
        self.taskStarted = taskStarted
        self.documentDone = documentDone
    }
}

/// How an apply ended: what was created, adopted, changed, failed and excluded.
public struct ApplyResult: Sendable {
    public var imported: ImportReport
    public var staged: StagingReport
    /// The orders of the file this apply took; nil: all of them.
    public var selection: ResolvedSelection?
    public var results: [SyncItemResult] = []
    public var changes: [(entry: PlanEntry, outcome: ChangeOutcome)] = []
    public var taskIDs: [Int64] = []
    public var stopReason: String?
    /// Orders completed by earlier runs.
    public var previouslyCompleted = 0
    /// The credit notes and refunds sent, and the return documents that failed before sending.
    public var returnResults: [SyncItemResult] = []
    public var returnFailures: [(orderID: String, message: String)] = []

    public init(imported: ImportReport, staged: StagingReport) {
        self.imported = imported
        self.staged = staged
    }

    public var created: [SyncItemResult] { results.filter { if case .created = $0.outcome { return true } else { return false } } }
    public var adopted: [SyncItemResult] { results.filter { if case .adopted = $0.outcome { return true } else { return false } } }
    public var syncFailures: [(orderID: String, message: String)] {
        results.compactMap { result in
            switch result.outcome {
            case .failed(let message), .unknown(let message): return (result.item.orderID, message)
            default: return nil
            }
        }
    }
    public var skipped: Int { results.filter { if case .skipped = $0.outcome { return true } else { return false } }.count }
    public var changeFailures: [(orderID: String, message: String)] {
        changes.compactMap { change in
            if case .failed(let message) = change.outcome { return (change.entry.orderID, message) }
            return nil
        }
    }
    public var updated: Int { changes.filter { if case .updated = $0.outcome { return true } else { return false } }.count }
    public var cancelled: Int { changes.filter { if case .cancelled = $0.outcome { return true } else { return false } }.count }
    public var unreadable: [(orderID: String, message: String)] {
        imported.unreadable.map { ($0.orderID, $0.errors.map(\.description).joined(separator: "; ")) }
    }
    public var returnSyncFailures: [(orderID: String, message: String)] {
        returnResults.compactMap { result in
            switch result.outcome {
            case .failed(let message), .unknown(let message), .skipped(let message): return (result.item.orderID, message)
            default: return nil
            }
        }
    }
    public var failures: [(orderID: String, message: String)] { staged.failed + syncFailures + changeFailures + unreadable + returnFailures + returnSyncFailures }
    public var succeeded: Bool { failures.isEmpty && skipped == 0 && stopReason == nil }
}

/// `apply` as named stages over one state store: **prepare** (import the input and transform each order once,
/// recording every decision) and **deliver** (send the staged invoices in tasks of ≤150 exactly once, then the
/// updates and cancels of invoices already in SQL Accounting).
public struct ApplyPipeline: Sendable {
    public let graph: TransformGraph
    public let options: TransformOptions
    public let store: StateStore

    public init(graph: TransformGraph, options: TransformOptions, store: StateStore) {
        self.graph = graph
        self.options = options
        self.store = store
    }

    // MARK: prepare

    public func prepare(_ input: ApplyInput) throws -> PreparedApply {
        var prepared = PreparedApply()
        switch input {
        case .retry(let task):
            guard let summary = try store.task(task) else { throw StateStoreError.unknownTask(task) }
            guard summary.task.kind == .invoices else {
                throw summary.task.kind == .receipts ? StateStoreError.receiptTask(task, operation: .retry) : StateStoreError.returnTask(task, operation: .retry)
            }
            let orders = try store.ordersToRetry(taskID: task)
            prepared.retryTask = task
            prepared.retriedOrders = orders.count
            prepared.staged = try Staging.stage(orders, graph: graph, options: options, store: store)
        case .plan(let plan, let source):
            prepared.selection = plan.selection
            prepared.imported = try Staging.importOrders(from: plan.selection?.filter(source) ?? source, into: store)
            prepared.staged = try Staging.stage(plan, store: store)
            prepared.changes = plan.entries.filter { ($0.action == .update || $0.action == .cancel) && !Plan.isReturnDocument($0.documentType) }
            for entry in plan.entries where Plan.isReturnDocument(entry.documentType) {
                if entry.action == .error { prepared.returnFailures.append((entry.orderID, entry.reason ?? "failed in the plan")) }
            }
            try stageReturns(plan.entries, into: &prepared)
        case .stored(let orderIDs):
            var seen: Set<String> = []
            let unique = orderIDs.filter { seen.insert($0).inserted }
            if let unknown = try unique.first(where: { try store.order($0) == nil }) { throw StateStoreError.unknownOrder(unknown) }
            try decide(fileOrderIDs: unique, onlyFileOrders: true, into: &prepared)
        case .orders(let source, let selection):
            prepared.selection = selection
            prepared.imported = try Staging.importOrders(from: selection?.filter(source) ?? source, into: store)
            try decide(fileOrderIDs: prepared.imported.orderIDs, onlyFileOrders: selection != nil, into: &prepared)
        }
        return prepared
    }

    /// Each order transformed exactly once: the ones not yet in SQL Accounting are staged to be sent; the file's
    /// orders whose invoices are already there are planned (`~` update, `-` cancel) the way `plan` shows them.
    /// `onlyFileOrders` (a selection): orders pending from earlier runs that are not among `fileOrderIDs` wait.
    func decide(fileOrderIDs: [String], onlyFileOrders: Bool = false, into prepared: inout PreparedApply) throws {
        var pending = try store.ordersToSync()
        if onlyFileOrders {
            let taken = Set(fileOrderIDs)
            pending = pending.filter { taken.contains($0.id) }
        }
        let pendingIDs = Set(pending.map(\.id))
        var synced: [(order: StoredOrder, document: StoredDocument)] = []
        for id in fileOrderIDs where !pendingIDs.contains(id) {
            guard let order = try store.order(id), let document = try store.document(orderID: id), document.state == .created else { continue }
            synced.append((order, document))
        }
        var session = try Staging.session(for: pending + synced.map(\.order), store: store)
        session.nextCreditNoteNumber = try store.sequences(prefix: Staging.creditNoteSequencePrefix)
        let inputs = Planner.Inputs(graph: graph, options: options, store: store)
        let balances = try InvoiceBalances.load(store)
        var returnEntries: [PlanEntry] = []
        let fileOrders = Set(fileOrderIDs)
        for stored in pending {
            let (outcome, order) = Staging.transform(stored, graph: graph, options: options, session: &session)
            let before = prepared.staged.items.count
            try Staging.record(outcome, for: stored, graph: graph, store: store, into: &prepared.staged)
            // A partly returned order sent for the first time: its credit notes follow its invoice.
            guard let order, !order.returns.isEmpty, fileOrders.contains(stored.id), prepared.staged.items.count > before,
                  let item = prepared.staged.items.last else { continue }
            let invoice = PlanEntry(orderID: stored.id, action: .create, idempotencyKey: item.idempotencyKey, payload: item.payload)
            returnEntries += try ReturnPlanner.entries(order: order, invoice: invoice, synced: nil, inputs: inputs, balances: balances,
                                                       source: nil, session: &session).returns
        }
        // Only numbers given to orders about to be sent are taken from the sequence.
        try store.advanceSequences(prefix: Staging.sequencePrefix, to: session.nextCustomNumber)
        for (stored, document) in synced {
            let (outcome, order) = Staging.transform(stored, graph: graph, options: options, session: &session)
            var entry = try Planner.entry(outcome, order: order, document: document, orderStatus: stored.status, inputs)
            if let order {
                let planned = try ReturnPlanner.entries(order: order, invoice: entry, synced: document, inputs: inputs, balances: balances,
                                                        source: nil, session: &session)
                entry = planned.invoice
                returnEntries += planned.returns
            }
            guard let entry, entry.action == .update || entry.action == .cancel else { continue }
            prepared.changes.append(entry)
        }
        try store.advanceSequences(prefix: Staging.creditNoteSequencePrefix, to: session.nextCreditNoteNumber)
        for entry in returnEntries where entry.action == .error {
            prepared.returnFailures.append((entry.orderID, entry.reason ?? "failed"))
        }
        try stageReturns(returnEntries, into: &prepared)
        if !onlyFileOrders {
            // Credit notes and refunds an earlier run left failed or in doubt go again (looked up first).
            let staged = Set(prepared.returns.compactMap(\.id))
            prepared.returns += try store.returnDocumentsToSend().filter { !staged.contains($0.id ?? 0) }
        }
    }

    /// Records the plan's credit notes and refunds to send; one SQL Account already holds is not sent again.
    func stageReturns(_ entries: [PlanEntry], into prepared: inout PreparedApply) throws {
        for entry in entries where entry.action == .create && Plan.isReturnDocument(entry.documentType) {
            guard let payload = entry.payload, let key = entry.idempotencyKey, let returnID = entry.returnID else { continue }
            let amount = payload["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
            switch try store.stageReturnDocument(orderID: entry.orderID, returnID: returnID, type: entry.documentType, idempotencyKey: key,
                                                 payloadJSON: JSONWriter.compactString(.object(payload)), amountSen: amount.minorUnits,
                                                 knockoffSen: (entry.knockOff ?? .zero).minorUnits, creditedJSON: entry.creditedReturn) {
            case .staged(let document): prepared.returns.append(document)
            case .alreadyCreated: break
            case .keyConflict(let owner):
                prepared.returnFailures.append((entry.orderID, "return \(returnID): its \(entry.documentType) key (docref1) '\(key)' is already used by \(owner); make returns.idempotency_key unique per return"))
            }
        }
    }

    // MARK: deliver

    /// The tasks the staged documents go into.
    public static func chunks(_ prepared: PreparedApply, taskSize: Int) -> [TaskChunk] {
        var chunks: [TaskChunk] = []
        var current = TaskChunk(orderIDs: [], items: [], existingTask: nil)
        func add(_ orderID: String, _ item: SyncItem?) {
            if current.orderIDs.count == taskSize {
                chunks.append(current)
                current = TaskChunk(orderIDs: [], items: [], existingTask: nil)
            }
            current.orderIDs.append(orderID)
            if let item { current.items.append(item) }
        }
        for item in prepared.staged.items { add(item.orderID, item) }
        for failed in prepared.staged.failed { add(failed.orderID, nil) }
        if !current.orderIDs.isEmpty { chunks.append(current) }
        if let task = prepared.retryTask, !chunks.isEmpty {
            // A retry stays in its task (which never holds more than 150 orders).
            return [TaskChunk(orderIDs: chunks.flatMap(\.orderIDs), items: chunks.flatMap(\.items), existingTask: task)]
        }
        return chunks
    }

    /// Sends what `prepare` staged. Throws `ConnectionUnavailable` before sending anything when SQL Account cannot
    /// be reached; a state-store failure stops the run where it is (everything sent is recorded as `sending` first).
    public func deliver(_ prepared: PreparedApply, client: SQLAccountClient, sync: SyncOptions, events: ApplyEvents = ApplyEvents()) async throws -> ApplyResult {
        var result = ApplyResult(imported: prepared.imported, staged: prepared.staged)
        result.selection = prepared.selection
        let staged = prepared.staged
        if !staged.items.isEmpty || !staged.failed.isEmpty || !prepared.changes.isEmpty {
            // A dead connection fails fast with one clear reason instead of one per order.
            if prepared.hasWork {
                let status = await ConnectionStatus.check(client, integrationEnabled: true)
                if case .active = status {} else { throw ConnectionUnavailable(status: status) }
            }
            let engine = SyncEngine(store: store, client: client, options: sync)
            for chunk in Self.chunks(prepared, taskSize: engine.options.taskSize) {
                let taskID = try chunk.existingTask ?? store.openTask(orderIDs: chunk.orderIDs).id ?? 0
                result.taskIDs.append(taskID)
                events.taskStarted(taskID)
                result.results += await engine.sync(taskID: taskID, items: chunk.items, progress: events.documentDone)
                try store.finishTask(taskID)
            }
            result.stopReason = engine.stopReason
            if !prepared.changes.isEmpty && result.stopReason == nil {
                let executor = ChangeExecutor(store: store, client: client, editPolicy: graph.pack.editPolicy)
                for start in stride(from: 0, to: prepared.changes.count, by: engine.options.taskSize) {
                    let slice = prepared.changes[start..<min(prepared.changes.count, start + engine.options.taskSize)]
                    let taskID = try prepared.retryTask ?? store.openTask(orderIDs: slice.map(\.orderID)).id ?? 0
                    if !result.taskIDs.contains(taskID) { result.taskIDs.append(taskID) }
                    for entry in slice { result.changes.append((entry, await executor.run(entry, taskID: taskID))) }
                    try store.finishTask(taskID)
                }
            }
        }
        result.returnFailures = prepared.returnFailures
        if !prepared.returns.isEmpty && result.stopReason == nil {
            if staged.items.isEmpty && staged.failed.isEmpty && prepared.changes.isEmpty {
                // Nothing above checked the connection: fail fast with one reason here.
                let status = await ConnectionStatus.check(client, integrationEnabled: true)
                if case .active = status {} else { throw ConnectionUnavailable(status: status) }
            }
            try await deliverReturns(prepared.returns, client: client, sync: sync, events: events, into: &result)
        }
        let completedNow = (try? store.statusCounts()[.completed]) ?? 0
        result.previouslyCompleted = max(0, completedNow - result.results.filter(\.outcome.isSuccess).count)
        return result
    }
}

extension ApplyPipeline {
    /// Sends the credit notes, then the refunds, in return tasks of ≤150, exactly once (looked up by docref1 first).
    /// Each names its invoice (or credit note) by the number SQL Account gave it, filled in now: one whose invoice or
    /// credit note is not in SQL Account yet waits, failed with the reason, for the next apply.
    func deliverReturns(_ documents: [StoredReturnDocument], client: SQLAccountClient, sync: SyncOptions, events: ApplyEvents,
                        into result: inout ApplyResult) async throws {
        for type in [ReturnDocumentType.creditNote, ReturnDocumentType.customerRefund] {
            var items: [SyncItem] = []
            for document in documents where document.type == type {
                guard let id = document.id, let current = try store.returnDocument(id), current.state != .created else { continue }
                switch try resolve(current) {
                case .ready(let payload):
                    items.append(SyncItem(documentID: id, orderID: current.orderID, idempotencyKey: current.idempotencyKey, payload: payload, writeBackDocno: false))
                case .waiting(let message):
                    try store.transitionReturnDocument(id, to: .failed(message: message), attempt: nil, taskID: nil)
                    result.returnFailures.append((current.orderID, message))
                }
            }
            guard !items.isEmpty else { continue }
            let engine = SyncEngine(ledger: ReturnLedger(store: store), client: client, options: sync, resource: SQLAccountResource(type))
            for start in stride(from: 0, to: items.count, by: engine.options.taskSize) {
                let chunk = Array(items[start..<min(items.count, start + engine.options.taskSize)])
                let taskID = try store.openReturnTask(documentIDs: chunk.map(\.documentID)).id ?? 0
                result.taskIDs.append(taskID)
                events.taskStarted(taskID)
                result.returnResults += await engine.sync(taskID: taskID, items: chunk, progress: events.documentDone)
                try store.finishTask(taskID)
            }
            if let reason = engine.stopReason {
                result.stopReason = reason
                return
            }
        }
    }

    enum ResolvedReturn {
        case ready(JSONObject)
        case waiting(String)
    }

    /// The body to send, with the number of the invoice a credit note credits (or of the credit note a refund pays out)
    /// as SQL Account holds it; recorded before sending, so what was sent is what the state store keeps.
    func resolve(_ document: StoredReturnDocument) throws -> ResolvedReturn {
        guard var payload = (try? JSONParser.parse(document.payloadJSON))?.objectValue else {
            return .waiting("the recorded \(document.type) of order \(document.orderID) return \(document.returnID) is not valid JSON; run apply again to rebuild it")
        }
        let target: String
        if document.type == ReturnDocumentType.creditNote {
            guard let invoice = try store.document(orderID: document.orderID), invoice.state == .created else {
                return .waiting("order \(document.orderID) return \(document.returnID): the credit note waits for its invoice, which is not in SQL Accounting yet; it is sent by the apply after the invoice's")
            }
            let payloadDocno = (try? JSONParser.parse(invoice.payloadJSON))?["docno"]?.stringValue ?? ""
            target = invoice.remoteDocno ?? payloadDocno
            let field = graph.pack.returns.invoiceReferenceField.value
            if field != "none", payload[field] == nil || payload[field]?.stringValue == "" { payload[field] = .string(target) }
        } else {
            guard let note = try store.returnDocument(orderID: document.orderID, returnID: document.returnID, type: ReturnDocumentType.creditNote),
                  note.state == .created, let number = note.remoteDocno ?? (try? JSONParser.parse(note.payloadJSON))?["docno"]?.stringValue else {
                return .waiting("order \(document.orderID) return \(document.returnID): the refund waits for its credit note, which is not in SQL Accounting yet")
            }
            target = number
        }
        if var rows = payload["sdsknockoff"]?.arrayValue, !rows.isEmpty, var first = rows[0].objectValue {
            if (first["docno"]?.stringValue ?? "").isEmpty {
                first["docno"] = .string(target)
                rows[0] = .object(first)
                payload["sdsknockoff"] = .array(rows)
            }
        }
        if let id = document.id {
            try store.updateReturnPayload(id, payloadJSON: JSONWriter.compactString(.object(payload)), knockoffSen: document.knockoffSen)
        }
        return .ready(payload)
    }
}
