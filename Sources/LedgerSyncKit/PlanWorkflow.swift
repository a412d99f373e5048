import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import Planner
import RulePack
import SQLAccount
import StateStore
import Transform

/// Everything `ledgersync plan` is told.
public struct PlanRequest: Sendable {
    public var packDirectory: String
    public var ordersPath: String
    /// The mapping of an order export given as --orders (a name or a file); nil: order JSON, or recognised by its header.
    public var ordersMapping: String? = nil
    /// The orders of `--orders` to plan (`--order`, `--orders-from`, `--status`, `--store`, `--from`, `--to`);
    /// nil: all of them. Saved with the plan, so `apply PLAN` takes exactly these.
    public var selection: OrderSelection? = nil
    public var statePath: String?
    /// Compare with SQL Account's own copies (fetched by dockey), not only with what was recorded.
    public var refresh: Bool
    public var endpoint: String?
    public var outPath: String?
    public var format: OutputFormat
    public var detailedExitCode: Bool
    public var asOf: CalendarDate

    public init(packDirectory: String, ordersPath: String, statePath: String? = nil, refresh: Bool = false, endpoint: String? = nil,
                outPath: String? = nil, format: OutputFormat = .text, detailedExitCode: Bool = false, asOf: CalendarDate) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.statePath = statePath
        self.refresh = refresh
        self.endpoint = endpoint
        self.outPath = outPath
        self.format = format
        self.detailedExitCode = detailedExitCode
        self.asOf = asOf
    }
}

extension Workflows {
    /// `ledgersync plan`: the dry-run diff. Exit 0 (no changes, or changes without --detailed-exitcode),
    /// 1 (an error), 2 (changes present, with --detailed-exitcode).
    public static func plan(_ request: PlanRequest, console: Console,
                            environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        do {
            return try await PlanCommand.run(request, console: console, environment: environment)
        } catch {
            console.err(FailureRendering.text(error, format: request.format == .text ? .text : .json))
            return ExitStatus.failure
        }
    }
}

