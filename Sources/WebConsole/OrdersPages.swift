import Foundation
import LedgerCore
import LedgerJSON
import LedgerSyncKit
import StateStore
import Transform

/// Orders: the tabs by sync status with counts, search and filters, ticking orders into a task, importing an orders
/// file, and one order's invoice preview with where each field came from.
extension ConsoleService {
    /// At most this many orders make one task, as `apply` splits them.
    static let taskLimit = 150
    static let pageSize = 200

    func ordersRoute(_ request: ConsoleRequest, _ rest: [String]) async throws -> ConsoleResponse {
        switch (request.method, rest.count) {
        case ("GET", 0): return try ordersPage(request)
        case ("GET", 1): return try orderPage(request, orderID: rest[0])
        case ("POST", 1) where rest[0] == "import": return try importOrders(request)
        default: return notFound(request)
        }
    }

    func ordersPage(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let tab = OrderSyncStatus(rawValue: request.queryValue("tab") ?? "") ?? .pending
        let search = (request.queryValue("q") ?? "").trimmingCharacters(in: .whitespaces)
        let channel = request.queryValue("channel") ?? ""
        let store = request.queryValue("store") ?? ""
        let from = request.queryValue("from") ?? "", to = request.queryValue("to") ?? ""
        let counts = try StateViews.orderCounts(statePath: statePath)
        var problems: [String] = []
        for (name, value) in [("from", from), ("to", to)] where !value.isEmpty && CalendarDate(parsing: value) == nil {
            problems.append("'\(value)' is not a date for \(name); use YYYY-MM-DD")
        }
        let listing = try StateViews.ordersPage(statePath: statePath, OrderListQuery(status: tab, search: search, channel: channel, store: store,
                                                                                  from: problems.isEmpty ? from : nil, to: problems.isEmpty ? to : nil,
                                                                                  limit: Self.pageSize))
        let shown = listing.rows, channels = listing.channels, stores = listing.stores
        var body = "<div class=\"tabs\" role=\"tablist\">"
        for status in [OrderSyncStatus.pending, .completed, .failed, .excluded] {
            let query = FormEncoding.query([("tab", status.rawValue), ("q", search), ("channel", channel), ("store", store), ("from", from), ("to", to)])
            body += "<a role=\"tab\" id=\"tab-\(status.rawValue)\" href=\"/orders\(HTML.escape(query))\"\(status == tab ? " class=\"active\" aria-selected=\"true\"" : "")>"
            body += "\(status.rawValue.capitalized)<span class=\"count\">\(counts[status] ?? 0)</span></a>"
        }
        body += "</div>"
        body += "<form class=\"filters\" method=\"get\" action=\"/orders\" id=\"filters\"><input type=\"hidden\" name=\"tab\" value=\"\(tab.rawValue)\">"
        body += "<label>Order number<input type=\"search\" name=\"q\" id=\"search\" value=\"\(HTML.escape(search))\" placeholder=\"id or channel order number\"></label>"
        body += select("channel", label: "Channel", options: channels, selected: channel)
        body += select("store", label: "Store", options: stores, selected: store)
        body += "<label>From<input type=\"date\" name=\"from\" value=\"\(HTML.escape(from))\"></label><label>To<input type=\"date\" name=\"to\" value=\"\(HTML.escape(to))\"></label>"
        body += "<button type=\"submit\" class=\"secondary\" id=\"apply-filters\">Filter</button></form>"
        for problem in problems { body += "<p class=\"problem\" role=\"alert\">\(HTML.escape(problem))</p>" }

