import Expressions
import Foundation
import LedgerCore
import RulePack
import Spreadsheets

/// How well a settlement mapping's columns fit a report: the row that came closest to its header.
public struct SettlementMappingFit: Sendable {
    public var mappingName: String
    public var channel: Channel
    public var sheet: String?
    public var headerRow: Int
    public var found: Int
    public var needed: Int
    /// The first header of each needed column the row lacks.
    public var missing: [String]
    public var isComplete: Bool { missing.isEmpty }

    /// "the shopify-payments settlement mapping (row 1 has 8 of the 8 columns it needs)", with what it lacks.
    public var description: String {
        var text = "the \(mappingName) settlement mapping (\(sheet.map { "sheet '\($0)' " } ?? "")row \(headerRow) has \(found) of the \(needed) columns it needs"
        if !missing.isEmpty { text += "; it lacks \(missing.prefix(4).map { "'\($0)'" }.joined(separator: ", "))\(missing.count > 4 ? ", …" : "")" }
        return text + ")"
    }
}

/// A report read through a settlement mapping: the rows and diagnostics as every parser gives them, and what the
/// mapping left out.
public struct SettlementMappedParse: Sendable {
    public var mapping: SettlementMapping
    public var result: SettlementParseResult
    /// Rows `skip_rows` left out.
    public var skippedRows: Int
    /// The header row, when one was found.
    public var headerRow: Int?
}

/// Reads a settlement or payout report through a `SettlementMapping` (Docs/SettlementMappings.md) into one
/// `SettlementRow` per order per payout, as the built-in parsers do:
///
/// 1. the header is the first of the mapping's `header_search_rows` non-empty rows naming every column it needs (a whole-file
///    error, naming each missing column with the closest header present, when none does);
/// 2. each data row's cells are read — rows `skip_rows` is true for are left out (counted; reported once per rule with `warn`);
///    a row without an order reference is reported and left out — unless it is nothing but fees (an account-level charge):
///    then it is its payout's channel-level row, with an empty order id; every unreadable amount or date is an error at its cell;
/// 3. the rows of one order in one payout (order reference, payout date, payout reference) are added up (`combine: sum`) or
///    refused (`combine: reject`); an order with a problem on any of its rows is left out of that payout;
/// 4. each order's payout is checked: `net = gross + shipping − fees` to the sen, or an error naming both figures.
public enum SettlementMappingParser {
    public static func parse(_ source: SettlementSource, mapping: SettlementMapping) -> SettlementMappedParse {
        var result = SettlementParseResult(channel: mapping.channel, fileName: source.fileName)
        let layout: MappedLayout
        switch MappedLayout.find(mapping, in: source) {
        case .success(let found): layout = found
        case .failure(let diagnostic):
            result.diagnostics = [diagnostic]
            return SettlementMappedParse(mapping: mapping, result: result, skippedRows: 0, headerRow: nil)
        }
        var reader = MappedReader(mapping: mapping, layout: layout, file: source.fileName)
        for row in source.sheets[layout.sheetIndex].rows where row.number > layout.headerRow + mapping.skipRowsAfterHeader {
            reader.read(row)
        }
        result.rows = reader.finish()
        result.diagnostics = reader.diagnostics.sortedForDisplay()
        return SettlementMappedParse(mapping: mapping, result: result, skippedRows: reader.skipped, headerRow: layout.headerRow)
    }

    /// The closest any of the report's first rows comes to the mapping's header; nil when the mapping's sheet is missing or
    /// no row names any of its columns.
    public static func fit(_ source: SettlementSource, mapping: SettlementMapping) -> SettlementMappingFit? {
        let needed = MappedLayout.needed(mapping)
        var best: SettlementMappingFit?
        for index in MappedLayout.candidateSheets(mapping, in: source) ?? [] {
            let sheet = source.sheets[index]
            var examined = 0
            for row in sheet.rows {
                if row.isEmpty { continue }
                examined += 1
                if examined > mapping.headerSearchRows { break }
                let headers = MappedLayout.headerIndex(row)
                let missing = needed.filter { MappedLayout.position(of: $0.column, in: headers) == nil }
                if best == nil || missing.count < best!.missing.count {
                    best = SettlementMappingFit(mappingName: mapping.name, channel: mapping.channel, sheet: sheet.name, headerRow: row.number,
                                                found: needed.count - missing.count, needed: needed.count, missing: missing.map { $0.column.headers[0] })
                }
                if missing.isEmpty { break }
            }
            if best?.isComplete == true { break }
        }
        guard let best, best.found > 0 else { return nil }
        return best
    }

