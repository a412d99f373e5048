import Expressions
import LedgerCore

/// A validated rule pack: the pure model the transform compiler reads. Built only by `RulePackValidator`.
public struct RulePack: Sendable {
    public enum Kind: String, Sendable { case client, base }

    public var name: String
    public var kind: Kind
    public var directory: String
    public var files: [String]
    public var profile: Profile?
    public var defaults: SettingLayer
    public var channelOverrides: [Channel: Override]
    public var storeOverrides: [String: Override]
    public var presets: [Preset]
    public var matching: Matching
    public var rules: [ConditionalRule]
    public var editPolicy: EditPolicy
    public var payments: PaymentSettings
    /// Which masters `ledgersync masters apply` may create (`masters:`); none unless configured.
    public var masters: MasterSettings
    /// How returns and refunds are booked (`returns:`).
    public var returns: ReturnSettings = ReturnSettings()
    /// How documents are submitted to MyInvois (`einvoice:`); nil: the pack has no such section and no e-invoice field is sent.
    public var einvoice: EInvoiceSettings? = nil
    /// Which of SQL Accounting's purchase orders go to the store, and how their UOMs convert (`purchase_orders:`);
    /// nil: none are read.
    public var purchaseOrders: PurchaseOrderSettings? = nil
}

public struct Profile: Sendable {
    public var company: Traced<String>
    /// Off: the integration is disabled (status reports Inactive, nothing syncs).
    public var enabled: Traced<Bool>
    public var stores: [StoreDeclaration]
    public var connection: Connection

    public func store(_ id: String) -> StoreDeclaration? { stores.first { $0.id == id } }
}

public struct StoreDeclaration: Sendable {
    public var id: String
    public var channel: Channel
    public var name: String?
    public var origin: Origin
}

/// Where secrets come from: never the pack itself.
public enum SecretReference: Sendable, Equatable, CustomStringConvertible {
    case environment(String)
    /// A `KEY=value` or YAML `key: value` file outside the pack; `key` names the entry.
    case file(path: String, key: String)

    public var description: String {
        switch self {
        case .environment(let name): return "environment variable \(name)"
        case .file(let path, let key): return "'\(key)' in \(path)"
        }
    }
}

public struct Connection: Sendable {
    public var mode: String
    public var host: Traced<String>
    public var region: Traced<String>
    public var service: Traced<String>
    public var timeoutSeconds: Traced<Int>
    public var accessKey: SecretReference
    public var secretKey: SecretReference
}

/// Settings and item matching for one channel or one store, over the pack-wide ones.
public struct Override: Sendable {
    public var defaults: SettingLayer
    public var items: [ItemMatch]
    public init(defaults: SettingLayer = SettingLayer(), items: [ItemMatch] = []) {
        self.defaults = defaults
        self.items = items
    }
}

public struct TaxSetting: Sendable, Hashable {
    public var code: String
    public var rate: Rate
    public init(code: String, rate: Rate) {
        self.code = code
        self.rate = rate
    }
}

public struct ItemMatch: Sendable {
    public var sku: String
    public var code: String
    public var uom: String?
    /// UOM conversion: one channel unit is `rate` SQL units.
    public var rate: Int?
    public var tax: TaxSetting?
    /// A serialised item expects one serial number per unit.
    public var serialised: Bool
    public var account: String?
    public var origin: Origin
}

public struct ShippingMatch: Sendable {
    public var enabled: Bool
    public var code: String
    public var uom: String
    public var account: String?
    public var tax: TaxSetting?
    public var origin: Origin
}

public struct CurrencyMatch: Sendable {
    public var code: String
    /// A fixed exchange rate; when nil the order must carry `exchange_rate`.
    public var rate: FixedDecimal?
    public var origin: Origin
}

/// A sheet listed under `matching.item_sheets`, where `match import` writes.
public struct ItemSheetReference: Sendable, Equatable {
    /// Absolute path of the sheet.
    public var path: String
    /// As diagnostics show it.
    public var displayPath: String
    /// The `item_sheets` entry that lists it.
    public var declaredAt: SourceLocation
    /// Absolute path of the YAML file holding that entry: a client pack's own file, or a base pack's.
    public var declaringFile: String

