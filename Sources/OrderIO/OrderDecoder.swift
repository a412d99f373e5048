import LedgerCore
import LedgerJSON

/// Maps a canonical order JSON object (product spec §3) to `Order`, naming the order id and the exact
/// field of every problem. Unknown fields are tolerated; optional fields may be null or absent.
public struct OrderDecoder {
    public init() {}

    public struct Failure: Error, Sendable {
        /// The order id when it could be read, else a description of where the record is.
        public var orderID: String
        public var diagnostics: [Diagnostic]

        public init(orderID: String, diagnostics: [Diagnostic]) {
            self.orderID = orderID
            self.diagnostics = diagnostics
        }
    }

    public func decode(_ value: JSONValue, at location: SourceLocation?) -> Result<Order, Failure> {
        var context = DecodeContext(location: location)
        guard case .object(let object) = value else {
            context.fail("an order must be a JSON object, found \(value.typeName)", "")
            return .failure(Failure(orderID: context.label, diagnostics: context.diagnostics))
        }
        if case .string(let id)? = object["id"], !id.isEmpty {
            context.orderID = id
        } else if case .string(let number)? = object["order_number"], !number.isEmpty {
            context.fallbackLabel = "order without id (order_number \(number))"
        }
        let order = context.order(object)
        if let order, context.diagnostics.isEmpty { return .success(order) }
        return .failure(Failure(orderID: context.label, diagnostics: context.diagnostics))
    }
}

private struct DecodeContext {
    let location: SourceLocation?
    var orderID: String?
    var fallbackLabel: String?
    var diagnostics: [Diagnostic] = []

    init(location: SourceLocation?) { self.location = location }

    var label: String { orderID ?? fallbackLabel ?? (location.map { "record at line \($0.line)" } ?? "record") }

    mutating func fail(_ message: String, _ path: String) {
        let who = orderID.map { "order \($0)" } ?? label
        diagnostics.append(.error("\(who): \(message)", at: location, keyPath: path.isEmpty ? nil : path, code: "invalid-order"))
    }

    /// `path.key`, or `key` at the top level; only worked out for a message (this runs for every field of every order).
    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func string(_ object: JSONObject, _ key: String, _ pathText: @autoclosure () -> String, required: Bool = true) -> String? {
        var path: String { pathText() }
        switch object[key] {
        case .string(let s)?:
            if required && s.isEmpty { let full = Self.join(path, key); fail("\(full) must not be empty", full) }
            return s
        case nil, .null?:
            if required { let full = Self.join(path, key); fail("\(full) is missing; every order needs it", full) }
            return nil
        case .number(let n)?:
            // Marketplace ids are often exported as numbers; keep their digits as text.
            if n.allSatisfy(\.isNumber) { return n }
            let full = Self.join(path, key)
            fail("\(full) must be a string, found the number \(n)", full)
            return nil
        case let other?:
            let full = Self.join(path, key)
            fail("\(full) must be a string, found \(other.typeName)", full)
            return nil
        }
    }

    mutating func money(_ object: JSONObject, _ key: String, _ pathText: @autoclosure () -> String, required: Bool = false, allowNegative: Bool = false) -> Money? {
        var path: String { pathText() }
        var full: String { Self.join(path, key) }
        switch object[key] {
        case .string(let text)?:
            guard let money = Money(parsing: text) else {
                fail("\(full) is \"\(text)\", not an amount; write a decimal string with a point and at most two decimals, e.g. \"1200.00\"", full)
                return nil
            }
            if money.isNegative && !allowNegative {
                fail("\(full) is negative (\(text)); amounts in an order are positive", full)
                return nil
            }
            return money
        case nil, .null?:
            if required { fail("\(full) is missing", full) }
            return required ? nil : .zero
        case .number(let n)?:
            let example = FixedDecimal(parsing: n, maxScale: 2).map { Money(minorUnits: $0.scaled(to: 2)).description } ?? "12.50"
            fail("\(full) is the number \(n); money must be a decimal string like \"\(example)\" so no precision is lost", full)
            return nil
        case let other?:
            fail("\(full) must be a decimal string, found \(other.typeName)", full)
            return nil
        }
    }

