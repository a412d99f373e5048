/// The sales channels an order can come from (product spec §3).
public enum Channel: String, CaseIterable, Hashable, Sendable {
    case shopee, lazada, tiktok, zalora, shopify, woocommerce, webstore, pos, other
}

/// Order lifecycle states in the canonical order format.
public enum OrderStatus: String, CaseIterable, Hashable, Sendable {
    case unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned
}

/// Which order date a document date comes from.
public enum OrderDateKind: String, CaseIterable, Hashable, Sendable {
    case ordered, paid, shipped, completed
}

/// A canonical order: what every channel importer maps into (product spec §3).
public struct Order: Equatable, Sendable {
    public var id: String
    public var orderNumber: String
    public var channel: Channel
    public var store: String
    public var currency: String
    public var status: OrderStatus
    public var dates: OrderDates
    public var isSample: Bool
    public var isCOD: Bool
    /// `flags.einvoice_issued_by_platform`: the marketplace (Shopee MY) issues the buyer's e-invoice on the seller's
    /// behalf, so the seller must not report the sale to MyInvois a second time.
    public var einvoiceIssuedByPlatform: Bool
    public var buyer: Buyer
    public var lines: [OrderLine]
    public var shipping: ShippingCharge
    public var vouchers: Vouchers
    /// nil when the order does not say; the pack's store or default setting decides then.
    public var pricesIncludeTax: Bool?
    /// The tax the buyer was charged, as the channel reports it (`tax.charged`): on prices that exclude tax it
    /// comes on top and is part of what the buyer paid; on prices that include tax it is the part of them that is tax.
    public var taxCharged: Money?
    public var paymentMethod: String?
    public var buyerPaid: Money?
    /// An exchange rate the channel supplied for a foreign-currency order, as written.
    public var exchangeRate: String?
    /// Returns and refunds after the sale, oldest first; each becomes its own credit note.
    public var returns: [OrderReturn] = []

    public init(id: String, orderNumber: String, channel: Channel, store: String, currency: String,
                status: OrderStatus, dates: OrderDates, isSample: Bool = false, isCOD: Bool = false,
                einvoiceIssuedByPlatform: Bool = false, buyer: Buyer = Buyer(), lines: [OrderLine], shipping: ShippingCharge = ShippingCharge(),
                vouchers: Vouchers = Vouchers(), pricesIncludeTax: Bool? = nil, taxCharged: Money? = nil, paymentMethod: String? = nil,
                buyerPaid: Money? = nil, exchangeRate: String? = nil) {
        self.id = id
        self.orderNumber = orderNumber
        self.channel = channel
        self.store = store
        self.currency = currency
        self.status = status
        self.dates = dates
        self.isSample = isSample
        self.isCOD = isCOD
        self.einvoiceIssuedByPlatform = einvoiceIssuedByPlatform
        self.buyer = buyer
        self.lines = lines
        self.shipping = shipping
        self.vouchers = vouchers
        self.pricesIncludeTax = pricesIncludeTax
        self.taxCharged = taxCharged
        self.paymentMethod = paymentMethod
        self.buyerPaid = buyerPaid
        self.exchangeRate = exchangeRate
    }

    /// Units of line `index` that all the returns together take back.
    public func returnedQuantity(ofLine index: Int) -> Int {
        returns.reduce(0) { total, event in total + event.lines.filter { $0.line == index }.reduce(0) { $0 + $1.qty } }
    }

    /// Every unit of every line is returned (the goods are all back; shipping may or may not be refunded).
    public var isFullyReturned: Bool {
        !returns.isEmpty && lines.indices.allSatisfy { returnedQuantity(ofLine: $0) >= lines[$0].qty }
    }

    /// Σ(qty × unit price − seller discount): what the seller earns on the goods.
    public var sellerLineRevenue: Money { lines.reduce(.zero) { $0 + $1.sellerRevenue } }

    /// The seller's revenue on the order: line revenue less seller vouchers (shipping excluded).
    public var sellerRevenue: Money { sellerLineRevenue - vouchers.seller }

