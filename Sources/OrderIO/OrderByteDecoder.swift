import LedgerCore
import LedgerJSON

/// Reads one canonical order straight from its JSON bytes into `Order`, without the `JSONValue` tree in between:
/// building that tree (a String per key, an array per object, retain and release of every value) only to look each
/// key up once was most of the transform's reading thread (issue 13).
///
/// Only a well-formed order in the usual shape is taken here. At anything else — any field `OrderDecoder` would
/// reject or complain about, an escaped key, a `returns` list, invalid JSON — `decode` gives up and returns nil, and
/// the record goes the full way (`JSONParser`, then `OrderDecoder`), the one place that explains problems. So this
/// must never accept a record the full way rejects, nor build a different order: each rule below is the success
/// case of the matching `DecodeContext` rule, and the differential tests in LedgerCoreTests hold the two together.
///
/// A key given twice counts with its last value, as in `JSONObject`: every member overwrites what an earlier one
/// with the same key set (whole sub-objects included), and the required-field checks run after the object.
enum OrderByteDecoder {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Order? {
        var reader = OrderBytesReader(scanner: JSONByteScanner(bytes: bytes, maxDepth: maxDepth))
        do throws(JSONByteScanner.Mismatch) {
            let order = try reader.order()
            try reader.scanner.finish()
            return order
        } catch {
            return nil
        }
    }
}

private typealias Mismatch = JSONByteScanner.Mismatch

private struct OrderBytesReader {
    var scanner: JSONByteScanner

