import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Sandbox
import SQLAccount
import StateStore
import Sync
import Transform

/// What `ledgersync masters plan|apply` was asked to do.
public struct MastersRequest: Sendable {
    public var packDirectory: String
    /// Orders whose unmatched SKUs need stock items (and whose currencies the new customers must take).
    public var ordersPath: String?
    public var ordersMapping: String?
    /// A product catalogue whose unmatched SKUs need stock items, sold or not.
    public var cataloguePath: String?
    public var endpoint: String?
    public var sandbox: Bool
    /// The state store: where `apply` records what it created (`--state`, `$LEDGERSYNC_STATE`, or the default).
    public var statePath: String?
    /// The pack's item sheet `apply` writes the new matches to, when it lists several.
    public var sheet: String?
    public var format: OutputFormat

    public init(packDirectory: String, ordersPath: String? = nil, ordersMapping: String? = nil, cataloguePath: String? = nil, endpoint: String? = nil,
                sandbox: Bool = false, statePath: String? = nil, sheet: String? = nil, format: OutputFormat = .text) {
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.ordersMapping = ordersMapping
        self.cataloguePath = cataloguePath
        self.endpoint = endpoint
        self.sandbox = sandbox
        self.statePath = statePath
        self.sheet = sheet
        self.format = format
    }
}

/// `ledgersync masters plan|apply`: the stock items and customers the pack's `masters:` section lets ledgersync
/// create, planned against SQL Accounting's masters, created exactly once, and the new stock items matched.
extension Workflows {
    /// The dry run: reads SQL's masters (only GETs), lists `+` / `=` / `!`. Exit 1 on a `!` or an error.
    public static func mastersPlan(_ request: MastersRequest, console: Console,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        guard let prepared = await prepareMasters(request, console: console, environment: environment) else { return ExitStatus.failure }
        let store = existingStore(request, environment: environment)
        let plan = await planMasters(prepared, recorded: (try? store?.masters()) ?? [])
        if let server = prepared.embedded { await server.stop() }
        if request.format == .text {
            console.out(MastersRendering.text(plan))
        } else {
            console.outJSONDocument(MastersRendering.json(plan))
        }
        return plan.hasErrors ? ExitStatus.failure : ExitStatus.success
    }

    /// Plans, creates every `+` exactly once (recorded in the state store), adopts what SQL already has, and writes
    /// the SKU → code matches of the new (and the `=`) stock items into the pack's item sheet.
    public static func mastersApply(_ request: MastersRequest, console: Console,
                                    environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        guard let prepared = await prepareMasters(request, console: console, environment: environment) else { return ExitStatus.failure }
        let status = await applyMasters(prepared, request: request, console: console, environment: environment)
        if let server = prepared.embedded { await server.stop() }
        return status
    }

    /// Loaded and connected: the pack, the SKUs, SQL's client.
    struct PreparedMasters {
        var graph: TransformGraph
        var report: ItemMatchReport?
        var catalogue: ProductCatalogue?
        var client: SQLAccountClient
        var target: String
        var embedded: SandboxServer?
    }