    public init(path: String, displayPath: String, declaredAt: SourceLocation, declaringFile: String) {
        self.path = path
        self.displayPath = displayPath
        self.declaredAt = declaredAt
        self.declaringFile = declaringFile
    }
}

public struct Matching: Sendable {
    /// Pack-wide item matching by SKU: inline rows over sheet rows.
    public var items: [String: ItemMatch] = [:]
    /// The sheets in effect (an upper layer's list replaces the base's), in the order listed.
    public var itemSheets: [ItemSheetReference] = []
    /// Customer code by channel name or store id.
    public var customers: [String: Traced<String>] = [:]
    public var shipping: [String: ShippingMatch] = [:]
    /// Payment Received In (GL code) by channel name or store id.
    public var payments: [String: Traced<String>] = [:]
    public var currencies: [String: CurrencyMatch] = [:]
}

public struct Preset: Sendable {
    public var name: String
    public var itemCode: String
    public var uom: String
    public var tax: TaxSetting?
    /// Channel names and store ids it is switched on for.
    public var enabledFor: [String]
    public var origin: Origin
}

public enum RuleScope: String, Sendable { case order, line }

/// Line fields a `scope: line` rule may set.
public enum LineField: String, CaseIterable, Sendable {
    case itemCode = "item_code", uom, account, location, project, description
    case taxCode = "tax.code", taxRate = "tax.rate"
}

public struct ConditionalRule: Sendable {
    public var name: String
    public var scope: RuleScope
    public var condition: CompiledExpression
    public var orderSets: [(key: SettingKey, value: Traced<SettingValue>)]
    public var lineSets: [(field: LineField, value: Traced<SettingValue>)]
    /// An order-scope rule can exclude the order with this reason.
    public var exclude: Traced<String>?
    /// Stop evaluating later rules once this one matched.
    public var stop: Bool
    public var origin: Origin
}

public enum FieldPolicy: String, CaseIterable, Sendable { case createOnly = "create_only", update, ignore }

public struct EditPolicy: Sendable {
    /// Policy per invoice field (`docdate`, `sdsdocdetail.qty`, …); fields not named use `update`.
    public var fields: [String: Traced<FieldPolicy>]
    /// Fields an operator may edit on a failed order before retrying.
    public var editable: [Traced<String>]

    public init(fields: [String: Traced<FieldPolicy>], editable: [Traced<String>]) {
        self.fields = fields
        self.editable = editable
    }

    public func policy(for field: String) -> FieldPolicy { fields[field]?.value ?? .update }

    public static let invoiceHeaderFields = ["docno", "docnoex", "docdate", "postdate", "taxdate", "code", "companyname", "agent", "terms", "project", "area", "currencycode", "currencyrate", "description", "docref1", "docamt", "cancelled"]
    public static let invoiceLineFields = ["seq", "itemcode", "location", "project", "description", "qty", "uom", "unitprice", "disc", "tax", "taxrate", "taxinclusive", "taxamt", "amount", "account", "sdsserialnumber", "description3"]
    public static var allFields: [String] { invoiceHeaderFields + invoiceLineFields.map { "sdsdocdetail.\($0)" } }
    public static let builtInCreateOnly = ["docno", "code", "docdate", "docref1"]
    /// The receipt fields whose change to a synced receipt ledgersync sends: only the O/R number's
    /// (`payments.or_number_field`), named `customerpayment.<field>` beside the invoice fields.
    public static var receiptFields: [String] { PaymentSettings.orNumberFields.map { "\(receiptPrefix)\($0)" } }
    public static let receiptPrefix = "customerpayment."
}

/// How channel payouts become customer payments (official receipts).
public struct PaymentSettings: Sendable {
    /// What happens to the marketplace's fees (commission, service, transaction, shipping adjustments).
    public enum FeeTreatment: String, CaseIterable, Sendable {
        /// The receipt pays the invoices in full (`docamt` = the amount knocked off) and the fees are its
        /// `bankcharge`, posted to `fee_account`; the bank receives `docamt − bankcharge` = the payout.
        case bankCharge = "bank_charge"
        /// The receipt is the payout only; the fees stay outstanding on the invoices for a credit note later.
        case outstanding
    }