    /// The exact amount of a formula's result; nil when it is not a whole number of sen.
    static func money(exactly value: Decimal) -> Money? {
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled, abs(rounded) < Decimal(9_000_000_000_000_000) else { return nil }
        return Money(minorUnits: NSDecimalNumber(decimal: rounded).int64Value)
    }

    static func decimal(_ money: Money) -> Decimal {
        Decimal(sign: money.minorUnits < 0 ? .minus : .plus, exponent: -2, significand: Decimal(money.minorUnits.magnitude))
    }
}

/// Where the header is and which column feeds each of the mapping's slots.
struct MappedLayout {
    var sheetIndex: Int
    var sheet: String?
    var headerRow: Int
    /// The header row's cells as written, trimmed, by 0-based column.
    var headers: [String]
    var slots: [SettlementSlot]
    /// Per slot, the 0-based column of each of its choices; nil for an optional column the report does not have.
    var positions: [[Int?]]
    var slotIndex: [String: Int]

    static func needed(_ mapping: SettlementMapping) -> [(use: String, column: ImportColumn)] {
        mapping.readColumns.filter { !$0.column.isOptional }
    }

    /// The sheets to search: the mapping's `sheet` (nil when the workbook has none of that name), else every sheet in order.
    /// A CSV's one sheet is always searched.
    static func candidateSheets(_ mapping: SettlementMapping, in source: SettlementSource) -> [Int]? {
        guard let wanted = mapping.sheet, source.sheets.contains(where: { $0.name != nil }) else { return Array(source.sheets.indices) }
        let key = HeaderFinder.normalize(wanted)
        guard let index = source.sheets.firstIndex(where: { HeaderFinder.normalize($0.name ?? "") == key }) else { return nil }
        return [index]
    }

    static func headerIndex(_ row: SheetRow) -> [String: Int] {
        var index: [String: Int] = [:]
        for (column, cell) in row.cells.enumerated() where !cell.isEmpty {
            let key = HeaderFinder.normalize(cell.text)
            if !key.isEmpty && index[key] == nil { index[key] = column }
        }
        return index
    }

    static func position(of column: ImportColumn, in index: [String: Int]) -> Int? {
        for header in column.headers { if let found = index[HeaderFinder.normalize(header)] { return found } }
        return nil
    }

