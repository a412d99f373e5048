import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Planner
import RulePack
import StateStore
import Transform

/// What reading an orders file into the state store did.
public struct ImportReport: Sendable {
    public var new = 0
    public var unchanged = 0
    public var changed = 0
    /// Records that could not be read as orders: nothing about them was stored.
    public var unreadable: [OrderOutcome] = []
    /// The readable orders' ids in file order, each once: the orders whose synced invoices apply may change.
    public var orderIDs: [String] = []

    public init() {}

    public var total: Int { new + unchanged + changed + unreadable.count }
}

/// What the transform decided for the orders about to sync.
public struct StagingReport: Sendable {
    public var items: [SyncItem] = []
    public var excluded: [(orderID: String, reason: String)] = []
    /// How many of `excluded` were already excluded, for the same reason, before this run.
    public var excludedAsBefore: Set<String> = []
    public var failed: [(orderID: String, message: String)] = []
    /// Orders whose invoice SQL Account already has (changes to them are `plan`'s business).
    public var alreadyCreated: [String] = []
    public var warnings = 0
}

/// Orders file → state store → staged documents: the part of `apply` before anything is sent.
public enum Staging {
    static let sequencePrefix = "invoice_number:"
    static let creditNoteSequencePrefix = "credit_note_number:"

    /// Imports every readable order; re-importing the same order changes nothing. Orders are recorded a chunk of
    /// 256 per transaction: a file of 100,000 orders is 400 commits, not 100,000.
    public static func importOrders(from source: OrderSource, into store: StateStore) throws -> ImportReport {
        var report = ImportReport()
        var seen: Set<String> = []
        var chunk: [OrderImport] = []
        func importChunk() throws {
            guard !chunk.isEmpty else { return }
            for result in try store.importOrders(chunk) {
                switch result {
                case .new: report.new += 1
                case .unchanged: report.unchanged += 1
                case .changed: report.changed += 1
                }
            }
            chunk.removeAll(keepingCapacity: true)
        }
        try source.forEach { record in
            switch record.result {
            case .success(let order):
                if seen.insert(order.id).inserted { report.orderIDs.append(order.id) }
                let raw = record.raw.map { JSONWriter.compactString($0) } ?? "{}"
                chunk.append(OrderImport(id: order.id, store: order.store, channel: order.channel.rawValue, orderNumber: order.orderNumber, rawJSON: raw,
                                         orderedOn: order.dates.ordered.localDate(utcOffsetSeconds: 8 * 3600).description))
                if chunk.count == 256 { try importChunk() }
            case .failure(let failure):
                report.unreadable.append(.failed(failure.orderID, failure.diagnostics, source: record.location))
            }
        }
        try importChunk()
        return report
    }

    /// Transforms `orders` from their stored JSON (with the operator's edits) and records each decision.
    /// Custom invoice numbers continue the stored sequence, and an order keeps a number it was given before.
    public static func stage(_ orders: [StoredOrder], graph: TransformGraph, options: TransformOptions, store: StateStore) throws -> StagingReport {
        var report = StagingReport()
        var session = try session(for: orders, store: store)
        for stored in orders {
            let outcome = transform(stored, graph: graph, options: options, session: &session).outcome
            try record(outcome, for: stored, graph: graph, store: store, into: &report)
        }
        try store.advanceSequences(prefix: sequencePrefix, to: session.nextCustomNumber)
        return report
    }

    /// A transform session that continues the stored custom-number sequences and gives each of `orders` back the
    /// number it was given before.
    static func session(for orders: [StoredOrder], store: StateStore) throws -> TransformSession {
        var session = TransformSession()
        session.nextCustomNumber = try store.sequences(prefix: sequencePrefix)
        for order in orders {
            if let document = try store.document(orderID: order.id),
               let docno = (try? JSONParser.parse(document.payloadJSON))?["docno"]?.stringValue, !docno.isEmpty {
                session.assignedCustomNumbers[order.id] = docno
            }
        }
        return session
    }

    /// One stored order through the compiled graph: the outcome, and the decoded order when it could be read.
    static func transform(_ stored: StoredOrder, graph: TransformGraph, options: TransformOptions,
                          session: inout TransformSession) -> (outcome: OrderOutcome, order: Order?) {
        let location = SourceLocation(file: "state store order \(stored.id)")
        switch Result(catching: { try JSONParser.parse(stored.rawJSON) }) {
        case .success(let value):
            switch OrderDecoder().decode(value, at: location) {
            case .success(let order): return (graph.run(order, source: location, options: options, session: &session), order)
            case .failure(let failure): return (.failed(stored.id, failure.diagnostics, source: location), nil)
            }
        case .failure(let error):
            return (.failed(stored.id, [.error("the stored order is not valid JSON (\(error)); import it again", code: "invalid-json")], source: location), nil)
        }
    }

