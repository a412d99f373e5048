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
        let colour = console.outIsTerminal
        return await respond(format: request.format == .text ? .text : .json, console: console,
                             render: { PlanOutcome.render($0, format: request.format, colour: colour) }) {
            try await PlanOutcome.make(request, environment: environment)
        }
    }
}

/// `plan`'s answer: the diff (saved to `--out` when asked) and what the master check found, when it ran.
public struct PlanOutcome: CommandResult {
    public var plan: Plan
    /// Codes the pack can send that SQL Accounting's masters lack (with `--refresh`).
    public var masterProblems: [Diagnostic]
    /// The state store compared with; nil when there is none yet.
    public var statePath: String?
    public var savedTo: String?
    public var detailedExitCode: Bool

    public var exitStatus: Int32 {
        if plan.hasErrors || masterProblems.hasErrors { return ExitStatus.failure }
        return detailedExitCode && plan.hasChanges ? ExitStatus.changesPresent : ExitStatus.success
    }

    public static func make(_ request: PlanRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> PlanOutcome {
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
        var masterProblems: [Diagnostic] = []
        let plan: Plan = try await reporting {
            let store = FileManager.default.fileExists(atPath: statePath) ? try StateStore(path: statePath) : nil
            var remote: [String: JSONObject]?
            var masters: (report: MasterCheck.Report, catalog: MasterCatalog)?
            if request.refresh {
                guard let profile = graph.pack.profile else {
                    throw CommandFailure.message("--refresh needs a client pack with a profile.connection")
                }
                var client = try Workflows.client(for: profile.connection, endpoint: request.endpoint, environment: environment)
                client.retryPolicy = Workflows.syncRetryPolicy(environment: environment)
                remote = try await Workflows.fetchRemote(store: store, client: client)
                // Every code the pack can send, checked against SQL Accounting's masters before anything is sent.
                masters = try await MasterCheck.check(pack: graph.pack, client: client)
            }
            let stateFingerprint = try Fingerprint.state(store)
            var (entries, excluded, sequences) = try Planner.entries(for: source, Planner.Inputs(graph: graph, options: TransformOptions(asOf: request.asOf),
                                                                                  store: store, remote: remote))
            if let masters {
                // An invoice SQL Account would refuse for its currency is an error of the plan, not a failed POST later.
                for index in entries.indices where entries[index].action == .create || entries[index].action == .update {
                    guard let payload = entries[index].payload,
                          let problem = MasterCheck.currencyProblem(orderID: entries[index].orderID, store: nil, payload: payload, orderLocation: nil,
                                                                    customers: masters.catalog, graph: graph) else { continue }
                    entries[index] = PlanEntry(orderID: entries[index].orderID, action: .error, reason: problem.description)
                }
                masterProblems = masters.report.diagnostics
            }
            var plan = Plan(entries: entries, excluded: excluded, packDirectory: request.packDirectory, ordersPath: request.ordersPath,
                        packFingerprint: Fingerprint.pack(graph.pack), ordersFingerprint: Fingerprint.file(request.ordersPath),
                        stateFingerprint: stateFingerprint, refreshed: request.refresh, asOf: request.asOf.description,
                        createdAt: ISO8601DateFormatter().string(from: Date()), selection: selection)
            plan.sequences = sequences
            return plan
        }
        if let outPath = request.outPath {
            do {
                var bytes = JSONWriter.prettyBytes(PlanCodec.encode(plan))
                bytes.append(UInt8(ascii: "\n"))
                try AtomicFile.write(bytes, to: outPath)
            } catch {
                throw .message("cannot write the plan to \(outPath): \(error)")
            }
        }
        return PlanOutcome(plan: plan, masterProblems: masterProblems, statePath: FileManager.default.fileExists(atPath: statePath) ? statePath : nil,
                           savedTo: request.outPath, detailedExitCode: request.detailedExitCode)
    }

    /// The master check's problems on stderr; the diff on stdout (coloured for a terminal), or its JSON without payloads.
    public static func render(_ outcome: PlanOutcome, format: OutputFormat, colour: Bool) -> Rendered {
        var rendered = Rendered(err: DiagnosticRendering.text(outcome.masterProblems))
        guard format == .text else {
            rendered.out = [.jsonDocument(PlanCodec.encode(outcome.plan, includePayloads: false))]
            return rendered
        }
        var out = PlanRendering(colour: colour).text(outcome.plan, statePath: outcome.statePath)
        if let outPath = outcome.savedTo, outcome.plan.hasChanges {
            out += "Saved the plan to \(outPath); `ledgersync apply \(outPath)` carries out exactly this plan.\n"
        }
        rendered.out = [.text(out)]
        return rendered
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
