import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Planner
import RulePack
import Sandbox
import SQLAccount
import StateStore
import Sync
import Transform

/// Everything `ledgersync apply` is told on the command line.
public struct ApplyRequest: Sendable {
    public var packDirectory: String
    public var ordersPath: String?
    /// The mapping of an order export given as --orders (a name or a file); nil: order JSON, or recognised by its header.
    public var ordersMapping: String? = nil
    /// Set for `tasks retry N`: no import; the task's failed orders are transformed again and synced in that task.
    public var retryTask: Int64?
    /// `apply PLAN`: carry out exactly this saved plan (its pack and orders file), refusing if anything moved.
    public var planPath: String?
    /// Orders already in the state store, by id (the console's ticked orders): no orders file, nothing imported.
    public var storedOrderIDs: [String]?
    /// The orders of `--orders` to take (`--order`, `--orders-from`, `--status`, `--store`, `--from`, `--to`);
    /// nil: all of them. A saved plan carries its own.
    public var selection: OrderSelection?
    /// nil: `.ledgersync/state.sqlite`, or a temporary store with `sandbox`.
    public var statePath: String?
    public var endpoint: String?
    public var sandbox: Bool
    public var sandboxFaults: String?
    public var concurrency: Int
    public var requestTimeout: Int?
    /// false: refuse at once when another apply holds the state store.
    public var waitForLock: Bool
    public var format: OutputFormat
    public var asOf: CalendarDate

    public init(packDirectory: String, ordersPath: String?, statePath: String? = nil, endpoint: String? = nil, sandbox: Bool = false,
                sandboxFaults: String? = nil, concurrency: Int = 4, requestTimeout: Int? = nil, waitForLock: Bool = true,
                format: OutputFormat = .text, asOf: CalendarDate) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.statePath = statePath
        self.endpoint = endpoint
        self.sandbox = sandbox
        self.sandboxFaults = sandboxFaults
        self.concurrency = concurrency
        self.requestTimeout = requestTimeout
        self.waitForLock = waitForLock
        self.format = format
        self.asOf = asOf
    }

    /// `tasks retry TASK`: the same sync, limited to one task's failed orders.
    public static func retry(task: Int64, packDirectory: String, statePath: String?, endpoint: String?, sandbox: Bool, concurrency: Int,
                             requestTimeout: Int?, format: OutputFormat, asOf: CalendarDate) -> ApplyRequest {
        var request = ApplyRequest(packDirectory: packDirectory, ordersPath: nil, statePath: statePath, endpoint: endpoint, sandbox: sandbox,
                                   concurrency: concurrency, requestTimeout: requestTimeout, format: format, asOf: asOf)
        request.retryTask = task
        return request
    }
}

/// The state store `apply`, `tasks` and `orders` use when `--state` is not given.
public enum StateLocation {
    public static let defaultPath = ".ledgersync/state.sqlite"

