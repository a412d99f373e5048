import Foundation
import LedgerCore
import LedgerJSON
import Planner
import RulePack
import SQLAccount
import StateStore
import Transform
import Sync

/// `ledgersync payments plan|apply|list|show|set-or`: channel payouts → customer payments that knock off the
/// synced invoices.
extension Workflows {
    /// The receipts the imported settlements call for, with every knock-off, before anything is sent.
    /// With `paidAmount`, the selection must make exactly one receipt, whose payout becomes that amount.
    static func planPayments(graph: TransformGraph, store: StateStore, channel: String?, from: String?, to: String?,
                             paidAmount: Money? = nil, manual: ManualReceipt? = nil) throws -> PaymentPlanner.Result {
        let rows = try store.settlementRows(channel: channel, from: from, to: to, unpaidOnly: true)
        // A receipt by hand: ticked invoices, or a channel without settlement rows (Zalora, webstores, POS) and an amount.
        if let channel, let paidAmount, manual?.picksInvoices == true || rows.isEmpty {
            var result = try planManualPayment(graph: graph, store: store, channel: channel, from: from, to: to, paidAmount: paidAmount, manual: manual ?? ManualReceipt())
            let sent = try store.payments().filter(\.state.mayExistRemotely)
            for payment in sent where result.payments.contains(where: { $0.idempotencyKey == payment.idempotencyKey }) {
                result.diagnostics.append(.warning(alreadySentMessage(payment) + "; apply will neither send it again nor change it", code: "payment-already-sent"))
            }
            return result
        }
        if manual?.picksInvoices == true {
            let why = channel == nil ? "--channel" : "--paid-amount"
            return PaymentPlanner.Result(payments: [], diagnostics: [.error("a receipt for ticked invoices (--invoice/--order) needs \(why): the channel and the amount paid, as on the seed's customer payment screen; nothing is sent", code: "manual-receipt")])
        }
        var result = PaymentPlanner.plan(rows, settings: graph.pack.payments, invoice: { row in
            guard let matches = try? store.orders(channel: row.channel, settlementOrderID: row.orderID), matches.count == 1, let order = matches.first,
                  order.status == .completed,
                  let document = try? store.document(orderID: order.id), document.state == .created,
                  let payload = (try? JSONParser.parse(document.payloadJSON))?.objectValue else { return nil }
            // What the invoice still asks of the payout: its amount less what credit notes knocked off it.
            let credited = Money(minorUnits: (try? store.creditedSen(orderID: order.id)) ?? 0)
            let amount = (payload["docamt"]?.stringValue.flatMap { Money(parsing: $0) } ?? .zero) - credited
            let docno = document.remoteDocno ?? payload["docno"]?.stringValue ?? ""
            return SyncedInvoice(orderID: row.orderID, store: order.store, docno: docno, customerCode: payload["code"]?.stringValue ?? "", amount: amount)
        }, paymentMethod: { storeID, channel in
            graph.pack.matching.payments[storeID]?.value ?? graph.pack.matching.payments[channel]?.value
        }, invoicedShipping: { storeID, _ in
            // The pack decides what the invoice bills for shipping, exactly as the transform built it.
            guard let plan = graph.plan(forStore: storeID), plan.shipping?.enabled == true else { return .none }
            return plan.settings.basis.value == "buyer_paid" ? .buyerPaid : .beforePlatformDiscount
        }, paidAmount: paidAmount, customer: { row in
            // A payout credit note without a synced invoice: the order's store's customer, else the channel's.
            if !row.isChannelCharge, let matches = try? store.orders(channel: row.channel, settlementOrderID: row.orderID), matches.count == 1,
               let order = matches.first, let plan = graph.plan(forStore: order.store),
               let code = plan.customer?.value ?? plan.settings.customerCode?.value {
                return (order.store, code)
            }
            return channelCustomer(graph, channel: row.channel)
        }, adjustments: PayoutAdjustments.Context(settings: graph.pack.payments, returnItem: graph.pack.returns.otherItem?.value,
                                                  returnAccount: graph.pack.returns.otherAccount?.value))
        result.adjustments += try pendingRefunds(graph: graph, store: store, channel: channel, from: from, to: to, planned: result.adjustments)
        let sent = try store.payments().filter(\.state.mayExistRemotely)
        // A planned receipt whose docref1 was sent before (late rows of a payout already paid): apply will not touch it.
        let plannedKeys = Set(result.payments.map(\.idempotencyKey))
        for payment in sent where plannedKeys.contains(payment.idempotencyKey) {
            let consequence = payment.state == .created
                ? "; apply will neither send it again nor change it, so the orders added to this payout since stay unpaid — pay them in SQL Accounting"
                : "; apply completes the receipt as it was sent, without the orders added to this payout since"
            result.diagnostics.append(.warning(alreadySentMessage(payment) + consequence, code: "payment-already-sent"))
        }
        if paidAmount != nil, result.payments.isEmpty {
            // The payout the operator means is most likely one whose receipt is already in: say so rather than only "none".
            let selected = sent.filter { payment in
                (channel.map { $0 == payment.channel } ?? true) && (from.map { payment.payoutDate >= $0 } ?? true) && (to.map { payment.payoutDate <= $0 } ?? true)
            }
            for payment in selected {
                result.diagnostics.append(.warning(alreadySentMessage(payment) + "; --paid-amount never re-sends or changes a sent receipt — correct it in SQL Accounting",
                                                   code: "payment-already-sent"))
            }
        }
        return result
    }

