import Expressions
import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack
import Spreadsheets

/// Turns the rows of one order into a canonical order object, or every located problem with it.
struct OrderAssembler {
    let mapping: ImportMapping
    let layout: ImportLayout
    let display: String
    private let idSlot: Int?
    private let rowScopeSlots: [Int?]
    private let dataStart: Int

    enum ReadResult {
        case row(id: String, ImportedRow)
        case skipped
        case withoutID(OrderRecord)
    }

    init(mapping: ImportMapping, layout: ImportLayout, display: String) {
        self.mapping = mapping
        self.layout = layout
        self.display = display
        idSlot = layout.slotIndex["id"]
        rowScopeSlots = mapping.rowScope.map { layout.slotIndex[$0.source] }
        dataStart = layout.headerRow + mapping.skipRowsAfterHeader
    }

    // MARK: Rows

    /// nil for the header and rows above or just below it, and for blank rows.
    func read(_ row: SheetRow, idOnly: Bool = false) -> ReadResult? {
        guard row.number > dataStart, !row.isEmpty else { return nil }
        var texts: [String] = []
        var columns: [Int32] = []
        texts.reserveCapacity(layout.slots.count)
        columns.reserveCapacity(layout.slots.count)
        for slot in layout.slots {
            var text = ""
            var column: Int32 = -1
            for case let index? in slot.columns {
                let value = CellParsing.clean(row[index].text)
                guard !value.isEmpty else { continue }
                if slot.cells.joins {
                    text = text.isEmpty ? value : text + " " + value
                    if column < 0 { column = Int32(index) }
                } else {
                    text = value; column = Int32(index); break
                }
            }
            if column < 0, let first = slot.columns.compactMap({ $0 }).first { column = Int32(-2 - first) }  // blank: remember where
            texts.append(text)
            columns.append(column)
        }
        let imported = ImportedRow(number: row.number, texts: texts, columns: columns)
        if let skip = mapping.skipRows, skip.evaluate({ rowValue(imported, $0) }) { return .skipped }
        let id = idSlot.map { texts[$0] } ?? ""
        guard !id.isEmpty else {
            if idOnly { return nil }
            let place = idSlot.flatMap { columnIndex(imported, $0) }.map { layout.describeColumn($0) } ?? "its order id column"
            let diagnostic = Diagnostic.error("row \(row.number) has values but no order id in \(place); fill it in, delete the row, or skip such rows with skip_rows",
                                              at: location(imported, idSlot ?? 0), code: "import-no-order-id")
            return .withoutID(OrderRecord(location: SourceLocation(file: display, line: row.number),
                                          result: .failure(OrderDecoder.Failure(orderID: "row \(row.number)", diagnostics: [diagnostic])), raw: nil))
        }
        return .row(id: id, imported)
    }

    private func rowValue(_ row: ImportedRow, _ variable: Int) -> ExprValue {
        guard let slot = rowScopeSlots[variable] else { return .missing }
        let text = row.texts[slot]
        return text.isEmpty ? .missing : .string(text)
    }

    private func columnIndex(_ row: ImportedRow, _ slot: Int) -> Int? {
        let raw = row.columns[slot]
        if raw >= 0 { return Int(raw) }
        if raw <= -2 { return Int(-2 - raw) }
        return nil
    }

    private func location(_ row: ImportedRow, _ slot: Int) -> SourceLocation {
        SourceLocation(file: display, line: row.number, column: columnIndex(row, slot).map { $0 + 1 } ?? 0)
    }

    // MARK: Orders

    /// A problem collector for one order.
    private struct Problems {
        let orderID: String
        var diagnostics: [Diagnostic] = []

        var warnings: [Diagnostic] = []

        mutating func add(_ message: String, at location: SourceLocation, code: String) {
            diagnostics.append(.error("order \(orderID): \(message)", at: location, code: code))
        }

        mutating func warn(_ message: String, at location: SourceLocation, code: String) {
            warnings.append(.warning("order \(orderID): \(message)", at: location, code: code))
        }
    }

    /// One order's canonical object (or every problem with it), and the warnings of an order that imports.
    struct Assembled {
        var result: Result<JSONObject, [Diagnostic]>
        var warnings: [Diagnostic]
    }

