import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

extension Docs {
    /// A sales credit note as a sync client would post it for a return: one untaxed line of `amount`, knocking
    /// off `(invoice docno, koamt)` rows.
    static func creditNote(docref1: String, docno: String = "", code: String = "300-S0001", amount: String = "30.00",
                           docamt: String? = nil, knockoffs: [(String, String)] = []) -> JSONValue {
        var object: JSONObject = [
            "docno": .string(docno), "docdate": .string("2025-09-25"), "postdate": .string("2025-09-25"),
            "code": .string(code), "agent": .string("----"), "project": .string("SHOPEE"), "terms": .string("C.O.D."),
            "description": .string("Return \(docref1)"), "docref1": .string(docref1), "cancelled": .bool(false),
            "docamt": .string(docamt ?? amount),
            "sdsdocdetail": .array([line(item: "TBL-001", qty: "1", price: amount, taxamt: "0.00", amount: amount)]),
        ]
        if !knockoffs.isEmpty {
            object["sdsknockoff"] = .array(knockoffs.map { docno, koamt in
                .object(["doctype": .string("IV"), "docno": .string(docno), "koamt": .string(koamt), "knockoff": .bool(true)])
            })
        }
        return .object(object)
    }

    /// A customer refund paying money back, knocking off `(doctype, docno, koamt)` rows (CN or PM).
    static func refund(code: String = "300-S0001", docamt: String, docref1: String,
                       knockoffs: [(String, String, String)]) -> JSONValue {
        .object([
            "docno": .string(""), "code": .string(code), "docdate": .string("2025-09-26"),
            "paymentmethod": .string("310-SHP"), "journal": .string("BANK"), "docamt": .string(docamt),
            "docref1": .string(docref1),
            "sdsknockoff": .array(knockoffs.map { doctype, docno, koamt in
                .object(["doctype": .string(doctype), "docno": .string(docno), "koamt": .string(koamt), "knockoff": .bool(true)])
            }),
        ])
    }

    /// `body` with `field` set: for a PUT's `updatecount`, or one field gone wrong.
    static func with(_ body: JSONValue, _ field: String, _ value: JSONValue) -> JSONValue {
        var object = body.objectValue ?? [:]
        object[field] = value
        return .object(object)
    }
}