    /// Refunds of payout credit notes SQL Account already holds that were never sent (their run failed or stopped after
    /// the credit note): their rows are covered, so no plan rebuilds them — they are planned here again, with the
    /// pack's payment account and journal as they are now, to be sent after the credit note they knock off.
    static func pendingRefunds(graph: TransformGraph, store: StateStore, channel: String?, from: String?, to: String?,
                               planned: [PlannedPayoutDocument]) throws -> [PlannedPayoutDocument] {
        let documents = try store.payoutDocuments()
        let plannedKeys = Set(planned.map(\.idempotencyKey))
        var refunds: [PlannedPayoutDocument] = []
        for refund in documents where !refund.isCreditNote && (refund.state == .desired || refund.state == .failed) {
            guard !plannedKeys.contains(refund.idempotencyKey), (channel.map { $0 == refund.channel } ?? true),
                  (from.map { refund.payoutDate >= $0 } ?? true), (to.map { refund.payoutDate <= $0 } ?? true),
                  let note = documents.first(where: { $0.id == refund.creditNoteID }), note.state == .created,
                  let creditNote = (try? JSONParser.parse(note.payloadJSON))?.objectValue else { continue }
            let method = graph.pack.matching.payments[refund.channel]?.value ?? channelCustomer(graph, channel: refund.channel).flatMap { graph.pack.matching.payments[$0.store]?.value }
            guard let method else { continue }
            let amount = Money(minorUnits: refund.amountSen)
            var payload = ReturnPlanner.refundPayload(creditNote: creditNote, amount: amount, paymentMethod: method, journal: graph.pack.payments.journal.value)
            payload["docref1"] = .string(refund.idempotencyKey)
            refunds.append(PlannedPayoutDocument(channel: refund.channel, payoutDate: refund.payoutDate, reference: refund.reference, orderID: refund.orderID,
                                                 customerCode: refund.customerCode, type: refund.type, cause: refund.orderID.isEmpty ? .channelCharge : .negativePayout,
                                                 idempotencyKey: refund.idempotencyKey, payload: payload, amount: amount, creditNoteKey: note.idempotencyKey,
                                                 rowIDs: [], paymentMethod: method))
        }
        return refunds
    }

    /// The customer a channel's store-level documents go to: `matching.customers.<channel>`, else that of the channel's
    /// first store (by id) that has one.
    static func channelCustomer(_ graph: TransformGraph, channel: String) -> (store: String, code: String)? {
        if let code = graph.pack.matching.customers[channel]?.value { return ("", code) }
        for id in graph.storeIDs {
            guard let plan = graph.plan(forStore: id), plan.store.channel.rawValue == channel,
                  let code = plan.customer?.value ?? plan.settings.customerCode?.value else { continue }
            return (id, code)
        }
        return nil
    }