    public static func resolve(_ given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let given, !given.isEmpty { return given }
        if let fromEnvironment = environment["LEDGERSYNC_STATE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }
}

/// Where the documents go: a real endpoint, or the sandbox started for this run.
struct SyncTarget {
    var client: SQLAccountClient
    var label: String
    var embedded: SandboxServer?
}

extension Workflows {
    /// `ledgersync apply`: import → transform → stage → sync in tasks of ≤150, exactly once; a summary at the end.
    public static func apply(_ request: ApplyRequest, console: Console,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let text = request.format == .text
        let progress = ProgressLine(enabled: text && console.errIsTerminal)
        let events = ApplyProgress(waitingForLock: { holder, statePath in
            console.err("waiting: \(holder) is syncing with \(statePath); this run starts when it finishes\n")
        }, ready: { start in
            progress.total = start.prepared.staged.items.count
            if text { console.out(ApplyReport.render(start)) }
        }, delivery: ApplyEvents(taskStarted: { progress.task = $0 }, documentDone: { progress.advance(failed: !$0.outcome.isSuccess) }),
           deliveryEnded: { progress.finish() })
        return await respond(format: text ? .text : .json, console: console, render: { ApplyReport.render($0, format: request.format) }) {
            try await ApplyReport.make(request, environment: environment, events: events)
        }
    }

    /// A saved plan, or a message naming the file and what is wrong with it.
    static func loadPlan(_ path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostic.error("cannot read the plan file '\(path)'; make one with `ledgersync plan --orders FILE --out \(path)`", code: "unreadable-file")
        }
        let value: JSONValue
        do { value = try JSONParser.parse(Array(data)) } catch {
            throw Diagnostic.error("\(path) is not a ledgersync plan: \(error); make it again with `ledgersync plan --out`", code: "invalid-plan")
        }
        return try PlanCodec.decode(value, path: path)
    }

    static func makeTarget(_ request: ApplyRequest, connection: Connection, environment: [String: String]) async throws -> SyncTarget {
        var connection = connection
        if let timeout = request.requestTimeout { connection.timeoutSeconds = Traced(timeout, Origin("--request-timeout", at: nil)) }
        if request.sandbox {
            var faults = FaultSpec.none
            if let spec = request.sandboxFaults { faults = try FaultSpec.parse(spec) }
            let started = try await EmbeddedSandbox.start(for: connection, environment: environment, faults: faults)
            var client = started.client
            client.retryPolicy = syncRetryPolicy(environment: environment)
            return SyncTarget(client: client, label: "the embedded sandbox at \(started.endpoint)", embedded: started.server)
        }
        var client = try client(for: connection, endpoint: request.endpoint, environment: environment)
        client.retryPolicy = syncRetryPolicy(environment: environment)
        return SyncTarget(client: client, label: request.endpoint ?? "https://\(connection.host.value)", embedded: nil)
    }

    /// Blind retries only for what cannot have reached SQL Account; one backoff shared by every worker.
    /// `LEDGERSYNC_RETRY_DELAY_SCALE` (a factor in (0, 1], default 1) shortens every wait: for tests against a
    /// sandbox that rate-limits on purpose, or a tenant known to recover fast. A server's `Retry-After` is still obeyed.
    public static func syncRetryPolicy(environment: [String: String] = ProcessInfo.processInfo.environment) -> RetryPolicy {
        var scale = 1.0
        if let text = environment["LEDGERSYNC_RETRY_DELAY_SCALE"], let value = Double(text), value > 0, value <= 1 { scale = value }
        return RetryPolicy(maxAttempts: 6, baseDelay: 0.25 * scale, maxDelay: 20 * scale, jitter: 0.2, maxRetryAfter: 120,
                           adaptive: AdaptiveBackoff(initialDelay: 0.25 * scale, maxDelay: 20 * scale, floor: 0.05 * scale))
    }
}

/// What apply says while it runs, before its report: waiting for the lock, what it is about to send, each document.
public struct ApplyProgress {
    public var waitingForLock: (_ holder: StateLock.Holder, _ statePath: String) -> Void
    /// Everything is imported and staged; nothing sent yet.
    public var ready: (ApplyStart) -> Void
    /// Each task and document as it is sent, from the sync's workers.
    public var delivery: ApplyEvents
    /// Sending is over (not called when the connection check refused it before anything was sent).
    public var deliveryEnded: () -> Void

    public init(waitingForLock: @escaping (StateLock.Holder, String) -> Void = { _, _ in }, ready: @escaping (ApplyStart) -> Void = { _ in },
                delivery: ApplyEvents = ApplyEvents(), deliveryEnded: @escaping () -> Void = {}) {
        self.waitingForLock = waitingForLock
        self.ready = ready
        self.delivery = delivery
        self.deliveryEnded = deliveryEnded
    }
}

/// The moment before sending: what was imported or retried, and where the invoices go.
public struct ApplyStart: Sendable {
    public enum Source: Sendable {
        case retry(task: Int64)
        case plan(createdAt: String, ordersPath: String)
        case orders(path: String)
        /// Orders the state store already held, ticked by id.
        case stored(orders: Int)
    }

    public var source: Source
    public var prepared: PreparedApply
    public var statePath: String
    /// A sandbox run's throwaway store, named as such rather than by its path.
    public var temporaryStore: Bool
    public var target: String
    public var concurrency: Int
    public var tasks: Int
}

/// `apply`'s answer: what the sync did, where it sent, how long it took. A failure before anything was sent
/// (a stale plan, no profile, the lock, the connection) is a `CommandFailure` instead.
public struct ApplyReport: CommandResult {
    public var result: ApplyResult
    public var target: String
    public var seconds: TimeInterval