    mutating func bool(_ object: JSONObject?, _ key: String, _ pathText: @autoclosure () -> String) -> Bool? {
        var path: String { pathText() }
        var full: String { "\(path).\(key)" }
        switch object?[key] {
        case .bool(let b)?: return b
        case nil, .null?: return nil
        case let other?:
            fail("\(full) must be true or false, found \(other.typeName)", full)
            return nil
        }
    }

    mutating func integer(_ value: JSONValue?, _ pathText: @autoclosure () -> String) -> Int? {
        var path: String { pathText() }
        switch value {
        case .number(let text)?:
            guard let n = Int(text) else {
                fail("\(path) must be a whole number, found \(text)", path)
                return nil
            }
            return n
        case .string(let text)?:
            fail("\(path) must be a number, found the string \"\(text)\"", path)
            return nil
        case nil, .null?:
            fail("\(path) is missing", path)
            return nil
        case let other?:
            fail("\(path) must be a whole number, found \(other.typeName)", path)
            return nil
        }
    }

    mutating func timestamp(_ object: JSONObject?, _ key: String, required: Bool) -> Timestamp? {
        var full: String { "dates.\(key)" }
        switch object?[key] {
        case .string(let text)?:
            guard let stamp = Timestamp(parsing: text) else {
                fail("\(full) is \"\(text)\", not an ISO-8601 time with offset like 2025-09-15T10:21:00+08:00", full)
                return nil
            }
            return stamp
        case nil, .null?:
            if required { fail("\(full) is missing; every order needs its order date", full) }
            return nil
        case let other?:
            fail("\(full) must be a string, found \(other.typeName)", full)
            return nil
        }
    }

