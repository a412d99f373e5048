import Foundation
import LedgerCore
import LedgerJSON

/// One line of a purchase order, as a goods received line names it (`fromdockey`, `fromdtlkey`).
struct PurchaseLineKey: Hashable, Sendable {
    var dockey: Int
    var dtlkey: Int
}

/// Purchase order line → what the goods received notes (not cancelled) took from it, in the item's base unit.
typealias Receipts = [PurchaseLineKey: FixedDecimal]

/// Exact quantities for receiving: an order may count in cartons (CTN, rate 24) what a goods received note counts
/// in pieces (PCS, rate 1), so both are compared as qty × rate, the item's base unit. Every operation checks for
/// overflow and answers nil rather than trap: the values come from request bodies.
enum Quantity {
    static let zero = FixedDecimal(units: 0, scale: 0)

    /// Without trailing zeros after the point, so scales do not grow with every product.
    static func reduced(_ value: FixedDecimal) -> FixedDecimal {
        var units = value.units
        var scale = value.scale
        while scale > 0, units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        return FixedDecimal(units: units, scale: scale)
    }

    static func product(_ a: FixedDecimal, _ b: FixedDecimal) -> FixedDecimal? {
        let (units, overflow) = a.units.multipliedReportingOverflow(by: b.units)
        guard !overflow else { return nil }
        return reduced(FixedDecimal(units: units, scale: a.scale + b.scale))
    }

    /// `value`'s units at a scale at least its own.
    static func units(_ value: FixedDecimal, at scale: Int) -> Int64? {
        var units = value.units
        var current = value.scale
        while current < scale {
            let (next, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            units = next
            current += 1
        }
        return units
    }

    static func sum(_ a: FixedDecimal, _ b: FixedDecimal) -> FixedDecimal? {
        let scale = max(a.scale, b.scale)
        guard let x = units(a, at: scale), let y = units(b, at: scale) else { return nil }
        let (total, overflow) = x.addingReportingOverflow(y)
        return overflow ? nil : reduced(FixedDecimal(units: total, scale: scale))
    }

    static func difference(_ a: FixedDecimal, _ b: FixedDecimal) -> FixedDecimal? {
        sum(a, FixedDecimal(units: -b.units, scale: b.scale))
    }

    /// Whether `a > b`; nil when they cannot be compared without overflow.
    static func exceeds(_ a: FixedDecimal, _ b: FixedDecimal) -> Bool? {
        difference(a, b).map { $0.units > 0 }
    }

    /// `value ÷ divisor`, rounded half up to at most 6 decimals (fewer only for values too large to hold 6): the
    /// quantity a line's UOM holds of a base-unit total, which need not divide evenly (1 PCS is 0.041667 CTN).
    static func quotient(_ value: FixedDecimal, _ divisor: FixedDecimal) -> FixedDecimal? {
        guard divisor.units > 0 else { return nil }
        for scale in stride(from: 6, through: 0, by: -1) {
            // value / divisor = value.units × 10^(divisor.scale − value.scale) / divisor.units, at `scale`.
            let shift = scale + divisor.scale - value.scale
            var numerator = value.units
            var denominator = divisor.units
            var fits = true
            for _ in 0..<abs(shift) {
                let (next, overflow) = shift > 0 ? numerator.multipliedReportingOverflow(by: 10)
                                                 : denominator.multipliedReportingOverflow(by: 10)
                if overflow { fits = false; break }
                if shift > 0 { numerator = next } else { denominator = next }
            }
            if fits { return reduced(FixedDecimal(units: divideRoundingHalfUp(numerator, denominator), scale: scale)) }
        }
        return nil
    }

    /// Decimal text with at least two decimals, as the documents' other quantities (`2.00`, `1.25`, `0.041667`).
    static func text(_ value: FixedDecimal) -> String {
        let value = reduced(value)
        if value.scale < 2, let units = units(value, at: 2) { return FixedDecimal(units: units, scale: 2).description }
        return value.description
    }

    /// A decimal a stored record holds (as text, or a number in a hand-edited state file).
    static func stored(_ value: JSONValue?) -> FixedDecimal? {
        Fields.filterText(value).flatMap { FixedDecimal(parsing: $0.trimmingSpaces, maxScale: 6) }
    }
}

extension DocumentRules {
    // MARK: Receipts

    /// qty × rate of a stored line: its quantity in the item's base unit; nil when either does not read back.
    static func baseQuantity(_ line: JSONObject) -> FixedDecimal? {
        guard let qty = Quantity.stored(line["qty"]), let rate = Quantity.stored(line["rate"]) else { return nil }
        return Quantity.product(qty, rate)
    }

