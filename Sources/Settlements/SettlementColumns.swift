import LedgerCore
import Spreadsheets

// The column-name tables of every settlement report, in one place (channels doc §3.1–3.3).
// Header names match after normalising (`HeaderFinder.normalize`): case-insensitive, whitespace collapsed,
// no space next to a parenthesis or slash. The first name of a column is the one the fixtures write; the
// others are accepted aliases, tried in order. `inferred: true` marks a name or a use of a column that is
// this code's inference rather than something the doc cites from a real file or a public parser ([D3]).

/// One logical column and the header names it may go by.
public struct SettlementColumn: Hashable, Sendable {
    /// What the column is for, as messages name it ("payout date").
    public var role: String
    /// Accepted header names, preferred first.
    public var names: [String]
    public var inferred: Bool

    public init(_ role: String, _ names: [String], inferred: Bool = false) {
        self.role = role
        self.names = names
        self.inferred = inferred
    }

    /// The column as `HeaderFinder` looks for it: its names as aliases, preferred first.
    public var header: HeaderColumn { HeaderColumn(names) }
}

/// A fee column (Shopee, TikTok): its kind and whether it is a deduction in the report's own sign
/// convention (Shopee and TikTok write fees as negative numbers and credits as positive ones, so the
/// fee is minus the cell).
public struct SettlementFeeColumn: Hashable, Sendable {
    public var kind: SettlementFeeKind
    public var column: SettlementColumn
    /// TikTok: the column is one of the parts of "Total Fees" (the rest of Total Fees becomes one
    /// `other` fee so nothing is counted twice or lost).
    public var inTotalFees: Bool

    public init(_ kind: SettlementFeeKind, _ names: [String], inferred: Bool = false, inTotalFees: Bool = true) {
        self.kind = kind
        self.column = SettlementColumn("\(kind.rawValue) fee", names, inferred: inferred)
        self.inTotalFees = inTotalFees
    }
}

/// A column holding shipping the buyer's side paid (Shopee, TikTok): a credit, written positive, so the credit
/// is the cell itself.
public struct SettlementShippingCreditColumn: Hashable, Sendable {
    public var payer: SettlementShippingPayer
    public var column: SettlementColumn

    public init(_ payer: SettlementShippingPayer, _ names: [String], inferred: Bool = false) {
        self.payer = payer
        self.column = SettlementColumn(payer == .buyer ? "buyer-paid shipping" : "platform shipping discount", names, inferred: inferred)
    }
}

/// Shopee MY "Income" report, sheet "Income": three header rows (section labels, sub-labels, the real
/// names), one row per order (`View By` = Order) followed by its SKU detail rows (`View By` = Sku).
/// Fees are negative numbers; `Total Released Amount (RM)` = `Product Price` + every column in `shippingCredits`
/// + every column in `fees`.
public struct ShopeeIncomeColumns: Hashable, Sendable {
    public var sheetNames: [String]
    public var orderID: SettlementColumn
    public var payoutDate: SettlementColumn
    /// The payout (net). Its header's "(RM)" says the currency.
    public var net: SettlementColumn
    /// The order amount (gross).
    public var gross: SettlementColumn
    /// `Order` rows are settlements; `Sku` rows are detail and skipped.
    public var viewBy: SettlementColumn
    /// Shipping the buyer paid, and Shopee's rebate on it (the order's platform shipping discount, paid on the
    /// buyer's behalf): together the delivery charge the invoice's shipping line bills.
    public var shippingCredits: [SettlementShippingCreditColumn]
    public var fees: [SettlementFeeColumn]
    /// Headers that say "this is a Shopee income report" (detection); at least two on one row.
    public var signature: [String]

