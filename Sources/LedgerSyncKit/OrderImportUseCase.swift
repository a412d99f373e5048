import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO

public struct OrderImportRequest: Sendable {
    public var exportPath: String
    /// A built-in or pack mapping name, or a mapping file; nil: recognised by the export's header.
    public var mapping: String?
    public var packDirectory: String?
    /// Canonical JSON Lines go here (replaced atomically); nil: standard output.
    public var outPath: String?
    /// `--dry-run`: read and check every order and report, but write no orders — neither `outPath` nor standard output.
    public var dryRun: Bool

    public init(exportPath: String, mapping: String?, packDirectory: String?, outPath: String?, dryRun: Bool = false) {
        self.exportPath = exportPath
        self.mapping = mapping
        self.packDirectory = packDirectory
        self.outPath = outPath
        self.dryRun = dryRun
    }
}

/// What `orders import` did: the mapping used, counts, and each order that could not be imported.
public struct OrderImportReport: CommandResult {
    public var mappingName: String
    public var statistics: ImportStatistics
    public var failures: [OrderDecoder.Failure]
    /// What an order that imported could not carry over (a refund with no returned units …), for the operator to act on.
    public var warnings: [Diagnostic] = []
    public var outPath: String?
    public var dryRun = false
    public var exitStatus: Int32 { failures.isEmpty ? ExitStatus.success : ExitStatus.failure }
}

public enum OrderImportUseCase {
    /// Reads the export through its mapping and writes one canonical order per line. Orders with problems are left
    /// out and reported; the others are written. A whole-file problem throws before anything is written.
    public static func run(_ request: OrderImportRequest, writeStandardOutput: (String) -> Void) throws(CommandFailure) -> OrderImportReport {
        let importer = try OrderInputs.importer(request.exportPath, mapping: request.mapping, packDirectory: request.packDirectory)
        var failures: [OrderDecoder.Failure] = []
        var buffer: [UInt8] = []
        func drain(_ emit: ([UInt8]) throws -> Void) throws {
            while let record = try importer.next() {
                switch record.result {
                case .success:
                    if let raw = record.raw { JSONWriter.appendCompact(raw, to: &buffer); buffer.append(UInt8(ascii: "\n")) }
                case .failure(let failure): failures.append(failure)
                }
                if buffer.count >= 1 << 16 { try emit(buffer); buffer.removeAll(keepingCapacity: true) }
            }
            if !buffer.isEmpty { try emit(buffer); buffer.removeAll() }
        }
        do {
            if request.dryRun {
                try drain { _ in }
            } else if let outPath = request.outPath {
                try AtomicFile.replace(outPath) { temporary in
                    guard FileManager.default.createFile(atPath: temporary, contents: nil), let handle = FileHandle(forWritingAtPath: temporary) else {
                        throw AtomicFileError(path: outPath, reason: "cannot create the file")
                    }
                    defer { try? handle.close() }
                    try drain { try handle.write(contentsOf: Data($0)) }
                }
            } else {
                try drain { writeStandardOutput(String(decoding: $0, as: UTF8.self)) }
            }
        } catch let diagnostic as Diagnostic {
            throw .message(diagnostic.description)
        } catch {
            throw CommandFailure(error)
        }
        return OrderImportReport(mappingName: importer.mapping.name, statistics: importer.statistics, failures: failures, warnings: importer.warnings,
                                 outPath: request.outPath, dryRun: request.dryRun)
    }

    /// The warnings of orders that imported, the diagnostics of each failed order, then one summary line (stderr:
    /// standard output carries the orders).
    public static func summary(_ report: OrderImportReport) -> String {
        var text = report.warnings.isEmpty ? "" : DiagnosticRendering.text(report.warnings)
        text += report.failures.map { DiagnosticRendering.text($0.diagnostics) }.joined()
        let stats = report.statistics
        text += "imported \(stats.orders) order\(stats.orders == 1 ? "" : "s") from \(stats.rows) row\(stats.rows == 1 ? "" : "s") with the \(report.mappingName) mapping"
        if stats.skippedRows > 0 { text += " (\(stats.skippedRows) row\(stats.skippedRows == 1 ? "" : "s") skipped by skip_rows)" }
        if report.dryRun {
            text += report.outPath.map { " (dry run: \($0) was not written)" } ?? " (dry run: no orders were written)"
        } else if let out = report.outPath {
            text += " into \(out)"
        }
        if !report.warnings.isEmpty { text += "; \(report.warnings.count) warning\(report.warnings.count == 1 ? "" : "s")" }
        if !report.failures.isEmpty { text += "; \(report.failures.count) order\(report.failures.count == 1 ? "" : "s") not imported: \(report.failures.prefix(10).map(\.orderID).joined(separator: ", "))\(report.failures.count > 10 ? ", …" : "")" }
        return text + "\n"
    }

    /// Every pack mapping (`imports/*.yaml`) loaded and checked, for `validate`.
    public static func validatePackMappings(_ packDirectory: String) -> [Diagnostic] {
        let loader = RulePackImportLoader.make(packDirectory: packDirectory)
        var diagnostics: [Diagnostic] = []
        for file in OrderInputs.packMappingFiles(packDirectory) {
            if case .failure(let problems) = loader.load(path: file) { diagnostics += problems }
        }
        return diagnostics
    }
}

extension Workflows {
    /// `orders import`: orders to standard output or `--out`, problems and the summary to standard error.
    public static func ordersImport(_ request: OrderImportRequest, console: Console) -> Int32 {
        do throws(CommandFailure) {
            let report = try OrderImportUseCase.run(request) { console.out($0) }
            console.err(OrderImportUseCase.summary(report))
            return report.exitStatus
        } catch {
            console.err(FailureRendering.text(error, format: .text))
            return ExitStatus.failure
        }
    }
}
