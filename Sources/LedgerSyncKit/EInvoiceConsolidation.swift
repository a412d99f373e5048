import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import SQLAccount
import StateStore
import Sync
import Transform

/// `ledgersync einvoice consolidate --month YYYY-MM [--apply]`: the month's consolidated e-invoice for the orders
/// whose invoices went to SQL Accounting with submission type `consolidate`, built from the invoices as they were
/// sent (the state store), one per store or per company, and sent exactly once.
public struct ConsolidationRequest: Sendable {
    public var packDirectory: String
    public var statePath: String?
    /// `YYYY-MM`.
    public var month: String
    public var apply: Bool
    public var endpoint: String?
    /// The day the command runs (Malaysia), for "due in N days" and for refusing a month not yet over.
    public var today: CalendarDate

    public init(packDirectory: String, statePath: String?, month: String, apply: Bool, endpoint: String?, today: CalendarDate) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.month = month
        self.apply = apply
        self.endpoint = endpoint
        self.today = today
    }
}

/// A month's consolidation: the documents, what was left out and why, and what must be synced first.
public struct ConsolidationReport: CommandResult, Sendable {
    public enum Action: String, Sendable {
        /// To send (plan) or sent now (apply).
        case create
        /// In SQL Accounting already: the month is consolidated for this scope.
        case unchanged
        /// Sent before without a confirmed answer: apply looks it up by docref1 before sending anything.
        case lookup
    }

    public struct Document: Sendable {
        public var scope: String
        public var resource: String
        public var customer: String
        public var idempotencyKey: String
        public var payload: JSONObject
        public var orders: [(orderID: String, orderNumber: String, docno: String)]
        public var amount: Money
        public var action: Action
        public var remoteDocno: String?
        /// After apply: what SQL Accounting answered.
        public var outcome: SyncItemOutcome?
        /// Orders of the scope synced as `consolidate` since this document was sent, so not in it.
        public var lateOrders: [String] = []
    }

    public struct LeftOut: Sendable {
        public var orderID: String
        public var orderNumber: String
        public var why: String
    }

    public var month: String
    public var monthEnd: CalendarDate
    public var dueDate: CalendarDate
    public var today: CalendarDate
    public var applied: Bool
    public var documents: [Document] = []
    public var leftOut: [LeftOut] = []
    /// Orders of the month whose invoice is not in SQL Accounting as it should be yet: apply refuses while any.
    public var notReady: [LeftOut] = []
    public var excludedCount = 0
    /// Reasons nothing could be sent (a month not over, orders not ready, a setting missing).
    public var refusals: [String] = []
    /// What the reader should know that stops nothing (a preview of a month still running).
    public var notes: [String] = []

    public var exitStatus: Int32 {
        if !refusals.isEmpty { return ExitStatus.failure }
        if applied, documents.contains(where: { $0.outcome.map { !$0.isSuccess } ?? false }) { return ExitStatus.failure }
        return ExitStatus.success
    }
}

