import Foundation
import LedgerCore
import LedgerJSON
import PurchaseOrders
import RulePack
import SQLAccount
import Spreadsheets
import StateStore
import Sync
import Transform

/// `ledgersync po plan|apply`: SQL Accounting's purchase orders → the store's stock-in records. Only purchase orders
/// new or changed since the last apply (by SQL's `updatecount` and `lastmodified`) are read in full; `apply` writes
/// their records for the platform's import and remembers them.
public struct PurchaseOrderRequest: Sendable {
    public var packDirectory: String
    public var statePath: String?
    public var endpoint: String?
    /// `apply`: where the records go (`.jsonl`, `.csv` or `.xlsx`); nil for `plan`.
    public var outPath: String?
    /// `apply --layout`: the CSV/xlsx layout, over the pack's `purchase_orders.layout`.
    public var layout: String?

    public init(packDirectory: String, statePath: String?, endpoint: String?, outPath: String? = nil, layout: String? = nil) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.endpoint = endpoint
        self.outPath = outPath
        self.layout = layout
    }
}

/// What `po plan` shows and `po apply` did.
public struct PurchaseOrderReport: CommandResult, Sendable {
    public enum Action: String, Sendable { case create, update, unchanged, error }

    public struct Change: Sendable, Equatable {
        public var path: String
        public var old: String?
        public var new: String?
    }

    public struct Entry: Sendable {
        public var action: Action
        public var docno: String
        public var dockey: Int64
        public var supplier: String
        public var record: StockInRecord?
        public var changes: [Change] = []
        public var errors: [String] = []
        public var notes: [String] = []
        /// SQL's version of the purchase order.
        public var updatecount: Int
        public var lastmodified: Int64
    }

    public var entries: [Entry] = []
    /// Purchase orders the pack's filters leave out.
    public var skipped = 0
    public var applied = false
    public var writtenPath: String?

    public var exitStatus: Int32 { entries.contains { $0.action == .error } ? ExitStatus.failure : ExitStatus.success }
}

public enum PurchaseOrderUseCases {
    public static func plan(_ request: PurchaseOrderRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> PurchaseOrderReport {
        let (graph, settings, client) = try prepare(request, environment: environment)
        // A plan only reads: no state store yet means nothing passed on yet, and none is created.
        let path = StateLocation.resolve(request.statePath, environment: environment)
        let recorded = FileManager.default.fileExists(atPath: path) ? try reporting { try StateStore(path: path).purchaseOrders() } : [:]
        return try await reportingAsync { try await build(graph: graph, settings: settings, client: client, recorded: recorded) }
    }

    public static func apply(_ request: PurchaseOrderRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> PurchaseOrderReport {
        guard let outPath = request.outPath else { throw .message("po apply needs --out FILE (.jsonl, .csv or .xlsx): where the records for the platform's import are written") }
        let format = try exportFormat(outPath)
        let (graph, settings, client) = try prepare(request, environment: environment)
        // Checked before anything is read from SQL Accounting: a broken layout writes nothing.
        let layout = try resolveLayout(request, settings: settings, environment: environment)
        let state = try reporting { try StateStore(path: StateLocation.resolve(request.statePath, environment: environment)) }
        let lock = try reporting { try StateLock.acquire(statePath: state.path, command: "ledgersync po apply", wait: true) { _ in } }
        defer { lock.release() }
        let recorded = try reporting { try state.purchaseOrders() }
        var report = try await reportingAsync { try await build(graph: graph, settings: settings, client: client, recorded: recorded) }
        report.applied = true
        let written = report.entries.filter { ($0.action == .create || $0.action == .update) && $0.record != nil }
        guard !written.isEmpty else { return report }
        let records = written.compactMap(\.record)
        try reporting { try write(records, to: outPath, format: format, layout: layout) }
        report.writtenPath = outPath
        try reporting {
            try state.recordExportedPurchaseOrders(written.compactMap { entry in
                entry.record.map { StoredPurchaseOrder(dockey: entry.dockey, docno: entry.docno, updatecount: entry.updatecount, lastmodified: entry.lastmodified,
                                                        recordJSON: JSONWriter.compactString(.object($0.json)), exportPath: outPath) }
            })
        }
        return report
    }

    enum ExportFormat { case jsonl, csv, xlsx }

    static func exportFormat(_ path: String) throws(CommandFailure) -> ExportFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "jsonl": return .jsonl
        case "csv": return .csv
        case "xlsx": return .xlsx
        default: throw .message("--out '\(path)': give a .jsonl, .csv or .xlsx file")
        }
    }

