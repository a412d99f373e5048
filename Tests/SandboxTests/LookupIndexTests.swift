import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

/// docref1 and docno lookups are answered from indexes kept by every save; what a client sees must be exactly what
/// a scan of the book gave: the same records, in dockey order, paged the same way, with the other filters applied.
@Suite("docref1 and docno lookups")
struct LookupIndexTests {
    /// The dockeys `GET /salesinvoice?…` lists.
    static func dockeys(_ client: SandboxClient, _ query: [(String, String)],
                        path: String = "/salesinvoice") async throws -> [Int] {
        let response = try await client.get(path, query)
        #expect(response.status == 200, "\(response.text)")
        return response.records.compactMap { $0.int("dockey") }
    }

    @Test func docref1FindsEveryInvoiceHoldingItAfterCreateUpdateAndCancel() async throws {
        try await withSandbox { _, client in
            for docref1 in ["R-1", "R-2", "R-1"] {
                #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: docref1)).status == 200)
            }
            // docref1 need not be unique: both holders, in dockey order.
            #expect(try await Self.dockeys(client, [("docref1", "R-1")]) == [1, 3])
            #expect(try await Self.dockeys(client, [("docref1", "R-2")]) == [2])
            #expect(try await Self.dockeys(client, [("docref1", "R-3")]) == [])

            // An update that changes docref1 moves the invoice from one value to the other.
            let moved = try await client.put("/salesinvoice/1", .object(["docref1": .string("R-9"), "updatecount": .int(1)]))
            #expect(moved.status == 200, "\(moved.text)")
            #expect(try await Self.dockeys(client, [("docref1", "R-1")]) == [3])
            #expect(try await Self.dockeys(client, [("docref1", "R-9")]) == [1])
            // One that leaves docref1 alone keeps it where it was.
            #expect(try await client.put("/salesinvoice/2", .object(["description": .string("x"), "updatecount": .int(1)])).status == 200)
            #expect(try await Self.dockeys(client, [("docref1", "R-2")]) == [2])

            // A cancelled invoice is still found (it is still in the book), and a second filter still applies.
            let cancelled = try await client.put("/salesinvoice/3", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelled.status == 200, "\(cancelled.text)")
            let found = try await client.get("/salesinvoice", [("docref1", "R-1")])
            #expect(found.records.map { $0["cancelled"] } == [.bool(true)])
            #expect(try await Self.dockeys(client, [("docref1", "R-1"), ("cancelled", "false")]) == [])
            #expect(try await Self.dockeys(client, [("docref1", "R-1"), ("cancelled", "true")]) == [3])
            // Two docref1 filters must both hold.
            #expect(try await Self.dockeys(client, [("docref1", "R-1"), ("docref1", "R-9")]) == [])
            // Another resource's book is another index.
            #expect(try await Self.dockeys(client, [("docref1", "R-1")], path: "/customerpayment") == [])
        }
    }