    public var exitStatus: Int32 { result.succeeded ? ExitStatus.success : ExitStatus.failure }

    /// The summary `apply` prints: what was created, adopted, changed, failed and excluded.
    public var summaryText: String { ApplySummary(result: result, seconds: seconds, target: target).text }

    public static func make(_ request: ApplyRequest, environment: [String: String] = ProcessInfo.processInfo.environment,
                            events: ApplyProgress = ApplyProgress()) async throws(CommandFailure) -> ApplyReport {
        var request = request
        var savedPlan: Plan?
        if request.planPath != nil, let selection = request.selection, !selection.isEmpty {
            throw .message("a saved plan carries out its own selection; give \(selection.label) to `ledgersync plan`, not to `apply PLAN`")
        }
        if let planPath = request.planPath {
            let plan = try reporting { try Workflows.loadPlan(planPath) }
            if request.packDirectory != "." && request.packDirectory != plan.packDirectory {
                throw .message("the plan was made with the pack \(plan.packDirectory), not \(request.packDirectory); drop --pack or make the plan again")
            }
            request.packDirectory = plan.packDirectory
            request.ordersPath = plan.ordersPath
            savedPlan = plan
        }
        let graph = try PackUseCases.load(request.packDirectory).graph
        if let plan = savedPlan {
            if Fingerprint.pack(graph.pack) != plan.packFingerprint {
                throw .message("the plan is stale: the pack \(plan.packDirectory) changed since it was made (\(plan.createdAt)); run `ledgersync plan --out` again")
            }
            if Fingerprint.file(plan.ordersPath) != plan.ordersFingerprint {
                throw .message("the plan is stale: the orders file \(plan.ordersPath) changed since it was made (\(plan.createdAt)); run `ledgersync plan --out` again")
            }
        }
        guard let profile = graph.pack.profile else {
            throw .message("pack '\(request.packDirectory)' is a base pack without a profile; apply a client pack that extends it")
        }
        var source: OrderSource?
        var selection: ResolvedSelection?
        if request.retryTask == nil && request.storedOrderIDs == nil {
            guard let ordersPath = request.ordersPath else { throw .message("give the orders to sync with --orders FILE") }
            source = try PackUseCases.openOrders(ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory)
            if let wanted = request.selection, !wanted.isEmpty, let whole = source {
                // Every ticked id must be in the file, and something must be selected, before anything is written or sent.
                selection = try Workflows.resolve(wanted, in: whole, ordersPath: ordersPath, nothingDone: "nothing was imported or sent")
                source = try PackUseCases.openOrders(ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory)
            }
        }

        // The state store: a throwaway one for a sandbox run unless --state says otherwise.
        var temporaryDirectory: String?
        let statePath: String
        if request.sandbox && request.statePath == nil && request.retryTask == nil && savedPlan == nil {
            let directory = NSTemporaryDirectory() + "ledgersync-\(UUID().uuidString.prefix(8))"
            temporaryDirectory = directory
            statePath = directory + "/state.sqlite"
        } else {
            statePath = StateLocation.resolve(request.statePath, environment: environment)
        }
        defer { if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) } }

        // Where to send, and with which keys, before anything is written.
        let target = try await reporting { try await Workflows.makeTarget(request, connection: profile.connection, environment: environment) }
        let run = ApplyRun(request: request, graph: graph, source: source, selection: selection, savedPlan: savedPlan, statePath: statePath,
                           temporaryStore: temporaryDirectory != nil, events: events)
        // The embedded sandbox is stopped once the sync is over, whatever way it ended.
        let outcome: Result<ApplyReport, CommandFailure>
        do throws(CommandFailure) { outcome = .success(try await run.sync(through: target)) } catch { outcome = .failure(error) }
        if let server = target.embedded { await server.stop() }
        return try outcome.get()
    }
}

/// One apply once its pack, orders, state store and target are settled: lock, prepare, deliver.
private struct ApplyRun {
    var request: ApplyRequest
    var graph: TransformGraph
    var source: OrderSource?
    var selection: ResolvedSelection?
    var savedPlan: Plan?
    var statePath: String
    var temporaryStore: Bool
    var events: ApplyProgress

