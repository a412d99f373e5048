import Foundation
import LedgerCore
import LedgerJSON
import Settlements
import StateStore

/// A settlement report opened for import (`SettlementSource.open`: xlsx or CSV told apart by content, rows streamed
/// from the file on each pass), and a hash of its bytes that recognises the same file imported again.
public struct SettlementFile {
    public let source: SettlementSource
    /// FNV-1a of the bytes and their count: the same file imported again is a no-op.
    public let contentHash: String

    /// Throws a `Diagnostic` naming the file when it is missing, unreadable, or not a spreadsheet (a PDF, a legacy
    /// .xls, text that is not UTF-8 …).
    public static func open(_ path: String) throws -> SettlementFile {
        guard let (hex, count) = ContentHash.hex(fileAt: path) else {
            throw Diagnostic.error("cannot read the settlement file '\(path)'; check the path", at: SourceLocation(file: path), code: "unreadable-file")
        }
        return SettlementFile(source: try SettlementSource.open(path: path), contentHash: "\(hex)-\(count)")
    }

    /// The error that cut the last pass over a sheet short; see `SettlementSource.readError`.
    public func readError() -> Diagnostic? { source.readError() }
}

extension Workflows {
    /// `ledgersync payments import --channel C FILE`: parse, check against the state store, and record the rows
    /// — all or nothing. Errors block the import; warnings are shown with the parsed rows.
    ///
    /// `preview` (`--preview`, `--dry-run`) shows exactly what the import would do — errors, warnings, the parsed
    /// rows, which of them are new and which the state store already has — and writes nothing: a missing state
    /// store is not created, an existing one is only read (`StateStore.openReadOnly`: no migration, the file stays
    /// byte-identical).
    public static func paymentsImport(statePath: String?, channel: String, path: String, preview: Bool, console: Console) -> Int32 {
        guard let expected = Channel(rawValue: channel), SettlementDetector.supportedChannels.contains(expected) else {
            console.err("--channel must be one of \(SettlementDetector.supportedChannels.map(\.rawValue).joined(separator: ", ")), found '\(channel)'\n")
            return ExitStatus.failure
        }
        do {
            let file = try SettlementFile.open(path)
            let hash = file.contentHash
            let result = SettlementImport.parse(file.source, expected: expected)
            if let unreadable = file.readError() { throw unreadable }
            var diagnostics = result.diagnostics
            let state = StateLocation.resolve(statePath)
            let store: StateStore?
            if preview {
                store = try StateStore.openReadOnly(path: state)
            } else {
                store = FileManager.default.fileExists(atPath: state) ? try StateStore(path: state) : nil
            }
            for row in result.rows where !row.orderID.isEmpty {
                let at = SourceLocation(file: row.source.file, line: row.source.row)
                let matches = try store?.orders(channel: expected.rawValue, settlementOrderID: row.orderID) ?? []
                guard let order = matches.first else {
                    diagnostics.append(.warning("order \(row.orderID) is not in the state store (looked up as a \(expected.rawValue) order number, then as an order id); import and apply its orders before planning its payment", at: at, code: "unknown-order"))
                    continue
                }
                if matches.count > 1 {
                    diagnostics.append(.warning("order number \(row.orderID) belongs to \(matches.count) \(expected.rawValue) orders (\(matches.map { "\($0.id) in \($0.store)" }.joined(separator: ", "))); the report does not say which, so no receipt will pay it — knock it off in SQL Accounting by hand", at: at, code: "ambiguous-order"))
                    continue
                }
                if order.status != .completed {
                    diagnostics.append(.warning("order \(row.orderID) is \(order.status.rawValue), not yet invoiced in SQL Accounting; its payment waits for the invoice", at: at, code: "not-invoiced"))
                }
            }
            let rows = result.rows.map { row -> StoredSettlementRow in
                let credits = row.shippingCredits.map { JSONValue.array([.string("\($0.payer.rawValue)_shipping"), .string($0.name), .number(String($0.amount.minorUnits))]) }
                let detail = JSONValue.array(credits + row.fees.map { .array([.string($0.kind.rawValue), .string($0.name), .number(String($0.amount.minorUnits))]) })
                let date = row.payoutDate.description
                return StoredSettlementRow(channel: expected.rawValue, orderID: row.orderID, payoutDate: date,
                                           reference: row.statementReference ?? "payout-\(date)", currency: row.currency,
                                           grossSen: row.gross.minorUnits, feesSen: row.totalFees.minorUnits, netSen: row.net.minorUnits,
                                           buyerShippingSen: row.buyerPaidShipping.minorUnits, platformShippingSen: row.platformShippingDiscount.minorUnits,
                                           feeDetailJSON: JSONWriter.compactString(detail), source: row.source.description)
            }
            if !diagnostics.isEmpty { console.err(DiagnosticRendering.text(diagnostics)) }
            // What an import would do with each row, read from the store (every row is new without one).
            var outcome: SettlementImportPreview?
            if preview && !result.hasErrors {
                outcome = try store?.previewSettlement(contentHash: hash, rows: rows) ?? .empty(rows: rows.count)
            }
            if preview || result.hasErrors {
                let table = result.preview(limit: 20, importStatus: outcome.map { $0.known.map { $0 ? "known" : "new" } })
                console.out(table.hasSuffix("\n") ? table : table + "\n")
            }
            guard !result.hasErrors else {
                let nothing = preview ? "an import would write nothing (preview: nothing was written)" : "nothing was imported"
                console.err("\(path): \(result.errors.count) error\(result.errors.count == 1 ? "" : "s"); \(nothing) — fix the file (or export it again) and import it again\n")
                return ExitStatus.failure
            }
            let warnings = "\(diagnostics.warnings.count) warning\(diagnostics.warnings.count == 1 ? "" : "s")"
            if let outcome {
                let written = store == nil ? "nothing was written (no state store at \(state) was created)" : "nothing was written to \(state)"
                if outcome.alreadyImported {
                    console.out("preview: \(path) was imported before; importing it again changes nothing — \(written)\n")
                } else {
                    console.out("preview: importing \(path) would record \(Self.settledCount(rows)), \(outcome.added) new, \(outcome.skipped) already known; \(warnings) — \(written); run it without --preview to import\n")
                }
                return ExitStatus.success
            }
            guard let store = store ?? (try? StateStore(path: state)) else {
                console.err("cannot open the state store \(state)\n")
                return ExitStatus.failure
            }
            let imported = try store.importSettlement(contentHash: hash, name: (path as NSString).lastPathComponent, channel: expected.rawValue, rows: rows)
            if imported.alreadyImported {
                console.out("\(path) was imported before; nothing changed\n")
            } else {
                console.out("imported \(path): \(Self.settledCount(rows)), \(imported.added) new, \(imported.skipped) already known; \(warnings)\n")
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

    /// `4 settled orders`, `4 settled orders and 1 channel charge` (a fee that names no order, booked per
    /// `payments.channel_charges`).
    static func settledCount(_ rows: [StoredSettlementRow]) -> String {
        let charges = rows.filter(\.isChannelCharge).count, orders = rows.count - charges
        let settled = "\(orders) settled order\(orders == 1 ? "" : "s")"
        return charges == 0 ? settled : settled + " and \(charges) channel charge\(charges == 1 ? "" : "s")"
    }
}
