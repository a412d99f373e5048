import Foundation
import LedgerSyncKit
import Planner

/// Plan: the dry run of an imported orders file against the state store (and, refreshed, SQL Accounting's own copies)
/// as a page, saved like `plan --out`; "Sync" carries out exactly that saved plan, refused if anything moved since.
extension ConsoleService {
    /// At most this many entries of each kind are listed; the summary counts them all.
    static let planEntriesShown = 500

    func planRoute(_ request: ConsoleRequest, _ rest: [String]) async throws -> ConsoleResponse {
        switch (request.method, rest.first) {
        case ("GET", nil): return try planPage(request)
        case ("POST", nil): return try await makePlan(request)
        case ("POST", "apply"?): return try syncPlan(request)
        default: return notFound(request)
        }
    }

    func makePlan(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let form = try request.form()
        let uploads = kept(in: "uploads")
        guard let orders = form.value("orders"), uploads.contains(orders) else {
            return .redirect(Self.with("/plan", problem: "choose one of the imported orders files (import one on the Orders page)"))
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        var planRequest = PlanRequest(packDirectory: configuration.packDirectory, ordersPath: orders, statePath: statePath,
                                      refresh: form.value("refresh") == "1", endpoint: endpoint, outPath: try folder("plans") + "/plan-\(stamp).json",
                                      asOf: asOf)
        planRequest.format = .text
        _ = try await SavedPlans.make(planRequest, environment: environment)
        return .redirect("/plan")
    }

    func syncPlan(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let form = try request.form()
        guard let path = form.value("plan"), kept(in: "plans").contains(path) else {
            return .redirect(Self.with("/plan", problem: "that plan is not one of the console's saved plans; make the plan again"))
        }
        return .redirect(startSync(title: "Sync of the plan made \((path as NSString).lastPathComponent)") { $0.planPath = path })
    }

    func planPage(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let uploads = kept(in: "uploads")
        var body = runningJobs()
        body += "<form method=\"post\" action=\"/plan\" class=\"toolbar\" id=\"plan-form\">\(Markup.csrf(csrfToken))<input type=\"hidden\" name=\"back\" value=\"/plan\">"
        body += "<label>Orders file<select name=\"orders\" id=\"plan-orders\">"
        for path in uploads { body += "<option value=\"\(HTML.escape(path))\">\(HTML.escape((path as NSString).lastPathComponent))</option>" }
        body += "</select></label><label><span><input type=\"checkbox\" name=\"refresh\" value=\"1\" id=\"plan-refresh\"> compare with SQL Accounting's own copies and check its masters</span></label>"
        body += "<button type=\"submit\" id=\"make-plan\"\(uploads.isEmpty ? " disabled" : "")>Make plan</button></form>"
        if uploads.isEmpty { body += "<p class=\"empty\">Import an orders file on the Orders page first.</p>" }
        guard let latest = kept(in: "plans").first else {
            return page(Page(title: "Plan", section: .plan, body: body, flash: Flash(request)))
        }
        let plan = try SavedPlans.load(latest)
        let tally = plan.tally
        body += "<section class=\"panel\"><p id=\"plan-summary\">\(HTML.escape(PlanRendering(colour: false).summary(tally)))</p>"
        body += "<p class=\"muted\">Made \(HTML.escape(plan.createdAt)) for \(HTML.escape((plan.ordersPath as NSString).lastPathComponent))\(plan.refreshed ? ", refreshed from SQL Accounting" : ""), as of \(HTML.escape(plan.asOf)).</p>"
        if tally.hasChanges {
            body += Markup.button("Sync this plan", action: "/plan/apply", csrf: csrfToken, id: "sync-plan",
                                  confirm: "Send exactly these changes to SQL Accounting?", fields: [("plan", latest), ("back", "/plan")])
        }
        body += "</section>"
        for (action, heading) in [(PlanAction.error, "Errors"), (.create, "To create"), (.update, "To update"), (.cancel, "To cancel")] {
            let entries = plan.entries.filter { $0.action == action }
            guard !entries.isEmpty else { continue }
            body += "<h2>\(heading) (\(entries.count))</h2>"
            let rows = entries.prefix(Self.planEntriesShown).map { entry -> [String] in
                let link = "<a href=\"/orders/\(HTML.url(entry.orderID))\">\(HTML.escape(entry.orderID))</a>"
                return ["<span class=\"badge \(action.rawValue)\">\(HTML.escape(action.symbol))</span>", link, HTML.escape(entry.documentType), planDetails(entry)]
            }
            body += Markup.table(id: "plan-\(action.rawValue)", headers: ["", "Order", "Document", "What happens"], rows: rows, empty: "")
            if entries.count > Self.planEntriesShown { body += "<p class=\"muted\">and \(entries.count - Self.planEntriesShown) more (the saved plan has them all).</p>" }
        }
        let unchanged = tally.count(.unchanged)
        if unchanged > 0 { body += "<p class=\"muted\" id=\"plan-unchanged\">\(unchanged) document\(unchanged == 1 ? "" : "s") unchanged.</p>" }
        if tally.excluded > 0 { body += "<p class=\"muted\">\(tally.excluded) order\(tally.excluded == 1 ? "" : "s") excluded by the pack.</p>" }
        return page(Page(title: "Plan", section: .plan, body: body, flash: Flash(request)))
    }

    /// An entry's last column: what is created, each changed field old → new with the policy that decided it, why.
    private func planDetails(_ entry: PlanEntry) -> String {
        var html = ""
        switch entry.action {
        case .create:
            html += HTML.escape(SavedPlans.describe(entry))
            if let returnID = entry.returnID { html += " <span class=\"muted\">return \(HTML.escape(returnID))</span>" }
        case .update, .unchanged:
            html += HTML.escape(entry.remoteDocno ?? "")
        case .cancel, .error:
            break
        }
        if let reason = entry.reason { html += "<div class=\"\(entry.action == .error ? "error-text" : "muted")\">\(HTML.escape(reason))</div>" }
        if !entry.drift.isEmpty || !entry.changes.isEmpty {
            html += "<ul class=\"changes\">"
            for change in entry.drift {
                html += "<li class=\"error-text\">edited in SQL Accounting: <code>\(HTML.escape(change.path))</code> \(HTML.escape(SavedPlans.show(change.old))) → \(HTML.escape(SavedPlans.show(change.new)))</li>"
            }
            for change in entry.changes {
                let note: String
                switch change.policy {
                case .update: note = "update"
                case .createOnly: note = "create_only: kept as \(SavedPlans.show(change.old))"
                case .ignore: note = "ignore: not sent"
                }
                html += "<li><code>\(HTML.escape(change.path))</code> \(HTML.escape(SavedPlans.show(change.old))) → \(HTML.escape(SavedPlans.show(change.new))) <span class=\"muted\">(\(HTML.escape(note)))</span></li>"
            }
            html += "</ul>"
        }
        for warning in entry.warnings { html += "<div class=\"warning\">\(HTML.escape(warning.message))</div>" }
        return html
    }
}