    /// `shopee payout 2025-10-06 (SPX-1006): payment 1 is already in SQL Accounting as OR-00001 with docamt 534.40`.
    static func alreadySentMessage(_ payment: StoredPayment) -> String {
        let amount = (try? JSONParser.parse(payment.payloadJSON))?["docamt"]?.stringValue ?? "?"
        let standing = payment.state == .created ? "is already in SQL Accounting as \(payment.remoteDocno ?? "dockey \(payment.remoteDockey.map(String.init) ?? "?")")"
            : "was sent (\(payment.state.rawValue)) without a confirmed answer and is looked up before anything is sent again"
        return "\(payment.channel) payout \(payment.payoutDate) (\(payment.reference)): payment \(payment.id ?? 0) \(standing) with docamt \(amount)"
    }

    public static func paymentsPlan(packDirectory: String, statePath: String?, channel: String?, from: String?, to: String?, paidAmount: Money? = nil,
                                    manual: ManualReceipt? = nil, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { PaymentRendering.render($0, format: format) }) {
            var selection = PaymentSelection(packDirectory: packDirectory, statePath: statePath, channel: channel, from: from, to: to, paidAmount: paidAmount)
            selection.manual = manual
            return try PaymentUseCases.plan(selection)
        }
    }

    /// Plans the receipts and syncs them exactly once (looked up by docref1 first, like invoices).
    public static func paymentsApply(packDirectory: String, statePath: String?, channel: String?, from: String?, to: String?, paidAmount: Money? = nil,
                                     manual: ManualReceipt? = nil, endpoint: String?, format: OutputFormat, console: Console, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, format: format, quietWarnings: true) else { return ExitStatus.failure }
        guard let profile = graph.pack.profile else {
            console.err("pack '\(packDirectory)' has no profile; apply payments with the client pack\n")
            return ExitStatus.failure
        }
        guard let store = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let lock = try StateLock.acquire(statePath: store.path, command: "ledgersync payments apply", wait: true) { holder in
                console.err("waiting: \(holder) is syncing with \(store.path)\n")
            }
            defer { lock.release() }
            var client = try client(for: profile.connection, endpoint: endpoint, environment: environment)
            client.retryPolicy = syncRetryPolicy(environment: environment)
            let result = try planPayments(graph: graph, store: store, channel: channel, from: from, to: to, paidAmount: paidAmount, manual: manual)
            if format == .text { console.out(PaymentRendering.text(result)) }
            guard !result.diagnostics.hasErrors else { return ExitStatus.failure }
            let pipeline = PaymentPipeline(store: store)
            let prepared = try pipeline.prepare(result.payments, adjustments: result.adjustments, selection: PaymentPipeline.Selection(channel: channel, from: from, to: to),
                                                receiptNumbers: receiptNumberPolicy(graph.pack))
            let delivery: PaymentDelivery
            do {
                delivery = try await pipeline.deliver(prepared, client: client, sync: SyncOptions(concurrency: 2))
            } catch let unavailable as ConnectionUnavailable {
                console.out(PaymentRendering.notes(prepared.notes))
                var waiting = ["\(prepared.items.count) payment\(prepared.items.count == 1 ? "" : "s") stay planned"]
                if !prepared.payoutDocuments.isEmpty {
                    waiting.append("\(prepared.payoutDocuments.count) credit note\(prepared.payoutDocuments.count == 1 ? "" : "s") and refunds stay planned")
                }
                if !prepared.receiptNumbers.isEmpty {
                    waiting.append("\(prepared.receiptNumbers.count) O/R number\(prepared.receiptNumbers.count == 1 ? "" : "s") wait")
                }
                console.err("\(unavailable.status.label): \(unavailable.status.reason); nothing was sent — \(waiting.joined(separator: ", "))\n")
                return ExitStatus.failure
            }
            let report = PaymentApplyReport(notes: prepared.notes, results: delivery.results, receiptNumbers: delivery.receiptNumbers,
                                            taskID: delivery.taskID, payoutDocuments: delivery.payoutDocuments)
            if format == .text { console.out(PaymentRendering.text(report)) } else { console.outJSONDocument(PaymentRendering.json(report)) }
            return report.succeeded ? ExitStatus.success : ExitStatus.failure
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    /// Where the pack sends O/R numbers (`payments.or_number_field`) and whether its edit policy lets them be sent.
    static func receiptNumberPolicy(_ pack: RulePack) -> ReceiptNumberPolicy {
        let field = pack.payments.orNumberField.value
        let policy = pack.editPolicy.fields[EditPolicy.receiptPrefix + field]
        return ReceiptNumberPolicy(field: field, policy: policy?.value ?? .update, policyOrigin: policy?.origin.location?.fileAndLine)
    }

    public static func paymentsList(statePath: String?, format: OutputFormat, console: Console) -> Int32 {
        respond(format: format, console: console, render: { PaymentRendering.render($0, format: format) }) {
            try PaymentUseCases.list(statePath: statePath)
        }
    }

    public static func paymentShow(statePath: String?, paymentID: Int64, format: OutputFormat = .text, console: Console) -> Int32 {
        respond(format: format, console: console, render: { PaymentRendering.render($0, format: format) }) {
            try PaymentUseCases.show(statePath: statePath, paymentID: paymentID)
        }
    }

    public static func paymentsSetOR(statePath: String?, paymentID: Int64, receiptNumber: String, console: Console) -> Int32 {
        respond(format: .text, console: console, render: PaymentRendering.render) {
            try PaymentUseCases.setReceiptNumber(statePath: statePath, paymentID: paymentID, receiptNumber: receiptNumber)
        }
    }
}