public enum EInvoiceUseCases {
    public static func consolidate(_ request: ConsolidationRequest, environment: [String: String] = ProcessInfo.processInfo.environment) async throws(CommandFailure) -> ConsolidationReport {
        guard request.month.count == 7, let monthStart = CalendarDate(parsing: request.month + "-01") else {
            throw .message("--month must be a month like 2025-09, found '\(request.month)'")
        }
        let graph = try PackUseCases.load(request.packDirectory).graph
        guard let settings = graph.pack.einvoice else {
            throw .message("pack '\(request.packDirectory)' has no einvoice: section, so nothing is consolidated; add one (Docs/RulePackSpec.md §3.15)")
        }
        let state = try StateViews.openExisting(request.statePath)
        if !request.apply {
            return try reporting { try plan(request, monthStart: monthStart, settings: settings, store: state) }
        }
        guard let profile = graph.pack.profile else {
            throw .message("pack '\(request.packDirectory)' has no profile; einvoice consolidate --apply needs the client pack's connection")
        }
        var client = try reporting { try Workflows.client(for: profile.connection, endpoint: request.endpoint, environment: environment) }
        client.retryPolicy = Workflows.syncRetryPolicy(environment: environment)
        let lock = try reporting {
            try StateLock.acquire(statePath: state.path, command: "ledgersync einvoice consolidate --apply", wait: true) { _ in }
        }
        defer { lock.release() }
        var report = try reporting { try plan(request, monthStart: monthStart, settings: settings, store: state) }
        report.applied = true
        guard report.refusals.isEmpty else { return report }
        for index in report.documents.indices where report.documents[index].action != .unchanged {
            let document = report.documents[index]
            let planned = StoredConsolidation(month: request.month, scope: document.scope, resource: document.resource, customerCode: document.customer,
                                              idempotencyKey: document.idempotencyKey, payloadJSON: JSONWriter.compactString(.object(document.payload)),
                                              orderIDs: document.orders.map(\.orderID), amountSen: document.amount.minorUnits)
            let recorded = try reporting { try state.recordConsolidation(planned) }
            guard let id = recorded.id else { continue }
            let payload = (try? JSONParser.parse(recorded.payloadJSON))?.objectValue ?? document.payload
            let engine = SyncEngine(ledger: ConsolidationLedger(store: state), client: client, options: SyncOptions(concurrency: 1),
                                    resource: SQLAccountResource(recorded.resource))
            let results = await engine.sync(taskID: 0, items: [SyncItem(documentID: id, orderID: "consolidated \(document.scope)", idempotencyKey: recorded.idempotencyKey,
                                                                         payload: payload, writeBackDocno: false)])
            report.documents[index].outcome = results.first?.outcome ?? .skipped(reason: engine.stopReason ?? "not sent")
            if let stop = engine.stopReason {
                report.refusals.append(stop)
                break
            }
        }
        return report
    }