    public var fees: Traced<FeeTreatment>
    /// `bankchargeaccount`: the GL account the fees are posted to (with `bank_charge`).
    public var feeAccount: Traced<String>?
    /// `journal`: BANK or CASH.
    public var journal: Traced<String>
    /// The receipt's description: `{channel}`, `{payout_date}`, `{reference}`.
    public var description: Traced<String>
    /// The receipt field (`customerpayment`) the O/R number recorded with `payments set-or` is sent to, as an update
    /// of the synced receipt under `edit_policy.fields.customerpayment.<field>`. The API documents no O/R-number field
    /// apart from the receipt's own `docno`; `docref2` — a free reference beside `docref1`, which holds the payout's
    /// idempotency key — is inferred (docs/sqlaccount-api.md §10 lists `docref1..`).
    public var orNumberField: Traced<String>
    /// What a settlement row that pays out less than nothing (a refund or adjustment the channel takes back) does.
    public var negativePayouts: Traced<NegativePayouts> = Traced(.offset, .builtIn("payments.negative_payouts"))

    public enum NegativePayouts: String, CaseIterable, Sendable {
        /// Taken out inside its payout's receipt: it knocks off what the order's invoice is still owed from it (usually
        /// nothing: the return is credited), and the rest lowers the receipt as a bank charge, so the receipt still
        /// equals the payout to the sen.
        case offset
        /// A sales credit note of the amount to the order's customer (on `charge_item`/`charge_account`), and a customer
        /// refund of it from the channel's payment account that knocks the credit note off: the receipt keeps only the
        /// payout's other rows, and receipt − refund is the payout, to the sen. What SQL Accounting's own e-commerce
        /// module does with a negative Shopee escrow.
        case creditNote = "credit_note"
        /// Left out of every receipt and reported, for a credit note by hand.
        case report
    }

    /// What a fee that names no order (an account-level charge: Lazada's sponsored-discovery top-ups, marketing
    /// fees) does. It comes off the bank payout, so leaving it out means the books never match the bank.
    public var channelCharges: Traced<ChannelCharges> = Traced(.bankCharge, .builtIn("payments.channel_charges"))

    public enum ChannelCharges: String, CaseIterable, Sendable {
        /// Added to the bank charge of its payout's receipt (posted to `fee_account`, like the orders' fees); a payout
        /// with no receipt to carry it (or `fees: outstanding`) falls back to `credit_note`, and says so.
        case bankCharge = "bank_charge"
        /// A store-level sales credit note on `charge_item`/`charge_account` to the channel's customer, knocked off by
        /// a customer refund from the channel's payment account.
        case creditNote = "credit_note"
        /// Reported, not booked: the operator records it in SQL Accounting by hand.
        case report
    }

    /// The line item and GL account of the credit notes payouts make (negative payouts, channel charges). The item
    /// defaults to `returns.other_item`, the account to `fee_account` (then `returns.other_account`): what the
    /// channel keeps is a marketplace fee, so the credit note's debit lands where the receipts' bank charges do.
    public var chargeItem: Traced<String>?
    public var chargeAccount: Traced<String>?

    public static let placeholders = ["channel", "payout_date", "reference"]
    /// What `or_number_field` may name: the free references, or `docno` (SQL's own receipt number, then replaced by it).
    public static let orNumberFields = ["docref2", "docref3", "docref4", "docno"]

    public init(fees: Traced<FeeTreatment> = Traced(.bankCharge, .builtIn("payments.fees")), feeAccount: Traced<String>? = nil,
                journal: Traced<String> = Traced("BANK", .builtIn("payments.journal")),
                description: Traced<String> = Traced("{channel} payout {payout_date} ({reference})", .builtIn("payments.description")),
                orNumberField: Traced<String> = Traced("docref2", .builtIn("payments.or_number_field"))) {
        self.fees = fees
        self.feeAccount = feeAccount
        self.journal = journal
        self.description = description
        self.orNumberField = orNumberField
    }
}