    func sync(through target: SyncTarget) async throws(CommandFailure) -> ApplyReport {
        if let task = request.retryTask, !FileManager.default.fileExists(atPath: statePath) {
            throw .message("no state store at \(statePath), so there is no task \(task); run ledgersync apply first (or pass --state)")
        }
        if request.storedOrderIDs != nil, !FileManager.default.fileExists(atPath: statePath) {
            throw .message("no state store at \(statePath), so it holds no orders; import orders first")
        }
        let command = request.retryTask.map { "ledgersync tasks retry \($0)" } ?? request.planPath.map { "ledgersync apply \($0)" }
            ?? request.storedOrderIDs.map { "ledgersync console (a task of \($0.count) ticked orders)" }
            ?? "ledgersync apply --orders \(request.ordersPath ?? "")"
        let statePath = statePath
        let lock = try reporting {
            try StateLock.acquire(statePath: statePath, command: command, wait: request.waitForLock) { holder in events.waitingForLock(holder, statePath) }
        }
        defer { lock.release() }

        let started = Date()
        let (pipeline, prepared, origin) = try reporting { () throws -> (ApplyPipeline, PreparedApply, ApplyStart.Source) in
            if let plan = savedPlan {
                let existing = FileManager.default.fileExists(atPath: statePath) ? try StateStore(path: statePath) : nil
                if try Fingerprint.state(existing) != plan.stateFingerprint {
                    throw CommandFailure.message("the plan is stale: the state store \(statePath) changed since it was made (\(plan.createdAt)) — another apply ran, or orders were retried or edited; run `ledgersync plan --out` again")
                }
            }
            let pipeline = ApplyPipeline(graph: graph, options: TransformOptions(asOf: request.asOf), store: try StateStore(path: statePath))
            if let task = request.retryTask {
                return (pipeline, try pipeline.prepare(.retry(task: task)), .retry(task: task))
            } else if let orderIDs = request.storedOrderIDs {
                return (pipeline, try pipeline.prepare(.stored(orderIDs: orderIDs)), .stored(orders: orderIDs.count))
            } else if let plan = savedPlan, let source {
                return (pipeline, try pipeline.prepare(.plan(plan, orders: source)), .plan(createdAt: plan.createdAt, ordersPath: plan.ordersPath))
            } else if let source {
                return (pipeline, try pipeline.prepare(.orders(source, selection: selection)), .orders(path: request.ordersPath ?? ""))
            }
            return (pipeline, PreparedApply(), .orders(path: request.ordersPath ?? ""))
        }

        let syncOptions = SyncOptions(concurrency: request.concurrency)
        events.ready(ApplyStart(source: origin, prepared: prepared, statePath: statePath, temporaryStore: temporaryStore, target: target.label,
                                concurrency: syncOptions.concurrency, tasks: ApplyPipeline.chunks(prepared, taskSize: syncOptions.taskSize).count))
        let result: ApplyResult
        do {
            result = try await pipeline.deliver(prepared, client: target.client, sync: syncOptions, events: events.delivery)
            events.deliveryEnded()
        } catch let unavailable as ConnectionUnavailable {
            let invoices = prepared.staged.items.count, changes = prepared.changes.count
            throw .message("\(unavailable.status.label): \(unavailable.status.reason) (\(target.label)); nothing was sent — \(invoices) invoice\(invoices == 1 ? "" : "s") stay pending\(changes == 0 ? "" : ", \(changes) change\(changes == 1 ? "" : "s") to synced invoices not made")")
        } catch {
            events.deliveryEnded()
            throw CommandFailure(error)
        }
        return ApplyReport(result: result, target: target.label, seconds: Date().timeIntervalSince(started))
    }
}

