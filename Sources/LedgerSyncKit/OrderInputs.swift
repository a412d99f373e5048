import Foundation
import LedgerCore
import OrderImport
import OrderIO
import RulePack
import Settlements

/// What `--orders` names: canonical order JSON, or a channel's order export read through an import mapping
/// (named with `--mapping`, else recognised by its header among the pack's own mappings and the built-in ones).
public enum OrderInputs {
    /// The folder of built-in mappings: `$LEDGERSYNC_IMPORTS`, else the first `rules/imports` found walking up from
    /// the pack, the working directory and the executable.
    public static func builtinDirectory(packDirectory: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        RulesFolders.find("imports", variable: "LEDGERSYNC_IMPORTS", packDirectory: packDirectory, environment: environment)
    }

    /// The names of the built-in mappings, sorted.
    public static func builtinNames(in directory: String?) -> [String] { RulesFolders.yamlNames(in: directory) }

    /// The pack's own mapping files (`imports/*.yaml`), sorted.
    public static func packMappingFiles(_ packDirectory: String?) -> [String] { RulesFolders.packFiles(packDirectory, folder: "imports") }

    /// True when the file holds order JSON (its first character, after a BOM and white space, is `{` or `[`).
    public static func isOrderJSON(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }  // the JSON reader reports it
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 4096)) ?? Data())
        var index = head.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while index < head.count, [0x20, 0x09, 0x0A, 0x0D].contains(head[index]) { index += 1 }
        guard index < head.count else { return true }
        return head[index] == UInt8(ascii: "{") || head[index] == UInt8(ascii: "[")
    }

    /// Loads a mapping named `--mapping NAME|PATH`: a path, a pack mapping by name, or a built-in name.
    public static func loadMapping(_ nameOrPath: String, packDirectory: String?) throws(CommandFailure) -> ImportMapping {
        let builtins = builtinDirectory(packDirectory: packDirectory)
        let loader = RulePackImportLoader.make(packDirectory: packDirectory)
        var path = nameOrPath
        if ImportMappingLoader.isBuiltinName(nameOrPath) {
            if let own = packMappingFiles(packDirectory).first(where: { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension == nameOrPath }) {
                path = own
            } else if let builtins, builtinNames(in: builtins).contains(nameOrPath) {
                path = (builtins as NSString).appendingPathComponent("\(nameOrPath).yaml")
            } else {
                let known = builtinNames(in: builtins) + packMappingFiles(packDirectory).map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension }
                var message = "--mapping '\(nameOrPath)' is neither a mapping file nor a mapping ledgersync knows (\(known.isEmpty ? "no built-in mappings found; set LEDGERSYNC_IMPORTS to the rules/imports folder" : known.joined(separator: ", ")))"
                if let guess = Suggest.closest(to: nameOrPath, in: known) { message += "; did you mean '\(guess)'?" }
                throw .message(message)
            }
        }
        switch loader.load(path: path) {
        case .success(let mapping): return mapping
        case .failure(let diagnostics):
            throw .message(DiagnosticRendering.text(diagnostics) + "the import mapping '\(nameOrPath)' is invalid: \(DiagnosticRendering.summary(diagnostics))")
        }
    }

    /// Opens `--orders`: order JSON as is; an export through `mapping`, or through the mapping its header matches.
    public static func open(_ path: String, mapping: String? = nil, packDirectory: String? = nil) throws(CommandFailure) -> OrderSource {
        if mapping == nil && isOrderJSON(path) {
            do { return try OrderSource(path: path, displayPath: path) } catch { throw CommandFailure(error) }
        }
        return try importer(path, mapping: mapping, packDirectory: packDirectory).orderSource()
    }

    /// The importer for an export: through `mapping` when named (refusing, with what the file looks like, an export
    /// of another kind), else the first mapping whose columns the file has.
    public static func importer(_ path: String, mapping: String?, packDirectory: String?) throws(CommandFailure) -> OrderImporter {
        if let mapping {
            let chosen = try loadMapping(mapping, packDirectory: packDirectory)
            do { return try OrderImporter(mapping: chosen, path: path) } catch {
                guard error.code == "import-header-not-found" || error.code == "import-missing-columns" else { throw .message(error.description) }
                // Another channel's export: say what it is rather than list every column it lacks.
                if let other = otherFit(path, besides: chosen.name, packDirectory: packDirectory), other.isComplete {
                    throw .message("\(path): error: '\(path)' is not an export the \(chosen.name) mapping reads: it is \(ImportDetector.describe(other)). Use --mapping \(other.mapping.name), or leave --mapping out; nothing was imported")
                }
                throw .message(error.description + lookalike(path, besides: chosen.name, packDirectory: packDirectory))
            }
        }
        let candidates = try candidateMappings(packDirectory: packDirectory)
        let fits: [ImportDetector.Fit]
        do { fits = try ImportDetector.fits(of: path, candidates: candidates) } catch { throw .message(error.description) }
        if let fit = fits.first, fit.isComplete {
            do { return try OrderImporter(mapping: fit.mapping, path: path) } catch { throw .message(error.description) }
        }
        // A pack mapping that extends a built-in shares its name: list each name once.
        var names: [String] = []
        for name in candidates.map(\.name) where !names.contains(name) { names.append(name) }
        var message = "'\(path)' is not order JSON, and its columns match no import mapping (\(names.joined(separator: ", ")))"
        if let settlement = settlementKind(path) {
            message += ": it is \(settlement); import it with `ledgersync payments import`"
        } else if let closest = fits.first, closest.found >= 2 {
            message += "; it looks most like \(ImportDetector.describe(closest)). Name the mapping with --mapping, or extend it in the pack's imports/ folder"
        } else {
            message += "; give the export of a channel's order list, or write a mapping for it (Docs/ImportMappings.md) and name it with --mapping"
        }
        throw .message(message + "; nothing was imported")
    }

    /// The pack's own mappings, then the built-in ones; a pack mapping that does not load stops with its diagnostics.
    static func candidateMappings(packDirectory: String?) throws(CommandFailure) -> [ImportMapping] {
        let builtins = builtinDirectory(packDirectory: packDirectory)
        let loader = RulePackImportLoader.make(packDirectory: packDirectory)
        var result: [ImportMapping] = []
        let files = packMappingFiles(packDirectory) + builtinNames(in: builtins).map { ((builtins ?? "") as NSString).appendingPathComponent("\($0).yaml") }
        for file in files {
            switch loader.load(path: file) {
            case .success(let mapping): result.append(mapping)
            case .failure(let diagnostics):
                throw .message(DiagnosticRendering.text(diagnostics) + "the import mapping '\(file)' is invalid: \(DiagnosticRendering.summary(diagnostics))")
            }
        }
        return result
    }

    /// "; it looks like a tiktok order export (…): use --mapping tiktok", when another mapping fits.
    private static func lookalike(_ path: String, besides name: String, packDirectory: String?) -> String {
        if let settlement = settlementKind(path) { return "\nIt is \(settlement): import it with `ledgersync payments import`." }
        guard let best = otherFit(path, besides: name, packDirectory: packDirectory), best.found >= 2 else { return "" }
        return "\nIt looks most like \(ImportDetector.describe(best))."
    }

    private static func otherFit(_ path: String, besides name: String, packDirectory: String?) -> ImportDetector.Fit? {
        guard let candidates = try? candidateMappings(packDirectory: packDirectory).filter({ $0.name != name }) else { return nil }
        return (try? ImportDetector.fits(of: path, candidates: candidates))?.first
    }

    private static func settlementKind(_ path: String) -> String? {
        guard let source = try? SettlementSource.open(path: path), let detection = SettlementDetector.detect(source), !detection.matchedColumns.isEmpty else { return nil }
        return SettlementDetector.reportName(detection.channel)
    }

}

