import Foundation
import LedgerCore
import LedgerJSON
import Planner
import RulePack
import SQLAccount
import StateStore
import Sync

/// The task operations that change state: `tasks edit`, `tasks remove`, `tasks delete [--cancel-remote]`
/// (`tasks retry` is `apply` limited to one task). Each takes the apply lock, so none runs under a sync.
extension Workflows {
    /// Records edits of a failed order's editable invoice fields (`--set FIELD=VALUE`, `--unset FIELD`); they
    /// are applied to the invoice on every retry.
    public static func tasksEdit(packDirectory: String, statePath: String?, taskID: Int64, orderID: String, sets: [String], unsets: [String],
                                 console: Console) -> Int32 {
        respond(format: .text, console: console, render: TaskOperationRendering.render) {
            try TaskOperations.edit(TaskEditRequest(packDirectory: packDirectory, statePath: statePath, taskID: taskID, orderID: orderID,
                                                    sets: sets, unsets: unsets), waiting: lockWaitReporter(console))
        }
    }

    /// Takes orders out of a task; they return to pending and sync with the next apply.
    public static func tasksRemove(statePath: String?, taskID: Int64, orderIDs: [String], console: Console) -> Int32 {
        respond(format: .text, console: console, render: TaskOperationRendering.render) {
            try TaskOperations.remove(statePath: statePath, taskID: taskID, orderIDs: orderIDs, waiting: lockWaitReporter(console))
        }
    }

    /// Deletes a task: its orders return to pending. With `cancelRemote`, first cancels in SQL Accounting every
    /// invoice the task created (so the next apply creates them afresh); without it, those invoices stay and the
    /// next apply adopts them by docref1 instead of creating them again.
    public static func tasksDelete(packDirectory: String, statePath: String?, taskID: Int64, cancelRemote: Bool, endpoint: String?,
                                   console: Console, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        await respond(format: .text, console: console, render: TaskOperationRendering.render) {
            try await TaskOperations.delete(TaskDeleteRequest(packDirectory: packDirectory, statePath: statePath, taskID: taskID,
                                                              cancelRemote: cancelRemote, endpoint: endpoint),
                                            environment: environment, waiting: lockWaitReporter(console))
        }
    }

    /// Says on stderr that another command holds the state store, while this one waits for it.
    static func lockWaitReporter(_ console: Console) -> LockWaiting {
        { holder, statePath in console.err("waiting: \(holder) is syncing with \(statePath)\n") }
    }
}

/// Called while a command waits for the apply lock: who holds it, and the state store's path.
public typealias LockWaiting = (_ holder: StateLock.Holder, _ statePath: String) -> Void

public struct TaskEditRequest: Sendable {
    public var packDirectory: String
    public var statePath: String?
    public var taskID: Int64
    public var orderID: String
    /// `FIELD=VALUE` as typed after `--set`.
    public var sets: [String]
    public var unsets: [String]

    public init(packDirectory: String, statePath: String?, taskID: Int64, orderID: String, sets: [String], unsets: [String]) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.taskID = taskID
        self.orderID = orderID
        self.sets = sets
        self.unsets = unsets
    }
}

/// The edits recorded on a failed order: each field's invoice value before and its new value.
public struct TaskEdit: CommandResult {
    public struct Change: Sendable, Equatable {
        public var field: String
        /// What the staged invoice holds now; nil when the pack builds it.
        public var before: String?
        public var value: String
    }

    public var taskID: Int64
    public var orderID: String
    public var changes: [Change]
    /// Earlier edits `--unset` took away.
    public var removed: Int
    /// Edits on the order now, all of which apply on its retry.
    public var editCount: Int
    public var exitStatus: Int32 { ExitStatus.success }
}

public struct TaskRemoval: CommandResult {
    public var taskID: Int64
    public var orderIDs: [String]
    public var exitStatus: Int32 { ExitStatus.success }
}

public struct TaskDeleteRequest: Sendable {
    public var packDirectory: String
    public var statePath: String?
    public var taskID: Int64
    public var cancelRemote: Bool
    public var endpoint: String?

    public init(packDirectory: String, statePath: String?, taskID: Int64, cancelRemote: Bool, endpoint: String?) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.taskID = taskID
        self.cancelRemote = cancelRemote
        self.endpoint = endpoint
    }
}

/// `tasks delete`: the task is gone, or (when an invoice could not be cancelled) kept with why.
public struct TaskDeletion: CommandResult {
    public struct Cancellation: Sendable, Equatable {
        public var orderID: String
        /// The invoice's docno, or `dockey N` when no docno was written back.
        public var invoice: String
        /// Why SQL Accounting did not cancel it; nil when it did.
        public var problem: String?
    }