    mutating func order() throws(Mismatch) -> Order {
        var id: String?
        var orderNumber: String?
        var channel: Channel?
        var store: String?
        var currency: String?
        var status: OrderStatus?
        var dates: OrderDates?
        var isSample = false
        var isCOD = false
        var einvoiceIssuedByPlatform = false
        var buyer = Buyer()
        var lines: [OrderLine]?
        var shipping = ShippingCharge()
        var vouchers = Vouchers()
        var pricesIncludeTax: Bool?
        var taxCharged: Money?
        var paymentMethod: String?
        var buyerPaid: Money?
        var exchangeRate: String?

        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "id": id = try requiredText()
            case "order_number": orderNumber = try requiredText()
            case "channel":
                guard let known = Channel(rawValue: try requiredText()) else { throw Mismatch() }
                channel = known
            case "store": store = try requiredText()
            case "currency": currency = try optionalPlainText()
            case "status":
                guard let known = OrderStatus(rawValue: try requiredText()) else { throw Mismatch() }
                status = known
            case "dates": dates = try orderDates()
            case "flags":
                (isSample, isCOD, einvoiceIssuedByPlatform) = (false, false, false)
                guard try enterObject() else { continue }
                while let key = try scanner.nextKey() {
                    switch key {
                    case "sample": isSample = try optionalBool() ?? false
                    case "cod": isCOD = try optionalBool() ?? false
                    case "einvoice_issued_by_platform": einvoiceIssuedByPlatform = try optionalBool() ?? false
                    default: try scanner.skipValue()
                    }
                }
            case "buyer": buyer = try orderBuyer()
            case "lines": lines = try orderLines()
            case "shipping":
                shipping = ShippingCharge()
                guard try enterObject() else { continue }
                while let key = try scanner.nextKey() {
                    switch key {
                    case "fee": shipping.fee = try money()
                    case "seller_discount": shipping.sellerDiscount = try money()
                    case "platform_discount": shipping.platformDiscount = try money()
                    default: try scanner.skipValue()
                    }
                }
            case "vouchers":
                vouchers = Vouchers()
                guard try enterObject() else { continue }
                while let key = try scanner.nextKey() {
                    switch key {
                    case "seller": vouchers.seller = try money()
                    case "platform": vouchers.platform = try money()
                    case "coins": vouchers.coins = try money()
                    default: try scanner.skipValue()
                    }
                }
            case "tax":
                (pricesIncludeTax, taxCharged) = (nil, nil)
                guard try enterObject() else { continue }
                while let key = try scanner.nextKey() {
                    switch key {
                    case "prices_include_tax": pricesIncludeTax = try optionalBool()
                    case "charged": taxCharged = try optionalMoney()
                    default: try scanner.skipValue()
                    }
                }
            case "payment":
                (paymentMethod, buyerPaid) = (nil, nil)
                guard try enterObject() else { continue }
                while let key = try scanner.nextKey() {
                    switch key {
                    case "method": paymentMethod = try optionalText()
                    case "buyer_paid": buyerPaid = try optionalMoney()
                    default: try scanner.skipValue()
                    }
                }
            case "exchange_rate": exchangeRate = try optionalExchangeRate()
            case "returns":
                // Returns are rare and checked against the decoded lines: the full way handles them.
                try scanner.readNull()
            default:
                try scanner.skipValue()
            }
        }

        let currencyText = currency ?? "MYR"
        guard let id, let orderNumber, let channel, let store, let status, let dates, let lines,
              currencyText.count == 3 else { throw Mismatch() }
        return Order(id: id, orderNumber: orderNumber, channel: channel, store: store, currency: currencyText,
                     status: status, dates: dates, isSample: isSample, isCOD: isCOD,
                     einvoiceIssuedByPlatform: einvoiceIssuedByPlatform, buyer: buyer, lines: lines,
                     shipping: shipping, vouchers: vouchers, pricesIncludeTax: pricesIncludeTax, taxCharged: taxCharged,
                     paymentMethod: paymentMethod, buyerPaid: buyerPaid, exchangeRate: exchangeRate)
    }

    /// `dates` must be an object with a valid `ordered`.
    mutating func orderDates() throws(Mismatch) -> OrderDates {
        var ordered: Timestamp?
        var paid: Timestamp?
        var shipped: Timestamp?
        var completed: Timestamp?
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "ordered": ordered = try optionalTimestamp()
            case "paid": paid = try optionalTimestamp()
            case "shipped": shipped = try optionalTimestamp()
            case "completed": completed = try optionalTimestamp()
            default: try scanner.skipValue()
            }
        }
        guard let ordered else { throw Mismatch() }
        return OrderDates(ordered: ordered, paid: paid, shipped: shipped, completed: completed)
    }

    /// A `buyer` that is not an object is ignored, as is an `address` that is not one; an `einvoice` that is neither an
    /// object nor null is the full decoder's to refuse.
    mutating func orderBuyer() throws(Mismatch) -> Buyer {
        var buyer = Buyer()
        guard try enterObject() else { return buyer }
        while let key = try scanner.nextKey() {
            switch key {
            case "name": buyer.name = try optionalText()
            case "email": buyer.email = try optionalText()
            case "phone": buyer.phone = try optionalText()
            case "address":
                buyer.address = nil
                guard try enterObject() else { continue }
                var address = Address()
                while let key = try scanner.nextKey() {
                    switch key {
                    case "line1": address.line1 = try optionalText()
                    case "line2": address.line2 = try optionalText()
                    case "city": address.city = try optionalText()
                    case "state": address.state = try optionalText()
                    case "postcode": address.postcode = try optionalText()
                    case "country": address.country = try optionalText()
                    default: try scanner.skipValue()
                    }
                }
                buyer.address = address
            case "einvoice": buyer.einvoice = try optionalEInvoice()
            default:
                try scanner.skipValue()
            }
        }
        return buyer
    }

    /// `buyerEInvoice`: an object, or null for none.
    mutating func optionalEInvoice() throws(Mismatch) -> BuyerEInvoice? {
        switch try scanner.peekKind() {
        case .null:
            try scanner.readNull()
            return nil
        case .object: try scanner.beginObject()
        default: throw Mismatch()
        }
        var einvoice = BuyerEInvoice()
        while let key = try scanner.nextKey() {
            switch key {
            case "requested": einvoice.requested = try optionalBool() ?? false
            case "tin": einvoice.tin = try einvoiceText()
            case "id_value": einvoice.idValue = try einvoiceText()
            case "sst_number": einvoice.sstNumber = try einvoiceText()
            case "id_type":
                einvoice.idType = nil
                guard let text = try einvoiceText() else { continue }
                guard let known = EInvoiceIDType(caseInsensitive: text) else { throw Mismatch() }
                einvoice.idType = known
            default: try scanner.skipValue()
            }
        }
        return einvoice
    }

    /// `einvoiceText`: a string ("" as not given) or null; a number is the full decoder's to refuse.
    mutating func einvoiceText() throws(Mismatch) -> String? {
        switch try scanner.peekKind() {
        case .string:
            let text = try scanner.readString()
            return text.isEmpty ? nil : text
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    /// `lines` must be a non-empty array of order lines.
    mutating func orderLines() throws(Mismatch) -> [OrderLine] {
        var lines: [OrderLine] = []
        try scanner.beginArray()
        while try scanner.nextElement() { lines.append(try orderLine()) }
        guard !lines.isEmpty else { throw Mismatch() }
        return lines
    }

    mutating func orderLine() throws(Mismatch) -> OrderLine {
        var sku: String?
        var name: String?
        var variation: String?
        var qty: Int?
        var unitPrice: Money?
        var sellerDiscount = Money.zero
        var platformDiscount = Money.zero
        var serialNumbers: [String] = []
        var bundle: [BundleComponent] = []
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "sku": sku = try requiredText()
            case "name": name = try optionalPlainText()
            case "variation": variation = try optionalText()
            case "qty": qty = try positiveInteger()
            case "unit_price": unitPrice = try optionalMoney()
            case "seller_discount": sellerDiscount = try money()
            case "platform_discount": platformDiscount = try money()
            case "serial_numbers":
                serialNumbers = []
                if try scanner.peekKind() == .null {
                    try scanner.readNull()
                    continue
                }
                try scanner.beginArray()
                while try scanner.nextElement() { serialNumbers.append(try scanner.readString()) }
            case "bundle":
                bundle = []
                if try scanner.peekKind() == .null {
                    try scanner.readNull()
                    continue
                }
                try scanner.beginArray()
                while try scanner.nextElement() { bundle.append(try bundleComponent()) }
            default:
                try scanner.skipValue()
            }
        }
        guard let sku, let qty, let unitPrice else { throw Mismatch() }
        return OrderLine(sku: sku, name: name ?? "", variation: variation, qty: qty, unitPrice: unitPrice,
                         sellerDiscount: sellerDiscount, platformDiscount: platformDiscount,
                         serialNumbers: serialNumbers, bundle: bundle)
    }

    mutating func bundleComponent() throws(Mismatch) -> BundleComponent {
        var sku: String?
        var name: String?
        var qty: Int?
        try scanner.beginObject()
        while let key = try scanner.nextKey() {
            switch key {
            case "sku": sku = try requiredText()
            case "name": name = try optionalPlainText()
            case "qty": qty = try positiveInteger()
            default: try scanner.skipValue()
            }
        }
        guard let sku, let qty else { throw Mismatch() }
        return BundleComponent(sku: sku, name: name ?? "", qty: qty)
    }

    // MARK: Field rules (each the success case of the `DecodeContext` rule named)

    /// `string(required: true)`: a non-empty string, or a number of digits only (ids exported as numbers) as text.
    /// Enters the object that comes next; skips any other value (null is an absent object, and anything else is the
    /// full decoder's to explain) and returns false.
    mutating func enterObject() throws(Mismatch) -> Bool {
        guard try scanner.peekKind() == .object else {
            try scanner.skipValue()
            return false
        }
        try scanner.beginObject()
        return true
    }

    mutating func requiredText() throws(Mismatch) -> String {
        switch try scanner.peekKind() {
        case .string:
            let text = try scanner.readString()
            guard !text.isEmpty else { throw Mismatch() }
            return text
        case .number: return try digitsNumberText()
        default: throw Mismatch()
        }
    }

    /// `string(required: false)`: any string, a number of digits only as text, or null.
    mutating func optionalPlainText() throws(Mismatch) -> String? {
        switch try scanner.peekKind() {
        case .string: return try scanner.readString()
        case .number: return try digitsNumberText()
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    /// `optionalText`: any string, any number as written, or null.
    mutating func optionalText() throws(Mismatch) -> String? {
        switch try scanner.peekKind() {
        case .string: return try scanner.readString()
        case .number: return try scanner.readNumberText()
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    private mutating func digitsNumberText() throws(Mismatch) -> String {
        let text = try scanner.readNumberText()
        // ASCII digits are all a JSON number can hold of what `Character.isNumber` accepts.
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { throw Mismatch() }
        return text
    }

    /// `money(required: false)`: a non-negative decimal string, or null for zero.
    mutating func money() throws(Mismatch) -> Money {
        try optionalMoney() ?? .zero
    }

    /// `money` where null means "not given": a non-negative decimal string, or null.
    mutating func optionalMoney() throws(Mismatch) -> Money? {
        switch try scanner.peekKind() {
        case .string:
            guard let money = Money(parsing: try scanner.readString()), !money.isNegative else { throw Mismatch() }
            return money
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    /// `bool`: true, false, or null.
    mutating func optionalBool() throws(Mismatch) -> Bool? {
        switch try scanner.peekKind() {
        case .bool: return try scanner.readBool()
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    /// `integer` for a quantity: a whole number of at least 1.
    mutating func positiveInteger() throws(Mismatch) -> Int {
        guard let value = Int(try scanner.readNumberText()), value > 0 else { throw Mismatch() }
        return value
    }

    /// `timestamp`: an ISO-8601 time with offset, or null.
    mutating func optionalTimestamp() throws(Mismatch) -> Timestamp? {
        switch try scanner.peekKind() {
        case .string:
            guard let stamp = Timestamp(parsing: try scanner.readString()) else { throw Mismatch() }
            return stamp
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
    }

    /// `exchange_rate`: a positive decimal (string or number) of at most 8 decimals, kept as written, or null.
    mutating func optionalExchangeRate() throws(Mismatch) -> String? {
        let text: String
        switch try scanner.peekKind() {
        case .string: text = try scanner.readString()
        case .number: text = try scanner.readNumberText()
        case .null:
            try scanner.readNull()
            return nil
        default: throw Mismatch()
        }
        guard let rate = FixedDecimal(parsing: text, maxScale: 8), rate.units > 0 else { throw Mismatch() }
        return text
    }
}
