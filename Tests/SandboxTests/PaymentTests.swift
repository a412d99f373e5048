import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Customer payments and knock-off")
struct PaymentTests {
    @Test func knockOffReducesOutstandingToTheSen() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)  // IV-00001 218.00
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-2")).status == 200)  // IV-00002 218.00

            let first = try await client.post("/customerpayment",
                                              Docs.payment(docamt: "100.01", docref1: "PAY-1", knockoffs: [("IV-00001", "100.01")]))
            #expect(first.status == 200)
            let payment = try #require(first.record)
            #expect(payment.string("docno") == "OR-00001")
            #expect(payment.string("unappliedamt") == "0.00")
            let row = payment["sdsknockoff"]?.arrayValue?.first?.objectValue
            #expect(row?.int("refdockey") == 1)
            #expect(row?.string("koamt") == "100.01")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "117.99")

            // One payout settling the rest of IV-00001 and part of IV-00002, with money left unapplied.
            let second = try await client.post("/customerpayment",
                                               Docs.payment(docamt: "300.00", docref1: "PAY-2",
                                                            knockoffs: [("IV-00001", "117.99"), ("IV-00002", "150.00")]))
            #expect(second.status == 200)
            #expect(second.record?.string("docno") == "OR-00002")
            #expect(second.record?.string("unappliedamt") == "32.01")
            let invoices = try await client.get("/salesinvoice", [("offset", "0")])
            #expect(invoices.records.map { $0.string("outstanding") } == ["0.00", "68.00"])
            #expect(try await client.get("/customerpayment", [("docref1", "PAY-2")]).record?.string("unappliedamt") == "32.01")

            // A knocked-off invoice cannot be cancelled.
            let cancelInvoice = try await client.put("/salesinvoice/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelInvoice.status == 400)
            #expect(cancelInvoice.message.contains("knocked off"))

            // Cancelling the second payment gives its knock-offs back.
            let cancelled = try await client.put("/customerpayment/2", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelled.status == 200)
            let after = try await client.get("/salesinvoice", [("offset", "0")])
            #expect(after.records.map { $0.string("outstanding") } == ["117.99", "218.00"])

            // Updating a payment re-applies its own knock-off within the outstanding it left.
            let update = try await client.put("/customerpayment/1", Docs.payment(docamt: "218.00", docref1: "PAY-1",
                                                                              knockoffs: [("IV-00001", "218.00")])
                .objectValue.map { var object = $0; object["updatecount"] = .int(1); return .object(object) }!)
            #expect(update.status == 200)
            #expect(update.record?.string("docno") == "OR-00001")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "0.00")
        }
    }

    @Test("a receipt fetched and sent back with its O/R number in docref2 keeps it; an unknown field is refused naming the closest; udf_ fields pass")
    func receiptFields() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)
            #expect(try await client.post("/customerpayment", Docs.payment(docamt: "218.00", docref1: "PAY-1", knockoffs: [("IV-00001", "218.00")])).status == 200)

            // As ledgersync sends an O/R number: the receipt as SQL holds it, docref2 set, updatecount + 1.
            var current = try #require(try await client.get("/customerpayment/1").record)
            current["docref2"] = .string("OR-2025-0001")
            current["updatecount"] = .int(1)
            let updated = try await client.put("/customerpayment/1", .object(current))
            #expect(updated.status == 200, "\(updated.text)")
            let stored = try #require(try await client.get("/customerpayment/1").record)
            #expect(stored.string("docref2") == "OR-2025-0001")
            #expect(stored.int("updatecount") == 1)
            #expect(stored["sdsknockoff"]?.arrayValue?.count == 1, "the knock-off is kept")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "0.00")
            #expect(try await client.get("/customerpayment", [("docref2", "OR-2025-0001")]).records.count == 1)

            var misspelt = stored
            misspelt["docref22"] = .string("OR-2025-0002")
            misspelt["updatecount"] = .int(2)
            let refused = try await client.put("/customerpayment/1", .object(misspelt))
            #expect(refused.status == 400)
            #expect(refused.message == "Unknown field 'docref22' for customerpayment (AR_PM); did you mean 'docref2'?")
            let posted = try await client.post("/customerpayment", .object(["code": .string("300-S0001"), "docdate": .string("2025-09-20"),
                                                                            "paymentmethod": .string("310-SHP"), "docamt": .string("1.00"),
                                                                            "orno": .string("X"), "udf_batch": .string("B1")]))
            #expect(posted.status == 400)
            #expect(posted.message.hasPrefix("Unknown field 'orno' for customerpayment (AR_PM)"), "\(posted.message)")
            let extra = try await client.post("/customerpayment", .object(["code": .string("300-S0001"), "docdate": .string("2025-09-20"),
                                                                           "paymentmethod": .string("310-SHP"), "docamt": .string("1.00"),
                                                                           "udf_batch": .string("B1"), "sdsbogus": .array([])]))
            #expect(extra.message == "Unknown field 'sdsbogus' for customerpayment (AR_PM); its detail is sdsknockoff")
            #expect(try await client.get("/customerpayment/1").record?.string("docref2") == "OR-2025-0001", "a refused update changes nothing")
        }
    }

    @Test func rejectsOverKnockOffOtherCustomersAndUnknownInvoices() async throws {
        try await withSandbox { server, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-1")).status == 200)  // 300-S0001
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "I-2", code: "300-C0001")).status == 200)

            let over = try await client.post("/customerpayment",
                                             Docs.payment(docamt: "300.00", docref1: "P", knockoffs: [("IV-00001", "218.01")]))
            #expect(over.status == 400)
            #expect(over.message.contains("exceeds its outstanding 218.00"))

            let split = try await client.post("/customerpayment",
                                              Docs.payment(docamt: "300.00", docref1: "P",
                                                           knockoffs: [("IV-00001", "200.00"), ("IV-00001", "18.01")]))
            #expect(split.status == 400)

            let moreThanPaid = try await client.post("/customerpayment",
                                                     Docs.payment(docamt: "100.00", docref1: "P", knockoffs: [("IV-00001", "100.01")]))
            #expect(moreThanPaid.status == 400)
            #expect(moreThanPaid.message.contains("exceeds the payment amount"))

            let otherCustomer = try await client.post("/customerpayment",
                                                      Docs.payment(docamt: "10.00", docref1: "P", knockoffs: [("IV-00002", "10.00")]))
            #expect(otherCustomer.status == 400)
            #expect(otherCustomer.message.contains("belongs to customer 300-C0001"))

            let unknown = try await client.post("/customerpayment",
                                                Docs.payment(docamt: "10.00", docref1: "P", knockoffs: [("IV-09999", "10.00")]))
            #expect(unknown.status == 400)
            #expect(unknown.message.hasPrefix("No record found: IV 'IV-09999'"))

            let method = try await client.post("/customerpayment", Docs.payment(docamt: "10.00", docref1: "P", knockoffs: [])
                .objectValue.map { var object = $0; object["paymentmethod"] = .string("399-999"); return .object(object) }!)
            #expect(method.status == 400)
            #expect(method.message == "No record found: paymentmethod '399-999'")

            _ = try await client.put("/salesinvoice/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            let cancelled = try await client.post("/customerpayment",
                                                  Docs.payment(docamt: "10.00", docref1: "P", knockoffs: [("IV-00001", "10.00")]))
            #expect(cancelled.status == 400)
            #expect(cancelled.message.contains("is cancelled"))

            // Nothing above was saved; an unapplied payment is fine.
            #expect(await server.service.store.documentCount == 2)
            let unapplied = try await client.post("/customerpayment", Docs.payment(docamt: "10.00", docref1: "P", knockoffs: []))
            #expect(unapplied.record?.string("docno") == "OR-00001")
            #expect(unapplied.record?.string("unappliedamt") == "10.00")
        }
    }
}