    /// What the buyer paid according to the money rule (Docs/OrderFormat.md), given whether prices include tax:
    /// on prices that exclude it, the tax charged comes on top.
    public func computedBuyerPaid(pricesIncludeTax: Bool) -> Money {
        computedBuyerPaid + (pricesIncludeTax ? .zero : taxCharged ?? .zero)
    }

    /// The money rule without tax: goods less discounts, vouchers and coins, plus shipping less its discounts.
    public var computedBuyerPaid: Money {
        lines.reduce(.zero) { $0 + $1.sellerRevenue - $1.platformDiscount }
            - vouchers.seller - vouchers.platform - vouchers.coins
            + shipping.fee - shipping.sellerDiscount - shipping.platformDiscount
    }
}

public struct OrderDates: Equatable, Sendable {
    public var ordered: Timestamp
    public var paid: Timestamp?
    public var shipped: Timestamp?
    public var completed: Timestamp?

    public init(ordered: Timestamp, paid: Timestamp? = nil, shipped: Timestamp? = nil, completed: Timestamp? = nil) {
        self.ordered = ordered
        self.paid = paid
        self.shipped = shipped
        self.completed = completed
    }

    public subscript(kind: OrderDateKind) -> Timestamp? {
        switch kind {
        case .ordered: return ordered
        case .paid: return paid
        case .shipped: return shipped
        case .completed: return completed
        }
    }
}

public struct Buyer: Equatable, Sendable {
    public var name: String?
    public var email: String?
    public var phone: String?
    public var address: Address?
    /// `buyer.einvoice`: nil when the order does not carry the object at all.
    public var einvoice: BuyerEInvoice?

    public init(name: String? = nil, email: String? = nil, phone: String? = nil, address: Address? = nil,
                einvoice: BuyerEInvoice? = nil) {
        self.name = name
        self.email = email
        self.phone = phone
        self.address = address
        self.einvoice = einvoice
    }
}

/// The buyer's identifiers for a MyInvois e-invoice, as the channel gave them (`buyer.einvoice`). Only their types and
/// the ID type are checked when an order is read: whether a TIN is well formed, or which TIN a buyer without one gets
/// (EI00000000010 for a MyKad holder, EI00000000020 for a foreign buyer), is the pack's and the transform's business.
public struct BuyerEInvoice: Equatable, Sendable {
    /// The buyer asked for an e-invoice in their own name rather than being covered by the consolidated one.
    public var requested: Bool
    /// The buyer's tax identification number.
    public var tin: String?
    public var idType: EInvoiceIDType?
    /// The NRIC, passport, business registration or army number, as written.
    public var idValue: String?
    /// The buyer's SST registration number.
    public var sstNumber: String?

    public init(requested: Bool = false, tin: String? = nil, idType: EInvoiceIDType? = nil, idValue: String? = nil,
                sstNumber: String? = nil) {
        self.requested = requested
        self.tin = tin
        self.idType = idType
        self.idValue = idValue
        self.sstNumber = sstNumber
    }
}

/// The kinds of buyer ID MyInvois takes (`buyer.einvoice.id_type`).
public enum EInvoiceIDType: String, CaseIterable, Hashable, Sendable {
    case nric = "NRIC", passport = "PASSPORT", brn = "BRN", army = "ARMY"

    /// Reads `text` ignoring the case of ASCII letters only (`nric`, `Passport`), since exports and hand-written
    /// orders differ in case; no other folding, so a look-alike such as a dotless `ı` is not taken for an `I`.
    public init?(caseInsensitive text: String) {
        self.init(rawValue: String(decoding: text.utf8.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self))
    }
}

public struct Address: Equatable, Sendable {
    public var line1: String?
    public var line2: String?
    public var city: String?
    public var state: String?
    public var postcode: String?
    public var country: String?

    public init(line1: String? = nil, line2: String? = nil, city: String? = nil, state: String? = nil,
                postcode: String? = nil, country: String? = nil) {
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.state = state
        self.postcode = postcode
        self.country = country
    }
}

