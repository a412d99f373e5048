import Foundation
import LedgerCore
import LedgerJSON
import OrderImport
import OrderIO
import RulePack
import Spreadsheets

// Order export import benchmark, kept out of `swift test`.
// Usage: swift run -c release ledgersync-import-bench [LINES]     (default 200000)
// Builds a Shopee order export of LINES order lines in its real layout (the example export's 27 rows, cycled with
// new order ids) in a child process, so the generator's memory never counts, then times what `orders import` does
// with it — two streaming passes through the built-in shopee mapping, every order serialised — and reports peak RSS.

func peakResidentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return (Double(String(line.filter(\.isNumber))) ?? 0) / 1024
    }
    return 0
}

func packageRoot() -> String? {
    var directory = FileManager.default.currentDirectoryPath
    while true {
        if FileManager.default.fileExists(atPath: directory + "/rules/imports/shopee.yaml") { return directory }
        let parent = (directory as NSString).deletingLastPathComponent
        if parent == directory { return nil }
        directory = parent
    }
}

/// Writes `lines` order lines: the example rows cycled, each copy of an order under a new 14-character id.
func generate(path: String, lines: Int, root: String) throws {
    let example = try SpreadsheetReader(path: root + "/examples/exports/shopee-Order.all.20250901_20250930.xlsx").rows().readAll()
    let header = example[0].cells
    let idColumn = header.firstIndex { $0.text == "Order ID" }!
    let data = example.dropFirst().filter { !$0.isEmpty }
    func value(_ cell: SheetCell) -> SheetValue {
        switch cell.kind {
        case .empty: return .empty
        case .number: return .number(cell.text)
        default: return cell.text.isEmpty ? .empty : .string(cell.text)
        }
    }
    var rows: [[SheetValue]] = [header.map(value)]
    rows.reserveCapacity(lines + 1)
    var copy = 0
    while rows.count - 1 < lines {
        copy += 1
        var index = data.startIndex
        while index < data.endIndex {
            // One order's rows together; never cut an order in half.
            let id = data[index][idColumn].text
            var end = index
            while end < data.endIndex, data[end][idColumn].text == id { end += 1 }
            let newID = "BENCH" + String(format: "%09d", copy * 100 + (index - data.startIndex))
            for row in data[index..<end] {
                var values = row.cells.map(value)
                while values.count < header.count { values.append(.empty) }
                values[idColumn] = .string(newID)
                rows.append(values)
            }
            index = end
            if rows.count - 1 >= lines { break }
        }
    }
    try SpreadsheetWriter.writeXLSX(path: path, sheets: [(name: "orders", rows: rows)])
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard let root = packageRoot() else {
    FileHandle.standardError.write(Data("run from inside the ledgersync package (rules/imports/shopee.yaml not found)\n".utf8))
    exit(1)
}
if arguments.first == "--generate", arguments.count == 3, let lines = Int(arguments[2]) {
    try generate(path: arguments[1], lines: lines, root: root)
    exit(0)
}

let lines = Int(arguments.first ?? "") ?? 200_000
let directory = NSTemporaryDirectory() + "ledgersync-import-bench-\(lines)"
try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
let export = directory + "/Order.all.xlsx"
if !FileManager.default.fileExists(atPath: export) {
    let child = Process()
    child.executableURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
                              : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0])
    child.arguments = ["--generate", export, String(lines)]
    let started = Date()
    try child.run()
    child.waitUntilExit()
    guard child.terminationStatus == 0 else { FileHandle.standardError.write(Data("generating the export failed\n".utf8)); exit(1) }
    print(String(format: "generated %@ in %.1f s (child process)", export, Date().timeIntervalSince(started)))
}
let bytes = (try? FileManager.default.attributesOfItem(atPath: export)[.size] as? Int) ?? 0

let loader = ImportMappingLoader(displayBase: root, builtinDirectory: root + "/rules/imports")
let mapping = try loader.load(path: "rules/imports/shopee.yaml").get()
guard let sink = FileHandle(forWritingAtPath: "/dev/null") else { exit(1) }

let started = Date()
let importer = try OrderImporter(mapping: mapping, path: export)
let firstPass = Date()
var orders = 0, failures = 0
var buffer: [UInt8] = []
buffer.reserveCapacity(1 << 17)
while let record = try importer.next() {
    switch record.result {
    case .success:
        orders += 1
        JSONWriter.appendCompact(record.raw!, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { sink.write(Data(buffer)); buffer.removeAll(keepingCapacity: true) }
    case .failure(let failure):
        failures += 1
        if failures <= 3 { print(failure.diagnostics.map(\.description).joined(separator: "\n")) }
    }
}
sink.write(Data(buffer))
let finished = Date()
func seconds(_ a: Date, _ b: Date) -> String { String(format: "%.2f s", b.timeIntervalSince(a)) }
print("export: \(importer.statistics.rows) lines, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB xlsx → \(orders) orders, \(failures) not imported")
print("first pass (header, order ids) \(seconds(started, firstPass)), second pass (orders, JSON) \(seconds(firstPass, finished)); total \(seconds(started, finished)), "
      + "\(Int(Double(importer.statistics.rows) / finished.timeIntervalSince(started))) lines/s, peak RSS \(String(format: "%.0f", peakResidentMegabytes())) MiB")
exit(failures == 0 ? 0 : 1)
