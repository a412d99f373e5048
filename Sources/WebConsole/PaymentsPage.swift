import Foundation
import LedgerCore
import LedgerSyncKit
import StateStore

/// Payments: upload a settlement report (previewed — errors and warnings at their row and column, the parsed rows —
/// with nothing written until Proceed), the receipts it calls for with their knock-offs, an entered paid amount,
/// sync, and the O/R number of each receipt. The same workflows as `ledgersync payments …`, their report shown as
/// they print it.
extension ConsoleService {
    static let settlementChannels = ["shopee", "lazada", "tiktok"]

    func paymentsRoute(_ request: ConsoleRequest, _ rest: [String]) async throws -> ConsoleResponse {
        switch (request.method, rest.first) {
        case ("GET", nil): return try await paymentsPage(request)
        case ("POST", "preview"?): return try await previewSettlement(request)
        case ("POST", "import"?): return try await importSettlement(request)
        case ("POST", "apply"?): return try syncPayments(request)
        case ("POST", "or"?): return try await recordReceiptNumber(request)
        default: return notFound(request)
        }
    }

    /// What a CLI workflow printed, and whether it succeeded.
    struct Printed {
        var status: Int32
        var out: String
        var err: String

        var html: String {
            var html = ""
            if !err.isEmpty { html += "<pre class=\"\(status == 0 ? "warning" : "error-text")\" id=\"report-messages\">\(HTML.escape(err))</pre>" }
            if !out.isEmpty { html += "<pre id=\"report\">\(HTML.escape(out))</pre>" }
            return html
        }
    }

    private func printed(_ run: (Console) async -> Int32) async -> Printed {
        let console = Console.capturing()
        let status = await run(console)
        return Printed(status: status, out: console.capturedOut, err: console.capturedErr)
    }

    func paymentsPage(_ request: ConsoleRequest, section extra: String = "") async throws -> ConsoleResponse {
        var body = runningJobs() + extra
        body += "<h2>Import a settlement report</h2><form method=\"post\" action=\"/payments/preview\" enctype=\"multipart/form-data\" class=\"toolbar\" id=\"settlement-form\">"
        body += Markup.csrf(csrfToken) + "<input type=\"hidden\" name=\"back\" value=\"/payments\">"
        body += "<label>Channel<select name=\"channel\" id=\"settlement-channel\">" + Self.settlementChannels.map { "<option>\($0)</option>" }.joined() + "</select></label>"
        body += "<label>Report (xlsx or CSV, as the channel's seller centre gives it)<input type=\"file\" name=\"file\" id=\"settlement-file\" required></label>"
        body += "<button type=\"submit\" id=\"preview-settlement\">Preview</button></form>"

        let channel = request.queryValue("channel").flatMap { $0.isEmpty ? nil : $0 }
        let paid = request.queryValue("paid").flatMap { $0.isEmpty ? nil : $0 }
        body += "<h2>Receipts to send</h2><form method=\"get\" action=\"/payments\" class=\"filters\" id=\"receipts-form\">"
        body += "<label>Channel<input type=\"text\" name=\"channel\" id=\"receipts-channel\" value=\"\(HTML.escape(channel ?? ""))\" placeholder=\"all\"></label>"
        body += "<label>Paid amount (what reached the bank, for one receipt)<input type=\"text\" name=\"paid\" id=\"paid-amount\" inputmode=\"decimal\" value=\"\(HTML.escape(paid ?? ""))\"></label>"
        body += "<button type=\"submit\" class=\"secondary\" id=\"show-receipts\">Show</button></form>"
        var amount: Money?
        if let paid {
            amount = Money(parsing: paid)
            if amount == nil { body += "<p class=\"problem\" role=\"alert\">'\(HTML.escape(paid))' is not an amount; write it like 1234.50</p>" }
        }
        if FileManager.default.fileExists(atPath: statePath), paid == nil || amount != nil {
            let statePath = statePath, pack = configuration.packDirectory
            let selection = PaymentSelection(packDirectory: pack, statePath: statePath, channel: channel, paidAmount: amount)
            let plan: Printed
            var anything = false
            do {
                let planned = try PaymentUseCases.plan(selection)
                anything = !planned.result.payments.isEmpty || !planned.result.adjustments.isEmpty
                plan = Printed(status: planned.exitStatus, out: planned.text, err: "")
            } catch {
                plan = Printed(status: ExitStatus.failure, out: "", err: FailureRendering.text(error, format: .text))
            }
            body += "<section class=\"panel\" id=\"receipts-plan\">\(plan.html)"
            if plan.status == 0 && anything {
                var fields: [(String, String)] = [("back", "/payments")]
                if let channel { fields.append(("channel", channel)) }
                if let paid { fields.append(("paid", paid)) }
                body += Markup.button("Sync these receipts", action: "/payments/apply", csrf: csrfToken, id: "sync-receipts",
                                      confirm: "Send these receipts to SQL Accounting?", fields: fields)
            }
            body += "</section>"
        }

        body += "<h2>Payments</h2>"
        let payments = FileManager.default.fileExists(atPath: statePath) ? try PaymentUseCases.list(statePath: statePath).payments : []
        let rows = payments.map { payment -> [String] in
            let id = payment.id ?? 0
            var orForm = "<form method=\"post\" action=\"/payments/or\" class=\"inline\">\(Markup.csrf(csrfToken))"
            orForm += "<input type=\"hidden\" name=\"payment\" value=\"\(id)\"><input type=\"text\" name=\"or\" size=\"12\" value=\"\(HTML.escape(payment.orNumber ?? ""))\" aria-label=\"O/R number of payment \(id)\" id=\"or-\(id)\">"
            orForm += " <button type=\"submit\" class=\"secondary\" id=\"save-or-\(id)\">Save O/R</button></form>"
            return ["\(id)", HTML.escape(payment.channel), HTML.escape(payment.payoutDate), HTML.escape(payment.reference), HTML.escape(payment.customerCode),
                    Markup.badge(payment.state.rawValue), HTML.escape(payment.remoteDocno ?? ""), orForm,
                    payment.lastError.map { "<span class=\"error-text\">\(HTML.escape($0))</span>" } ?? ""]
        }
        body += Markup.table(id: "payments", headers: ["Payment", "Channel", "Payout", "Statement", "Customer", "State", "Receipt", "O/R number", "Error"],
                             rows: rows, empty: "No payments yet: import a settlement report above.")
        return page(Page(title: "Payments", section: .payments, body: body, flash: Flash(request)))
    }

