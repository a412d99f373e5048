import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import SQLAccount
import StateStore

/// Where the O/R numbers recorded with `payments set-or` go in SQL Account, and whether the pack lets them go.
public struct ReceiptNumberPolicy: Sendable {
    /// `payments.or_number_field`: the receipt field (`docref2` unless the pack says otherwise).
    public var field: String
    /// `edit_policy.fields.customerpayment.<field>` (`update` when the pack does not name it).
    public var policy: FieldPolicy
    /// Where the pack sets that policy (`rules/…/pack.yaml:70`), nil when it is the default.
    public var policyOrigin: String?

    public init(field: String, policy: FieldPolicy, policyOrigin: String? = nil) {
        self.field = field
        self.policy = policy
        self.policyOrigin = policyOrigin
    }

    /// Only `update` sends the number: it is recorded after the receipt was created, so it is always a change to a
    /// synced receipt, which `create_only` and `ignore` keep as it is.
    public var sends: Bool { policy == .update }
}

/// How sending one O/R number ended.
public struct ReceiptNumberResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Sent now (one PUT).
        case sent
        /// SQL Account had it already (an earlier run whose answer was lost, or someone typed it there): recorded, nothing sent.
        case found
        case failed(message: String)
    }

    public var paymentID: Int64
    /// `payment 1 (OR-00001)`.
    public var label: String
    public var number: String
    public var field: String
    public var outcome: Outcome

    public var succeeded: Bool {
        if case .failed = outcome { return false }
        return true
    }
}

/// Sends a recorded O/R number to the receipt SQL Account holds, exactly once, like an invoice update: the receipt
/// is fetched first; if its field already holds the number, that is recorded and nothing is sent (so a PUT whose
/// answer was lost is never repeated); if someone changed the field in SQL Accounting since ledgersync last set it,
/// it is not overwritten; otherwise the receipt goes back as SQL holds it with only that field replaced and
/// `updatecount` + 1. A conflict (someone saved in between) is fetched and tried once more.
public struct ReceiptNumberSender: Sendable {
    public let store: StateStore
    public let client: SQLAccountClient

    public init(store: StateStore, client: SQLAccountClient) {
        self.store = store
        self.client = client
    }

    public func send(_ payment: StoredPayment, field: String, taskID: Int64?) async -> ReceiptNumberResult {
        let id = payment.id ?? 0
        let number = payment.orNumber ?? ""
        let receipt = payment.remoteDocno ?? payment.remoteDockey.map { "dockey \($0)" } ?? "?"
        var result = ReceiptNumberResult(paymentID: id, label: "payment \(id) (\(receipt))", number: number, field: field, outcome: .sent)
        do {
            result.outcome = try await deliver(payment, number: number, field: field, receipt: receipt, taskID: taskID, retryOnConflict: true)
        } catch {
            result.outcome = .failed(message: "could not record it in the state store: \(error); run payments apply again — it looks at the receipt before sending")
        }
        return result
    }