/// The plan as data, for a caller that shows it itself (the console): made as `plan --out PATH` makes it, read back
/// from the saved file, so what is shown is exactly what `apply PATH` will carry out.
public enum SavedPlans {
    public static func make(_ request: PlanRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> Plan {
        guard let outPath = request.outPath else { throw .message("a saved plan needs a path to be saved at") }
        var request = request
        request.format = .text
        _ = try await PlanCommand.run(request, console: Console.capturing(), environment: environment)
        return try load(outPath)
    }

    public static func load(_ path: String) throws(CommandFailure) -> Plan {
        try reporting { try Workflows.loadPlan(path) }
    }

    /// What `plan` shows for an entry after its document type: the number, customer, date, amount and lines.
    public static func describe(_ entry: PlanEntry) -> String {
        let text = PlanRendering(colour: false).describe(entry.payload, docno: entry.remoteDocno, type: entry.documentType)
        let prefix = entry.documentType + "  "
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }

    /// A changed field's value as `plan` shows it (`(none)` when absent, a line as `{itemcode …, qty …}`).
    public static func show(_ value: JSONValue?) -> String { PlanRendering(colour: false).show(value) }
}

/// `plan`, streamed: each order's lines are shown (text) or spooled (JSON, `--out`) as the order is planned, so memory
/// stays flat however many orders the file holds. The JSON document and the saved plan are put together at the end,
/// when their summary is known; a saved plan replaces `--out` only once it is complete.
enum PlanCommand {
    static func run(_ request: PlanRequest, console: Console, environment: [String: String]) async throws(CommandFailure) -> Int32 {
        let graph = try PackUseCases.load(request.packDirectory).graph
        var source = try PackUseCases.openOrders(request.ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory)
        var selection: ResolvedSelection?
        if let wanted = request.selection, !wanted.isEmpty {
            let resolved = try Workflows.resolve(wanted, in: source, ordersPath: request.ordersPath,
                                                 nothingDone: request.outPath == nil ? "no plan was made" : "no plan was made; \(request.outPath ?? "") was not written")
            source = resolved.filter(try PackUseCases.openOrders(request.ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory))
            selection = resolved
        }
        let statePath = StateLocation.resolve(request.statePath, environment: environment)
        let store: StateStore? = try reporting { FileManager.default.fileExists(atPath: statePath) ? try StateStore(path: statePath) : nil }
        var remote: [String: JSONObject]?
        var masters: (report: MasterCheck.Report, catalog: MasterCatalog)?
        if request.refresh {
            guard let profile = graph.pack.profile else {
                throw CommandFailure.message("--refresh needs a client pack with a profile.connection")
            }
            (remote, masters) = try await reporting {
                var client = try Workflows.client(for: profile.connection, endpoint: request.endpoint, environment: environment)
                client.retryPolicy = Workflows.syncRetryPolicy(environment: environment)
                let remote = try await Workflows.fetchRemote(store: store, client: client)
                // Every code the pack can send, checked against SQL Accounting's masters before anything is sent.
                return (remote, try await MasterCheck.check(pack: graph.pack, client: client))
            }
        }
        let masterProblems = masters?.report.diagnostics ?? []
        if !masterProblems.isEmpty { console.err(DiagnosticRendering.text(masterProblems)) }
        var head = try reporting {
            Plan(entries: [], excluded: [], packDirectory: request.packDirectory, ordersPath: request.ordersPath,
                 packFingerprint: Fingerprint.pack(graph.pack), ordersFingerprint: Fingerprint.file(request.ordersPath),
                 stateFingerprint: try Fingerprint.state(store), refreshed: request.refresh, asOf: request.asOf.description,
                 createdAt: ISO8601DateFormatter().string(from: Date()), selection: selection)
        }

        let text = request.format == .text
        let rendering = PlanRendering(colour: console.outIsTerminal)
        let shown = text ? nil : try reporting { try PlanDocumentStream(includePayloads: false) }
        let saved = request.outPath == nil ? nil : try reporting { try PlanDocumentStream(includePayloads: true) }
        var tally = PlanTally()
        var quiet = PlanRendering.QuietCounts()
        if text { console.out(rendering.header(head, statePath: store == nil ? nil : statePath)) }
        // Only a saved plan shows the payloads of unchanged invoices.
        let inputs = Planner.Inputs(graph: graph, options: TransformOptions(asOf: request.asOf), store: store, remote: remote,
                                    keepsUnchangedPayloads: saved != nil)
        head.sequences = try reporting {
            try Planner.stream(source, inputs, entry: { planned in
                var entry = planned
                // An invoice SQL Account would refuse for its currency is an error of the plan, not a failed POST later.
                if let masters, entry.action == .create || entry.action == .update, let payload = entry.payload,
                   let problem = MasterCheck.currencyProblem(orderID: entry.orderID, store: nil, payload: payload, orderLocation: nil,
                                                             customers: masters.catalog, graph: graph) {
                    entry = PlanEntry(orderID: entry.orderID, action: .error, reason: problem.description)
                }
                tally.add(entry)
                if text { console.out(rendering.body(entry, quiet: &quiet)) }
                try shown?.add(entry)
                try saved?.add(entry)
            }, excluded: { orderID, reason in
                tally.excluded += 1
                try shown?.exclude(orderID: orderID, reason: reason)
                try saved?.exclude(orderID: orderID, reason: reason)
            })
        }
        if let saved, let outPath = request.outPath {
            do {
                try AtomicFile.replace(outPath) { temporary in
                    let file = try BufferedFileWriter(creating: temporary)
                    try saved.write(head: head, tally: tally) { try file.append($0) }
                    try file.flush()
                }
            } catch {
                throw .message("cannot write the plan to \(outPath): \(error)")
            }
        }
        if let shown {
            try reporting { try shown.write(head: head, tally: tally) { bytes in console.outBytes { $0.append(contentsOf: bytes) } } }
        } else {
            var out = rendering.footer(tally, quiet: quiet)
            if let outPath = request.outPath, tally.hasChanges {
                out += "Saved the plan to \(outPath); `ledgersync apply \(outPath)` carries out exactly this plan.\n"
            }
            console.out(out)
        }
        if tally.hasErrors || masterProblems.hasErrors { return ExitStatus.failure }
        return request.detailedExitCode && tally.hasChanges ? ExitStatus.changesPresent : ExitStatus.success
    }
}

extension Workflows {
    /// SQL Account's copy of every invoice the state store recorded as created, by order id; absent when not found.
    static func fetchRemote(store: StateStore?, client: SQLAccountClient) async throws -> [String: JSONObject] {
        guard let store else { return [:] }
        let documents = try store.documents(in: [.created])
        var remote: [String: JSONObject] = [:]
        try await withThrowingTaskGroup(of: (String, JSONObject?).self) { group in
            var next = 0
            func launch() {
                guard next < documents.count else { return }
                let document = documents[next]
                next += 1
                group.addTask {
                    guard let dockey = document.remoteDockey else { return (document.orderID, nil) }
                    let record = try await client.get(SQLAccountResource(document.type), dockey: Int(dockey))
                    return (document.orderID, record?.object)
                }
            }
            for _ in 0..<min(8, documents.count) { launch() }
            while let (orderID, record) = try await group.next() {
                if let record { remote[orderID] = record }
                launch()
            }
        }
        return remote
    }
}
