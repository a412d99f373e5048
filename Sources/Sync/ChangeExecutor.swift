import Foundation
import LedgerJSON
import Planner
import RulePack
import SQLAccount
import StateStore

/// How an update or cancel of a synced invoice ended.
public enum ChangeOutcome: Sendable, Equatable {
    case updated(docno: String?, fields: Int)
    case cancelled(docno: String?)
    case failed(message: String)
}

/// Carries out a plan's `~` updates and `-` cancels on invoices SQL Account already holds.
///
/// An update is never blind: the invoice is fetched first; fields SQL Accounting changed since the sync that the
/// update would also change stop it (someone edited them there — re-plan with `--refresh`); the body is SQL's
/// own record with only the `update`-policy fields replaced, every kept line carrying its `dtlkey`, and
/// `updatecount` + 1. A conflict (someone saved in between) is fetched and tried once more.
public struct ChangeExecutor: Sendable {
    public let store: StateStore
    public let client: SQLAccountClient
    public let editPolicy: EditPolicy

    public init(store: StateStore, client: SQLAccountClient, editPolicy: EditPolicy) {
        self.store = store
        self.client = client
        self.editPolicy = editPolicy
    }

    public func run(_ entry: PlanEntry, taskID: Int64?) async -> ChangeOutcome {
        guard let documentID = entry.documentID, let dockey = entry.remoteDockey else {
            return .failed(message: "the plan names no recorded invoice for order \(entry.orderID); run plan again")
        }
        let outcome: ChangeOutcome
        switch entry.action {
        case .update: outcome = await update(entry, documentID: documentID, dockey: dockey, taskID: taskID, retryOnConflict: true)
        case .cancel: outcome = await cancel(entry, documentID: documentID, dockey: dockey, taskID: taskID)
        default: return .failed(message: "not an update or a cancel")
        }
        if case .failed(let message) = outcome {
            _ = try? store.transition(documentID: documentID, to: .changeFailed(message: message), taskID: taskID, attempt: nil)
        }
        return outcome
    }

    func update(_ entry: PlanEntry, documentID: Int64, dockey: Int64, taskID: Int64?, retryOnConflict: Bool) async -> ChangeOutcome {
        let resource = SQLAccountResource(entry.documentType)
        let path = "/\(resource)/\(dockey)"
        guard let desired = entry.payload else { return .failed(message: "the plan holds no invoice for order \(entry.orderID)") }
        do {
            guard let current = try await client.get(resource, dockey: Int(dockey)) else {
                return .failed(message: "invoice \(entry.remoteDocno ?? "dockey \(dockey)") is no longer in SQL Account (deleted there?); run `ledgersync plan --refresh`")
            }
            if current.cancelled == true {
                return .failed(message: "invoice \(entry.remoteDocno ?? "dockey \(dockey)") was cancelled in SQL Accounting; it is not updated")
            }
            // What SQL Accounting changed since the sync, against what was recorded when it was sent.
            let recorded = (try? store.document(documentID)).flatMap { ($0.flatMap { try? JSONParser.parse($0.payloadJSON) })?.objectValue } ?? JSONObject()
            let drift = PayloadDiff.changes(from: recorded, to: current.object, editPolicy: editPolicy, comparingOnly: recorded)
            let updating = Set(entry.updates.map(\.policyName))
            // A refreshed plan showed the edits it overwrites; anything it did not show stops the update.
            let shown = entry.drift
            let clashes = drift.filter { change in
                updating.contains(change.policyName) && !PayloadDiff.same(change.new, desiredValue(at: change.path, in: desired))
                    && !shown.contains { $0.path == change.path && PayloadDiff.same($0.new, change.new) }
            }
            if !clashes.isEmpty {
                let fields = clashes.map { "\($0.path) (recorded \(show($0.old)), now \(show($0.new)))" }.joined(separator: ", ")
                return .failed(message: "SQL Accounting's copy was edited since it was synced — \(fields) — and this update would overwrite it; run `ledgersync plan --refresh` and decide")
            }
            let body = Self.updateBody(current: current.object, desired: desired, editPolicy: editPolicy)
            let answer = try await client.update(resource, dockey: Int(dockey), body: body)
            let count = answer.updatecount ?? Self.int(body["updatecount"])
            try store.transition(documentID: documentID, to: .updated(payloadJSON: JSONWriter.compactString(.object(desired)), updatecount: count), taskID: taskID,
                                 attempt: AttemptRecord(method: "PUT", path: path, summary: entry.updates.map(\.path).joined(separator: ", "),
                                                        responseStatus: 200, responseSummary: SyncEngine.summary(of: answer), outcome: .updated))
            return .updated(docno: answer.docno ?? entry.remoteDocno, fields: entry.updates.count)
        } catch let error as SQLAccountError {
            _ = try? store.transition(documentID: documentID, to: .changeFailed(message: error.message), taskID: taskID,
                                      attempt: AttemptRecord(method: "PUT", path: path, summary: "update", responseStatus: error.status, responseSummary: error.message, outcome: .failed))
            if case .conflict = error, retryOnConflict {
                return await update(entry, documentID: documentID, dockey: dockey, taskID: taskID, retryOnConflict: false)
            }
            if error.isAmbiguous {
                return .failed(message: "the update's answer was lost (\(error.message)); the next plan compares again and shows whether it was saved")
            }
            return .failed(message: error.message)
        } catch {
            return .failed(message: "\(error)")
        }
    }

