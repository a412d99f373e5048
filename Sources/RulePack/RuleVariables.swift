import Expressions

/// The order and line fields conditional rules can read. The order of cases is the variable index
/// used by compiled expressions; `scope: order` rules see only the `order.` ones.
public enum RuleVariable: String, CaseIterable, Sendable {
    case orderID = "order.id"
    case orderNumber = "order.order_number"
    case channel = "order.channel"
    case store = "order.store"
    case status = "order.status"
    case currency = "order.currency"
    case revenue = "order.revenue"
    case buyerPaid = "order.buyer_paid"
    case lineCount = "order.line_count"
    case shippingFee = "order.shipping_fee"
    case sellerVoucher = "order.vouchers.seller"
    case platformVoucher = "order.vouchers.platform"
    case sample = "order.sample"
    case cod = "order.cod"
    case paymentMethod = "order.payment_method"
    case ordered = "order.dates.ordered"
    case paid = "order.dates.paid"
    case shipped = "order.dates.shipped"
    case completed = "order.dates.completed"
    case buyerName = "order.buyer.name"
    case buyerCountry = "order.buyer.country"
    case buyerState = "order.buyer.state"
    case skus = "order.skus"
    case sku = "line.sku"
    case lineName = "line.name"
    case variation = "line.variation"
    case qty = "line.qty"
    case unitPrice = "line.unit_price"
    case lineSellerDiscount = "line.seller_discount"
    case linePlatformDiscount = "line.platform_discount"
    case lineRevenue = "line.revenue"
    case isBundle = "line.is_bundle"
    case serialCount = "line.serial_count"

    public var isLineField: Bool { rawValue.hasPrefix("line.") }

    public var type: ExprType {
        switch self {
        case .revenue, .buyerPaid, .lineCount, .shippingFee, .sellerVoucher, .platformVoucher, .qty, .unitPrice,
             .lineSellerDiscount, .linePlatformDiscount, .lineRevenue, .serialCount:
            return .number
        case .sample, .cod, .isBundle: return .bool
        case .ordered, .paid, .shipped, .completed: return .date
        case .skus: return .stringList
        default: return .string
        }
    }

    public var summary: String {
        switch self {
        case .revenue: return "qty × unit price − seller discounts − seller vouchers (shipping excluded)"
        case .buyerPaid: return "what the buyer paid"
        case .lineCount: return "number of order lines"
        case .skus: return "every SKU on the order"
        case .lineRevenue: return "qty × unit price − seller discount of the line"
        case .serialCount: return "number of serial numbers on the line"
        case .ordered, .paid, .shipped, .completed: return "local calendar date; missing when the order has none"
        default: return "the order's \(rawValue.split(separator: ".").dropFirst().joined(separator: " ").replacingOccurrences(of: "_", with: " "))"
        }
    }

    static let orderScope = ExpressionScope(allCases.filter { !$0.isLineField }.map { ExprVariable(name: $0.rawValue, type: $0.type, summary: $0.summary) })
    static let lineScope = ExpressionScope(allCases.map { ExprVariable(name: $0.rawValue, type: $0.type, summary: $0.summary) })

    /// The scope a rule's `when:` is compiled against. Order-scope indices equal the first cases' indices.
    public static func scope(for ruleScope: RuleScope) -> ExpressionScope { ruleScope == .order ? orderScope : lineScope }

    /// Variable for an expression variable index (same in both scopes).
    public static func at(_ index: Int) -> RuleVariable? { index >= 0 && index < allCases.count ? allCases[index] : nil }
}
