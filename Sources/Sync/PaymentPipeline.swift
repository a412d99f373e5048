import Foundation
import LedgerJSON
import Planner
import SQLAccount
import StateStore

/// Why a planned receipt is sent differently from the plan, or not at all.
public struct PaymentNote: Sendable, Equatable {
    public enum Kind: Sendable { case refused, resumed }
    public var kind: Kind
    /// `lazada 2025-09-17 MY2025091501`.
    public var label: String
    public var message: String
}

/// The receipts about to be sent, and what was decided about the others.
public struct PreparedPayments: Sendable {
    public var items: [SyncItem] = []
    public var notes: [PaymentNote] = []
    public var refused: Int { notes.filter { $0.kind == .refused }.count }
}

/// `payments apply` as the same named stages as invoices: **prepare** (record each planned receipt, never a
/// second or silently changed one, and pick up receipts an interrupted run left in doubt) and **deliver**
/// (exactly once through the `SyncEngine`, looked up by docref1 first).
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

    public func prepare(_ planned: [PlannedPayment], selection: Selection) throws -> PreparedPayments {
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
        return prepared
    }

    /// Sends the prepared receipts exactly once; throws `ConnectionUnavailable` before sending anything when SQL
    /// Account cannot be reached.
    public func deliver(_ prepared: PreparedPayments, client: SQLAccountClient, sync: SyncOptions) async throws -> [SyncItemResult] {
        guard !prepared.items.isEmpty else { return [] }
        let status = await ConnectionStatus.check(client, integrationEnabled: true)
        if case .active = status {} else { throw ConnectionUnavailable(status: status) }
        let engine = SyncEngine(ledger: PaymentLedger(store: store), client: client, options: sync, resource: .customerPayment)
        return await engine.sync(taskID: 0, items: prepared.items)
    }
}