    public var taskID: Int64
    public var kind: TaskKind = .invoices
    public var cancelRemote: Bool
    /// Invoices the task created in SQL Accounting.
    public var createdInvoices: Int
    /// A receipt task's receipts SQL Accounting holds, which the next `payments apply` looks up again.
    public var receiptsInSQL = 0
    /// With `--cancel-remote`, every invoice tried, in order.
    public var cancellations: [Cancellation]
    /// The orders that are pending again (excluded ones stay excluded).
    public var pendingAgain: Int
    public var deleted: Bool
    public var exitStatus: Int32 { deleted ? ExitStatus.success : ExitStatus.failure }
}

/// The use cases behind `tasks edit|remove|delete`.
public enum TaskOperations {
    public static func edit(_ request: TaskEditRequest, waiting: @escaping LockWaiting = { _, _ in }) throws(CommandFailure) -> TaskEdit {
        let graph = try PackUseCases.load(request.packDirectory).graph
        let state = try StateViews.openExisting(request.statePath)
        let policy = graph.pack.editPolicy
        let editable = policy.editable.map(\.value)
        let allowedAt = policy.editable.first?.origin.location?.fileAndLine ?? "the pack's edit_policy.editable"
        let (orderID, taskID) = (request.orderID, request.taskID)

        var problems: [String] = []
        var edits: [(field: String, value: String)] = []
        for assignment in request.sets {
            guard let equals = assignment.firstIndex(of: "=") else {
                problems.append("--set '\(assignment)' needs FIELD=VALUE, e.g. --set agent=ALI or --set 'sdsdocdetail[1].itemcode=CHAIR-01'")
                continue
            }
            let field = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(assignment[assignment.index(after: equals)...])
            if let problem = Workflows.editProblem(field, editable: editable, allowedAt: allowedAt) ?? Workflows.lengthProblem(field, value) {
                problems.append(problem)
            } else {
                edits.append((field, value))
            }
        }
        for field in request.unsets where FieldPath(field) == nil {
            problems.append("--unset '\(field)' names no invoice field; write it like agent or sdsdocdetail[2].itemcode")
        }
        guard problems.isEmpty else { throw .message(problems.joined(separator: "\n")) }
        return try reporting {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks edit \(taskID) \(orderID)", wait: true) { holder in
                waiting(holder, state.path)
            }
            defer { lock.release() }
            if let task = try state.task(taskID)?.task, task.kind != .invoices {
                throw task.kind == .receipts ? StateStoreError.receiptTask(taskID, operation: .edit) : StateStoreError.returnTask(taskID, operation: .edit)
            }
            guard let order = try state.order(orderID) else { throw StateStoreError.unknownOrder(orderID) }
            guard order.taskID == taskID else { throw StateStoreError.notInTask(orderID: orderID, taskID: taskID) }
            guard order.status == .failed else {
                throw CommandFailure.message("order '\(orderID)' is \(order.status.rawValue), not failed; only a failed order's fields can be edited before a retry")
            }
            let payload = try state.document(orderID: orderID).flatMap { (try? JSONParser.parse($0.payloadJSON))?.objectValue }
            let removed = try state.removeEdits(orderID: orderID, fields: request.unsets)
            try state.setEdits(orderID: orderID, edits)
            let changes = edits.map { edit in
                TaskEdit.Change(field: edit.field, before: payload.flatMap { Workflows.currentValue(edit.field, in: $0) }, value: edit.value)
            }
            return TaskEdit(taskID: taskID, orderID: orderID, changes: changes, removed: removed, editCount: try state.edits(orderID: orderID).count)
        }
    }

    public static func remove(statePath: String?, taskID: Int64, orderIDs: [String],
                              waiting: @escaping LockWaiting = { _, _ in }) throws(CommandFailure) -> TaskRemoval {
        let state = try StateViews.openExisting(statePath)
        return try reporting {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks remove \(taskID)", wait: true) { holder in
                waiting(holder, state.path)
            }
            defer { lock.release() }
            try state.removeFromTask(taskID, orderIDs: orderIDs)
            return TaskRemoval(taskID: taskID, orderIDs: orderIDs)
        }
    }

    public static func delete(_ request: TaskDeleteRequest, environment: [String: String] = ProcessInfo.processInfo.environment,
                              waiting: @escaping LockWaiting = { _, _ in }) async throws(CommandFailure) -> TaskDeletion {
        let state = try StateViews.openExisting(request.statePath)
        let taskID = request.taskID
        let kind = try reporting { try state.task(taskID)?.task.kind }
        if kind == .receipts && request.cancelRemote { throw .message(StateStoreError.receiptTask(taskID, operation: .cancelRemote).description) }
        if kind == .returns && request.cancelRemote { throw .message(StateStoreError.returnTask(taskID, operation: .cancelRemote).description) }
        var client: SQLAccountClient?
        var einvoice: EInvoiceSettings?
        if request.cancelRemote {
            let graph = try PackUseCases.load(request.packDirectory).graph
            einvoice = graph.pack.einvoice
            guard let profile = graph.pack.profile else {
                throw .message("pack '\(request.packDirectory)' has no profile; --cancel-remote needs the client pack's connection")
            }
            var made = try reporting { try Workflows.client(for: profile.connection, endpoint: request.endpoint, environment: environment) }
            made.retryPolicy = Workflows.syncRetryPolicy(environment: environment)
            client = made
        }
        return try await reporting {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks delete \(taskID)", wait: true) { holder in
                waiting(holder, state.path)
            }
            defer { lock.release() }
            guard let task = try state.task(taskID)?.task else { throw StateStoreError.unknownTask(taskID) }
            if task.kind == .receipts {
                // Under the lock, in case the task was made a receipt task since (ids are reused only after a delete).
                guard !request.cancelRemote else { throw StateStoreError.receiptTask(taskID, operation: .cancelRemote) }
                let inSQL = try state.payments(taskID: taskID).filter { $0.state == .created }.count
                try state.deleteTask(taskID)
                return TaskDeletion(taskID: taskID, kind: .receipts, cancelRemote: false, createdInvoices: 0, receiptsInSQL: inSQL, cancellations: [],
                                    pendingAgain: 0, deleted: true)
            }
            if task.kind == .returns {
                guard !request.cancelRemote else { throw StateStoreError.returnTask(taskID, operation: .cancelRemote) }
                let inSQL = try state.returnDocuments(taskID: taskID).filter { $0.state == .created }.count
                try state.deleteTask(taskID)
                return TaskDeletion(taskID: taskID, kind: .returns, cancelRemote: false, createdInvoices: 0, receiptsInSQL: inSQL, cancellations: [],
                                    pendingAgain: 0, deleted: true)
            }
            let orders = try state.orders(taskID: taskID)
            let created = try orders.compactMap { try state.document(orderID: $0.id) }.filter { $0.state == .created }
            var deletion = TaskDeletion(taskID: taskID, cancelRemote: request.cancelRemote, createdInvoices: created.count, cancellations: [],
                                        pendingAgain: orders.filter { $0.status != .excluded }.count, deleted: false)
            if let client {
                for document in created {
                    // Never asked of SQL Accounting: past the window MyInvois refuses the cancel, and a credit note is the only way.
                    if let refusal = EInvoiceCancelWindow.refusal(of: document, settings: einvoice) {
                        deletion.cancellations.append(TaskDeletion.Cancellation(orderID: document.orderID, invoice: document.remoteDocno ?? "dockey \(document.remoteDockey ?? 0)",
                                                                                problem: "not cancelled: \(refusal); import the order as cancelled or returned and apply, and it is credited"))
                        continue
                    }
                    let problem = await Workflows.cancelRemotely(document, client: client, state: state, taskID: taskID)
                    deletion.cancellations.append(TaskDeletion.Cancellation(orderID: document.orderID,
                                                                            invoice: document.remoteDocno ?? "dockey \(document.remoteDockey ?? 0)", problem: problem))
                }
                // One invoice left standing keeps the task, so its orders still point at what is in SQL Accounting.
                guard deletion.cancellations.allSatisfy({ $0.problem == nil }) else { return deletion }
            }
            try state.deleteTask(taskID)
            deletion.deleted = true
            return deletion
        }
    }
}