    /// The pack (with `masters:` on), the orders' and catalogue's SKUs, and a client; nil after printing why not.
    static func prepareMasters(_ request: MastersRequest, console: Console, environment: [String: String]) async -> PreparedMasters? {
        guard let graph = compilePack(request.packDirectory, console: console, format: request.format, quietWarnings: true) else { return nil }
        let pack = graph.pack
        guard let profile = pack.profile else {
            console.err("pack '\(request.packDirectory)' is a base pack without a profile; run masters on a client pack\n")
            return nil
        }
        guard pack.masters.creatingStockItems != nil || pack.masters.creatingCustomers != nil else {
            let files = pack.files.first.map { ($0 as NSString).lastPathComponent } ?? "pack.yaml"
            console.err("the pack lets ledgersync create no masters: add a masters: section (in \(files)) with stock_items: {code: \"{sku}\"} and/or customers: {…}; see Docs/RulePackSpec.md §3.13\n")
            return nil
        }
        var report: ItemMatchReport?
        if let ordersPath = request.ordersPath {
            guard let source = openOrders(ordersPath, mapping: request.ordersMapping, packDirectory: request.packDirectory, console: console) else { return nil }
            do {
                report = try ItemMatchReport.build(graph: graph, orders: source)
            } catch {
                console.err("\(error)\n")
                return nil
            }
        }
        var catalogue: ProductCatalogue?
        if let cataloguePath = request.cataloguePath {
            let read: ProductCatalogue
            do {
                read = try ProductCatalogue.read(path: cataloguePath)
            } catch {
                console.err("\(error)\n")
                return nil
            }
            var combined = report ?? .empty
            combined.add(read, graph: graph, ordersGiven: report != nil)
            report = combined
            catalogue = read
        }
        if pack.masters.creatingStockItems != nil && report == nil && pack.masters.creatingCustomers == nil {
            console.err("give the SKUs that need stock items: --orders FILE, --catalog FILE, or both\n")
            return nil
        }
        do {
            if request.sandbox {
                let started = try await EmbeddedSandbox.start(for: profile.connection, environment: environment)
                return PreparedMasters(graph: graph, report: report, catalogue: catalogue, client: started.client, target: "the embedded sandbox", embedded: started.server)
            }
            let client = try client(for: profile.connection, endpoint: request.endpoint, environment: environment)
            return PreparedMasters(graph: graph, report: report, catalogue: catalogue, client: client,
                                   target: request.endpoint ?? "https://\(profile.connection.host.value)", embedded: nil)
        } catch let diagnostic as Diagnostic {
            console.err(diagnostic.description + "\n")
        } catch {
            console.err("cannot connect to SQL Accounting: \(error)\n")
        }
        return nil
    }

    /// The state store a plan reads reservations from: the one given, or the default when it exists; none for a
    /// sandbox run without `--state`.
    static func existingStore(_ request: MastersRequest, environment: [String: String]) -> StateStore? {
        if request.sandbox && request.statePath == nil { return nil }
        let path = StateLocation.resolve(request.statePath, environment: environment)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try? StateStore(path: path)
    }

    /// Reads the masters the plan needs and plans.
    static func planMasters(_ prepared: PreparedMasters, recorded: [StoredMaster]) async -> MasterPlan {
        let settings = prepared.graph.pack.masters
        var catalog: MasterCatalog
        do {
            catalog = try await MasterCatalog.fetch(prepared.client, kinds: MasterPlanner.kindsNeeded(settings))
        } catch {
            var plan = MasterPlan()
            plan.target = prepared.target
            plan.diagnostics.append(.error("masters plan stopped: \(error)", code: "cancelled"))
            return plan
        }
        var inputs = MasterPlanner.Inputs(graph: prepared.graph, report: prepared.report, catalog: catalog, recorded: recorded)
        // Existing items whose UOM is not their default need their detail to compare UOMs.
        if let creation = settings.creatingStockItems, let sqlItems = catalog.codes(.item), let unmatched = prepared.report?.unmatched {
            let uom = creation.uom?.value ?? prepared.graph.pack.defaults[.uom]?.value.description ?? "UNIT"
            var codes: Set<String> = []
            for row in unmatched {
                for code in [creation.code(sku: row.sku, number: nil)].compactMap({ $0 }) + recorded.filter({ $0.need == row.sku }).map(\.code) {
                    if let item = sqlItems[code], item.defaultUOM != uom { codes.insert(code) }
                }
            }
            if !codes.isEmpty { inputs.itemUOMs = await catalog.itemUOMs(codes.sorted()).0 }
        }
        var plan = MasterPlanner.plan(inputs)
        plan.target = prepared.target
        plan.diagnostics += prepared.catalogue?.skipped ?? []
        return plan
    }