    func assemble(id: String, rows: [ImportedRow]) -> Assembled {
        var problems = Problems(orderID: id)
        var orderNumbers: [String: Decimal] = [:]
        var orderTexts: [String: String] = [:]
        var orderMoney: [String: Money] = [:]
        // With returned units mapped, the status is read once the lines say which rows came back whole.
        let statusAfterLines = mapping.fields["returns.lines.qty"] != nil

        // Order-level values from cells, combined over the order's rows.
        for (index, slot) in layout.slots.enumerated() where !slot.isLine {
            if statusAfterLines && slot.key == "status" { continue }
            guard let value = combined(index, slot, rows, &problems) else { continue }
            switch value {
            case .text(let text): orderTexts[slot.key] = text
            case .money(let money): orderMoney[slot.key] = money; orderNumbers[slot.key] = money.decimal
            case .quantity(let count): orderNumbers[slot.key] = Decimal(count)
            }
        }
        for field in ImportField.catalog where !field.isLine {
            guard case .fixed(let text)? = mapping.fields[field.path] else { continue }
            if field.kind == .money, let money = Money(parsing: text) { orderMoney[field.path] = money; orderNumbers[field.path] = money.decimal } else { orderTexts[field.path] = text }
        }

        // Lines: one per row, or (grain unit) one per SKU and price with the rows counted.
        var returnedWhole: Set<Int> = []
        var lines = buildLines(rows, orderNumbers, &problems, returnedWhole: &returnedWhole)
        if mapping.grain == .unit { lines = mergeUnits(lines) }
        // A row whose every unit came back does not speak for the order's status (Lazada writes `returned` on the
        // returned unit's row and `confirmed` on the others), unless every row came back.
        if statusAfterLines, let index = layout.slotIndex["status"] {
            let kept = rows.filter { !returnedWhole.contains($0.number) }
            if case .text(let text)? = combined(index, layout.slots[index], kept.isEmpty ? rows : kept, &problems) { orderTexts["status"] = text }
        }
        let returnedUnits = lines.reduce(0) { $0 + $1.returnedQty }
        let partlyReturned = returnedUnits > 0 && lines.contains { $0.returnedQty < $0.qty }

        // Order-level formulas read order values and, through sum(), the lines' values.
        for field in ImportField.catalog where !field.isLine {
            guard case .formula(let formula)? = mapping.fields[field.path] else { continue }
            let value = formula.evaluate { name in
                if let number = orderNumbers[name] { return .number(number) }
                if name == "lines.gross" { return .numberList(lines.map { ($0.unitPrice * $0.qty).decimal }) }
                if name.hasPrefix("lines.") || layout.slotIndex[name].map({ layout.slots[$0].isLine }) == true {
                    return .numberList(lines.map { $0.numbers[name] ?? 0 })
                }
                return .missing
            }
            if let money = formulaMoney(value, formula, field: field.path, at: SourceLocation(file: display, line: rows[0].number), &problems) {
                orderMoney[field.path] = money
                orderNumbers[field.path] = money.decimal
            }
        }

        var object = JSONObject()
        object.append("id", .string(id))
        object.append("order_number", .string(orderTexts["order_number"] ?? id))
        object.append("channel", channel(orderTexts["channel"], rows, &problems).map(JSONValue.string) ?? .null)
        object.append("store", orderTexts["store"].map(JSONValue.string) ?? missing("store", rows, &problems))
        if let currency = orderTexts["currency"] { object.append("currency", .string(currency)) }
        let orderStatus = status(orderTexts["status"], rows, &problems, partlyReturned: partlyReturned)
        object.append("status", orderStatus.map { .string($0.rawValue) } ?? .null)

        var dates = JSONObject()
        for key in ["ordered", "paid", "shipped", "completed"] {
            let path = "dates.\(key)"
            if let text = orderTexts[path] {
                switch CellParsing.time(text, formats: mapping.dateFormats, utcOffsetSeconds: mapping.utcOffsetSeconds) {
                case .success(let iso): dates.append(key, .string(iso))
                case .failure(let reason): cellProblem(path, text, reason.description, rows, &problems, code: "import-date")
                }
            } else if key == "ordered" {
                _ = missing(path, rows, &problems)
            }
        }
        object.append("dates", .object(dates))

        /// A yes/no field: a condition over the order's rows, or a cell read as a flag.
        func flag(_ path: String) -> Bool? {
            if case .condition(let condition)? = mapping.fields[path] {
                return rows.allSatisfy { row in condition.evaluate { rowValue(row, $0) } }
            }
            guard let text = orderTexts[path] else { return nil }
            switch CellParsing.flag(text) {
            case .success(let value): return value
            case .failure(let reason):
                cellProblem(path, text, reason.description, rows, &problems, code: "import-flag")
                return nil
            }
        }

        var flags = JSONObject()
        for key in ["sample", "cod", "einvoice_issued_by_platform"] {
            if let value = flag("flags.\(key)") { flags.append(key, .bool(value)) }
        }
        if !flags.isEmpty { object.append("flags", .object(flags)) }

        var buyer = JSONObject()
        for key in ["name", "email", "phone"] { if let text = orderTexts["buyer.\(key)"] { buyer.append(key, .string(text)) } }
        var address = JSONObject()
        for key in ["line1", "line2", "city", "state", "postcode", "country"] { if let text = orderTexts["buyer.address.\(key)"] { address.append(key, .string(text)) } }
        if !address.isEmpty { buyer.append("address", .object(address)) }
        // The e-invoice identifiers go through as text: the order decoder checks them and says what is wrong where.
        var einvoice = JSONObject()
        if let requested = flag("buyer.einvoice.requested") { einvoice.append("requested", .bool(requested)) }
        for key in ["tin", "id_type", "id_value", "sst_number"] {
            if let text = orderTexts["buyer.einvoice.\(key)"], !text.isEmpty { einvoice.append(key, .string(text)) }
        }
        if !einvoice.isEmpty { buyer.append("einvoice", .object(einvoice)) }
        if !buyer.isEmpty { object.append("buyer", .object(buyer)) }

        object.append("lines", .array(lines.map { $0.json }))
        func amount(_ path: String) -> Money { orderMoney[path] ?? .zero }
        object.append("shipping", .object(["fee": .string(amount("shipping.fee").description),
                                           "seller_discount": .string(amount("shipping.seller_discount").description),
                                           "platform_discount": .string(amount("shipping.platform_discount").description)]))
        object.append("vouchers", .object(["seller": .string(amount("vouchers.seller").description),
                                           "platform": .string(amount("vouchers.platform").description),
                                           "coins": .string(amount("vouchers.coins").description)]))
        var pricesIncludeTax: Bool?
        if case .condition(let condition)? = mapping.fields["tax.prices_include_tax"] {
            pricesIncludeTax = rows.allSatisfy { row in condition.evaluate { rowValue(row, $0) } }
        } else if let text = orderTexts["tax.prices_include_tax"] {
            switch CellParsing.flag(text) {
            case .success(let value): pricesIncludeTax = value
            case .failure(let reason): cellProblem("tax.prices_include_tax", text, reason.description, rows, &problems, code: "import-flag")
            }
        }
        var tax = JSONObject()
        if let pricesIncludeTax { tax.append("prices_include_tax", .bool(pricesIncludeTax)) }
        if mapping.fields["tax.charged"] != nil { tax.append("charged", .string(amount("tax.charged").description)) }
        if !tax.isEmpty { object.append("tax", .object(tax)) }

        // The money rule: the parts must add up to the export's own total, when it has one.
        var linesTotal = Money.zero, lineDiscounts = Money.zero
        for line in lines {
            linesTotal += line.unitPrice * line.qty
            lineDiscounts += line.sellerDiscount + line.platformDiscount
        }
        let vouchers = amount("vouchers.seller") + amount("vouchers.platform") + amount("vouchers.coins")
        let shippingDiscounts = amount("shipping.seller_discount") + amount("shipping.platform_discount")
        let beforeTax = linesTotal - lineDiscounts - vouchers + amount("shipping.fee") - shippingDiscounts
        // Tax charged on prices that exclude it comes on top; on prices that include it, it is inside them. When the
        // export does not say which, a total that is either is accepted.
        let charged = amount("tax.charged")
        let withTax = beforeTax + charged
        var parts = pricesIncludeTax == true ? beforeTax : withTax
        if pricesIncludeTax == nil, let total = orderMoney["payment.buyer_paid"], total == beforeTax { parts = beforeTax }
        let taxPart = parts == withTax && charged != .zero ? " + tax charged \(charged)" : ""
        let breakdown = "lines \(linesTotal) − line discounts \(lineDiscounts) − vouchers and coins \(vouchers) + shipping \(amount("shipping.fee")) − shipping discounts \(shippingDiscounts)\(taxPart)"
        var payment = JSONObject()
        if let method = orderTexts["payment.method"] { payment.append("method", .string(method)) }
        if let total = orderMoney["payment.buyer_paid"] {
            if total != parts, problems.diagnostics.isEmpty {
                let place = placeOf("payment.buyer_paid", rows)
                problems.add("the export's total \(place.describe) is \(total) but its parts add up to \(parts) (\(breakdown)); the order is not imported rather than guessed. Check which columns the mapping reads for this order's discounts, vouchers and shipping",
                             at: place.location, code: "import-total-mismatch")
            }
            payment.append("buyer_paid", .string(total.description))
        } else if parts.isNegative, problems.diagnostics.isEmpty {
            problems.add("its parts add up to \(parts) (\(breakdown)), less than nothing; check which columns the mapping reads for discounts and vouchers",
                         at: SourceLocation(file: display, line: rows[0].number), code: "import-total-mismatch")
        } else {
            payment.append("buyer_paid", .string(parts.description))
        }
        object.append("payment", .object(payment))
        if mapping.readsReturns, let orderStatus, problems.diagnostics.isEmpty,
           let event = returnEvent(id: id, rows: rows, lines: lines, status: orderStatus, dates: dates, orderTexts: orderTexts, orderMoney: orderMoney, &problems) {
            object.append("returns", .array([.object(event)]))
        }
        var origin: JSONObject = ["mapping": .string(mapping.name), "file": .string(display), "rows": .array(rows.map { .int($0.number) })]
        if problems.diagnostics.isEmpty && !problems.warnings.isEmpty {
            origin.append("warnings", .array(problems.warnings.map { .string($0.description) }))
        }
        object.append("import", .object(origin))
        guard problems.diagnostics.isEmpty else { return Assembled(result: .failure(problems.diagnostics), warnings: []) }
        return Assembled(result: .success(object), warnings: problems.warnings)
    }