    public static let standard = ShopeeIncomeColumns(
        sheetNames: ["Income"],
        orderID: SettlementColumn("order ID", ["Order ID"]),
        payoutDate: SettlementColumn("payout date", ["Payout Completed Date"]),
        net: SettlementColumn("payout amount", ["Total Released Amount (RM)", "Total Released Amount"]),
        gross: SettlementColumn("order amount", ["Product Price", "Original Product Price", "Merchandise Subtotal"], inferred: true),
        viewBy: SettlementColumn("row kind", ["View By"]),
        shippingCredits: [
            SettlementShippingCreditColumn(.buyer, ["Shipping Fee Paid by Buyer (excl. SST)", "Shipping Fee Paid by Buyer"]),
            // That the rebate is Shopee's discount on the buyer's shipping (not a subsidy of the seller's cost) is inferred.
            SettlementShippingCreditColumn(.platform, ["Shipping Rebate From Shopee"], inferred: true),
        ],
        fees: [
            SettlementFeeColumn(.refund, ["Refund Amount"]),
            SettlementFeeColumn(.shipping, ["Shipping Fee Charged by Logistic Provider"]),
            SettlementFeeColumn(.shipping, ["Seller Paid Shipping Fee SST"]),
            SettlementFeeColumn(.shipping, ["Reverse Shipping Fee"]),
            SettlementFeeColumn(.shipping, ["Reverse Shipping Fee SST"]),
            SettlementFeeColumn(.shipping, ["Return to Seller Fee"]),
            SettlementFeeColumn(.voucher, ["Rebate Provided by Shopee"]),
            SettlementFeeColumn(.voucher, ["Voucher Sponsored by Seller"]),
            SettlementFeeColumn(.voucher, ["Cofund Voucher Sponsored by Seller"]),
            SettlementFeeColumn(.voucher, ["Coin Cashback Sponsored by Seller"]),
            SettlementFeeColumn(.commission, ["Commission Fee (incl. SST)", "Commission Fee"]),
            SettlementFeeColumn(.commission, ["AMS Commission Fee"]),
            SettlementFeeColumn(.service, ["Service Fee (Incl. SST)", "Service Fee"]),
            SettlementFeeColumn(.service, ["Saver Programme Fee (Incl. SST)", "Saver Programme Fee"]),
            SettlementFeeColumn(.transaction, ["Transaction Fee (Incl. SST)", "Transaction Fee"]),
            SettlementFeeColumn(.other, ["Lost Compensation"]),
        ],
        signature: ["Payout Completed Date", "Total Released Amount (RM)", "Total Released Amount", "View By",
                    "Commission Fee (incl. SST)", "Service Fee (Incl. SST)", "Transaction Fee (Incl. SST)",
                    "Amount Paid By Buyer", "Shipping Fee Charged by Logistic Provider", "Sequence No."])
}

/// Lazada fee names of one kind.
public struct SettlementFeeNames: Hashable, Sendable {
    public var kind: SettlementFeeKind
    public var names: [String]

    public init(_ kind: SettlementFeeKind, _ names: [String]) {
        self.kind = kind
        self.names = names
    }
}

/// Lazada "Account Statement" / "Income Overview" (and the older "Transaction Overview"): `;`-separated,
/// a banner row above the header, one row per fee per order line; amounts are signed as they move the
/// payout (credits positive, fees negative). One order in one statement is the sum of its rows.
public struct LazadaStatementColumns: Hashable, Sendable {
    public var sheetNames: [String]
    public var orderID: SettlementColumn
    public var feeName: SettlementColumn
    public var amount: SettlementColumn
    public var payoutDate: SettlementColumn
    public var statement: SettlementColumn
    /// Rows whose status is one of `notReleasedStatuses` are not in a payout yet and are left out.
    public var releaseStatus: SettlementColumn
    public var notReleasedStatuses: [String]
    /// What ties a row to an order line besides the order number. A fee row with none of them (and no order
    /// number) is an account-level charge, such as a marketing top-up, not part of any order's payout.
    public var orderLineMarkers: [SettlementColumn]
    /// Fee names whose amounts make up the gross (the item price).
    public var revenueFeeNames: [String]
    /// Fee names of shipping the buyer paid (credits passed on with the order, not fees).
    public var buyerShippingFeeNames: [String]
    /// Every other known fee name by kind; an unknown fee name counts as `other` with a warning.
    public var feeNames: [SettlementFeeNames]
    public var signature: [String]

