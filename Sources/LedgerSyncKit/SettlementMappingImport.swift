import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import Settlements
import StateStore

/// Settlement mappings (Docs/SettlementMappings.md): the built-in ones in `rules/settlements`, a pack's own in its
/// `settlements/` folder; how `payments import` finds the one a report is for.
public enum SettlementMappings {
    /// The folder of built-in settlement mappings: `$LEDGERSYNC_SETTLEMENTS`, else the first `rules/settlements` found walking
    /// up from the pack, the working directory and the executable.
    public static func builtinDirectory(packDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        RulesFolders.find("settlements", variable: "LEDGERSYNC_SETTLEMENTS", packDirectory: packDirectory, environment: environment)
    }

    /// The names of the built-in settlement mappings, sorted.
    public static func builtinNames(in directory: String?) -> [String] { RulesFolders.yamlNames(in: directory) }

    /// The pack's own settlement mapping files (`settlements/*.yaml`), sorted.
    public static func packMappingFiles(_ packDirectory: String?) -> [String] { RulesFolders.packFiles(packDirectory, folder: "settlements") }

    static func loader(packDirectory: String?) -> SettlementMappingLoader {
        SettlementMappingLoader(builtinDirectory: builtinDirectory(packDirectory: packDirectory))
    }

    /// A mapping named `--mapping NAME|PATH`: a path, a pack mapping by name, or a built-in name.
    public static func load(_ nameOrPath: String, packDirectory: String?) throws(CommandFailure) -> SettlementMapping {
        let builtins = builtinDirectory(packDirectory: packDirectory)
        var path = nameOrPath
        if SettlementMappingLoader.isBuiltinName(nameOrPath) {
            if let own = packMappingFiles(packDirectory).first(where: { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension == nameOrPath }) {
                path = own
            } else if builtinNames(in: builtins).contains(nameOrPath) {
                path = ((builtins ?? "") as NSString).appendingPathComponent("\(nameOrPath).yaml")
            } else {
                let known = packMappingFiles(packDirectory).map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } + builtinNames(in: builtins)
                var message = "--mapping '\(nameOrPath)' is neither a settlement mapping file nor a settlement mapping ledgersync knows ("
                    + (known.isEmpty ? "no built-in settlement mappings found; set LEDGERSYNC_SETTLEMENTS to the rules/settlements folder" : known.joined(separator: ", ")) + ")"
                if let guess = Suggest.closest(to: nameOrPath, in: known) { message += "; did you mean '\(guess)'?" }
                throw .message(message)
            }
        }
        switch loader(packDirectory: packDirectory).load(path: path) {
        case .success(let mapping): return mapping
        case .failure(let diagnostics):
            throw .message(DiagnosticRendering.text(diagnostics) + "the settlement mapping '\(nameOrPath)' is invalid: \(DiagnosticRendering.summary(diagnostics))")
        }
    }

    /// The pack's own settlement mappings, then the built-in ones; one that does not load stops with its diagnostics.
    public static func candidates(packDirectory: String?) throws(CommandFailure) -> [SettlementMapping] {
        let builtins = builtinDirectory(packDirectory: packDirectory)
        let loader = loader(packDirectory: packDirectory)
        var result: [SettlementMapping] = []
        var names: Set<String> = []
        let files = packMappingFiles(packDirectory) + builtinNames(in: builtins).map { ((builtins ?? "") as NSString).appendingPathComponent("\($0).yaml") }
        for file in files {
            switch loader.load(path: file) {
            case .success(let mapping):
                // A pack mapping named like a built-in one (its extension) stands in for it.
                if names.insert(mapping.name).inserted { result.append(mapping) }
            case .failure(let diagnostics):
                throw .message(DiagnosticRendering.text(diagnostics) + "the settlement mapping '\(file)' is invalid: \(DiagnosticRendering.summary(diagnostics))")
            }
        }
        return result
    }

    /// Every pack settlement mapping (`settlements/*.yaml`) loaded and checked, for `validate`.
    public static func validatePackMappings(_ packDirectory: String) -> [Diagnostic] {
        let loader = loader(packDirectory: packDirectory)
        var diagnostics: [Diagnostic] = []
        for file in packMappingFiles(packDirectory) {
            if case .failure(let problems) = loader.load(path: file) { diagnostics += problems }
        }
        return diagnostics
    }

}

