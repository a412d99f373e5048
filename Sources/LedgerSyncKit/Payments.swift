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
    static func planPayments(graph: TransformGraph, store: StateStore, channel: String?, from: String?, to: String?) throws -> PaymentPlanner.Result {
        let rows = try store.settlementRows(channel: channel, from: from, to: to, unpaidOnly: true)
        return PaymentPlanner.plan(rows, settings: graph.pack.payments, invoice: { orderID in
            guard let order = try? store.order(orderID), order.status == .completed,
                  let document = try? store.document(orderID: orderID), document.state == .created,
                  let payload = (try? JSONParser.parse(document.payloadJSON))?.objectValue else { return nil }
            let amount = payload["docamt"]?.stringValue.flatMap { Money(parsing: $0) } ?? .zero
            let docno = document.remoteDocno ?? payload["docno"]?.stringValue ?? ""
            return SyncedInvoice(orderID: orderID, store: order.store, docno: docno, customerCode: payload["code"]?.stringValue ?? "", amount: amount)
        }, paymentMethod: { storeID, channel in
            graph.pack.matching.payments[storeID]?.value ?? graph.pack.matching.payments[channel]?.value
        })
    }

    public static func paymentsPlan(packDirectory: String, statePath: String?, channel: String?, from: String?, to: String?, format: OutputFormat,
                                    console: Console) -> Int32 {
        guard let graph = compilePack(packDirectory, console: console, format: format, quietWarnings: true) else { return ExitStatus.failure }
        guard let store = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let result = try planPayments(graph: graph, store: store, channel: channel, from: from, to: to)
            if format == .text {
                console.out(PaymentRendering.text(result))
            } else {
                console.outJSONDocument(PaymentRendering.json(result))
            }
            return result.diagnostics.hasErrors ? ExitStatus.failure : ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    /// Plans the receipts and syncs them exactly once (looked up by docref1 first, like invoices).
    public static func paymentsApply(packDirectory: String, statePath: String?, channel: String?, from: String?, to: String?, endpoint: String?,
                                     format: OutputFormat, console: Console, environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
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
            client.retryPolicy = syncRetryPolicy()
            let result = try planPayments(graph: graph, store: store, channel: channel, from: from, to: to)
            if format == .text { console.out(PaymentRendering.text(result)) }
            guard !result.diagnostics.hasErrors else { return ExitStatus.failure }
            var items: [SyncItem] = []
            for planned in result.payments {
                let staged = try store.stagePayment(channel: planned.channel, payoutDate: planned.payoutDate, reference: planned.reference,
                                                    customerCode: planned.customerCode, idempotencyKey: planned.idempotencyKey,
                                                    payloadJSON: JSONWriter.compactString(.object(planned.payload)), rowIDs: planned.rowIDs)
                guard let id = staged.id else { continue }
                items.append(SyncItem(documentID: id, orderID: "\(planned.channel) \(planned.payoutDate) \(planned.reference)",
                                      idempotencyKey: planned.idempotencyKey, payload: planned.payload))
            }
            guard !items.isEmpty else {
                if format == .text { console.out("no payments to send\n") }
                return ExitStatus.success
            }
            let status = await ConnectionStatus.check(client, integrationEnabled: true)
            if case .active = status {} else {
                console.err("\(status.label): \(status.reason); nothing was sent — \(items.count) payment\(items.count == 1 ? "" : "s") stay planned\n")
                return ExitStatus.failure
            }
            let engine = SyncEngine(ledger: PaymentLedger(store: store), client: client, options: SyncOptions(concurrency: 2), resource: .customerPayment)
            let results = await engine.sync(taskID: 0, items: items)
            var failed = 0
            var out = ""
            for result in results {
                switch result.outcome {
                case .created(let docno, _): out += "  + \(result.item.orderID) → \(docno ?? "")\n"
                case .adopted(let docno, _, _): out += "  = \(result.item.orderID) → \(docno ?? "") was already in SQL Account: adopted\n"
                case .failed(let message), .unknown(let message), .skipped(let message):
                    failed += 1
                    out += "  ! \(result.item.orderID): \(message)\n"
                }
            }
            let synced = results.count - failed
            out += "\(synced) payment\(synced == 1 ? "" : "s") in SQL Accounting, \(failed) failed\n"
            if format == .text {
                console.out(out)
            } else {
                console.outJSONDocument(.object(["format_version": .int(1), "synced": .int(synced), "failed": .int(failed)]))
            }
            return failed == 0 ? ExitStatus.success : ExitStatus.failure
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    public static func paymentsList(statePath: String?, format: OutputFormat, console: Console) -> Int32 {
        guard let store = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            let payments = try store.payments()
            if format == .text {
                var rows = [["PAYMENT", "CHANNEL", "PAYOUT", "REFERENCE", "CUSTOMER", "AMOUNT", "STATE", "SQL DOCNO", "O/R NO"]]
                for payment in payments {
                    let amount = (try? JSONParser.parse(payment.payloadJSON))?["docamt"]?.stringValue ?? ""
                    rows.append([String(payment.id ?? 0), payment.channel, payment.payoutDate, payment.reference, payment.customerCode, amount,
                                 payment.state.rawValue, payment.remoteDocno ?? "-", payment.orNumber ?? "-"])
                }
                console.out(TextTable.render(rows, rightAligned: [0, 5]))
                console.out("\(payments.count) payment\(payments.count == 1 ? "" : "s")\n")
            } else {
                console.outJSONDocument(versionedList("payments", payments.map(PaymentRendering.json)))
            }
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    public static func paymentShow(statePath: String?, paymentID: Int64, console: Console) -> Int32 {
        guard let store = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            guard let payment = try store.payment(paymentID) else { throw StateStoreError.unknownPayment(paymentID) }
            let payload = (try? JSONParser.parse(payment.payloadJSON)) ?? .null
            console.out("payment \(paymentID): \(payment.channel) payout \(payment.payoutDate) (\(payment.reference)), customer \(payment.customerCode)\n")
            console.out("state \(payment.state.rawValue)\(payment.remoteDocno.map { ", SQL \($0)" } ?? "")\(payment.orNumber.map { ", O/R \($0)" } ?? "")\n")
            if let error = payment.lastError { console.out("last error: \(error)\n") }
            console.out(JSONWriter.prettyString(payload) + "\n")
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }

    public static func paymentsSetOR(statePath: String?, paymentID: Int64, receiptNumber: String, console: Console) -> Int32 {
        guard let store = openExistingState(statePath, console: console) else { return ExitStatus.failure }
        do {
            try store.setReceiptNumber(paymentID: paymentID, receiptNumber)
            console.out("payment \(paymentID): O/R number \(receiptNumber) recorded\n")
            return ExitStatus.success
        } catch {
            console.err("\(error)\n")
            return ExitStatus.failure
        }
    }
}

/// Receipts as a person reads them before they are sent.
enum PaymentRendering {
    static func text(_ result: PaymentPlanner.Result) -> String {
        var out = ""
        for payment in result.payments {
            let description = payment.payload["description"]?.stringValue ?? ""
            out += "  + receipt \(description)  \(payment.customerCode)  docamt \(payment.amount)"
            if payment.bankCharge != .zero { out += "  bank charge \(payment.bankCharge)" }
            out += "  → bank \(payment.payout)  via \(payment.payload["paymentmethod"]?.stringValue ?? "")\n"
            for knockOff in payment.knockOffs {
                out += "      knock off \(knockOff.docno)  (order \(knockOff.orderID))  \(knockOff.amount)\n"
            }
            if payment.unapplied != .zero { out += "      unapplied \(payment.unapplied)\n" }
        }
        for diagnostic in result.diagnostics {
            out += "  \(diagnostic.severity == .error ? "!" : "?") \(diagnostic.message)\(diagnostic.location.map { " (\($0.file))" } ?? "")\n"
        }
        let invoices = result.payments.reduce(0) { $0 + $1.knockOffs.count }
        let received = result.payments.reduce(Money.zero) { $0 + $1.payout }
        out += "Payments: \(result.payments.count) receipt\(result.payments.count == 1 ? "" : "s"), \(invoices) invoice\(invoices == 1 ? "" : "s") knocked off, \(received) received; "
        out += "\(result.diagnostics.errors.count) error\(result.diagnostics.errors.count == 1 ? "" : "s"), \(result.diagnostics.warnings.count) warning\(result.diagnostics.warnings.count == 1 ? "" : "s")\n"
        return out
    }

    static func json(_ result: PaymentPlanner.Result) -> JSONValue {
        .object(["format_version": .int(1),
                 "payments": .array(result.payments.map { .object(["docref1": .string($0.idempotencyKey), "unapplied": .string($0.unapplied.description),
                                                                     "payload": .object($0.payload)]) }),
                 "diagnostics": DiagnosticRendering.json(result.diagnostics)])
    }

    static func json(_ payment: StoredPayment) -> JSONValue {
        .object(["id": .number(String(payment.id ?? 0)), "channel": .string(payment.channel), "payout_date": .string(payment.payoutDate),
                 "reference": .string(payment.reference), "customer": .string(payment.customerCode), "state": .string(payment.state.rawValue),
                 "docno": payment.remoteDocno.map { .string($0) } ?? .null, "or_number": payment.orNumber.map { .string($0) } ?? .null])
    }
}
