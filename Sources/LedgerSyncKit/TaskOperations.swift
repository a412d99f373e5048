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
    // MARK: edit

    /// Records edits of a failed order's editable invoice fields (`--set FIELD=VALUE`, `--unset FIELD`); they
    /// are applied to the invoice on every retry.
    public static func tasksEdit(packDirectory: String, statePath: String?, taskID: Int64, orderID: String, sets: [String], unsets: [String],
                                 console: Console) -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, quietWarnings: true) else { return ExitStatus.failure }
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        let policy = graph.pack.editPolicy
        let editable = policy.editable.map(\.value)
        let allowedAt = policy.editable.first?.origin.location?.fileAndLine ?? "the pack's edit_policy.editable"

        var problems: [String] = []
        var edits: [(field: String, value: String)] = []
        for assignment in sets {
            guard let equals = assignment.firstIndex(of: "=") else {
                problems.append("--set '\(assignment)' needs FIELD=VALUE, e.g. --set agent=ALI or --set 'sdsdocdetail[1].itemcode=CHAIR-01'")
                continue
            }
            let field = String(assignment[..<equals]).trimmingCharacters(in: .whitespaces)
            let value = String(assignment[assignment.index(after: equals)...])
            if let problem = editProblem(field, editable: editable, allowedAt: allowedAt) { problems.append(problem) } else { edits.append((field, value)) }
        }
        for field in unsets where FieldPath(field) == nil {
            problems.append("--unset '\(field)' names no invoice field; write it like agent or sdsdocdetail[2].itemcode")
        }
        guard problems.isEmpty else {
            console.err(problems.joined(separator: "\n") + "\n")
            return ExitStatus.failure
        }
        do {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks edit \(taskID) \(orderID)", wait: true) { holder in
                console.err("waiting: \(holder) is syncing with \(state.path)\n")
            }
            defer { lock.release() }
            guard let order = try state.order(orderID) else { throw StateStoreError.unknownOrder(orderID) }
            guard order.taskID == taskID else { throw StateStoreError.notInTask(orderID: orderID, taskID: taskID) }
            guard order.status == .failed else {
                console.err("order '\(orderID)' is \(order.status.rawValue), not failed; only a failed order's fields can be edited before a retry\n")
                return ExitStatus.failure
            }
            let payload = try state.document(orderID: orderID).flatMap { (try? JSONParser.parse($0.payloadJSON))?.objectValue }
            let removed = try state.removeEdits(orderID: orderID, fields: unsets)
            try state.setEdits(orderID: orderID, edits)
            for edit in edits {
                let before = payload.flatMap { currentValue(edit.field, in: $0) }.map { "'\($0)'" } ?? "(built by the pack)"
                console.out("\(orderID): \(edit.field) \(before) → '\(edit.value)'\n")
            }
            if removed > 0 { console.out("\(orderID): \(removed) earlier edit\(removed == 1 ? "" : "s") removed\n") }
            let current = try state.edits(orderID: orderID)
            console.out("\(current.count) edit\(current.count == 1 ? "" : "s") on \(orderID); they apply when it is retried: ledgersync tasks retry \(taskID)\n")
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

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

    // MARK: remove

    /// Takes orders out of a task; they return to pending and sync with the next apply.
    public static func tasksRemove(statePath: String?, taskID: Int64, orderIDs: [String], console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks remove \(taskID)", wait: true) { holder in
                console.err("waiting: \(holder) is syncing with \(state.path)\n")
            }
            defer { lock.release() }
            try state.removeFromTask(taskID, orderIDs: orderIDs)
            console.out("removed \(orderIDs.count) order\(orderIDs.count == 1 ? "" : "s") from task \(taskID): \(orderIDs.joined(separator: ", ")); pending again, they sync with the next apply\n")
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    // MARK: delete

    /// Deletes a task: its orders return to pending. With `cancelRemote`, first cancels in SQL Accounting every
    /// invoice the task created (so the next apply creates them afresh); without it, those invoices stay and the
    /// next apply adopts them by docref1 instead of creating them again.
    public static func tasksDelete(packDirectory: String, statePath: String?, taskID: Int64, cancelRemote: Bool, endpoint: String?,
                                   console: Console, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        var client: SQLAccountClient?
        if cancelRemote {
            guard let graph = compilePack(packDirectory, console: console, quietWarnings: true) else { return ExitStatus.failure }
            guard let profile = graph.pack.profile else {
                console.err("pack '\(packDirectory)' has no profile; --cancel-remote needs the client pack's connection\n")
                return ExitStatus.failure
            }
            do {
                var made = try Workflows.client(for: profile.connection, endpoint: endpoint, environment: environment)
                made.retryPolicy = syncRetryPolicy(environment: environment)
                client = made
            } catch {
                console.err("\(error)\n")
                return ExitStatus.failure
            }
        }
        do {
            let lock = try StateLock.acquire(statePath: state.path, command: "ledgersync tasks delete \(taskID)", wait: true) { holder in
                console.err("waiting: \(holder) is syncing with \(state.path)\n")
            }
            defer { lock.release() }
            guard try state.task(taskID) != nil else { throw StateStoreError.unknownTask(taskID) }
            let orders = try state.orders(taskID: taskID)
            let created = try orders.compactMap { try state.document(orderID: $0.id) }.filter { $0.state == .created }
            if let client {
                var failures: [String] = []
                for document in created {
                    if let problem = await cancelRemotely(document, client: client, state: state, taskID: taskID) {
                        failures.append("  ! \(document.orderID) (\(document.remoteDocno ?? "dockey \(document.remoteDockey ?? 0)")): \(problem)")
                    } else {
                        console.out("  - \(document.orderID): cancelled \(document.remoteDocno ?? "dockey \(document.remoteDockey ?? 0)") in SQL Accounting\n")
                    }
                }
                guard failures.isEmpty else {
                    console.out("could not cancel \(failures.count) of \(created.count) invoices, so task \(taskID) was kept:\n" + failures.joined(separator: "\n") + "\n")
                    return ExitStatus.failure
                }
            }
            try state.deleteTask(taskID)
            var message = "deleted task \(taskID): \(orders.filter { $0.status != .excluded }.count) orders are pending again"
            if cancelRemote {
                message += "; \(created.count) invoice\(created.count == 1 ? "" : "s") cancelled in SQL Accounting. Their numbers stay used there: "
                    + "syncing these orders again with the same invoice numbers is refused until the cancelled invoices are deleted in SQL Accounting"
            } else if !created.isEmpty {
                message += "; the \(created.count) invoice\(created.count == 1 ? "" : "s") it created stay in SQL Accounting and the next apply adopts them instead of creating them again (use --cancel-remote to cancel them)"
            }
            console.out(message + "\n")
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
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
