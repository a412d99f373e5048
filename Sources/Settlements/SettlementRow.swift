import LedgerCore

/// How a deduction between the order amount (gross) and the payout (net) is treated (channels doc §3.4):
/// the groups SQL Account's e-commerce module and BigSeller map to their own items or GL accounts.
public enum SettlementFeeKind: String, CaseIterable, Hashable, Sendable, Comparable {
    /// Platform commission, affiliate / AMS commission.
    case commission
    /// Service and programme fees (Shopee service fee, TikTok SFP and platform support fees …).
    case service
    /// Transaction / payment-processing fees.
    case transaction
    /// Shipping charged to the seller: logistics charges, seller-paid shipping, return shipping, and the
    /// subsidies that lower those charges (credits). Shipping the buyer paid is not a fee: see `SettlementShippingCredit`.
    case shipping
    /// Vouchers, rebates, coin cashback and promotion charges.
    case voucher
    /// Refunds to the buyer taken out of the payout.
    case refund
    /// Anything else: claims, compensation, adjustments, fees not in the column tables.
    case other

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: SettlementFeeKind, b: SettlementFeeKind) -> Bool { a.rank < b.rank }
}

/// One deduction from the gross: `amount` is what it takes away from the payout, so a charge is positive
/// and a credit (a seller voucher rebate, a shipping subsidy) is negative. `name` is the report's own
/// column header or fee name, kept so the raw breakdown survives.
public struct SettlementFee: Hashable, Sendable, CustomStringConvertible {
    public var kind: SettlementFeeKind
    public var name: String
    public var amount: Money

    public init(_ kind: SettlementFeeKind, _ name: String, _ amount: Money) {
        self.kind = kind
        self.name = name
        self.amount = amount
    }

    public var description: String { "\(kind.rawValue) '\(name)' \(amount)" }
}

/// Who paid a shipping credit the channel passes on with an order.
public enum SettlementShippingPayer: String, Hashable, Sendable {
    /// The buyer's own shipping payment (Shopee "Shipping Fee Paid by Buyer", Lazada "Shipping Fee (Paid By
    /// Customer)", TikTok "Customer shipping fee"): the `shipping.fee − discounts` the buyer paid at checkout.
    case buyer
    /// The platform's discount on the buyer's shipping, paid on the buyer's behalf (Shopee "Shipping Rebate From
    /// Shopee", TikTok "Platform shipping fee discount"): the order's `shipping.platform_discount`.
    case platform
}

/// Shipping money that reaches the seller for an order's delivery charge: what the buyer paid, and what the
/// platform paid on the buyer's behalf. It is part of what pays the invoice's shipping line, not a negative fee;
/// `amount` is positive when it adds to the payout.
public struct SettlementShippingCredit: Hashable, Sendable, CustomStringConvertible {
    public var payer: SettlementShippingPayer
    /// The report's own column header or fee name.
    public var name: String
    public var amount: Money

    public init(_ payer: SettlementShippingPayer, _ name: String, _ amount: Money) {
        self.payer = payer
        self.name = name
        self.amount = amount
    }

    public var description: String { "\(payer.rawValue) shipping '\(name)' \(amount)" }
}

/// Where a settlement row came from: the file, the sheet (nil for a CSV) and the 1-based row numbers
/// the user sees. A Lazada order is several fee rows; `rows` lists them all, the first one first.
public struct SettlementLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var sheet: String?
    public var rows: [Int]

    public init(file: String, sheet: String?, rows: [Int]) {
        self.file = file
        self.sheet = sheet
        self.rows = rows
    }

    /// The first (for Lazada: the group's first) row.
    public var row: Int { rows.first ?? 0 }

    /// `row 4`, `rows 3–7`, `rows 3, 5, 9`.
    public var rowsDescription: String {
        if rows.count > 1, let last = rows.last, rows == Array(row...last) { return "rows \(row)–\(last)" }
        if rows.count > 1 { return "rows " + rows.map(String.init).joined(separator: ", ") }
        return "row \(row)"
    }

    /// `shopee.xlsx, sheet 'Income' row 4`, `lazada.csv rows 3–7`.
    public var description: String {
        file + (sheet.map { ", sheet '\($0)' " } ?? " ") + rowsDescription
    }
}