    // MARK: Returns

    /// The order's one return event, as the export shows it (its cumulative state): the units of each line that came
    /// back, with what was refunded for them, and the order's refunds. nil when nothing came back, and when the status
    /// already says the whole order was (cancelled or returned, no line partly kept). A refund the export does not place
    /// — an amount with no units and no shipping — is not guessed: it is left out with a warning naming it.
    private func returnEvent(id: String, rows: [ImportedRow], lines: [ImportedLine], status: OrderStatus, dates: JSONObject,
                             orderTexts: [String: String], orderMoney: [String: Money], _ problems: inout Problems) -> JSONObject? {
        let wholeByStatus = status == .cancelled || status == .returned
        var returned: [JSONValue] = []
        var unplaced: [(line: ImportedLine, amount: Money)] = []
        let skuCounts = lines.reduce(into: [String: Int]()) { $0[$1.sku, default: 0] += 1 }
        for (index, line) in lines.enumerated() {
            if line.returnedQty == 0 {
                if let amount = line.returnAmount, amount != .zero { unplaced.append((line, amount)) }
                continue
            }
            var entry: JSONObject = ["sku": .string(line.sku)]
            if skuCounts[line.sku, default: 0] > 1 { entry.append("line", .int(index)) }
            entry.append("qty", .int(line.returnedQty))
            if let amount = line.returnAmount, amount != .zero {
                let gross = line.unitPrice * line.returnedQty
                if amount > gross {
                    let place = placeOf("returns.lines.amount", rows.filter { line.rows.contains($0.number) })
                    problems.add("\(place.describe) is \(amount), more than the \(line.returnedQty) returned unit\(line.returnedQty == 1 ? "" : "s") of \(line.sku) sold for (\(line.returnedQty) × \(line.unitPrice) = \(gross)); check which column the mapping reads for returns.lines.amount",
                                 at: place.location, code: "import-return-amount")
                    return nil
                }
                entry.append("amount", .string(amount.description))
            }
            returned.append(.object(entry))
        }
        let shipping = orderMoney["returns.shipping"] ?? .zero
        let refunded = orderMoney["returns.refunded"].flatMap { $0 == .zero ? nil : $0 }
        let partly = !returned.isEmpty && lines.contains { $0.returnedQty < $0.qty }
        guard (!returned.isEmpty || shipping != .zero) && (!wholeByStatus || partly) else {
            // Nothing to credit from the export: say what it refunded that cannot be placed, unless the status already
            // returns the whole order.
            if !wholeByStatus {
                if let refunded, shipping == .zero {
                    let place = placeOf("returns.refunded", rows)
                    problems.warn("the export says \(refunded) was refunded (\(place.describe)), but no units came back and it does not say the refund is for shipping; no return is imported for it. Record it in the order's returns (as shipping or other) by hand, or map returns.shipping if the export has the column",
                                  at: place.location, code: "import-refund-unplaced")
                } else {
                    warnUnplaced(unplaced, rows, &problems)
                }
            }
            return nil
        }
        warnUnplaced(unplaced, rows, &problems)

        var event = JSONObject()
        event.append("id", .string(returnID(id: id, orderTexts: orderTexts, rows: rows, &problems) ?? ""))
        event.append("date", returnDate(orderTexts: orderTexts, dates: dates, rows: rows, &problems).map(JSONValue.string) ?? .null)
        if let reason = orderTexts["returns.reason"], !reason.isEmpty { event.append("reason", .string(reason)) }
        event.append("lines", .array(returned))
        if shipping != .zero { event.append("shipping", .string(shipping.description)) }
        if let voucher = orderMoney["returns.voucher"], voucher != .zero { event.append("voucher", .string(voucher.description)) }
        if mapping.fields["returns.tax"] != nil { event.append("tax", .string((orderMoney["returns.tax"] ?? .zero).description)) }
        if let refunded { event.append("refunded", .string(refunded.description)) }
        return event
    }