    /// What a stored goods received note takes from purchase order lines (none when it is cancelled, or of another
    /// kind). Lines that do not read back (a hand-edited state file) take nothing rather than stop the sandbox.
    static func receipts(of kind: SandboxDocumentKind, _ record: JSONObject) -> Receipts {
        guard kind == .purchaseGoodsReceived, record["cancelled"]?.boolValue != true else { return [:] }
        var result: Receipts = [:]
        for row in record["sdsdocdetail"]?.arrayValue ?? [] {
            guard let line = row.objectValue, Fields.filterText(line["fromdoctype"]) == "PO",
                  let dockey = Int(Fields.filterText(line["fromdockey"]) ?? ""),
                  let dtlkey = Int(Fields.filterText(line["fromdtlkey"]) ?? ""),
                  let base = baseQuantity(line), base.units > 0 else { continue }
            let key = PurchaseLineKey(dockey: dockey, dtlkey: dtlkey)
            result[key] = Quantity.sum(result[key] ?? Quantity.zero, base) ?? result[key]
        }
        return result
    }

    /// A purchase order with what has been received against it, derived on every read as an invoice's
    /// `outstanding` is: each line's `transferredqty` (in the line's own UOM) and `transferable` (something is
    /// left to receive), and the order's `transferable` and `status` (`open`; `closed` once every line is fully
    /// received; `cancelled`).
    static func withReceipts(_ record: JSONObject, dockey: Int, received: Receipts) -> JSONObject {
        var record = record
        let cancelled = record["cancelled"]?.boolValue == true
        var open = false
        if let rows = record["sdsdocdetail"]?.arrayValue {
            record["sdsdocdetail"] = .array(rows.map { row in
                guard var line = row.objectValue else { return row }
                let dtlkey = Int(Fields.filterText(line["dtlkey"]) ?? "")
                let got = dtlkey.flatMap { received[PurchaseLineKey(dockey: dockey, dtlkey: $0)] } ?? Quantity.zero
                let transferred = Quantity.stored(line["rate"]).flatMap { Quantity.quotient(got, $0) } ?? Quantity.zero
                line["transferredqty"] = .string(Quantity.text(transferred))
                let remains = baseQuantity(line).flatMap { Quantity.exceeds($0, got) } ?? false
                if remains { open = true }
                line["transferable"] = .bool(remains && !cancelled)
                return .object(line)
            })
        }
        record["transferable"] = .bool(open && !cancelled)
        record["status"] = .string(cancelled ? "cancelled" : open ? "open" : "closed")
        return record
    }

    // MARK: Purchase order

    /// Normalises a purchase order's lines (as a sales invoice's, `dtlkey`s from `nextDtlkey`), each naming a stock
    /// item in one of its UOMs with the UOM's `rate`, a positive qty and a unit price. On an update, a line stock
    /// was received against keeps its item and at least the quantity received, and the order its supplier.
    func normalizePurchaseOrder(_ master: inout JSONObject, lines: [PendingLine], dockey: Int, existing: JSONObject?,
                                nextDtlkey: inout Int, received: Receipts) throws -> [JSONObject] {
        guard !lines.isEmpty else {
            throw APIError.badRequest("A purchase order needs at least one line (sdsdocdetail)")
        }
        let normalized = try normalizeInvoice(&master, lines: lines, dockey: dockey, nextDtlkey: &nextDtlkey)
        for (index, line) in normalized.enumerated() {
            _ = try checkStockLine(line, number: index + 1, title: "purchase order")
        }
        guard let existing else { return normalized }

        let docno = existing["docno"]?.stringValue ?? String(dockey)
        let receivedLines = received.filter { $0.key.dockey == dockey && $0.value.units > 0 }
        guard !receivedLines.isEmpty else { return normalized }
        if master["code"] != existing["code"] {
            throw APIError.badRequest("\(docno) has goods received against it; its supplier cannot change")
        }
        if master["cancelled"]?.boolValue == true {
            throw APIError.badRequest("\(docno) has goods received against it; cancel the goods received notes first")
        }
        let oldLines = (existing["sdsdocdetail"]?.arrayValue ?? []).compactMap(\.objectValue)
        for (key, got) in receivedLines.sorted(by: { $0.key.dtlkey < $1.key.dtlkey }) {
            let old = oldLines.first { Int(Fields.filterText($0["dtlkey"]) ?? "") == key.dtlkey }
            let oldItem = old?["itemcode"]?.stringValue ?? ""
            let oldUOM = old?["uom"]?.stringValue ?? ""
            let oldReceived = old.flatMap { Quantity.stored($0["rate"]) }.flatMap { Quantity.quotient(got, $0) } ?? got
            guard let index = normalized.firstIndex(where: { Int(Fields.filterText($0["dtlkey"]) ?? "") == key.dtlkey }) else {
                throw APIError.badRequest("\(docno)'s line with dtlkey \(key.dtlkey) (\(oldItem)) has \(Quantity.text(oldReceived)) "
                                          + "\(oldUOM) received; it cannot be deleted")
            }
            let line = normalized[index]
            let number = index + 1
            let item = line["itemcode"]?.stringValue ?? ""
            guard item == oldItem else {
                throw APIError.badRequest("sdsdocdetail line \(number) has \(Quantity.text(oldReceived)) \(oldUOM) of \(oldItem) "
                                          + "received; its item cannot change to \(item)")
            }
            let ordered = Self.baseQuantity(line) ?? Quantity.zero
            if Quantity.exceeds(got, ordered) ?? true {
                let uom = line["uom"]?.stringValue ?? ""
                let inLineUOM = Quantity.stored(line["rate"]).flatMap { Quantity.quotient(got, $0) } ?? got
                throw APIError.badRequest("sdsdocdetail line \(number) qty \(line["qty"]?.stringValue ?? "") \(uom) of \(item) is "
                                          + "less than the \(Quantity.text(inLineUOM)) \(uom) already received against it")
            }
        }
        return normalized
    }

