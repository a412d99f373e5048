import Foundation
import LedgerSyncKit
import StateStore
import Sync

/// Tasks: the list, one task's orders with status, SQL invoice number and full error; a failed order's editable
/// fields, retry, taking orders out, deleting the task (optionally cancelling its invoices in SQL Accounting).
extension ConsoleService {
    func tasksRoute(_ request: ConsoleRequest, _ rest: [String]) async throws -> ConsoleResponse {
        switch (request.method, rest.count) {
        case ("GET", 0): return try await tasksPage(request)
        case ("POST", 0): return try createTask(request)
        case ("GET", 1):
            guard let id = Int64(rest[0]) else { return notFound(request) }
            return try await taskPage(request, id: id)
        case ("POST", 2):
            guard let id = Int64(rest[0]) else { return notFound(request) }
            switch rest[1] {
            case "edit": return try await editOrder(request, task: id)
            case "retry": return retryTask(id)
            case "remove": return try await removeOrders(request, task: id)
            case "delete": return try await deleteTask(request, task: id)
            default: return notFound(request)
            }
        default: return notFound(request)
        }
    }

    /// The ticked orders become a task and sync in the background; the browser follows the job's page.
    func createTask(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let form = try request.form()
        var seen: Set<String> = []
        let ticked = form.values("order").filter { seen.insert($0).inserted }
        let back = form.value("back") ?? "/orders"
        guard !ticked.isEmpty else { return .redirect(Self.with(back, problem: "tick the orders to put in the task first")) }
        guard ticked.count <= Self.taskLimit else {
            return .redirect(Self.with(back, problem: "\(ticked.count) orders are ticked; a task takes at most \(Self.taskLimit) — untick \(ticked.count - Self.taskLimit)"))
        }
        let location = startSync(title: "Task of \(ticked.count) ticked order\(ticked.count == 1 ? "" : "s")") { $0.storedOrderIDs = ticked }
        return .redirect(location)
    }

    func retryTask(_ id: Int64) -> ConsoleResponse {
        .redirect(startSync(title: "Retry of task \(id)") { $0.retryTask = id })
    }

    func tasksPage(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let statePath = statePath
        let exists = FileManager.default.fileExists(atPath: statePath)
        let tasks = exists ? try await offPool { try StateViews.tasksList(statePath: statePath).tasks } : []
        let rows = tasks.map { summary -> [String] in
            let task = summary.task
            let counts = [OrderSyncStatus.completed, .failed, .pending, .excluded].compactMap { status -> String? in
                let count = summary.count(status)
                return count == 0 ? nil : "\(count) \(status.rawValue)"
            }.joined(separator: ", ")
            return ["<a href=\"/tasks/\(summary.id)\" id=\"task-\(summary.id)\">\(summary.id)</a>", HTML.escape(task.kind.rawValue), HTML.escape(task.createdAt),
                    Markup.badge(task.status.rawValue), "\(task.orderCount)", HTML.escape(counts)]
        }
        var body = runningJobs()
        body += Markup.table(id: "tasks", headers: ["Task", "Kind", "Created", "Status", "Orders", "How they stand"], rows: rows,
                             empty: "No tasks yet: tick orders on the Orders page and add a task.")
        return page(Page(title: "Tasks", section: .tasks, body: body, flash: Flash(request)))
    }