    /// Line amounts refunded with no units returned (a price adjustment, a refund without a return): not credited.
    private func warnUnplaced(_ unplaced: [(line: ImportedLine, amount: Money)], _ rows: [ImportedRow], _ problems: inout Problems) {
        for (line, amount) in unplaced {
            let place = placeOf("returns.lines.amount", rows.filter { line.rows.contains($0.number) })
            problems.warn("\(place.describe) refunds \(amount) on the line of \(line.sku), but none of its units came back; no return is imported for it. Record it in the order's returns (as other) by hand",
                          at: place.location, code: "import-refund-unplaced")
        }
    }

    /// `returns.id`: the export's return id, or the mapping's fixed id with `{id}` and `{order_number}` filled in;
    /// `export` when the mapping says neither. The same return in a later export keeps the same id.
    private func returnID(id: String, orderTexts: [String: String], rows: [ImportedRow], _ problems: inout Problems) -> String? {
        switch mapping.fields["returns.id"] {
        case .fixed(let template)?:
            return template.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{order_number}", with: orderTexts["order_number"] ?? id)
        case .cells?:
            if let text = orderTexts["returns.id"], !text.isEmpty { return text }
            let place = placeOf("returns.id", rows)
            problems.add("\(place.describe) is blank, but units came back and a return needs its id; fill it in, or give returns.id a fixed value such as {value: export}",
                         at: place.location, code: "import-blank")
            return nil
        default:
            return "export"
        }
    }