    private func deliver(_ payment: StoredPayment, number: String, field: String, receipt: String, taskID: Int64?,
                         retryOnConflict: Bool) async throws -> ReceiptNumberResult.Outcome {
        let id = payment.id ?? 0
        func fail(_ message: String, _ attempt: AttemptRecord? = nil, finishing: Int64? = nil) throws -> ReceiptNumberResult.Outcome {
            try store.receiptNumberFailed(paymentID: id, message: message, attempt: attempt, finishing: finishing, taskID: taskID)
            return .failed(message: message)
        }
        guard let dockey = payment.remoteDockey else {
            return try fail("no dockey is recorded for the receipt, so its O/R number cannot be sent; run `ledgersync payments apply` to look the receipt up")
        }
        if let limit = FieldLimits.invoiceHeader(field), FieldLimits.length(number) > limit.maxLength {
            return try fail("the O/R number '\(number)' is \(FieldLimits.length(number)) characters and SQL Account keeps \(limit.maxLength) in \(field); record a shorter one with `ledgersync payments set-or \(id) NEW-NUMBER`")
        }
        let path = "/\(SQLAccountResource.customerPayment)/\(dockey)"
        let look = AttemptRecord(method: "GET", path: path, summary: "before setting \(field) to the O/R number \(number)", outcome: .retried)
        do {
            guard let current = try await client.get(.customerPayment, dockey: Int(dockey)) else {
                return try fail("receipt \(receipt) is no longer in SQL Account (deleted there?), so its O/R number was not sent; `ledgersync tasks delete \(payment.taskID.map(String.init) ?? "N")` has the next payments apply send the receipt again",
                                answer(look, status: 404, "not in SQL Account", .failed))
            }
            if current.cancelled == true {
                return try fail("receipt \(receipt) was cancelled in SQL Accounting, so its O/R number was not sent", answer(look, status: 200, "cancelled", .failed))
            }
            let now = Self.text(current[field])
            if now == number {
                try store.receiptNumberInSQL(paymentID: id, number: number, field: field,
                                             attempt: answer(look, status: 200, "\(field) is already '\(number)': nothing sent", .adopted), taskID: taskID)
                return .found
            }
            let recorded = Self.recordedValue(payment, field: field)
            if now != recorded {
                let before = recorded.isEmpty ? "left it empty" : "set '\(recorded)'"
                return try fail("SQL Accounting's copy of receipt \(receipt) has \(field) '\(now)', changed there since ledgersync \(before); the O/R number \(number) would overwrite it, so it was not sent — if SQL Accounting is right, record its number here with `ledgersync payments set-or \(id) \(now.isEmpty ? "…" : now)`, else correct it there and run payments apply again",
                                answer(look, status: 200, "\(field) is '\(now)', not '\(recorded)' as recorded", .failed))
            }
            var body = current.object
            body[field] = .string(number)
            let updatecount = (current.updatecount ?? 0) + 1
            body["updatecount"] = .int(updatecount)
            let put = AttemptRecord(method: "PUT", path: path, summary: "\(field) '\(now)' → '\(number)' (O/R number), updatecount \(updatecount); the rest as SQL holds it",
                                    outcome: .sending)
            let attemptID = try store.recordPaymentAttempt(id, put, taskID: taskID)
            do {
                let saved = try await client.update(.customerPayment, dockey: Int(dockey), body: body)
                try store.receiptNumberInSQL(paymentID: id, number: number, field: field,
                                             attempt: answer(put, status: 200, SyncEngine.summary(of: saved), .updated), finishing: attemptID, taskID: taskID)
                return .sent
            } catch let error as SQLAccountError {
                if case .conflict = error, retryOnConflict {
                    try store.recordPaymentAttempt(id, answer(put, status: error.status, error.message, .failed), finishing: attemptID, taskID: taskID)
                    return try await deliver(payment, number: number, field: field, receipt: receipt, taskID: taskID, retryOnConflict: false)
                }
                if error.isAmbiguous || SyncEngine.mayHaveCommitted(error) {
                    return try fail("the answer to setting the O/R number was lost (\(error.message)); the next `ledgersync payments apply` looks at the receipt first and sends the number only if SQL Account does not have it",
                                    answer(put, status: error.status, error.message, .ambiguous), finishing: attemptID)
                }
                return try fail("SQL Account refused the O/R number \(number) in \(field) of receipt \(receipt): \(error.message)",
                                answer(put, status: error.status, error.message, .failed), finishing: attemptID)
            }
        } catch let error as SQLAccountError {
            return try fail("could not look at receipt \(receipt) before sending its O/R number, so it was not sent: \(error.message)",
                            answer(look, status: error.status, error.message, .failed))
        }
    }

    /// What the receipt's `field` held as ledgersync last left it: the O/R number it sent there, else what the
    /// receipt was created with (for `docno`, the number SQL gave it).
    static func recordedValue(_ payment: StoredPayment, field: String) -> String {
        if payment.orNumberField == field, let sent = payment.orNumberSent { return sent }
        if field == "docno" { return payment.remoteDocno ?? "" }
        return text((try? JSONParser.parse(payment.payloadJSON))?[field])
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text)?, .number(let text)?: return text
        default: return ""
        }
    }

    func answer(_ request: AttemptRecord, status: Int?, _ summary: String, _ outcome: AttemptOutcome) -> AttemptRecord {
        SyncEngine.answer(request, status: status, summary: summary, outcome: outcome)
    }
}
