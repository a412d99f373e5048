import Foundation
import LedgerCore
import LedgerJSON
import LedgerSyncKit
import OrderIO
import RulePack
import Transform

// Throughput benchmark for the transform pipeline, kept out of `swift test`.
// Usage: swift run -c release ledgersync-bench [ORDERS] [--pack DIR] [--seed-orders FILE] [--sheet-rows N] [--orders-file FILE]
//        ledgersync-bench --orders-file FILE --seed-synced-state STATE   (a state store with FILE's invoices synced; for bench-plan.sh)
// Writes ORDERS orders (copies of the example orders with unique ids and order numbers) to a temporary file, then
// times decode → transform → encode three times (decoding on a second thread, as `transform` does) and prints the
// median with peak memory; then the rules alone (the compiled graph over orders already decoded, one core, no I/O),
// and the compile time of the pack with an item sheet of N rows (default 20,000) added, and its transform speed.
// The end-to-end CLI comparison with orjson and jq is scripts/bench-transform.sh.

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.filter(\.isNumber)
        return (Double(String(digits)) ?? 0) / 1024
    }
    return 0
}

var arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, default value: String) -> String {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    let found = arguments[index + 1]
    arguments.removeSubrange(index...(index + 1))
    return found
}
let packDirectory = option("--pack", default: "rules/acme-living")
let sheetRows = Int(option("--sheet-rows", default: "20000")) ?? 20_000
let seedPath = option("--seed-orders", default: "examples/orders/2025-09.jsonl")
/// Only the rules-alone figure: for profiling the rules without the rest of the run in the profile.
let rulesOnlyRun = arguments.contains("--rules-only")
arguments.removeAll { $0 == "--rules-only" }
/// An existing orders file to use instead of generating one.
let ordersFile = option("--orders-file", default: "")
let seedStatePath = option("--seed-synced-state", default: "")
let count = Int(arguments.first ?? "") ?? 100_000

guard let seedText = try? String(contentsOfFile: seedPath, encoding: .utf8) else {
    FileHandle.standardError.write(Data("cannot read \(seedPath); run from the package root\n".utf8))
    exit(1)
}
/// A seed order cut around its id and order number so copies get unique, short values cheaply.
struct SeedTemplate {
    var pieces: [String]  // before id, between id and order number, after order number

    init?(_ line: String) {
        guard let idRange = line.range(of: "\"id\":\""), let idEnd = line[idRange.upperBound...].firstIndex(of: "\""),
              let numberRange = line.range(of: "\"order_number\":\""), let numberEnd = line[numberRange.upperBound...].firstIndex(of: "\""),
              idEnd < numberRange.lowerBound else { return nil }
        pieces = [String(line[..<idRange.upperBound]), String(line[idEnd..<numberRange.upperBound]), String(line[numberEnd...])]
    }

    func order(_ index: Int) -> String { pieces[0] + "B-\(index)" + pieces[1] + "N\(index)" + pieces[2] }
}
let templates = seedText.split(separator: "\n").compactMap { SeedTemplate(String($0)) }
// Named after the seed's content too, so a changed seed file is not read from a copy made from the old one.
let seedDigest = seedText.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
let ordersPath = ordersFile.isEmpty ? FileManager.default.temporaryDirectory
    .appendingPathComponent("ledgersync-bench-\(String(seedDigest, radix: 16))-\(count).jsonl").path : ordersFile
if !FileManager.default.fileExists(atPath: ordersPath) {
    var buffer = ""
    _ = FileManager.default.createFile(atPath: ordersPath, contents: nil)
    let handle = FileHandle(forWritingAtPath: ordersPath)
    for index in 0..<count {
        buffer += templates[index % templates.count].order(index) + "\n"
        if buffer.utf8.count > 1 << 20 {
            handle?.write(Data(buffer.utf8))
            buffer = ""
        }
    }
    handle?.write(Data(buffer.utf8))
    try? handle?.close()
}
let bytes = (try? FileManager.default.attributesOfItem(atPath: ordersPath)[.size] as? Int) ?? 0

let compileStart = Date()
let (pack, diagnostics) = RulePackValidator.load(packDirectory: packDirectory)
guard let pack else {
    FileHandle.standardError.write(Data(diagnostics.map(\.description).joined(separator: "\n").utf8))
    exit(1)
}
let graph = TransformGraph(pack: pack)
let compileSeconds = Date().timeIntervalSince(compileStart)

