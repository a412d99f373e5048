import Foundation
import LedgerCore
import LedgerJSON
import RulePack
import StateStore
import Transform

/// What receipts have paid on each synced invoice: the knock-offs of every receipt SQL Account holds or may hold.
public struct InvoiceBalances: Sendable {
    /// Invoice docno → Σ koamt of the receipts sent (or in doubt).
    public var paid: [String: Money] = [:]

    public init(paid: [String: Money] = [:]) { self.paid = paid }

    public static func load(_ store: StateStore?) throws -> InvoiceBalances {
        var balances = InvoiceBalances()
        guard let store else { return balances }
        for payment in try store.payments() where payment.state.mayExistRemotely {
            guard let rows = (try? JSONParser.parse(payment.payloadJSON))?["sdsknockoff"]?.arrayValue else { continue }
            for row in rows {
                guard let docno = row["docno"]?.stringValue, let amount = row["koamt"]?.stringValue.flatMap(Money.init(parsing:)) else { continue }
                balances.paid[docno, default: .zero] += amount
            }
        }
        return balances
    }
}

/// Plans what an order's returns make: a sales credit note per return event (knocking off what its invoice still
/// owes, per `returns.knock_off_invoice`), a customer refund of the credit no invoice could take (per
/// `returns.refund`), or — for a cancelled or fully returned order whose invoice the pack may still cancel
/// (`returns.cancel_invoice`) and no receipt has paid — the cancel of the invoice. Nothing is written.
public enum ReturnPlanner {
    /// The return events to credit: the order's own, or — for an order cancelled or returned with none recorded — one
    /// implied event returning everything the invoice billed, dated the order's last known date.
    public static func events(of order: Order, store plan: StorePlan?) -> [OrderReturn] {
        if !order.returns.isEmpty { return order.returns }
        guard order.status == .cancelled || order.status == .returned else { return [] }
        let dates = order.dates
        let date = dates.completed ?? dates.shipped ?? dates.paid ?? dates.ordered
        let buyerPaid = plan?.settings.basis.value == "buyer_paid"
        var shipping = Money.zero
        if plan?.shipping?.enabled == true, order.shipping.fee != .zero {
            shipping = order.shipping.fee - order.shipping.sellerDiscount - (buyerPaid ? order.shipping.platformDiscount : .zero)
        }
        let voucher = order.vouchers.seller + (buyerPaid ? order.vouchers.platform + order.vouchers.coins : .zero)
        return [OrderReturn(id: order.status.rawValue, date: date, reason: "the order is \(order.status.rawValue)",
                            lines: order.lines.indices.map { ReturnedLine(line: $0, qty: order.lines[$0].qty) },
                            shipping: shipping, voucher: voucher, tax: order.taxCharged)]
    }