    func taskPage(_ request: ConsoleRequest, id: Int64) async throws -> ConsoleResponse {
        let statePath = statePath
        let detail = try await offPool { try StateViews.taskShow(statePath: statePath, taskID: id) }
        let editable = (try? PackUseCases.load(configuration.packDirectory).graph.pack.editPolicy.editable.map(\.value)) ?? []
        let back = "/tasks/\(id)"
        var body = "<p>\(Markup.badge(detail.summary.task.status.rawValue)) \(HTML.escape(detail.summary.task.kind.rawValue)) task created \(HTML.escape(detail.summary.task.createdAt))</p>"
        body += "<div class=\"toolbar\">"
        if detail.summary.task.kind == .invoices && detail.orders.contains(where: { $0.status == .failed || $0.status == .pending }) {
            body += Markup.button("Retry failed orders", action: "/tasks/\(id)/retry", csrf: csrfToken, id: "retry")
        }
        body += "<form method=\"post\" action=\"/tasks/\(id)/delete\" class=\"inline\" data-confirm=\"Delete task \(id)? Its orders return to pending.\">"
        body += Markup.csrf(csrfToken) + "<input type=\"hidden\" name=\"back\" value=\"\(back)\">"
        if detail.summary.task.kind == .invoices {
            body += "<label class=\"inline\"><span><input type=\"checkbox\" name=\"cancel_remote\" value=\"1\" id=\"cancel-remote\"> also cancel its invoices in SQL Accounting</span></label> "
        }
        body += "<button type=\"submit\" class=\"danger\" id=\"delete-task\">Delete task</button></form></div>"

        if detail.summary.task.kind == .invoices {
            var rows: [[String]] = []
            for order in detail.orders {
                var error = order.lastError.map { "<span class=\"error-text\">\(HTML.escape($0))</span>" } ?? HTML.escape(order.excludedReason ?? "")
                if order.status == .failed && !editable.isEmpty { error += editForm(order: order.id, task: id, editable: editable) }
                rows.append(["<input type=\"checkbox\" name=\"order\" value=\"\(HTML.escape(order.id))\" form=\"remove-form\" aria-label=\"tick \(HTML.escape(order.id))\">",
                             "<a href=\"/orders/\(HTML.url(order.id))\">\(HTML.escape(order.id))</a>", HTML.escape(order.orderNumber), Markup.badge(order.status.rawValue),
                             HTML.escape(order.sqlDocno ?? ""), error])
            }
            body += Markup.table(id: "task-orders", headers: ["", "Order", "Order number", "Status", "SQL invoice", "Error"], rows: rows, empty: "This task holds no orders.")
            body += "<form method=\"post\" action=\"/tasks/\(id)/remove\" id=\"remove-form\" class=\"toolbar\">\(Markup.csrf(csrfToken))"
            body += "<input type=\"hidden\" name=\"back\" value=\"\(back)\"><button type=\"submit\" class=\"secondary\" id=\"remove-orders\">Remove ticked orders from the task</button></form>"
        } else if detail.summary.task.kind == .receipts {
            let rows = detail.receipts.map { payment in
                [HTML.escape(payment.channel), HTML.escape(payment.payoutDate), HTML.escape(payment.reference), Markup.badge(payment.state.rawValue),
                 HTML.escape(payment.remoteDocno ?? ""), HTML.escape(payment.orNumber ?? ""), "<span class=\"error-text\">\(HTML.escape(payment.lastError ?? ""))</span>"]
            }
            body += Markup.table(id: "task-receipts", headers: ["Channel", "Payout", "Statement", "State", "Receipt", "O/R number", "Error"], rows: rows, empty: "This task holds no receipts.")
        } else {
            let rows = detail.returns.map { document in
                [HTML.escape(document.orderID), HTML.escape(document.returnID), HTML.escape(document.type), Markup.badge(document.state.rawValue),
                 HTML.escape(document.remoteDocno ?? ""), "<span class=\"error-text\">\(HTML.escape(document.lastError ?? ""))</span>"]
            }
            body += Markup.table(id: "task-returns", headers: ["Order", "Return", "Document", "State", "SQL number", "Error"], rows: rows, empty: "This task holds no returns.")
        }
        return page(Page(title: "Task \(id)", section: .tasks, body: body, flash: Flash(request)))
    }

