import Foundation
import LedgerJSON
import Planner
import SQLAccount
import StateStore

/// Why a planned receipt is sent differently from the plan, or not at all (or an O/R number is not).
public struct PaymentNote: Sendable, Equatable {
    /// `refused`: a planned receipt that is not sent (fails the run); `resumed`: one completed as sent before;
    /// `kept`: an O/R number the pack's edit policy keeps in the state store.
    public enum Kind: Sendable { case refused, resumed, kept }
    public var kind: Kind
    /// `lazada 2025-09-17 MY2025091501`.
    public var label: String
    public var message: String
}

/// The receipts about to be sent, the O/R numbers due, and what was decided about the others.
public struct PreparedPayments: Sendable {
    public var items: [SyncItem] = []
    public var notes: [PaymentNote] = []
    /// Receipts SQL Account holds whose recorded O/R number it does not hold yet, to send as an update.
    public var receiptNumbers: [StoredPayment] = []
    /// Where O/R numbers go; nil when the pack's edit policy keeps them in the state store.
    public var receiptNumberField: String?
    /// Credit notes and refunds of negative payouts and channel charges, to send after the receipts.
    public var payoutDocuments: [StoredPayoutDocument] = []
    public var refused: Int { notes.filter { $0.kind == .refused }.count }
    /// Whether `deliver` has anything to send.
    public var hasWork: Bool { !items.isEmpty || !receiptNumbers.isEmpty || !payoutDocuments.isEmpty }
}

/// What one `payments apply` sent: its receipt task, the receipts, the O/R numbers.
public struct PaymentDelivery: Sendable {
    public var taskID: Int64?
    public var results: [SyncItemResult] = []
    public var receiptNumbers: [ReceiptNumberResult] = []
    /// The credit notes and refunds sent (or adopted, or refused), credit notes first.
    public var payoutDocuments: [PayoutDocumentResult] = []

    public init(taskID: Int64? = nil, results: [SyncItemResult] = [], receiptNumbers: [ReceiptNumberResult] = [],
                payoutDocuments: [PayoutDocumentResult] = []) {
        self.taskID = taskID
        self.results = results
        self.receiptNumbers = receiptNumbers
        self.payoutDocuments = payoutDocuments
    }
}

/// `payments apply` as the same named stages as invoices: **prepare** (record each planned receipt, never a
/// second or silently changed one, pick up receipts an interrupted run left in doubt, and the O/R numbers
/// SQL Account does not hold yet) and **deliver** (one receipt task: the receipts exactly once through the
/// `SyncEngine`, looked up by docref1 first, then each O/R number exactly once through `ReceiptNumberSender`).
public struct PaymentPipeline: Sendable {
    public let store: StateStore

    public init(store: StateStore) {
        self.store = store
    }

    /// The selection that made the plan; receipts left in doubt are taken up only within it.
    public struct Selection: Sendable {
        public var channel: String?
        public var from: String?
        public var to: String?

        public init(channel: String?, from: String?, to: String?) {
            self.channel = channel
            self.from = from
            self.to = to
        }

        func contains(_ payment: StoredPayment) -> Bool {
            (channel.map { payment.channel == $0 } ?? true) && (from.map { payment.payoutDate >= $0 } ?? true) && (to.map { payment.payoutDate <= $0 } ?? true)
        }
    }