    static func find(_ mapping: SettlementMapping, in source: SettlementSource) -> Result<MappedLayout, Diagnostic> {
        let file = source.fileName
        guard let sheets = candidateSheets(mapping, in: source) else {
            let names = source.sheets.compactMap(\.name)
            return .failure(.error("'\(file)' has no sheet '\(mapping.sheet ?? "")', which the \(mapping.name) settlement mapping reads (its sheets: \(names.map { "'\($0)'" }.joined(separator: ", "))); nothing was imported",
                                   at: SourceLocation(file: file), suggestion: Suggest.closest(to: mapping.sheet ?? "", in: names), code: "settlement-missing-sheet"))
        }
        let needed = needed(mapping)
        var best: (sheet: String?, row: SheetRow, found: Int, missing: [(use: String, column: ImportColumn)])?
        for sheetIndex in sheets {
            let sheet = source.sheets[sheetIndex]
            var examined = 0
            for row in sheet.rows {
                if row.isEmpty { continue }
                examined += 1
                if examined > mapping.headerSearchRows { break }
                let index = headerIndex(row)
                let missing = needed.filter { position(of: $0.column, in: index) == nil }
                if missing.isEmpty {
                    let slots = mapping.slots
                    var slotIndex: [String: Int] = [:]
                    for (position, slot) in slots.enumerated() { slotIndex[slot.key] = position }
                    return .success(MappedLayout(sheetIndex: sheetIndex, sheet: sheet.name, headerRow: row.number,
                                                 headers: row.cells.map { SettlementAmount.trimmed($0.text) },
                                                 slots: slots, positions: slots.map { $0.cells.choices.map { position(of: $0, in: index) } }, slotIndex: slotIndex))
                }
                let found = needed.count - missing.count
                if found > best?.found ?? 0 { best = (sheet.name, row, found, missing) }
            }
        }
        let name = mapping.name
        let place = (sheets.count == 1 && source.sheets[sheets[0]].name == nil) ? "" : " of any sheet"
        guard let best, best.found >= 2 else {
            let wanted = needed.prefix(4).map { "'\($0.column.headers[0])'" }.joined(separator: ", ")
            return .failure(.error("'\(file)' is not a report the \(name) settlement mapping reads: none of the first \(mapping.headerSearchRows) non-empty rows\(place) names the columns it reads (\(wanted), …); nothing was imported. Check the file, or name its mapping with --mapping",
                                   at: SourceLocation(file: file), code: "settlement-header-not-found"))
        }
        let present = best.row.cells.map { SettlementAmount.trimmed($0.text) }.filter { !$0.isEmpty }
        var lines: [String] = []
        for (use, column) in best.missing {
            var line = "'\(column.headers[0])'\(column.headers.count > 1 ? " (or \(column.headers.dropFirst().map { "'\($0)'" }.joined(separator: ", ")))" : "") for \(use)"
            if let guess = Suggest.closest(to: column.headers[0], in: present) { line += "; did you mean '\(guess)'?" }
            if let at = column.location { line += " [\(at)]" }
            lines.append(line)
        }
        let row = (best.sheet.map { "sheet '\($0)' " } ?? "") + "row \(best.row.number)"
        return .failure(.error("'\(file)' \(row) looks like the header the \(name) settlement mapping reads (\(best.found) of \(needed.count) columns found) but lacks \(best.missing.count == 1 ? "a column" : "\(best.missing.count) columns") it needs; nothing was imported:\n"
                               + lines.map { "  - " + $0 }.joined(separator: "\n") + "\nRename the column in the mapping (or add an alias), or mark it optional: true",
                               at: SourceLocation(file: file, line: best.row.number), code: "settlement-missing-column"))
    }

    /// "column L (Net)".
    func describeColumn(_ index: Int) -> String {
        let header = index < headers.count ? headers[index] : ""
        return header.isEmpty ? "column \(SheetRow.columnName(index))" : "column \(SheetRow.columnName(index)) (\(header))"
    }
}

/// Reads the data rows one at a time, grouping them into orders per payout, and words every problem at its cell.
struct MappedReader {
    let mapping: SettlementMapping
    let layout: MappedLayout
    let file: String
    var diagnostics: [Diagnostic] = []
    var skipped = 0

    private struct GroupKey: Hashable {
        var orderID: String
        var payoutDate: CalendarDate
        var reference: String?
    }

    private struct Group {
        var key: GroupKey
        var rows: [Int] = []
        /// Where the group's net is checked: its first row and the net (else the order) column.
        var firstRow: Int
        var checkColumn: Int?
        var currency: String
        var currencyRow: Int
        var gross = Money.zero
        var net = Money.zero
        var credits: [SettlementShippingCredit] = []
        var fees: [SettlementFee] = []
    }

    private var groups: [Group] = []
    private var groupIndex: [GroupKey: Int] = [:]
    private var failed: Set<GroupKey> = []
    private var skipCounts: [(count: Int, firstRow: Int)]
    private var unknownFeesWarned: Set<String> = []
    private let rowScopeSlots: [Int?]
    private let formulaSlots: [String: Int]

    init(mapping: SettlementMapping, layout: MappedLayout, file: String) {
        self.mapping = mapping
        self.layout = layout
        self.file = file
        skipCounts = Array(repeating: (0, 0), count: mapping.skipRows.count)
        rowScopeSlots = mapping.rowScope.map { layout.slotIndex[$0.source] }
        var formulaSlots: [String: Int] = [:]
        for (index, slot) in layout.slots.enumerated() where slot.isMoney && !slot.key.hasPrefix("fees[") && slot.key != "fee_amount" { formulaSlots[slot.key] = index }
        self.formulaSlots = formulaSlots
    }

    // MARK: Cells

    /// One row's text per slot, and the column each came from (or, when blank, the column it would have come from).
    private struct Cells {
        var number: Int
        var texts: [String]
        var columns: [Int?]
    }