    /// A failed order's edit: one of the pack's editable fields (a line field with its line number) and the new value.
    private func editForm(order: String, task: Int64, editable: [String]) -> String {
        var html = "<form method=\"post\" action=\"/tasks/\(task)/edit\" class=\"toolbar edit\">\(Markup.csrf(csrfToken))"
        html += "<input type=\"hidden\" name=\"order\" value=\"\(HTML.escape(order))\"><input type=\"hidden\" name=\"back\" value=\"/tasks/\(task)\">"
        html += "<label>Field<select name=\"field\">" + editable.map { "<option>\(HTML.escape($0))</option>" }.joined() + "</select></label>"
        html += "<label>Line (for line fields)<input type=\"number\" name=\"line\" min=\"1\" size=\"3\"></label>"
        html += "<label>New value<input type=\"text\" name=\"value\" required></label><button type=\"submit\" class=\"secondary\">Save edit</button></form>"
        return html
    }

    func editOrder(_ request: ConsoleRequest, task: Int64) async throws -> ConsoleResponse {
        let form = try request.form()
        let back = "/tasks/\(task)"
        guard let order = form.value("order"), let field = form.value("field"), let value = form.value("value") else {
            return .redirect(Self.with(back, problem: "the edit needs an order, a field and a value"))
        }
        var path = field
        if field.hasPrefix("sdsdocdetail.") {
            guard let line = form.value("line").flatMap({ Int($0) }), line >= 1 else {
                return .redirect(Self.with(back, problem: "\(field) is a line field: give the line number (1 for the first line)"))
            }
            path = "sdsdocdetail[\(line)].\(field.dropFirst("sdsdocdetail.".count))"
        }
        let editRequest = TaskEditRequest(packDirectory: configuration.packDirectory, statePath: statePath, taskID: task, orderID: order,
                                          sets: ["\(path)=\(value)"], unsets: [])
        let edit = try await offPool { try TaskOperations.edit(editRequest) }
        let changes = edit.changes.map { "\($0.field): \($0.before ?? "(built by the pack)") → \($0.value)" }.joined(separator: "; ")
        return .redirect(Self.with(back, notice: "Saved for \(order): \(changes). Retry the task to send it."))
    }

    func removeOrders(_ request: ConsoleRequest, task: Int64) async throws -> ConsoleResponse {
        let ticked = try request.form().values("order")
        let back = "/tasks/\(task)"
        guard !ticked.isEmpty else { return .redirect(Self.with(back, problem: "tick the orders to take out of the task first")) }
        let statePath = statePath
        let removal = try await offPool { try TaskOperations.remove(statePath: statePath, taskID: task, orderIDs: ticked) }
        return .redirect(Self.with(back, notice: "Took \(removal.orderIDs.count) order\(removal.orderIDs.count == 1 ? "" : "s") out of task \(task): pending again."))
    }

    func deleteTask(_ request: ConsoleRequest, task: Int64) async throws -> ConsoleResponse {
        let form = try request.form()
        let deleteRequest = TaskDeleteRequest(packDirectory: configuration.packDirectory, statePath: statePath, taskID: task,
                                              cancelRemote: form.value("cancel_remote") == "1", endpoint: endpoint)
        let deletion = try await TaskOperations.delete(deleteRequest, environment: environment)
        guard deletion.deleted else {
            let standing = deletion.cancellations.filter { $0.problem != nil }.map { "\($0.invoice) (\($0.orderID)): \($0.problem ?? "")" }
            return .redirect(Self.with("/tasks/\(task)", problem: "Task \(task) is kept: SQL Accounting did not cancel \(standing.joined(separator: "; "))"))
        }
        var notice = "Deleted task \(task): \(deletion.pendingAgain) order\(deletion.pendingAgain == 1 ? "" : "s") pending again"
        if deletion.cancelRemote { notice += "; \(deletion.cancellations.count) invoice\(deletion.cancellations.count == 1 ? "" : "s") cancelled in SQL Accounting" }
        return .redirect(Self.with("/tasks", notice: notice + "."))
    }

    /// Runs a use case that may block (the state store's lock, SQLite) on a thread of its own, not on one of the few
    /// threads Swift's tasks share: a sync running in the background needs those.
    func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result(catching: body)) }
        }
    }
}