    /// The checks a purchase document's line takes beyond a sales line's: a stock item (stock is what it moves),
    /// a positive qty, a unit price not below zero, and `rate` the item's own for the UOM. Returns the line's
    /// quantity in the item's base unit.
    @discardableResult
    func checkStockLine(_ line: JSONObject, number: Int, title: String) throws -> FixedDecimal {
        let itemcode = line["itemcode"]?.stringValue ?? ""
        guard !itemcode.isEmpty, let item = masters.items[itemcode] else {
            throw APIError.badRequest("sdsdocdetail line \(number) has no itemcode: a \(title) line names a stock item")
        }
        guard let qty = Quantity.stored(line["qty"]), qty.units > 0 else {
            throw APIError.badRequest("sdsdocdetail line \(number) qty \(line["qty"]?.stringValue ?? "") must be more than 0")
        }
        if let price = Quantity.stored(line["unitprice"]), price.units < 0 {
            throw APIError.badRequest("sdsdocdetail line \(number) unitprice \(price) must not be negative")
        }
        let uom = line["uom"]?.stringValue ?? item.defaultUOM
        guard let own = item.uoms.first(where: { $0.code == uom }),
              let ownRate = FixedDecimal(parsing: own.rate, maxScale: 6) else {
            throw APIError.badRequest("sdsdocdetail line \(number) uom '\(uom)' is not a UOM of item '\(itemcode)'")
        }
        guard let rate = Quantity.stored(line["rate"]), Quantity.difference(rate, ownRate)?.units == 0 else {
            throw APIError.badRequest("sdsdocdetail line \(number) rate '\(Fields.filterText(line["rate"]) ?? "")' is not item "
                                      + "\(itemcode)'s rate for \(uom) (\(own.rate)); leave rate out to take the item's")
        }
        guard let base = Quantity.product(qty, rate) else {
            throw APIError.badRequest("sdsdocdetail line \(number) qty × rate is too large")
        }
        return base
    }

    // MARK: Goods received