    private func cells(_ row: SheetRow) -> Cells {
        var texts: [String] = []
        var columns: [Int?] = []
        texts.reserveCapacity(layout.slots.count)
        for (slotIndex, _) in layout.slots.enumerated() {
            var text = ""
            var column: Int?
            for case let index? in layout.positions[slotIndex] {
                let value = SettlementAmount.trimmed(row[index].text)
                if column == nil { column = index }
                if !value.isEmpty { text = value; column = index; break }
            }
            texts.append(text)
            columns.append(column)
        }
        return Cells(number: row.number, texts: texts, columns: columns)
    }

    /// `row 5, column L (Net)`, with the sheet for a workbook.
    private func place(_ row: Int, _ column: Int?) -> String {
        var text = layout.sheet.map { "sheet '\($0)' row \(row)" } ?? "row \(row)"
        if let column { text += ", " + layout.describeColumn(column) }
        return text
    }

    private func location(_ row: Int, _ column: Int?) -> SourceLocation {
        SourceLocation(file: file, line: row, column: (column ?? -1) + 1)
    }

    /// `L5` (`Sheet!L5` in a workbook).
    private func cellReference(_ row: Int, _ column: Int?) -> String? {
        guard let column else { return nil }
        let reference = SheetRow.columnName(column) + String(row)
        return layout.sheet.map { "\($0)!\(reference)" } ?? reference
    }

    private func error(_ row: Int, _ column: Int?, _ message: String, code: String, suggestion: String? = nil) -> Diagnostic {
        .error("\(place(row, column)): \(message)", at: location(row, column), keyPath: cellReference(row, column), suggestion: suggestion, code: code)
    }

    private func warning(_ row: Int, _ column: Int?, _ message: String, code: String) -> Diagnostic {
        .warning("\(place(row, column)): \(message)", at: location(row, column), keyPath: cellReference(row, column), code: code)
    }

    private func slot(_ key: String) -> Int? { layout.slotIndex[key] }

    /// An amount cell: blank (or Shopee's `-`, TikTok's `/`) is 0.
    private func amount(_ cells: Cells, _ slotIndex: Int, into problems: inout [Diagnostic]) -> Money? {
        var text = cells.texts[slotIndex]
        if text.isEmpty || text == "-" || text == "/" { return .zero }
        let written = text
        for mark in mapping.currencyMarks where !mark.isEmpty && !["RM", "MYR"].contains(mark.uppercased()) {
            if let range = text.range(of: mark, options: .caseInsensitive) { text.removeSubrange(range) }
        }
        switch SettlementAmount.parse(SettlementAmount.trimmed(text)) {
        case .success(let money):
            return layout.slots[slotIndex].cells.negate ? Money.zero - money : money
        case .failure(let problem):
            problems.append(error(cells.number, cells.columns[slotIndex], "'\(written)' is not an amount (\(problem)) for \(layout.slots[slotIndex].use); write amounts like \(SettlementAmount.acceptedForms)",
                                  code: "settlement-bad-amount"))
            return nil
        }
    }

    private enum DateReading { case date(CalendarDate), problem(String) }

    private func date(_ text: String) -> DateReading {
        var impossible: String?
        for pattern in mapping.dateFormats {
            switch pattern.matchDate(text) {
            case .date(let year, let month, let day): return .date(CalendarDate(year: year, month: month, day: day))
            case .impossible(let reason): impossible = impossible ?? reason
            case .otherLayout: continue
            }
        }
        if impossible == nil, let date = SettlementDate.parse(text) { return .date(date) }
        if let impossible { return .problem("not a real day: \(impossible)") }
        let layouts = mapping.dateFormats.map(\.text) + [SettlementDate.acceptedForms]
        return .problem("not a date; write \(layouts.joined(separator: ", ")), or add the report's layout to the mapping's date_formats")
    }