    /// Reads the report and shows what an import would do; writes nothing. Proceed imports the same kept file.
    func previewSettlement(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let form = try request.form()
        guard let channel = form.value("channel"), Self.settlementChannels.contains(channel) else {
            return .redirect(Self.with("/payments", problem: "choose the report's channel: \(Self.settlementChannels.joined(separator: ", "))"))
        }
        guard let file = form.files.first(where: { $0.fieldName == "file" }), !file.bytes.isEmpty else {
            return .redirect(Self.with("/payments", problem: "choose the settlement report to import"))
        }
        let path = try keep(file, in: "settlements")
        let statePath = statePath
        let preview = await printed { console in
            Workflows.paymentsImport(statePath: statePath, channel: channel, path: path, preview: true, console: console)
        }
        var section = "<section class=\"panel\" id=\"settlement-preview\"><h2>Preview of \(HTML.escape(file.fileName)) (\(HTML.escape(channel)))</h2>"
        // The report is named as the user uploaded it, not as the console keeps it.
        section += preview.html.replacingOccurrences(of: HTML.escape(path), with: HTML.escape(file.fileName))
            .replacingOccurrences(of: HTML.escape((path as NSString).lastPathComponent), with: HTML.escape(file.fileName))
        if preview.status == 0 {
            section += Markup.button("Proceed: import it", action: "/payments/import", csrf: csrfToken, id: "proceed-import",
                                     fields: [("path", path), ("channel", channel), ("name", file.fileName), ("back", "/payments")])
        } else {
            section += "<p class=\"problem\" role=\"alert\" id=\"settlement-refused\">Nothing was imported: fix the rows above (or export the report again) and upload it again.</p>"
        }
        section += "</section>"
        return try await paymentsPage(ConsoleRequest(method: "GET", target: "/payments", headers: request.headers), section: section)
    }

    func importSettlement(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let form = try request.form()
        guard let path = form.value("path"), kept(in: "settlements").contains(path), let channel = form.value("channel"),
              Self.settlementChannels.contains(channel) else {
            return .redirect(Self.with("/payments", problem: "that report is not one the console previewed; upload it again"))
        }
        let statePath = statePath
        let result = await printed { console in
            Workflows.paymentsImport(statePath: statePath, channel: channel, path: path, preview: false, console: console)
        }
        let name = form.value("name") ?? (path as NSString).lastPathComponent
        let text = (result.out + result.err).replacingOccurrences(of: path, with: name)
            .replacingOccurrences(of: (path as NSString).lastPathComponent, with: name).trimmingCharacters(in: .whitespacesAndNewlines)
        return .redirect(Self.with("/payments", notice: result.status == 0 ? text : nil, problem: result.status == 0 ? nil : text))
    }

    func syncPayments(_ request: ConsoleRequest) throws -> ConsoleResponse {
        let form = try request.form()
        let channel = form.value("channel"), paid = form.value("paid")
        var amount: Money?
        if let paid {
            guard let parsed = Money(parsing: paid) else { return .redirect(Self.with("/payments", problem: "'\(paid)' is not an amount")) }
            amount = parsed
        }
        if let running = jobs.running.first {
            return .redirect(Self.with("/payments", problem: "\(running.title) is syncing; sync the receipts when it has finished"))
        }
        let statePath = statePath, pack = configuration.packDirectory, endpoint = endpoint, environment = environment
        let job = jobs.start(title: "Receipts\(channel.map { " of \($0)" } ?? "")")
        let board = jobs
        jobs.waiting(job, "sending the receipts")
        Task.detached {
            let console = Console.capturing()
            let status = await Workflows.paymentsApply(packDirectory: pack, statePath: statePath, channel: channel, from: nil, to: nil, paidAmount: amount,
                                                       endpoint: endpoint, format: .text, console: console, environment: environment)
            board.finish(job, succeeded: status == 0, summary: console.capturedErr + console.capturedOut, taskIDs: [])
        }
        return .redirect("/jobs/\(job.id)")
    }

    func recordReceiptNumber(_ request: ConsoleRequest) async throws -> ConsoleResponse {
        let form = try request.form()
        guard let id = form.value("payment").flatMap({ Int64($0) }), let number = form.value("or")?.trimmingCharacters(in: .whitespaces), !number.isEmpty else {
            return .redirect(Self.with("/payments", problem: "enter the O/R number before saving it"))
        }
        let statePath = statePath
        let recorded = try await offPool { try PaymentUseCases.setReceiptNumber(statePath: statePath, paymentID: id, receiptNumber: number) }
        return .redirect(Self.with("/payments", notice: "Recorded O/R \(recorded.receiptNumber) for payment \(recorded.paymentID); the next receipts sync sends it to SQL Accounting."))
    }
}
