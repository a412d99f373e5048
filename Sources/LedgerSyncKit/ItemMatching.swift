import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import SQLAccount
import Sandbox
import Spreadsheets
import Transform

/// `ledgersync match export|import`: the bulk item matching sheet, round-tripped through a spreadsheet.
extension Workflows {
    // MARK: export

    /// Writes every SKU of the orders (and, with a catalogue, every catalogue SKU, sold or not) with its current match
    /// to `outPath` (.xlsx or .csv).
    public static func matchExport(packDirectory: String, ordersPath: String?, ordersMapping: String? = nil, cataloguePath: String? = nil, outPath: String,
                                   format: OutputFormat, console: Console) -> Int32 {
        let lowered = outPath.lowercased()
        guard lowered.hasSuffix(".xlsx") || lowered.hasSuffix(".csv") else {
            console.err("--out must end in .xlsx or .csv, found '\(outPath)'\n")
            return ExitStatus.failure
        }
        guard ordersPath != nil || cataloguePath != nil else {
            console.err("give the SKUs to list: --orders FILE, --catalog FILE, or both\n")
            return ExitStatus.failure
        }
        guard let graph = compilePack(packDirectory, console: console, format: format, quietWarnings: true) else { return ExitStatus.failure }
        var source: OrderSource?
        if let ordersPath {
            guard let opened = openOrders(ordersPath, mapping: ordersMapping, packDirectory: packDirectory, console: console) else { return ExitStatus.failure }
            source = opened
        }
        var catalogue: ProductCatalogue?
        if let cataloguePath {
            do {
                catalogue = try ProductCatalogue.read(path: cataloguePath)
            } catch {
                console.err("\(error)\n")
                return ExitStatus.failure
            }
        }
        var report: ItemMatchReport
        do {
            report = try source.map { try ItemMatchReport.build(graph: graph, orders: $0) } ?? .empty
            if let catalogue { report.add(catalogue, graph: graph, ordersGiven: source != nil) }
            let table = ([ItemMatchReport.columns] + report.sheetRows).enumerated().map { index, row in
                row.enumerated().map { column, text -> SheetValue in
                    if text.isEmpty { return .empty }
                    // order_lines is a count; everything else stays text so codes like "0012" keep their zeros (and,
                    // in CSV, goes through the formula guard: a product name "=HYPERLINK(…)" is shown, never run).
                    return index > 0 && column == ItemMatchReport.columns.count - 1 ? .number(text) : .string(text)
                }
            }
            if lowered.hasSuffix(".xlsx") {
                try SpreadsheetWriter.writeXLSX(path: outPath, sheets: [(name: "Items", rows: table)])
            } else {
                try SpreadsheetWriter.writeCSV(path: outPath, rows: table)
            }
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
        let unmatched = report.unmatched
        if format == .text {
            var out = ""
            for row in unmatched.prefix(20) {
                if row.orderLines == 0, let catalogueRow = row.catalogueRow {
                    out += "  ? \(row.sku)  \(row.name)  (catalogue row \(catalogueRow)\(source == nil ? "" : ", not in the orders"))\n"
                } else {
                    out += "  ? \(row.sku)  \(row.name)  (\(row.orderLines) line\(row.orderLines == 1 ? "" : "s") in \(row.stores.joined(separator: ", ")))\n"
                }
            }
            if unmatched.count > 20 { out += "  … and \(unmatched.count - 20) more unmatched SKUs in the sheet\n" }
            for skipped in report.skippedOrders.prefix(5) { out += "  ! order \(skipped.orderID) left out: \(skipped.reason)\n" }
            if report.skippedOrders.count > 5 { out += "  … and \(report.skippedOrders.count - 5) more orders left out\n" }
            for skipped in (catalogue?.skipped ?? []).prefix(5) { out += "  ! \(skipped.location.map { "\($0.file):\($0.line)" } ?? "catalogue"): \(skipped.message)\n" }
            if let count = catalogue?.skipped.count, count > 5 { out += "  … and \(count - 5) more catalogue rows left out\n" }
            let from: String
            switch (source, catalogue) {
            case (_?, let catalogue?):
                from = "\(report.orders) order\(report.orders == 1 ? "" : "s") and the catalogue \(catalogue.path) (\(report.catalogueOnly) not in the orders)"
            case (nil, let catalogue?):
                from = "the catalogue \(catalogue.path)"
            default:
                from = "\(report.orders) order\(report.orders == 1 ? "" : "s")"
            }
            out += "wrote \(outPath): \(report.rows.count) SKU\(report.rows.count == 1 ? "" : "s") from \(from) — "
            out += "\(report.rows.count - unmatched.count) matched, \(unmatched.count) unmatched"
            out += report.skippedOrders.isEmpty ? "\n" : "; \(report.skippedOrders.count) order\(report.skippedOrders.count == 1 ? "" : "s") left out\n"
            if !unmatched.isEmpty {
                out += "next: fill in syncapp_code (and syncapp_uom) for the unmatched rows, then `ledgersync match import \(outPath)`\n"
            }
            console.out(out)
        } else {
            console.outJSONDocument(.object(["format_version": .int(1), "file": .string(outPath), "orders": .int(report.orders),
                                             "skus": .int(report.rows.count), "unmatched": .array(unmatched.map { .string($0.sku) }),
                                             "catalogue_only": .int(report.catalogueOnly),
                                             "skipped_orders": .array(report.skippedOrders.map { .object(["order": .string($0.orderID), "reason": .string($0.reason)]) })]))
        }
        return ExitStatus.success
    }

    // MARK: import

    public struct MatchImportRequest: Sendable {
        public var packDirectory: String
        /// The filled-in sheet (xlsx or csv).
        public var sheetPath: String
        /// The pack's sheet to write; nil: the one sheet the client pack lists.
        public var target: String?
        public var endpoint: String?
        public var sandbox: Bool
        public var dryRun: Bool
        public var format: OutputFormat

        public init(packDirectory: String, sheetPath: String, target: String? = nil, endpoint: String? = nil, sandbox: Bool = false,
                    dryRun: Bool = false, format: OutputFormat = .text) {
            self.packDirectory = packDirectory
            self.sheetPath = sheetPath
            self.target = target
            self.endpoint = endpoint
            self.sandbox = sandbox
            self.dryRun = dryRun
            self.format = format
        }
    }

    /// Validates a filled-in sheet against the pack (and, with an endpoint or the sandbox, against SQL Accounting's
    /// stock items) and merges it into the pack's item sheet. Any error: nothing is written.
    public static func matchImport(_ request: MatchImportRequest, console: Console,
                                   environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        let (loaded, packDiagnostics) = RulePackValidator.load(packDirectory: request.packDirectory)
        guard let pack = loaded else {
            console.err(DiagnosticRendering.text(packDiagnostics))
            console.err("pack '\(request.packDirectory)' is invalid: \(DiagnosticRendering.summary(packDiagnostics)); fix it before importing a sheet\n")
            return ExitStatus.failure
        }
        let target: ItemSheetReference
        switch chooseItemSheet(pack: pack, requested: request.target) {
        case .success(let sheet): target = sheet
        case .failure(let diagnostic):
            console.err(diagnostic.description + "\n")
            return ExitStatus.failure
        }

        let incoming = ItemSheet.readRows(path: request.sheetPath, displayPath: request.sheetPath, declaredAt: nil, purpose: .import)
        let current = ItemSheet.readRows(path: target.path, displayPath: target.displayPath, declaredAt: target.declaredAt, purpose: .pack)
        var merge = ItemSheetMerge.merge(incoming: incoming, into: current.rows, target: target, pack: pack, incomingPath: request.sheetPath)
        merge.diagnostics = incoming.diagnostics + current.diagnostics.errors + merge.diagnostics

        var checkedAgainst: String?
        if !merge.diagnostics.hasErrors && (request.sandbox || request.endpoint != nil) {
            do {
                let (client, label, embedded) = try await stockCheckClient(pack: pack, request: request, environment: environment)
                let checked: Result<([Diagnostic], Int), Error>
                do {
                    let catalog = try await StockItemCatalog.load(client)
                    let found = await catalog.check(incoming.rows.filter { merge.checkedSKUs.contains($0.sku) }, columns: incoming.columns,
                                                    sheetPath: request.sheetPath, defaultUOMs: storeUOMs(pack))
                    checked = .success((found, catalog.count))
                } catch {
                    checked = .failure(error)
                }
                if let embedded { await embedded.stop() }
                let (found, count) = try checked.get()
                merge.diagnostics += found
                checkedAgainst = "\(count) stock items in \(label)"
            } catch {
                merge.diagnostics.append(.error("cannot check the codes against SQL Accounting's stock items: \(error); nothing was written", code: "stock-check-failed"))
            }
        }

        let diagnostics = merge.diagnostics
        if diagnostics.hasErrors {
            report(merge, target: target, request: request, written: false, checkedAgainst: checkedAgainst, console: console)
            return ExitStatus.failure
        }
        guard merge.hasChanges, !request.dryRun else {
            report(merge, target: target, request: request, written: false, checkedAgainst: checkedAgainst, console: console)
            return ExitStatus.success
        }
        if let failure = writeSheet(merge, target: target, current: current, packDirectory: request.packDirectory, what: "the imported sheet") {
            console.err(failure)
            return ExitStatus.failure
        }
        report(merge, target: target, request: request, written: true, checkedAgainst: checkedAgainst, console: console)
        return ExitStatus.success
    }

    /// Writes a merged sheet over the pack's (atomically) and reloads the pack: a pack that no longer loads (e.g. a SKU
    /// now matched in two sheets) gets its previous sheet back. Returns why it failed, as text for stderr, or nil.
    static func writeSheet(_ merge: ItemSheetMerge, target: ItemSheetReference, current: ItemSheetContents, packDirectory: String, what: String) -> String? {
        let previous = FileManager.default.contents(atPath: target.path)
        do {
            try ItemSheet.write(merge.rows, to: target.path, extraColumns: current.extraColumns, preamble: current.preamble)
        } catch {
            return "cannot write \(target.displayPath): \(error); the sheet is unchanged\n"
        }
        let (reloaded, after) = RulePackValidator.load(packDirectory: packDirectory)
        if reloaded == nil {
            if let previous { try? AtomicFile.write([UInt8](previous), to: target.path) }
            return DiagnosticRendering.text(after.errors) + "the pack would be invalid with \(what), so \(target.displayPath) was put back as it was\n"
        }
        return nil
    }

    /// The sheet `match import` writes: the one the client pack itself lists (a base pack's sheet is shared by
    /// every client built on it), or the one `--sheet` names.
    static func chooseItemSheet(pack: RulePack, requested: String?) -> Result<ItemSheetReference, Diagnostic> {
        let ownDirectory = pack.directory.hasSuffix("/") ? pack.directory : pack.directory + "/"
        let own = pack.matching.itemSheets.filter { $0.declaringFile.hasPrefix(ownDirectory) }
        let files = pack.files.first.map { ($0 as NSString).lastPathComponent } ?? "pack.yaml"
        if let requested {
            let absolute = PackLoader().absolutePath(requested)
            guard let sheet = pack.matching.itemSheets.first(where: { $0.path == absolute }) else {
                let listed = pack.matching.itemSheets.map(\.displayPath)
                return .failure(.error("'\(requested)' is not one of the pack's item sheets (\(listed.isEmpty ? "it lists none" : listed.joined(separator: ", "))); add it under matching.item_sheets first", code: "unknown-sheet"))
            }
            guard own.contains(sheet) else {
                return .failure(.error("'\(requested)' is listed by a base pack (\(sheet.declaredAt.fileAndLine)), which every client built on it shares; list a sheet of this client under matching.item_sheets and import into that", code: "base-pack-sheet"))
            }
            return .success(sheet)
        }
        switch own.count {
        case 1:
            return .success(own[0])
        case 0:
            return .failure(.error("the pack lists no item sheet of its own; add `item_sheets: [matching/items.csv]` under matching: (in \(files) or the file holding matching:) and run the import again", code: "no-item-sheet"))
        default:
            return .failure(.error("the pack lists \(own.count) item sheets (\(own.map(\.displayPath).joined(separator: ", "))); choose one with --sheet", code: "several-item-sheets"))
        }
    }

    private static func stockCheckClient(pack: RulePack, request: MatchImportRequest, environment: [String: String]) async throws
        -> (SQLAccountClient, String, SandboxServer?) {
        guard let profile = pack.profile else {
            throw Diagnostic.error("pack '\(request.packDirectory)' has no profile (no connection to check stock items against)", code: "no-profile")
        }
        if request.sandbox {
            let started = try await EmbeddedSandbox.start(for: profile.connection, environment: environment)
            return (started.client, "the embedded sandbox", started.server)
        }
        return (try client(for: profile.connection, endpoint: request.endpoint, environment: environment), request.endpoint ?? profile.connection.host.value, nil)
    }

    private static func report(_ merge: ItemSheetMerge, target: ItemSheetReference, request: MatchImportRequest, written: Bool, checkedAgainst: String?, console: Console) {
        let diagnostics = merge.diagnostics
        if request.format != .text {
            console.outJSONDocument(.object([
                "format_version": .int(1), "sheet": .string(target.displayPath), "written": .bool(written), "dry_run": .bool(request.dryRun),
                "changes": .array(merge.changes.map { change in
                    .object(["sku": .string(change.sku), "change": .string(change.kind.rawValue), "from": .string(change.before),
                             "to": .string(change.after), "row": .int(change.row)])
                }),
                "unchanged": .int(merge.unchanged), "still_unmatched": .int(merge.stillUnmatched),
                "checked_against": checkedAgainst.map { .string($0) } ?? .null,
                "diagnostics": DiagnosticRendering.json(diagnostics),
            ]))
            return
        }
        var out = ""
        if diagnostics.hasErrors {
            console.err(DiagnosticRendering.text(diagnostics.sortedForDisplay()))
            console.err("\(request.sheetPath): \(DiagnosticRendering.summary(diagnostics)); nothing was written to \(target.displayPath)\n")
            return
        }
        out += DiagnosticRendering.text(diagnostics.sortedForDisplay())
        for change in merge.changes {
            switch change.kind {
            case .added: out += "  + \(change.sku) → \(change.after)  (row \(change.row))\n"
            case .changed: out += "  ~ \(change.sku): \(change.before) → \(change.after)  (row \(change.row))\n"
            case .removed: out += "  - \(change.sku): match \(change.before) removed  (row \(change.row))\n"
            case .listed: out += "  ? \(change.sku) listed as unmatched  (row \(change.row))\n"
            }
        }
        let counts = merge.changes.reduce(into: [ItemSheetMerge.ChangeKind: Int]()) { $0[$1.kind, default: 0] += 1 }
        let verb = written ? "wrote" : (merge.hasChanges ? "would write" : "no changes to")
        out += "\(verb) \(target.displayPath): \(counts[.added, default: 0]) new match\(counts[.added, default: 0] == 1 ? "" : "es"), "
        out += "\(counts[.changed, default: 0]) changed, \(counts[.removed, default: 0]) removed, \(merge.unchanged) unchanged, "
        out += "\(merge.stillUnmatched) SKU\(merge.stillUnmatched == 1 ? "" : "s") still unmatched"
        if let checkedAgainst { out += "; codes checked against \(checkedAgainst)" }
        out += "\n"
        if request.dryRun && merge.hasChanges { out += "(dry run: nothing was written)\n" }
        console.out(out)
    }
}

extension Workflows {
    /// The `uom` each synced store resolves to (channel and store overrides included), sorted and distinct: what an
    /// invoice line gets when the sheet leaves syncapp_uom empty.
    static func storeUOMs(_ pack: RulePack) -> [String] {
        let graph = TransformGraph(pack: pack)
        return Set(graph.storeIDs.compactMap { graph.plan(forStore: $0)?.settings.uom.value }).sorted()
    }
}
