import LedgerCore
import LedgerJSON
import Transform

/// What a credit note credited of its return event: the units and amount of each order line, the shipping refunded,
/// the voucher kept back, the other refunds, the tax and the refunded total. Exports that give a return cumulatively
/// under one id (the built-in mappings' `export`) grow it in place; the next plan compares the return with the sum of
/// what its credit notes credited and credits only the difference.
public struct CreditedReturn: Sendable {
    public struct Line: Sendable {
        public var qty: Int
        public var amount: Money
    }

    /// Order line index → units and amount credited.
    public var lines: [Int: Line] = [:]
    public var shipping = Money.zero
    public var voucher = Money.zero
    public var other: [OtherRefund] = []
    public var tax: Money?
    public var refunded: Money?

    public init() {}

    /// The event as its credit note credits it: line amounts the return leaves out are the units' share of the line.
    public init(_ event: OrderReturn, of order: Order, basisBuyerPaid: Bool) {
        for returned in event.lines {
            let amount = TransformGraph.creditedAmount(returned, of: order, basisBuyerPaid: basisBuyerPaid)
            let before = lines[returned.line] ?? Line(qty: 0, amount: .zero)
            lines[returned.line] = Line(qty: before.qty + returned.qty, amount: before.amount + amount)
        }
        shipping = event.shipping
        voucher = event.voucher
        other = event.other
        tax = event.tax
        refunded = event.refunded
    }

    /// Everything `parts` credited together.
    public static func sum(_ parts: [CreditedReturn]) -> CreditedReturn {
        var total = CreditedReturn()
        for part in parts {
            for (index, line) in part.lines {
                let before = total.lines[index] ?? Line(qty: 0, amount: .zero)
                total.lines[index] = Line(qty: before.qty + line.qty, amount: before.amount + line.amount)
            }
            total.shipping += part.shipping
            total.voucher += part.voucher
            total.other += part.other
            if let tax = part.tax { total.tax = (total.tax ?? .zero) + tax }
            if let refunded = part.refunded { total.refunded = (total.refunded ?? .zero) + refunded }
        }
        return total
    }

    public var json: String {
        var object = JSONObject()
        object.append("lines", .array(lines.keys.sorted().map { index in
            .object(["line": .int(index), "qty": .int(lines[index]?.qty ?? 0), "amount": .string((lines[index]?.amount ?? .zero).description)])
        }))
        object.append("shipping", .string(shipping.description))
        object.append("voucher", .string(voucher.description))
        object.append("other", .array(other.map { .object(["description": .string($0.description), "amount": .string($0.amount.description)]) }))
        if let tax { object.append("tax", .string(tax.description)) }
        if let refunded { object.append("refunded", .string(refunded.description)) }
        return JSONWriter.compactString(.object(object))
    }

    /// Reads what `json` wrote; nil for anything else (a state store edited by hand).
    public init?(json: String) {
        guard let object = (try? JSONParser.parse(json))?.objectValue else { return nil }
        func money(_ value: JSONValue?) -> Money? { value?.stringValue.flatMap(Money.init(parsing:)) }
        func int(_ value: JSONValue?) -> Int? { if case .number(let text)? = value { return Int(text) } else { return nil } }
        for item in object["lines"]?.arrayValue ?? [] {
            guard let index = int(item["line"]), let qty = int(item["qty"]), let amount = money(item["amount"]) else { return nil }
            lines[index] = Line(qty: qty, amount: amount)
        }
        guard let shipping = money(object["shipping"]), let voucher = money(object["voucher"]) else { return nil }
        self.shipping = shipping
        self.voucher = voucher
        for item in object["other"]?.arrayValue ?? [] {
            guard let description = item["description"]?.stringValue, let amount = money(item["amount"]) else { return nil }
            other.append(OtherRefund(description: description, amount: amount))
        }
        tax = money(object["tax"])
        refunded = money(object["refunded"])
    }
}

/// What a return that was credited before needs now.
public enum ReturnSupplement: Sendable {
    /// It is what was credited.
    case none
    /// It grew: this event credits the difference (its id is the return's with `~2`, `~3` … appended).
    case supplement(OrderReturn)
    /// Some part of it is now less than was credited (or changed in a way no credit note can add to): reported.
    case changed(String)

    /// Compares `event` with what its credit notes `credited`, line by line and part by part.
    public static func of(_ event: OrderReturn, credited: CreditedReturn, order: Order, basisBuyerPaid: Bool, supplementID: String) -> ReturnSupplement {
        let now = CreditedReturn(event, of: order, basisBuyerPaid: basisBuyerPaid)
        var shrunk: [String] = []
        var lines: [ReturnedLine] = []
        for index in Set(now.lines.keys).union(credited.lines.keys).sorted() {
            let current = now.lines[index] ?? CreditedReturn.Line(qty: 0, amount: .zero)
            let before = credited.lines[index] ?? CreditedReturn.Line(qty: 0, amount: .zero)
            let sku = index < order.lines.count ? order.lines[index].sku : "line \(index + 1)"
            if current.qty < before.qty || current.amount < before.amount || (current.qty == before.qty && current.amount != before.amount) {
                shrunk.append("\(sku) \(current.qty) unit\(current.qty == 1 ? "" : "s") for \(current.amount) (credited: \(before.qty) for \(before.amount))")
            } else if current.qty > before.qty {
                lines.append(ReturnedLine(line: index, qty: current.qty - before.qty, amount: current.amount - before.amount))
            }
        }
        if now.shipping < credited.shipping { shrunk.append("shipping \(now.shipping) (credited: \(credited.shipping))") }
        if now.voucher < credited.voucher { shrunk.append("voucher kept back \(now.voucher) (credited: \(credited.voucher))") }
        let otherKept = Array(now.other.prefix(credited.other.count))
        if otherKept.count < credited.other.count || zip(otherKept, credited.other).contains(where: { $0.description != $1.description || $0.amount != $1.amount }) {
            shrunk.append("other refunds \(now.other.map { "'\($0.description)' \($0.amount)" }.joined(separator: ", ")) (credited: \(credited.other.map { "'\($0.description)' \($0.amount)" }.joined(separator: ", ")))")
        }
        if let tax = now.tax, let before = credited.tax, tax < before { shrunk.append("tax \(tax) (credited: \(before))") }
        if let refunded = now.refunded, let before = credited.refunded, refunded < before { shrunk.append("refunded \(refunded) (credited: \(before))") }
        if !shrunk.isEmpty {
            return .changed("return \(event.id) now credits less than its credit notes did — \(shrunk.joined(separator: "; ")); a credit note is never changed or taken back by ledgersync: raise a debit note in SQL Accounting if the return was reversed")
        }
        let delta = OrderReturn(id: supplementID, date: event.date, reason: event.reason, lines: lines,
                                shipping: now.shipping - credited.shipping, voucher: now.voucher - credited.voucher,
                                other: Array(now.other.dropFirst(credited.other.count)),
                                tax: now.tax.map { $0 - (credited.tax ?? .zero) },
                                refunded: now.refunded.flatMap { refunded in credited.refunded.map { refunded - $0 } })
        let grew = !delta.lines.isEmpty || delta.shipping != .zero || !delta.other.isEmpty || (delta.tax ?? .zero) != .zero
        if !grew {
            // Only the voucher kept back or the refunded total moved: nothing more to credit.
            return delta.voucher == .zero && (delta.refunded ?? .zero) == .zero ? .none
                : .changed("return \(event.id) credits the same goods and refunds, but its voucher kept back or refunded total changed; its credit notes are not changed: adjust in SQL Accounting by hand if needed")
        }
        return .supplement(delta)
    }
}