extension ApplyReport {
    /// The lines before sending: what was imported (or retried, or which plan), how it is sent, and what changes.
    static func render(_ start: ApplyStart) -> String {
        let prepared = start.prepared
        var out: String
        switch start.source {
        case .retry(let task):
            out = "retrying \(prepared.retriedOrders) order\(prepared.retriedOrders == 1 ? "" : "s") of task \(task) (\(start.statePath))\n"
        case .plan(let createdAt, let ordersPath):
            out = "carrying out the plan made \(createdAt) for \(ordersPath) (\(prepared.imported.total) orders\(prepared.selection.map { ": \($0.summary)" } ?? ""))\n"
        case .stored(let count):
            out = "taking \(count) order\(count == 1 ? "" : "s") of \(start.statePath)\n"
        case .orders(let path):
            let imported = prepared.imported
            let into = start.temporaryStore ? "a temporary state store" : start.statePath
            let selected = prepared.selection.map { " (\($0.selectedIDs.count) of its \($0.fileOrders) selected: \($0.selection.label))" } ?? ""
            out = "imported \(imported.total) orders from \(path)\(selected) into \(into): \(imported.new) new, \(imported.changed) changed, \(imported.unchanged) unchanged\(imported.unreadable.isEmpty ? "" : ", \(imported.unreadable.count) unreadable")\n"
        }
        let invoices = prepared.staged.items.count
        if invoices > 0 {
            out += "syncing \(invoices) invoice\(invoices == 1 ? "" : "s") to \(start.target) in \(start.tasks) task\(start.tasks == 1 ? "" : "s"), \(start.concurrency) at a time\n"
        }
        if !prepared.changes.isEmpty {
            out += "changing \(prepared.changes.count) invoice\(prepared.changes.count == 1 ? "" : "s") already in SQL Accounting\n"
        }
        return out
    }

    static func render(_ report: ApplyReport, format: OutputFormat) -> Rendered {
        let summary = ApplySummary(result: report.result, seconds: report.seconds, target: report.target)
        return format == .text ? .text(summary.text) : .document(summary.json)
    }
}

/// `\r[task 3] 120/450 synced, 2 failed` on a terminal; nothing otherwise.
final class ProgressLine: @unchecked Sendable {
    let enabled: Bool
    /// Set once the documents to send are known.
    var total = 0
    var task: Int64 = 0
    private var done = 0
    private var failed = 0
    private var lastDraw = Date.distantPast

    init(enabled: Bool) {
        self.enabled = enabled
    }

    func advance(failed isFailure: Bool) {
        done += 1
        if isFailure { failed += 1 }
        guard enabled, Date().timeIntervalSince(lastDraw) > 0.1 || done == total else { return }
        lastDraw = Date()
        FileHandle.standardError.write(Data("\r\u{1B}[K[task \(task)] \(done)/\(total) synced\(failed > 0 ? ", \(failed) failed" : "")".utf8))
    }