    static func prepare(_ request: PurchaseOrderRequest, environment: [String: String]) throws(CommandFailure) -> (TransformGraph, PurchaseOrderSettings, SQLAccountClient) {
        let graph = try PackUseCases.load(request.packDirectory).graph
        guard let settings = graph.pack.purchaseOrders else {
            throw .message("pack '\(request.packDirectory)' has no purchase_orders: section, so no purchase order is read; add one (Docs/RulePackSpec.md §3.16)")
        }
        guard let profile = graph.pack.profile else {
            throw .message("pack '\(request.packDirectory)' has no profile; purchase orders are read with the client pack's connection")
        }
        var client = try reporting { try Workflows.client(for: profile.connection, endpoint: request.endpoint, environment: environment) }
        client.retryPolicy = Workflows.syncRetryPolicy(environment: environment)
        return (graph, settings, client)
    }

    static let resource = SQLAccountResource("purchaseorder")

    /// Lists SQL's purchase orders, reads in full those new or changed since they were recorded, and converts them.
    static func build(graph: TransformGraph, settings: PurchaseOrderSettings, client: SQLAccountClient, recorded: [Int64: StoredPurchaseOrder]) async throws -> PurchaseOrderReport {
        var report = PurchaseOrderReport()
        let listed = try await client.listAll(resource)
        let skus = PurchaseOrderConverter.skuIndex(pack: graph.pack, store: settings.store?.value)
        var rates = ItemUOMRates()
        for row in listed {
            guard let dockey = row.dockey.map(Int64.init) else { continue }
            let updatecount = row.updatecount ?? 0
            let lastmodified = Int64(row.lastmodified ?? 0)
            if row.cancelled == true { continue }
            let project = row.text("project") ?? ""
            guard settings.takes(supplier: row.code ?? "", project: project.isEmpty ? "----" : project, date: row.text("docdate").flatMap(CalendarDate.init(parsing:))) else {
                report.skipped += 1
                continue
            }
            var entry = PurchaseOrderReport.Entry(action: .create, docno: row.docno ?? "", dockey: dockey, supplier: row.code ?? "",
                                                  updatecount: updatecount, lastmodified: lastmodified)
            let previous = recorded[dockey]
            if let previous, previous.updatecount == updatecount, previous.lastmodified == lastmodified {
                entry.action = .unchanged
                report.entries.append(entry)
                continue
            }
            guard let full = try await client.get(resource, dockey: Int(dockey)) else {
                entry.action = .error
                entry.errors = ["purchase order \(entry.docno) (dockey \(dockey)) is listed but could not be read"]
                report.entries.append(entry)
                continue
            }
            let read = SQLPurchaseOrder.read(full.object)
            guard let order = read.order, read.problems.isEmpty else {
                entry.action = .error
                entry.errors = read.problems
                report.entries.append(entry)
                continue
            }
            for line in order.lines where rates.rates[line.itemCode] == nil && settings.converts(itemCode: line.itemCode).value {
                if let item = try await client.get(.stockItem, code: line.itemCode) {
                    rates.rates[line.itemCode] = ItemUOMRates(stockItems: [item.object]).rates[line.itemCode] ?? [:]
                }
            }
            let outcome = PurchaseOrderConverter.convert(order, settings: settings, rates: rates, skus: skus)
            entry.notes = outcome.notes
            guard let record = outcome.record, outcome.errors.isEmpty else {
                entry.action = outcome.errors.isEmpty ? .unchanged : .error
                entry.errors = outcome.errors
                report.entries.append(entry)
                continue
            }
            entry.record = record
            if let previous {
                let before = (try? JSONParser.parse(previous.recordJSON))?.objectValue ?? JSONObject()
                entry.changes = changes(from: before, to: record.json)
                // SQL's version moved without a change the store would see (an edit undone, a field it does not get).
                entry.action = entry.changes.isEmpty ? .unchanged : .update
            }
            report.entries.append(entry)
        }
        return report
    }

    /// Field-by-field differences of two records: header fields by key, lines by position.
    static func changes(from old: JSONObject, to new: JSONObject) -> [PurchaseOrderReport.Change] {
        var changes: [PurchaseOrderReport.Change] = []
        func show(_ value: JSONValue?) -> String? {
            guard let value else { return nil }
            return JSONWriter.compactString(value)
        }
        func compare(_ prefix: String, _ a: JSONObject, _ b: JSONObject) {
            var keys = a.keys
            for key in b.keys where !keys.contains(key) { keys.append(key) }
            for key in keys where key != "lines" {
                let before = show(a[key]), after = show(b[key])
                if before != after { changes.append(.init(path: prefix + key, old: before, new: after)) }
            }
        }
        compare("", old, new)
        let oldLines = old["lines"]?.arrayValue ?? [], newLines = new["lines"]?.arrayValue ?? []
        for index in 0..<max(oldLines.count, newLines.count) {
            let path = "lines[\(index)]"
            switch (index < oldLines.count ? oldLines[index].objectValue : nil, index < newLines.count ? newLines[index].objectValue : nil) {
            case (let a?, let b?): compare(path + ".", a, b)
            case (let a?, nil): changes.append(.init(path: path, old: show(.object(a)), new: nil))
            case (nil, let b?): changes.append(.init(path: path, old: nil, new: show(.object(b))))
            default: break
            }
        }
        return changes
    }

