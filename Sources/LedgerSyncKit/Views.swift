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

    public static func ordersList(statePath: String?, status: String? = nil, store: String? = nil, task: Int64? = nil,
                                  format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { StateViewRendering.render($0, format: format) }) {
            try StateViews.ordersList(OrderQuery(statePath: statePath, status: status, store: store, task: task))
        }
    }

    public static func orderShow(statePath: String?, orderID: String, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { StateViewRendering.render($0, format: format) }) {
            try StateViews.orderShow(statePath: statePath, orderID: orderID)
        }
    }

    /// The order list with the written-back SQL invoice numbers, as CSV or JSON, to `output` (atomically) or stdout.
    public static func ordersExport(statePath: String?, status: String? = nil, store: String? = nil, task: Int64? = nil,
                                    output: String?, format: ExportFormat, console: Console) -> Int32 {
        respond(format: .text, console: console, render: StateViewRendering.render) {
            try StateViews.ordersExport(OrderQuery(statePath: statePath, status: status, store: store, task: task), output: output, format: format)
        }
    }

    public static func tasksList(statePath: String?, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { StateViewRendering.render($0, format: format) }) {
            try StateViews.tasksList(statePath: statePath)
        }
    }

    public static func taskShow(statePath: String?, taskID: Int64, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { StateViewRendering.render($0, format: format) }) {
            try StateViews.taskShow(statePath: statePath, taskID: taskID)
        }
    }

    /// `{"format_version": 1, "<key>": [...]}`, the shape of every list view's JSON.
    static func versionedList(_ key: String, _ items: [JSONValue]) -> JSONValue {
        .object(["format_version": .int(1), key: .array(items)])
    }

    /// Opens the state store only if it exists, printing why not.
    static func openExistingState(_ given: String?, console: Console) -> StateStore? {
        do throws(CommandFailure) {
            return try StateViews.openExisting(given)
        } catch {
            console.err(FailureRendering.text(error, format: .text))
            return nil
        }
    }
}

/// Which orders a list or export shows: `--status`, `--store`, `--task` over one state store.
public struct OrderQuery: Sendable {
    public var statePath: String?
    public var status: String?
    public var store: String?
    public var task: Int64?

    public init(statePath: String?, status: String? = nil, store: String? = nil, task: Int64? = nil) {
        self.statePath = statePath
        self.status = status
        self.store = store
        self.task = task
    }
}

/// `orders list`: the orders the query selects, and how the filter reads in the count line.
public struct OrderListing: CommandResult {
    public var orders: [StoredOrder]
    public var filterDescription: String
    /// Without `--task` every order's task is a column.
    public var showsTask: Bool
    public var exitStatus: Int32 { ExitStatus.success }
}

/// `orders show`: everything the store knows about one order.
public struct OrderDetail: CommandResult {
    public var order: StoredOrder
    public var documents: [(document: StoredDocument, attempts: [SyncAttempt])]
    public var edits: [OrderEdit]
    /// The credit notes and refunds of its returns.
    public var returns: [(document: StoredReturnDocument, attempts: [ReturnAttempt])] = []
    public var exitStatus: Int32 { ExitStatus.success }
}

/// `orders export`: the exported text, and where it went (nil: stdout).
public struct OrdersExport: CommandResult {
    public var orderCount: Int
    public var text: String
    public var writtenTo: String?
    public var exitStatus: Int32 { ExitStatus.success }
}

public struct TaskListing: CommandResult {
    public var tasks: [TaskSummary]
    public var exitStatus: Int32 { ExitStatus.success }
}

public struct TaskDetail: CommandResult {
    public var summary: TaskSummary
    /// An invoice task's orders.
    public var orders: [StoredOrder]
    /// A receipt task's receipts (customer payments).
    public var receipts: [StoredPayment] = []
    /// Receipts this task sent that a later task took over (sent again, or sent their O/R number), with that task.
    public var movedOn: [(paymentID: Int64, taskID: Int64?)] = []
    /// A return task's credit notes and refunds.
    public var returns: [StoredReturnDocument] = []
    /// A receipt task's credit notes and refunds of negative payouts and channel charges.
    public var payoutDocuments: [StoredPayoutDocument] = []
    public var exitStatus: Int32 { ExitStatus.success }
}

