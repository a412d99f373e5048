import Foundation
import LedgerCore
import LedgerJSON
import OrderIO
import RulePack

/// What the plan does with one order's document.
public enum PlanAction: String, Sendable, CaseIterable {
    case create, update, cancel, unchanged, error

    /// Terraform's column: `+ ~ - = !`.
    public var symbol: String {
        switch self {
        case .create: return "+"
        case .update: return "~"
        case .cancel: return "-"
        case .unchanged: return "="
        case .error: return "!"
        }
    }
}

/// One order's line in a plan.
public struct PlanEntry: Sendable {
    public var orderID: String
    public var action: PlanAction
    public var documentType: String
    public var idempotencyKey: String?
    /// What will be sent: the full invoice for a create, the desired invoice for an update.
    public var payload: JSONObject?
    /// For updates (and unchanged documents with kept differences): every field that differs and its policy.
    public var changes: [FieldChange]
    /// With `--refresh`: how SQL Account's copy differs from what was recorded (someone edited it there).
    public var drift: [FieldChange]
    /// The recorded document the plan was made against.
    public var documentID: Int64?
    public var remoteDockey: Int64?
    public var remoteDocno: String?
    /// Why (an error's message, a cancellation's cause, a note on an unchanged document).
    public var reason: String?
    /// The transform's warnings about what will be sent (a cut description, an unmatched SKU …), as `transform`
    /// shows them; set for creates, updates and errors, since an unchanged or cancelled invoice sends nothing new.
    public var warnings: [Diagnostic]
    /// For a credit note or customer refund: the return event it is for.
    public var returnID: String?
    /// For a credit note: what it knocks off its invoice; for a refund: what it pays out of the credit note.
    public var knockOff: Money?
    /// For a credit note: what of its return event it credits (`CreditedReturn`, as JSON), recorded when it is staged.
    public var creditedReturn: String?

    public init(orderID: String, action: PlanAction, documentType: String = "salesinvoice", idempotencyKey: String? = nil,
                payload: JSONObject? = nil, changes: [FieldChange] = [], drift: [FieldChange] = [], documentID: Int64? = nil,
                remoteDockey: Int64? = nil, remoteDocno: String? = nil, reason: String? = nil, warnings: [Diagnostic] = [],
                returnID: String? = nil, knockOff: Money? = nil, creditedReturn: String? = nil) {
        self.returnID = returnID
        self.creditedReturn = creditedReturn
        self.knockOff = knockOff
        self.orderID = orderID
        self.action = action
        self.documentType = documentType
        self.idempotencyKey = idempotencyKey
        self.payload = payload
        self.changes = changes
        self.drift = drift
        self.documentID = documentID
        self.remoteDockey = remoteDockey
        self.remoteDocno = remoteDocno
        self.reason = reason
        self.warnings = warnings
    }

    /// The changes that will be sent (policy `update`).
    public var updates: [FieldChange] { changes.filter { $0.policy == .update } }
}

/// A dry-run diff: what `apply` would do, order by order, and what it was computed against.
public struct Plan: Sendable {
    public static let formatVersion = 1

    public var entries: [PlanEntry]
    /// Orders the pack excludes that have no invoice (nothing to do).
    public var excluded: [(orderID: String, reason: String)]
    public var packDirectory: String
    public var ordersPath: String
    /// The orders of the file the plan was made for (`--order`, `--status` …); nil: every order of the file.
    /// `apply PLAN` imports and syncs only these.
    public var selection: ResolvedSelection?
    /// The custom invoice-number sequences as they stand after the plan's creates took their numbers (prefix →
    /// next number): `apply PLAN` moves the state store's on to them, so the next run does not hand out a number
    /// the plan's invoices already carry.
    public var sequences: [String: Int] = [:]
    /// Fingerprints of the inputs, so a saved plan is refused when any of them moved.
    public var packFingerprint: String
    public var ordersFingerprint: String
    public var stateFingerprint: String
    public var refreshed: Bool
    public var asOf: String
    public var createdAt: String

    public init(entries: [PlanEntry], excluded: [(orderID: String, reason: String)], packDirectory: String, ordersPath: String,
                packFingerprint: String, ordersFingerprint: String, stateFingerprint: String, refreshed: Bool, asOf: String, createdAt: String,
                selection: ResolvedSelection? = nil) {
        self.entries = entries
        self.selection = selection
        self.excluded = excluded
        self.packDirectory = packDirectory
        self.ordersPath = ordersPath
        self.packFingerprint = packFingerprint
        self.ordersFingerprint = ordersFingerprint
        self.stateFingerprint = stateFingerprint
        self.refreshed = refreshed
        self.asOf = asOf
        self.createdAt = createdAt
    }

    /// The counts of the entries and exclusions.
    public var tally: PlanTally {
        var tally = PlanTally()
        for entry in entries { tally.add(entry) }
        tally.excluded = excluded.count
        return tally
    }

    public func count(_ action: PlanAction) -> Int { tally.count(action) }

    /// Whether the entry is a return's document (a credit note or customer refund) rather than an invoice.
    public static func isReturnDocument(_ type: String) -> Bool { type == "salescreditnote" || type == "customerrefund" }

    public func count(_ action: PlanAction, returns: Bool) -> Int { tally.count(action, returns: returns) }

    /// Creates, updates or cancels to make.
    public var hasChanges: Bool { tally.hasChanges }
    public var hasErrors: Bool { tally.hasErrors }
}

/// What a plan's summary line and exit status need, counted as its entries go by: a plan streamed to the screen
/// and to disk keeps these, not its entries.
public struct PlanTally: Sendable, Equatable {
    /// By action, invoices and return documents apart.
    private var invoices: [PlanAction: Int] = [:]
    private var returnDocuments: [PlanAction: Int] = [:]
    public private(set) var creditNotesToCreate = 0
    public private(set) var refundsToCreate = 0
    /// Entries whose SQL Accounting copy was edited since sync (found by `--refresh`).
    public private(set) var drifted = 0
    /// Orders the pack excludes that have no invoice.
    public var excluded = 0

    public init() {}

    public mutating func add(_ entry: PlanEntry) {
        if Plan.isReturnDocument(entry.documentType) {
            returnDocuments[entry.action, default: 0] += 1
        } else {
            invoices[entry.action, default: 0] += 1
        }
        if entry.action == .create && entry.documentType == "salescreditnote" { creditNotesToCreate += 1 }
        if entry.action == .create && entry.documentType == "customerrefund" { refundsToCreate += 1 }
        if !entry.drift.isEmpty { drifted += 1 }
    }

    public func count(_ action: PlanAction) -> Int { count(action, returns: false) + count(action, returns: true) }

    public func count(_ action: PlanAction, returns: Bool) -> Int { (returns ? returnDocuments : invoices)[action] ?? 0 }

    /// Creates, updates or cancels to make.
    public var hasChanges: Bool { [.create, .update, .cancel].contains { count($0) > 0 } }
    public var hasErrors: Bool { count(.error) > 0 }
}
