import LedgerCore
import LedgerJSON
import RulePack

/// A purchase order as SQL Account holds it (`GET /purchaseorder/{dockey}`): what the store's record is made from.
public struct SQLPurchaseOrder: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var dtlkey: Int64
        public var itemCode: String
        public var description: String
        /// As SQL Account writes it, in `uom`.
        public var qty: FixedDecimal
        public var uom: String
        public var unitPrice: Money
        /// qty × unit price less discount, as SQL Account computed it.
        public var amount: Money
        public var location: String
        /// Already received into stock, in `uom` (the sandbox's `transferredqty`).
        public var received: FixedDecimal
    }

    public var dockey: Int64
    public var docno: String
    public var docdate: String
    public var supplier: String
    public var supplierName: String
    public var project: String
    public var description: String
    public var reference: String
    public var updatecount: Int
    public var lastmodified: Int64
    /// The sandbox's `status` (`open`/`closed`); empty when SQL Account does not say.
    public var status: String
    public var lines: [Line]

    /// Reads SQL Account's record; the problems name the purchase order, line and field.
    public static func read(_ record: JSONObject) -> (order: SQLPurchaseOrder?, problems: [String]) {
        var problems: [String] = []
        func text(_ object: JSONObject, _ key: String) -> String {
            switch object[key] {
            case .string(let value)?: return value
            case .number(let value)?: return value
            default: return ""
            }
        }
        func integer(_ object: JSONObject, _ key: String) -> Int64? { Int64(text(object, key)) }
        let docno = text(record, "docno")
        let name = docno.isEmpty ? "a purchase order without docno" : "purchase order \(docno)"
        guard let dockey = integer(record, "dockey") else { return (nil, ["\(name) has no dockey"]) }
        var lines: [Line] = []
        for (index, value) in (record["sdsdocdetail"]?.arrayValue ?? []).enumerated() {
            guard let line = value.objectValue else { continue }
            let at = "\(name) line \(index + 1)"
            let itemCode = text(line, "itemcode")
            guard !itemCode.isEmpty else {
                problems.append("\(at) has no itemcode: only stock items can be received into the store")
                continue
            }
            guard let qty = FixedDecimal(parsing: text(line, "qty"), maxScale: 4) else {
                problems.append("\(at) (\(itemCode)): qty '\(text(line, "qty"))' is not a number")
                continue
            }
            guard let price = Money(parsing: text(line, "unitprice").isEmpty ? "0" : text(line, "unitprice")) else {
                problems.append("\(at) (\(itemCode)): unitprice '\(text(line, "unitprice"))' is not an amount")
                continue
            }
            let amount = Money(parsing: text(line, "amount")) ?? Money(minorUnits: divideRoundingHalfUp(price.minorUnits * qty.units, pow10(qty.scale)))
            lines.append(Line(dtlkey: integer(line, "dtlkey") ?? 0, itemCode: itemCode, description: text(line, "description"), qty: qty,
                              uom: text(line, "uom"), unitPrice: price, amount: amount, location: text(line, "location"),
                              received: FixedDecimal(parsing: text(line, "transferredqty"), maxScale: 4) ?? FixedDecimal(units: 0, scale: 0)))
        }
        let order = SQLPurchaseOrder(dockey: dockey, docno: docno, docdate: text(record, "docdate"), supplier: text(record, "code"),
                                     supplierName: text(record, "companyname"), project: text(record, "project"), description: text(record, "description"),
                                     reference: text(record, "docref1"), updatecount: Int(integer(record, "updatecount") ?? 0),
                                     lastmodified: integer(record, "lastmodified") ?? 0, status: text(record, "status"), lines: lines)
        return (order, problems)
    }
}

/// Each stock item's UOMs and their rates in SQL Account (`sdsuom`): how many base units one of each UOM holds.
public struct ItemUOMRates: Sendable {
    public var rates: [String: [String: FixedDecimal]] = [:]

    public init(rates: [String: [String: FixedDecimal]] = [:]) {
        self.rates = rates
    }

    /// From SQL Account's stock item records (`GET /stockitem`, each with `sdsuom` rows of `uom` and `rate`).
    public init(stockItems: [JSONObject]) {
        for item in stockItems {
            guard let code = item["code"]?.stringValue else { continue }
            var uoms: [String: FixedDecimal] = [:]
            for row in item["sdsuom"]?.arrayValue ?? [] {
                guard let row = row.objectValue, let uom = row["uom"]?.stringValue else { continue }
                let text: String
                switch row["rate"] {
                case .string(let value)?: text = value
                case .number(let value)?: text = value
                default: text = ""
                }
                if let rate = FixedDecimal(parsing: text, maxScale: 6), rate.units > 0 { uoms[uom] = rate }
            }
            rates[code] = uoms
        }
    }