/// The read-only use cases over an existing state store.
public enum StateViews {
    public static func ordersList(_ query: OrderQuery) throws(CommandFailure) -> OrderListing {
        let state = try openExisting(query.statePath)
        return try reporting {
            let filter = try OrderFilter(status: query.status, store: query.store, task: query.task, state: state)
            let orders = try state.filteredOrders(status: filter.status, store: query.store, taskID: query.task)
            return OrderListing(orders: orders, filterDescription: filter.description, showsTask: query.task == nil)
        }
    }

    public static func orderShow(statePath: String?, orderID: String) throws(CommandFailure) -> OrderDetail {
        let state = try openExisting(statePath)
        return try reporting {
            guard let order = try state.order(orderID) else {
                var message = "order '\(orderID)' is not in the state store \(state.path)"
                if let guess = Suggest.closest(to: orderID, in: try state.orderIDs()) { message += "; did you mean '\(guess)'?" }
                else { message += "; run `ledgersync orders list` to see the imported orders" }
                throw CommandFailure.message(message)
            }
            let documents = try state.documents(orderID: orderID).map { document in
                (document: document, attempts: try state.attempts(documentID: document.id ?? 0))
            }
            var detail = OrderDetail(order: order, documents: documents, edits: try state.edits(orderID: orderID))
            detail.returns = try state.returnDocuments(orderID: orderID).map { document in
                (document: document, attempts: try state.returnAttempts(documentID: document.id ?? 0))
            }
            return detail
        }
    }

    /// Writes the export to `output` atomically, or returns it for stdout.
    public static func ordersExport(_ query: OrderQuery, output: String?, format: ExportFormat) throws(CommandFailure) -> OrdersExport {
        let state = try openExisting(query.statePath)
        return try reporting {
            let filter = try OrderFilter(status: query.status, store: query.store, task: query.task, state: state)
            let orders = try state.filteredOrders(status: filter.status, store: query.store, taskID: query.task)
            let text = try OrderViews.export(orders, format: format, displayPath: output ?? "<stdout>")
            if let output { try AtomicFile.write(Array(text.utf8), to: output) }
            return OrdersExport(orderCount: orders.count, text: text, writtenTo: output)
        }
    }

    /// How many orders stand in each sync status (the console's tab counts); empty when there is no store yet.
    public static func orderCounts(statePath: String?) throws(CommandFailure) -> [OrderSyncStatus: Int] {
        guard FileManager.default.fileExists(atPath: StateLocation.resolve(statePath)) else { return [:] }
        let state = try openExisting(statePath)
        return try reporting { try state.statusCounts() }
    }

    /// A page of the orders `query` selects (the console's Orders tabs), with how many it selects in all.
    public static func ordersPage(statePath: String?, _ query: OrderListQuery) throws(CommandFailure)
        -> (rows: [OrderListRow], total: Int, channels: [String], stores: [String]) {
        guard FileManager.default.fileExists(atPath: StateLocation.resolve(statePath)) else { return ([], 0, [], []) }
        let state = try openExisting(statePath)
        return try reporting { try state.listOrders(query) }
    }

    public static func tasksList(statePath: String?) throws(CommandFailure) -> TaskListing {
        let state = try openExisting(statePath)
        return try reporting { TaskListing(tasks: try state.tasks()) }
    }

    public static func taskShow(statePath: String?, taskID: Int64) throws(CommandFailure) -> TaskDetail {
        let state = try openExisting(statePath)
        return try reporting {
            guard let summary = try state.task(taskID) else { throw StateStoreError.unknownTask(taskID) }
            if summary.task.kind == .receipts {
                return TaskDetail(summary: summary, orders: [], receipts: try state.payments(taskID: taskID),
                                  movedOn: try state.paymentsMovedOn(fromTask: taskID), payoutDocuments: try state.payoutDocuments(taskID: taskID))
            }
            if summary.task.kind == .returns {
                return TaskDetail(summary: summary, orders: [], returns: try state.returnDocuments(taskID: taskID))
            }
            return TaskDetail(summary: summary, orders: try state.filteredOrders(taskID: taskID))
        }
    }