/// The mapping loader a pack's commands use: built-in names resolved from `OrderInputs.builtinDirectory`.
enum RulePackImportLoader {
    static func make(packDirectory: String?) -> ImportMappingLoader {
        ImportMappingLoader(builtinDirectory: OrderInputs.builtinDirectory(packDirectory: packDirectory))
    }
}

/// Where mapping files live: a pack's own folder (`imports/`, `settlements/`) and the built-in `rules/<name>` folder.
enum RulesFolders {
    /// `$variable`, else the first `rules/<name>` found walking up from the pack, the working directory and the executable.
    static func find(_ name: String, variable: String, packDirectory: String?, environment: [String: String]) -> String? {
        if let configured = environment[variable], !configured.isEmpty { return configured }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
        }
        var starts: [String] = []
        if let packDirectory { starts.append(absolute(packDirectory)) }
        starts.append(FileManager.default.currentDirectoryPath)
        starts.append((absolute(CommandLine.arguments.first ?? ".") as NSString).deletingLastPathComponent)
        for start in starts {
            var directory = start
            while true {
                let candidate = (directory as NSString).appendingPathComponent("rules/\(name)")
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue { return candidate }
                let parent = (directory as NSString).deletingLastPathComponent
                if parent == directory || parent.isEmpty { break }
                directory = parent
            }
        }
        return nil
    }

    static func yamlNames(in directory: String?) -> [String] {
        guard let directory, let files = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return files.filter { $0.hasSuffix(".yaml") }.map { ($0 as NSString).deletingPathExtension }.sorted()
    }

    static func packFiles(_ packDirectory: String?, folder name: String) -> [String] {
        guard let packDirectory else { return [] }
        let folder = (packDirectory as NSString).appendingPathComponent(name)
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
    }
}