    public static let standard = LazadaStatementColumns(
        sheetNames: ["Income Overview", "Account Statement", "Transaction Overview"],
        orderID: SettlementColumn("order number", ["Order Number", "Order No.", "Order No"]),
        feeName: SettlementColumn("fee name", ["Fee Name"]),
        amount: SettlementColumn("amount", ["Amount(Include Tax)", "Est Release Amount(Include Tax)", "Amount"]),
        // The older export has no release date: its Transaction Date stands in (inferred).
        payoutDate: SettlementColumn("payout date", ["Release Date", "Transaction Date"], inferred: true),
        statement: SettlementColumn("statement", ["Statement Number", "Statement"]),
        releaseStatus: SettlementColumn("release status", ["Release Status", "Paid Status"], inferred: true),
        notReleasedStatuses: ["Not Released", "Unreleased", "Pending", "Not Paid", "Unpaid"],
        orderLineMarkers: [SettlementColumn("order line", ["Order Line ID", "Order Item No.", "Order Item No"]),
                           SettlementColumn("seller SKU", ["Seller SKU"]), SettlementColumn("Lazada SKU", ["Lazada SKU"])],
        revenueFeeNames: ["Item Price Credit", "Product Price Paid by Buyer", "Item Price"],
        buyerShippingFeeNames: ["Shipping Fee (Paid By Customer)"],
        feeNames: [
            SettlementFeeNames(.commission, ["Commission", "Commission Fee", "Sponsored Affiliates"]),
            SettlementFeeNames(.service, ["Free Shipping Max Fee", "Service Fee"]),
            SettlementFeeNames(.transaction, ["Payment Fee", "Transaction Fee"]),
            // Lazada's shipping voucher and subsidies lower what the seller pays for delivery: fees (credits when positive).
            SettlementFeeNames(.shipping, ["Shipping Fee Voucher", "Auto. Shipping fee subsidy",
                         "Shipping Subsidy Credit", "Shipping Fee", "Shipping Fee Paid by Seller"]),
            SettlementFeeNames(.voucher, ["Promotional Charges Vouchers", "Promotional Charges Bundles", "LazCoins Discount Promotion Fee",
                        "Seller Voucher Credit", "Price Cut Discount", "Lazada Bonus"]),
            SettlementFeeNames(.refund, ["Reversal Item Price"]),
            SettlementFeeNames(.other, ["Lost Claim", "Other Fee"]),
        ],
        signature: ["Fee Name", "Transaction Type", "Amount(Include Tax)", "Est Release Amount(Include Tax)",
                    "Order Number", "Order No.", "Release Date", "Release Status", "Statement Number",
                    "Statement Period", "Order Line ID", "Order Item No.", "Lazada SKU", "WHT Amount",
                    "WHT included in Amount", "VAT in Amount", "Paid Status"])

    /// Names that are this code's inference, not seen in the doc's sources.
    public static let inferredFeeNames: Set<String> = ["Item Price", "Commission Fee", "Service Fee", "Transaction Fee",
                                                       "Free Shipping Max Fee", "Shipping Fee Paid by Seller"]

    /// What a fee row's amount is.
    enum RowMeaning: Hashable {
        /// Item price: part of the gross.
        case revenue
        /// Shipping the buyer paid: a shipping credit.
        case buyerShipping
        case fee(SettlementFeeKind)
    }

    /// Classifies fee names; `known` is false for a name not in the table (then an `other` fee).
    func classifier() -> (String) -> (meaning: RowMeaning, known: Bool) {
        var table: [String: RowMeaning] = [:]
        for entry in feeNames.reversed() {
            for name in entry.names { table[HeaderFinder.normalize(name)] = .fee(entry.kind) }
        }
        for name in buyerShippingFeeNames { table[HeaderFinder.normalize(name)] = .buyerShipping }
        for name in revenueFeeNames { table[HeaderFinder.normalize(name)] = .revenue }
        var seen: [String: (meaning: RowMeaning, known: Bool)] = [:]   // by the name as written
        return { feeName in
            if let hit = seen[feeName] { return hit }
            let answer: (meaning: RowMeaning, known: Bool) = table[HeaderFinder.normalize(feeName)].map { ($0, true) } ?? (.fee(.other), false)
            seen[feeName] = answer
            return answer
        }
    }
}