/// An order settlement (TikTok's "Type" Order) or a later adjustment to it (TikTok's "Type" Adjustment).
public enum SettlementRowKind: String, Hashable, Sendable {
    case order, adjustment
}

/// One order in one payout: what the channel counted for the items (gross), the shipping the buyer's side paid
/// (shipping credits), what it took off (fees) and what it paid (net). Always
/// `net == gross + shippingCredits − totalFees` to the sen — the parsers refuse rows where the report's own
/// columns do not add up.
public struct SettlementRow: Hashable, Sendable {
    public var channel: Channel
    /// The channel order number — the one on the synced invoice. For a TikTok adjustment, its related order.
    public var orderID: String
    public var kind: SettlementRowKind
    /// The adjustment's own ID (TikTok "Order/adjustment ID" of an Adjustment row); nil for orders.
    public var adjustmentID: String?
    /// The day the money was released (Shopee "Payout Completed Date", Lazada "Release Date",
    /// TikTok "Statement date").
    public var payoutDate: CalendarDate
    /// The statement or payout the row belongs to (Lazada "Statement Number", TikTok "Statement ID");
    /// nil for Shopee, whose income report has none.
    public var statementReference: String?
    /// ISO currency code, e.g. `MYR`.
    public var currency: String
    /// The item revenue the channel settles against (Shopee "Product Price", Lazada item price credits,
    /// TikTok "Total Revenue"); shipping is not in it.
    public var gross: Money
    /// The shipping the buyer paid and the platform paid on the buyer's behalf, in report order (zero amounts
    /// left out). With shipping on the invoice it pays the invoice's shipping line.
    public var shippingCredits: [SettlementShippingCredit]
    /// Each deduction in report order (zero amounts left out).
    public var fees: [SettlementFee]
    /// What the channel paid out for the order in this payout; negative for a refund or clawback.
    public var net: Money
    public var source: SettlementLocation

    public init(channel: Channel, orderID: String, kind: SettlementRowKind = .order, adjustmentID: String? = nil,
                payoutDate: CalendarDate, statementReference: String?, currency: String, gross: Money,
                shippingCredits: [SettlementShippingCredit] = [], fees: [SettlementFee], net: Money, source: SettlementLocation) {
        self.channel = channel
        self.orderID = orderID
        self.kind = kind
        self.adjustmentID = adjustmentID
        self.payoutDate = payoutDate
        self.statementReference = statementReference
        self.currency = currency
        self.gross = gross
        self.shippingCredits = shippingCredits
        self.fees = fees
        self.net = net
        self.source = source
    }

    /// The sum of every fee (charges positive, credits negative).
    public var totalFees: Money { fees.reduce(.zero) { $0 + $1.amount } }

    /// The sum of the fees of one kind.
    public func fees(of kind: SettlementFeeKind) -> Money {
        fees.reduce(.zero) { $1.kind == kind ? $0 + $1.amount : $0 }
    }

    /// The shipping credits of one payer.
    public func shippingCredits(from payer: SettlementShippingPayer) -> Money {
        shippingCredits.reduce(.zero) { $1.payer == payer ? $0 + $1.amount : $0 }
    }

    /// What the buyer paid for shipping (their own payment, not the platform's discount).
    public var buyerPaidShipping: Money { shippingCredits(from: .buyer) }

    /// The platform's discount on the buyer's shipping, paid on the buyer's behalf.
    public var platformShippingDiscount: Money { shippingCredits(from: .platform) }

    /// Every shipping credit: what the order's delivery charge brought in.
    public var totalShippingCredits: Money { shippingCredits.reduce(.zero) { $0 + $1.amount } }

    /// `net − (gross + shipping credits − fees)`: zero for every row the parsers return.
    public var imbalance: Money { net - (gross + totalShippingCredits - totalFees) }
}