        let tickable = tab == .pending || tab == .failed
        var rows: [[String]] = []
        for order in shown {
            var row: [String] = []
            if tickable { row.append("<input type=\"checkbox\" name=\"order\" value=\"\(HTML.escape(order.id))\" form=\"task-form\" aria-label=\"tick \(HTML.escape(order.id))\">") }
            row.append("<a href=\"/orders/\(HTML.url(order.id))\">\(HTML.escape(order.id))</a>")
            row += [HTML.escape(order.orderNumber), HTML.escape(order.channel), HTML.escape(order.store), HTML.escape(order.orderedOn ?? "")]
            row.append(HTML.escape(order.sqlDocno ?? ""))
            row.append(order.taskID.map { "<a href=\"/tasks/\($0)\">\($0)</a>" } ?? "")
            var note = order.lastError.map { "<span class=\"error-text\">\(HTML.escape($0))</span>" } ?? HTML.escape(order.excludedReason ?? "")
            if order.changedAfterSync { note += " <span class=\"warning\">changed since it was synced: see Plan</span>" }
            row.append(note)
            rows.append(row)
        }
        var headers = ["Order", "Order number", "Channel", "Store", "Ordered", "SQL invoice", "Task", tab == .failed ? "Error" : "Note"]
        if tickable { headers.insert("<input type=\"checkbox\" id=\"tick-all\" aria-label=\"tick every order shown\">", at: 0) }
        if tickable {
            body += "<form method=\"post\" action=\"/tasks\" id=\"task-form\" class=\"toolbar\">\(Markup.csrf(csrfToken))"
            body += "<input type=\"hidden\" name=\"back\" value=\"\(HTML.escape("/orders" + FormEncoding.query([("tab", tab.rawValue)])))\">"
            body += "<button type=\"submit\" id=\"create-task\" data-limit=\"\(Self.taskLimit)\">+ Add New task from ticked orders</button>"
            body += "<span id=\"ticked\" class=\"muted\">tick up to \(Self.taskLimit) orders</span></form>"
        }
        body += Markup.table(id: "orders", headers: headers, rows: rows,
                             empty: counts.values.reduce(0, +) == 0 ? "No orders imported yet: import an orders file below." : "No \(tab.rawValue) orders match.")
        if listing.total > shown.count {
            body += "<p class=\"muted\" id=\"shown-count\">Showing the first \(shown.count) of \(listing.total); search or filter to find the others.</p>"
        } else {
            body += "<p class=\"muted\" id=\"shown-count\">\(listing.total) \(tab.rawValue) order\(listing.total == 1 ? "" : "s") shown.</p>"
        }
        body += "<h2>Import orders</h2><form method=\"post\" action=\"/orders/import\" enctype=\"multipart/form-data\" class=\"toolbar\" id=\"import-form\">"
        body += Markup.csrf(csrfToken) + "<input type=\"hidden\" name=\"back\" value=\"/orders\">"
        body += "<label>Orders file (order JSON Lines, or a Shopee, Lazada, TikTok Shop, Shopify or WooCommerce export)<input type=\"file\" name=\"file\" id=\"orders-file\" required></label>"
        body += "<button type=\"submit\" id=\"import\">Import</button></form>"
        return page(Page(title: "Orders", section: .orders, body: body, flash: Flash(request)))
    }

    private func select(_ name: String, label: String, options: [String], selected: String) -> String {
        var html = "<label>\(label)<select name=\"\(name)\" id=\"filter-\(name)\"><option value=\"\">all</option>"
        for option in options {
            html += "<option value=\"\(HTML.escape(option))\"\(option == selected ? " selected" : "")>\(HTML.escape(option))</option>"
        }
        return html + "</select></label>"
    }

    /// Saves the upload beside the state store and imports it: the orders wait as pending until a task takes them.
    func importOrders(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let form = try request.form()
        guard let file = form.files.first(where: { $0.fieldName == "file" }), !file.bytes.isEmpty else {
            return .redirect(Self.with("/orders", problem: "choose an orders file to import"))
        }
        let path = try keep(file, in: "uploads")
        let report = try StoreImport.importOrders(path: path, packDirectory: configuration.packDirectory, statePath: statePath, environment: environment)
        var notice = "Imported \(report.total) orders from \(file.fileName): \(report.new) new, \(report.changed) changed, \(report.unchanged) unchanged"
        if !report.unreadable.isEmpty {
            let reasons = report.unreadable.prefix(5).map { "\($0.orderID): \($0.errors.map(\.message).joined(separator: "; "))" }
            notice += "; \(report.unreadable.count) could not be read (\(reasons.joined(separator: " · ")))"
            return .redirect(Self.with("/orders", problem: notice))
        }
        return .redirect(Self.with("/orders", notice: notice))
    }

    /// The order's invoice as the pack builds it now, readable, with the setting, rule or row behind each field.
    func orderPage(_ request: ConsoleRequest, orderID: String) throws -> ConsoleResponse {
        let detail = try StateViews.orderShow(statePath: statePath, orderID: orderID)
        let explanation = try PackUseCases.explainStored(packDirectory: configuration.packDirectory, statePath: statePath, orderID: orderID, asOf: asOf)
        let order = detail.order
        var body = "<div class=\"columns\"><section class=\"panel\" id=\"invoice\">"
        let outcome = explanation.outcome
        switch outcome.kind {
        case .excluded:
            body += "<p>Excluded: \(HTML.escape(outcome.reason ?? "by the pack"))</p>"
        case .error:
            body += "<p class=\"problem\">The pack cannot build this order's invoice:</p><ul>"
            for error in outcome.errors { body += "<li class=\"error-text\">\(HTML.escape(error.description))</li>" }
            body += "</ul>"
        case .document:
            if let document = outcome.document { body += invoicePreview(document) }
        }
        if !outcome.warnings.isEmpty {
            body += "<h2>Warnings</h2><ul id=\"warnings\">"
            for warning in outcome.warnings { body += "<li class=\"warning\">\(HTML.escape(warning.message))</li>" }
            body += "</ul>"
        }
        body += "</section><aside class=\"panel\"><h2>Sync</h2><dl class=\"fields\">"
        body += "<dt>Status</dt><dd>\(Markup.badge(order.status.rawValue))</dd>"
        body += "<dt>Channel</dt><dd>\(HTML.escape(order.channel)) · \(HTML.escape(order.store))</dd>"
        body += "<dt>Order number</dt><dd>\(HTML.escape(order.orderNumber))</dd>"
        if let docno = order.sqlDocno { body += "<dt>SQL invoice</dt><dd id=\"sql-docno\">\(HTML.escape(docno))</dd>" }
        if let task = order.taskID { body += "<dt>Task</dt><dd><a href=\"/tasks/\(task)\">\(task)</a></dd>" }
        if let error = order.lastError { body += "<dt>Error</dt><dd class=\"error-text\">\(HTML.escape(error))</dd>" }
        if let reason = order.excludedReason { body += "<dt>Excluded</dt><dd>\(HTML.escape(reason))</dd>" }
        body += "</dl>"
        if !detail.edits.isEmpty {
            body += "<h2>Your edits</h2><ul>"
            for edit in detail.edits { body += "<li><code>\(HTML.escape(edit.field))</code> = \(HTML.escape(edit.value))</li>" }
            body += "</ul>"
        }
        let attempts = detail.documents.flatMap(\.attempts)
        if !attempts.isEmpty {
            body += "<h2>Requests</h2><ul>"
            for attempt in attempts {
                body += "<li>\(HTML.escape(attempt.startedAt)) \(HTML.escape(attempt.requestMethod)) \(HTML.escape(attempt.requestPath)) → \(HTML.escape(attempt.outcome.rawValue))"
                if let summary = attempt.responseSummary { body += " <span class=\"muted\">\(HTML.escape(summary))</span>" }
                body += "</li>"
            }
            body += "</ul>"
        }
        body += "</aside></div>"
        return page(Page(title: "Order \(order.id)", section: .orders, body: body, flash: Flash(request)))
    }

    /// Header fields and lines as an invoice; each value's origin is its tooltip and in the last column.
    private func invoicePreview(_ document: SalesInvoiceDocument) -> String {
        var origins: [String: String] = [:]
        for field in document.provenance { origins[field.path] = field.origin.description }
        let payload = document.payload
        var html = "<h2>Sales invoice <span class=\"muted\">docref1 \(HTML.escape(document.idempotencyKey))</span></h2><table id=\"invoice-header\"><tbody>"
        for (key, value) in payload.entries where key != "sdsdocdetail" {
            let origin = origins[key] ?? ""
            html += "<tr><th>\(HTML.escape(key))</th><td title=\"\(HTML.escape(origin))\">\(HTML.escape(Self.display(value)))</td><td class=\"muted\">\(HTML.escape(origin))</td></tr>"
        }
        html += "</tbody></table>"
        let lines = payload["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? []
        guard !lines.isEmpty else { return html }
        var columns: [String] = []
        for line in lines { for key in line.keys where !columns.contains(key) { columns.append(key) } }
        html += "<h2>Lines</h2><table id=\"invoice-lines\"><thead><tr>" + columns.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (index, line) in lines.enumerated() {
            html += "<tr>"
            for key in columns {
                let origin = origins["sdsdocdetail[\(index)].\(key)"] ?? ""
                html += "<td title=\"\(HTML.escape(origin))\">\(HTML.escape(line[key].map(Self.display) ?? ""))</td>"
            }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    static func display(_ value: JSONValue) -> String {
        switch value {
        case .string(let text), .number(let text): return text
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return ""
        default: return JSONWriter.compactString(value)
        }
    }
}