    mutating func order(_ object: JSONObject) -> Order? {
        let id = string(object, "id", "")
        let orderNumber = string(object, "order_number", "")
        var channel: Channel?
        if let name = string(object, "channel", "") {
            channel = Channel(rawValue: name)
            if channel == nil {
                var message = "channel '\(name)' is not one of \(Channel.allCases.map(\.rawValue).joined(separator: ", "))"
                if let guess = Suggest.closest(to: name, in: Channel.allCases.map(\.rawValue)) { message += " (did you mean '\(guess)'?)" }
                fail(message + "; map it in the importer or use 'other'", "channel")
            }
        }
        let store = string(object, "store", "")
        let currencyText = string(object, "currency", "", required: false) ?? "MYR"
        if currencyText.count != 3 { fail("currency '\(currencyText)' is not a 3-letter ISO code", "currency") }
        var status: OrderStatus?
        if let name = string(object, "status", "") {
            status = OrderStatus(rawValue: name)
            if status == nil { fail("status '\(name)' is not one of \(OrderStatus.allCases.map(\.rawValue).joined(separator: ", "))", "status") }
        }

        var dates: OrderDates?
        switch object["dates"] {
        case .object(let d)?:
            let ordered = timestamp(d, "ordered", required: true)
            let paid = timestamp(d, "paid", required: false)
            let shipped = timestamp(d, "shipped", required: false)
            let completed = timestamp(d, "completed", required: false)
            if let ordered { dates = OrderDates(ordered: ordered, paid: paid, shipped: shipped, completed: completed) }
        case let other:
            fail("dates must be an object with at least \"ordered\", found \(other?.typeName ?? "nothing")", "dates")
        }

        let flags = object["flags"]?.objectValue
        let isSample = bool(flags, "sample", "flags") ?? false
        let isCOD = bool(flags, "cod", "flags") ?? false
        let einvoiceIssuedByPlatform = bool(flags, "einvoice_issued_by_platform", "flags") ?? false

        var buyer = Buyer()
        if let b = object["buyer"]?.objectValue {
            buyer.name = optionalText(b, "name", "buyer")
            buyer.email = optionalText(b, "email", "buyer")
            buyer.phone = optionalText(b, "phone", "buyer")
            if let a = b["address"]?.objectValue {
                buyer.address = Address(line1: optionalText(a, "line1", "buyer.address"), line2: optionalText(a, "line2", "buyer.address"),
                                        city: optionalText(a, "city", "buyer.address"), state: optionalText(a, "state", "buyer.address"),
                                        postcode: optionalText(a, "postcode", "buyer.address"), country: optionalText(a, "country", "buyer.address"))
            }
            switch b["einvoice"] {
            case nil, .null?: break
            case .object(let e)?: buyer.einvoice = buyerEInvoice(e)
            case let other?:
                // Unlike a stray `address`, not ignored: dropping it would quietly lose the buyer's e-invoice request.
                fail("buyer.einvoice must be an object {requested, tin, id_type, id_value, sst_number}, found \(other.typeName)", "buyer.einvoice")
            }
        }

        var lines: [OrderLine] = []
        switch object["lines"] {
        case .array(let items)?:
            if items.isEmpty { fail("lines is empty; an order needs at least one line", "lines") }
            for (index, item) in items.enumerated() {
                if let line = orderLine(item, "lines[\(index)]") { lines.append(line) }
            }
        case let other:
            fail("lines must be an array of order lines, found \(other?.typeName ?? "nothing")", "lines")
        }

        var shipping = ShippingCharge()
        if let s = object["shipping"]?.objectValue {
            shipping.fee = money(s, "fee", "shipping") ?? .zero
            shipping.sellerDiscount = money(s, "seller_discount", "shipping") ?? .zero
            shipping.platformDiscount = money(s, "platform_discount", "shipping") ?? .zero
        }
        var vouchers = Vouchers()
        if let v = object["vouchers"]?.objectValue {
            vouchers.seller = money(v, "seller", "vouchers") ?? .zero
            vouchers.platform = money(v, "platform", "vouchers") ?? .zero
            vouchers.coins = money(v, "coins", "vouchers") ?? .zero
        }
        let pricesIncludeTax = bool(object["tax"]?.objectValue, "prices_include_tax", "tax")
        var taxCharged: Money?
        if let t = object["tax"]?.objectValue, let value = t["charged"], !value.isNull { taxCharged = money(t, "charged", "tax") }
        var paymentMethod: String?
        var buyerPaid: Money?
        if let p = object["payment"]?.objectValue {
            paymentMethod = optionalText(p, "method", "payment")
            if let value = p["buyer_paid"], !value.isNull { buyerPaid = money(p, "buyer_paid", "payment") }
        }
        var exchangeRate: String?
        switch object["exchange_rate"] {
        case nil, .null?: break
        case .string(let text)?, .number(let text)?:
            if let rate = FixedDecimal(parsing: text, maxScale: 8), rate.units > 0 {
                exchangeRate = text
            } else {
                fail("exchange_rate \(text) is not a positive decimal like \"3.1250\"", "exchange_rate")
            }
        case let other?:
            fail("exchange_rate must be a decimal string, found \(other.typeName)", "exchange_rate")
        }

        var returns: [OrderReturn] = []
        switch object["returns"] {
        case nil, .null?: break
        case .array(let items)?:
            // Lines that failed to decode shift the indices: check returns only against a complete set of lines.
            if diagnostics.isEmpty { returns = orderReturns(items, lines: lines) }
        case let other?:
            fail("returns must be an array of return events, found \(other.typeName)", "returns")
        }

        guard let id, let orderNumber, let channel, let store, let status, let dates, diagnostics.isEmpty else { return nil }
        var order = Order(id: id, orderNumber: orderNumber, channel: channel, store: store, currency: currencyText, status: status,
                          dates: dates, isSample: isSample, isCOD: isCOD, einvoiceIssuedByPlatform: einvoiceIssuedByPlatform, buyer: buyer, lines: lines, shipping: shipping,
                          vouchers: vouchers, pricesIncludeTax: pricesIncludeTax, taxCharged: taxCharged, paymentMethod: paymentMethod,
                          buyerPaid: buyerPaid, exchangeRate: exchangeRate)
        order.returns = returns
        return order
    }