    private static func applyMasters(_ prepared: PreparedMasters, request: MastersRequest, console: Console, environment: [String: String]) async -> Int32 {
        let pack = prepared.graph.pack
        // Where the matches go, settled before anything is created.
        var sheet: ItemSheetReference?
        if pack.masters.creatingStockItems != nil && prepared.report.map({ !$0.unmatched.isEmpty }) == true {
            switch chooseItemSheet(pack: pack, requested: request.sheet) {
            case .success(let chosen): sheet = chosen
            case .failure(let diagnostic):
                console.err(diagnostic.description + "; nothing was created\n")
                return ExitStatus.failure
            }
        }
        var temporaryDirectory: String?
        let statePath: String
        if request.sandbox && request.statePath == nil {
            let directory = NSTemporaryDirectory() + "ledgersync-\(UUID().uuidString.prefix(8))"
            temporaryDirectory = directory
            statePath = directory + "/state.sqlite"
        } else {
            statePath = StateLocation.resolve(request.statePath, environment: environment)
        }
        defer { if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) } }

        do {
            let lock = try StateLock.acquire(statePath: statePath, command: "ledgersync masters apply", wait: true) { holder in
                console.err("waiting: \(holder) is syncing with \(statePath)\n")
            }
            defer { lock.release() }
            let store = try StateStore(path: statePath)
            var client = prepared.client
            client.retryPolicy = syncRetryPolicy(environment: environment)
            let plan = await planMasters(PreparedMasters(graph: prepared.graph, report: prepared.report, catalogue: prepared.catalogue, client: client,
                                                         target: prepared.target, embedded: nil),
                                         recorded: try store.masters())
            if plan.diagnostics.hasErrors {
                if request.format == .text { console.out(MastersRendering.text(plan)) } else { console.outJSONDocument(MastersRendering.json(plan)) }
                console.err("nothing was created\n")
                return ExitStatus.failure
            }

            // Stage every `+` (its code reserved), then create them one by one.
            var results: [MasterApplyResult] = []
            var items: [(Int, MasterSyncItem)] = []
            for (index, entry) in plan.entries.enumerated() {
                results.append(MasterApplyResult(entry: entry, outcome: nil))
                guard entry.action == .create else { continue }
                do {
                    let kind: MasterRecordKind = entry.kind == .stockItem ? .stockItem : .customer
                    let staged = try store.stageMaster(kind: kind, need: entry.need, code: entry.code, payloadJSON: JSONWriter.compactString(.object(entry.payload)))
                    guard let id = staged.id else { continue }
                    let expectation = entry.expectation
                    // A master staged by an earlier run keeps the code and body it may have been sent with.
                    let payload = staged.code == entry.code ? entry.payload : ((try? JSONParser.parse(staged.payloadJSON))?.objectValue ?? entry.payload)
                    items.append((index, MasterSyncItem(masterID: id, resource: entry.kind == .stockItem ? .stockItem : .customer, code: staged.code,
                                                        payload: payload, clash: { MasterPlanner.difference(found: $0, expected: expectation) })))
                } catch let taken as MasterCodeTaken {
                    results[index].outcome = .failed(message: "\(taken); run masters plan again")
                }
            }
            let engine = MasterSyncEngine(store: store, client: client, options: SyncOptions(concurrency: 1))
            let outcomes = await engine.sync(items.map(\.1))
            for ((index, _), outcome) in zip(items, outcomes) { results[index].outcome = outcome }

            // The new codes matched: `+` created or adopted, and `=` stock items, into the pack's item sheet.
            var sheetNote: String?
            var sheetFailed = false
            if let sheet {
                let rows = results.filter { result in
                    guard result.entry.kind == .stockItem else { return false }
                    switch (result.entry.action, result.outcome) {
                    case (.existing, _): return true
                    case (.create, let outcome?): return outcome.isSuccess
                    default: return false
                    }
                }.map { ItemSheetRow(sku: $0.entry.need, name: $0.entry.name, code: $0.entry.code, uom: $0.entry.uom ?? "", status: "matched") }
                if !rows.isEmpty {
                    let incoming = ItemSheetContents(rows: rows, columns: ["sku", "name", "syncapp_code", "syncapp_uom", "status"])
                    let current = ItemSheet.readRows(path: sheet.path, displayPath: sheet.displayPath, declaredAt: sheet.declaredAt, purpose: .pack)
                    var merge = ItemSheetMerge.merge(incoming: incoming, into: current.rows, target: sheet, pack: pack, incomingPath: "masters apply")
                    merge.diagnostics = current.diagnostics.errors + merge.diagnostics
                    if merge.diagnostics.hasErrors {
                        sheetFailed = true
                        sheetNote = DiagnosticRendering.text(merge.diagnostics) + "\(sheet.displayPath) was not written; the items exist in SQL Accounting — match them with `ledgersync match import`, or run masters apply again\n"
                    } else if let failure = writeSheet(merge, target: sheet, current: current, packDirectory: request.packDirectory, what: "the new matches") {
                        sheetFailed = true
                        sheetNote = failure
                    } else {
                        let added = merge.changes.filter { $0.kind == .added || $0.kind == .changed }.count
                        sheetNote = "wrote \(sheet.displayPath): \(added) new match\(added == 1 ? "" : "es") (\(merge.changes.map { "\($0.sku) → \($0.after)" }.joined(separator: ", ")))\n"
                    }
                }
            }
            let report = MasterApplyReport(plan: plan, results: results, sheetNote: sheetNote, sheetFailed: sheetFailed, stopReason: engine.stopReason)
            if request.format == .text {
                console.out(MastersRendering.text(report))
                if sheetFailed, let sheetNote { console.err(sheetNote) }
            } else {
                console.outJSONDocument(MastersRendering.json(report))
            }
            return report.succeeded ? ExitStatus.success : ExitStatus.failure
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }
}