extension Workflows {
    /// `ledgersync payments import [--channel C] [--mapping NAME|PATH] FILE`: a Shopee, Lazada or TikTok Shop report named by
    /// `--channel` is read by its built-in reader, exactly as `paymentsImport(statePath:channel:path:preview:console:)`
    /// does; any other report through a settlement mapping — the one `--mapping` names, the one for `--channel`, or the one
    /// whose columns the file has (the pack's `settlements/` first, then `rules/settlements`). Without either flag, a file
    /// a built-in reader recognises goes to it; one that both a reader and a mapping recognise is refused until the
    /// command says which.
    public static func paymentsImport(statePath: String?, channel: String?, mapping: String?, packDirectory: String?, path: String,
                                      preview: Bool, console: Console) -> Int32 {
        let pack = packDirectory ?? (FileManager.default.fileExists(atPath: "pack.yaml") ? "." : nil)
        let builtinReaders = SettlementDetector.supportedChannels
        if mapping == nil, let channel, let builtin = Channel(rawValue: channel), builtinReaders.contains(builtin) {
            if let other = mappedLookalike(path, besides: builtin, packDirectory: pack) {
                console.err("\(path): error: this is not \(SettlementDetector.reportName(builtin)): the \(other.mappingName) settlement mapping reads it (a \(other.channel.rawValue) report; "
                            + "\(other.sheet.map { "sheet '\($0)' " } ?? "")row \(other.headerRow) has all \(other.needed) columns it needs); leave --channel out, or use --channel \(other.channel.rawValue) or --mapping \(other.mappingName); nothing was imported\n")
                return ExitStatus.failure
            }
            return paymentsImport(statePath: statePath, channel: channel, path: path, preview: preview, console: console)
        }
        if let channel, Channel(rawValue: channel) == nil {
            let names = Channel.allCases.map(\.rawValue)
            var message = "--channel must be a channel — \(builtinReaders.map(\.rawValue).joined(separator: ", ")) (built-in readers) or one a settlement mapping is for (\(names.filter { name in !builtinReaders.contains { $0.rawValue == name } }.joined(separator: ", "))) — found '\(channel)'"
            if let guess = Suggest.closest(to: channel, in: names) { message += "; did you mean '\(guess)'?" }
            console.err(message + "\n")
            return ExitStatus.failure
        }
        do throws(CommandFailure) {
            let file: SettlementFile
            do { file = try SettlementFile.open(path) } catch { throw .message((error as? Diagnostic)?.description ?? "\(error)") }
            let chosen: SettlementMapping
            if let mapping {
                chosen = try SettlementMappings.load(mapping, packDirectory: pack)
                if let channel, channel != chosen.channel.rawValue {
                    throw .message("--channel \(channel) and --mapping \(mapping) disagree: the \(chosen.name) settlement mapping reads \(chosen.channel.rawValue) reports; leave --channel out")
                }
            } else {
                let candidates = try SettlementMappings.candidates(packDirectory: pack)
                if let channel {
                    let forChannel = candidates.filter { $0.channel.rawValue == channel }
                    guard let first = forChannel.first else {
                        let covered = Array(Set(candidates.map(\.channel.rawValue))).sorted()
                        throw .message("no settlement report reader for \(channel): the built-in readers are for \(builtinReaders.map(\.rawValue).joined(separator: ", "))"
                                       + (covered.isEmpty ? "" : " and the settlement mappings (\(candidates.map(\.name).joined(separator: ", "))) for \(covered.joined(separator: ", "))")
                                       + "; write a mapping for the report in the pack's settlements/ folder (Docs/SettlementMappings.md) and name it with --mapping; nothing was imported")
                    }
                    chosen = forChannel.first { SettlementMappingParser.fit(file.source, mapping: $0)?.isComplete == true } ?? first
                } else {
                    let fits = candidates.compactMap { SettlementMappingParser.fit(file.source, mapping: $0) }
                    let complete = fits.first(where: \.isComplete)
                    let detection = SettlementDetector.detect(file.source).flatMap { $0.matchedColumns.isEmpty ? nil : $0 }
                    switch (complete, detection) {
                    case (nil, let detection?):
                        return paymentsImport(statePath: statePath, channel: detection.channel.rawValue, path: path, preview: preview, console: console)
                    case (let fit?, nil):
                        guard let found = candidates.first(where: { $0.name == fit.mappingName }) else { throw .message("the settlement mapping \(fit.mappingName) vanished") }
                        chosen = found
                    case (let fit?, let detection?):
                        throw .message("\(path): error: this report fits both \(detection) and \(fit.description); say which with --channel \(detection.channel.rawValue) or --mapping \(fit.mappingName); nothing was imported")
                    case (nil, nil):
                        let readers = builtinReaders.map { SettlementDetector.reportName($0) }
                        var message = "\(path): error: '\(path)' is not a settlement report ledgersync knows: it is not \(readers.dropLast().joined(separator: ", ")) or \(readers.last ?? ""), and its columns match no settlement mapping (\(candidates.map(\.name).joined(separator: ", ")))"
                        if let closest = fits.sorted(by: { Double($0.found) / Double(max($0.needed, 1)) > Double($1.found) / Double(max($1.needed, 1)) }).first, closest.found >= 2 {
                            message += "; it looks most like \(closest.description). Name the mapping with --mapping, or extend it in the pack's settlements/ folder"
                        } else {
                            message += "; write a mapping for it (Docs/SettlementMappings.md) and name it with --mapping"
                        }
                        throw .message(message + "; nothing was imported")
                    }
                }
            }
            var parsed = SettlementMappingParser.parse(file.source, mapping: chosen)
            if let unreadable = file.readError() { throw .message(unreadable.description) }
            if parsed.headerRow == nil, let detection = SettlementDetector.detect(file.source), !detection.matchedColumns.isEmpty {
                parsed.result.diagnostics.append(.error("it is \(detection): import it with --channel \(detection.channel.rawValue)",
                                                        at: SourceLocation(file: file.source.fileName, line: detection.headerRow), code: "settlement-wrong-channel"))
            }
            return recordMappedSettlement(parsed, file: file, path: path, statePath: statePath, preview: preview, console: console)
        } catch {
            console.err(error.description.hasSuffix("\n") ? error.description : error.description + "\n")
            return ExitStatus.failure
        }
    }