/// TikTok Shop settlement export, sheet "Order details": headers on row 1, some with trailing spaces;
/// one row per order or adjustment. Fees are negative. `Total settlement amount` = `Total Revenue` +
/// `Total Fees` + `Adjustment amount`; the fee columns below are the named parts of Total Fees, and
/// whatever Total Fees holds beyond them becomes one `other` fee.
public struct TikTokSettlementColumns: Hashable, Sendable {
    public var sheetNames: [String]
    public var type: SettlementColumn
    public var orderID: SettlementColumn
    public var relatedOrderID: SettlementColumn
    /// The first name present wins: Statement date, else the order's settled time (inferred choice).
    public var payoutDate: SettlementColumn
    public var statement: SettlementColumn
    public var currency: SettlementColumn
    public var net: SettlementColumn
    public var gross: SettlementColumn
    public var totalFees: SettlementColumn
    public var fees: [SettlementFeeColumn]
    /// Shipping the customer paid and the platform's discount on it. They are parts of "Seller shipping fee"
    /// (itself a part of "Total Fees"), written positive; they are taken out of that fee, which leaves the
    /// logistics charge (inferred: the doc lists the columns, not how they add up).
    public var shippingCredits: [SettlementShippingCreditColumn]
    /// The fee column the shipping credits are part of.
    public var sellerShippingFee: SettlementColumn
    public var signature: [String]

    public static let standard = TikTokSettlementColumns(
        sheetNames: ["Order details"],
        type: SettlementColumn("type", ["Type"]),
        orderID: SettlementColumn("order/adjustment ID", ["Order/adjustment ID", "Order ID"]),
        relatedOrderID: SettlementColumn("related order ID", ["Related order ID"]),
        payoutDate: SettlementColumn("payout date", ["Statement date", "Order settled time", "Order settled time (UTC)"], inferred: true),
        statement: SettlementColumn("statement", ["Statement ID", "Payment ID"]),
        currency: SettlementColumn("currency", ["Currency"]),
        net: SettlementColumn("payout amount", ["Total settlement amount"]),
        gross: SettlementColumn("order amount", ["Total Revenue"]),
        totalFees: SettlementColumn("total fees", ["Total Fees"]),
        fees: [
            SettlementFeeColumn(.transaction, ["Transaction fee"]),
            SettlementFeeColumn(.commission, ["TikTok Shop commission fee"]),
            SettlementFeeColumn(.shipping, ["Seller shipping fee"]),
            SettlementFeeColumn(.commission, ["Affiliate Commission"]),
            SettlementFeeColumn(.service, ["SFP service fee"]),
            SettlementFeeColumn(.service, ["Platform support fee"]),
            SettlementFeeColumn(.other, ["Adjustment amount"], inTotalFees: false),
        ],
        shippingCredits: [
            SettlementShippingCreditColumn(.buyer, ["Customer shipping fee"], inferred: true),
            SettlementShippingCreditColumn(.platform, ["Platform shipping fee discount"], inferred: true),
        ],
        sellerShippingFee: SettlementColumn("shipping fee", ["Seller shipping fee"]),
        signature: ["Total settlement amount", "Order/adjustment ID", "Related order ID", "Statement ID", "Payment ID",
                    "Total Revenue", "Total Fees", "TikTok Shop commission fee", "Order settled time",
                    "Shopping center items", "SFP service fee", "Platform support fee"])

    /// The name of the fee made of what "Total Fees" holds beyond the named fee columns.
    public static let otherFeesName = "Total Fees (rest)"
}