if !seedStatePath.isEmpty {
    let start = Date()
    let seeded = try seedSyncedState(at: seedStatePath, ordersPath: ordersPath, graph: graph,
                                     options: TransformOptions(asOf: CalendarDate(year: 2025, month: 10, day: 1)))
    print("seeded \(seedStatePath): \(seeded.orders) orders, \(seeded.invoices) invoices synced, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
    exit(0)
}

var timings: [Double] = []
var tally = OutcomeTally()
if rulesOnlyRun {
    let sample = try decodedOrders(limit: min(count, 20_000))
    print("rules only (graph over \(sample.count) decoded orders, \(count) runs, best of 3): \(Int(rulesOnly(graph, sample, runs: count))) orders/s")
    exit(0)
}
let sink = FileHandle(forWritingAtPath: "/dev/null") ?? .standardOutput
for _ in 0..<3 {
    tally = OutcomeTally()
    let start = Date()
    let source = try OrderSource(path: ordersPath)
    var session = TransformSession()
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 17)
    let options = TransformOptions(asOf: CalendarDate(year: 2025, month: 10, day: 1))
    try source.forEachReadingAhead { record in
        let outcome = Workflows.run(record, graph: graph, options: options, session: &session)
        tally.add(outcome)
        OutcomeRendering.appendJSONLine(outcome, to: &buffer)
        if buffer.count > 1 << 16 {
            sink.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
    sink.write(Data(buffer))
    timings.append(Date().timeIntervalSince(start))
}
let median = timings.sorted()[1]
print("pack compile: \(String(format: "%.1f", compileSeconds * 1000)) ms")
print("orders: \(tally.total) (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB): \(tally.summary)")
print("transform median of 3: \(String(format: "%.2f", median)) s = \(Int(Double(tally.total) / median)) orders/s, \(String(format: "%.1f", Double(bytes) / 1_048_576 / median)) MiB/s")
print("peak resident memory: \(String(format: "%.0f", peakResidentMegabytes())) MiB")

// Rules alone: the compiled graph over orders decoded beforehand (up to 20,000, run round-robin to ORDERS), one core.
func decodedOrders(limit: Int) throws -> [(Order, SourceLocation)] {
    var orders: [(Order, SourceLocation)] = []
    let source = try OrderSource(path: ordersPath)
    while orders.count < limit, let record = try source.next() {
        if case .success(let order) = record.result { orders.append((order, record.location)) }
    }
    return orders
}

func rulesOnly(_ graph: TransformGraph, _ orders: [(Order, SourceLocation)], runs: Int) -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        var session = TransformSession()
        let options = TransformOptions(asOf: CalendarDate(year: 2025, month: 10, day: 1))
        var documents = 0
        let start = Date()
        for index in 0..<runs {
            let (order, location) = orders[index % orders.count]
            if graph.run(order, source: location, options: options, session: &session).kind == .document { documents += 1 }
            // A fresh session per pass over the orders: their invoice numbers would otherwise repeat.
            if (index + 1) % orders.count == 0 { session = TransformSession() }
        }
        best = min(best, Date().timeIntervalSince(start))
        precondition(documents > 0)
    }
    return Double(runs) / best
}

let sample = try decodedOrders(limit: min(count, 20_000))
print("rules only (graph over \(sample.count) decoded orders, \(count) runs, best of 3): \(Int(rulesOnly(graph, sample, runs: count))) orders/s")

// A copy of the pack's rules tree with an item sheet of `sheetRows` rows added to its matching.
func packWithItemSheet(rows: Int) throws -> String {
    let packURL = URL(fileURLWithPath: packDirectory).standardizedFileURL
    let rulesRoot = packURL.deletingLastPathComponent()
    // Inside the repository (under .build, which git ignores): a pack may only extend packs in its own repository.
    let copy = URL(fileURLWithPath: ".build/ledgersync-bench-sheet-\(rows)").standardizedFileURL
    try? FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: rulesRoot, to: copy)
    let pack = copy.appendingPathComponent(packURL.lastPathComponent)
    var csv = "sku,name,syncapp_code,syncapp_uom\n"
    for row in 0..<rows { csv += "BENCH-SKU-\(row),Bench item \(row),BI-\(row),UNIT\n" }
    try csv.write(to: pack.appendingPathComponent("matching/bench-items.csv"), atomically: true, encoding: .utf8)
    let matching = pack.appendingPathComponent("matching.yaml")
    let text = try String(contentsOf: matching, encoding: .utf8)
    guard text.contains("  item_sheets:\n") else { throw CocoaError(.fileReadCorruptFile) }
    try text.replacingOccurrences(of: "  item_sheets:\n", with: "  item_sheets:\n    - matching/bench-items.csv\n")
        .write(to: matching, atomically: true, encoding: .utf8)
    return pack.path
}

if sheetRows > 0, let bigPack = try? packWithItemSheet(rows: sheetRows) {
    var compileTimes: [Double] = []
    var bigGraph: TransformGraph?
    for _ in 0..<3 {
        let start = Date()
        let (loaded, problems) = RulePackValidator.load(packDirectory: bigPack)
        guard let loaded else {
            print("pack with a \(sheetRows)-row item sheet did not load: \(problems.errors.first?.description ?? "")")
            break
        }
        bigGraph = TransformGraph(pack: loaded)
        compileTimes.append(Date().timeIntervalSince(start))
    }
    if let bigGraph, !compileTimes.isEmpty {
        let items = bigGraph.plan(forStore: bigGraph.storeIDs[0])?.items.count ?? 0
        print("pack with a \(sheetRows)-row item sheet (\(items) items): compile \(String(format: "%.1f", compileTimes.sorted()[compileTimes.count / 2] * 1000)) ms (median of \(compileTimes.count)); rules only: \(Int(rulesOnly(bigGraph, sample, runs: count))) orders/s")
    }
}
