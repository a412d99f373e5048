import LedgerCore
import Spreadsheets

/// The header row of a settlement sheet, found below any banner rows by `HeaderFinder`.
struct SettlementHeader {
    var sheetIndex: Int
    /// nil for a CSV (its one sheet has no name).
    var sheet: String?
    var match: HeaderMatch

    var rowNumber: Int { match.rowNumber }

    /// The column's index: the first of its names present in the header (first occurrence).
    func index(of column: SettlementColumn) -> Int? { match.index(of: column.header) }

    /// The header cell above a column as written, trimmed.
    func name(_ index: Int) -> String { match.name(at: index) ?? "" }

    static let searchRows = 30

    /// The first row, within the first `searchRows` non-empty rows of a sheet, that has every required column;
    /// sheets named in `preferredSheets` are searched first. Otherwise an error saying which columns are missing,
    /// pointing at the row that came closest.
    static func find(in source: SettlementSource, preferredSheets: [String], required: [SettlementColumn],
                     reportName: String) -> Result<SettlementHeader, Diagnostic> {
        let preferred = Set(preferredSheets.map(HeaderFinder.normalize))
        let order = source.sheets.indices.sorted { a, b in
            let pa = preferred.contains(HeaderFinder.normalize(source.sheets[a].name ?? ""))
            let pb = preferred.contains(HeaderFinder.normalize(source.sheets[b].name ?? ""))
            return pa != pb ? pa : a < b
        }
        var closest: (miss: HeaderNearMiss, sheet: String?)?
        for sheetIndex in order {
            let sheet = source.sheets[sheetIndex]
            switch HeaderFinder.search(required.map(\.header), in: sheet.rows, searchRows: searchRows) {
            case .found(let match):
                return .success(SettlementHeader(sheetIndex: sheetIndex, sheet: sheet.name, match: match))
            case .notFound(let miss?, _) where miss.present.count > closest?.miss.present.count ?? 0:
                closest = (miss, sheet.name)
            case .notFound:
                continue
            }
        }
        let wanted = required.map { "'\($0.names[0])'" }.joined(separator: ", ")
        var message = "no header row with the \(reportName) columns \(wanted) in the first \(searchRows) rows of "
            + (source.sheets.count == 1 && source.sheets[0].name == nil ? "the file" : "any sheet")
        var location = SourceLocation(file: source.fileName)
        if let (miss, sheet) = closest {
            let present = miss.present.map { "'\($0.name)'" }, missing = miss.missing.map { "'\($0.name)'" }
            message += "; \(rowPlace(miss.rowNumber, sheet: sheet)) has \(present.joined(separator: ", ")) but not \(missing.joined(separator: ", "))"
            location = SourceLocation(file: source.fileName, line: miss.rowNumber)
        }
        return .failure(.error(message, at: location, code: "settlement-missing-column"))
    }

    /// `row 3 of sheet 'Income'`, `row 2`.
    static func rowPlace(_ row: Int, sheet: String?) -> String {
        sheet.map { "row \(row) of sheet '\($0)'" } ?? "row \(row)"
    }
}

/// Reads one data row against its header and words diagnostics about it.
struct SettlementCellReader {
    var file: String
    var header: SettlementHeader
    var row: SheetRow
    var diagnostics: [Diagnostic] = []

    init(file: String, header: SettlementHeader, row: SheetRow) {
        self.file = file
        self.header = header
        self.row = row
    }

    var isBlank: Bool { row.cells.allSatisfy { $0.isEmpty || SettlementAmount.trimmed($0.text).isEmpty } }

    /// The trimmed cell text; "" when the column or cell is missing or holds a placeholder for nothing
    /// (`-` in Shopee's reports, `/` in TikTok's).
    func text(_ index: Int?) -> String {
        guard let index else { return "" }
        let text = SettlementAmount.trimmed(row[index].text)
        return SettlementCellReader.emptyMarkers.contains(text) ? "" : text
    }

    static let emptyMarkers: Set<String> = ["-", "/"]

    /// `sheet 'Income' row 5, column 'Commission Fee (incl. SST)'` (`row 5, column '…'` for a CSV).
    func place(_ index: Int?) -> String {
        var text = header.sheet.map { "sheet '\($0)' row \(row.number)" } ?? "row \(row.number)"
        if let index, let name = header.match.name(at: index) { text += ", column '\(name)'" }
        return text
    }

    func location(_ index: Int?) -> SourceLocation {
        SourceLocation(file: file, line: row.number, column: (index ?? -1) + 1)
    }

    /// The spreadsheet cell reference, `Income!L5` (`L5` for a CSV); nil without a column.
    func cell(_ index: Int?) -> String? {
        guard let index else { return nil }
        let reference = SheetRow.columnName(index) + String(row.number)
        return header.sheet.map { "\($0)!\(reference)" } ?? reference
    }

    mutating func error(_ index: Int?, _ message: String, code: String) {
        diagnostics.append(.error("\(place(index)): \(message)", at: location(index), keyPath: cell(index), code: code))
    }