/// The receipts `payments plan` is asked for: a pack, a state store and which payouts.
public struct PaymentSelection: Sendable {
    public var packDirectory: String
    public var statePath: String?
    public var channel: String?
    public var from: String?
    public var to: String?
    /// What actually reached the bank, when it differs from the settlement; the selection must then make one receipt.
    public var paidAmount: Money?
    /// Invoices ticked by hand, and the receipt's bank charge, reference and date.
    public var manual: ManualReceipt?

    public init(packDirectory: String, statePath: String?, channel: String? = nil, from: String? = nil, to: String? = nil, paidAmount: Money? = nil) {
        self.packDirectory = packDirectory
        self.statePath = statePath
        self.channel = channel
        self.from = from
        self.to = to
        self.paidAmount = paidAmount
    }
}

/// `payments plan`: the receipts and their knock-offs; an error in the plan fails the command.
public struct PaymentPlan: CommandResult {
    public var result: PaymentPlanner.Result
    /// The plan as `payments plan` prints it.
    public var text: String { PaymentRendering.text(result) }
    public var exitStatus: Int32 { result.diagnostics.hasErrors ? ExitStatus.failure : ExitStatus.success }
}

public struct PaymentListing: CommandResult {
    public var payments: [StoredPayment]
    public var exitStatus: Int32 { ExitStatus.success }
}

/// `payments show`: one receipt as recorded, what was sent and every request made for it.
public struct PaymentDetail: CommandResult {
    public var payment: StoredPayment
    public var payload: JSONValue
    public var attempts: [PaymentAttempt]
    public var exitStatus: Int32 { ExitStatus.success }
}

public struct ReceiptNumberRecorded: CommandResult {
    public var paymentID: Int64
    public var receiptNumber: String
    /// The payment as recorded now: whether SQL Accounting has the number, or when it is sent.
    public var payment: StoredPayment
    public var exitStatus: Int32 { ExitStatus.success }
}

/// The use cases behind `payments plan|list|show|set-or`.
public enum PaymentUseCases {
    public static func plan(_ selection: PaymentSelection) throws(CommandFailure) -> PaymentPlan {
        let graph = try PackUseCases.load(selection.packDirectory).graph
        let store = try StateViews.openExisting(selection.statePath)
        return try reporting {
            PaymentPlan(result: try Workflows.planPayments(graph: graph, store: store, channel: selection.channel, from: selection.from,
                                                           to: selection.to, paidAmount: selection.paidAmount, manual: selection.manual))
        }
    }