    /// What the month's consolidation is, from the state store alone (no request is made).
    static func plan(_ request: ConsolidationRequest, monthStart: CalendarDate, settings: EInvoiceSettings,
                     store: StateStore) throws -> ConsolidationReport {
        let monthEnd = CalendarDate(daysSinceEpoch: CalendarDate(year: monthStart.month == 12 ? monthStart.year + 1 : monthStart.year,
                                                                 month: monthStart.month % 12 + 1, day: 1).daysSinceEpoch - 1)
        let policy = settings.consolidation
        var report = ConsolidationReport(month: request.month, monthEnd: monthEnd,
                                         dueDate: CalendarDate(daysSinceEpoch: monthEnd.daysSinceEpoch + policy.dueDays.value),
                                         today: request.today, applied: false)
        let codes = Dictionary(settings.submissionCodes.map { ($0.value, $0.key) }) { first, _ in first }
        let submissionField = settings.fields.submissionType.value
        let sent = Dictionary(try store.consolidations(month: request.month).map { ($0.scope, $0) }) { first, _ in first }
        let alreadyReported = Set(sent.values.filter { $0.state != .desired && $0.state != .failed }.flatMap(\.orderIDs))

        var byScope: [String: [(order: MonthOrder, payload: JSONObject)]] = [:]
        for order in try store.orders(placedIn: request.month) {
            if order.status == .excluded && order.documentState != .created {
                report.excludedCount += 1
                continue
            }
            guard let documentState = order.documentState else {
                // Never staged: not applied yet, or its invoice could not be built from the order.
                report.notReady.append(.init(orderID: order.orderID, orderNumber: order.orderNumber,
                                             why: order.status == .failed ? "its invoice could not be built (ledgersync orders show \(order.orderID) says why); fix it and apply" : "not applied yet"))
                continue
            }
            switch documentState {
            case .created: break
            case .cancelled:
                report.leftOut.append(.init(orderID: order.orderID, orderNumber: order.orderNumber, why: "its invoice was cancelled"))
                continue
            case .sending, .unknown:
                report.notReady.append(.init(orderID: order.orderID, orderNumber: order.orderNumber,
                                             why: "its invoice was sent without a confirmed answer; the next apply looks it up"))
                continue
            case .desired, .failed:
                report.notReady.append(.init(orderID: order.orderID, orderNumber: order.orderNumber,
                                             why: documentState == .failed ? "its invoice failed to sync; fix it and apply" : "not applied yet"))
                continue
            }
            guard let payload = order.payloadJSON.flatMap({ (try? JSONParser.parse($0))?.objectValue }) else {
                report.notReady.append(.init(orderID: order.orderID, orderNumber: order.orderNumber, why: "its recorded invoice is not valid JSON"))
                continue
            }
            guard case .number(let codeText)? = payload[submissionField], let code = Int(codeText), let submission = codes[code] else {
                report.notReady.append(.init(orderID: order.orderID, orderNumber: order.orderNumber,
                                             why: "its invoice went to SQL Accounting without a known \(submissionField); `ledgersync plan` shows the update that adds it: apply it first"))
                continue
            }
            switch submission {
            case .einvoice:
                report.leftOut.append(.init(orderID: order.orderID, orderNumber: order.orderNumber, why: "an individual e-invoice (\(docno(order, payload)))"))
                continue
            case .none:
                let decided = settings.submission(channel: order.channel, store: order.store, customer: payload["code"]?.stringValue ?? "")
                let why = decided.value == .none ? "not reported: the pack says submission none" + (decided.origin.location.map { " (\($0.fileAndLine))" } ?? "")
                    : "not reported: the platform issued its e-invoice"
                report.leftOut.append(.init(orderID: order.orderID, orderNumber: order.orderNumber, why: why))
                continue
            case .consolidate: break
            }
            let currency = payload["currencycode"]?.stringValue ?? "----"
            guard currency == "----" || currency == "MYR" else {
                report.leftOut.append(.init(orderID: order.orderID, orderNumber: order.orderNumber,
                                            why: "billed in \(currency): a consolidated e-invoice is in ringgit, so report it by hand"))
                continue
            }
            let scope = policy.scope.value == .store ? order.store : "company"
            byScope[scope, default: []].append((order, payload))
        }
        if request.month >= String(request.today.description.prefix(7)) {
            if request.apply {
                report.refusals.append("\(request.month) has not ended (today is \(request.today)): a month is consolidated after its last day")
            } else {
                report.notes.append("\(request.month) has not ended (today is \(request.today)): this is a preview of the month so far; --apply waits until it is over")
            }
        }
        if !report.notReady.isEmpty {
            report.refusals.append("\(report.notReady.count) order\(report.notReady.count == 1 ? "" : "s") of \(request.month) \(report.notReady.count == 1 ? "is" : "are") not in SQL Accounting as the pack wants yet (listed above): apply them (or exclude them) first, so the consolidated e-invoice reports the whole month")
        }

        for scope in byScope.keys.sorted() {
            let members = byScope[scope] ?? []
            if let existing = sent[scope], existing.state == .created {
                let reported = Set(existing.orderIDs)
                var document = ConsolidationReport.Document(scope: scope, resource: existing.resource, customer: existing.customerCode,
                                                            idempotencyKey: existing.idempotencyKey,
                                                            payload: (try? JSONParser.parse(existing.payloadJSON))?.objectValue ?? JSONObject(),
                                                            orders: members.filter { reported.contains($0.order.orderID) }.map { ($0.order.orderID, $0.order.orderNumber, docno($0.order, $0.payload)) },
                                                            amount: Money(minorUnits: existing.amountSen), action: .unchanged, remoteDocno: existing.remoteDocno)
                document.lateOrders = members.map(\.order.orderID).filter { !reported.contains($0) && !alreadyReported.contains($0) }
                report.documents.append(document)
                continue
            }
            // The pack's validation requires both while anything is consolidated.
            guard let customer = policy.customer?.value, let itemCode = policy.itemCode?.value else {
                report.refusals.append("einvoice.consolidation needs customer and item_code to build the consolidated e-invoice for \(scope)")
                continue
            }
            var document = build(scope: scope, members: members, customer: customer, itemCode: itemCode, month: request.month, monthEnd: monthEnd,
                                 settings: settings, einvoiceCode: settings.submissionCodes[.einvoice])
            if let existing = sent[scope], existing.state == .sending || existing.state == .unknown {
                document.action = .lookup
            }
            report.documents.append(document)
        }
        return report
    }