    /// Normalises a goods received note's lines. A line that names a purchase order line (`fromdoctype: "PO"`,
    /// `fromdockey`, `fromdtlkey`) receives that line's item from the note's supplier, in any of the item's UOMs;
    /// what the line leaves out (itemcode, uom, location, description, unitprice converted to the line's UOM) it
    /// takes from the order line. Together the note's lines may receive at most what remains of each order line
    /// (its qty less `received(key)`, what other notes took from it, in base units), unless it is cancelled.
    /// A line that names no order is a receipt without one (SQL allows it), checked as a stock line only.
    func normalizeGoodsReceived(_ master: inout JSONObject, lines: [PendingLine], dockey: Int, supplier: String,
                                orders: DocumentBook, nextDtlkey: inout Int,
                                received: (PurchaseLineKey) -> FixedDecimal) throws -> [JSONObject] {
        guard !lines.isEmpty else {
            throw APIError.badRequest("A goods received note needs at least one line (sdsdocdetail)")
        }
        let cancelled = master["cancelled"]?.boolValue == true
        var sources: [ReceivedSource?] = []
        var prepared: [PendingLine] = []
        for (index, pending) in lines.enumerated() {
            let number = index + 1
            var fields = pending.fields
            let doctype = (try Fields.text(fields["fromdoctype"], "sdsdocdetail line \(number) fromdoctype") ?? "")
                .trimmingSpaces.uppercased()
            let fromDockey = try Fields.int(fields["fromdockey"], "sdsdocdetail line \(number) fromdockey")
            let fromDtlkey = try Fields.int(fields["fromdtlkey"], "sdsdocdetail line \(number) fromdtlkey")
            // 0 and -1 are how clients say "none" for a key elsewhere (dtlkey on insert).
            let orderKey = fromDockey.flatMap { $0 > 0 ? $0 : nil }
            let lineKey = fromDtlkey.flatMap { $0 > 0 ? $0 : nil }
            if doctype.isEmpty, orderKey == nil, lineKey == nil {
                for field in ["fromdoctype", "fromdockey", "fromdtlkey"] { fields[field] = nil }
                sources.append(nil)
                prepared.append(PendingLine(fields: fields, dtlkey: pending.dtlkey))
                continue
            }
            guard doctype.isEmpty || doctype == "PO" else {
                throw APIError.badRequest("sdsdocdetail line \(number) fromdoctype '\(doctype)' is not PO: a goods received "
                                          + "note receives purchase orders only")
            }
            guard let orderKey else {
                throw APIError.badRequest("sdsdocdetail line \(number) names no purchase order: fromdockey is required "
                                          + "with fromdoctype PO")
            }
            guard let order = orders.records[orderKey] else {
                throw APIError.badRequest("sdsdocdetail line \(number): purchase order dockey \(orderKey) not found (fromdockey)")
            }
            let docno = order["docno"]?.stringValue ?? String(orderKey)
            if !cancelled, order["cancelled"]?.boolValue == true {
                throw APIError.badRequest("sdsdocdetail line \(number): \(docno) is cancelled; nothing can be received against it")
            }
            let orderSupplier = order["code"]?.stringValue ?? ""
            guard orderSupplier == supplier else {
                throw APIError.badRequest("sdsdocdetail line \(number): \(docno) is an order to supplier \(orderSupplier), "
                                          + "not \(supplier)")
            }
            guard let lineKey else {
                throw APIError.badRequest("sdsdocdetail line \(number) names no line of \(docno): fromdtlkey is required")
            }
            let orderLines = (order["sdsdocdetail"]?.arrayValue ?? []).compactMap(\.objectValue)
            guard let position = orderLines.firstIndex(where: { Int(Fields.filterText($0["dtlkey"]) ?? "") == lineKey }) else {
                let keys = orderLines.compactMap { Fields.filterText($0["dtlkey"]) }.joined(separator: ", ")
                throw APIError.badRequest("sdsdocdetail line \(number): \(docno) has no line with dtlkey \(lineKey) "
                                          + "(fromdtlkey; its lines are \(keys))")
            }
            let orderLine = orderLines[position]
            let orderItem = orderLine["itemcode"]?.stringValue ?? ""
            let item = try Fields.text(fields["itemcode"], "sdsdocdetail line \(number) itemcode")?.trimmingSpaces ?? ""
            if item.isEmpty {
                fields["itemcode"] = .string(orderItem)
            } else if item != orderItem {
                throw APIError.badRequest("sdsdocdetail line \(number) item \(item) is not the item of \(docno) line "
                                          + "\(position + 1) (\(orderItem))")
            }
            for field in ["uom", "location", "description", "project"] where Self.isBlank(fields[field]) {
                fields[field] = orderLine[field]
            }
            if Self.isBlank(fields["unitprice"]) {
                fields["unitprice"] = try convertedPrice(orderLine, to: fields["uom"], item: orderItem, number: number)
            }
            fields["fromdoctype"] = .string("PO")
            fields["fromdockey"] = .int(orderKey)
            fields["fromdtlkey"] = .int(lineKey)
            sources.append(ReceivedSource(key: PurchaseLineKey(dockey: orderKey, dtlkey: lineKey), docno: docno, line: orderLine,
                                  number: position + 1))
            prepared.append(PendingLine(fields: fields, dtlkey: pending.dtlkey))
        }

        let normalized = try normalizeInvoice(&master, lines: prepared, dockey: dockey, nextDtlkey: &nextDtlkey)
        var taken: Receipts = [:]
        for (index, line) in normalized.enumerated() {
            let number = index + 1
            let base = try checkStockLine(line, number: number, title: "goods received")
            guard let source = sources[index], !cancelled else { continue }
            let before = taken[source.key] ?? Quantity.zero
            guard let total = Quantity.sum(before, base) else {
                throw APIError.badRequest("sdsdocdetail line \(number): the quantity received is too large")
            }
            taken[source.key] = total
            let ordered = Self.baseQuantity(source.line) ?? Quantity.zero
            var left = Quantity.difference(ordered, received(source.key)) ?? Quantity.zero
            if left.units < 0 { left = Quantity.zero }
            guard Quantity.exceeds(total, left) ?? true else { continue }
            throw APIError.badRequest(overReceipt(line, number: number, source: source, left: left, before: before))
        }
        return normalized
    }

