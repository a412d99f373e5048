import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Paging, updates and cancelling")
struct PagingAndUpdateTests {
    @Test func concurrentPostsNumberUniquelyAndListPagesOf50() async throws {
        try await withSandbox { _, client in
            // 16 in flight at a time, as a busy apply has them: 120 all at once on a loaded 2-core machine can starve
            // URLSession past its timeout (a flake, not a numbering fault).
            let docnos = try await withThrowingTaskGroup(of: String?.self) { group in
                var next = 1
                func launch() {
                    guard next <= 120 else { return }
                    let index = next
                    next += 1
                    group.addTask { try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-\(index)")).record?.string("docno") }
                }
                for _ in 0..<16 { launch() }
                var result: [String?] = []
                for try await docno in group {
                    result.append(docno)
                    launch()
                }
                return result
            }
            #expect(Set(docnos.compactMap { $0 }) == Set((1...120).map { String(format: "IV-%05d", $0) }))

            var seen: [Int] = []
            for (offset, expected) in [(0, 50), (50, 50), (100, 20), (120, 0)] {
                let page = try await client.get("/salesinvoice", [("offset", String(offset))])
                #expect(page.status == 200)
                #expect(page.records.count == expected)
                #expect(page.json?["pagination"]?["count"] == .int(expected))
                #expect(page.json?["pagination"]?["offset"] == .int(offset))
                #expect(page.json?["pagination"]?["limit"] == .int(50))
                seen += page.records.compactMap { $0.int("dockey") }
            }
            #expect(seen == Array(1...120))  // dockey order, nothing twice
            let capped = try await client.get("/salesinvoice", [("offset", "0"), ("limit", "500")])
            #expect(capped.records.count == 50)
            let small = try await client.get("/salesinvoice", [("offset", "5"), ("limit", "10")])
            #expect(small.records.compactMap { $0.int("dockey") } == Array(6...15))
            #expect(try await client.get("/salesinvoice", [("offset", "-1")]).status == 400)
        }
    }

    @Test func updateCountLockingAndDtlkeyRules() async throws {
        try await withSandbox { _, client in
            let created = try #require(try await client.post("/salesinvoice", Docs.invoice(docref1: "U-1")).record)
            let tableKey = try #require(created.lines[0].int("dtlkey"))
            let shippingKey = try #require(created.lines[1].int("dtlkey"))

            // The table line is updated (qty 3), a new cushion line has no dtlkey, the shipping line is omitted.
            func edit(updatecount: Int?) -> JSONValue {
                var object = created
                object["updatecount"] = updatecount.map(JSONValue.int)
                object["description"] = .string("edited")
                object["docamt"] = .string("325.50")
                object["sdsdocdetail"] = .array([
                    Docs.line(item: "TBL-001", qty: "3", price: "100.00", tax: "ST5", taxamt: "15.00", amount: "300.00", dtlkey: tableKey),
                    Docs.line(item: "MUG-01", qty: "1", price: "10.00", taxamt: "0.50", amount: "10.00", dtlkey: -1)
                        .objectValue.map { var line = $0; line["tax"] = .string("ST5"); return .object(line) }!,
                ])
                return .object(object)
            }
            for stale in [0, 2, nil] as [Int?] {
                let conflict = try await client.put("/salesinvoice/1", edit(updatecount: stale))
                #expect(conflict.status == 409)
                #expect(conflict.message == "Record has been changed by another user")
            }
            let badTotal = try await client.put("/salesinvoice/1", edit(updatecount: 1).objectValue.map {
                var object = $0; object["docamt"] = .string("1.00"); return .object(object)
            }!)
            #expect(badTotal.status == 400)

            let updated = try await client.put("/salesinvoice/1", edit(updatecount: 1))
            #expect(updated.status == 200)
            let saved = try #require(updated.record)
            #expect(saved.int("updatecount") == 1)
            #expect(saved.string("description") == "edited")
            #expect(saved.string("docno") == "IV-00001")
            #expect(saved.lines.count == 2)
            #expect(saved.lines[0].int("dtlkey") == tableKey)
            #expect(saved.lines[0].string("qty") == "3.00")
            let newKey = try #require(saved.lines[1].int("dtlkey"))
            #expect(newKey != tableKey && newKey != shippingKey)
            #expect(!saved.lines.contains { $0.int("dtlkey") == shippingKey })
            #expect(try await client.get("/salesinvoice/1").record == saved)

            // The same stale edit again now conflicts.
            #expect(try await client.put("/salesinvoice/1", edit(updatecount: 1)).status == 409)

            // Cancel: a minimal PUT, the rest of the record stays.
            let cancelled = try await client.put("/salesinvoice/1", .object(["cancelled": .bool(true), "updatecount": .int(2)]))
            #expect(cancelled.status == 200)
            #expect(cancelled.record?["cancelled"] == .bool(true))
            #expect(cancelled.record?.int("updatecount") == 2)
            #expect(cancelled.record?.lines.count == 2)
            #expect(cancelled.record?.string("outstanding") == "0.00")
            let listed = try await client.get("/salesinvoice", [("cancelled", "true")])
            #expect(listed.records.count == 1)
            #expect(try await client.put("/salesinvoice/7", .object(["updatecount": .int(1)])).status == 404)
        }
    }

    @Test func theConflictStatusAndRuleAreConfigurable() async throws {
        let behavior = SandboxBehavior(conflictStatus: 500, updateCountRule: .storedOrPlusOne)
        try await withSandbox(try Fixtures.configuration(behavior: behavior)) { _, client in
            _ = try await client.post("/salesinvoice", Docs.invoice(docref1: "C-1"))
            #expect(try await client.put("/salesinvoice/1", .object(["updatecount": .int(5)])).status == 500)
            // The Node sample's way: the fetched value unchanged. A row with an unknown dtlkey is an insert, and
            // new rows without a docamt make the total follow the rows.
            let same = try await client.put("/salesinvoice/1", .object([
                "updatecount": .int(0), "description": .string("x"),
                "sdsdocdetail": .array([Docs.line(item: "SHIPPING", qty: "1", price: "12.00", dtlkey: 999)]),
            ]))
            #expect(same.status == 200)
            #expect(same.record?.int("updatecount") == 1)
            #expect(same.record?.lines.map { $0.int("dtlkey") } == [3])
            #expect(same.record?.string("docamt") == "12.00")
            #expect(same.record?.string("docref1") == "C-1")  // fields not sent are kept
        }
    }
}
