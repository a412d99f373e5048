import Expressions
import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Spreadsheets

/// Reads an order export (xlsx or CSV) through an import mapping and yields canonical orders, one record per order.
///
/// Two passes over the file keep memory flat however long it is: the first finds, for every order id, the row its
/// last line is on (so an order whose rows are not together is still whole); the second holds only the rows of
/// orders not yet complete and hands each order on as soon as its last row is read. Every whole-file problem (not a
/// spreadsheet, no header row, a required column missing) is thrown by `init`, before any order is produced.
public final class OrderImporter {
    public let mapping: ImportMapping
    public let displayPath: String
    /// The header row and where each column the mapping reads was found.
    public let layout: ImportLayout
    public private(set) var statistics = ImportStatistics()
    /// Warnings of the orders read so far (a refund the export does not place); each is also in its order's
    /// `import.warnings`.
    public private(set) var warnings: [Diagnostic] = []

    private let rows: SheetRows
    private var iterator: SheetRows.Iterator?
    private var lastRowOfOrder: [String: Int] = [:]
    private var open: [String: [ImportedRow]] = [:]
    private let assembler: OrderAssembler
    private let decoder = OrderDecoder()

    /// Opens `path`, finds the header and checks every required column is there.
    public init(mapping: ImportMapping, path: String, displayPath: String? = nil) throws(Diagnostic) {
        self.mapping = mapping
        let display = displayPath ?? path
        self.displayPath = display
        do {
            let reader = try SpreadsheetReader(path: path)
            rows = try reader.rows(sheet: mapping.sheet)
        } catch let error as SpreadsheetError {
            throw Diagnostic.error(ImportLayout.describe(error, display: display), at: SourceLocation(file: display), code: "import-unreadable")
        } catch {
            throw Diagnostic.error("cannot read '\(display)': \(error)", at: SourceLocation(file: display), code: "import-unreadable")
        }
        layout = try ImportLayout.find(mapping, in: rows, display: display)
        assembler = OrderAssembler(mapping: mapping, layout: layout, display: display)
        try firstPass()
    }

    /// The next order, or a failure naming the order (or row) and every problem in it; nil at the end.
    public func next() throws(Diagnostic) -> OrderRecord? {
        if iterator == nil { iterator = rows.makeIterator() }
        while true {
            let row: SheetRow?
            do { row = try iterator!.nextRow() } catch { throw readFailure(error) }
            guard let row else { return flushRemaining() }
            guard let imported = assembler.read(row) else { continue }
            switch imported {
            case .skipped:
                statistics.skippedRows += 1
                continue
            case .withoutID(let record):
                statistics.failedOrders += 1
                return record
            case .row(let id, let value):
                statistics.rows += 1
                open[id, default: []].append(value)
                if lastRowOfOrder[id] == row.number, let orderRows = open.removeValue(forKey: id) {
                    return record(for: id, orderRows)
                }
            }
        }
    }

    /// An `OrderSource` over this export, so every command that takes `--orders` reads it like order JSON.
    public func orderSource() -> OrderSource {
        OrderSource(displayPath: displayPath) { [self] in try self.next() }
    }

    private func firstPass() throws(Diagnostic) {
        var iterator = rows.makeIterator()
        while true {
            let row: SheetRow?
            do { row = try iterator.nextRow() } catch { throw readFailure(error) }
            guard let row else { break }
            if case .row(let id, _)? = assembler.read(row, idOnly: true) { lastRowOfOrder[id] = row.number }
        }
    }

    private func record(for id: String, _ orderRows: [ImportedRow]) -> OrderRecord {
        let location = SourceLocation(file: displayPath, line: orderRows[0].number)
        let assembled = assembler.assemble(id: id, rows: orderRows)
        switch assembled.result {
        case .success(let object):
            warnings += assembled.warnings
            let value = JSONValue.object(object)
            let decoded = decoder.decode(value, at: location)
            if case .success = decoded { statistics.orders += 1 } else { statistics.failedOrders += 1 }
            return OrderRecord(location: location, result: decoded, raw: value)
        case .failure(let diagnostics):
            statistics.failedOrders += 1
            return OrderRecord(location: location, result: .failure(OrderDecoder.Failure(orderID: id, diagnostics: diagnostics)), raw: nil)
        }
    }

    /// Orders whose last row was never reached (the file changed between the passes) are still handed on.
    private func flushRemaining() -> OrderRecord? {
        guard let id = open.keys.min(by: { open[$0]![0].number < open[$1]![0].number }), let orderRows = open.removeValue(forKey: id) else { return nil }
        return record(for: id, orderRows)
    }

    private func readFailure(_ error: Error) -> Diagnostic {
        let text = (error as? SpreadsheetError).map { ImportLayout.describe($0, display: displayPath) } ?? "\(error)"
        return Diagnostic.error("reading '\(displayPath)' failed: \(text); nothing was imported", at: SourceLocation(file: displayPath), code: "import-unreadable")
    }
}

/// Counts for the import summary.
public struct ImportStatistics: Sendable, Equatable {
    /// Order rows read (skipped and blank rows not counted).
    public var rows = 0
    public var orders = 0
    public var failedOrders = 0
    public var skippedRows = 0
}

/// One data row as the mapping reads it: the cleaned text of each slot and the column it came from.
struct ImportedRow {
    var number: Int
    var texts: [String]
    /// 0-based column index of each slot's text; -1 when no column had a value.
    var columns: [Int32]
}