    /// Opens the state store only if it exists: a read-only view must never leave an empty store behind.
    public static func openExisting(_ given: String?) throws(CommandFailure) -> StateStore {
        let path = StateLocation.resolve(given)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .message("no state store at \(path); run ledgersync apply first (or pass --state)")
        }
        guard !isDirectory.boolValue else {
            throw .message("\(path) is a folder, not a state store; pass the .sqlite file with --state")
        }
        do {
            return try StateStore(path: path)
        } catch {
            throw .message("cannot read the state store at \(path): \(error)")
        }
    }
}

/// The state-store views as text or JSON.
enum StateViewRendering {
    static func render(_ listing: OrderListing, format: OutputFormat) -> Rendered {
        guard format == .text else { return .document(Workflows.versionedList("orders", listing.orders.map(OrderViews.json))) }
        var out = listing.orders.isEmpty ? "" : OrderViews.table(listing.orders, withTask: listing.showsTask)
        out += OrderViews.countLine(listing.orders, filter: listing.filterDescription) + "\n"
        return .text(out)
    }

    static func render(_ detail: OrderDetail, format: OutputFormat) -> Rendered {
        let documents = detail.documents.map { ($0.document, $0.attempts) }
        guard format != .text else {
            return .text(OrderViews.detail(detail.order, documents: documents, edits: detail.edits) + OrderViews.returns(detail.returns))
        }
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("order", OrderViews.json(detail.order))
        object.append("documents", .array(documents.map { OrderViews.json($0.0, attempts: $0.1) }))
        object.append("returns", .array(detail.returns.map { OrderViews.json($0.document, attempts: $0.attempts) }))
        object.append("edits", .array(detail.edits.map { edit in
            .object(["field": .string(edit.field), "value": .string(edit.value), "edited_at": .string(edit.editedAt)])
        }))
        object.append("imported_order", (try? JSONParser.parse(detail.order.rawJSON)) ?? .string(detail.order.rawJSON))
        return .document(.object(object))
    }

    static func render(_ export: OrdersExport) -> Rendered {
        guard let path = export.writtenTo else { return .text(export.text) }
        return .error("wrote \(export.orderCount) order\(export.orderCount == 1 ? "" : "s") to \(path)\n")
    }

    static func render(_ listing: TaskListing, format: OutputFormat) -> Rendered {
        let tasks = listing.tasks
        guard format == .text else { return .document(Workflows.versionedList("tasks", tasks.map(TaskViews.json))) }
        if tasks.isEmpty {
            return .text("no tasks yet; `ledgersync apply` creates one for every 150 orders it syncs, `ledgersync payments apply` one for the receipts it sends\n")
        }
        // COUNT is the task's orders (an invoice task) or receipts (a receipt task).
        var rows = [["TASK", "KIND", "CREATED", "FINISHED", "STATUS", "COUNT", "COMPLETED", "FAILED", "PENDING"]]
        for summary in tasks {
            rows.append([String(summary.id), summary.task.kind.rawValue, TaskViews.time(summary.task.createdAt), summary.task.finishedAt.map(TaskViews.time) ?? "-",
                         summary.task.status.rawValue, String(TaskViews.orderCount(summary)), String(summary.count(.completed)),
                         String(summary.count(.failed)), String(summary.count(.pending))])
        }
        return .text(TextTable.render(rows, rightAligned: [0, 5, 6, 7, 8]) + "\(tasks.count) task\(tasks.count == 1 ? "" : "s")\n")
    }