    /// `--layout`, else the pack's `purchase_orders.layout`, else the standard layout. A bare name is a file of
    /// `rules/po-exports` (or `$LEDGERSYNC_PO_EXPORTS`); a path is relative to the working directory (`--layout`) or
    /// to the pack (the pack's setting).
    static func resolveLayout(_ request: PurchaseOrderRequest, settings: PurchaseOrderSettings, environment: [String: String]) throws(CommandFailure) -> PurchaseOrderLayout {
        let given = request.layout ?? settings.layout?.value
        guard let given else { return .standard }
        let path: String
        if !given.contains("/") && !given.hasSuffix(".yaml") && !given.hasSuffix(".yml") {
            let folder = RulesFolders.find("po-exports", variable: "LEDGERSYNC_PO_EXPORTS", packDirectory: request.packDirectory, environment: environment)
            guard let folder, FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("\(given).yaml")) else {
                if given == PurchaseOrderLayout.standard.name { return .standard }
                let known = RulesFolders.yamlNames(in: folder)
                let where_ = request.layout != nil ? "--layout" : "purchase_orders.layout" + (settings.layout?.origin.location.map { " (\($0.fileAndLine))" } ?? "")
                throw .message("\(where_): no purchase-order layout named '\(given)'" + (known.isEmpty ? "" : "; the built-in ones: \(known.joined(separator: ", "))")
                               + (Suggest.closest(to: given, in: known).map { "; did you mean '\($0)'?" } ?? ""))
            }
            path = (folder as NSString).appendingPathComponent("\(given).yaml")
        } else if given.hasPrefix("/") || request.layout != nil {
            path = given
        } else {
            path = (request.packDirectory as NSString).appendingPathComponent(given)
        }
        switch PurchaseOrderLayout.load(path: path, displayPath: path) {
        case .success(let layout): return layout
        case .failure(let diagnostics): throw .message(DiagnosticRendering.text(diagnostics) + "the purchase-order layout '\(path)' is invalid: \(DiagnosticRendering.summary(diagnostics)); nothing was written")
        }
    }

    /// The values a layout's columns are filled with, for one line of one record.
    static func layoutValues(_ record: StockInRecord, _ line: StockInLine) -> [String: String] {
        var values = ["po_number": record.poNumber, "date": record.date, "supplier_code": record.supplier, "supplier_name": record.supplierName,
                      "reference": record.reference, "project": record.project, "description": record.description, "total": record.total.description,
                      "warehouse": line.location, "sku": line.sku, "item_code": line.itemCode, "name": line.description, "qty": line.qty.trimmed,
                      "uom": line.uom, "unit_cost": line.unitCost.description, "amount": line.amount.description, "outstanding_qty": line.outstanding.trimmed]
        if let converted = line.converted {
            values["sql_qty"] = converted.qty.trimmed
            values["sql_uom"] = converted.uom
            values["uom_rate"] = converted.rate.trimmed
        }
        return values
    }

    static let numericFields: Set<String> = ["qty", "unit_cost", "amount", "outstanding_qty", "sql_qty", "uom_rate", "total"]

    static func write(_ records: [StockInRecord], to path: String, format: ExportFormat, layout: PurchaseOrderLayout) throws {
        switch format {
        case .jsonl:
            let text = records.map { JSONWriter.compactString(.object($0.json)) }.joined(separator: "\n") + "\n"
            try AtomicFile.write(Array(text.utf8), to: path)
        case .csv, .xlsx:
            var rows: [[SheetValue]] = [layout.columns.map { .string($0.header) }]
            for record in records {
                for line in record.lines {
                    let values = layoutValues(record, line)
                    rows.append(layout.columns.map { column in
                        let text = PurchaseOrderLayout.render(column.value, values)
                        if text.isEmpty { return .empty }
                        // A column that is exactly one number or date field keeps its type in a workbook.
                        let fields = Template.placeholders(in: column.value)
                        if fields.count == 1, column.value == "{\(fields[0])}" {
                            if numericFields.contains(fields[0]) { return .number(text) }
                            if fields[0] == "date", CalendarDate(parsing: text) != nil { return .date(text) }
                        }
                        return .string(text)
                    })
                }
            }
            if format == .csv {
                try SpreadsheetWriter.writeCSV(path: path, rows: rows)
            } else {
                try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "Purchase orders", rows: rows)])
            }
        }
    }
}