    public static func list(statePath: String?) throws(CommandFailure) -> PaymentListing {
        let store = try StateViews.openExisting(statePath)
        return try reporting { PaymentListing(payments: try store.payments()) }
    }

    public static func show(statePath: String?, paymentID: Int64) throws(CommandFailure) -> PaymentDetail {
        let store = try StateViews.openExisting(statePath)
        return try reporting {
            guard let payment = try store.payment(paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            return PaymentDetail(payment: payment, payload: (try? JSONParser.parse(payment.payloadJSON)) ?? .string(payment.payloadJSON),
                                 attempts: try store.paymentAttempts(paymentID: paymentID))
        }
    }

    /// Records the receipt's O/R number in the state store; the next `payments apply` sends it to SQL Account (an
    /// update of the synced receipt, exactly once, under the pack's edit policy).
    public static func setReceiptNumber(statePath: String?, paymentID: Int64, receiptNumber: String) throws(CommandFailure) -> ReceiptNumberRecorded {
        let store = try StateViews.openExisting(statePath)
        return try reporting {
            let payment = try store.setReceiptNumber(paymentID: paymentID, receiptNumber)
            return ReceiptNumberRecorded(paymentID: paymentID, receiptNumber: receiptNumber, payment: payment)
        }
    }
}

/// What `payments apply` did: the receipts sent (or adopted), the O/R numbers sent, and why others were not sent as planned.
struct PaymentApplyReport {
    var notes: [PaymentNote]
    var results: [SyncItemResult]
    var receiptNumbers: [ReceiptNumberResult] = []
    /// The receipt task of this run; nil when nothing was sent.
    var taskID: Int64?
    /// Credit notes and refunds of negative payouts and channel charges.
    var payoutDocuments: [PayoutDocumentResult] = []

    var failed: Int { results.filter { !$0.outcome.isSuccess }.count }
    var synced: Int { results.count - failed }
    var refused: Int { notes.filter { $0.kind == .refused }.count }
    var receiptNumbersFailed: Int { receiptNumbers.filter { !$0.succeeded }.count }
    var creditNotes: Int { payoutDocuments.filter { $0.document.isCreditNote && $0.outcome.isSuccess }.count }
    var refunds: Int { payoutDocuments.filter { !$0.document.isCreditNote && $0.outcome.isSuccess }.count }
    var payoutDocumentsFailed: Int { payoutDocuments.filter { !$0.outcome.isSuccess }.count }
    var succeeded: Bool { failed == 0 && refused == 0 && receiptNumbersFailed == 0 && payoutDocumentsFailed == 0 }
}

/// Receipts as a person reads them before they are sent, and what sending them did.
enum PaymentRendering {
    static func render(_ plan: PaymentPlan, format: OutputFormat) -> Rendered {
        format == .text ? .text(text(plan.result)) : .document(json(plan.result))
    }

    static func render(_ listing: PaymentListing, format: OutputFormat) -> Rendered {
        let payments = listing.payments
        guard format == .text else { return .document(Workflows.versionedList("payments", payments.map(json))) }
        var rows = [["PAYMENT", "CHANNEL", "PAYOUT", "REFERENCE", "CUSTOMER", "AMOUNT", "STATE", "SQL DOCNO", "O/R NO", "O/R IN SQL", "TASK"]]
        for payment in payments {
            let amount = (try? JSONParser.parse(payment.payloadJSON))?["docamt"]?.stringValue ?? ""
            rows.append([String(payment.id ?? 0), payment.channel, payment.payoutDate, payment.reference, payment.customerCode, amount,
                         payment.state.rawValue, payment.remoteDocno ?? "-", payment.orNumber ?? "-",
                         payment.orNumber == nil ? "-" : payment.orNumberInSQL() ? "yes" : "no", payment.taskID.map(String.init) ?? "-"])
        }
        return .text(TextTable.render(rows, rightAligned: [0, 5, 10]) + "\(payments.count) payment\(payments.count == 1 ? "" : "s")\n")
    }