    /// The UOM whose rate is 1, the unit stock is counted in.
    public func baseUOM(of itemCode: String) -> String? {
        rates[itemCode]?.first { $0.value.units == pow10($0.value.scale) }?.key
    }
}

/// One line of the store's purchase-order / stock-in record.
public struct StockInLine: Sendable, Equatable {
    public var dtlkey: Int64
    /// The store's SKU, or the SQL item code when the pack names no store or the item has no SKU there.
    public var sku: String
    public var itemCode: String
    public var description: String
    public var location: String
    public var qty: FixedDecimal
    public var uom: String
    public var unitCost: Money
    /// The PO line's amount, kept to the sen whatever the conversion.
    public var amount: Money
    /// When converted: the quantity and UOM as entered in SQL, and the rate used.
    public var converted: (qty: FixedDecimal, uom: String, rate: FixedDecimal)?
    /// Still to receive, in `uom`.
    public var outstanding: FixedDecimal

    public static func == (a: StockInLine, b: StockInLine) -> Bool {
        a.dtlkey == b.dtlkey && a.sku == b.sku && a.itemCode == b.itemCode && a.description == b.description && a.location == b.location
            && a.qty == b.qty && a.uom == b.uom && a.unitCost == b.unitCost && a.amount == b.amount && a.outstanding == b.outstanding
            && a.converted?.qty == b.converted?.qty && a.converted?.uom == b.converted?.uom && a.converted?.rate == b.converted?.rate
    }
}

/// The store's record of one purchase order: what the platform's import takes.
public struct StockInRecord: Sendable, Equatable {
    public var poNumber: String
    public var dockey: Int64
    public var supplier: String
    public var supplierName: String
    public var date: String
    public var reference: String
    public var project: String
    public var description: String
    public var store: String?
    public var lines: [StockInLine]
    public var total: Money

    /// The JSON Lines record (`po export`, `po plan --format json`), keys in a fixed order.
    public var json: JSONObject {
        var object = JSONObject()
        object.append("po_number", .string(poNumber))
        object.append("sql_dockey", .number(String(dockey)))
        object.append("supplier_code", .string(supplier))
        object.append("supplier_name", .string(supplierName))
        object.append("date", .string(date))
        if !reference.isEmpty { object.append("reference", .string(reference)) }
        if !project.isEmpty { object.append("project", .string(project)) }
        if !description.isEmpty { object.append("description", .string(description)) }
        if let store { object.append("store", .string(store)) }
        object.append("lines", .array(lines.map { line in
            var item = JSONObject()
            item.append("sku", .string(line.sku))
            item.append("item_code", .string(line.itemCode))
            if !line.description.isEmpty { item.append("name", .string(line.description)) }
            if !line.location.isEmpty { item.append("warehouse", .string(line.location)) }
            item.append("qty", .string(line.qty.trimmed))
            item.append("uom", .string(line.uom))
            item.append("unit_cost", .string(line.unitCost.description))
            item.append("amount", .string(line.amount.description))
            item.append("outstanding_qty", .string(line.outstanding.trimmed))
            if let converted = line.converted {
                item.append("sql_qty", .string(converted.qty.trimmed))
                item.append("sql_uom", .string(converted.uom))
                item.append("uom_rate", .string(converted.rate.trimmed))
            }
            return .object(item)
        }))
        object.append("total", .string(total.description))
        return object
    }
}

/// SQL Account purchase orders → the store's stock-in records, with the pack's UOM conversion.
public enum PurchaseOrderConverter {
    public struct Outcome: Sendable {
        public var record: StockInRecord?
        /// Each stops the purchase order (nothing of it is passed on): the PO, line, item and UOM, and what to do.
        public var errors: [String] = []
        /// What changed in the conversion and is worth knowing (a cost rounded to the sen, a line left out).
        public var notes: [String] = []
    }

