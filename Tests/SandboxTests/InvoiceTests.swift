import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

@Suite("Sales invoices")
struct InvoiceTests {
    @Test func createAssignsIV00001AndReadsBackEveryWay() async throws {
        try await withSandbox { _, client in
            let created = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-SG-1000101"))
            #expect(created.status == 200)
            let saved = try #require(created.record)
            #expect(saved.string("docno") == "IV-00001")
            #expect(saved.int("dockey") == 1)
            #expect(saved.int("updatecount") == 0)
            #expect(saved.string("docamt") == "218.00")
            #expect(saved.string("outstanding") == "218.00")
            #expect(saved.string("companyname") == "SHOPEE MY")  // filled from the customer
            #expect(saved.string("currencycode") == "----")
            #expect(saved.lines.count == 2)
            #expect(saved.lines.map { $0.int("dtlkey") } == [1, 2])
            #expect(saved.lines[0].string("qty") == "2.00")
            #expect(saved.lines[0].string("uom") == "UNIT")  // the item's default UOM

            let byKey = try await client.get("/salesinvoice/1")
            #expect(byKey.status == 200)
            #expect(byKey.record == saved)

            let byRef = try await client.get("/salesinvoice", [("docref1", "LS-SG-1000101")])
            #expect(byRef.status == 200)
            #expect(byRef.json?["pagination"] == .object(["offset": .int(0), "limit": .int(50), "count": .int(1)]))
            #expect(byRef.record?.int("dockey") == 1)
            #expect(byRef.record?["sdsdocdetail"] == nil)  // lists carry master fields only

            let byDocno = try await client.get("/salesinvoice", [("docno", "IV-00001")])
            #expect(byDocno.records.map { $0.string("docref1") } == ["LS-SG-1000101"])

            let star = try await client.get("/salesinvoice/*", [("docno", "IV-00001")])
            #expect(star.status == 200)
            #expect(star.record == saved)
            #expect(star.json?["pagination"] == nil)
            let slash = try await client.get("/salesinvoice/", [("docno", "IV-00001")])
            #expect(slash.record == saved)

            let none = try await client.get("/salesinvoice", [("docref1", "LS-NOPE")])
            #expect(none.status == 200)
            #expect(none.records.isEmpty)
            #expect(try await client.get("/salesinvoice/99").status == 404)
            #expect(try await client.get("/salesinvoice/*", [("docref1", "LS-SG-1000101")]).status == 400)

            let second = try await client.post("/salesinvoice", Docs.invoice(docref1: "LS-SG-1000102"))
            #expect(second.record?.string("docno") == "IV-00002")
            #expect(second.record?.lines.map { $0.int("dtlkey") } == [3, 4])
        }
    }

    @Test func keepsEveryFieldSentAndAcceptsNumbersAndComputesMissingAmounts() async throws {
        try await withSandbox { _, client in
            let body: JSONValue = .object([
                "docdate": .string("2025-09-16"), "code": .string("300-C0001"), "docref1": .string("LS-X"),
                "docnoex": .string("250903K7P2QX1A"), "udf_channel": .string("shopee"),
                "sdsdocdetail": .array([
                    .object(["itemcode": .string("MUG-01"), "qty": .number("3"), "uom": .string("BOX"),
                             "unitprice": .number("59.9"), "disc": .string("10%+5"), "tax": .string("ST5")]),
                    .object(["account": .string("510-000"), "description": .string("Rounding"),
                             "amount": .number("0.05")]),
                ]),
            ])
            let response = try await client.post("/salesinvoice", body)
            #expect(response.status == 200)
            let saved = try #require(response.record)
            #expect(saved.string("docnoex") == "250903K7P2QX1A")
            #expect(saved.string("udf_channel") == "shopee")
            #expect(saved.string("postdate") == "2025-09-16")
            let mug = saved.lines[0]
            #expect(mug.string("rate") == "6")
            #expect(mug.string("unitprice") == "59.90")
            // 3 × 59.90 = 179.70; 10% = 17.97 → 161.73; − 5 = 156.73; ST5 5% = 7.84 (7.8365 rounded half up)
            #expect(mug.string("amount") == "156.73")
            #expect(mug.string("taxamt") == "7.84")
            #expect(saved.lines[1].string("amount") == "0.05")
            #expect(saved.string("docamt") == "164.62")
        }
    }