    /// Records what the transform decided for an order that is not yet in SQL Accounting: a document to send
    /// (with the operator's edits), an exclusion, or a failure.
    static func record(_ outcome: OrderOutcome, for stored: StoredOrder, graph: TransformGraph, store: StateStore,
                       into report: inout StagingReport) throws {
        report.warnings += outcome.warnings.count
        let staged: StagedOutcome
        var payload = JSONObject()
        switch outcome.kind {
        case .excluded:
            staged = .excluded(reason: outcome.reason ?? "excluded by the pack")
        case .error:
            staged = .failed(message: outcome.errors.map(\.message).joined(separator: "; "))
        case .document:
            guard let document = outcome.document else { return }
            payload = document.payload
            let edits = try store.edits(orderID: stored.id)
            let editErrors = PayloadEdits.apply(edits, to: &payload)
            if !editErrors.isEmpty {
                staged = .failed(message: editErrors.joined(separator: "; "))
            } else {
                staged = .document(type: SalesInvoiceDocument.type, idempotencyKey: document.idempotencyKey,
                                   payloadJSON: JSONWriter.compactString(.object(payload)))
            }
        }
        switch try store.stage(orderID: stored.id, staged) {
        case .staged(let documentID):
            if case .document(_, let key, _) = staged {
                var writeBack = true
                if case .bool(let flag)? = graph.plan(forStore: stored.store)?.settings.layer[.writeBackInvoiceNumber]?.value { writeBack = flag }
                report.items.append(SyncItem(documentID: documentID, orderID: stored.id, idempotencyKey: key, payload: payload, writeBackDocno: writeBack))
            }
        case .alreadyCreated:
            report.alreadyCreated.append(stored.id)
        case .excluded:
            let reason = outcome.reason ?? "excluded by the pack"
            report.excluded.append((stored.id, reason))
            if stored.status == .excluded && stored.excludedReason == reason { report.excludedAsBefore.insert(stored.id) }
        case .failed, .keyConflict:
            report.failed.append((stored.id, try store.order(stored.id)?.lastError ?? "failed"))
        }
    }
}

extension Staging {
    /// Records a saved plan's decisions exactly as planned: its creates with the plan's own payloads, its errors
    /// and exclusions, and moves the custom invoice-number sequences past the numbers its creates carry. Updates
    /// and cancels are carried out by `ChangeExecutor`.
    public static func stage(_ plan: Plan, store: StateStore) throws -> StagingReport {
        var report = StagingReport()
        // A return's credit note or refund is staged by `ApplyPipeline.stageReturns`, never as the order's invoice.
        for entry in plan.entries where !Plan.isReturnDocument(entry.documentType) {
            switch entry.action {
            case .create:
                guard let payload = entry.payload, let key = entry.idempotencyKey else { continue }
                let json = JSONWriter.compactString(.object(payload))
                switch try store.stage(orderID: entry.orderID, .document(type: entry.documentType, idempotencyKey: key, payloadJSON: json)) {
                case .staged(let documentID):
                    report.items.append(SyncItem(documentID: documentID, orderID: entry.orderID, idempotencyKey: key, payload: payload))
                case .alreadyCreated:
                    report.alreadyCreated.append(entry.orderID)
                case .failed, .keyConflict, .excluded:
                    report.failed.append((entry.orderID, try store.order(entry.orderID)?.lastError ?? "failed"))
                }
            case .error:
                let message = entry.reason ?? "failed in the plan"
                if try store.order(entry.orderID) != nil { try store.stage(orderID: entry.orderID, .failed(message: message)) }
                report.failed.append((entry.orderID, message))
            case .update, .cancel, .unchanged:
                break
            }
        }
        for (orderID, reason) in plan.excluded where try store.order(orderID) != nil {
            let before = try store.order(orderID)
            if case .excluded = try store.stage(orderID: orderID, .excluded(reason: reason)) {
                report.excluded.append((orderID, reason))
                if before?.status == .excluded && before?.excludedReason == reason { report.excludedAsBefore.insert(orderID) }
            }
        }
        try store.advanceSequences(prefix: sequencePrefix, to: plan.sequences)
        return report
    }
}