    static func render(_ detail: PaymentDetail, format: OutputFormat) -> Rendered {
        let payment = detail.payment
        guard format == .text else {
            var object = JSONObject()
            object.append("format_version", .int(1))
            object.append("payment", json(payment))
            object.append("last_error", payment.lastError.map { .string($0) } ?? .null)
            object.append("payload", detail.payload)
            object.append("attempts", .array(detail.attempts.map { attempt in
                AttemptViews.json(attempt, after: [("task_id", attempt.taskID.map { .number(String($0)) } ?? .null)])
            }))
            return .document(.object(object))
        }
        var out = "payment \(payment.id ?? 0): \(payment.channel) payout \(payment.payoutDate) (\(payment.reference)), customer \(payment.customerCode)\n"
        out += "state \(payment.state.rawValue)\(payment.remoteDocno.map { ", SQL \($0)" } ?? "")\(payment.taskID.map { ", task \($0)" } ?? "")\n"
        if let line = receiptNumberLine(payment) { out += line + "\n" }
        if let error = payment.lastError { out += "last error: \(error)\n" }
        out += JSONWriter.prettyString(detail.payload) + "\n"
        out += AttemptViews.text(detail.attempts, indent: "")
        return .text(out)
    }

    /// `O/R number OR-2025-0001: in SQL Accounting (docref2, since …)`, or where it stands until it is.
    static func receiptNumberLine(_ payment: StoredPayment) -> String? {
        guard let number = payment.orNumber else { return nil }
        if payment.orNumberInSQL() {
            return "O/R number \(number): in SQL Accounting (\(payment.orNumberField ?? "?")\(payment.orNumberSentAt.map { ", since \(TaskViews.time($0))" } ?? ""))"
        }
        let earlier = payment.orNumberSent.map { "; SQL Accounting holds \($0) in \(payment.orNumberField ?? "?")" } ?? ""
        switch payment.state {
        case .created:
            return "O/R number \(number): not in SQL Accounting yet\(earlier) — the next `ledgersync payments apply` sends it"
        default:
            return "O/R number \(number): not in SQL Accounting yet — sent once the receipt is (`ledgersync payments apply`)"
        }
    }

    static func render(_ recorded: ReceiptNumberRecorded) -> Rendered {
        let payment = recorded.payment
        var out = "payment \(recorded.paymentID): O/R number \(recorded.receiptNumber) recorded"
        if payment.orNumberInSQL() {
            out += "; SQL Accounting has it already (\(payment.orNumberField ?? "?"))"
        } else if payment.state == .created {
            out += "; the next `ledgersync payments apply` sends it to receipt \(payment.remoteDocno ?? "dockey \(payment.remoteDockey.map(String.init) ?? "?")") in SQL Accounting"
        } else {
            out += "; it is sent to SQL Accounting by `ledgersync payments apply` once the receipt is there"
        }
        return .text(out + "\n")
    }

    static func notes(_ notes: [PaymentNote]) -> String {
        notes.map { "  \($0.kind == .refused ? "!" : "?") \($0.label): \($0.message)\n" }.joined()
    }