/// The task operations' confirmations.
enum TaskOperationRendering {
    static func render(_ edit: TaskEdit) -> Rendered {
        var out = ""
        for change in edit.changes {
            out += "\(edit.orderID): \(change.field) \(change.before.map { "'\($0)'" } ?? "(built by the pack)") → '\(change.value)'\n"
        }
        if edit.removed > 0 { out += "\(edit.orderID): \(edit.removed) earlier edit\(edit.removed == 1 ? "" : "s") removed\n" }
        out += "\(edit.editCount) edit\(edit.editCount == 1 ? "" : "s") on \(edit.orderID); they apply when it is retried: ledgersync tasks retry \(edit.taskID)\n"
        return .text(out)
    }

    static func render(_ removal: TaskRemoval) -> Rendered {
        let count = removal.orderIDs.count
        return .text("removed \(count) order\(count == 1 ? "" : "s") from task \(removal.taskID): \(removal.orderIDs.joined(separator: ", ")); pending again, they sync with the next apply\n")
    }

    static func render(_ deletion: TaskDeletion) -> Rendered {
        if deletion.kind == .receipts {
            let count = deletion.receiptsInSQL
            return .text("deleted task \(deletion.taskID) (receipts): \(count) receipt\(count == 1 ? "" : "s") it sent stay\(count == 1 ? "s" : "") in SQL Accounting; the next `ledgersync payments apply` looks each up by docref1 again — adopted if SQL Accounting has it, sent again as it was only if it is gone (deleted or cancelled there by hand)\n")
        }
        if deletion.kind == .returns {
            let count = deletion.receiptsInSQL
            return .text("deleted task \(deletion.taskID) (returns): \(count) credit note\(count == 1 ? "" : "s") and refund\(count == 1 ? "" : "s") it sent stay in SQL Accounting; the next `ledgersync apply` looks each up by docref1 again — adopted if SQL Accounting has it, sent again only if it is gone\n")
        }
        var out = ""
        for cancellation in deletion.cancellations where cancellation.problem == nil {
            out += "  - \(cancellation.orderID): cancelled \(cancellation.invoice) in SQL Accounting\n"
        }
        let failures = deletion.cancellations.compactMap { cancellation in
            cancellation.problem.map { "  ! \(cancellation.orderID) (\(cancellation.invoice)): \($0)" }
        }
        guard deletion.deleted else {
            out += "could not cancel \(failures.count) of \(deletion.createdInvoices) invoices, so task \(deletion.taskID) was kept:\n" + failures.joined(separator: "\n") + "\n"
            return .text(out)
        }
        let created = deletion.createdInvoices
        var message = "deleted task \(deletion.taskID): \(deletion.pendingAgain) orders are pending again"
        if deletion.cancelRemote {
            message += "; \(created) invoice\(created == 1 ? "" : "s") cancelled in SQL Accounting. Their numbers stay used there: "
                + "syncing these orders again with the same invoice numbers is refused until the cancelled invoices are deleted in SQL Accounting"
        } else if created > 0 {
            message += "; the \(created) invoice\(created == 1 ? "" : "s") it created stay in SQL Accounting and the next apply adopts them instead of creating them again (use --cancel-remote to cancel them)"
        }
        return .text(out + message + "\n")
    }
}