    /// `returns.date`: its column, else the first of `from`'s order dates that the order has, else its last known date
    /// (completed, shipped, paid, ordered).
    private func returnDate(orderTexts: [String: String], dates: JSONObject, rows: [ImportedRow], _ problems: inout Problems) -> String? {
        if let text = orderTexts["returns.date"], !text.isEmpty {
            switch CellParsing.time(text, formats: mapping.dateFormats, utcOffsetSeconds: mapping.utcOffsetSeconds) {
            case .success(let iso): return iso
            case .failure(let reason):
                cellProblem("returns.date", text, reason.description, rows, &problems, code: "import-date")
                return nil
            }
        }
        let fallback = mapping.returnDateFrom + ImportField.returnDateFallback
        for path in fallback {
            if let value = dates[String(path.dropFirst("dates.".count))]?.stringValue { return value }
        }
        // Unreachable in practice: dates.ordered is required, and its absence is already reported.
        problems.add("units came back but the return has no date: the export's return date is blank and so are the order's dates; map returns.date to a column",
                     at: SourceLocation(file: display, line: rows[0].number), code: "import-blank")
        return nil
    }

    // MARK: Values

    private enum CellValue { case text(String), money(Money), quantity(Int) }

    /// An order-level slot's one value: the agreed (`same`), first or summed value of its non-blank cells.
    private func combined(_ index: Int, _ slot: ImportSlot, _ rows: [ImportedRow], _ problems: inout Problems) -> CellValue? {
        var result: (value: CellValue, row: ImportedRow)?
        for row in rows {
            let text = row.texts[index]
            if text.isEmpty && slot.kind != .money && slot.kind != .quantity { continue }
            if text.isEmpty && slot.cells.combine != .sum { continue }
            guard let value = parse(text, slot, row, index, &problems) else { return nil }
            guard let earlier = result else { result = (value, row); continue }
            switch (slot.cells.combine, earlier.value, value) {
            case (.first, _, _): return earlier.value
            case (.sum, .money(let a), .money(let b)): result = (.money(a + b), earlier.row)
            case (.sum, .quantity(let a), .quantity(let b)): result = (.quantity(a + b), earlier.row)
            default:
                if !Self.same(earlier.value, value) {
                    problems.add("\(layout.describeColumn(columnIndex(row, index) ?? 0)) is \(Self.show(value)) on row \(row.number) but \(Self.show(earlier.value)) on row \(earlier.row.number); the rows of one order must agree on its order-level values (set combine: first or sum on '\(slot.key)' if this export differs by design)",
                                 at: location(row, index), code: "import-rows-disagree")
                    return nil
                }
            }
        }
        // An amount left blank on every row is 0, like a blank cell.
        return result?.value ?? (slot.kind == .money ? .money(.zero) : nil)
    }

    private static func same(_ a: CellValue, _ b: CellValue) -> Bool {
        switch (a, b) {
        case (.text(let x), .text(let y)): return x == y
        case (.money(let x), .money(let y)): return x == y
        case (.quantity(let x), .quantity(let y)): return x == y
        default: return false
        }
    }

    private static func show(_ value: CellValue) -> String {
        switch value {
        case .text(let text): return "\"\(text)\""
        case .money(let money): return money.description
        case .quantity(let count): return String(count)
        }
    }