/// One planned master and, for the ones sent, how it ended.
struct MasterApplyResult {
    var entry: MasterPlanEntry
    var outcome: MasterSyncOutcome?
}

/// What `masters apply` did.
struct MasterApplyReport {
    var plan: MasterPlan
    var results: [MasterApplyResult]
    var sheetNote: String?
    var sheetFailed: Bool
    var stopReason: String?

    var created: Int { results.filter { $0.outcome == .created }.count }
    var adopted: Int { results.filter { if case .adopted? = $0.outcome { return true } else { return false } }.count }
    var existing: Int { results.filter { $0.entry.action == .existing }.count }
    var clashes: Int { results.filter { if $0.entry.action == .clash { return true }; if case .clash? = $0.outcome { return true }; return false }.count }
    var failed: Int {
        results.filter {
            switch $0.outcome {
            case .failed?, .unknown?, .skipped?: return true
            default: return false
            }
        }.count
    }
    var succeeded: Bool { failed == 0 && clashes == 0 && !sheetFailed }
}

/// The plan and the apply report, for a person (text) or a program (JSON).
enum MastersRendering {
    static func line(_ entry: MasterPlanEntry) -> String {
        var out = "  \(entry.action.rawValue) \(entry.noun) \(entry.code)"
        switch entry.action {
        case .create:
            if entry.kind == .stockItem {
                out += "  \"\(entry.name)\"  \(entry.uom ?? "")"
                if let group = entry.payload["stockgroup"]?.stringValue { out += "  group \(group)" }
            } else {
                out += "  \"\(entry.name)\"  currency \(entry.payload["currencycode"]?.stringValue ?? "----")"
                if let terms = entry.payload["creditterm"]?.stringValue { out += "  terms \(terms)" }
                if let account = entry.payload["controlaccount"]?.stringValue { out += "  control account \(account)" }
            }
            out += "\n      code: \(entry.rule)\n      for \(entry.neededBy)\n"
        case .existing:
            out += ": \(entry.message ?? "already in SQL Accounting")  (for \(entry.neededBy))\n"
        case .clash:
            out += ": \(entry.message ?? "")\n      code: \(entry.rule)\n      for \(entry.neededBy)\n"
        }
        for warning in entry.warnings { out += "      warning: \(warning)\n" }
        return out
    }

    static func text(_ plan: MasterPlan) -> String {
        var out = ""
        let items = plan.entries.filter { $0.kind == .stockItem }, customers = plan.entries.filter { $0.kind == .customer }
        if let note = plan.itemsNote {
            out += "Stock items: \(note)\n"
        } else if !items.isEmpty {
            out += "Stock items for the unmatched SKUs:\n" + items.map(line).joined()
        }
        if !customers.isEmpty { out += "Customers of the stores:\n" + customers.map(line).joined() }
        out += DiagnosticRendering.text(plan.diagnostics)
        out += summary(plan) + "\n"
        return out
    }