    static func text(_ report: PaymentApplyReport) -> String {
        var out = notes(report.notes)
        if report.results.isEmpty && report.receiptNumbers.isEmpty && report.payoutDocuments.isEmpty { return out + (report.refused == 0 ? "no payments to send\n" : "") }
        for result in report.results {
            switch result.outcome {
            case .created(let docno, _): out += "  + \(result.item.orderID) → \(docno ?? "")\n"
            case .adopted(let docno, _, _): out += "  = \(result.item.orderID) → \(docno ?? "") was already in SQL Account: adopted\n"
            case .failed(let message), .unknown(let message), .skipped(let message): out += "  ! \(result.item.orderID): \(message)\n"
            }
        }
        for sent in report.payoutDocuments {
            let document = sent.document
            let kind = document.isCreditNote ? "credit note" : "refund"
            let amount = Money(minorUnits: document.amountSen)
            switch sent.outcome {
            case .created(let docno, _): out += "  + \(document.label) → \(kind) \(docno ?? "")  \(amount)\n"
            case .adopted(let docno, _, _): out += "  = \(document.label) → \(kind) \(docno ?? "")  \(amount) was already in SQL Account: adopted\n"
            case .failed(let message), .unknown(let message), .skipped(let message): out += "  ! \(document.label) \(kind) \(amount): \(message)\n"
            }
        }
        for sent in report.receiptNumbers {
            switch sent.outcome {
            case .sent: out += "  ~ \(sent.label): O/R number \(sent.number) → \(sent.field)\n"
            case .found: out += "  = \(sent.label): O/R number \(sent.number) was already in \(sent.field): recorded, nothing sent\n"
            case .failed(let message): out += "  ! \(sent.label): O/R number \(sent.number) not sent: \(message)\n"
            }
        }
        var parts: [String] = []
        if !report.results.isEmpty || report.refused > 0 {
            var receipts = "\(report.synced) payment\(report.synced == 1 ? "" : "s") in SQL Accounting, \(report.failed) failed"
            if report.refused > 0 { receipts += ", \(report.refused) already sent and left unchanged" }
            parts.append(receipts)
        }
        if !report.payoutDocuments.isEmpty {
            parts.append("\(report.creditNotes) credit note\(report.creditNotes == 1 ? "" : "s"), \(report.refunds) refund\(report.refunds == 1 ? "" : "s") in SQL Accounting, \(report.payoutDocumentsFailed) failed")
        }
        if !report.receiptNumbers.isEmpty {
            let done = report.receiptNumbers.count - report.receiptNumbersFailed
            let field = report.receiptNumbers.first?.field ?? ""
            parts.append("\(done) O/R number\(done == 1 ? "" : "s") in \(field)" + (report.receiptNumbersFailed > 0 ? ", \(report.receiptNumbersFailed) not sent" : ""))
        }
        return out + parts.joined(separator: "; ") + (report.taskID.map { " (task \($0))" } ?? "") + "\n"
    }

    static func json(_ report: PaymentApplyReport) -> JSONValue {
        .object(["format_version": .int(1), "task_id": report.taskID.map { .number(String($0)) } ?? .null,
                 "synced": .int(report.synced), "failed": .int(report.failed), "left_unchanged": .int(report.refused),
                 "credit_notes": .int(report.creditNotes), "refunds": .int(report.refunds), "credit_notes_and_refunds_failed": .int(report.payoutDocumentsFailed),
                 "or_numbers_sent": .int(report.receiptNumbers.count - report.receiptNumbersFailed), "or_numbers_failed": .int(report.receiptNumbersFailed)])
    }

