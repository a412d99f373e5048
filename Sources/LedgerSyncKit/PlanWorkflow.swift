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
        let text = request.format == .text
        guard let graph = compilePack(request.packDirectory, console: console, format: text ? .text : .json, quietWarnings: true) else { return ExitStatus.failure }
        guard let source = openOrders(request.ordersPath, console: console) else { return ExitStatus.failure }
        let statePath = StateLocation.resolve(request.statePath, environment: environment)
        let plan: Plan
        var masterProblems: [Diagnostic] = []
        do {
            let store = FileManager.default.fileExists(atPath: statePath) ? try StateStore(path: statePath) : nil
            var remote: [String: JSONObject]?
            var masters: (report: MasterCheck.Report, catalog: MasterCatalog)?
            if request.refresh {
                guard let profile = graph.pack.profile else {
                    console.err("--refresh needs a client pack with a profile.connection\n")
                    return ExitStatus.failure
                }
                var client = try client(for: profile.connection, endpoint: request.endpoint, environment: environment)
                client.retryPolicy = syncRetryPolicy(environment: environment)
                remote = try await fetchRemote(store: store, client: client)
                // Every code the pack can send, checked against SQL Accounting's masters before anything is sent.
                masters = try await MasterCheck.check(pack: graph.pack, client: client)
            }
            let stateFingerprint = try Fingerprint.state(store)
            var (entries, excluded) = try Planner.entries(for: source, Planner.Inputs(graph: graph, options: TransformOptions(asOf: request.asOf),
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
            plan = Plan(entries: entries, excluded: excluded, packDirectory: request.packDirectory, ordersPath: request.ordersPath,
                        packFingerprint: Fingerprint.pack(graph.pack), ordersFingerprint: Fingerprint.file(request.ordersPath),
                        stateFingerprint: stateFingerprint, refreshed: request.refresh, asOf: request.asOf.description,
                        createdAt: ISO8601DateFormatter().string(from: Date()))
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        if let outPath = request.outPath {
            do {
                var bytes = JSONWriter.prettyBytes(PlanCodec.encode(plan))
                bytes.append(UInt8(ascii: "\n"))
                try AtomicFile.write(bytes, to: outPath)
            } catch {
                console.err("cannot write the plan to \(outPath): \(error)\n")
                return ExitStatus.failure
            }
        }
        if !masterProblems.isEmpty {
            console.err(DiagnosticRendering.text(masterProblems))
        }
        if text {
            let rendering = PlanRendering(colour: console.outIsTerminal)
            let exists = FileManager.default.fileExists(atPath: statePath)
            console.out(rendering.text(plan, statePath: exists ? statePath : nil))
            if let outPath = request.outPath, plan.hasChanges {
                console.out("Saved the plan to \(outPath); `ledgersync apply \(outPath)` carries out exactly this plan.\n")
            }
        } else {
            console.outJSONDocument(PlanCodec.encode(plan, includePayloads: false))
        }
        if plan.hasErrors || masterProblems.hasErrors { return ExitStatus.failure }
        return request.detailedExitCode && plan.hasChanges ? ExitStatus.changesPresent : ExitStatus.success
    }

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