    func finish() {
        guard enabled, done > 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

/// The end of an apply as a person or a script reads it: what was created, adopted, failed (with why) and excluded.
struct ApplySummary {
    var result: ApplyResult
    var seconds: TimeInterval
    var target: String

    var imported: ImportReport { result.imported }
    var staged: StagingReport { result.staged }
    var results: [SyncItemResult] { result.results }
    var changes: [(entry: PlanEntry, outcome: ChangeOutcome)] { result.changes }
    var taskIDs: [Int64] { result.taskIDs }
    var stopReason: String? { result.stopReason }
    var previouslyCompleted: Int { result.previouslyCompleted }
    var created: [SyncItemResult] { result.created }
    var adopted: [SyncItemResult] { result.adopted }
    var syncFailures: [(orderID: String, message: String)] { result.syncFailures }
    var changeFailures: [(orderID: String, message: String)] { result.changeFailures }
    var skipped: Int { result.skipped }
    var updated: Int { result.updated }
    var cancelled: Int { result.cancelled }
    var failures: [(orderID: String, message: String)] { result.failures }
    var succeeded: Bool { result.succeeded }

    static let listedLimit = 200

    /// A return document by its body: a credit note has lines, a refund only knock-offs.
    static func returnDocumentName(_ payload: JSONObject) -> String {
        payload["sdsdocdetail"] != nil ? "credit note" : "refund"
    }

    /// What a return document knocks off: the invoice a credit note credits, the credit note a refund pays out.
    static func knockOff(_ item: SyncItem) -> String {
        guard let row = item.payload["sdsknockoff"]?.arrayValue?.first?.objectValue, let docno = row["docno"]?.stringValue,
              let amount = row["koamt"]?.stringValue else { return "" }
        return "  knocks off \(docno) \(amount)"
    }

    static func amount(_ item: SyncItem) -> String {
        switch item.payload["docamt"] {
        case .number(let text)?, .string(let text)?: return "  \(text)"
        default: return ""
        }
    }

    var text: String {
        var out = ""
        let synced = results.filter(\.outcome.isSuccess)
        if !synced.isEmpty { out += "synced \(synced.count):\n" }
        for result in synced.prefix(Self.listedLimit) {
            switch result.outcome {
            case .created(let docno, let dockey):
                out += "  + \(result.item.orderID) → \(docno ?? "dockey \(dockey)")\(Self.amount(result.item))\n"
            case .adopted(let docno, let dockey, let note):
                out += "  = \(result.item.orderID) → \(docno ?? "dockey \(dockey)") was already in SQL Account: adopted, not sent again\(note.map { " (warning: \($0))" } ?? "")\n"
            default: break
            }
        }
        if synced.count > Self.listedLimit {
            out += "  … \(synced.count - Self.listedLimit) more: ledgersync orders list --status completed\n"
        }
        for change in changes {
            switch change.outcome {
            case .updated(let docno, let fields):
                out += "  ~ \(change.entry.orderID) → \(docno ?? "") updated (\(fields) field\(fields == 1 ? "" : "s"): \(change.entry.updates.map(\.path).joined(separator: ", ")))\n"
            case .cancelled(let docno):
                out += "  - \(change.entry.orderID) → \(docno ?? "") cancelled in SQL Accounting (\(change.entry.reason ?? "the order was cancelled"))\n"
            case .failed:
                break
            }
        }
        let returned = result.returnResults.filter(\.outcome.isSuccess)
        if !returned.isEmpty { out += "returns \(returned.count):\n" }
        for entry in returned {
            let what = Self.returnDocumentName(entry.item.payload)
            switch entry.outcome {
            case .created(let docno, let dockey):
                out += "  + \(entry.item.orderID) → \(what) \(docno ?? "dockey \(dockey)")\(Self.amount(entry.item))\(Self.knockOff(entry.item))\n"
            case .adopted(let docno, let dockey, _):
                out += "  = \(entry.item.orderID) → \(what) \(docno ?? "dockey \(dockey)") was already in SQL Account: adopted, not sent again\n"
            default: break
            }
        }
        let failures = self.failures
        if !failures.isEmpty {
            out += "failed \(failures.count):\n"
            for failure in failures { out += "  ! \(failure.orderID): \(failure.message)\n" }
        }
        let newlyExcluded = staged.excluded.filter { !staged.excludedAsBefore.contains($0.orderID) }
        if !newlyExcluded.isEmpty {
            out += "excluded \(newlyExcluded.count):\n"
            var byReason: [(String, [String])] = []
            for (orderID, reason) in newlyExcluded {
                if let index = byReason.firstIndex(where: { $0.0 == reason }) { byReason[index].1.append(orderID) } else { byReason.append((reason, [orderID])) }
            }
            for (reason, orders) in byReason {
                let shown = orders.prefix(5).joined(separator: ", ") + (orders.count > 5 ? ", … \(orders.count - 5) more" : "")
                out += "  - \(orders.count) × \(reason): \(shown)\n"
            }
        }
        if !staged.excludedAsBefore.isEmpty {
            out += "\(staged.excludedAsBefore.count) order\(staged.excludedAsBefore.count == 1 ? "" : "s") excluded as before (ledgersync orders list --status excluded)\n"
        }
        if let stopReason { out += "stopped early, \(skipped) invoice\(skipped == 1 ? "" : "s") not sent: \(stopReason)\n" }
        let tasks = taskIDs.isEmpty ? "no task" : "task\(taskIDs.count == 1 ? "" : "s") \(taskIDs.map(String.init).joined(separator: ", "))"
        out += "\(created.count) created, \(adopted.count) adopted, "
        if !changes.isEmpty { out += "\(updated) updated, \(cancelled) cancelled, " }
        if !returned.isEmpty {
            let notes = returned.filter { $0.item.payload["sdsdocdetail"] != nil }.count
            out += "\(notes) credit note\(notes == 1 ? "" : "s"), \(returned.count - notes) refund\(returned.count - notes == 1 ? "" : "s"), "
        }
        out += "\(failures.count) failed, \(staged.excluded.count) excluded"
        if skipped > 0 { out += ", \(skipped) not sent" }
        if previouslyCompleted > 0 { out += ", \(previouslyCompleted) synced before" }
        out += " (\(tasks), \(String(format: "%.1f", seconds)) s)\n"
        if let selection = result.selection {
            out += "\(selection.summary); the other \(selection.notSelected) of the file were left untouched\n"
        }
        if !imported.unreadable.isEmpty {
            out += "fix the unreadable orders in the orders file and run apply again\n"
        }
        if !(staged.failed.isEmpty && syncFailures.isEmpty && changeFailures.isEmpty), let task = taskIDs.last {
            out += "fix what each message names (ledgersync tasks edit \(task) ORDER --set FIELD=VALUE for editable fields), then `ledgersync tasks retry \(task)` or run apply again\n"
        }
        return out
    }

    var json: JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("succeeded", .bool(succeeded))
        object.append("created", .int(created.count))
        object.append("adopted", .int(adopted.count))
        object.append("updated", .int(updated))
        object.append("cancelled", .int(cancelled))
        object.append("failed", .int(failures.count))
        object.append("excluded", .int(staged.excluded.count))
        object.append("synced_before", .int(previouslyCompleted))
        object.append("not_sent", .int(skipped))
        object.append("tasks", .array(taskIDs.map { .number(String($0)) }))
        object.append("selection", result.selection?.json ?? .null)
        object.append("imported", .object(["new": .int(imported.new), "changed": .int(imported.changed), "unchanged": .int(imported.unchanged),
                                           "unreadable": .int(imported.unreadable.count)]))
        if let stopReason { object.append("stopped", .string(stopReason)) }
        var orders: [JSONValue] = []
        for result in results {
            var row = JSONObject()
            row.append("order_id", .string(result.item.orderID))
            switch result.outcome {
            case .created(let docno, let dockey):
                row.append("result", .string("created"))
                row.append("docno", docno.map { .string($0) } ?? .null)
                row.append("dockey", .number(String(dockey)))
            case .adopted(let docno, let dockey, let note):
                row.append("result", .string("adopted"))
                row.append("docno", docno.map { .string($0) } ?? .null)
                row.append("dockey", .number(String(dockey)))
                if let note { row.append("warning", .string(note)) }
            case .failed(let message):
                row.append("result", .string("failed"))
                row.append("error", .string(message))
            case .unknown(let message):
                row.append("result", .string("unknown"))
                row.append("error", .string(message))
            case .skipped(let reason):
                row.append("result", .string("not_sent"))
                row.append("error", .string(reason))
            }
            orders.append(.object(row))
        }
        for failure in staged.failed + imported.unreadable.map({ ($0.orderID, $0.errors.map(\.description).joined(separator: "; ")) }) {
            orders.append(.object(["order_id": .string(failure.0), "result": .string("failed"), "error": .string(failure.1)]))
        }
        for excluded in staged.excluded {
            orders.append(.object(["order_id": .string(excluded.orderID), "result": .string("excluded"), "reason": .string(excluded.reason)]))
        }
        object.append("orders", .array(orders))
        var returns: [JSONValue] = []
        for entry in result.returnResults {
            var row = JSONObject()
            row.append("order_id", .string(entry.item.orderID))
            row.append("type", .string(entry.item.payload["sdsdocdetail"] != nil ? "salescreditnote" : "customerrefund"))
            row.append("docref1", .string(entry.item.idempotencyKey))
            switch entry.outcome {
            case .created(let docno, _):
                row.append("result", .string("created"))
                row.append("docno", docno.map { .string($0) } ?? .null)
            case .adopted(let docno, _, _):
                row.append("result", .string("adopted"))
                row.append("docno", docno.map { .string($0) } ?? .null)
            case .failed(let message), .unknown(let message), .skipped(let message):
                row.append("result", .string("failed"))
                row.append("error", .string(message))
            }
            returns.append(.object(row))
        }
        for failure in result.returnFailures {
            returns.append(.object(["order_id": .string(failure.orderID), "result": .string("failed"), "error": .string(failure.message)]))
        }
        if !returns.isEmpty { object.append("returns", .array(returns)) }
        object.append("seconds", .number(String(format: "%.3f", seconds)))
        return .object(object)
    }
}