    public func prepare(_ planned: [PlannedPayment], adjustments: [PlannedPayoutDocument] = [], selection: Selection,
                        receiptNumbers: ReceiptNumberPolicy? = nil) throws -> PreparedPayments {
        var prepared = PreparedPayments()
        for payment in planned {
            let payloadJSON = JSONWriter.compactString(.object(payment.payload))
            let staged = try store.stagePayment(channel: payment.channel, payoutDate: payment.payoutDate, reference: payment.reference,
                                                customerCode: payment.customerCode, idempotencyKey: payment.idempotencyKey,
                                                payloadJSON: payloadJSON, rowIDs: payment.rowIDs)
            guard let id = staged.id else { continue }
            let label = "\(payment.channel) \(payment.payoutDate) \(payment.reference)"
            var payload = payment.payload
            if staged.state.mayExistRemotely && staged.payloadJSON != payloadJSON {
                // SQL Account may hold the receipt sent earlier: never a second one, never a silent change to it.
                let sentAmount = (try? JSONParser.parse(staged.payloadJSON))?["docamt"]?.stringValue ?? "?"
                if staged.state == .created {
                    prepared.notes.append(PaymentNote(kind: .refused, label: label, message:
                        "payment \(id) is already in SQL Accounting as \(staged.remoteDocno ?? "dockey \(staged.remoteDockey.map(String.init) ?? "?")") with docamt \(sentAmount); "
                        + "it is not sent again and not changed, though the plan now says docamt \(payment.amount) — correct the receipt in SQL Accounting"))
                    continue
                }
                // Sent before without a confirmed answer: complete that receipt (looked up first), not the new plan.
                guard let sent = (try? JSONParser.parse(staged.payloadJSON))?.objectValue else {
                    prepared.notes.append(PaymentNote(kind: .refused, label: label, message:
                        "payment \(id) was sent before without a confirmed answer, and the receipt sent cannot be read back from the state store; it is not sent again"))
                    continue
                }
                payload = sent
                prepared.notes.append(PaymentNote(kind: .resumed, label: label, message:
                    "payment \(id) was sent before without a confirmed answer (docamt \(sentAmount)); it is looked up and completed as sent, the plan's docamt \(payment.amount) is not applied"))
            }
            prepared.items.append(SyncItem(documentID: id, orderID: label, idempotencyKey: payment.idempotencyKey, payload: payload))
        }
        // Receipts an interrupted run left in doubt (POST started, answer never recorded) hold no unpaid rows any more,
        // so no plan brings them back: finish them as sent, looked up by docref1 first.
        let plannedIDs = Set(prepared.items.map(\.documentID))
        for stranded in try store.payments() where stranded.state == .sending || stranded.state == .unknown {
            guard let id = stranded.id, !plannedIDs.contains(id), selection.contains(stranded) else { continue }
            let label = "\(stranded.channel) \(stranded.payoutDate) \(stranded.reference)"
            guard let sent = (try? JSONParser.parse(stranded.payloadJSON))?.objectValue else {
                prepared.notes.append(PaymentNote(kind: .refused, label: label, message:
                    "payment \(id) was left in doubt by an earlier run and the receipt sent cannot be read back from the state store; it is not sent again"))
                continue
            }
            prepared.notes.append(PaymentNote(kind: .resumed, label: label, message:
                "payment \(id) was left in doubt by an earlier run (\(stranded.state.rawValue)); it is looked up and completed as sent"))
            prepared.items.append(SyncItem(documentID: id, orderID: label, idempotencyKey: stranded.idempotencyKey, payload: sent))
        }
        try preparePayoutDocuments(adjustments, selection: selection, into: &prepared)
        // O/R numbers recorded with `payments set-or` that SQL Account does not hold yet: an update of the synced receipt,
        // under the pack's edit policy for the field.
        if let receiptNumbers {
            let due = try store.paymentsAwaitingReceiptNumber(field: receiptNumbers.field).filter(selection.contains)
            if receiptNumbers.sends {
                prepared.receiptNumberField = receiptNumbers.field
                prepared.receiptNumbers = due
            } else {
                let at = receiptNumbers.policyOrigin.map { " (\($0))" } ?? ""
                for payment in due {
                    prepared.notes.append(PaymentNote(kind: .kept, label: "payment \(payment.id ?? 0) (\(payment.remoteDocno ?? "?"))", message:
                        "its O/R number \(payment.orNumber ?? "") stays in the state store only: the pack's edit_policy.fields.customerpayment.\(receiptNumbers.field) is \(receiptNumbers.policy.rawValue)\(at), so a synced receipt's \(receiptNumbers.field) is never changed"))
                }
            }
        }
        return prepared
    }

    /// Sends the prepared receipts exactly once, then the O/R numbers due (those recorded on receipts created just now
    /// too), all in one receipt task; throws `ConnectionUnavailable` before sending anything when SQL Account cannot
    /// be reached.
    public func deliver(_ prepared: PreparedPayments, client: SQLAccountClient, sync: SyncOptions) async throws -> PaymentDelivery {
        guard prepared.hasWork else { return PaymentDelivery() }
        let status = await ConnectionStatus.check(client, integrationEnabled: true)
        if case .active = status {} else { throw ConnectionUnavailable(status: status) }
        var paymentIDs = prepared.items.map(\.documentID)
        for payment in prepared.receiptNumbers where !paymentIDs.contains(payment.id ?? 0) { paymentIDs.append(payment.id ?? 0) }
        let task = try store.openReceiptTask(paymentIDs: paymentIDs)
        let taskID = task.id ?? 0
        try store.attachPayoutDocuments(prepared.payoutDocuments.compactMap(\.id), toTask: taskID)
        var delivery = PaymentDelivery(taskID: taskID)
        let engine = SyncEngine(ledger: PaymentLedger(store: store), client: client, options: sync, resource: .customerPayment)
        delivery.results = await engine.sync(taskID: taskID, items: prepared.items)
        if engine.stopReason == nil, !prepared.payoutDocuments.isEmpty {
            // Then the credit notes of negative payouts and channel charges, and the refunds that pay them out.
            delivery.payoutDocuments = try await deliverPayoutDocuments(prepared.payoutDocuments, client: client, sync: sync, taskID: taskID).results
        }
        if let field = prepared.receiptNumberField, engine.stopReason == nil {
            let inTask = Set(paymentIDs)
            let sender = ReceiptNumberSender(store: store, client: client)
            for payment in try store.paymentsAwaitingReceiptNumber(field: field) where inTask.contains(payment.id ?? 0) {
                delivery.receiptNumbers.append(await sender.send(payment, field: field, taskID: taskID))
            }
        }
        try store.finishTask(taskID)
        return delivery
    }
}