    func cancel(_ entry: PlanEntry, documentID: Int64, dockey: Int64, taskID: Int64?) async -> ChangeOutcome {
        await Self.cancel(documentID: documentID, type: entry.documentType, dockey: dockey, docno: entry.remoteDocno, client: client, store: store,
                          taskID: taskID, leaving: .cancelledWithOrder(reason: entry.reason ?? "the order was cancelled"))
    }

    /// Cancels one invoice the way SQL does it (the fetched record, `cancelled: true`, `updatecount` + 1) and moves
    /// its document to `transition`. One already cancelled, or gone, in SQL Accounting counts as done.
    public static func cancel(documentID: Int64, type: String, dockey: Int64, docno: String?, client: SQLAccountClient, store: StateStore,
                              taskID: Int64?, leaving transition: DocumentTransition) async -> ChangeOutcome {
        let resource = SQLAccountResource(type)
        let path = "/\(resource)/\(dockey)"
        do {
            guard let current = try await client.get(resource, dockey: Int(dockey)) else {
                try store.transition(documentID: documentID, to: transition, taskID: taskID,
                                     attempt: AttemptRecord(method: "GET", path: path, summary: "before cancelling", responseStatus: 404,
                                                            responseSummary: "not in SQL Account any more", outcome: .failed))
                return .cancelled(docno: docno)
            }
            if current.cancelled == true {
                try store.transition(documentID: documentID, to: transition, taskID: taskID,
                                     attempt: AttemptRecord(method: "GET", path: path, summary: "before cancelling", responseStatus: 200,
                                                            responseSummary: "already cancelled in SQL Account", outcome: .updated))
            } else {
                let answer = try await client.cancel(resource, dockey: Int(dockey), current: current)
                try store.transition(documentID: documentID, to: transition, taskID: taskID,
                                     attempt: AttemptRecord(method: "PUT", path: path, summary: "cancelled: true, updatecount \((current.updatecount ?? 0) + 1)",
                                                            responseStatus: 200, responseSummary: SyncEngine.summary(of: answer), outcome: .updated))
            }
            return .cancelled(docno: current.docno ?? docno)
        } catch let error as SQLAccountError {
            _ = try? store.transition(documentID: documentID, to: .changeFailed(message: error.message), taskID: taskID,
                                      attempt: AttemptRecord(method: "PUT", path: path, summary: "cancel", responseStatus: error.status, responseSummary: error.message, outcome: .failed))
            return .failed(message: error.message)
        } catch {
            return .failed(message: "\(error)")
        }
    }

    /// SQL's record with the `update`-policy fields of `desired`; lines paired like the plan pairs them, each kept
    /// line with its `dtlkey` (and SQL's values for its non-`update` fields), new lines without one (inserted),
    /// lines no longer wanted left out (deleted); `updatecount` + 1.
    public static func updateBody(current: JSONObject, desired: JSONObject, editPolicy: EditPolicy) -> JSONObject {
        var body = current
        for key in desired.keys where key != PayloadDiff.linesKey && !PayloadDiff.serverFields.contains(key) {
            if editPolicy.policy(for: key) == .update { body[key] = desired[key] }
        }
        let currentLines = current[PayloadDiff.linesKey]?.arrayValue?.compactMap(\.objectValue) ?? []
        let desiredLines = desired[PayloadDiff.linesKey]?.arrayValue?.compactMap(\.objectValue) ?? []
        var lines: [JSONValue] = []
        for pair in PayloadDiff.pairLines(currentLines, desiredLines) {
            guard var line = pair.new else { continue }
            if let existing = pair.old {
                for field in existing.keys where field != "dtlkey" && editPolicy.policy(for: "\(PayloadDiff.linesKey).\(field)") != .update {
                    line[field] = existing[field]
                }
                if let dtlkey = existing["dtlkey"] { line["dtlkey"] = dtlkey }
            }
            lines.append(.object(line))
        }
        body[PayloadDiff.linesKey] = .array(lines)
        body["updatecount"] = .int((int(current["updatecount"]) ?? 0) + 1)
        return body
    }

    static func int(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let text)?, .string(let text)?: return Int(text)
        default: return nil
        }
    }

    func desiredValue(at path: String, in payload: JSONObject) -> JSONValue? {
        guard path.hasPrefix(PayloadDiff.linesKey + "[") else { return payload[path] }
        return nil
    }

    func show(_ value: JSONValue?) -> String { value.map { JSONWriter.compactString($0) } ?? "(none)" }
}
