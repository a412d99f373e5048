import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import StateStore
import Transform

/// Computes a plan: each order of a file transformed with the pack, compared with what the state store recorded
/// for it (and, refreshed, with SQL Account's copy), under the pack's `edit_policy`.
///
/// - no document yet (or one never confirmed sent) → `+` create;
/// - a synced invoice whose desired payload differs in `update` fields → `~` update; differences only in
///   `create_only`/`ignore` fields → `=` with the kept differences listed;
/// - a synced invoice whose order is now cancelled or returned → `-` cancel;
/// - a transform error → `!`.
/// Nothing is written: the state store is only read.
public enum Planner {
    /// Statuses that turn a synced invoice into a cancellation.
    public static let cancellingStatuses: Set<OrderStatus> = [.cancelled, .returned]

    public struct Inputs {
        public var graph: TransformGraph
        public var options: TransformOptions
        /// nil when no state store exists yet: every document is new.
        public var store: StateStore?
        /// With `--refresh`: SQL Account's current record per order id (absent: not found there).
        public var remote: [String: JSONObject]?
        /// Whether an unchanged invoice's entry carries its payload (a saved plan shows it); without, an invoice
        /// built the same as it was synced costs no JSON object at all.
        public var keepsUnchangedPayloads: Bool

        public init(graph: TransformGraph, options: TransformOptions, store: StateStore?, remote: [String: JSONObject]? = nil,
                    keepsUnchangedPayloads: Bool = true) {
            self.graph = graph
            self.options = options
            self.store = store
            self.remote = remote
            self.keepsUnchangedPayloads = keepsUnchangedPayloads
        }
    }

    /// Plans every record of `source` into arrays; `sequences` are the custom invoice-number sequences after the
    /// creates took their numbers (prefix → next number). For a file of any size, `stream` keeps memory flat.
    public static func entries(for source: OrderSource, _ inputs: Inputs) throws -> (entries: [PlanEntry], excluded: [(orderID: String, reason: String)],
                                                                                    sequences: [String: Int]) {
        var entries: [PlanEntry] = []
        var excluded: [(String, String)] = []
        let sequences = try stream(source, inputs, entry: { entries.append($0) }, excluded: { excluded.append(($0, $1)) })
        return (entries, excluded, sequences)
    }

    /// Plans `source` record by record, handing each plan line to `entry` (an invoice's line, then its return
    /// documents' lines) and each order excluded before it was ever synced to `excluded`, in file order. Records are
    /// taken in chunks: what the state store recorded for a chunk is read at once (`StateStore.recordedStates`), and
    /// nothing of a chunk is kept once its lines are handed on. Returns the custom invoice-number sequences after the
    /// creates took their numbers (prefix → next number).
    public static func stream(_ source: OrderSource, _ inputs: Inputs, entry emit: (PlanEntry) throws -> Void,
                              excluded exclude: (_ orderID: String, _ reason: String) throws -> Void) throws -> [String: Int] {
        var session = TransformSession()
        if let store = inputs.store {
            session.nextCustomNumber = try store.sequences(prefix: "invoice_number:")
        }
        let balances = try InvoiceBalances.load(inputs.store)
        var chunk: [OrderRecord] = []
        chunk.reserveCapacity(StateStore.recordedStateBatchSize)

        func plan(_ record: OrderRecord, recorded state: RecordedOrderState?) throws {
            let document = state?.invoice
            let outcome: OrderOutcome
            var order: Order?
            switch record.result {
            case .success(let decoded):
                order = decoded
                // A custom number the order was given before is its number again.
                let keptNumber = document.map { recordedDocno($0.payloadJSON) } ?? ""
                if !keptNumber.isEmpty { session.assignedCustomNumbers[decoded.id] = keptNumber }
                outcome = inputs.graph.run(decoded, source: record.location, options: inputs.options, session: &session)
                if !keptNumber.isEmpty { session.assignedCustomNumbers[decoded.id] = nil }
            case .failure(let failure):
                outcome = .failed(failure.orderID, failure.diagnostics, source: record.location)
            }
            var invoiceEntry = try entry(outcome, order: order, document: document, orderStatus: state?.status, inputs, edits: state?.edits ?? [])
            if let action = invoiceEntry?.action, [.create, .update, .error].contains(action) { invoiceEntry?.warnings = outcome.warnings }
            var returnEntries: [PlanEntry] = []
            if let order {
                (invoiceEntry, returnEntries) = try ReturnPlanner.entries(order: order, invoice: invoiceEntry, synced: document.flatMap { $0.state == .created ? $0 : nil },
                                                                          inputs: inputs, balances: balances, source: record.location, session: &session,
                                                                          recorded: state?.returnDocuments ?? [])
            }
            if let invoiceEntry {
                try emit(invoiceEntry)
            } else if outcome.kind == .excluded {
                try exclude(outcome.orderID, outcome.reason ?? "excluded by the pack")
            }
            for returnEntry in returnEntries { try emit(returnEntry) }
        }

        func planChunk() throws {
            guard !chunk.isEmpty else { return }
            let states = try inputs.store?.recordedStates(orderIDs: chunk.map(\.orderID)) ?? [:]
            for record in chunk { try plan(record, recorded: states[record.orderID]) }
            chunk.removeAll(keepingCapacity: true)
        }

        try source.forEachReadingAhead { record in
            chunk.append(record)
            if chunk.count == StateStore.recordedStateBatchSize { try planChunk() }
        }
        try planChunk()
        return session.nextCustomNumber
    }

