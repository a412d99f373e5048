import LedgerCore

/// Where a value came from: the setting's key path and the file position that set it.
///
/// A class, compared by value: every traced setting, and every field of every line a transform builds, carries one,
/// and sharing it makes a traced value two references rather than a copy of two strings and a location.
public final class Origin: Hashable, Sendable, CustomStringConvertible {
    public let setting: String
    public let location: SourceLocation?

    public init(_ setting: String, at location: SourceLocation?) {
        self.setting = setting
        self.location = location
    }

    public static func == (a: Origin, b: Origin) -> Bool { a === b || (a.setting == b.setting && a.location == b.location) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(setting)
        hasher.combine(location)
    }

    public static func builtIn(_ setting: String) -> Origin { Origin("built-in default for \(setting)", at: nil) }

    /// `defaults.agent (rules/acme/pack.yaml:12)`.
    public var description: String {
        guard let location else { return setting }
        return "\(setting) (\(location.fileAndLine))"
    }
}

/// A value together with the origin that set it.
public struct Traced<Value: Sendable>: Sendable {
    public var value: Value
    public var origin: Origin

    public init(_ value: Value, _ origin: Origin) {
        self.value = value
        self.origin = origin
    }
}

/// A setting value after validation.
public enum SettingValue: Hashable, Sendable, CustomStringConvertible {
    case string(String)
    case bool(Bool)
    case int(Int)
    case rate(Rate)
    case strings([String])

    public var description: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .rate(let r): return r.description
        case .strings(let list): return "[" + list.joined(separator: ", ") + "]"
        }
    }
}

/// The shape a setting accepts.
public enum SettingKind: Sendable {
    /// An SQL Account code (customer, agent, item, GL account …), at most this many characters.
    case code(maxLength: Int)
    /// Free text with `{placeholder}` fields from the order.
    case template
    case bool
    case choice([String])
    case integer(ClosedRange<Int>)
    /// A percentage such as `8%`.
    case rate
    /// A list of order statuses.
    case statuses
    /// A UTC offset such as `+08:00`.
    case utcOffset

    public var summary: String {
        switch self {
        case .code(let max): return "code (≤\(max) chars)"
        case .template: return "template"
        case .bool: return "boolean"
        case .choice(let values): return values.joined(separator: " | ")
        case .integer(let range): return "integer \(range.lowerBound)–\(range.upperBound)"
        case .rate: return "percentage"
        case .statuses: return "list of statuses"
        case .utcOffset: return "UTC offset"
        }
    }
}

/// Every general setting a pack can give under `defaults:` (and override per channel, store or rule).
public enum SettingKey: String, CaseIterable, Hashable, Sendable {
    case customerCode = "customer_code"
    case agent, terms, project, area
    case productCode = "product_code"
    case uom, account, location
    case description
    case companyName = "company_name"
    case uppercase
    case serialNumbers = "serial_numbers"
    case showBundleItems = "show_bundle_items"
    case issueDate = "issue_date"
    case excludeTikTokSamples = "exclude_tiktok_samples"
    case uomConversion = "uom_conversion"
    case invoiceNumberSource = "invoice_number.source"
    case invoiceNumberPrefix = "invoice_number.prefix"
    case invoiceNumberDigits = "invoice_number.digits"
    case invoiceNumberStart = "invoice_number.start"
    case invoiceNumberStoreSuffix = "invoice_number.store_suffix"
    case writeBackInvoiceNumber = "write_back_invoice_number"
    case unmatchedItems = "unmatched_items"
    case amountBasis = "amount_basis"
    case syncStatuses = "sync_statuses"
    case pricesIncludeTax = "prices_include_tax"
    case taxCode = "tax.code"
    case taxRate = "tax.rate"
    case taxRounding = "tax.rounding"
    case sellerVoucher = "vouchers.treatment"
    case voucherItemCode = "vouchers.item_code"
    case voucherUOM = "vouchers.uom"
    case voucherAccount = "vouchers.account"
    case idempotencyKey = "idempotency_key"
    case unitPriceDecimals = "unit_price_decimals"
    case utcOffset = "utc_offset"
    case cutDescriptionFullText = "cut_description_full_text"

    public var spec: SettingSpec { SettingSpec.all[self] ?? SettingSpec(self, .template, nil, "") }

    /// The group a dotted key belongs to (`tax` for `tax.code`), nil for top-level keys.
    public var group: String? {
        let parts = rawValue.split(separator: ".")
        return parts.count > 1 ? String(parts[0]) : nil
    }

    /// Codes SQL Account cannot take blank: an empty value here is an error, not "leave it to SQL".
    public var requiresValue: Bool { [.customerCode, .productCode, .uom, .voucherItemCode, .voucherUOM].contains(self) }

    public var leafName: String { String(rawValue.split(separator: ".").last ?? Substring(rawValue)) }

    /// Header fields a conditional rule of scope `order` may set.
    public static let orderRuleSettable: [SettingKey] = [.customerCode, .agent, .terms, .project, .area, .description, .companyName, .location, .account, .taxCode, .taxRate]
}

/// Type, built-in default and one-line meaning of a setting; drives validation and the docs.
public struct SettingSpec: Sendable {
    public var key: SettingKey
    public var kind: SettingKind
    public var builtIn: SettingValue?
    public var summary: String

    init(_ key: SettingKey, _ kind: SettingKind, _ builtIn: SettingValue?, _ summary: String) {
        self.key = key
        self.kind = kind
        self.builtIn = builtIn
        self.summary = summary
    }