    /// A cell as its slot's kind; blank amounts are 0. Records the problem and returns nil when it is not one.
    private func parse(_ text: String, _ slot: ImportSlot, _ row: ImportedRow, _ index: Int, _ problems: inout Problems) -> CellValue? {
        switch slot.kind {
        case .money:
            if text.isEmpty { return .money(.zero) }
            switch CellParsing.money(text, marks: mapping.currencyMarks) {
            case .success(var money):
                if slot.cells.negate { money = Money(minorUnits: -money.minorUnits) }
                if money.isNegative {
                    problems.add("\(layout.describeColumn(columnIndex(row, index) ?? 0)) is \"\(text)\", a negative amount for \(slot.key); amounts in an order are positive. If the export writes it negative, add negative: true to the mapping's '\(slot.key)'",
                                 at: location(row, index), code: "import-negative-amount")
                    return nil
                }
                return .money(money)
            case .failure(let reason):
                problems.add("\(layout.describeColumn(columnIndex(row, index) ?? 0)) is \"\(text)\", \(reason) for \(slot.key); write it like 1,234.50 or RM 12.00 (blank is 0)",
                             at: location(row, index), code: "import-amount")
                return nil
            }
        case .quantity where slot.key != "lines.qty":
            // Units returned, or a named count: blank is 0, and 0 is a count like any other.
            if text.isEmpty { return .quantity(0) }
            switch CellParsing.quantity(text, allowZero: true) {
            case .success(let count): return .quantity(count)
            case .failure(let reason):
                problems.add("\(layout.describeColumn(columnIndex(row, index) ?? 0)) is \"\(text)\", \(reason) for \(slot.key); write a whole number of units (0 or more; blank is 0)",
                             at: location(row, index), code: "import-quantity")
                return nil
            }
        case .quantity:
            switch CellParsing.quantity(text) {
            case .success(let count): return .quantity(count)
            case .failure(let reason):
                let shown = text.isEmpty ? "blank" : "\"\(text)\", \(reason)"
                problems.add("\(layout.describeColumn(columnIndex(row, index) ?? 0)) is \(shown) for \(slot.key); a line needs a whole quantity of 1 or more",
                             at: location(row, index), code: "import-quantity")
                return nil
            }
        default:
            return .text(text)
        }
    }

    private struct ImportedLine {
        var rows: [Int]
        var sku: String
        var name: String
        var variation: String?
        var qty: Int
        var unitPrice: Money
        var sellerDiscount: Money
        var platformDiscount: Money
        /// Every per-line number by name (money fields, named columns), for order-level `sum(...)`.
        var numbers: [String: Decimal]

        /// Units of the line that came back (`returns.lines.qty`; summed over the units of a `grain: unit` line).
        var returnedQty: Int { numbers["returns.lines.qty"].map { NSDecimalNumber(decimal: $0).intValue } ?? 0 }
        /// What was refunded for them (`returns.lines.amount`), when the export says.
        var returnAmount: Money? { numbers["returns.lines.amount"].flatMap(Money.init(exactly:)) }

        var json: JSONValue {
            .object(["sku": .string(sku), "name": .string(name), "variation": variation.map(JSONValue.string) ?? .null, "qty": .int(qty),
                     "unit_price": .string(unitPrice.description), "seller_discount": .string(sellerDiscount.description),
                     "platform_discount": .string(platformDiscount.description), "serial_numbers": .array([]), "bundle": .null])
        }
    }

