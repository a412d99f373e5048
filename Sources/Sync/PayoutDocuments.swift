import Foundation
import LedgerCore
import LedgerJSON
import Planner
import SQLAccount
import StateStore

/// The credit notes and refunds payouts make: the state store's `payout_documents`.
public struct PayoutDocumentLedger: SyncLedger {
    public let store: StateStore

    public init(store: StateStore) {
        self.store = store
    }

    public func state(of documentID: Int64) throws -> DocumentState? { try store.payoutDocument(documentID)?.state }

    public func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                           finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64? {
        try store.transitionPayoutDocument(documentID, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID.flatMap { $0 > 0 ? $0 : nil }, now: now)
    }
}

/// What a payout document's send came to, for the `payments apply` report.
public struct PayoutDocumentResult: Sendable {
    public var document: StoredPayoutDocument
    public var outcome: SyncItemOutcome
}

extension PaymentPipeline {
    /// Records the planned credit notes and refunds (each pair with the rows its credit note covers) and picks the
    /// payout documents to send: the planned ones SQL Account does not hold yet, those an interrupted run left in
    /// doubt, and refunds whose credit note is in SQL Account already. An unsent document the plan no longer makes
    /// (its rows now go to a receipt) is dropped, never sent.
    func preparePayoutDocuments(_ planned: [PlannedPayoutDocument], selection: Selection, into prepared: inout PreparedPayments) throws {
        var plannedIDs: Set<Int64> = []
        var index = 0
        while index < planned.count {
            // A credit note and the refund after it are one pair, staged together.
            var pair = [planned[index]]
            if index + 1 < planned.count, planned[index + 1].creditNoteKey == planned[index].idempotencyKey { pair.append(planned[index + 1]) }
            index += pair.count
            let drafts = pair.map { document in
                PayoutDocumentDraft(channel: document.channel, payoutDate: document.payoutDate, reference: document.reference, orderID: document.orderID,
                                    customerCode: document.customerCode, type: document.type, idempotencyKey: document.idempotencyKey,
                                    payloadJSON: JSONWriter.compactString(.object(document.payload)), amountSen: document.amount.minorUnits,
                                    creditNoteKey: document.creditNoteKey)
            }
            let staged = try store.stagePayoutDocuments(drafts, coveringRows: pair.flatMap(\.rowIDs))
            for (document, draft) in zip(staged, drafts) {
                guard let id = document.id else { continue }
                plannedIDs.insert(id)
                if document.state.mayExistRemotely && document.payloadJSON != draft.payloadJSON {
                    prepared.notes.append(PaymentNote(kind: .resumed, label: document.label, message:
                        "\(Self.name(document)) \(id) was sent before without a confirmed answer; it is looked up and completed as sent, not as planned now"))
                }
            }
        }
        for document in try store.payoutDocuments() where document.state != .created && document.state != .cancelled {
            guard let id = document.id, selection.contains(channel: document.channel, date: document.payoutDate) else { continue }
            if plannedIDs.contains(id) || document.state.mayExistRemotely {
                if !plannedIDs.contains(id) {
                    prepared.notes.append(PaymentNote(kind: .resumed, label: document.label, message:
                        "\(Self.name(document)) \(id) was left in doubt by an earlier run (\(document.state.rawValue)); it is looked up and completed as sent"))
                }
                prepared.payoutDocuments.append(document)
                continue
            }
            if !document.isCreditNote, let noteID = document.creditNoteID, let note = try store.payoutDocument(noteID),
               note.state == .created || note.state.mayExistRemotely {
                // The credit note is in SQL Account (or may be): its refund must follow, whatever the plan says now.
                prepared.payoutDocuments.append(document)
                continue
            }
            try store.dropPayoutDocument(id)
        }
    }

    static func name(_ document: StoredPayoutDocument) -> String { document.isCreditNote ? "credit note" : "refund" }