    /// The record of `order`, or why not. `skus` gives the store's SKU of a SQL item code (see `skuIndex`).
    public static func convert(_ order: SQLPurchaseOrder, settings: PurchaseOrderSettings, rates: ItemUOMRates, skus: [String: String]) -> Outcome {
        var outcome = Outcome()
        var lines: [StockInLine] = []
        for (index, line) in order.lines.enumerated() {
            let at = "purchase order \(order.docno) line \(index + 1) (\(line.itemCode))"
            guard settings.takes(location: line.location) else {
                outcome.notes.append("\(at) goes to location \(line.location.isEmpty ? "(none)" : line.location), which purchase_orders.locations leaves out")
                continue
            }
            var qty = line.qty
            var received = line.received
            var uom = line.uom
            var unitCost = line.unitPrice
            var converted: (qty: FixedDecimal, uom: String, rate: FixedDecimal)?
            let converting = settings.converts(itemCode: line.itemCode)
            if converting.value {
                guard let itemRates = rates.rates[line.itemCode] else {
                    outcome.errors.append("\(at): SQL Account has no stock item \(line.itemCode), so its UOM rates are unknown")
                    continue
                }
                guard let rate = itemRates[line.uom] else {
                    let known = itemRates.keys.sorted().map { "\($0) \(itemRates[$0]!.trimmed)" }.joined(separator: ", ")
                    outcome.errors.append("\(at): UOM '\(line.uom)' has no rate in SQL Account's stock item \(line.itemCode) (its UOMs: \(known.isEmpty ? "none" : known)); add the UOM with its rate there, or set purchase_orders.convert.\(line.itemCode): false")
                    continue
                }
                guard let base = rates.baseUOM(of: line.itemCode) else {
                    outcome.errors.append("\(at): stock item \(line.itemCode) has no UOM of rate 1 in SQL Account, so there is no base unit to convert \(line.uom) into")
                    continue
                }
                if line.uom != base {
                    qty = multiply(line.qty, rate)
                    received = multiply(line.received, rate)
                    // Cost per base unit to the sen; the line amount stays as SQL Account has it.
                    let denominator = rate.units
                    let numerator = line.unitPrice.minorUnits * pow10(rate.scale)
                    unitCost = Money(minorUnits: divideRoundingHalfUp(numerator, denominator))
                    let recomputed = Money(minorUnits: divideRoundingHalfUp(unitCost.minorUnits * qty.units, pow10(qty.scale)))
                    if recomputed != line.amount {
                        let difference = recomputed - line.amount
                        outcome.notes.append("\(at): \(line.qty.trimmed) \(line.uom) at \(line.unitPrice) is \(qty.trimmed) \(base) at \(unitCost) (\(line.unitPrice) ÷ \(rate.trimmed), to the sen), which comes to \(recomputed): \(difference.isNegative ? "" : "+")\(difference) against the line's \(line.amount), which is kept as the line amount")
                    }
                    converted = (line.qty, line.uom, rate)
                    uom = base
                }
            }
            let outstanding = subtract(qty, received)
            lines.append(StockInLine(dtlkey: line.dtlkey, sku: skus[line.itemCode] ?? line.itemCode, itemCode: line.itemCode, description: line.description,
                                     location: line.location, qty: qty, uom: uom, unitCost: unitCost, amount: line.amount, converted: converted,
                                     outstanding: outstanding))
        }
        guard outcome.errors.isEmpty else { return outcome }
        if lines.isEmpty {
            outcome.notes.append("purchase order \(order.docno): no line is left to receive into the store")
            return outcome
        }
        outcome.record = StockInRecord(poNumber: order.docno, dockey: order.dockey, supplier: order.supplier, supplierName: order.supplierName,
                                       date: order.docdate, reference: order.reference, project: order.project, description: order.description,
                                       store: settings.store?.value, lines: lines, total: lines.reduce(.zero) { $0 + $1.amount })
        return outcome
    }

    /// SQL item code → the store's SKU: item matching read backwards, the store's own rows first, then its
    /// channel's, then the pack's. Only SKUs sold one SQL unit at a time (no matching rate) are taken: a pack
    /// SKU would need its stock counted in packs.
    public static func skuIndex(pack: RulePack, store: String?) -> [String: String] {
        guard let store, let declaration = pack.profile?.store(store) else { return [:] }
        var index: [String: String] = [:]
        let layers = [pack.storeOverrides[store]?.items ?? [], pack.channelOverrides[declaration.channel]?.items ?? [],
                      pack.matching.items.keys.sorted().compactMap { pack.matching.items[$0] }]
        for layer in layers {
            for match in layer where (match.rate ?? 1) == 1 && index[match.code] == nil {
                index[match.code] = match.sku
            }
        }
        return index
    }

    static func multiply(_ a: FixedDecimal, _ b: FixedDecimal) -> FixedDecimal {
        let product = FixedDecimal(units: a.units * b.units, scale: a.scale + b.scale)
        return normalized(product)
    }

    static func subtract(_ a: FixedDecimal, _ b: FixedDecimal) -> FixedDecimal {
        let scale = max(a.scale, b.scale)
        return normalized(FixedDecimal(units: a.scaled(to: scale) - b.scaled(to: scale), scale: scale))
    }

    /// At most 4 decimals, trailing zeros dropped, so `2.00 × 24` reads `48`.
    static func normalized(_ value: FixedDecimal) -> FixedDecimal {
        var units = value.units
        var scale = value.scale
        while scale > 0 && units % 10 == 0 {
            units /= 10
            scale -= 1
        }
        if scale > 4 {
            units = divideRoundingHalfUp(units, pow10(scale - 4))
            scale = 4
        }
        return FixedDecimal(units: units, scale: scale)
    }
}

func pow10(_ exponent: Int) -> Int64 {
    var result: Int64 = 1
    for _ in 0..<max(0, exponent) { result *= 10 }
    return result
}