    static func render(_ detail: TaskDetail, format: OutputFormat) -> Rendered {
        let receipts = detail.summary.task.kind == .receipts
        let returns = detail.summary.task.kind == .returns
        guard format != .text else {
            if returns { return .text(TaskViews.detail(detail.summary, returns: detail.returns)) }
            return .text(receipts ? TaskViews.detail(detail.summary, receipts: detail.receipts, movedOn: detail.movedOn, payoutDocuments: detail.payoutDocuments)
                                  : TaskViews.detail(detail.summary, orders: detail.orders))
        }
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("task", TaskViews.json(detail.summary))
        if returns {
            object.append("returns", .array(detail.returns.map { OrderViews.json($0, attempts: []) }))
        } else if receipts {
            object.append("receipts", .array(detail.receipts.map(TaskViews.json)))
            object.append("credit_notes_and_refunds", .array(detail.payoutDocuments.map(TaskViews.json)))
            object.append("moved_on", .array(detail.movedOn.map { moved in
                .object(["payment_id": .number(String(moved.paymentID)), "task_id": moved.taskID.map { .number(String($0)) } ?? .null])
            }))
        } else {
            object.append("orders", .array(detail.orders.map(OrderViews.json)))
        }
        return .document(.object(object))
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
    /// The export file's text: a CSV through the formula guard, or a JSON array.
    static func export(_ orders: [StoredOrder], format: ExportFormat, displayPath: String) throws -> String {
        switch format {
        case .csv:
            return try SpreadsheetWriter.csvText(rows: [exportColumns.map(SheetValue.string)] + orders.map(exportCells), displayPath: displayPath)
        case .json:
            let rows: [JSONValue] = orders.map { order in
                .object(JSONObject(zip(exportColumns, exportValues(order)).map { ($0, $1) }))
            }
            return JSONWriter.prettyString(.array(rows)) + "\n"
        }
    }

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

    /// The credit notes and refunds of an order's returns, each with what was sent and every request.
    static func returns(_ documents: [(document: StoredReturnDocument, attempts: [ReturnAttempt])]) -> String {
        var out = ""
        for (document, attempts) in documents {
            let name = document.type == "salescreditnote" ? "credit note" : "customer refund"
            out += "\nreturn \(document.returnID): \(name) #\(document.id ?? 0): \(document.state.rawValue)\n"
            var fields: [(String, String)] = [("docref1", document.idempotencyKey), ("amount", Money(minorUnits: document.amountSen).description),
                                              ("knocks off", Money(minorUnits: document.knockoffSen).description)]
            if document.remoteDockey != nil || document.remoteDocno != nil {
                fields.append(("in SQL Account", "docno \(document.remoteDocno ?? "-"), dockey \(document.remoteDockey.map(String.init) ?? "-")"))
            }
            if let error = document.lastError { fields.append(("last error", error)) }
            fields.append(("task", document.taskID.map(String.init) ?? "-"))
            out += TextTable.fields(fields, indent: "  ")
            let payload = (try? JSONParser.parse(document.payloadJSON)).map(JSONWriter.prettyString) ?? document.payloadJSON
            out += "  payload:\n" + TextTable.indent(payload, by: "    ") + "\n"
            out += AttemptViews.text(attempts, indent: "  ")
        }
        return out
    }

    static func json(_ document: StoredReturnDocument, attempts: [ReturnAttempt]) -> JSONValue {
        var object = JSONObject()
        object.append("id", document.id.map { .number(String($0)) } ?? .null)
        object.append("order_id", .string(document.orderID))
        object.append("return_id", .string(document.returnID))
        object.append("type", .string(document.type))
        object.append("state", .string(document.state.rawValue))
        object.append("docref1", .string(document.idempotencyKey))
        object.append("amount", .string(Money(minorUnits: document.amountSen).description))
        object.append("knock_off", .string(Money(minorUnits: document.knockoffSen).description))
        object.append("docno", document.remoteDocno.map { .string($0) } ?? .null)
        object.append("dockey", document.remoteDockey.map { .number(String($0)) } ?? .null)
        object.append("task_id", document.taskID.map { .number(String($0)) } ?? .null)
        object.append("error", document.lastError.map { .string($0) } ?? .null)
        object.append("payload", (try? JSONParser.parse(document.payloadJSON)) ?? .string(document.payloadJSON))
        object.append("attempts", .array(attempts.map { AttemptViews.json($0) }))
        return .object(object)
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
        object.append("kind", .string(summary.task.kind.rawValue))
        object.append("created_at", .string(summary.task.createdAt))
        object.append("finished_at", summary.task.finishedAt.map { .string($0) } ?? .null)
        object.append("status", .string(summary.task.status.rawValue))
        // How many it holds: "orders" for an invoice task, "receipts" for a receipt task; the counts below are of those.
        object.append(summary.task.kind == .receipts ? "receipts" : summary.task.kind == .returns ? "documents" : "orders", .int(orderCount(summary)))
        for status in [OrderSyncStatus.completed, .failed, .pending, .excluded] {
            object.append(status.rawValue, .int(summary.count(status)))
        }
        return .object(object)
    }

    /// One receipt of a receipt task, for `tasks show --format json`.
    static func json(_ payment: StoredPayment) -> JSONValue {
        var object = JSONObject()
        object.append("payment_id", .number(String(payment.id ?? 0)))
        object.append("channel", .string(payment.channel))
        object.append("payout_date", .string(payment.payoutDate))
        object.append("reference", .string(payment.reference))
        object.append("customer", .string(payment.customerCode))
        object.append("status", .string(payment.taskStatus.rawValue))
        object.append("state", .string(payment.state.rawValue))
        object.append("sql_docno", payment.remoteDocno.map { .string($0) } ?? .null)
        object.append("sql_dockey", payment.remoteDockey.map { .number(String($0)) } ?? .null)
        object.append("or_number", payment.orNumber.map { .string($0) } ?? .null)
        object.append("or_number_in_sql", .bool(payment.orNumberInSQL()))
        object.append("or_number_field", payment.orNumberField.map { .string($0) } ?? .null)
        object.append("last_error", payment.lastError.map { .string($0) } ?? .null)
        return .object(object)
    }

    /// A receipt task: each receipt (payment, payout, status, SQL receipt number, O/R number and whether SQL has it)
    /// with its full error under it, then the counts.
    static func detail(_ summary: TaskSummary, receipts: [StoredPayment], movedOn: [(paymentID: Int64, taskID: Int64?)] = [],
                       payoutDocuments: [StoredPayoutDocument] = []) -> String {
        let task = summary.task
        var out = "task \(summary.id) (receipts): \(task.status.rawValue), created \(time(task.createdAt))"
        out += task.finishedAt.map { ", finished \(time($0))" } ?? ", not finished"
        out += "\n"
        // Like an order, a receipt belongs to the task that last sent something for it; its requests stay listed by payments show.
        let moved = movedOn.isEmpty ? "" : "taken over by a later task: " + movedOn.map { "payment \($0.paymentID) (\($0.taskID.map { "task \($0)" } ?? "no task now"))" }.joined(separator: ", ")
            + " — ledgersync payments show N lists every request\n"
        let adjustments = payoutDocumentLines(payoutDocuments)
        if receipts.isEmpty { return out + "no receipts\n" + adjustments + moved }
        var rows = [["PAYMENT", "PAYOUT", "CUSTOMER", "STATUS", "SQL RECEIPT", "O/R NO"]]
        var errors: [Int: String] = [:]
        for payment in receipts {
            let receiptNumber = payment.orNumber.map { $0 + (payment.orNumberInSQL() ? " (in SQL)" : " (not in SQL yet)") } ?? "-"
            rows.append([String(payment.id ?? 0), "\(payment.channel) \(payment.payoutDate) \(payment.reference)", payment.customerCode,
                         payment.taskStatus.rawValue, payment.remoteDocno ?? "-", receiptNumber])
            if let error = payment.lastError { errors[rows.count - 1] = error }
        }
        let lines = TextTable.render(rows, rightAligned: [0]).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where index < rows.count {
            out += line + "\n"
            if let error = errors[index] { out += TextTable.indent(error, by: "    ") + "\n" }
        }
        var counts: [OrderSyncStatus: Int] = [:]
        for payment in receipts { counts[payment.taskStatus, default: 0] += 1 }
        let parts = [OrderSyncStatus.completed, .failed, .pending, .excluded].compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        out += "\(receipts.count) receipt\(receipts.count == 1 ? "" : "s"): " + parts.joined(separator: ", ") + "\n" + adjustments + moved
        if let failed = receipts.first(where: { $0.taskStatus == .failed }) {
            out += "\nsend the failed ones again: ledgersync payments apply\n"
            out += "see one in full:           ledgersync payments show \(failed.id ?? 0)\n"
        }
        if task.status == .running && task.finishedAt == nil {
            out += "\nthis task never finished (was payments apply interrupted?); payments apply again looks its receipts up and finishes them\n"
        }
        return out
    }

    /// The credit notes and refunds a receipt task sent for negative payouts and channel charges:
    /// `+ creditnote lazada 2025-09-24 MY2025092201 channel charge  300-L0001  50.00  completed  CN-00001`.
    static func payoutDocumentLines(_ documents: [StoredPayoutDocument]) -> String {
        guard !documents.isEmpty else { return "" }
        var out = ""
        for document in documents {
            let kind = document.isCreditNote ? "creditnote" : "refund"
            out += "  + \(kind) \(document.label)  \(document.customerCode)  \(Money(minorUnits: document.amountSen))  \(document.taskStatus.rawValue)  \(document.remoteDocno ?? "-")\n"
            if let error = document.lastError, document.state != .created { out += TextTable.indent(error, by: "    ") + "\n" }
        }
        let notes = documents.filter(\.isCreditNote).count, refunds = documents.count - notes
        return out + "\(notes) credit note\(notes == 1 ? "" : "s") and \(refunds) refund\(refunds == 1 ? "" : "s") of negative payouts and channel charges\n"
    }

    static func json(_ document: StoredPayoutDocument) -> JSONValue {
        .object(["id": .number(String(document.id ?? 0)), "type": .string(document.type), "channel": .string(document.channel),
                 "payout_date": .string(document.payoutDate), "reference": .string(document.reference),
                 "order": document.orderID.isEmpty ? .null : .string(document.orderID), "customer": .string(document.customerCode),
                 "amount": .string(Money(minorUnits: document.amountSen).description), "docref1": .string(document.idempotencyKey),
                 "state": .string(document.state.rawValue), "status": .string(document.taskStatus.rawValue),
                 "docno": document.remoteDocno.map { .string($0) } ?? .null, "last_error": document.lastError.map { .string($0) } ?? .null])
    }

    /// A return task: each credit note and refund, its order and return, its status and SQL number, its error under it.
    static func detail(_ summary: TaskSummary, returns documents: [StoredReturnDocument]) -> String {
        let task = summary.task
        var out = "task \(summary.id) (returns): \(task.status.rawValue), created \(time(task.createdAt))"
        out += task.finishedAt.map { ", finished \(time($0))" } ?? ", not finished"
        out += "\n"
        if documents.isEmpty { return out + "no credit notes or refunds\n" }
        var rows = [["ORDER", "RETURN", "DOCUMENT", "AMOUNT", "STATUS", "SQL DOCNO"]]
        var errors: [Int: String] = [:]
        for document in documents {
            rows.append([document.orderID, document.returnID, document.type == "salescreditnote" ? "credit note" : "refund",
                         Money(minorUnits: document.amountSen).description, document.taskStatus.rawValue, document.remoteDocno ?? "-"])
            if let error = document.lastError, document.state != .created { errors[rows.count - 1] = error }
        }
        let lines = TextTable.render(rows, rightAligned: [3]).split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where index < rows.count {
            out += line + "\n"
            if let error = errors[index] { out += TextTable.indent(error, by: "    ") + "\n" }
        }
        var counts: [OrderSyncStatus: Int] = [:]
        for document in documents { counts[document.taskStatus, default: 0] += 1 }
        let parts = [OrderSyncStatus.completed, .failed, .pending, .excluded].compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }
        out += "\(documents.count) document\(documents.count == 1 ? "" : "s"): " + parts.joined(separator: ", ") + "\n"
        if counts[.failed] != nil { out += "\nsend the failed ones again: ledgersync apply (each is looked up by docref1 first)\n" }
        return out
    }

    static func detail(_ summary: TaskSummary, orders: [StoredOrder]) -> String {
        let task = summary.task
        var out = "task \(summary.id) (invoices): \(task.status.rawValue), created \(time(task.createdAt))"
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