    /// One order's plan line from its transform outcome and what the state store recorded for it; nil for an
    /// order excluded before it was ever synced.
    /// `edits` are read from the store when not given.
    public static func entry(_ outcome: OrderOutcome, order: Order?, document: StoredDocument?, orderStatus: OrderSyncStatus?, _ inputs: Inputs,
                             edits knownEdits: [OrderEdit]? = nil) throws -> PlanEntry? {
        let synced = document.flatMap { $0.state == .created ? $0 : nil }
        let policy = inputs.graph.pack.editPolicy
        switch outcome.kind {
        case .error:
            return PlanEntry(orderID: outcome.orderID, action: .error, reason: outcome.errors.map(\.description).joined(separator: "; "))
        case .excluded:
            guard let synced else { return nil }
            let reason = outcome.reason ?? "excluded by the pack"
            if let order, cancellingStatuses.contains(order.status) {
                if let refusal = EInvoiceCancelWindow.refusal(of: synced, settings: inputs.graph.pack.einvoice) {
                    return PlanEntry(orderID: outcome.orderID, action: .unchanged, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                                     documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno,
                                     reason: "the order is now \(order.status.rawValue), but \(refusal): it stays as booked and is credited")
                }
                return PlanEntry(orderID: outcome.orderID, action: .cancel, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                                 documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno,
                                 reason: "the order is now \(order.status.rawValue)")
            }
            return PlanEntry(orderID: outcome.orderID, action: .unchanged, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                             documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno,
                             reason: "now excluded (\(reason)), but its invoice is already in SQL Accounting; left as it is")
        case .document:
            guard let built = outcome.document else { return nil }
            var edits: [OrderEdit] = []
            if let store = inputs.store, orderStatus == .failed || orderStatus == .pending {
                edits = try knownEdits ?? store.edits(orderID: outcome.orderID)
            }
            if let synced, inputs.remote == nil, edits.isEmpty, built.hasPayloadJSON(synced.payloadJSON) {
                return unchangedEntry(outcome.orderID, synced: synced, payload: inputs.keepsUnchangedPayloads ? built.payload : nil)
            }
            var payload = built.payload
            if !edits.isEmpty { _ = PayloadEdits.apply(edits, to: &payload) }
            guard let synced else {
                var reason: String?
                if let document, document.state.mayExistRemotely {
                    reason = "an earlier attempt may have created it: apply looks it up by docref1 first and adopts it if found"
                }
                return PlanEntry(orderID: outcome.orderID, action: .create, documentType: payload.isEmpty ? "salesinvoice" : SalesInvoiceDocument.type,
                                 idempotencyKey: built.idempotencyKey, payload: payload, documentID: document?.id, reason: reason)
            }
            let recorded = (try? JSONParser.parse(synced.payloadJSON))?.objectValue ?? JSONObject()
            // The number SQL Account gave an auto-numbered invoice is the recorded one, not a change.
            if case .string(let docno)? = payload["docno"], docno.isEmpty, let remoteDocno = synced.remoteDocno {
                payload["docno"] = .string(remoteDocno)
            }
            var baseline = recorded
            if let remoteDocno = synced.remoteDocno, case .string(let docno)? = baseline["docno"], docno.isEmpty {
                baseline["docno"] = .string(remoteDocno)
            }
            var drift: [FieldChange] = []
            if let remote = inputs.remote {
                if let current = remote[outcome.orderID] {
                    drift = PayloadDiff.changes(from: baseline, to: current, editPolicy: policy, comparingOnly: baseline)
                    if !drift.isEmpty { baseline = merged(baseline, with: current) }
                } else {
                    return PlanEntry(orderID: outcome.orderID, action: .create, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                                     payload: payload, documentID: synced.id,
                                     reason: "recorded as \(synced.remoteDocno ?? "created"), but SQL Account no longer has it (deleted there): it will be created again")
                }
            }
            let changes = PayloadDiff.changes(from: baseline, to: payload, editPolicy: policy)
            let action: PlanAction = changes.contains { $0.policy == .update } ? .update : .unchanged
            var reason: String?
            if action == .unchanged && !changes.isEmpty {
                reason = "differences only in fields the edit policy keeps: " + Set(changes.map(\.policyName)).sorted().joined(separator: ", ")
            }
            return PlanEntry(orderID: outcome.orderID, action: action, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                             payload: payload, changes: changes, drift: drift, documentID: synced.id, remoteDockey: synced.remoteDockey,
                             remoteDocno: synced.remoteDocno, reason: reason)
        }
    }