    /// `returns[]`: each event's returned lines resolved to order lines (by `line` index, else by a SKU that is on one
    /// line only), and no line returned more often than it was sold, over all events together.
    mutating func orderReturns(_ items: [JSONValue], lines: [OrderLine]) -> [OrderReturn] {
        var events: [OrderReturn] = []
        var seenIDs: [String: Int] = [:]
        var returned = Array(repeating: 0, count: lines.count)
        for (index, item) in items.enumerated() {
            let path = "returns[\(index)]"
            guard case .object(let object) = item else {
                fail("\(path) must be an object {id, date, lines, …}, found \(item.typeName)", path)
                continue
            }
            let before = diagnostics.count
            let id = string(object, "id", path)
            if let id, !id.isEmpty {
                if let first = seenIDs[id] {
                    fail("\(path).id '\(id)' is also returns[\(first)]'s id; each return needs its own id (the channel's return or refund id), so each is credited once", "\(path).id")
                } else {
                    seenIDs[id] = index
                }
            }
            var date: Timestamp?
            switch object["date"] {
            case .string(let text)?:
                date = Timestamp(parsing: text)
                if date == nil { fail("\(path).date is \"\(text)\", not an ISO-8601 time with offset like 2025-09-20T14:00:00+08:00", "\(path).date") }
            case nil, .null?:
                fail("\(path).date is missing; a return needs the date it was refunded (the credit note's date)", "\(path).date")
            case let other?:
                fail("\(path).date must be a string, found \(other.typeName)", "\(path).date")
            }
            let reason = optionalText(object, "reason", path)
            var returnedLines: [ReturnedLine] = []
            switch object["lines"] {
            case nil, .null?: break
            case .array(let rows)?:
                for (rowIndex, row) in rows.enumerated() {
                    if let line = returnedLine(row, "\(path).lines[\(rowIndex)]", lines: lines) {
                        returned[line.line] += line.qty
                        if returned[line.line] > lines[line.line].qty {
                            fail("\(path).lines[\(rowIndex)] returns \(line.qty) of SKU '\(lines[line.line].sku)' (lines[\(line.line)]); with the returns before it that is \(returned[line.line]) units, but the order sold \(lines[line.line].qty)", "\(path).lines[\(rowIndex)].qty")
                        }
                        returnedLines.append(line)
                    }
                }
            case let other?:
                fail("\(path).lines must be an array of {sku, qty, amount}, found \(other.typeName)", "\(path).lines")
            }
            let shipping = money(object, "shipping", path) ?? .zero
            let voucher = money(object, "voucher", path) ?? .zero
            var others: [OtherRefund] = []
            switch object["other"] {
            case nil, .null?: break
            case .array(let rows)?:
                for (rowIndex, row) in rows.enumerated() {
                    let rowPath = "\(path).other[\(rowIndex)]"
                    guard case .object(let fields) = row else {
                        fail("\(rowPath) must be an object {description, amount}, found \(row.typeName)", rowPath)
                        continue
                    }
                    let description = string(fields, "description", rowPath)
                    let amount = money(fields, "amount", rowPath, required: true)
                    if let amount, amount == .zero { fail("\(rowPath).amount is 0.00; leave the refund out instead", "\(rowPath).amount") }
                    if let description, let amount { others.append(OtherRefund(description: description, amount: amount)) }
                }
            case let other?:
                fail("\(path).other must be an array of {description, amount}, found \(other.typeName)", "\(path).other")
            }
            var tax: Money?
            if let value = object["tax"], !value.isNull { tax = money(object, "tax", path) }
            var refunded: Money?
            if let value = object["refunded"], !value.isNull { refunded = money(object, "refunded", path) }
            if returnedLines.isEmpty && shipping == .zero && others.isEmpty && diagnostics.count == before {
                fail("\(path) returns no goods and refunds no shipping or other amount; give lines, shipping or other", path)
            }
            guard diagnostics.count == before, let id, let date else { continue }
            events.append(OrderReturn(id: id, date: date, reason: reason, lines: returnedLines, shipping: shipping, voucher: voucher,
                                      other: others, tax: tax, refunded: refunded))
        }
        return events
    }