    @Test func docnoLookupFollowsRenumberingAndUniquenessStillHolds() async throws {
        try await withSandbox { _, client in
            _ = try await client.post("/salesinvoice", Docs.invoice(docref1: "N-1"))
            _ = try await client.post("/salesinvoice", Docs.invoice(docref1: "N-2"))
            // The detail path answers a docno lookup with the lines.
            let detail = try await client.get("/salesinvoice/*", [("docno", "IV-00002")])
            #expect(detail.records.map { $0.int("dockey") } == [2])
            #expect(detail.record?.lines.count == 2)
            #expect(try await client.get("/salesinvoice", [("docno", "IV-00002")]).record?.lines.count == 0)

            let renumbered = try await client.put("/salesinvoice/2", .object(["docno": .string("X-2"), "updatecount": .int(1)]))
            #expect(renumbered.status == 200, "\(renumbered.text)")
            #expect(try await Self.dockeys(client, [("docno", "IV-00002")]) == [])
            #expect(try await Self.dockeys(client, [("docno", "X-2")]) == [2])

            // The number given up is free again; the one taken is refused, by a POST and by a PUT.
            let reuse = try await client.post("/salesinvoice", Docs.invoice(docref1: "N-3", docno: "IV-00002"))
            #expect(reuse.status == 200, "\(reuse.text)")
            #expect(try await Self.dockeys(client, [("docno", "IV-00002")]) == [3])
            let duplicate = try await client.post("/salesinvoice", Docs.invoice(docref1: "N-4", docno: "X-2"))
            #expect(duplicate.status == 400)
            #expect(duplicate.message.contains("duplicate docno 'X-2'"), "\(duplicate.message)")
            let clash = try await client.put("/salesinvoice/1", .object(["docno": .string("X-2"), "updatecount": .int(1)]))
            #expect(clash.status == 400)
            #expect(try await Self.dockeys(client, [("docno", "X-2")]) == [2])
            #expect(try await Self.dockeys(client, [("docno", "IV-00001")]) == [1])
            #expect(try await Self.dockeys(client, [("docref1", "N-4")]) == [])
            // The automatic numbering skips numbers taken by hand.
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "N-5")).record?.string("docno") == "IV-00003")
        }
    }

    @Test func aSaveRefusedByValidationChangesNoLookup() async throws {
        try await withSandbox { _, client in
            let created = try #require(try await client.post("/salesinvoice", Docs.invoice(docref1: "V-1")).record)
            var edit = created
            edit["updatecount"] = .int(1)
            edit["docref1"] = .string("V-2")
            edit["docno"] = .string("V-DOC")
            // A line names an item the seed lacks: refused after the header was checked.
            edit["sdsdocdetail"] = .array([Docs.line(item: "NO-SUCH-ITEM", qty: "1", price: "1.00")])
            edit["docamt"] = nil
            let refused = try await client.put("/salesinvoice/1", .object(edit))
            #expect(refused.status == 500 || refused.status == 400, "\(refused.text)")
            #expect(try await Self.dockeys(client, [("docref1", "V-1")]) == [1])
            #expect(try await Self.dockeys(client, [("docref1", "V-2")]) == [])
            #expect(try await Self.dockeys(client, [("docno", "V-DOC")]) == [])
            #expect(try await client.get("/salesinvoice/1").record == created)

            // A refused POST leaves no record, no index entry and no used number behind.
            let unknownCustomer = try await client.post("/salesinvoice", Docs.invoice(docref1: "V-3", docno: "V-DOC", code: "NOBODY"))
            #expect(unknownCustomer.status == 400)
            #expect(try await Self.dockeys(client, [("docref1", "V-3")]) == [])
            #expect(try await Self.dockeys(client, [("docno", "V-DOC")]) == [])
            let next = try #require(try await client.post("/salesinvoice", Docs.invoice(docref1: "V-4")).record)
            #expect(next.int("dockey") == 2)
            #expect(next.string("docno") == "IV-00002")
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "V-5", docno: "V-DOC")).status == 200)
        }
    }

    @Test func aSaveWhoseStateFileCannotBeWrittenIsUndoneEverywhere() async throws {
        let folder = Fixtures.temporaryPath("state")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await withSandbox(try Fixtures.configuration(statePath: folder + "/state.json")) { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "S-1")).status == 200)
            let before = try #require(try await client.get("/salesinvoice/1").record)

            // The state file's folder goes away: every save now fails after it was applied in memory.
            try FileManager.default.removeItem(atPath: folder)
            let update = try await client.put("/salesinvoice/1", .object([
                "docref1": .string("S-2"), "docno": .string("S-DOC"), "updatecount": .int(1),
            ]))
            #expect(update.status == 500)
            #expect(update.message.contains("could not write its state file"), "\(update.message)")
            let create = try await client.post("/salesinvoice", Docs.invoice(docref1: "S-3", docno: "S-NEW"))
            #expect(create.status == 500)
            let payment = try await client.post("/customerpayment",
                                                Docs.payment(docamt: "100.00", docref1: "P-1", knockoffs: [("IV-00001", "100.00")]))
            #expect(payment.status == 500)

            #expect(try await client.get("/salesinvoice/1").record == before)
            #expect(before.string("outstanding") == "218.00")
            #expect(try await Self.dockeys(client, [("docref1", "S-1")]) == [1])
            for (field, value) in [("docref1", "S-2"), ("docno", "S-DOC"), ("docref1", "S-3"), ("docno", "S-NEW")] {
                #expect(try await Self.dockeys(client, [(field, value)]) == [], "\(field)=\(value)")
            }
            #expect(try await Self.dockeys(client, []) == [1])
            #expect(try await Self.dockeys(client, [("docref1", "P-1")], path: "/customerpayment") == [])

            // Once it can be written again, the same saves go through with the numbers they would have had.
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let retried = try #require(try await client.post("/salesinvoice", Docs.invoice(docref1: "S-3", docno: "S-NEW")).record)
            #expect(retried.int("dockey") == 2)
            let paid = try #require(try await client.post("/customerpayment",
                                                          Docs.payment(docamt: "100.00", docref1: "P-1", knockoffs: [("IV-00001", "100.00")])).record)
            #expect(paid.string("docno") == "OR-00001")
            #expect(try await client.get("/salesinvoice/1").record?.string("outstanding") == "118.00")
        }
    }

    @Test func pagingThroughADocref1ManyInvoicesHoldIsUnchanged() async throws {
        try await withSandbox { _, client in
            // 60 invoices share a docref1, interleaved with 20 that do not; every 4th shared one has another project.
            var shared: [Int] = []
            var other: [Int] = []
            for index in 1...80 {
                let isShared = index % 4 != 0
                var body = try #require(Docs.invoice(docref1: isShared ? "SAME" : "OTHER-\(index)").objectValue)
                if isShared, shared.count % 4 == 0 { body["description"] = .string("marked") }
                let dockey = try #require(try await client.post("/salesinvoice", .object(body)).record?.int("dockey"))
                if isShared { shared.append(dockey) } else { other.append(dockey) }
            }
            #expect(shared.count == 60)
            #expect(try await Self.dockeys(client, [("docref1", "SAME")]) == Array(shared.prefix(50)))
            #expect(try await Self.dockeys(client, [("docref1", "SAME"), ("offset", "50")]) == Array(shared.suffix(10)))
            #expect(try await Self.dockeys(client, [("docref1", "SAME"), ("offset", "3"), ("limit", "5")]) == Array(shared[3..<8]))
            #expect(try await Self.dockeys(client, [("docref1", "SAME"), ("offset", "60")]) == [])
            let marked = stride(from: 0, to: 60, by: 4).map { shared[$0] }
            #expect(try await Self.dockeys(client, [("description", "marked"), ("docref1", "SAME")]) == marked)
            #expect(try await Self.dockeys(client, [("docref1", "SAME"), ("description", "marked"), ("offset", "10")]) == Array(marked.dropFirst(10)))
            #expect(try await Self.dockeys(client, [("docref1", "OTHER-\(other[7])")]) == [other[7]])
            let page = try await client.get("/salesinvoice", [("docref1", "SAME"), ("offset", "55"), ("limit", "10")])
            #expect(page.json?["pagination"]?["count"] == .int(5))
            // Without a filter, paging is by dockey as before.
            #expect(try await Self.dockeys(client, [("offset", "75")]) == Array(76...80))
            #expect(try await Self.dockeys(client, [("offset", "2"), ("limit", "3")]) == [3, 4, 5])
        }
    }

    @Test func docref1LookupsWorkOnEveryDocumentResource() async throws {
        try await withSandbox { _, client in
            _ = try await client.post("/salesinvoice", Docs.invoice(docref1: "IV-REF"))
            let payment = try await client.post("/customerpayment",
                                                Docs.payment(docamt: "10.00", docref1: "PM-REF", knockoffs: [("IV-00001", "10.00")]))
            #expect(payment.status == 200, "\(payment.text)")
            #expect(try await Self.dockeys(client, [("docref1", "PM-REF")], path: "/customerpayment") == [1])
            #expect(try await Self.dockeys(client, [("docno", "OR-00001")], path: "/customerpayment") == [1])
            #expect(try await Self.dockeys(client, [("docref1", "IV-REF")], path: "/customerpayment") == [])
            let cancelled = try await client.put("/customerpayment/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancelled.status == 200, "\(cancelled.text)")
            let found = try await client.get("/customerpayment", [("docref1", "PM-REF")])
            #expect(found.records.map { $0["cancelled"] } == [.bool(true)])
        }
    }
}