    static func text(_ result: PaymentPlanner.Result) -> String {
        var out = ""
        for payment in result.payments {
            let description = payment.payload["description"]?.stringValue ?? ""
            out += "  + receipt \(description)  \(payment.customerCode)  docamt \(payment.amount)"
            if payment.bankCharge != .zero { out += "  bank charge \(payment.bankCharge)" }
            if payment.paidAmountEntered && payment.rowIDs.isEmpty {
                out += "  → bank: paid \(payment.payout) (entered; a receipt by hand, no settlement)"
            } else {
                out += payment.paidAmountEntered ? "  → bank: paid \(payment.payout) (entered; settlement says \(payment.settlementPayout))" : "  → bank \(payment.payout)"
            }
            out += "  via \(payment.payload["paymentmethod"]?.stringValue ?? "")\n"
            for knockOff in payment.knockOffs {
                out += "      knock off \(knockOff.docno)  (order \(knockOff.orderID))  \(knockOff.amount)\n"
            }
            if payment.unapplied != .zero { out += "      unapplied \(payment.unapplied)\n" }
        }
        for document in result.adjustments {
            let cause = document.cause == .channelCharge ? "channel charges" : "order \(document.orderID)"
            if document.isCreditNote {
                let line = document.payload["sdsdocdetail"]?.arrayValue?.first?.objectValue
                let on = [line?["itemcode"]?.stringValue.map { "item \($0)" }, line?["account"]?.stringValue.map { "account \($0)" }].compactMap { $0 }.joined(separator: ", ")
                out += "  + creditnote \(document.payoutLabel)  \(document.customerCode)  \(document.amount)  \(cause)  on \(on)  docref1 \(document.idempotencyKey)\n"
            } else {
                out += "  + refund \(document.payoutLabel)  \(document.customerCode)  \(document.amount)  from \(document.paymentMethod ?? "")  knocks off credit note \(document.creditNoteKey ?? "")\n"
            }
        }
        for diagnostic in result.diagnostics {
            out += "  \(diagnostic.severity == .error ? "!" : "?") \(diagnostic.message)\(diagnostic.location.map { " (\($0.file))" } ?? "")\n"
        }
        let invoices = result.payments.reduce(0) { $0 + $1.knockOffs.count }
        let received = result.payments.reduce(Money.zero) { $0 + $1.payout }
        out += "Payments: \(result.payments.count) receipt\(result.payments.count == 1 ? "" : "s"), \(invoices) invoice\(invoices == 1 ? "" : "s") knocked off, \(received) received; "
        let refunds = result.adjustments.filter { !$0.isCreditNote }
        if !result.adjustments.isEmpty {
            let notes = result.adjustments.count - refunds.count
            out += "\(notes) credit note\(notes == 1 ? "" : "s") and \(refunds.count) refund\(refunds.count == 1 ? "" : "s"), \(refunds.reduce(Money.zero) { $0 + $1.amount }) refunded; "
        }
        out += "\(result.diagnostics.errors.count) error\(result.diagnostics.errors.count == 1 ? "" : "s"), \(result.diagnostics.warnings.count) warning\(result.diagnostics.warnings.count == 1 ? "" : "s")\n"
        return out
    }

    static func json(_ result: PaymentPlanner.Result) -> JSONValue {
        .object(["format_version": .int(1),
                 "payments": .array(result.payments.map { payment in
                     .object(["docref1": .string(payment.idempotencyKey), "unapplied": .string(payment.unapplied.description),
                              // What reached the bank, and whether the operator entered it (--paid-amount) or the settlement said so.
                              "paid": .string(payment.payout.description), "paid_source": .string(payment.paidAmountEntered ? "entered" : "settlement"),
                              "settlement_payout": .string(payment.settlementPayout.description), "payload": .object(payment.payload)])
                 }),
                 // Credit notes and refunds of negative payouts and channel charges, each with the payout it belongs to.
                 "credit_notes_and_refunds": .array(result.adjustments.map { document in
                     .object(["type": .string(document.type), "cause": .string(document.cause.rawValue), "channel": .string(document.channel),
                              "payout_date": .string(document.payoutDate), "reference": .string(document.reference),
                              "order": document.orderID.isEmpty ? .null : .string(document.orderID), "customer": .string(document.customerCode),
                              "amount": .string(document.amount.description), "docref1": .string(document.idempotencyKey),
                              "credit_note_docref1": document.creditNoteKey.map { .string($0) } ?? .null, "payload": .object(document.payload)])
                 }),
                 "diagnostics": DiagnosticRendering.json(result.diagnostics)])
    }

    static func json(_ payment: StoredPayment) -> JSONValue {
        .object(["id": .number(String(payment.id ?? 0)), "channel": .string(payment.channel), "payout_date": .string(payment.payoutDate),
                 "reference": .string(payment.reference), "customer": .string(payment.customerCode), "state": .string(payment.state.rawValue),
                 "docno": payment.remoteDocno.map { .string($0) } ?? .null, "or_number": payment.orNumber.map { .string($0) } ?? .null,
                 // Whether SQL Accounting holds the O/R number, and in which receipt field.
                 "or_number_in_sql": .bool(payment.orNumberInSQL()), "or_number_field": payment.orNumberField.map { .string($0) } ?? .null,
                 "task_id": payment.taskID.map { .number(String($0)) } ?? .null])
    }
}