    /// `returnedWhole` gets the number of every row whose units all came back.
    private func buildLines(_ rows: [ImportedRow], _ orderNumbers: [String: Decimal], _ problems: inout Problems, returnedWhole: inout Set<Int>) -> [ImportedLine] {
        var lines: [ImportedLine] = []
        for row in rows {
            var numbers: [String: Decimal] = [:]
            var texts: [String: String] = [:]
            var ok = true
            var unreadable: Set<String> = []
            for (index, slot) in layout.slots.enumerated() where slot.isLine {
                guard let value = parse(row.texts[index], slot, row, index, &problems) else { ok = false; unreadable.insert(slot.key); continue }
                switch value {
                case .text(let text): texts[slot.key] = text
                case .money(let money): numbers[slot.key] = money.decimal
                case .quantity(let count): numbers[slot.key] = Decimal(count)
                }
            }
            for field in ImportField.catalog where field.isLine {
                guard case .fixed(let text)? = mapping.fields[field.path] else { continue }
                if field.kind == .money || field.kind == .quantity { numbers[field.path] = Decimal(string: text) } else { texts[field.path] = text }
            }
            if mapping.grain == .unit { numbers["lines.qty"] = 1 }
            for field in ImportField.catalog where field.isLine {
                guard case .formula(let formula)? = mapping.fields[field.path] else { continue }
                // A cell it reads was already reported: say nothing more about the formula.
                if formula.readNames.contains(where: unreadable.contains) { ok = false; continue }
                let value = formula.evaluate { name in (numbers[name] ?? orderNumbers[name]).map(ExprValue.number) ?? .missing }
                let at = SourceLocation(file: display, line: row.number)
                if field.kind == .quantity {
                    let least: Decimal = field.isReturn ? 0 : 1
                    if let value, value >= least, value == value.rounded0 { numbers[field.path] = value } else {
                        problems.add("the formula '\(formula.source)' for \(field.path) gives \(value.map { "\($0)" } ?? "no value") on row \(row.number); a quantity is a whole number of \(least) or more", at: at, code: "import-formula")
                        ok = false
                    }
                } else if let money = formulaMoney(value, formula, field: field.path, at: at, &problems) {
                    numbers[field.path] = money.decimal
                } else {
                    ok = false
                }
            }
            let sku = texts["lines.sku"] ?? ""
            if sku.isEmpty {
                let slot = layout.slotIndex["lines.sku"]
                let place = slot.flatMap { columnIndex(row, $0) }.map { layout.describeColumn($0) } ?? "the SKU column"
                problems.add("the line on row \(row.number) has no SKU in \(place); every line needs the SKU that matches an item code (fill it in the store, or map another column with first_of)",
                             at: slot.map { location(row, $0) } ?? SourceLocation(file: display, line: row.number), code: "import-no-sku")
                ok = false
            }
            guard ok else { continue }
            func money(_ key: String) -> Money { numbers[key].flatMap(Money.init(exactly:)) ?? .zero }
            let qty = numbers["lines.qty"].map { NSDecimalNumber(decimal: $0).intValue } ?? 0
            if qty < 1 {
                _ = missing("lines.qty", [row], &problems)
                continue
            }
            if let source = mapping.fields["returns.lines.qty"] {
                // `{when: …}`: the row's units all came back when the condition holds (a Lazada unit row `returned`).
                if case .condition(let condition) = source {
                    numbers["returns.lines.qty"] = condition.evaluate { rowValue(row, $0) } ? Decimal(qty) : 0
                }
                let returned = numbers["returns.lines.qty"].map { NSDecimalNumber(decimal: $0).intValue } ?? 0
                if returned > qty {
                    overReturn(returned, sold: qty, row: row, source: source, &problems)
                    continue
                }
                if returned == qty { returnedWhole.insert(row.number) }
            }
            lines.append(ImportedLine(rows: [row.number], sku: sku, name: texts["lines.name"] ?? "", variation: texts["lines.variation"].flatMap { $0.isEmpty ? nil : $0 },
                                      qty: qty, unitPrice: money("lines.unit_price"), sellerDiscount: money("lines.seller_discount"),
                                      platformDiscount: money("lines.platform_discount"), numbers: numbers))
        }
        return lines
    }

    /// A row returning more units than it sold: named at the returned-quantity cell (or, for a formula, at the first
    /// column it reads), with both numbers.
    private func overReturn(_ returned: Int, sold: Int, row: ImportedRow, source: ImportSource, _ problems: inout Problems) {
        let soldPlace = layout.slotIndex["lines.qty"].flatMap { columnIndex(row, $0) }.map { " (\(layout.describeColumn($0)))" } ?? ""
        let sold = mapping.grain == .unit ? "the 1 unit the row is (grain: unit)" : "the \(sold) unit\(sold == 1 ? "" : "s") the line sold\(soldPlace)"
        switch source {
        case .formula(let formula):
            let slot = formula.readNames.compactMap { layout.slotIndex[$0] }.first { columnIndex(row, $0) != nil }
            problems.add("the formula '\(formula.source)' for returns.lines.qty gives \(returned) on row \(row.number), more than \(sold); a line cannot return more units than it sold. Check the row in the export, or the formula",
                         at: slot.map { location(row, $0) } ?? SourceLocation(file: display, line: row.number), code: "import-over-return")
        default:
            let slot = layout.slotIndex["returns.lines.qty"]
            let place = slot.flatMap { columnIndex(row, $0) }.map { layout.describeColumn($0) } ?? "returns.lines.qty"
            problems.add("\(place) is \(returned) on row \(row.number), more than \(sold); a line cannot return more units than it sold. Check the row in the export",
                         at: slot.map { location(row, $0) } ?? SourceLocation(file: display, line: row.number), code: "import-over-return")
        }
    }

    /// Unit rows (Lazada) of one SKU at one price become one line: quantity counted, discounts summed.
    private func mergeUnits(_ units: [ImportedLine]) -> [ImportedLine] {
        var merged: [ImportedLine] = []
        var position: [String: Int] = [:]
        for unit in units {
            let key = "\(unit.sku)\u{1F}\(unit.unitPrice.minorUnits)\u{1F}\(unit.name)\u{1F}\(unit.variation ?? "")"
            guard let at = position[key] else { position[key] = merged.count; merged.append(unit); continue }
            merged[at].rows += unit.rows
            merged[at].qty += unit.qty
            merged[at].sellerDiscount += unit.sellerDiscount
            merged[at].platformDiscount += unit.platformDiscount
            for (name, value) in unit.numbers where name != "lines.unit_price" { merged[at].numbers[name, default: 0] += value }
        }
        return merged
    }