    /// The settlement mapping a file fits completely when the built-in reader of `channel` does not recognise it.
    private static func mappedLookalike(_ path: String, besides channel: Channel, packDirectory: String?) -> SettlementMappingFit? {
        guard let source = try? SettlementSource.open(path: path), SettlementDetector.detect(source) == nil,
              let candidates = try? SettlementMappings.candidates(packDirectory: packDirectory) else { return nil }
        return candidates.lazy.filter { $0.channel != channel }.compactMap { SettlementMappingParser.fit(source, mapping: $0) }.first(where: \.isComplete)
    }

    /// Checks a mapped report's rows against the state store and records them — all or nothing — as the built-in readers'
    /// rows are recorded: the same table, the same no-op for the same file, only new rows from an overlapping one.
    static func recordMappedSettlement(_ parsed: SettlementMappedParse, file: SettlementFile, path: String, statePath: String?, preview: Bool,
                                       console: Console) -> Int32 {
        let result = parsed.result
        let mapping = parsed.mapping
        let channel = mapping.channel.rawValue
        do {
            var diagnostics = result.diagnostics
            let state = StateLocation.resolve(statePath)
            // A preview writes nothing: no store is created, an existing one is only read (no migration).
            let store: StateStore? = preview ? try StateStore.openReadOnly(path: state)
                : (FileManager.default.fileExists(atPath: state) ? try StateStore(path: state) : nil)
            for row in result.rows where !row.orderID.isEmpty {
                let at = SourceLocation(file: row.source.file, line: row.source.row)
                let matches: [StoredOrder]
                let lookedUp: String
                switch mapping.order.matches {
                case .orderNumber:
                    matches = try store?.orders(channel: channel, settlementOrderID: row.orderID) ?? []
                    lookedUp = "looked up as a \(channel) order number, then as an order id"
                case .id:
                    matches = try store?.order(row.orderID).map { $0.channel == channel ? [$0] : [] } ?? []
                    lookedUp = "looked up as a \(channel) order id"
                }
                guard let order = matches.first else {
                    diagnostics.append(.warning("order \(row.orderID) is not in the state store (\(lookedUp)); import and apply its orders before planning its payment", at: at, code: "unknown-order"))
                    continue
                }
                if matches.count > 1 {
                    diagnostics.append(.warning("order number \(row.orderID) belongs to \(matches.count) \(channel) orders (\(matches.map { "\($0.id) in \($0.store)" }.joined(separator: ", "))); the report does not say which, so no receipt will pay it — knock it off in SQL Accounting by hand", at: at, code: "ambiguous-order"))
                    continue
                }
                if order.status != .completed {
                    diagnostics.append(.warning("order \(row.orderID) is \(order.status.rawValue), not yet invoiced in SQL Accounting; its payment waits for the invoice", at: at, code: "not-invoiced"))
                }
            }
            if !diagnostics.isEmpty { console.err(DiagnosticRendering.text(diagnostics)) }
            let rows = storedSettlementRows(result.rows, channel: channel)
            var outcome: SettlementImportPreview?
            if preview && !result.hasErrors {
                outcome = try store?.previewSettlement(contentHash: file.contentHash, rows: rows) ?? .empty(rows: rows.count)
            }
            if preview || (result.hasErrors && !result.rows.isEmpty) {
                let table = result.preview(limit: 20, importStatus: outcome.map { $0.known.map { $0 ? "known" : "new" } })
                console.out(table.hasSuffix("\n") ? table : table + "\n")
            }
            guard !result.hasErrors else {
                let nothing = preview ? "an import would write nothing (preview: nothing was written)" : "nothing was imported"
                console.err("\(path): \(result.errors.count) error\(result.errors.count == 1 ? "" : "s"); \(nothing) — fix the file (or the \(mapping.name) settlement mapping) and import it again\n")
                return ExitStatus.failure
            }
            if let outcome {
                let written = store == nil ? "nothing was written (no state store at \(state) was created)" : "nothing was written to \(state)"
                if outcome.alreadyImported {
                    console.out("preview: \(path) was imported before; importing it again changes nothing — \(written)\n")
                } else {
                    console.out("preview: importing \(path) with the \(mapping.name) settlement mapping would record \(Workflows.settledCount(rows)), \(outcome.added) new, \(outcome.skipped) already known — \(written); run it without --preview to import\n")
                }
                return ExitStatus.success
            }
            guard let store = store ?? (try? StateStore(path: state)) else {
                console.err("cannot open the state store \(state)\n")
                return ExitStatus.failure
            }
            let imported = try store.importSettlement(contentHash: file.contentHash, name: (path as NSString).lastPathComponent, channel: channel, rows: rows)
            let skipped = parsed.skippedRows == 0 ? "" : " (\(parsed.skippedRows) row\(parsed.skippedRows == 1 ? "" : "s") left out by skip_rows)"
            if imported.alreadyImported {
                console.out("\(path) was imported before; nothing changed\n")
            } else {
                console.out("imported \(path) with the \(mapping.name) settlement mapping (\(channel)): \(Workflows.settledCount(rows)), "
                            + "\(imported.added) new, \(imported.skipped) already known\(skipped); \(diagnostics.warnings.count) warning\(diagnostics.warnings.count == 1 ? "" : "s")\n")
            }
            return ExitStatus.success
        } catch let diagnostic as Diagnostic {
            console.err(DiagnosticRendering.text([diagnostic]))
            return ExitStatus.failure
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    /// Settlement rows as the state store keeps them: sen, the shipping credits and fees as `[[kind, name, sen], …]`, and a
    /// payout without a reference named by its date (as the built-in readers' rows are stored).
    static func storedSettlementRows(_ rows: [SettlementRow], channel: String) -> [StoredSettlementRow] {
        rows.map { row in
            let credits = row.shippingCredits.map { JSONValue.array([.string("\($0.payer.rawValue)_shipping"), .string($0.name), .number(String($0.amount.minorUnits))]) }
            let detail = JSONValue.array(credits + row.fees.map { .array([.string($0.kind.rawValue), .string($0.name), .number(String($0.amount.minorUnits))]) })
            let date = row.payoutDate.description
            return StoredSettlementRow(channel: channel, orderID: row.orderID, payoutDate: date, reference: row.statementReference ?? "payout-\(date)",
                                       currency: row.currency, grossSen: row.gross.minorUnits, feesSen: row.totalFees.minorUnits, netSen: row.net.minorUnits,
                                       buyerShippingSen: row.buyerPaidShipping.minorUnits, platformShippingSen: row.platformShippingDiscount.minorUnits,
                                       feeDetailJSON: JSONWriter.compactString(detail), source: row.source.description)
        }
    }
}