public struct OrderLine: Equatable, Sendable {
    public var sku: String
    public var name: String
    public var variation: String?
    public var qty: Int
    public var unitPrice: Money
    public var sellerDiscount: Money
    public var platformDiscount: Money
    public var serialNumbers: [String]
    /// Components of one kit when the line is a bundle; empty otherwise.
    public var bundle: [BundleComponent]

    public init(sku: String, name: String, variation: String? = nil, qty: Int, unitPrice: Money,
                sellerDiscount: Money = .zero, platformDiscount: Money = .zero, serialNumbers: [String] = [],
                bundle: [BundleComponent] = []) {
        self.sku = sku
        self.name = name
        self.variation = variation
        self.qty = qty
        self.unitPrice = unitPrice
        self.sellerDiscount = sellerDiscount
        self.platformDiscount = platformDiscount
        self.serialNumbers = serialNumbers
        self.bundle = bundle
    }

    public var gross: Money { unitPrice * qty }
    /// qty × unit price − seller discount.
    public var sellerRevenue: Money { gross - sellerDiscount }
}

public struct BundleComponent: Equatable, Sendable {
    public var sku: String
    public var name: String
    /// Quantity in one kit.
    public var qty: Int

    public init(sku: String, name: String, qty: Int) {
        self.sku = sku
        self.name = name
        self.qty = qty
    }
}

public struct ShippingCharge: Equatable, Sendable {
    public var fee: Money
    public var sellerDiscount: Money
    public var platformDiscount: Money

    public init(fee: Money = .zero, sellerDiscount: Money = .zero, platformDiscount: Money = .zero) {
        self.fee = fee
        self.sellerDiscount = sellerDiscount
        self.platformDiscount = platformDiscount
    }
}

public struct Vouchers: Equatable, Sendable {
    public var seller: Money
    public var platform: Money
    public var coins: Money

    public init(seller: Money = .zero, platform: Money = .zero, coins: Money = .zero) {
        self.seller = seller
        self.platform = platform
        self.coins = coins
    }
}

/// One return or refund the channel recorded after the sale (Docs/OrderFormat.md, "Returns and refunds"): the units
/// that came back with what was refunded for them, and order-level refunds. Each event is credited once, by its id.
public struct OrderReturn: Equatable, Sendable {
    /// The channel's return or refund id: stable across exports, unique within the order.
    public var id: String
    public var date: Timestamp
    public var reason: String?
    public var lines: [ReturnedLine]
    /// Shipping fee refunded to the buyer.
    public var shipping: Money
    /// The share of a seller voucher the refund keeps back (the buyer used it on the returned goods).
    public var voucher: Money
    /// Refunds that are neither goods nor shipping: goodwill, a price adjustment.
    public var other: [OtherRefund]
    /// On prices that exclude tax: the tax refunded on top (as `tax.charged` is for the sale).
    public var tax: Money?
    /// What the channel says went back to the buyer in total, when it says: the credit note is checked against it.
    public var refunded: Money?

    public init(id: String, date: Timestamp, reason: String? = nil, lines: [ReturnedLine] = [], shipping: Money = .zero,
                voucher: Money = .zero, other: [OtherRefund] = [], tax: Money? = nil, refunded: Money? = nil) {
        self.id = id
        self.date = date
        self.reason = reason
        self.lines = lines
        self.shipping = shipping
        self.voucher = voucher
        self.other = other
        self.tax = tax
        self.refunded = refunded
    }
}

/// Units of one order line that came back.
public struct ReturnedLine: Equatable, Sendable {
    /// Index into the order's `lines`.
    public var line: Int
    public var qty: Int
    /// What is credited for these units; nil: their share of the line as invoiced.
    public var amount: Money?

    public init(line: Int, qty: Int, amount: Money? = nil) {
        self.line = line
        self.qty = qty
        self.amount = amount
    }
}

/// A refund that is neither goods nor shipping.
public struct OtherRefund: Equatable, Sendable {
    public var description: String
    public var amount: Money

    public init(description: String, amount: Money) {
        self.description = description
        self.amount = amount
    }
}
