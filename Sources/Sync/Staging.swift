import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
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

    /// Imports every readable order; re-importing the same order changes nothing.
    public static func importOrders(from source: OrderSource, into store: StateStore) throws -> ImportReport {
        var report = ImportReport()
        try source.forEach { record in
            switch record.result {
            case .success(let order):
                let raw = record.raw.map { JSONWriter.compactString($0) } ?? "{}"
                switch try store.importOrder(id: order.id, store: order.store, channel: order.channel.rawValue, orderNumber: order.orderNumber, rawJSON: raw) {
                case .new: report.new += 1
                case .unchanged: report.unchanged += 1
                case .changed: report.changed += 1
                }
            case .failure(let failure):
                report.unreadable.append(.failed(failure.orderID, failure.diagnostics, source: record.location))
            }
        }
        return report
    }

    /// Transforms `orders` from their stored JSON (with the operator's edits) and records each decision.
    /// Custom invoice numbers continue the stored sequence, and an order keeps a number it was given before.
    public static func stage(_ orders: [StoredOrder], graph: TransformGraph, options: TransformOptions, store: StateStore) throws -> StagingReport {
        var report = StagingReport()
        var session = TransformSession()
        session.nextCustomNumber = try store.sequences(prefix: sequencePrefix)
        for order in orders {
            if let document = try store.document(orderID: order.id),
               let docno = (try? JSONParser.parse(document.payloadJSON))?["docno"]?.stringValue, !docno.isEmpty {
                session.assignedCustomNumbers[order.id] = docno
            }
        }
        let decoder = OrderDecoder()
        for stored in orders {
            let location = SourceLocation(file: "state store order \(stored.id)")
            let outcome: OrderOutcome
            switch Result(catching: { try JSONParser.parse(stored.rawJSON) }) {
            case .success(let value):
                switch decoder.decode(value, at: location) {
                case .success(let order): outcome = graph.run(order, source: location, options: options, session: &session)
                case .failure(let failure): outcome = .failed(stored.id, failure.diagnostics, source: location)
                }
            case .failure(let error):
                outcome = .failed(stored.id, [.error("the stored order is not valid JSON (\(error)); import it again", code: "invalid-json")], source: location)
            }
            report.warnings += outcome.warnings.count
            let staged: StagedOutcome
            switch outcome.kind {
            case .excluded:
                staged = .excluded(reason: outcome.reason ?? "excluded by the pack")
            case .error:
                staged = .failed(message: outcome.errors.map(\.message).joined(separator: "; "))
            case .document:
                guard let document = outcome.document else { continue }
                var payload = document.payload
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
                if case .document(_, let key, let json) = staged, case .object(let payload)? = try? JSONParser.parse(json) {
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
        try store.advanceSequences(prefix: sequencePrefix, to: session.nextCustomNumber)
        return report
    }
}

/// Operator edits (`tasks edit`) applied to a built invoice: `agent`, `description`, `sdsdocdetail[2].itemcode`…
public enum PayloadEdits {
    /// Applies `edits`; returns what could not be applied (a line that no longer exists).
    public static func apply(_ edits: [OrderEdit], to payload: inout JSONObject) -> [String] {
        var problems: [String] = []
        for edit in edits {
            guard let target = FieldPath(edit.field) else {
                problems.append("the edit of '\(edit.field)' names no invoice field; remove it with `ledgersync tasks edit --unset \(edit.field)`")
                continue
            }
            if let line = target.line {
                guard var lines = payload["sdsdocdetail"]?.arrayValue, line >= 1, line <= lines.count, var row = lines[line - 1].objectValue else {
                    problems.append("the edit of '\(edit.field)' names line \(target.line ?? 0), but the invoice has \(payload["sdsdocdetail"]?.arrayValue?.count ?? 0) lines now")
                    continue
                }
                row[target.field] = value(edit.value, like: row[target.field])
                lines[line - 1] = .object(row)
                payload["sdsdocdetail"] = .array(lines)
            } else {
                payload[target.field] = value(edit.value, like: payload[target.field])
            }
        }
        return problems
    }

    /// Numbers stay numbers: an edited `qty` of "2" is sent as 2 when the field held a number.
    static func value(_ text: String, like current: JSONValue?) -> JSONValue {
        if case .number? = current, Decimal(string: text) != nil, text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return .number(text) }
        return .string(text)
    }
}

/// `agent` or `sdsdocdetail[2].itemcode` (lines counted from 1).
public struct FieldPath: Equatable, Sendable {
    public var field: String
    public var line: Int?

    public init?(_ text: String) {
        if text.hasPrefix("sdsdocdetail[") {
            let rest = text.dropFirst("sdsdocdetail[".count)
            guard let close = rest.firstIndex(of: "]"), let line = Int(rest[..<close]), line >= 1 else { return nil }
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix("."), after.count > 1 else { return nil }
            field = String(after.dropFirst())
            self.line = line
        } else {
            guard !text.isEmpty, !text.contains("."), !text.contains("[") else { return nil }
            field = text
            line = nil
        }
    }

    /// The `edit_policy` name of the field: `sdsdocdetail.itemcode` for any line.
    public var policyName: String { line == nil ? field : "sdsdocdetail.\(field)" }
}