    /// The entry of a synced invoice the order builds byte for byte as it was sent: nothing to compare field by field.
    /// Its payload (when kept) shows SQL Account's number for an auto-numbered invoice, as a compared one does.
    static func unchangedEntry(_ orderID: String, synced: StoredDocument, payload: JSONObject?) -> PlanEntry {
        var payload = payload
        if case .string(let docno)? = payload?["docno"], docno.isEmpty, let remoteDocno = synced.remoteDocno {
            payload?["docno"] = .string(remoteDocno)
        }
        return PlanEntry(orderID: orderID, action: .unchanged, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                         payload: payload, documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno)
    }

    /// The `docno` of a recorded payload. Payloads are recorded compact with `docno` first, so it is read off the front
    /// of the text; anything else is parsed.
    static func recordedDocno(_ payloadJSON: String) -> String {
        let prefix = "{\"docno\":\""
        var utf8 = Substring(payloadJSON).utf8
        if utf8.starts(with: prefix.utf8) {
            utf8 = utf8.dropFirst(prefix.utf8.count)
            if let end = utf8.firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }), utf8[end] == UInt8(ascii: "\"") {
                return String(Substring(utf8[..<end]))
            }
        }
        return (try? JSONParser.parse(payloadJSON))?["docno"]?.stringValue ?? ""
    }

    /// The recorded payload with SQL Account's values for the fields it records (a refreshed baseline).
    static func merged(_ recorded: JSONObject, with remote: JSONObject) -> JSONObject {
        var result = recorded
        for key in recorded.keys where key != PayloadDiff.linesKey {
            if let value = remote[key] { result[key] = value }
        }
        // Lines as SQL holds them, limited to the fields that were sent (SQL adds its own, like `rate`).
        let recordedLines = PayloadDiff.lines(recorded), remoteLines = PayloadDiff.lines(remote)
        var lines: [JSONValue] = []
        for pair in PayloadDiff.pairLines(recordedLines, remoteLines) {
            guard let current = pair.new else { continue }
            guard let sent = pair.old else {
                lines.append(.object(current))
                continue
            }
            var line = sent
            for key in sent.keys { line[key] = current[key] }
            lines.append(.object(line))
        }
        result[PayloadDiff.linesKey] = .array(lines)
        return result
    }
}