    private static func docno(_ order: MonthOrder, _ payload: JSONObject) -> String {
        let number = order.remoteDocno ?? payload["docno"]?.stringValue ?? ""
        return number.isEmpty ? order.orderNumber : number
    }

    /// The consolidated document: lines summed from the invoices as sent, per the pack's grouping and each tax code.
    static func build(scope: String, members: [(order: MonthOrder, payload: JSONObject)], customer: String, itemCode: String, month: String,
                      monthEnd: CalendarDate, settings: EInvoiceSettings, einvoiceCode: Int?) -> ConsolidationReport.Document {
        let policy = settings.consolidation
        struct Line {
            var key: String
            var label: String
            var tax: String
            var taxRate: String
            var amount = Money.zero
            var taxAmount = Money.zero
            var references: [String] = []
        }
        var lines: [Line] = []
        var index: [String: Int] = [:]
        var orders: [(orderID: String, orderNumber: String, docno: String)] = []
        var total = Money.zero
        for (order, payload) in members {
            let reference = docno(order, payload) == order.orderNumber ? order.orderNumber : "\(order.orderNumber) (\(docno(order, payload)))"
            orders.append((order.orderID, order.orderNumber, docno(order, payload)))
            let group: (key: String, label: String)
            switch policy.lines.value {
            case .perOrder: group = (order.orderID, "Order \(order.orderNumber)")
            case .perDay: group = (order.orderedOn, "Sales \(order.orderedOn)")
            case .single: group = (month, "Sales \(month)")
            }
            var taxesSeen: Set<String> = []
            for detail in payload["sdsdocdetail"]?.arrayValue ?? [] {
                guard let line = detail.objectValue else { continue }
                let tax = line["tax"]?.stringValue ?? ""
                let rate = line["taxrate"]?.stringValue ?? ""
                let amount = line["amount"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
                let taxAmount = line["taxamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
                let key = group.key + "|" + tax + "|" + rate
                if index[key] == nil {
                    index[key] = lines.count
                    lines.append(Line(key: key, label: group.label, tax: tax, taxRate: rate))
                }
                let at = index[key]!
                lines[at].amount = lines[at].amount + amount
                lines[at].taxAmount = lines[at].taxAmount + taxAmount
                if taxesSeen.insert(key).inserted { lines[at].references.append(reference) }
                total = total + amount + taxAmount
            }
        }
        let descriptionLimit = FieldLimits.invoiceLine("description")?.maxLength ?? 200
        var details: [JSONValue] = []
        for (position, line) in lines.enumerated() {
            var detail = JSONObject()
            detail.append("seq", .int(position + 1))
            detail.append("itemcode", .string(itemCode))
            let count = line.references.count
            let label = policy.lines.value == .perOrder ? line.label : "\(line.label) (\(count) order\(count == 1 ? "" : "s"))"
            detail.append("description", .string(String(label.prefix(descriptionLimit))))
            // Every receipt's reference, as MyInvois asks of a consolidated e-invoice: the memo field has no length limit.
            detail.append("description3", .string(line.references.joined(separator: ", ")))
            detail.append("qty", .string("1.00"))
            detail.append("unitprice", .string(line.amount.description))
            detail.append("disc", .string("0.00"))
            if !line.tax.isEmpty {
                detail.append("tax", .string(line.tax))
                detail.append("taxrate", .string(line.taxRate))
            }
            detail.append("taxinclusive", .bool(false))
            detail.append("taxamt", .string(line.taxAmount.description))
            detail.append("amount", .string(line.amount.description))
            if let account = policy.account?.value { detail.append("account", .string(account)) }
            detail.append(settings.fields.classification.value, .string(settings.consolidatedClassification.value))
            details.append(.object(detail))
        }
        let storeName = scope == "company" ? "all" : scope
        let key = policy.idempotencyKey.value.replacingOccurrences(of: "{month}", with: month).replacingOccurrences(of: "{scope}", with: scope)
        let description = policy.description.value.replacingOccurrences(of: "{month}", with: month).replacingOccurrences(of: "{store}", with: storeName)
            .replacingOccurrences(of: "{orders}", with: String(members.count))
        var payload = JSONObject()
        payload.append("docno", .string(""))
        payload.append("docdate", .string(monthEnd.description))
        payload.append("postdate", .string(monthEnd.description))
        payload.append("taxdate", .string(monthEnd.description))
        payload.append("code", .string(customer))
        payload.append("description", .string(String(description.prefix(FieldLimits.invoiceHeader("description")?.maxLength ?? 200))))
        payload.append("docref1", .string(key))
        payload.append("docamt", .string(total.description))
        payload.append("cancelled", .bool(false))
        if let einvoiceCode { payload.append(settings.fields.submissionType.value, .int(einvoiceCode)) }
        payload.append(settings.fields.tin.value, .string(EInvoiceIdentity.generalPublicTIN))
        payload.append(settings.fields.idValue.value, .string(EInvoiceIdentity.consolidatedIDValue))
        payload.append("sdsdocdetail", .array(details))
        return ConsolidationReport.Document(scope: scope, resource: policy.resource.value, customer: customer, idempotencyKey: key, payload: payload,
                                            orders: orders, amount: total, action: .create)
    }
}

/// `einvoice consolidate`'s text and JSON.
public enum EInvoiceRendering {
    public static func render(_ report: ConsolidationReport, format: OutputFormat) -> Rendered {
        format == .text ? .text(text(report)) : .document(json(report))
    }

    public static func text(_ report: ConsolidationReport) -> String {
        var out = "consolidated e-invoice for \(report.month): dated \(report.monthEnd), due to MyInvois by \(report.dueDate)"
        let daysLeft = report.dueDate.daysSinceEpoch - report.today.daysSinceEpoch
        if daysLeft < 0 { out += " (overdue by \(-daysLeft) day\(daysLeft == -1 ? "" : "s"))" }
        else if report.today >= report.monthEnd { out += " (\(daysLeft) day\(daysLeft == 1 ? "" : "s") left)" }
        out += "\n"
        for document in report.documents {
            let lines = document.payload["sdsdocdetail"]?.arrayValue?.count ?? 0
            let scope = document.scope == "company" ? "the company" : "store \(document.scope)"
            switch document.action {
            case .create, .lookup:
                let symbol = report.applied ? outcomeSymbol(document.outcome) : "+"
                out += "\(symbol) \(document.resource) \(document.idempotencyKey)  code \(document.customer)  docamt \(document.amount)  \(lines) line\(lines == 1 ? "" : "s")  \(document.orders.count) order\(document.orders.count == 1 ? "" : "s") of \(scope)\n"
                if document.action == .lookup, !report.applied {
                    out += "    sent before without a confirmed answer: apply looks it up by docref1 first and adopts it if SQL Accounting has it\n"
                }
            case .unchanged:
                out += "= \(document.resource) \(document.idempotencyKey)  already in SQL Accounting as \(document.remoteDocno ?? "?")  docamt \(document.amount)  \(document.orders.count) order\(document.orders.count == 1 ? "" : "s") of \(scope): nothing to do\n"
                if !document.lateOrders.isEmpty {
                    out += "    ! \(document.lateOrders.count) order\(document.lateOrders.count == 1 ? "" : "s") synced since are not in it (\(document.lateOrders.joined(separator: ", "))): report them to MyInvois by hand\n"
                }
            }
            if let outcome = document.outcome { out += "    \(outcomeText(outcome))\n" }
            out += "    orders: " + document.orders.map { $0.docno == $0.orderNumber ? $0.orderNumber : "\($0.orderNumber) (\($0.docno))" }.joined(separator: ", ") + "\n"
        }
        if report.documents.isEmpty && report.refusals.isEmpty { out += "no order of \(report.month) is to be consolidated\n" }
        if !report.leftOut.isEmpty {
            out += "left out (\(report.leftOut.count)):\n"
            for order in report.leftOut { out += "  \(order.orderID) \(order.orderNumber): \(order.why)\n" }
        }
        if report.excludedCount > 0 { out += "excluded by the pack: \(report.excludedCount) order\(report.excludedCount == 1 ? "" : "s")\n" }
        if !report.notReady.isEmpty {
            out += "not ready (\(report.notReady.count)):\n"
            for order in report.notReady { out += "  \(order.orderID) \(order.orderNumber): \(order.why)\n" }
        }
        for note in report.notes { out += "note: \(note)\n" }
        for refusal in report.refusals { out += "error: \(refusal); nothing was sent\n" }
        let toSend = report.documents.filter { $0.action != .unchanged }.count
        if !report.applied {
            out += "Plan: \(toSend) to create, \(report.documents.count - toSend) already sent.\n"
        } else if report.refusals.isEmpty {
            let created = report.documents.filter { $0.outcome?.isSuccess == true }.count
            out += "Applied: \(created) of \(toSend) sent, \(report.documents.count - toSend) already sent.\n"
        }
        return out
    }

    private static func outcomeSymbol(_ outcome: SyncItemOutcome?) -> String {
        guard let outcome else { return "+" }
        return outcome.isSuccess ? "+" : "!"
    }

    private static func outcomeText(_ outcome: SyncItemOutcome) -> String {
        switch outcome {
        case .created(let docno, let dockey): return "created as \(docno ?? "dockey \(dockey)")"
        case .adopted(let docno, let dockey, let note): return "found in SQL Accounting as \(docno ?? "dockey \(dockey)") and adopted, not sent again" + (note.map { "; \($0)" } ?? "")
        case .failed(let message): return "failed: \(message)"
        case .unknown(let message): return "in doubt: \(message)"
        case .skipped(let reason): return "not sent: \(reason)"
        }
    }

    public static func json(_ report: ConsolidationReport) -> JSONValue {
        var object = JSONObject()
        object.append("format_version", .int(1))
        object.append("month", .string(report.month))
        object.append("docdate", .string(report.monthEnd.description))
        object.append("due", .string(report.dueDate.description))
        object.append("applied", .bool(report.applied))
        object.append("documents", .array(report.documents.map { document in
            var item = JSONObject()
            item.append("scope", .string(document.scope))
            item.append("action", .string(document.action.rawValue))
            item.append("resource", .string(document.resource))
            item.append("idempotency_key", .string(document.idempotencyKey))
            item.append("docamt", .string(document.amount.description))
            item.append("orders", .array(document.orders.map { .string($0.orderID) }))
            if let docno = document.remoteDocno { item.append("remote_docno", .string(docno)) }
            if let outcome = document.outcome { item.append("outcome", .string(outcomeText(outcome))) }
            item.append("payload", .object(document.payload))
            return .object(item)
        }))
        object.append("left_out", .array(report.leftOut.map { .object(["order_id": .string($0.orderID), "why": .string($0.why)]) }))
        object.append("not_ready", .array(report.notReady.map { .object(["order_id": .string($0.orderID), "why": .string($0.why)]) }))
        object.append("errors", .array(report.refusals.map { .string($0) }))
        return .object(object)
    }
}

extension Workflows {
    public static func einvoiceConsolidate(_ request: ConsolidationRequest, format: OutputFormat, console: Console,
                                           environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        await respond(format: format, console: console, render: { EInvoiceRendering.render($0, format: format) }) {
            try await EInvoiceUseCases.consolidate(request, environment: environment)
        }
    }
}