    /// The invoice line (possibly replaced: a cancel becomes credit notes, or an unchanged invoice a cancel) and the
    /// lines of the order's return documents.
    ///
    /// - Parameters:
    ///   - invoice: the invoice's plan line (nil: excluded and never synced).
    ///   - synced: the invoice SQL Account holds, if it does.
    ///   - recorded: the order's recorded return documents when already read; nil: read from the store.
    public static func entries(order: Order, invoice: PlanEntry?, synced: StoredDocument?, inputs: Planner.Inputs, balances: InvoiceBalances,
                               source: SourceLocation?, session: inout TransformSession,
                               recorded known: [StoredReturnDocument]? = nil) throws -> (invoice: PlanEntry?, returns: [PlanEntry]) {
        let graph = inputs.graph
        let plan = graph.plan(forStore: order.store)
        let events = events(of: order, store: plan)
        guard !events.isEmpty, let plan else { return (invoice, []) }
        let settings = graph.pack.returns
        let recorded = try known ?? inputs.store?.returnDocuments(orderID: order.id) ?? []
        let creditedBefore = recorded.filter { $0.type == ReturnDocumentType.creditNote && $0.state.mayExistRemotely }

        // The invoice the returns credit: in SQL Account already, or created by this same plan.
        let invoicePayload: JSONObject
        let invoiceKey: String
        var invoiceDocno: String?
        if let synced {
            invoicePayload = (try? JSONParser.parse(synced.payloadJSON))?.objectValue ?? JSONObject()
            invoiceKey = synced.idempotencyKey
            invoiceDocno = synced.remoteDocno ?? invoicePayload["docno"]?.stringValue
        } else if let invoice, invoice.action == .create, let payload = invoice.payload, let key = invoice.idempotencyKey {
            invoicePayload = payload
            invoiceKey = key
            invoiceDocno = payload["docno"]?.stringValue
        } else {
            // Never invoiced (excluded or failed): there is nothing to credit, and nothing is sent for its returns.
            return (invoice, [])
        }
        if invoiceDocno?.isEmpty == true { invoiceDocno = nil }
        let invoiceAmount = invoicePayload["docamt"]?.stringValue.flatMap(Money.init(parsing:)) ?? .zero
        let paid = invoiceDocno.flatMap { balances.paid[$0] } ?? .zero

        // A cancelled or fully returned order whose invoice the pack may still cancel, that no receipt or credit note
        // has touched: cancel it, as before returns were credited.
        let full = order.status == .cancelled || order.status == .returned || order.isFullyReturned
        let pastEInvoiceWindow = full ? synced.flatMap { EInvoiceCancelWindow.refusal(of: $0, settings: graph.pack.einvoice) } : nil
        if let synced, full, creditedBefore.isEmpty, paid == .zero, pastEInvoiceWindow == nil {
            let invoiceDate = invoicePayload["docdate"]?.stringValue.flatMap(CalendarDate.init(parsing:)) ?? inputs.options.asOf
            let offset = plan.settings.utcOffsetSeconds.value
            let lastReturn = events.map { $0.date.localDate(utcOffsetSeconds: offset) }.max { $0.daysSinceEpoch < $1.daysSinceEpoch } ?? inputs.options.asOf
            if settings.allowsCancel(invoiceDate: invoiceDate, returnDate: lastReturn) {
                let why = order.status == .cancelled || order.status == .returned ? "the order is now \(order.status.rawValue)" : "every unit was returned"
                let entry = PlanEntry(orderID: order.id, action: .cancel, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                                      documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno,
                                      reason: why)
                return (entry, [])
            }
        }
        var invoiceEntry = invoice

        // Each event, and for one that grew since it was credited, a supplement crediting the difference.
        let basisBuyerPaid = plan.settings.basis.value == "buyer_paid"
        var planned: [(event: OrderReturn, position: Int)] = []
        var changedSince: [String: String] = [:]
        for (position, event) in events.enumerated() {
            planned.append((event, position))
            let family = creditedBefore.filter { $0.returnID == event.id || $0.returnID.hasPrefix(event.id + "~") }
            let parts = family.compactMap { $0.creditedJSON.flatMap(CreditedReturn.init(json:)) }
            // Credit notes from before what they credited was recorded are compared by amount below.
            guard !family.isEmpty, parts.count == family.count else { continue }
            switch ReturnSupplement.of(event, credited: .sum(parts), order: order, basisBuyerPaid: basisBuyerPaid, supplementID: "\(event.id)~\(family.count + 1)") {
            case .none: break
            case .supplement(let difference): planned.append((difference, position))
            case .changed(let message): changedSince[event.id] = message
            }
        }
        var outcomes = graph.creditNotes(for: order, invoiceKey: invoiceKey, invoiceDocno: invoiceDocno, source: source, options: inputs.options,
                                         session: &session, events: planned)
        if outcomes.isEmpty { return (invoiceEntry, []) }
        let creditedByReturn = Dictionary(planned.map { ($0.event.id, CreditedReturn($0.event, of: order, basisBuyerPaid: basisBuyerPaid).json) }) { first, _ in first }
        var owed = invoiceAmount - paid - Money(minorUnits: creditedBefore.reduce(0) { $0 + $1.knockoffSen })
        var entries: [PlanEntry] = []
        let method = graph.pack.matching.payments[order.store]?.value ?? graph.pack.matching.payments[order.channel.rawValue]?.value
        for index in outcomes.indices {
            let outcome = outcomes[index]
            let existing = recorded.first { $0.returnID == outcome.returnID && $0.type == ReturnDocumentType.creditNote }
            if let existing, existing.state == .created {
                // A credit note is never changed once sent: a return that grew is credited by a supplement (planned
                // after it), one that shrank is reported. Credit notes that did not record what they credited are
                // compared by amount.
                var changed = changedSince[outcome.returnID]
                if existing.creditedJSON == nil, outcome.document != nil, outcome.amount.minorUnits != existing.amountSen {
                    changed = "return \(outcome.returnID) now comes to \(outcome.amount), but its credit note \(existing.remoteDocno ?? "") credited \(Money(minorUnits: existing.amountSen)) and is not changed or sent again: credit the difference in SQL Accounting by hand (it was sent before ledgersync recorded what each credit note credits)"
                }
                entries.append(PlanEntry(orderID: order.id, action: .unchanged, documentType: existing.type, idempotencyKey: existing.idempotencyKey,
                                         remoteDockey: existing.remoteDockey, remoteDocno: existing.remoteDocno, reason: changed,
                                         warnings: changed.map { [.warning("order \(order.id): \($0)", at: source, keyPath: "returns", code: "return-changed")] } ?? [],
                                         returnID: outcome.returnID))
                // Its refund, then the supplements sent since and their refunds, as they stand.
                let sent = recorded.filter { ($0.returnID == outcome.returnID && $0.type == ReturnDocumentType.customerRefund) || $0.returnID.hasPrefix(outcome.returnID + "~") }
                for document in sent where document.state == .created && !outcomes.contains(where: { $0.returnID == document.returnID }) {
                    entries.append(PlanEntry(orderID: order.id, action: .unchanged, documentType: document.type, idempotencyKey: document.idempotencyKey,
                                             remoteDockey: document.remoteDockey, remoteDocno: document.remoteDocno, returnID: document.returnID))
                }
                continue
            }
            guard var document = outcome.document, outcome.errors.isEmpty else {
                entries.append(PlanEntry(orderID: order.id, action: .error, documentType: ReturnDocumentType.creditNote, reason: outcome.errors.map(\.description).joined(separator: "; "),
                                         warnings: outcome.warnings, returnID: outcome.returnID))
                continue
            }
            let amount = outcome.amount
            let knockOff = settings.knockOffInvoice.value ? max(.zero, min(amount, owed)) : .zero
            owed -= knockOff
            // Built once from the typed document: the entry and the refund both read it.
            var payload = document.payload
            if knockOff != .zero {
                payload["sdsknockoff"] = .array([.object(["doctype": .string("IV"), "docno": .string(invoiceDocno ?? ""),
                                                          "koamt": .string(knockOff.description), "knockoff": .bool(true)])])
                document.payload = payload
            }
            outcomes[index].document = document
            let unapplied = amount - knockOff
            var reason = "credits invoice \(invoiceDocno ?? "(numbered by SQL Account when it is created)")"
            reason += knockOff == .zero ? "" : ", knocking off \(knockOff)"
            if unapplied != .zero {
                reason += "; \(unapplied) " + (settings.refund.value == .customerRefund ? "is refunded by the customer refund below" : "stays as the customer's unapplied credit (returns.refund: unapplied)")
            }
            if let supplemented = outcome.returnID.split(separator: "~").first, supplemented != outcome.returnID {
                reason = "credits what return \(supplemented) grew by since its credit note; " + reason
            }
            entries.append(PlanEntry(orderID: order.id, action: .create, documentType: ReturnDocumentType.creditNote, idempotencyKey: document.idempotencyKey,
                                     payload: payload, documentID: existing?.id, reason: reason, warnings: outcome.warnings, returnID: outcome.returnID,
                                     knockOff: knockOff, creditedReturn: creditedByReturn[outcome.returnID]))
            guard unapplied != .zero, settings.refund.value == .customerRefund else { continue }
            guard let method else {
                entries.append(PlanEntry(orderID: order.id, action: .error, documentType: ReturnDocumentType.customerRefund,
                                         reason: "order \(order.id) return \(outcome.returnID): \(unapplied) is to be refunded, but there is no payment method for \(order.store): add matching.payments.\(order.channel.rawValue), or set returns.refund: unapplied",
                                         returnID: outcome.returnID))
                continue
            }
            let refund = refundPayload(creditNote: payload, amount: unapplied, paymentMethod: method, journal: graph.pack.payments.journal.value)
            entries.append(PlanEntry(orderID: order.id, action: .create, documentType: ReturnDocumentType.customerRefund,
                                     idempotencyKey: refund["docref1"]?.stringValue, payload: refund,
                                     reason: "pays out the credit note's \(unapplied) from \(method)", returnID: outcome.returnID, knockOff: unapplied))
        }
        // The invoice stays as it was booked: its returns are credited, never a cancel or a "now excluded" note.
        if let synced, invoiceEntry == nil || invoiceEntry?.action == .cancel || invoiceEntry?.action == .unchanged {
            var reason: String?
            if entries.contains(where: { $0.action == .create && $0.documentType == ReturnDocumentType.creditNote }) {
                var why = ""
                if full && paid != .zero { why = " (a receipt has paid \(paid) of it, so it is not cancelled)" }
                else if full && !creditedBefore.isEmpty { why = " (credit notes already credit it, so it is not cancelled)" }
                else if let pastEInvoiceWindow { why = " (\(pastEInvoiceWindow), so it is not cancelled)" }
                else if full { why = " (returns.cancel_invoice: \(settings.cancelInvoice.value.rawValue) does not allow a cancel)" }
                reason = "stays as booked; its returns are credited by the credit notes below" + why
            }
            invoiceEntry = PlanEntry(orderID: order.id, action: .unchanged, documentType: synced.type, idempotencyKey: synced.idempotencyKey,
                                     changes: invoiceEntry?.action == .unchanged ? invoiceEntry?.changes ?? [] : [],
                                     documentID: synced.id, remoteDockey: synced.remoteDockey, remoteDocno: synced.remoteDocno, reason: reason)
        }
        return (invoiceEntry, entries)
    }