extension Workflows {
    /// Why `field` cannot be edited, or nil when it can.
    static func editProblem(_ field: String, editable: [String], allowedAt: String) -> String? {
        guard let path = FieldPath(field) else {
            if field.hasPrefix("sdsdocdetail.") {
                return "'\(field)' needs a line number: write sdsdocdetail[1].\(field.dropFirst("sdsdocdetail.".count)) for the first line"
            }
            return "'\(field)' names no invoice field; write it like agent or sdsdocdetail[2].itemcode"
        }
        guard editable.contains(path.policyName) else {
            var message = "'\(path.policyName)' is not editable; the pack's edit_policy.editable (\(allowedAt)) allows: \(editable.joined(separator: ", "))"
            if let guess = Suggest.closest(to: path.policyName, in: editable) { message += "; did you mean '\(guess)'?" }
            return message
        }
        return nil
    }

    /// Why `value` does not fit the SQL Account column `field` is sent to, or nil when it fits: an edit SQL Account
    /// would refuse is refused here, before the retry.
    static func lengthProblem(_ field: String, _ value: String) -> String? {
        guard let path = FieldPath(field),
              let limit = path.line == nil ? FieldLimits.invoiceHeader(path.field) : FieldLimits.invoiceLine(path.field) else { return nil }
        let length = FieldLimits.length(value)
        guard length > limit.maxLength else { return nil }
        return "--set \(field): '\(value)' is \(length) characters, SQL Account allows \(limit.maxLength) for \(path.policyName); shorten it"
    }

    static func currentValue(_ field: String, in payload: JSONObject) -> String? {
        guard let path = FieldPath(field) else { return nil }
        var value: JSONValue?
        if let line = path.line {
            guard let lines = payload["sdsdocdetail"]?.arrayValue, line <= lines.count else { return nil }
            value = lines[line - 1][path.field]
        } else {
            value = payload[path.field]
        }
        switch value {
        case .string(let text)?, .number(let text)?: return text
        default: return nil
        }
    }

    /// Cancels one created invoice in SQL Accounting; nil when done, else why not.
    static func cancelRemotely(_ document: StoredDocument, client: SQLAccountClient, state: StateStore, taskID: Int64) async -> String? {
        guard let id = document.id, let dockey = document.remoteDockey else { return "no dockey recorded" }
        let outcome = await ChangeExecutor.cancel(documentID: id, type: document.type, dockey: dockey, docno: document.remoteDocno, client: client,
                                                  store: state, taskID: taskID, leaving: .cancelled)
        if case .failed(let message) = outcome { return message }
        return nil
    }
}