    /// The value of an amount field or fee for this row: a cell, a fixed amount, or a formula over the row's amounts.
    private func value(_ source: SettlementValue, slot key: String, use: String, _ cells: Cells, numbers: [String: Decimal], read: [String: Money],
                       into problems: inout [Diagnostic]) -> Money? {
        switch source {
        case .cells:
            // Amount fields were read once already, for formulas (nil: the cell's problem is recorded).
            if formulaSlots[key] != nil { return read[key] }
            guard let index = slot(key) else { return .zero }
            return amount(cells, index, into: &problems)
        case .fixed(let text):
            return Money(parsing: text) ?? .zero
        case .formula(let formula):
            let result = formula.evaluate { name in numbers[name].map(ExprValue.number) ?? .number(0) }
            guard let result else {
                problems.append(error(cells.number, nil, "the formula '\(formula.source)' for \(use) has no value", code: "settlement-formula"))
                return nil
            }
            guard let money = SettlementMappingParser.money(exactly: result) else {
                problems.append(error(cells.number, nil, "the formula '\(formula.source)' for \(use) gives \(result), which is not a whole number of sen", code: "settlement-formula"))
                return nil
            }
            return money
        }
    }

    private func text(_ source: SettlementValue?, slot key: String, _ cells: Cells) -> String {
        switch source {
        case .cells?: return slot(key).map { cells.texts[$0] } ?? ""
        case .fixed(let text)?: return text
        default: return ""
        }
    }

    /// The name a fee or credit goes by: the mapping's, else the report's header of the column it came from.
    private func header(_ key: String, _ cells: Cells, fallback: String) -> String {
        guard let index = slot(key), let column = cells.columns[index], column < layout.headers.count, !layout.headers[column].isEmpty else { return fallback }
        return layout.headers[column]
    }

    // MARK: Rows