    /// "sdsdocdetail line 1 receives 50.00 PCS of CANDLE-01, more than the 48.00 PCS that remain to be received of
    /// PO-00001 line 1 (dtlkey 1: 2.00 CTN ordered, 0.00 CTN received)", with what the note's earlier lines take.
    private func overReceipt(_ line: JSONObject, number: Int, source: ReceivedSource, left: FixedDecimal,
                             before: FixedDecimal) -> String {
        let uom = line["uom"]?.stringValue ?? ""
        let rate = Quantity.stored(line["rate"])
        func inLineUOM(_ base: FixedDecimal) -> String {
            Quantity.text(rate.flatMap { Quantity.quotient(base, $0) } ?? base)
        }
        let orderUOM = source.line["uom"]?.stringValue ?? ""
        let orderRate = Quantity.stored(source.line["rate"])
        let ordered = Quantity.stored(source.line["qty"]).map(Quantity.text) ?? ""
        let ownEarlier = Quantity.stored(source.line["qty"]).flatMap { qty in orderRate.flatMap { Quantity.product(qty, $0) } }
        let receivedBase = ownEarlier.flatMap { Quantity.difference($0, left) } ?? Quantity.zero
        let received = Quantity.text(orderRate.flatMap { Quantity.quotient(receivedBase, $0) } ?? receivedBase)
        let earlier = before.units > 0 ? " (with the \(inLineUOM(before)) \(uom) the lines before it on this note receive)" : ""
        return "sdsdocdetail line \(number) receives \(line["qty"]?.stringValue ?? "") \(uom) of "
            + "\(line["itemcode"]?.stringValue ?? "")\(earlier), more than the \(inLineUOM(left)) \(uom) that remain to be "
            + "received of \(source.docno) line \(source.number) (dtlkey \(source.key.dtlkey): \(ordered) \(orderUOM) ordered, "
            + "\(received) \(orderUOM) received)"
    }

    private static func isBlank(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: return true
        case .string(let text)?: return text.trimmingSpaces.isEmpty
        default: return false
        }
    }

    /// The order line's unit price for one of `uom` (the order's price per its own UOM × the rates' ratio), rounded
    /// half up to 6 decimals: 120.00 per CTN of 24 is 5.00 per PCS.
    private func convertedPrice(_ orderLine: JSONObject, to uom: JSONValue?, item: String, number: Int) throws -> JSONValue? {
        guard let price = Quantity.stored(orderLine["unitprice"]) else { return orderLine["unitprice"] }
        let target = Fields.filterText(uom) ?? ""
        guard let orderRate = Quantity.stored(orderLine["rate"]),
              let rateText = masters.items[item]?.uoms.first(where: { $0.code == target })?.rate,
              let rate = FixedDecimal(parsing: rateText, maxScale: 6) else {
            // An unknown UOM is refused by the line's own checks, with the item's UOMs named.
            return orderLine["unitprice"]
        }
        guard let scaled = Quantity.product(price, rate), let converted = Quantity.quotient(scaled, orderRate) else {
            throw APIError.badRequest("sdsdocdetail line \(number) unitprice: the order's price converted to \(target) is too large")
        }
        return .string(Quantity.text(converted))
    }
}

/// The purchase order line a goods received line receives: its key, the order's docno, the order line and its
/// 1-based position on the order (for messages).
struct ReceivedSource {
    var key: PurchaseLineKey
    var docno: String
    var line: JSONObject
    var number: Int
}
