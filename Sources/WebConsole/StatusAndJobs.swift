import Foundation
import LedgerSyncKit
import Sync

/// Status (the connection, the pack and its revision) and the sync jobs' progress pages.
extension ConsoleService {
    func statusPage(_ request: ConsoleRequest) async -> ConsoleResponse {
        var body = "<section class=\"panel\"><h2>SQL Accounting</h2>"
        do {
            let check = try await ConnectionCheck.run(StatusRequest(packDirectory: configuration.packDirectory, endpoint: endpoint), environment: environment)
            body += "<p id=\"connection\">\(Markup.badge(check.status.label)) <span id=\"connection-reason\">\(HTML.escape(check.status.reason.isEmpty ? "connected" : check.status.reason))</span></p>"
            body += "<p class=\"muted\">\(HTML.escape(check.target)), region \(HTML.escape(check.region)), service \(HTML.escape(check.service))"
            body += configuration.sandbox ? " — the console's own sandbox: nothing reaches a real SQL Accounting.</p>" : "</p>"
        } catch {
            body += "<p id=\"connection\">\(Markup.badge("Inactive")) <span class=\"error-text\">\(HTML.escape(FailureRendering.text(error, format: .text)))</span></p>"
        }
        body += "</section><section class=\"panel\"><h2>Rule pack</h2>"
        let revision = PackRevision.of(packDirectory: configuration.packDirectory)
        body += "<dl class=\"fields\"><dt>Pack</dt><dd id=\"pack-name\">\(HTML.escape(revision.name))</dd><dt>Folder</dt><dd>\(HTML.escape(configuration.packDirectory))</dd>"
        body += "<dt>Revision</dt><dd id=\"pack-revision\">\(HTML.escape(revision.commit ?? "not in a git repository"))</dd></dl>"
        if !revision.uncommitted.isEmpty {
            body += "<p class=\"problem\" id=\"uncommitted\">The pack has changes that are not committed: \(HTML.escape(revision.uncommitted.joined(separator: ", "))). Invoices synced now follow rules no commit records; ask the consultant to commit them.</p>"
        }
        do {
            _ = try PackUseCases.load(configuration.packDirectory)
        } catch {
            body += "<p class=\"problem\" id=\"pack-invalid\">\(HTML.escape(FailureRendering.text(error, format: .text)))</p>"
        }
        body += "</section><section class=\"panel\"><h2>State store</h2><p>\(HTML.escape(statePath))</p></section>"
        return page(Page(title: "Status", section: .status, body: body, flash: Flash(request)))
    }

    /// The syncs still running, with links to follow them.
    func runningJobs() -> String {
        let running = jobs.running
        guard !running.isEmpty else { return "" }
        return "<p class=\"notice\">" + running.map { "<a href=\"/jobs/\($0.id)\">\(HTML.escape($0.title))</a> is syncing" }.joined(separator: "; ") + "</p>"
    }

    func jobPage(_ request: ConsoleRequest, id text: String) -> ConsoleResponse {
        guard let id = Int(text), let job = jobs.job(id) else { return notFound(request) }
        let snapshot = jobs.read(job) { job in
            (job.state, job.total, job.done, job.failed, job.taskIDs, job.phase, job.summary)
        }
        let (state, total, done, failed, tasks, phase, summary) = snapshot
        var body = "<p id=\"job-state\">\(Markup.badge(state == .running ? "running" : state == .succeeded ? "completed" : "failed")) \(HTML.escape(phase))</p>"
        if let total, total > 0 {
            let percent = min(100, done * 100 / total)
            body += "<div class=\"progress\" role=\"progressbar\" aria-valuenow=\"\(done)\" aria-valuemax=\"\(total)\"><span style=\"width: \(percent)%\"></span></div>"
            body += "<p id=\"job-progress\">\(done) of \(total) sent\(failed > 0 ? ", \(failed) failed" : "")</p>"
        }
        if !tasks.isEmpty {
            body += "<p>Task\(tasks.count == 1 ? "" : "s"): " + tasks.map { "<a href=\"/tasks/\($0)\" class=\"job-task\">\($0)</a>" }.joined(separator: ", ") + "</p>"
        }
        if let summary { body += "<h2>Result</h2><pre id=\"job-summary\">\(HTML.escape(summary))</pre>" }
        return page(Page(title: job.title, section: .tasks, body: body, flash: Flash(request), refreshSeconds: state == .running ? 1 : nil))
    }

    /// Starts an `apply` of the console's pack and store in the background (set up by `configure`); returns the job's page.
    func startSync(title: String, _ configure: (inout ApplyRequest) -> Void) -> String {
        var request = ApplyRequest(packDirectory: configuration.packDirectory, ordersPath: nil, statePath: statePath, endpoint: endpoint,
                                   concurrency: 4, waitForLock: false, format: .text, asOf: asOf)
        configure(&request)
        let job = jobs.start(title: title)
        let board = jobs, environment = environment, finalRequest = request
        let events = ApplyProgress(waitingForLock: { holder, _ in board.waiting(job, "waiting: \(holder) is syncing this state store") },
                                   ready: { start in board.staged(job, total: start.prepared.staged.items.count + start.prepared.changes.count) },
                                   delivery: ApplyEvents(taskStarted: { board.taskStarted(job, $0) },
                                                         documentDone: { board.documentDone(job, failed: !$0.outcome.isSuccess) }))
        Task.detached {
            do {
                let report = try await ApplyReport.make(finalRequest, environment: environment, events: events)
                board.finish(job, succeeded: report.result.succeeded, summary: report.summaryText, taskIDs: report.result.taskIDs)
            } catch {
                board.finish(job, succeeded: false, summary: FailureRendering.text(CommandFailure(error), format: .text), taskIDs: [])
            }
        }
        return "/jobs/\(job.id)"
    }
}