    mutating func read(_ row: SheetRow) {
        if row.isEmpty { return }
        let cells = cells(row)
        if cells.texts.allSatisfy(\.isEmpty) && row.cells.allSatisfy({ SettlementAmount.trimmed($0.text).isEmpty }) { return }
        // skip_rows: the first rule true for the row leaves it out.
        for (index, rule) in mapping.skipRows.enumerated() where rule.condition.evaluate({ variable in
            guard let slot = rowScopeSlots[variable] else { return .missing }
            let text = cells.texts[slot]
            return text.isEmpty ? .missing : .string(text)
        }) {
            skipped += 1
            if skipCounts[index].count == 0 { skipCounts[index].firstRow = row.number }
            skipCounts[index].count += 1
            return
        }

        var problems: [Diagnostic] = []
        let orderSlot = slot("order")
        var orderID = orderSlot.map { cells.texts[$0] } ?? ""
        for prefix in mapping.order.stripPrefixes where orderID.hasPrefix(prefix) {
            orderID = String(orderID.dropFirst(prefix.count))
            break
        }
        if !orderID.isEmpty, SettlementCellReader.looksLikeRoundedNumber(orderID) {
            problems.append(error(row.number, orderSlot.flatMap { cells.columns[$0] },
                                  "'\(orderID)' is an order reference a spreadsheet turned into a rounded number (its digits are lost); export the report again, or format the column as text before saving",
                                  code: "settlement-bad-order-id"))
        }

        // The payout date and references.
        var payoutDate: CalendarDate?
        let dateText = text(mapping.payoutDate, slot: "payout_date", cells)
        let dateColumn = slot("payout_date").flatMap { cells.columns[$0] }
        if dateText.isEmpty {
            problems.append(error(row.number, dateColumn, "the payout date is empty, so the row cannot be put in a payout", code: "settlement-missing-payout-date"))
        } else {
            switch date(dateText) {
            case .date(let date): payoutDate = date
            case .problem(let reason): problems.append(error(row.number, dateColumn, "'\(dateText)' is \(reason)", code: "settlement-bad-date"))
            }
        }
        let referenceText = text(mapping.payoutReference, slot: "payout_reference", cells)
        let reference: String? = referenceText.isEmpty ? nil : referenceText
        let currencyText = text(mapping.currency, slot: "currency", cells).uppercased()
        let currency = currencyText.isEmpty ? "MYR" : currencyText

        // Amounts: named money columns and amount fields, for formulas.
        var numbers: [String: Decimal] = [:]
        var rowValues: [String: Money] = [:]
        for (key, index) in formulaSlots {
            if let money = amount(cells, index, into: &problems) {
                numbers[key] = SettlementMappingParser.decimal(money)
                rowValues[key] = money
            }
        }
        for field in SettlementAmountField.allCases {
            if case .fixed(let text)? = mapping.amounts[field], let money = Money(parsing: text) { numbers[field.rawValue] = SettlementMappingParser.decimal(money) }
        }

        var gross = Money.zero, net: Money?
        var credits: [SettlementShippingCredit] = []
        var fees: [SettlementFee] = []
        var checkColumn: Int?
        if let feeRows = mapping.feeRows {
            let nameSlot = slot("fee_name"), amountSlot = slot("fee_amount")
            let feeName = nameSlot.map { cells.texts[$0] } ?? ""
            let nameColumn = nameSlot.flatMap { cells.columns[$0] }
            let amount = amountSlot.flatMap { self.amount(cells, $0, into: &problems) }
            checkColumn = amountSlot.flatMap { cells.columns[$0] }
            var meaning = feeRows.meanings[ImportMappingLoader.normalize(feeName)]
            if meaning == nil {
                let shown = feeName.isEmpty ? "the fee name is empty" : "fee name '\(feeName)' is not in the mapping's fee_rows"
                switch feeRows.unknown {
                case .error:
                    problems.append(error(row.number, nameColumn, "\(shown); list it under fee_rows (gross, buyer_shipping, platform_shipping or fees.<kind>), or set fee_rows.unknown: other",
                                          code: "settlement-unknown-fee", suggestion: feeName.isEmpty ? nil : Suggest.closest(to: feeName, in: feeRows.names)))
                case .other:
                    meaning = .fee("other")
                    if unknownFeesWarned.insert(ImportMappingLoader.normalize(feeName)).inserted {
                        diagnostics.append(warning(row.number, nameColumn, "\(shown); it is counted as an 'other' fee (list it under fee_rows to say what it is)", code: "settlement-unknown-fee"))
                    }
                }
            }
            if let amount, let meaning {
                net = amount
                switch meaning {
                case .gross: gross = amount
                case .buyerShipping: credits.append(SettlementShippingCredit(.buyer, feeName, amount))
                case .platformShipping: credits.append(SettlementShippingCredit(.platform, feeName, amount))
                case .fee(let kind): fees.append(SettlementFee(SettlementFeeKind(rawValue: kind) ?? .other, feeName, Money.zero - amount))
                }
            }
        } else {
            if let source = mapping.amounts[.gross], let value = value(source, slot: "gross", use: "fields.gross", cells, numbers: numbers, read: rowValues, into: &problems) { gross = value }
            for (field, payer) in [(SettlementAmountField.buyerShipping, SettlementShippingPayer.buyer), (.platformShipping, .platform)] {
                guard let source = mapping.amounts[field],
                      let value = value(source, slot: field.rawValue, use: "fields.\(field.rawValue)", cells, numbers: numbers, read: rowValues, into: &problems) else { continue }
                credits.append(SettlementShippingCredit(payer, header(field.rawValue, cells, fallback: field.rawValue), value))
            }
            for (index, fee) in mapping.fees.enumerated() {
                let key = "fees[\(index)]"
                guard let value = value(fee.value, slot: key, use: key, cells, numbers: numbers, read: rowValues, into: &problems) else { continue }
                fees.append(SettlementFee(SettlementFeeKind(rawValue: fee.kind) ?? .other, fee.name ?? header(key, cells, fallback: "\(fee.kind) fee"), value))
            }
            if let source = mapping.amounts[.net] {
                net = value(source, slot: "net", use: "fields.net", cells, numbers: numbers, read: rowValues, into: &problems)
                checkColumn = slot("net").flatMap { cells.columns[$0] }
            } else {
                net = gross + credits.reduce(.zero) { $0 + $1.amount } - fees.reduce(.zero) { $0 + $1.amount }
            }
        }

        // A row with no order that is nothing but charges (an account-level fee) is kept as its payout's channel-level
        // row (empty order id), for `payments.channel_charges` to book; anything else without an order is left out.
        let totalFees = fees.reduce(Money.zero) { $0 + $1.amount }
        let isCharge = orderID.isEmpty && problems.isEmpty && gross == .zero && credits.isEmpty && !fees.isEmpty
            && totalFees.minorUnits > 0 && (net.map { $0 == Money.zero - totalFees } ?? true)
        if isCharge && net == nil { net = Money.zero - totalFees }
        guard !orderID.isEmpty || isCharge else {
            diagnostics += problems
            if problems.isEmpty {
                let paid = net.map { " of \($0)" } ?? ""
                diagnostics.append(warning(row.number, orderSlot.flatMap { cells.columns[$0] },
                                           "the row\(paid) has no order reference, so it is left out: it is not part of any order's payout and no receipt covers it; record it in SQL Accounting yourself, or leave such rows out with skip_rows",
                                           code: "settlement-row-without-order"))
            }
            return
        }
        guard let payoutDate else {
            diagnostics += problems
            return
        }
        let key = GroupKey(orderID: orderID, payoutDate: payoutDate, reference: reference)
        if let existing = groupIndex[key], mapping.combine == .reject, !isCharge {
            problems.append(error(row.number, orderSlot.flatMap { cells.columns[$0] },
                                  "order '\(orderID)' is also on row \(groups[existing].firstRow) of the same payout (\(payoutDate)\(reference.map { ", \($0)" } ?? "")); the mapping reads one row per order (combine: reject) — remove the repeated row, or set combine: sum if the report splits an order over rows",
                                  code: "settlement-duplicate-order"))
        }
        diagnostics += problems
        guard problems.isEmpty, let net else {
            failed.insert(key)
            return
        }
        let index: Int
        if let existing = groupIndex[key] {
            index = existing
        } else {
            index = groups.count
            groupIndex[key] = index
            groups.append(Group(key: key, firstRow: row.number, checkColumn: checkColumn ?? orderSlot.flatMap { cells.columns[$0] },
                                currency: currency, currencyRow: row.number))
        }
        if groups[index].currency != currency {
            diagnostics.append(error(row.number, slot("currency").flatMap { cells.columns[$0] },
                                     "order '\(orderID)' is paid in \(currency) here but in \(groups[index].currency) on row \(groups[index].currencyRow) of the same payout; one payout is in one currency",
                                     code: "settlement-currency-mismatch"))
            failed.insert(key)
            return
        }
        groups[index].rows.append(row.number)
        groups[index].gross += gross
        groups[index].net += net
        for credit in credits {
            if let at = groups[index].credits.firstIndex(where: { $0.payer == credit.payer && $0.name == credit.name }) { groups[index].credits[at].amount += credit.amount }
            else { groups[index].credits.append(credit) }
        }
        for fee in fees {
            if let at = groups[index].fees.firstIndex(where: { $0.kind == fee.kind && $0.name == fee.name }) { groups[index].fees[at].amount += fee.amount }
            else { groups[index].fees.append(fee) }
        }
    }