/// Runs `body`, turning whatever it throws into the `CommandFailure` that reports it.
func reportingAsync<T>(_ body: () async throws -> T) async throws(CommandFailure) -> T {
    do { return try await body() } catch { throw CommandFailure(error) }
}

/// `po plan` / `po apply` text and JSON.
public enum PurchaseOrderRendering {
    public static func render(_ report: PurchaseOrderReport, format: OutputFormat) -> Rendered {
        format == .text ? .text(text(report)) : .document(json(report))
    }

    public static func text(_ report: PurchaseOrderReport) -> String {
        var out = ""
        var unchanged = 0
        for entry in report.entries {
            switch entry.action {
            case .unchanged:
                unchanged += 1
                continue
            case .error:
                out += "! \(entry.docno)  \(entry.supplier)\n"
                for error in entry.errors { out += "    error: \(error)\n" }
            case .create, .update:
                guard let record = entry.record else { continue }
                let symbol = entry.action == .create ? "+" : "~"
                out += "\(symbol) \(record.poNumber)  \(record.supplier) \(record.supplierName)  \(record.date)  \(record.lines.count) line\(record.lines.count == 1 ? "" : "s")  total \(record.total)\n"
                if entry.action == .update {
                    for change in entry.changes { out += "    ~ \(change.path): \(change.old ?? "(none)") → \(change.new ?? "(none)")\n" }
                } else {
                    for line in record.lines {
                        let from = line.converted.map { "  (\($0.qty.trimmed) \($0.uom) × \($0.rate.trimmed))" } ?? ""
                        let sku = line.sku == line.itemCode ? line.itemCode : "\(line.itemCode) → \(line.sku)"
                        out += "    \(sku)  \(line.qty.trimmed) \(line.uom) @ \(line.unitCost)  \(line.amount)\(from)\n"
                    }
                }
            }
            for note in entry.notes { out += "    note: \(note)\n" }
        }
        if unchanged > 0 { out += "= \(unchanged) purchase order\(unchanged == 1 ? "" : "s") unchanged\n" }
        if report.skipped > 0 { out += "  \(report.skipped) purchase order\(report.skipped == 1 ? "" : "s") left out by purchase_orders (suppliers, projects, since)\n" }
        let count = { (action: PurchaseOrderReport.Action) in report.entries.filter { $0.action == action }.count }
        let summary = "\(count(.create)) new, \(count(.update)) changed, \(unchanged) unchanged, \(count(.error)) error\(count(.error) == 1 ? "" : "s")"
        if report.applied {
            if let path = report.writtenPath {
                out += "Applied: \(count(.create) + count(.update)) purchase order\(count(.create) + count(.update) == 1 ? "" : "s") written to \(path) (\(summary)).\n"
            } else {
                out += "Applied: nothing to write (\(summary)).\n"
            }
        } else {
            out += "Plan: \(summary).\n"
        }
        return out
    }

    public static func json(_ report: PurchaseOrderReport) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("applied", .bool(report.applied))
        if let path = report.writtenPath { object.append("written", .string(path)) }
        object.append("purchase_orders", .array(report.entries.map { entry in
            var item = JSONObject()
            item.append("action", .string(entry.action.rawValue))
            item.append("docno", .string(entry.docno))
            item.append("dockey", .int(Int(entry.dockey)))
            item.append("updatecount", .int(entry.updatecount))
            if let record = entry.record { item.append("record", .object(record.json)) }
            if !entry.changes.isEmpty {
                item.append("changes", .array(entry.changes.map { .object(["path": .string($0.path), "old": $0.old.map(JSONValue.string) ?? .null, "new": $0.new.map(JSONValue.string) ?? .null]) }))
            }
            if !entry.errors.isEmpty { item.append("errors", .array(entry.errors.map(JSONValue.string))) }
            if !entry.notes.isEmpty { item.append("notes", .array(entry.notes.map(JSONValue.string))) }
            return .object(item)
        }))
        object.append("skipped", .int(report.skipped))
        return .object(object)
    }
}

extension Workflows {
    public static func purchaseOrders(_ request: PurchaseOrderRequest, apply: Bool, format: OutputFormat, console: Console,
                                      environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        await respond(format: format, console: console, render: { PurchaseOrderRendering.render($0, format: format) }) {
            apply ? try await PurchaseOrderUseCases.apply(request, environment: environment) : try await PurchaseOrderUseCases.plan(request, environment: environment)
        }
    }
}