    /// Placeholders an invoice text template may use.
    public static let templatePlaceholders = ["channel", "store", "order_number", "id", "buyer_name", "payment_method", "currency", "status"]
    public static let documentDateSources = ["ordered", "paid", "shipped", "completed", "sync"]
    public static let invoiceNumberSources = ["sqlaccount", "order", "platform", "custom"]
    /// Line fields that can hold the full text of a line description cut to SQL Account's 200 characters: only
    /// memo (BLOB) fields, which have no length. `none` keeps just the cut text.
    public static let cutDescriptionTargets = ["description3", "none"]

    public static let all: [SettingKey: SettingSpec] = {
        let list: [SettingSpec] = [
            .init(.customerCode, .code(maxLength: 10), nil, "invoice `code` when no customer matching applies to the store/channel"),
            .init(.agent, .code(maxLength: 10), .string("----"), "header `agent`"),
            .init(.terms, .code(maxLength: 10), .string("----"), "header `terms`"),
            .init(.project, .code(maxLength: 20), .string("----"), "header and line `project`"),
            .init(.area, .code(maxLength: 10), .string("----"), "header `area`"),
            .init(.productCode, .code(maxLength: 30), nil, "line `itemcode` for a SKU without item matching (needed unless unmatched_items: error)"),
            .init(.uom, .code(maxLength: 10), .string("UNIT"), "line `uom` when the item matching gives none"),
            .init(.account, .code(maxLength: 10), .string(""), "line `account` (sales GL account); empty lets SQL Account use the stock group's"),
            .init(.location, .code(maxLength: 10), .string("----"), "line `location` (warehouse)"),
            .init(.description, .template, .string("{channel} order {order_number}"), "header `description`, a template over order fields"),
            .init(.companyName, .template, .string(""), "header `companyname`; empty leaves it to the customer master"),
            .init(.uppercase, .bool, .bool(false), "upper-case every text field of the invoice (the idempotency key excepted)"),
            .init(.serialNumbers, .bool, .bool(true), "send order-line serial numbers as `sdsserialnumber`"),
            .init(.showBundleItems, .bool, .bool(false), "follow a kit line with its zero-priced component lines"),
            .init(.issueDate, .choice(documentDateSources), .string("ordered"), "which order date becomes `docdate`/`postdate` (falls back to ordered)"),
            .init(.excludeTikTokSamples, .bool, .bool(true), "TikTok sample orders produce no invoice"),
            .init(.uomConversion, .bool, .bool(false), "on sales invoices, apply item matching `rate`: qty × rate, unit price ÷ rate (the seed keeps UOM conversion for purchase orders only)"),
            .init(.invoiceNumberSource, .choice(invoiceNumberSources), .string("sqlaccount"), "where `docno` comes from"),
            .init(.invoiceNumberPrefix, .template, .string(""), "prefix for `custom` numbers"),
            .init(.invoiceNumberDigits, .integer(1...12), .int(6), "zero-padded digits of `custom` numbers"),
            .init(.invoiceNumberStart, .integer(1...999_999_999), .int(1), "first `custom` number (transform numbers from here in input order)"),
            .init(.invoiceNumberStoreSuffix, .choice(["never", "always"]), .string("never"), "append `-` + the last 4 characters of the store id to `order`/`platform` numbers"),
            .init(.writeBackInvoiceNumber, .bool, .bool(true), "record the SQL `docno` on the order after sync"),
            .init(.unmatchedItems, .choice(["default_item", "error"]), .string("default_item"), "a SKU without matching uses product_code with a warning, or fails the order"),
            .init(.amountBasis, .choice(["seller_revenue", "buyer_paid"]), .string("seller_revenue"), "what the invoice total ties out to"),
            .init(.syncStatuses, .statuses, .strings(["paid", "ready_to_ship", "shipped", "delivered", "completed"]), "order statuses that produce an invoice; others are excluded"),
            .init(.pricesIncludeTax, .bool, .bool(true), "used when an order does not say whether its prices include tax"),
            .init(.taxCode, .code(maxLength: 10), .string(""), "line `tax` code (empty: no tax)"),
            .init(.taxRate, .rate, .rate(.zero), "line `taxrate`, e.g. `8%`"),
            .init(.taxRounding, .choice(["per_line", "per_invoice"]), .string("per_line"), "round tax per line, or on the invoice total with the cent difference on the first taxed line"),
            .init(.sellerVoucher, .choice(["line", "spread"]), .string("line"), "seller vouchers as one negative line, or spread over the goods lines' `disc`"),
            .init(.voucherItemCode, .code(maxLength: 30), .string("VOUCHER"), "item code of the voucher line"),
            .init(.voucherUOM, .code(maxLength: 10), .string("UNIT"), "UOM of the voucher line"),
            .init(.voucherAccount, .code(maxLength: 10), .string(""), "GL account of the voucher line"),
            .init(.idempotencyKey, .template, .string("LS-{id}"), "`docref1`, the key that finds an order's invoice again; must contain {id} or {order_number}"),
            .init(.unitPriceDecimals, .integer(2...6), .int(4), "decimals of a unit price that UOM conversion makes inexact"),
            .init(.utcOffset, .utcOffset, .string("+08:00"), "time zone of document dates"),
            .init(.cutDescriptionFullText, .choice(cutDescriptionTargets), .string("description3"), "where the full text of a line description cut to fit SQL Account goes: the line's further description, or nowhere"),
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.key, $0) })
    }()
}

/// Settings as a layer gives them: only what that layer wrote.
public struct SettingLayer: Sendable {
    public var values: [SettingKey: Traced<SettingValue>] = [:]
    public init() {}

    public subscript(key: SettingKey) -> Traced<SettingValue>? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// `other` on top of `self`.
    public func overlaid(by other: SettingLayer) -> SettingLayer {
        var merged = self
        for (key, value) in other.values { merged.values[key] = value }
        return merged
    }
}