    /// The orders per payout that read cleanly, each checked to add up; the `warn` rules' counts reported.
    mutating func finish() -> [SettlementRow] {
        for (index, rule) in mapping.skipRows.enumerated() {
            let (count, firstRow) = skipCounts[index]
            guard count > 0, let warning = rule.warning else { continue }
            let rows = count == 1 ? "1 row is" : "\(count) rows are"
            diagnostics.append(.warning("\(place(firstRow, nil)): \(rows) left out by skip_rows '\(rule.source)'\(count == 1 ? "" : " (the first here)"): \(warning)",
                                        at: SourceLocation(file: file, line: firstRow), code: "settlement-rows-skipped"))
        }
        var rows: [SettlementRow] = []
        for group in groups where !failed.contains(group.key) {
            let settlement = SettlementRow(
                channel: mapping.channel, orderID: group.key.orderID, payoutDate: group.key.payoutDate, statementReference: group.key.reference,
                currency: group.currency, gross: group.gross, shippingCredits: group.credits.filter { $0.amount != .zero },
                fees: group.fees.filter { $0.amount != .zero }, net: group.net,
                source: SettlementLocation(file: file, sheet: layout.sheet, rows: group.rows))
            if group.key.orderID.isEmpty {
                // A channel-level charge: its net is its fees by construction, and negative by nature.
                rows.append(settlement)
                continue
            }
            var place = (layout.sheet.map { "sheet '\($0)' " } ?? "") + settlement.source.rowsDescription
            if let column = group.checkColumn { place += ", " + layout.describeColumn(column) }
            if SettlementChecks.check(settlement, place: place, at: location(group.firstRow, group.checkColumn),
                                      cell: cellReference(group.firstRow, group.checkColumn), into: &diagnostics) {
                rows.append(settlement)
            }
        }
        return rows
    }
}