    /// A `customerrefund` paying out `amount` of a credit note: its customer and date, the store's payment method, and
    /// one `CN` knock-off (the credit note's number is filled in when SQL Account has numbered it).
    public static func refundPayload(creditNote: JSONObject, amount: Money, paymentMethod: String, journal: String) -> JSONObject {
        let key = creditNote["docref1"]?.stringValue ?? ""
        var payload = JSONObject()
        payload.append("docno", .string(""))
        payload.append("code", creditNote["code"] ?? .string(""))
        payload.append("docdate", creditNote["docdate"] ?? .string(""))
        payload.append("postdate", creditNote["docdate"] ?? .string(""))
        payload.append("description", .string(String(("Refund: " + (creditNote["description"]?.stringValue ?? "")).prefix(FieldLimits.invoiceHeader("description")?.maxLength ?? 200))))
        payload.append("paymentmethod", .string(paymentMethod))
        payload.append("journal", .string(journal))
        payload.append("currencycode", creditNote["currencycode"] ?? .string("----"))
        payload.append("currencyrate", creditNote["currencyrate"] ?? .string("1.00"))
        payload.append("docamt", .string(amount.description))
        payload.append("docref1", .string(key + "-F"))
        payload.append("cancelled", .bool(false))
        payload.append("sdsknockoff", .array([.object(["doctype": .string("CN"), "docno": creditNote["docno"] ?? .string(""),
                                                       "koamt": .string(amount.description), "knockoff": .bool(true)])]))
        return payload
    }
}
