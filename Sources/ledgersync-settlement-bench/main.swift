import Foundation
import LedgerCore
import Settlements
import Spreadsheets
import StateStore
import LedgerSyncKit
import SettlementTestFixtures

// Settlement import benchmark, kept out of `swift test`.
// Usage: swift run -c release ledgersync-settlement-bench [ROWS]
// Writes a Shopee income workbook of ROWS settled orders in its real layout, then times what
// `payments import` does with it: read the xlsx, parse and check every row, record them in a state store.

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (Double(String(line.filter(\.isNumber))) ?? 0) / 1024
    }
    return 0
}

let rows = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 100_000
let directory = NSTemporaryDirectory() + "ledgersync-settlement-bench-\(rows)"
try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let workbook = directory + "/income.xlsx"
if !FileManager.default.fileExists(atPath: workbook) {
    let fixture = SettlementFixtures.shopeeIncome(SettlementFixtures.sampleOrders(count: rows), fileName: "income.xlsx")
    try SpreadsheetWriter.writeXLSX(path: workbook, sheets: fixture.sheetValues)
}
let bytes = (try? FileManager.default.attributesOfItem(atPath: workbook)[.size] as? Int) ?? 0
let statePath = directory + "/state-\(UUID().uuidString.prefix(6)).sqlite"
defer { try? FileManager.default.removeItem(atPath: statePath) }

let started = Date()
// Exactly what `payments import` does: hash the bytes, open the workbook with its rows streamed, parse in one pass.
let file = try SettlementFile.open(workbook)
let read = Date()
let result = SettlementImport.parse(file.source, expected: .shopee)
if let unreadable = file.readError() { throw unreadable }
let parsed = Date()
let store = try StateStore(path: statePath)
let stored = result.rows.map { row in
    StoredSettlementRow(channel: "shopee", orderID: row.orderID, payoutDate: row.payoutDate.description, reference: row.statementReference ?? "payout-\(row.payoutDate)",
                        currency: row.currency, grossSen: row.gross.minorUnits, feesSen: row.totalFees.minorUnits, netSen: row.net.minorUnits,
                        buyerShippingSen: row.buyerPaidShipping.minorUnits, platformShippingSen: row.platformShippingDiscount.minorUnits, feeDetailJSON: "[]", source: row.source.description)
}
let outcome = try store.importSettlement(contentHash: "bench-\(rows)-\(UUID().uuidString)", name: "income.xlsx", channel: "shopee", rows: stored)
let finished = Date()
func seconds(_ a: Date, _ b: Date) -> String { String(format: "%.2f s", b.timeIntervalSince(a)) }
print("workbook: \(rows) settled orders, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB xlsx")
print("hash+open \(seconds(started, read)), read+parse+check \(seconds(read, parsed)) (\(result.rows.count) rows, \(result.errors.count) errors, \(result.warnings.count) warnings), "
      + "record \(seconds(parsed, finished)) (\(outcome.added) added); total \(seconds(started, finished)), peak RSS \(String(format: "%.0f", peakResidentMegabytes())) MiB")