    private func formulaMoney(_ value: Decimal?, _ formula: ImportFormula, field: String, at: SourceLocation, _ problems: inout Problems) -> Money? {
        guard let value else {
            problems.add("the formula '\(formula.source)' for \(field) has no value: a name it reads (\(formula.readNames.joined(separator: ", "))) is blank", at: at, code: "import-formula")
            return nil
        }
        guard let money = Money(exactly: value) else {
            problems.add("the formula '\(formula.source)' for \(field) gives \(value), which is not a whole number of sen", at: at, code: "import-formula")
            return nil
        }
        guard !money.isNegative else {
            problems.add("the formula '\(formula.source)' for \(field) gives \(money), a negative amount; amounts in an order are positive", at: at, code: "import-formula")
            return nil
        }
        return money
    }

    private func channel(_ text: String?, _ rows: [ImportedRow], _ problems: inout Problems) -> String? {
        guard let text else { return missing("channel", rows, &problems).stringValue }
        if let mapped = mapping.channels[ImportMappingLoader.normalize(text)] { return mapped.rawValue }
        if let canonical = Channel(rawValue: text.lowercased()) { return canonical.rawValue }
        let known = Array(mapping.channels.keys) + Channel.allCases.map(\.rawValue)
        var message = "\(placeOf("channel", rows).describe) is \"\(text)\", not a channel this mapping knows; add it under 'channels' (\(Channel.allCases.map(\.rawValue).joined(separator: ", ")))"
        if let guess = Suggest.closest(to: text.lowercased(), in: known) { message += "; did you mean '\(guess)'?" }
        problems.add(message, at: placeOf("channel", rows).location, code: "import-channel")
        return nil
    }

    /// A partly returned order (some units came back, some were kept) is not a returned order: rules that would make
    /// it `returned` (Shopee's `Return / Refund Status`) are passed over, so the sale is still invoiced and the return
    /// credited.
    private func status(_ text: String?, _ rows: [ImportedRow], _ problems: inout Problems, partlyReturned: Bool = false) -> OrderStatus? {
        for rule in mapping.statusRules where !(partlyReturned && rule.status == .returned) {
            if rows.contains(where: { row in rule.condition.evaluate { rowValue(row, $0) } }) { return rule.status }
        }
        guard let text else { _ = missing("status", rows, &problems); return nil }
        if let mapped = mapping.statuses[ImportMappingLoader.normalize(text)] { return mapped }
        if let canonical = OrderStatus(rawValue: text) { return canonical }
        let place = placeOf("status", rows)
        var message = "\(place.describe) is \"\(text)\", a status the mapping does not know; add it under 'statuses' with its canonical status (\(OrderStatus.allCases.map(\.rawValue).joined(separator: ", ")))"
        if let guess = Suggest.closest(to: text, in: mapping.statusNames) { message += "; did you mean '\(guess)'?" }
        problems.add(message, at: place.location, code: "import-status")
        return nil
    }

    /// Where an order-level field was read: the first row with a value, else the first row.
    private func placeOf(_ key: String, _ rows: [ImportedRow]) -> (describe: String, location: SourceLocation) {
        guard let slot = layout.slotIndex[key] else { return ("'\(key)'", SourceLocation(file: display, line: rows[0].number)) }
        let row = rows.first { !$0.texts[slot].isEmpty } ?? rows[0]
        let column = columnIndex(row, slot)
        return (column.map { layout.describeColumn($0) } ?? "'\(key)'", location(row, slot))
    }

    private func cellProblem(_ key: String, _ text: String, _ reason: String, _ rows: [ImportedRow], _ problems: inout Problems, code: String) {
        let place = placeOf(key, rows)
        problems.add("\(place.describe) is \"\(text)\", \(reason) (for \(key))", at: place.location, code: code)
    }

    @discardableResult
    private func missing(_ key: String, _ rows: [ImportedRow], _ problems: inout Problems) -> JSONValue {
        let place = placeOf(key, rows)
        problems.add("\(place.describe) is blank, but every order needs \(key); fill it in the export or give the mapping a fixed value", at: place.location, code: "import-blank")
        return .null
    }
}

extension Money {
    /// The amount of an exact decimal with at most two decimals; nil otherwise.
    init?(exactly value: Decimal) {
        var scaled = value * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { return nil }
        guard abs(rounded) < Decimal(9_000_000_000_000_000) else { return nil }
        self.init(minorUnits: NSDecimalNumber(decimal: rounded).int64Value)
    }

    /// Exact, without a division (Foundation's Decimal division is slow and this runs for every cell).
    var decimal: Decimal {
        Decimal(sign: minorUnits < 0 ? .minus : .plus, exponent: -2, significand: Decimal(minorUnits.magnitude))
    }
}

extension Decimal {
    var rounded0: Decimal {
        var copy = self
        var result = Decimal()
        NSDecimalRound(&result, &copy, 0, .plain)
        return result
    }
}