    /// Sends the credit notes, then the refunds (each naming its credit note by the number SQL Account gave it, filled
    /// in now), exactly once — looked up by docref1 first — in the receipt task `taskID`.
    func deliverPayoutDocuments(_ documents: [StoredPayoutDocument], client: SQLAccountClient, sync: SyncOptions, taskID: Int64) async throws -> (results: [PayoutDocumentResult], stopReason: String?) {
        var results: [PayoutDocumentResult] = []
        for type in [StoredPayoutDocument.creditNote, StoredPayoutDocument.customerRefund] {
            var items: [SyncItem] = []
            var byID: [Int64: StoredPayoutDocument] = [:]
            for document in documents where document.type == type {
                guard let id = document.id, let current = try store.payoutDocument(id), current.state != .created else { continue }
                guard var payload = (try? JSONParser.parse(current.payloadJSON))?.objectValue else {
                    try store.transitionPayoutDocument(id, to: .failed(message: "the recorded \(current.type) is not valid JSON; run payments apply again to rebuild it"), attempt: nil, taskID: taskID)
                    continue
                }
                if !current.isCreditNote {
                    guard let noteID = current.creditNoteID, let note = try store.payoutDocument(noteID), note.state == .created,
                          let number = note.remoteDocno ?? (try? JSONParser.parse(note.payloadJSON))?["docno"]?.stringValue, !number.isEmpty else {
                        let message = "the refund waits for its credit note, which is not in SQL Accounting yet; the next payments apply sends it"
                        try store.transitionPayoutDocument(id, to: .failed(message: message), attempt: nil, taskID: taskID)
                        var failed = current
                        failed.state = .failed
                        failed.lastError = message
                        results.append(PayoutDocumentResult(document: failed, outcome: .failed(message: message)))
                        continue
                    }
                    if var rows = payload["sdsknockoff"]?.arrayValue, !rows.isEmpty, var first = rows[0].objectValue,
                       (first["docno"]?.stringValue ?? "").isEmpty {
                        first["docno"] = .string(number)
                        rows[0] = .object(first)
                        payload["sdsknockoff"] = .array(rows)
                        // Recorded before sending: what was sent is what the state store keeps.
                        try store.updatePayoutPayload(id, payloadJSON: JSONWriter.compactString(.object(payload)))
                    }
                }
                byID[id] = current
                items.append(SyncItem(documentID: id, orderID: current.label, idempotencyKey: current.idempotencyKey, payload: payload, writeBackDocno: false))
            }
            guard !items.isEmpty else { continue }
            let engine = SyncEngine(ledger: PayoutDocumentLedger(store: store), client: client, options: sync, resource: SQLAccountResource(type))
            for result in await engine.sync(taskID: taskID, items: items) {
                let document = (try? store.payoutDocument(result.item.documentID)) ?? nil
                if let document = document ?? byID[result.item.documentID] { results.append(PayoutDocumentResult(document: document, outcome: result.outcome)) }
            }
            if let reason = engine.stopReason { return (results, reason) }
        }
        return (results, nil)
    }
}

extension PaymentPipeline.Selection {
    func contains(channel: String, date: String) -> Bool {
        (self.channel.map { channel == $0 } ?? true) && (from.map { date >= $0 } ?? true) && (to.map { date <= $0 } ?? true)
    }
}

/// The month's consolidated e-invoices: the state store's `einvoice_consolidations`.
public struct ConsolidationLedger: SyncLedger {
    public let store: StateStore

    public init(store: StateStore) {
        self.store = store
    }

    public func state(of documentID: Int64) throws -> DocumentState? { try store.consolidation(documentID)?.state }

    public func transition(documentID: Int64, to transition: DocumentTransition, taskID: Int64?, attempt: AttemptRecord?,
                           finishing attemptID: Int64?, writeBackDocno: Bool, now: Date) throws -> Int64? {
        try store.transitionConsolidation(documentID, to: transition, attempt: attempt, finishing: attemptID, taskID: taskID.flatMap { $0 > 0 ? $0 : nil }, now: now)
    }
}