    @Test func rejectsADuplicateDocnoAndATooLongOne() async throws {
        try await withSandbox { _, client in
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "A", docno: "2509014EAM4Y3J")).status == 200)
            let duplicate = try await client.post("/salesinvoice", Docs.invoice(docref1: "B", docno: "2509014EAM4Y3J"))
            #expect(duplicate.status == 400)
            #expect(duplicate.message.lowercased().contains("duplicate"))
            #expect(duplicate.message.contains("docno"))
            let long = try await client.post("/salesinvoice", Docs.invoice(docref1: "C", docno: "123456789012345678901"))
            #expect(long.status == 400)
            #expect(long.message.contains("longer than 20"))
            // An auto number never collides with a docno that was given.
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "D", docno: "IV-00001")).status == 200)
            let auto = try await client.post("/salesinvoice", Docs.invoice(docref1: "E"))
            #expect(auto.record?.string("docno") == "IV-00002")
        }
    }

    @Test func rejectsUnknownMastersWithTheAPIsMessages() async throws {
        try await withSandbox { server, client in
            func post(_ mutate: (inout JSONObject) -> Void) async throws -> ClientResponse {
                var object = Docs.invoice(docref1: "BAD").objectValue!
                mutate(&object)
                return try await client.post("/salesinvoice", .object(object))
            }
            let customer = try await post { $0["code"] = .string("300-X9999") }
            #expect(customer.status == 400)
            #expect(customer.message == "Customer 300-X9999 not found")

            let agent = try await post { $0["agent"] = .string("ZZ-99") }
            #expect(agent.status == 400)
            #expect(agent.message == "No record found: agent 'ZZ-99'")
            let project = try await post { $0["project"] = .string("LAZADA") }
            #expect(project.message == "No record found: project 'LAZADA'")
            let terms = try await post { $0["terms"] = .string("60 DAYS") }
            #expect(terms.message == "No record found: terms '60 DAYS'")
            let currency = try await post { $0["currencycode"] = .string("SGD") }
            #expect(currency.status == 400)
            #expect(currency.message.contains("does not match customer 300-S0001's currency"))

            let item = try await post { $0["sdsdocdetail"] = .array([Docs.line(item: "NOPE-1", qty: "1", price: "1.00")]) }
            #expect(item.status == 500)
            #expect(item.message.hasPrefix("Operation aborted: "))
            #expect(item.message.contains("NOPE-1"))
            let uom = try await post { $0["sdsdocdetail"] = .array([Docs.line(item: "TBL-001", qty: "1", price: "1.00", uom: "BOX")]) }
            #expect(uom.status == 500)
            #expect(uom.message.contains("UOM 'BOX' is not a UOM of item 'TBL-001'"))
            let location = try await post {
                var line = Docs.line(item: "TBL-001", qty: "1", price: "1.00").objectValue!
                line["location"] = .string("KL-WH")
                $0["sdsdocdetail"] = .array([.object(line)])
            }
            #expect(location.status == 500)
            #expect(location.message.contains("Location 'KL-WH'"))
            let tax = try await post {
                $0["sdsdocdetail"] = .array([Docs.line(item: "TBL-001", qty: "1", price: "1.00", tax: "SR")])
            }
            #expect(tax.status == 400)
            #expect(tax.message.hasPrefix("No record found: tax 'SR'"))
            let account = try await post {
                var line = Docs.line(item: "TBL-001", qty: "1", price: "1.00").objectValue!
                line["account"] = .string("999-999")
                $0["sdsdocdetail"] = .array([.object(line)])
            }
            #expect(account.message.hasPrefix("No record found: account '999-999'"))
            let blankLine = try await post { $0["sdsdocdetail"] = .array([.object(["qty": .string("1")])]) }
            #expect(blankLine.status == 500)

            let mismatch = try await post { $0["docamt"] = .string("217.99") }
            #expect(mismatch.status == 400)
            #expect(mismatch.message.contains("docamt 217.99 does not equal the lines' total 218.00"))
            let date = try await post { $0["docdate"] = .string("15/09/2025") }
            #expect(date.status == 400)
            #expect(date.message.contains("YYYY-MM-DD"))
            let money = try await post { $0["docamt"] = .string("218.001") }
            #expect(money.status == 400)

            let empty = try await client.post("/salesinvoice", .object([:]))
            #expect(empty.status == 500)
            let array = try await client.post("/salesinvoice", .array([]))
            #expect(array.status == 400)
            let garbage = try await client.send("POST", "/salesinvoice", rawBody: Array("{\"docno\":".utf8))
            #expect(garbage.status == 400)

            #expect(await server.service.store.documentCount == 0)
            // Nothing was numbered by the failures.
            #expect(try await client.post("/salesinvoice", Docs.invoice(docref1: "GOOD")).record?.string("docno") == "IV-00001")
        }
    }

    @Test func mastersAreListsAndRecords() async throws {
        try await withSandbox { _, client in
            let customers = try await client.get("/customer", [("offset", "0")])
            #expect(customers.records.map { $0.string("code") } == ["300-C0001", "300-S0001", "300-S0002"])
            #expect(customers.records[0]["sdsbranch"] == nil)
            let sgd = try await client.get("/customer", [("companyname", "SHOPEE SG")])
            #expect(sgd.record?.string("currencycode") == "SGD")
            let one = try await client.get("/customer/300-C0001")
            #expect(one.record?.string("companyname") == "CASH SALES")
            let missing = try await client.get("/customer/300-X0001")
            #expect(missing.status == 400)
            #expect(missing.message == "Customer 300-X0001 not found")
            let mug = try await client.get("/stockitem/MUG-01")
            #expect(mug.record?["sdsuom"]?.arrayValue?.count == 2)
            let agents = try await client.get("/agent")
            #expect(agents.records.map { $0.string("code") } == ["----", "KA-01"])
            // Customers can be created (MasterCreationTests), never changed.
            #expect(try await client.put("/customer/300-C0001", .object(["code": .string("300-C0001")])).status == 405)
            #expect(try await client.get("/purchaseinvoice").status == 404)
        }
    }
}