    mutating func warning(_ index: Int?, _ message: String, code: String) {
        diagnostics.append(.warning("\(place(index)): \(message)", at: location(index), keyPath: cell(index), code: code))
    }

    var hasErrors: Bool { diagnostics.hasErrors }

    /// An amount; an empty cell is zero unless `required` (then an error naming the column's role).
    mutating func amount(_ index: Int?, role: String, required: Bool = false) -> Money? {
        let value = text(index)
        if value.isEmpty {
            if required {
                error(index, "the \(role) is empty", code: "settlement-missing-amount")
                return nil
            }
            return .zero
        }
        switch SettlementAmount.parse(value) {
        case .success(let money):
            return money
        case .failure(let problem):
            error(index, "'\(value)' is not an amount (\(problem)); write amounts like \(SettlementAmount.acceptedForms)", code: "settlement-bad-amount")
            return nil
        }
    }

    /// A non-empty order ID that a spreadsheet has not turned into a rounded number.
    mutating func orderID(_ index: Int?, role: String) -> String? {
        let value = text(index)
        if value.isEmpty {
            error(index, "the \(role) is empty, so the row cannot be matched to an invoice", code: "settlement-missing-order-id")
            return nil
        }
        if SettlementCellReader.looksLikeRoundedNumber(value) {
            error(index, "'\(value)' is an order number a spreadsheet turned into a rounded number (its digits are lost); "
                  + "export the report again, or format the column as text before saving", code: "settlement-bad-order-id")
            return nil
        }
        return value
    }

    static func looksLikeRoundedNumber(_ value: String) -> Bool {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "E") || $0 == UInt8(ascii: "e") }) else { return false }
        let upper = value.uppercased()
        guard let e = upper.firstIndex(of: "E") else { return false }
        let mantissa = upper[..<e], exponent = upper[upper.index(after: e)...]
        return !mantissa.isEmpty && mantissa.allSatisfy { $0.isASCIIDigit || $0 == "." }
            && exponent.hasPrefix("+") && exponent.dropFirst().allSatisfy(\.isASCIIDigit)
    }

    mutating func payoutDate(_ index: Int?) -> CalendarDate? {
        let value = text(index)
        if value.isEmpty {
            error(index, "the payout date is empty, so the order cannot be put in a payout", code: "settlement-missing-payout-date")
            return nil
        }
        guard let date = SettlementDate.parse(value) else {
            error(index, "'\(value)' is not a date; write \(SettlementDate.acceptedForms)", code: "settlement-bad-date")
            return nil
        }
        return date
    }
}

/// The checks every finished row gets: net = gross + shipping credits − fees (an error), and warnings for a negative or
/// zero payout. `place` and friends describe the net cell.
enum SettlementChecks {
    static func check(_ row: SettlementRow, place: String, at location: SourceLocation, cell: String?,
                      into diagnostics: inout [Diagnostic]) -> Bool {
        let expected = row.gross + row.totalShippingCredits - row.totalFees
        if expected != row.net {
            let shipping = row.shippingCredits.isEmpty ? "" : " + shipping \(row.totalShippingCredits)"
            diagnostics.append(.error(
                "\(place): order '\(row.orderID)' pays out \(row.net), but gross \(row.gross)\(shipping) − fees \(row.totalFees) = \(expected) "
                    + "(a difference of \(row.net - expected)); the row's amounts do not add up, or the report has a fee column ledgersync does not read",
                at: location, keyPath: cell, code: "settlement-net-mismatch"))
            return false
        }
        if row.net.isNegative {
            diagnostics.append(.warning(
                "\(place): order '\(row.orderID)' pays out \(row.net): a refund or adjustment taken back by the channel, not a payment of the invoice",
                at: location, keyPath: cell, code: "settlement-negative-payout"))
        } else if row.net == .zero {
            diagnostics.append(.warning(
                "\(place): order '\(row.orderID)' pays out 0.00\(row.gross == .zero && row.fees.isEmpty && row.shippingCredits.isEmpty ? " and has no amounts" : ""); there is nothing to knock off",
                at: location, keyPath: cell, code: "settlement-zero-payout"))
        }
        return true
    }
}

/// Warns when the same order (or adjustment) appears twice in one payout of a one-row-per-order report:
/// both rows are counted, which pays the invoice twice unless the report really holds two releases.
struct SettlementDuplicates {
    private struct Key: Hashable {
        var orderID: String
        var adjustmentID: String?
        var payoutDate: CalendarDate
        var statement: String?
    }
    private var firstRow: [Key: Int] = [:]

    mutating func check(_ row: SettlementRow, place: String, at location: SourceLocation, cell: String?, into diagnostics: inout [Diagnostic]) {
        let key = Key(orderID: row.orderID, adjustmentID: row.adjustmentID, payoutDate: row.payoutDate, statement: row.statementReference)
        if let first = firstRow[key] {
            diagnostics.append(.warning(
                "\(place): order '\(row.orderID)' is also on row \(first) of the same payout; both rows are counted",
                at: location, keyPath: cell, code: "settlement-duplicate-order"))
        } else {
            firstRow[key] = row.source.row
        }
    }
}
