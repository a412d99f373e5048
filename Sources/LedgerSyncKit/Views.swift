import Foundation
import LedgerCore
import LedgerJSON
import Spreadsheets
import StateStore

/// What `orders export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, json
}

/// The read-only views over the state store: `orders list|show|export`, `tasks list|show`.
/// None of them creates a state store, takes the apply lock or changes a row.
extension Workflows {
    /// The statuses `--status` accepts.
    public static let orderStatuses = OrderSyncStatus.allCases.map(\.rawValue)

    // MARK: orders list

    public static func ordersList(statePath: String?, status: String? = nil, store: String? = nil, task: Int64? = nil,
                                  format: OutputFormat, console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let filter = try OrderFilter(status: status, store: store, task: task, state: state)
            let orders = try state.filteredOrders(status: filter.status, store: store, taskID: task)
            if format == .text {
                if !orders.isEmpty { console.out(OrderViews.table(orders, withTask: task == nil)) }
                console.out(OrderViews.countLine(orders, filter: filter.description) + "\n")
            } else {
                console.outJSONDocument(versionedList("orders", orders.map(OrderViews.json)))
            }
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    // MARK: orders show

    public static func orderShow(statePath: String?, orderID: String, format: OutputFormat, console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            guard let order = try state.order(orderID) else {
                var message = "order '\(orderID)' is not in the state store \(state.path)"
                if let guess = Suggest.closest(to: orderID, in: try state.orderIDs()) { message += "; did you mean '\(guess)'?" }
                else { message += "; run `ledgersync orders list` to see the imported orders" }
                console.err(message + "\n")
                return ExitStatus.failure
            }
            let documents = try state.documents(orderID: orderID).map { document in
                (document, try state.attempts(documentID: document.id ?? 0))
            }
            let edits = try state.edits(orderID: orderID)
            if format == .text {
                console.out(OrderViews.detail(order, documents: documents, edits: edits))
            } else {
                var object = JSONObject()
                object.append("format_version", .int(1))
                object.append("order", OrderViews.json(order))
                object.append("documents", .array(documents.map { OrderViews.json($0.0, attempts: $0.1) }))
                object.append("edits", .array(edits.map { edit in
                    .object(["field": .string(edit.field), "value": .string(edit.value), "edited_at": .string(edit.editedAt)])
                }))
                object.append("imported_order", (try? JSONParser.parse(order.rawJSON)) ?? .string(order.rawJSON))
                console.outJSONDocument(.object(object))
            }
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    // MARK: orders export

    /// The order list with the written-back SQL invoice numbers, as CSV or JSON, to `output` (atomically) or stdout.
    public static func ordersExport(statePath: String?, status: String? = nil, store: String? = nil, task: Int64? = nil,
                                    output: String?, format: ExportFormat, console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        let orders: [StoredOrder]
        do {
            let filter = try OrderFilter(status: status, store: store, task: task, state: state)
            orders = try state.filteredOrders(status: filter.status, store: store, taskID: task)
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        let text: String
        do {
            switch format {
            case .csv:
                text = try SpreadsheetWriter.csvText(rows: [OrderViews.exportColumns.map(SheetValue.string)] + orders.map(OrderViews.exportCells),
                                                     displayPath: output ?? "<stdout>")
            case .json:
                let rows: [JSONValue] = orders.map { order in
                    .object(JSONObject(zip(OrderViews.exportColumns, OrderViews.exportValues(order)).map { ($0, $1) }))
                }
                text = JSONWriter.prettyString(.array(rows)) + "\n"
            }
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        guard let output else {
            console.out(text)
            return ExitStatus.success
        }
        do {
            try AtomicFile.write(Array(text.utf8), to: output)
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        console.err("wrote \(orders.count) order\(orders.count == 1 ? "" : "s") to \(output)\n")
        return ExitStatus.success
    }

    // MARK: tasks list

    public static func tasksList(statePath: String?, format: OutputFormat, console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let tasks = try state.tasks()
            if format == .text {
                if tasks.isEmpty {
                    console.out("no tasks yet; `ledgersync apply` creates one for every 150 orders it syncs\n")
                } else {
                    var rows = [["TASK", "CREATED", "FINISHED", "STATUS", "ORDERS", "COMPLETED", "FAILED", "PENDING"]]
                    for summary in tasks {
                        rows.append([String(summary.id), TaskViews.time(summary.task.createdAt), summary.task.finishedAt.map(TaskViews.time) ?? "-",
                                     summary.task.status.rawValue, String(TaskViews.orderCount(summary)), String(summary.count(.completed)),
                                     String(summary.count(.failed)), String(summary.count(.pending))])
                    }
                    console.out(TextTable.render(rows, rightAligned: [0, 4, 5, 6, 7]))
                    console.out("\(tasks.count) task\(tasks.count == 1 ? "" : "s")\n")
                }
            } else {
                console.outJSONDocument(versionedList("tasks", tasks.map(TaskViews.json)))
            }
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    // MARK: tasks show

    public static func taskShow(statePath: String?, taskID: Int64, format: OutputFormat, console: Console) -> Int32 {
        guard let state = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            guard let summary = try state.task(taskID) else { throw StateStoreError.unknownTask(taskID) }
            let orders = try state.filteredOrders(taskID: taskID)
            if format == .text {
                console.out(TaskViews.detail(summary, orders: orders))
            } else {
                var object = JSONObject()
                object.append("format_version", .int(1))
                object.append("task", TaskViews.json(summary))
                object.append("orders", .array(orders.map(OrderViews.json)))
                console.outJSONDocument(.object(object))
            }
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    // MARK: state

    /// Opens the state store only if it exists: a read-only view must never leave an empty store behind.
    /// `{"format_version": 1, "<key>": [...]}`, the shape of every list view's JSON.
    static func versionedList(_ key: String, _ items: [JSONValue]) -> JSONValue {
        .object(["format_version": .int(1), key: .array(items)])
    }

    static func openExistingState(_ given: String?, console: Console) -> StateStore? {
        let path = StateLocation.resolve(given)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            console.err("no state store at \(path); run ledgersync apply first (or pass --state)\n")
            return nil
        }
        guard !isDirectory.boolValue else {
            console.err("\(path) is a folder, not a state store; pass the .sqlite file with --state\n")
            return nil
        }
        do {
            return try StateStore(path: path)
        } catch {
            console.err("cannot read the state store at \(path): \(error)\n")
            return nil
        }
    }
}

/// `--status`, `--store` and `--task`, checked against the store so a typo is an error rather than an empty list.
struct OrderFilter {
    var status: OrderSyncStatus?
    var description: String

    init(status: String?, store: String?, task: Int64?, state: StateStore) throws {
        if let status {
            guard let parsed = OrderSyncStatus(rawValue: status) else {
                throw ViewError("--status must be one of \(Workflows.orderStatuses.joined(separator: ", ")), found '\(status)'")
            }
            self.status = parsed
        }
        if let store {
            let stores = try state.storeNames()
            if !stores.contains(store) {
                var message = "no orders of store '\(store)' are in the state store"
                if let guess = Suggest.closest(to: store, in: stores) { message += "; did you mean '\(guess)'?" }
                throw ViewError(message)
            }
        }
        if let task, try state.task(task) == nil { throw StateStoreError.unknownTask(task) }
        var parts: [String] = []
        if let store { parts.append("store \(store)") }
        if let task { parts.append("task \(task)") }
        description = parts.joined(separator: ", ")
    }
}

struct ViewError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - rendering

enum OrderViews {
    static let exportColumns = ["order_id", "order_number", "store", "channel", "status", "sql_docno", "sql_dockey", "task_id", "error", "updated_at"]

    /// last_error for a failed order, the exclusion reason for an excluded one.
    static func problem(_ order: StoredOrder) -> String? {
        switch order.status {
        case .failed: return order.lastError
        case .excluded: return order.excludedReason
        default: return order.lastError ?? order.excludedReason
        }
    }

    static func exportValues(_ order: StoredOrder) -> [JSONValue] {
        [.string(order.id), .string(order.orderNumber), .string(order.store), .string(order.channel), .string(order.status.rawValue),
         order.sqlDocno.map { .string($0) } ?? .null, order.sqlDockey.map { .number(String($0)) } ?? .null,
         order.taskID.map { .number(String($0)) } ?? .null, problem(order).map { .string($0) } ?? .null, .string(order.updatedAt)]
    }

    /// One CSV record: the JSON export's values, typed, so the ids stay numbers and text goes through the formula guard.
    static func exportCells(_ order: StoredOrder) -> [SheetValue] {
        exportValues(order).map { value in
            switch value {
            case .string(let text): return .string(text)
            case .number(let text): return .number(text)
            default: return .empty
            }
        }
    }

    static func json(_ order: StoredOrder) -> JSONValue {
        var object = JSONObject()
        object.append("order_id", .string(order.id))
        object.append("order_number", .string(order.orderNumber))
        object.append("store", .string(order.store))
        object.append("channel", .string(order.channel))
        object.append("status", .string(order.status.rawValue))
        object.append("revision", .int(order.revision))
        object.append("changed_after_sync", .bool(order.changedAfterSync))
        object.append("sql_docno", order.sqlDocno.map { .string($0) } ?? .null)
        object.append("sql_dockey", order.sqlDockey.map { .number(String($0)) } ?? .null)
        object.append("task_id", order.taskID.map { .number(String($0)) } ?? .null)
        object.append("last_error", order.lastError.map { .string($0) } ?? .null)
        object.append("excluded_reason", order.excludedReason.map { .string($0) } ?? .null)
        object.append("imported_at", .string(order.importedAt))
        object.append("updated_at", .string(order.updatedAt))
        return .object(object)
    }

    static func json(_ document: StoredDocument, attempts: [SyncAttempt]) -> JSONValue {
        var object = JSONObject()
        object.append("id", document.id.map { .number(String($0)) } ?? .null)
        object.append("type", .string(document.type))
        object.append("state", .string(document.state.rawValue))
        object.append("docref1", .string(document.idempotencyKey))
        object.append("remote_docno", document.remoteDocno.map { .string($0) } ?? .null)
        object.append("remote_dockey", document.remoteDockey.map { .number(String($0)) } ?? .null)
        object.append("created_at", .string(document.createdAt))
        object.append("updated_at", .string(document.updatedAt))
        object.append("payload", (try? JSONParser.parse(document.payloadJSON)) ?? .string(document.payloadJSON))
        object.append("attempts", .array(attempts.map { attempt in
            AttemptViews.json(attempt, after: [("task_id", attempt.taskID.map { .number(String($0)) } ?? .null)])
        }))
        return .object(object)
    }

    /// One row per order: id, store, status, SQL invoice, task, and why it failed or was excluded.
    static func table(_ orders: [StoredOrder], withTask: Bool) -> String {
        var rows = [["ORDER", "STORE", "STATUS", "SQL INVOICE"] + (withTask ? ["TASK"] : []) + ["NOTE"]]
        for order in orders {
            var note = problem(order).map { TextTable.abbreviate($0, to: 60) } ?? ""
            if order.changedAfterSync { note = "changed after sync (revision \(order.revision))" + (note.isEmpty ? "" : "; " + note) }
            rows.append([order.id, order.store, order.status.rawValue, order.sqlDocno ?? "-"]
                        + (withTask ? [order.taskID.map(String.init) ?? "-"] : []) + [note])
        }
        return TextTable.render(rows, rightAligned: withTask ? [4] : [])
    }

    /// `68 orders: 51 completed, 17 excluded`.
    static func countLine(_ orders: [StoredOrder], filter: String) -> String {
        var counts: [OrderSyncStatus: Int] = [:]
        for order in orders { counts[order.status, default: 0] += 1 }
        var line = "\(orders.count) order\(orders.count == 1 ? "" : "s")"
        if !filter.isEmpty { line += " (\(filter))" }
        let parts = [OrderSyncStatus.completed, .failed, .pending, .excluded].compactMap { status in
            counts[status].map { "\($0) \(status.rawValue)" }
        }
        if !parts.isEmpty { line += ": " + parts.joined(separator: ", ") }
        return line
    }

    /// Everything the store knows about one order.
    static func detail(_ order: StoredOrder, documents: [(StoredDocument, [SyncAttempt])], edits: [OrderEdit]) -> String {
        var out = "order \(order.id) (order number \(order.orderNumber))\n"
        var fields: [(String, String)] = [
            ("status", order.status.rawValue + (order.changedAfterSync ? " — changed after sync; the invoice in SQL Account predates revision \(order.revision)" : "")),
            ("store", "\(order.store) (\(order.channel))"),
            ("revision", String(order.revision)),
            ("task", order.taskID.map(String.init) ?? "-"),
            ("SQL invoice", order.sqlDocno.map { docno in "\(docno)" + (order.sqlDockey.map { " (dockey \($0))" } ?? "") }
                ?? order.sqlDockey.map { "dockey \($0) (docno not written back)" } ?? "-"),
            ("imported", order.importedAt),
            ("updated", order.updatedAt),
        ]
        if let error = order.lastError { fields.append(("last error", error)) }
        if let reason = order.excludedReason { fields.append(("excluded", reason)) }
        out += TextTable.fields(fields, indent: "  ")
        for (document, attempts) in documents {
            out += "\ndocument \(document.type) #\(document.id ?? 0): \(document.state.rawValue)\n"
            var documentFields: [(String, String)] = [("docref1", document.idempotencyKey)]
            if document.remoteDockey != nil || document.remoteDocno != nil {
                documentFields.append(("in SQL Account", "docno \(document.remoteDocno ?? "-"), dockey \(document.remoteDockey.map(String.init) ?? "-")"))
            }
            documentFields.append(("updated", document.updatedAt))
            out += TextTable.fields(documentFields, indent: "  ")
            let payload = (try? JSONParser.parse(document.payloadJSON)).map(JSONWriter.prettyString) ?? document.payloadJSON
            out += "  payload sent:\n" + TextTable.indent(payload, by: "    ") + "\n"
            out += AttemptViews.text(attempts, indent: "  ")
        }
        if documents.isEmpty {
            out += "\nno document: " + (order.status == .excluded ? "the order is excluded\n" : order.status == .failed ? "the order failed before an invoice could be built\n" : "not staged yet\n")
        }
        if !edits.isEmpty {
            out += "\noperator edits (\(edits.count)):\n"
            out += TextTable.fields(edits.map { ($0.field, "\($0.value)  (edited \($0.editedAt))") }, indent: "  ")
        }
        return out
    }
}

/// The requests made to SQL Account for one invoice or payment, as `orders show` and `payments show` list them.
enum AttemptViews {
    static func text(_ attempts: [some RecordedAttempt], indent: String) -> String {
        guard !attempts.isEmpty else { return indent + "no sync attempts yet\n" }
        var out = indent + "sync attempts (\(attempts.count)):\n"
        for attempt in attempts {
            out += indent + "  \(attempt.startedAt)  \(attempt.requestMethod) \(attempt.requestPath)\n"
            var lines: [(String, String)] = [("request", attempt.requestSummary)]
            let status = attempt.responseStatus.map(String.init) ?? "no answer"
            lines.append(("response", attempt.responseSummary.map { "\(status) \($0)" } ?? status))
            lines.append(("outcome", attempt.outcome.rawValue + (attempt.finishedAt.map { " at \($0)" } ?? "")))
            out += TextTable.fields(lines, indent: indent + "    ")
        }
        return out
    }

    /// One attempt as JSON; `after` are fields of its own kind placed right after the id (an invoice's task).
    static func json(_ attempt: some RecordedAttempt, after extra: [(String, JSONValue)] = []) -> JSONValue {
        var row = JSONObject()
        row.append("id", attempt.id.map { .number(String($0)) } ?? .null)
        for (key, value) in extra { row.append(key, value) }
        row.append("started_at", .string(attempt.startedAt))
        row.append("finished_at", attempt.finishedAt.map { .string($0) } ?? .null)
        row.append("request_method", .string(attempt.requestMethod))
        row.append("request_path", .string(attempt.requestPath))
        row.append("request_summary", .string(attempt.requestSummary))
        row.append("response_status", attempt.responseStatus.map { .int($0) } ?? .null)
        row.append("response_summary", attempt.responseSummary.map { .string($0) } ?? .null)
        row.append("outcome", .string(attempt.outcome.rawValue))
        return .object(row)
    }
}

enum TaskViews {
    /// The orders the task holds now (tasks remove takes some out).
    static func orderCount(_ summary: TaskSummary) -> Int { summary.counts.values.reduce(0, +) }

    /// `2026-11-26T23:09:16.126Z` → `2026-11-26T23:09:16Z`: seconds are enough on screen.
    static func time(_ stamp: String) -> String {
        guard let dot = stamp.firstIndex(of: "."), stamp.hasSuffix("Z") else { return stamp }
        return String(stamp[..<dot]) + "Z"
    }

    static func json(_ summary: TaskSummary) -> JSONValue {
        var object = JSONObject()
        object.append("id", .number(String(summary.id)))
        object.append("created_at", .string(summary.task.createdAt))
        object.append("finished_at", summary.task.finishedAt.map { .string($0) } ?? .null)
        object.append("status", .string(summary.task.status.rawValue))
        object.append("orders", .int(orderCount(summary)))
        for status in [OrderSyncStatus.completed, .failed, .pending, .excluded] {
            object.append(status.rawValue, .int(summary.count(status)))
        }
        return .object(object)
    }

    static func detail(_ summary: TaskSummary, orders: [StoredOrder]) -> String {
        let task = summary.task
        var out = "task \(summary.id): \(task.status.rawValue), created \(time(task.createdAt))"
        out += task.finishedAt.map { ", finished \(time($0))" } ?? ", not finished"
        out += "\n"
        if orders.isEmpty {
            out += "no orders (all were taken out of the task)\n"
            return out
        }
        var rows = [["ORDER", "STORE", "STATUS", "SQL INVOICE"]]
        var errors: [Int: String] = [:]
        for order in orders {
            rows.append([order.id, order.store, order.status.rawValue, order.sqlDocno ?? "-"])
            if let problem = OrderViews.problem(order), order.status == .failed || order.status == .excluded {
                errors[rows.count - 1] = problem
            }
        }
        let lines = TextTable.render(rows).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where index < rows.count {
            out += line + "\n"
            if let error = errors[index] { out += TextTable.indent(error, by: "    ") + "\n" }
        }
        out += OrderViews.countLine(orders, filter: "") + "\n"
        let failed = orders.filter { $0.status == .failed }
        if !failed.isEmpty {
            out += "\nretry the failed orders: ledgersync tasks retry \(summary.id)\n"
            out += "see one in full:         ledgersync orders show \(failed[0].id)\n"
        }
        if task.status == .running && task.finishedAt == nil {
            out += "\nthis task never finished (was apply interrupted?); apply again to finish its pending orders\n"
        }
        return out
    }
}

/// Left-aligned columns two spaces apart, no trailing spaces.
enum TextTable {
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        var out = ""
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                if index > 0 { line += "  " }
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                line += rightAligned.contains(index) ? pad + cell : cell + pad
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// `  label:  value` lines with the values aligned.
    static func fields(_ pairs: [(String, String)], indent: String) -> String {
        let width = (pairs.map(\.0.count).max() ?? 0) + 1
        return pairs.map { label, value in
            let head = indent + (label + ":").padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            let continuation = String(repeating: " ", count: head.count)
            return head + value.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n" + continuation) + "\n"
        }.joined()
    }

    static func indent(_ text: String, by prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { prefix + $0 }.joined(separator: "\n")
    }

    /// One line of at most `limit` characters: whitespace runs collapsed, `…` where it was cut.
    static func abbreviate(_ text: String, to limit: Int) -> String {
        let oneLine = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard oneLine.count > limit else { return oneLine }
        return String(oneLine.prefix(limit - 1)) + "…"
    }
}