@Suite("Sales credit notes and customer refunds")
struct CreditNoteRefundTests {
    @Test("a credit note knocking off part of an invoice lowers its outstanding by exactly koamt and is read back every way")
    func partialKnockOff() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)  // IV-00001 218.00

            let created = try await client.post("/salescreditnote",
                                                Docs.creditNote(docref1: "RET-1", amount: "30.00", knockoffs: [("IV-00001", "30.00")]))
            #expect(created.status == 200, "\(created.text)")
            let note = try #require(created.record)
            #expect(note.string("docno") == "CN-00001")
            #expect(note.int("dockey") == 1)
            #expect(note.int("updatecount") == 0)
            #expect(note.string("docamt") == "30.00")
            #expect(note.string("unappliedamt") == "0.00")
            #expect(note.string("companyname") == "SHOPEE MY")
            #expect(note.lines.map { $0.int("dtlkey") } == [1])
            let row = try #require(note["sdsknockoff"]?.arrayValue?.first?.objectValue)
            #expect(row == ["doctype": .string("IV"), "docno": .string("IV-00001"), "koamt": .string("30.00"),
                            "knockoff": .bool(true), "refdockey": .int(1)])
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "188.00")

            // By docref1 (master fields only), by dockey and by docno (with details): the same credit note.
            let byRef = try await client.get("/salescreditnote", [("docref1", "RET-1")])
            #expect(byRef.records.count == 1)
            #expect(byRef.record?.string("docno") == "CN-00001")
            #expect(byRef.record?.string("unappliedamt") == "0.00")
            #expect(byRef.record?["sdsknockoff"] == nil)
            #expect(byRef.record?["sdsdocdetail"] == nil)
            #expect(try await client.get("/salescreditnote", [("docref1", "RET-2")]).records.isEmpty)
            #expect(try await client.get("/salescreditnote/1").record == note)
            #expect(try await client.get("/salescreditnote/*", [("docno", "CN-00001")]).record == note)
            #expect(try await client.get("/salescreditnote/2").status == 404)

            // The rest is paid to the sen; one sen more is refused with the outstanding the credit note left.
            let over = try await client.post("/customerpayment",
                                             Docs.payment(docamt: "188.01", docref1: "PAY-1", knockoffs: [("IV-00001", "188.01")]))
            #expect(over.status == 400)
            #expect(over.message == "koamt 188.01 for IV-00001 exceeds its outstanding 188.00")
            let paid = try await client.post("/customerpayment",
                                             Docs.payment(docamt: "188.00", docref1: "PAY-1", knockoffs: [("IV-00001", "188.00")]))
            #expect(paid.status == 200)
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "0.00")

            // A PUT of the credit note re-applies its own knock-off (it is not counted against itself).
            let update = try await client.put("/salescreditnote/1", Docs.with(
                Docs.creditNote(docref1: "RET-1", amount: "30.00", knockoffs: [("IV-00001", "30.00")]), "updatecount", .int(1)))
            #expect(update.status == 200, "\(update.text)")
            #expect(update.record?.int("updatecount") == 1)
            #expect(update.record?.string("unappliedamt") == "0.00")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "0.00")
            let stale = try await client.put("/salescreditnote/1", Docs.with(
                Docs.creditNote(docref1: "RET-1", amount: "30.00"), "updatecount", .int(1)))
            #expect(stale.message == "Record has been changed by another user")
        }
    }

    @Test("after the invoice is paid in full a knock-off is refused; the credit note alone stands unapplied and is refunded")
    func creditNoteAfterFullPaymentIsRefunded() async throws {
        try await withSandbox { server, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)
            #expect(try await client.post("/customerpayment",
                                          Docs.payment(docamt: "218.00", docref1: "PAY-1", knockoffs: [("IV-00001", "218.00")])).status == 200)

            let refused = try await client.post("/salescreditnote",
                                                Docs.creditNote(docref1: "RET-1", amount: "30.00", knockoffs: [("IV-00001", "30.00")]))
            #expect(refused.status == 400)
            #expect(refused.message == "koamt 30.00 for IV-00001 exceeds its outstanding 0.00")

            let note = try await client.post("/salescreditnote", Docs.creditNote(docref1: "RET-1", amount: "30.00"))
            #expect(note.status == 200)
            #expect(note.record?.string("docno") == "CN-00001", "the refused one numbered nothing")
            #expect(note.record?.string("unappliedamt") == "30.00")
            #expect(note.record?["sdsknockoff"] == .array([]))

            let refund = try await client.post("/customerrefund",
                                               Docs.refund(docamt: "30.00", docref1: "RF-1", knockoffs: [("CN", "CN-00001", "30.00")]))
            #expect(refund.status == 200, "\(refund.text)")
            let saved = try #require(refund.record)
            #expect(saved.string("docno") == "CF-00001")
            #expect(saved.string("unappliedamt") == "0.00")
            #expect(saved.string("docamt") == "30.00")
            #expect(saved["sdsknockoff"]?.arrayValue?.first?.objectValue?.int("refdockey") == 1)
            #expect(try await client.get("/salescreditnote/1").record?.string("unappliedamt") == "0.00")
            #expect(try await client.get("/customerrefund", [("docref1", "RF-1")]).record?.string("docno") == "CF-00001")
            #expect(try await client.get("/customerrefund/*", [("docno", "CF-00001")]).record == saved)

            // What a refund knocks off is held: no second refund, no cancelling or lowering the credit note.
            let twice = try await client.post("/customerrefund",
                                              Docs.refund(docamt: "0.01", docref1: "RF-2", knockoffs: [("CN", "CN-00001", "0.01")]))
            #expect(twice.message == "koamt 0.01 for CN-00001 exceeds its unapplied amount 0.00")
            let cancel = try await client.put("/salescreditnote/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancel.status == 400)
            #expect(cancel.message == "CN-00001 has been knocked off by customer refunds (30.00); cancel or change them first")
            let lower = try await client.put("/salescreditnote/1", Docs.with(
                Docs.creditNote(docref1: "RET-1", amount: "29.99"), "updatecount", .int(1)))
            #expect(lower.message == "docamt 29.99 is less than the 30.00 already knocked off by customer refunds")
            let moved = try await client.put("/salescreditnote/1", Docs.with(
                Docs.creditNote(docref1: "RET-1", code: "300-C0001", amount: "30.00"), "updatecount", .int(1)))
            #expect(moved.message == "CN-00001 has been knocked off by customer refunds; its customer cannot change")

            // Cancelling the refund gives the credit note its money back; then it can be cancelled.
            #expect(try await client.put("/customerrefund/1", .object(["cancelled": .bool(true), "updatecount": .int(1)])).status == 200)
            #expect(try await client.get("/customerrefund/1").record?.string("unappliedamt") == "0.00")
            #expect(try await client.get("/salescreditnote/1").record?.string("unappliedamt") == "30.00")
            #expect(try await client.put("/salescreditnote/1", .object(["cancelled": .bool(true), "updatecount": .int(1)])).status == 200)
            #expect(try await client.get("/salescreditnote/1").record?.string("unappliedamt") == "0.00")
            #expect(await server.service.store.documentCount == 4)
        }
    }

    @Test("koamt over the credit note, another customer's invoice, a wrong doctype and a credit note without lines are refused")
    func refusals() async throws {
        try await withSandbox { server, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)  // 300-S0001
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-2", code: "300-C0001")).status == 200)

            let overDocamt = try await client.post("/salescreditnote",
                                                   Docs.creditNote(docref1: "R", amount: "30.00", knockoffs: [("IV-00001", "30.01")]))
            #expect(overDocamt.status == 400)
            #expect(overDocamt.message == "The knock-off total 30.01 exceeds the credit note amount (docamt) 30.00")
            let split = try await client.post("/salescreditnote",
                                              Docs.creditNote(docref1: "R", amount: "30.00",
                                                              knockoffs: [("IV-00001", "20.00"), ("IV-00001", "10.01")]))
            #expect(split.message == "The knock-off total 30.01 exceeds the credit note amount (docamt) 30.00")
            let otherCustomer = try await client.post("/salescreditnote",
                                                      Docs.creditNote(docref1: "R", knockoffs: [("IV-00002", "10.00")]))
            #expect(otherCustomer.status == 400)
            #expect(otherCustomer.message == "IV-00002 belongs to customer 300-C0001, not 300-S0001 (sdsknockoff line 1)")
            let unknown = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R", knockoffs: [("IV-09999", "10.00")]))
            #expect(unknown.message == "No record found: IV 'IV-09999' (sdsknockoff line 1)")
            var payment = Docs.creditNote(docref1: "R").objectValue!
            payment["sdsknockoff"] = .array([.object(["doctype": .string("PM"), "docno": .string("OR-00001"), "koamt": .string("1.00")])])
            #expect(try await client.post("/salescreditnote", .object(payment)).message
                    == "No record found: doctype 'PM' (sdsknockoff line 1); a sales credit note knocks off sales invoices (IV) only")
            let negative = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R", knockoffs: [("IV-00001", "-1.00")]))
            #expect(negative.message == "koamt -1.00 must not be negative (sdsknockoff line 1)")
            let mismatch = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R", amount: "30.00", docamt: "31.00"))
            #expect(mismatch.message == "docamt 31.00 does not equal the lines' total 30.00 (sum of amount + taxamt)")
            let noLines = try await client.post("/salescreditnote", Docs.with(Docs.creditNote(docref1: "R"), "sdsdocdetail", .array([])))
            #expect(noLines.status == 400)
            #expect(noLines.message == "A sales credit note needs at least one line (sdsdocdetail)")
            let item = try await client.post("/salescreditnote", Docs.with(Docs.creditNote(docref1: "R"), "sdsdocdetail",
                                                                          .array([Docs.line(item: "NOPE-1", qty: "1", price: "1.00")])))
            #expect(item.status == 500)
            #expect(item.message.hasPrefix("Operation aborted: Item code 'NOPE-1' not found"))
            let terms = try await client.post("/salescreditnote", Docs.with(Docs.creditNote(docref1: "R"), "terms", .string("60 DAYS")))
            #expect(terms.message == "No record found: terms '60 DAYS'")
            let long = try await client.post("/salescreditnote", Docs.with(Docs.creditNote(docref1: "R"), "docref1",
                                                                          .string(String(repeating: "R", count: 200))))
            #expect(long.status == 500)
            #expect(long.message.contains("string right truncation: docref1"))

            // Refunds: over their docamt, no doctype, a payment method or field that does not exist.
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R", amount: "30.00")).status == 200)
            let overRefund = try await client.post("/customerrefund",
                                                   Docs.refund(docamt: "20.00", docref1: "RF", knockoffs: [("CN", "CN-00001", "20.01")]))
            #expect(overRefund.message == "The knock-off total 20.01 exceeds the refund amount (docamt) 20.00")
            let overNote = try await client.post("/customerrefund",
                                                 Docs.refund(docamt: "40.00", docref1: "RF", knockoffs: [("CN", "CN-00001", "30.01")]))
            #expect(overNote.message == "koamt 30.01 for CN-00001 exceeds its unapplied amount 30.00")
            var untyped = Docs.refund(docamt: "1.00", docref1: "RF", knockoffs: [("CN", "CN-00001", "1.00")]).objectValue!
            untyped["sdsknockoff"] = .array([.object(["docno": .string("CN-00001"), "koamt": .string("1.00")])])
            #expect(try await client.post("/customerrefund", .object(untyped)).message == "sdsknockoff line 1 doctype is required (CN or PM)")
            let invoiceRow = try await client.post("/customerrefund",
                                                   Docs.refund(docamt: "1.00", docref1: "RF", knockoffs: [("IV", "IV-00001", "1.00")]))
            #expect(invoiceRow.message == "No record found: doctype 'IV' (sdsknockoff line 1); a customer refund knocks off credit notes (CN) and customer payments (PM)")
            let method = try await client.post("/customerrefund", Docs.with(Docs.refund(docamt: "1.00", docref1: "RF", knockoffs: []),
                                                                           "paymentmethod", .string("399-999")))
            #expect(method.message == "No record found: paymentmethod '399-999'")
            let noAmount = try await client.post("/customerrefund", Docs.with(Docs.refund(docamt: "1.00", docref1: "RF", knockoffs: []),
                                                                             "docamt", .null))
            #expect(noAmount.message == "docamt is required for a customer refund")
            let field = try await client.post("/customerrefund", Docs.with(Docs.refund(docamt: "1.00", docref1: "RF", knockoffs: []),
                                                                          "docref5", .string("X")))
            #expect(field.message == "Unknown field 'docref5' for customerrefund (AR_CF); did you mean 'docref1'?")

            #expect(await server.service.store.documentCount == 3, "nothing refused was saved")
        }
    }

    @Test("cancelling a credit note releases its knock-off; an invoice a credit note knocks off cannot be cancelled or lowered")
    func cancellingAndTheInvoicesItHolds() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)
            #expect(try await client.post("/salescreditnote",
                                          Docs.creditNote(docref1: "RET-1", amount: "50.00", knockoffs: [("IV-00001", "50.00")])).status == 200)
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "168.00")

            let cancelInvoice = try await client.put("/salesinvoice/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelInvoice.status == 400)
            #expect(cancelInvoice.message == "IV-00001 has been knocked off by customer payments or credit notes (50.00); cancel or change them first")
            let lower = try await client.put("/salesinvoice/1", Docs.with(
                Docs.invoice(docref1: "I-1", lines: [Docs.line(item: "TBL-001", qty: "1", price: "49.99", taxamt: "0.00", amount: "49.99")],
                             docamt: nil), "updatecount", .int(1)))
            #expect(lower.message == "docamt 49.99 is less than the 50.00 already knocked off by customer payments or credit notes")

            let cancel = try await client.put("/salescreditnote/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancel.status == 200)
            #expect(cancel.record?.string("unappliedamt") == "0.00")
            #expect(cancel.record?["sdsknockoff"]?.arrayValue?.count == 1, "a cancelled credit note keeps its rows, applying nothing")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "218.00")

            // Released: a payment can now take all of it, and the cancelled credit note cannot take it back.
            #expect(try await client.post("/customerpayment",
                                          Docs.payment(docamt: "218.00", docref1: "PAY-1", knockoffs: [("IV-00001", "218.00")])).status == 200)
            let revive = try await client.put("/salescreditnote/1", .object(["cancelled": .bool(false), "updatecount": .int(2)]))
            #expect(revive.message == "koamt 50.00 for IV-00001 exceeds its outstanding 0.00")
            let both = try await client.get("/salesinvoice", [("docref1", "I-1")])
            #expect(both.record?.string("outstanding") == "0.00")
        }
    }

    @Test("credit notes and refunds number on their own counters; a docno is unique among credit notes")
    func numberingAndDuplicates() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).record?.string("docno") == "IV-00001")
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-1")).record?.string("docno") == "CN-00001")
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-2")).record?.string("docno") == "CN-00002")
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-2")).record?.string("docno") == "IV-00002")

            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-3", docno: "RET-0001")).status == 200)
            let duplicate = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-4", docno: "RET-0001"))
            #expect(duplicate.status == 400)
            #expect(duplicate.message == "duplicate docno 'RET-0001': violation of PRIMARY or UNIQUE KEY constraint "
                    + "\"UNQ_SL_CN_DOCNO\" on table \"SL_CN\" (document no already exists)")
            let auto = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-5", docno: "CN-00003"))
            #expect(auto.status == 200)
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-6")).record?.string("docno") == "CN-00004",
                    "an auto number skips a docno that was given")
            // Another table: an invoice's docno is free for a credit note.
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-7", docno: "IV-00001")).status == 200)

            let first = try await client.post("/customerrefund", Docs.refund(docamt: "5.00", docref1: "RF-1", knockoffs: [("CN", "CN-00001", "5.00")]))
            let second = try await client.post("/customerrefund", Docs.refund(docamt: "5.00", docref1: "RF-2", knockoffs: []))
            #expect([first.record?.string("docno"), second.record?.string("docno")] == ["CF-00001", "CF-00002"])
            #expect(second.record?.string("unappliedamt") == "5.00")
            #expect(try await client.get("/salescreditnote", [("offset", "0")]).records.map { $0.string("unappliedamt") }
                    == ["25.00", "30.00", "30.00", "30.00", "30.00", "30.00"])
        }
    }

    @Test("a refund of an overpayment knocks off the payment's unapplied amount, which holds the payment")
    func refundOfAnOverpayment() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)
            let payment = try await client.post("/customerpayment",
                                                Docs.payment(docamt: "250.00", docref1: "PAY-1", knockoffs: [("IV-00001", "218.00")]))
            #expect(payment.record?.string("unappliedamt") == "32.00")

            let over = try await client.post("/customerrefund",
                                             Docs.refund(docamt: "32.01", docref1: "RF-1", knockoffs: [("PM", "OR-00001", "32.01")]))
            #expect(over.message == "koamt 32.01 for OR-00001 exceeds its unapplied amount 32.00")
            let refund = try await client.post("/customerrefund",
                                               Docs.refund(docamt: "32.00", docref1: "RF-1", knockoffs: [("PM", "OR-00001", "32.00")]))
            #expect(refund.status == 200, "\(refund.text)")
            #expect(refund.record?.string("docno") == "CF-00001")
            #expect(try await client.get("/customerpayment/1").record?.string("unappliedamt") == "0.00")
            #expect(try await client.get("/customerpayment", [("docref1", "PAY-1")]).record?.string("unappliedamt") == "0.00")

            let cancel = try await client.put("/customerpayment/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancel.message == "OR-00001 has been knocked off by customer refunds (32.00); cancel or change them first")
            let lower = try await client.put("/customerpayment/1", Docs.with(
                Docs.payment(docamt: "249.99", docref1: "PAY-1", knockoffs: [("IV-00001", "218.00")]), "updatecount", .int(1)))
            #expect(lower.message == "The knock-off total 218.00 and the 32.00 already knocked off by customer refunds exceed the payment amount (docamt) 249.99")
            let unapply = try await client.put("/customerpayment/1", Docs.with(
                Docs.payment(docamt: "31.99", docref1: "PAY-1", knockoffs: []), "updatecount", .int(1)))
            #expect(unapply.message == "docamt 31.99 is less than the 32.00 already knocked off by customer refunds")
            // A refund row may name the payment by its dockey alone.
            var byKey = Docs.refund(docamt: "0.01", docref1: "RF-2", knockoffs: []).objectValue!
            byKey["sdsknockoff"] = .array([.object(["doctype": .string("PM"), "refdockey": .int(1), "koamt": .string("0.01")])])
            #expect(try await client.post("/customerrefund", .object(byKey)).message == "koamt 0.01 for OR-00001 exceeds its unapplied amount 0.00")

            // Cancelling the refund gives the payment its unapplied amount back; a cancelled payment has none left.
            #expect(try await client.put("/customerrefund/1", .object(["cancelled": .bool(true), "updatecount": .int(1)])).status == 200)
            #expect(try await client.get("/customerpayment/1").record?.string("unappliedamt") == "32.00")
            #expect(try await client.put("/customerpayment/1", .object(["cancelled": .bool(true), "updatecount": .int(1)])).status == 200)
            #expect(try await client.get("/customerpayment/1").record?.string("unappliedamt") == "0.00")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "218.00")
        }
    }

    @Test("credit notes, refunds and every balance survive a restart from the state file")
    func balancesSurviveAReload() async throws {
        let statePath = Fixtures.temporaryPath("state.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        let configuration = try Fixtures.configuration(statePath: statePath)

        try await withSandbox(configuration) { _, client in
            let invoice = try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1"))
            #expect(invoice.status == 200)
            #expect(try await client.post("/customerpayment",
                                          Docs.payment(docamt: "200.00", docref1: "PAY-1", knockoffs: [("IV-00001", "150.00")])).status == 200)
            #expect(try await client.post("/salescreditnote",
                                          Docs.creditNote(docref1: "RET-1", amount: "45.50", knockoffs: [("IV-00001", "40.25")])).status == 200)
            #expect(try await client.post("/customerrefund",
                                          Docs.refund(docamt: "60.00", docref1: "RF-1",
                                                      knockoffs: [("CN", "CN-00001", "5.25"), ("PM", "OR-00001", "50.00")])).status == 200)
        }
        let state = try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: statePath))))
        #expect(state["salescreditnote"]?["records"]?.arrayValue?.count == 1)
        #expect(state["customerrefund"]?["next_number"] == .int(2))
        // The file holds every receipt's and credit note's unappliedamt as it is now, after what knocked them off.
        func stored(_ resource: String) -> String? { state[resource]?["records"]?.arrayValue?.first?["unappliedamt"]?.stringValue }
        #expect(stored("customerpayment") == "0.00")
        #expect(stored("salescreditnote") == "0.00")
        #expect(stored("customerrefund") == "4.75")
        #expect(state["salesinvoice"]?["records"]?.arrayValue?.first?["outstanding"] == nil, "an invoice's outstanding is only derived")

        try await withSandbox(configuration) { _, client in
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "27.75")  // 218.00 − 150.00 − 40.25
            #expect(try await client.get("/customerpayment/1").record?.string("unappliedamt") == "0.00")  // 200.00 − 150.00 − 50.00
            #expect(try await client.get("/salescreditnote", [("docref1", "RET-1")]).record?.string("unappliedamt") == "0.00")  // 45.50 − 40.25 − 5.25
            #expect(try await client.get("/customerrefund/1").record?.string("unappliedamt") == "4.75")  // 60.00 − 55.25

            let cancelInvoice = try await client.put("/salesinvoice/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelInvoice.message == "IV-00001 has been knocked off by customer payments or credit notes (190.25); cancel or change them first")
            let cancelNote = try await client.put("/salescreditnote/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelNote.message == "CN-00001 has been knocked off by customer refunds (5.25); cancel or change them first")
            #expect(try await client.post("/salescreditnote", Docs.creditNote(docref1: "RET-2")).record?.string("docno") == "CN-00002")
            #expect(try await client.post("/customerrefund", Docs.refund(docamt: "1.00", docref1: "RF-2", knockoffs: []))
                .record?.string("docno") == "CF-00002")
        }
    }

    @Test("a state file from before credit notes loads: no credit notes or refunds, the payment's balance derived")
    func aStateFileFromBeforeLoads() async throws {
        let statePath = Fixtures.temporaryPath("old-state.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        let configuration = try Fixtures.configuration(statePath: statePath)
        try await withSandbox(configuration) { _, client in
            let invoice = try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1"))
            #expect(invoice.status == 200)
            #expect(try await client.post("/customerpayment",
                                          Docs.payment(docamt: "100.00", docref1: "PAY-1", knockoffs: [("IV-00001", "18.00")])).status == 200)
        }
        // As the sandbox wrote it before: two sections, and the payment's unappliedamt stored as it was saved.
        var root = try #require(try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: statePath)))).objectValue)
        root["salescreditnote"] = nil
        root["customerrefund"] = nil
        var payments = try #require(root["customerpayment"]?.objectValue)
        var record = try #require(payments["records"]?.arrayValue?.first?.objectValue)
        record["unappliedamt"] = .string("82.00")
        payments["records"] = .array([.object(record)])
        root["customerpayment"] = .object(payments)
        try Data(JSONWriter.prettyBytes(.object(root))).write(to: URL(fileURLWithPath: statePath))

        try await withSandbox(configuration) { _, client in
            #expect(try await client.get("/salescreditnote", [("offset", "0")]).records.isEmpty)
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "200.00")
            #expect(try await client.post("/customerrefund",
                                          Docs.refund(docamt: "2.00", docref1: "RF-1", knockoffs: [("PM", "OR-00001", "2.00")])).status == 200)
            let payment = try #require(try await client.get("/customerpayment/1").record)
            #expect(payment.string("unappliedamt") == "80.00")
            #expect(payment.keys.filter { $0 == "unappliedamt" }.count == 1)
        }
    }

    @Test("the new routes are document routes: listed in the 404, hit by faults")
    func routes() async throws {
        for name in ["salescreditnote", "customerrefund"] {
            #expect(SandboxRoute.parse(path: "/\(name)").isDocumentRoute)
            #expect(SandboxRoute.parse(path: "/\(name)/*").isDocumentRoute)
            #expect(SandboxRoute.parse(path: "/\(name)/7") == .document(SandboxDocumentKind(rawValue: name)!, "7"))
        }
        try await withSandbox(try Fixtures.configuration(faults: FaultSpec(error500: 1))) { server, client in
            let faulted = try await client.post("/salescreditnote", Docs.creditNote(docref1: "R-1"))
            #expect(faulted.status == 500)
            #expect(faulted.headers["x-sandbox-fault"] == "error500")
            server.setFaults(.none)
            #expect(try await client.get("/salescreditnote", [("offset", "0")]).records.isEmpty, "the fault did nothing")
            let missing = try await client.get("/purchaseinvoice")
            #expect(missing.status == 404)
            #expect(missing.message.hasSuffix(", salesinvoice, customerpayment, salescreditnote, customerrefund, purchaseorder and "
                                              + "purchasegoodsreceived)"), "\(missing.message)")
        }
    }
}