    /// One row of a return's `lines`: the order line it names, how many units, and what is credited for them.
    mutating func returnedLine(_ value: JSONValue, _ path: String, lines: [OrderLine]) -> ReturnedLine? {
        guard case .object(let object) = value else {
            fail("\(path) must be an object {sku, qty, amount}, found \(value.typeName)", path)
            return nil
        }
        let before = diagnostics.count
        let sku = optionalText(object, "sku", path)
        var lineIndex: Int?
        if let given = object["line"], !given.isNull {
            if let index = integer(given, "\(path).line") {
                if lines.indices.contains(index) {
                    lineIndex = index
                    if let sku, lines[index].sku != sku {
                        fail("\(path) names lines[\(index)], whose SKU is '\(lines[index].sku)', not '\(sku)'", "\(path).sku")
                    }
                } else {
                    fail("\(path).line is \(index), but the order has lines[0]…lines[\(lines.count - 1)]", "\(path).line")
                }
            }
        } else if let sku {
            let matches = lines.indices.filter { lines[$0].sku == sku }
            switch matches.count {
            case 1: lineIndex = matches[0]
            case 0:
                var message = "\(path).sku '\(sku)' is not on any line of the order"
                if let guess = Suggest.closest(to: sku, in: lines.map(\.sku)) { message += " (did you mean '\(guess)'?)" }
                fail(message, "\(path).sku")
            default:
                fail("\(path).sku '\(sku)' is on lines \(matches.map { "[\($0)]" }.joined(separator: ", ")); add \"line\": N to say which", "\(path).sku")
            }
        } else {
            fail("\(path) needs the sku (or the line index) of the returned line", "\(path).sku")
        }
        let qty = integer(object["qty"], "\(path).qty")
        if let qty, qty <= 0 { fail("\(path).qty is \(qty); a return takes back at least 1 unit", "\(path).qty") }
        var amount: Money?
        if let value = object["amount"], !value.isNull { amount = money(object, "amount", path) }
        if let amount, let qty, qty > 0, let lineIndex {
            let gross = lines[lineIndex].unitPrice * qty
            if amount > gross {
                fail("\(path).amount \(amount) is more than the \(qty) unit\(qty == 1 ? "" : "s") sold for (\(qty) × \(lines[lineIndex].unitPrice) = \(gross)); refund the rest under other", "\(path).amount")
            }
        }
        guard diagnostics.count == before, let lineIndex, let qty else { return nil }
        return ReturnedLine(line: lineIndex, qty: qty, amount: amount)
    }

    /// `buyer.einvoice`: only the types and the ID type are checked here; TIN formats are the transform's to judge.
    mutating func buyerEInvoice(_ object: JSONObject) -> BuyerEInvoice {
        let path = "buyer.einvoice"
        var einvoice = BuyerEInvoice(requested: bool(object, "requested", path) ?? false)
        einvoice.tin = einvoiceText(object, "tin")
        einvoice.idValue = einvoiceText(object, "id_value")
        einvoice.sstNumber = einvoiceText(object, "sst_number")
        if let text = einvoiceText(object, "id_type") {
            einvoice.idType = EInvoiceIDType(caseInsensitive: text)
            if einvoice.idType == nil {
                let names = EInvoiceIDType.allCases.map(\.rawValue)
                var message = "\(path).id_type '\(text)' is not one of \(names.joined(separator: ", "))"
                if let guess = Suggest.closest(to: text.uppercased(), in: names) { message += " (did you mean '\(guess)'?)" }
                fail(message + "; a MyKad number is NRIC, a business registration number BRN", "\(path).id_type")
            }
        }
        return einvoice
    }