    static func summary(_ plan: MasterPlan) -> String {
        func counted(_ count: Int, _ noun: String, _ plural: String) -> String { "\(count) \(count == 1 ? noun : plural)" }
        let create = [counted(plan.count(.create, .stockItem), "stock item", "stock items"), counted(plan.count(.create, .customer), "customer", "customers")]
        var text = "Masters: \(create.joined(separator: " and ")) to create, \(plan.count(.existing)) already in SQL Accounting, "
        text += "\(counted(plan.count(.clash), "clash", "clashes")) (\(plan.target))"
        if plan.diagnostics.hasErrors { text += "; \(DiagnosticRendering.summary(plan.diagnostics))" }
        return text
    }

    static func json(_ entry: MasterPlanEntry, outcome: MasterSyncOutcome? = nil) -> JSONValue {
        var object = JSONObject()
        object.append("kind", .string(entry.kind.rawValue))
        object.append("action", .string(entry.action.rawValue))
        object.append("code", .string(entry.code))
        if entry.kind == .stockItem { object.append("sku", .string(entry.need)) }
        object.append("name", .string(entry.name))
        if let uom = entry.uom { object.append("uom", .string(uom)) }
        object.append("rule", .string(entry.rule))
        object.append("needed_by", .string(entry.neededBy))
        object.append("message", entry.message.map { .string($0) } ?? .null)
        object.append("warnings", .array(entry.warnings.map { .string($0) }))
        object.append("payload", .object(entry.payload))
        if let outcome {
            let (name, message): (String, String?)
            switch outcome {
            case .created: (name, message) = ("created", nil)
            case .adopted(let note): (name, message) = ("adopted", note)
            case .clash(let text): (name, message) = ("clash", text)
            case .failed(let text): (name, message) = ("failed", text)
            case .unknown(let text): (name, message) = ("unknown", text)
            case .skipped(let text): (name, message) = ("skipped", text)
            }
            object.append("outcome", .string(name))
            object.append("outcome_message", message.map { .string($0) } ?? .null)
        }
        return .object(object)
    }

    static func json(_ plan: MasterPlan) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("endpoint", .string(plan.target))
        object.append("item_code_rule", plan.itemRule.map { .string($0) } ?? .null)
        object.append("entries", .array(plan.entries.map { json($0) }))
        object.append("to_create", .int(plan.count(.create)))
        object.append("existing", .int(plan.count(.existing)))
        object.append("clashes", .int(plan.count(.clash)))
        object.append("diagnostics", DiagnosticRendering.json(plan.diagnostics))
        return .object(object)
    }

    static func text(_ report: MasterApplyReport) -> String {
        var out = ""
        for result in report.results {
            let entry = result.entry
            let what = "\(entry.noun) \(entry.code)"
            switch (entry.action, result.outcome) {
            case (.existing, _): out += "  = \(what): \(entry.message ?? "already in SQL Accounting")\n"
            case (.clash, _): out += "  ! \(what): \(entry.message ?? "")\n"
            case (_, .created?): out += "  + \(what) created  (for \(entry.neededBy))\n"
            case (_, .adopted(let note)?): out += "  = \(what): \(note)\n"
            case (_, .clash(let message)?), (_, .failed(let message)?), (_, .unknown(let message)?), (_, .skipped(let message)?):
                out += "  ! \(what): \(message)\n"
            case (.create, nil): out += "  ! \(what): not sent\n"
            }
        }
        out += DiagnosticRendering.text(report.plan.diagnostics)
        if !report.sheetFailed, let note = report.sheetNote { out += note }
        out += "Masters: \(report.created) created, \(report.adopted + report.existing) already in SQL Accounting, \(report.failed) failed, "
        out += "\(report.clashes) clash\(report.clashes == 1 ? "" : "es") (\(report.plan.target))\n"
        return out
    }

    static func json(_ report: MasterApplyReport) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("endpoint", .string(report.plan.target))
        object.append("entries", .array(report.results.map { json($0.entry, outcome: $0.outcome) }))
        object.append("created", .int(report.created))
        object.append("adopted", .int(report.adopted))
        object.append("existing", .int(report.existing))
        object.append("failed", .int(report.failed))
        object.append("clashes", .int(report.clashes))
        object.append("sheet", report.sheetNote.map { .string($0.trimmingCharacters(in: .newlines)) } ?? .null)
        object.append("diagnostics", DiagnosticRendering.json(report.plan.diagnostics))
        return .object(object)
    }
}