    /// A text field of `buyer.einvoice`: a string, with "" read as not given, or null. Unlike other text fields a
    /// number is refused: an ID or TIN read from a number has already lost its leading zeros (an NRIC of someone
    /// born in 2005 starts with 0), and the e-invoice would name the wrong person.
    mutating func einvoiceText(_ object: JSONObject, _ key: String) -> String? {
        switch object[key] {
        case .string(let s)?: return s.isEmpty ? nil : s
        case nil, .null?: return nil
        case .number(let n)?:
            fail("buyer.einvoice.\(key) must be a string, found the number \(n); write it in quotes, exactly as on the document, so no leading zero is lost", "buyer.einvoice.\(key)")
            return nil
        case let other?:
            fail("buyer.einvoice.\(key) must be a string, found \(other.typeName)", "buyer.einvoice.\(key)")
            return nil
        }
    }

    mutating func optionalText(_ object: JSONObject, _ key: String, _ pathText: @autoclosure () -> String) -> String? {
        var path: String { pathText() }
        switch object[key] {
        case .string(let s)?: return s
        case .number(let n)?: return n
        case nil, .null?: return nil
        case let other?:
            fail("\(path).\(key) must be a string, found \(other.typeName)", "\(path).\(key)")
            return nil
        }
    }

    mutating func orderLine(_ value: JSONValue, _ pathText: @autoclosure () -> String) -> OrderLine? {
        var path: String { pathText() }
        guard case .object(let object) = value else {
            fail("\(path) must be an object, found \(value.typeName)", path)
            return nil
        }
        let before = diagnostics.count
        let sku = string(object, "sku", path)
        let name = string(object, "name", path, required: false) ?? ""
        let variation = optionalText(object, "variation", path)
        let qty = integer(object["qty"], "\(path).qty")
        if let qty, qty <= 0 { fail("\(path).qty is \(qty); quantities must be at least 1 (returned units go in returns[])", "\(path).qty") }
        let unitPrice = money(object, "unit_price", path, required: true)
        let sellerDiscount = money(object, "seller_discount", path)
        let platformDiscount = money(object, "platform_discount", path)
        var serials: [String] = []
        switch object["serial_numbers"] {
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                if case .string(let s) = item { serials.append(s) } else { fail("\(path).serial_numbers[\(index)] must be a string", "\(path).serial_numbers[\(index)]") }
            }
        case nil, .null?: break
        case let other?: fail("\(path).serial_numbers must be an array of strings, found \(other.typeName)", "\(path).serial_numbers")
        }
        var bundle: [BundleComponent] = []
        switch object["bundle"] {
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                let componentPath = "\(path).bundle[\(index)]"
                guard case .object(let c) = item else {
                    fail("\(componentPath) must be an object {sku, name, qty}", componentPath)
                    continue
                }
                let componentSKU = string(c, "sku", componentPath)
                let componentName = string(c, "name", componentPath, required: false) ?? ""
                let componentQty = integer(c["qty"], "\(componentPath).qty")
                if let componentQty, componentQty <= 0 { fail("\(componentPath).qty must be at least 1", "\(componentPath).qty") }
                if let componentSKU, let componentQty { bundle.append(BundleComponent(sku: componentSKU, name: componentName, qty: componentQty)) }
            }
        case nil, .null?: break
        case let other?: fail("\(path).bundle must be an array of components or null, found \(other.typeName)", "\(path).bundle")
        }
        guard diagnostics.count == before, let sku, let qty, let unitPrice else { return nil }
        return OrderLine(sku: sku, name: name, variation: variation, qty: qty, unitPrice: unitPrice,
                         sellerDiscount: sellerDiscount ?? .zero, platformDiscount: platformDiscount ?? .zero,
                         serialNumbers: serials, bundle: bundle)
    }
}
