import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

/// `POST /stockitem` and `POST /customer`: validated like documents, unknown fields refused, a code that exists
/// refused, never changed afterwards; a created master is as good on an invoice as a seeded one.
@Suite("Sandbox: creating stock items and customers")
struct MasterCreationTests {
    static func item(_ code: String, description: String = "Floor Lamp Oak", extra: JSONObject = [:]) -> JSONValue {
        var object: JSONObject = ["code": .string(code), "description": .string(description), "stockgroup": .string("ECOM"),
                                  "sdsuom": .array([.object(["uom": .string("UNIT"), "rate": .string("1"), "isbase": .bool(true)])])]
        for (key, value) in extra.entries { object[key] = value }
        return .object(object)
    }

    @Test("a created stock item is listed after the seed's, found by code, and takes invoice lines")
    func stockItemCreatedAndUsable() async throws {
        try await withSandbox { _, client in
            let created = try await client.post("/stockitem", Self.item("LAMP-OAK"))
            #expect(created.status == 200, "\(created.text)")
            #expect(created.record?.string("code") == "LAMP-OAK")
            #expect(created.record?.int("dockey") == 4)
            #expect(created.record?.string("defaultuom") == "UNIT")
            #expect(created.record?["stockcontrol"] == .bool(true))
            let list = try await client.get("/stockitem")
            #expect(list.records.map { $0.string("code") } == ["TBL-001", "MUG-01", "SHIPPING", "LAMP-OAK"])
            #expect(list.records.last?["sdsuom"] == nil, "lists carry master fields only")
            let found = try await client.get("/stockitem/*", [("code", "LAMP-OAK")])
            #expect(found.records.count == 1)
            #expect(found.record?["sdsuom"]?.arrayValue?.first?.objectValue?.string("uom") == "UNIT")
            let invoice = try await client.post("/salesinvoice", Docs.invoice(docref1: "LAMP", lines: [
                Docs.line(item: "LAMP-OAK", qty: "1", price: "100.00", uom: "UNIT", tax: "ST5", taxamt: "5.00", amount: "100.00"),
            ], docamt: "105.00"))
            #expect(invoice.status == 200, "\(invoice.text)")
            #expect(try await client.put("/stockitem/4", Self.item("LAMP-OAK")).status == 405)
        }
    }

    @Test("stock item refusals: a code that exists, unknown fields, a missing description, an unknown stock group, a bad UOM row, an over-long code")
    func stockItemRefusals() async throws {
        try await withSandbox { _, client in
            let duplicate = try await client.post("/stockitem", Self.item("TBL-001"))
            #expect(duplicate.status == 400)
            #expect(duplicate.message == "duplicate code 'TBL-001': violation of PRIMARY or UNIQUE KEY constraint \"UNQ_ST_ITEM_CODE\" on table \"ST_ITEM\" (the code already exists)")
            let unknown = try await client.post("/stockitem", Self.item("X1", extra: ["stockgrup": .string("ECOM")]))
            #expect(unknown.status == 400)
            #expect(unknown.message == "Unknown field 'stockgrup' in a stock item; did you mean 'stockgroup'?")
            let uomField = try await client.post("/stockitem", .object(["code": .string("X2"), "description": .string("x"),
                                                                        "sdsuom": .array([.object(["uom": .string("PCS"), "ratio": .string("1")])])]))
            #expect(uomField.message == "Unknown field 'ratio' in sdsuom row 1; did you mean 'rate'?")
            let noDescription = try await client.post("/stockitem", .object(["code": .string("X3")]))
            #expect(noDescription.message == "Description is required (description) for stock item 'X3'")
            let group = try await client.post("/stockitem", Self.item("X4", extra: ["stockgroup": .string("FURNITURE")]))
            #expect(group.message == "No record found: stockgroup 'FURNITURE'")
            let long = try await client.post("/stockitem", Self.item(String(repeating: "A", count: 31)))
            #expect(long.status == 500)
            #expect(long.message.contains("string right truncation: code is 31 characters, at most 30 allowed"), "\(long.message)")
            let noCode = try await client.post("/stockitem", .object(["description": .string("x")]))
            #expect(noCode.message == "Item code is required (code)")
            #expect(try await client.get("/stockitem").records.count == 3, "nothing refused was saved")
        }
    }

    @Test("a created customer gets a billing branch, takes invoices in its currency, and its references are checked")
    func customerCreatedAndChecked() async throws {
        try await withSandbox { _, client in
            let created = try await client.post("/customer", .object([
                "code": .string("300-S0003"), "companyname": .string("SHOPEE SG 2"), "currencycode": .string("SGD"), "creditterm": .string("C.O.D."),
            ]))
            #expect(created.status == 200, "\(created.text)")
            #expect(created.record?.string("controlaccount") == "300-000")
            #expect(created.record?["sdsbranch"]?.arrayValue?.first?.objectValue?.string("branchname") == "BILLING")
            #expect(try await client.get("/customer/300-S0003").record?.string("currencycode") == "SGD")
            // Its invoices must be in its currency, as for a seeded customer.
            var ringgit = try #require(Docs.invoice(docref1: "S3", code: "300-S0003").objectValue)
            ringgit["currencycode"] = .string("----")
            let myr = try await client.post("/salesinvoice", .object(ringgit))
            #expect(myr.message.contains("does not match customer 300-S0003's currency 'SGD'"), "\(myr.text)")

            let duplicate = try await client.post("/customer", .object(["code": .string("300-C0001"), "companyname": .string("X")]))
            #expect(duplicate.message == "duplicate code '300-C0001': violation of PRIMARY or UNIQUE KEY constraint \"UNQ_AR_CUSTOMER_CODE\" on table \"AR_CUSTOMER\" (the code already exists)")
            let terms = try await client.post("/customer", .object(["code": .string("300-X1"), "companyname": .string("X"), "creditterm": .string("NET 45")]))
            #expect(terms.message == "No record found: creditterm 'NET 45'")
            let currency = try await client.post("/customer", .object(["code": .string("300-X1"), "companyname": .string("X"), "currencycode": .string("USD")]))
            #expect(currency.message == "No record found: currencycode 'USD'")
            let unknown = try await client.post("/customer", .object(["code": .string("300-X1"), "companyname": .string("X"), "terms": .string("C.O.D.")]))
            #expect(unknown.message.hasPrefix("Unknown field 'terms' in a customer"), "\(unknown.message)")
            let noName = try await client.post("/customer", .object(["code": .string("300-X1")]))
            #expect(noName.message == "Company name is required (companyname) for customer '300-X1'")
            let long = try await client.post("/customer", .object(["code": .string("300-X123456"), "companyname": .string("X")]))
            #expect(long.message.contains("string right truncation: code is 11 characters, at most 10 allowed"), "\(long.message)")
        }
    }

    @Test("created masters are kept in the state file and come back on restart")
    func createdMastersPersist() async throws {
        let path = Fixtures.temporaryPath("masters.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withSandbox(try Fixtures.configuration(statePath: path)) { _, client in
            let item = try await client.post("/stockitem", Self.item("LAMP-OAK"))
            #expect(item.status == 200)
            let customer = try await client.post("/customer", .object(["code": .string("300-N1"), "companyname": .string("NEW")]))
            #expect(customer.status == 200)
        }
        let state = try #require(try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).objectValue)
        #expect(state["stockitem"]?["records"]?.arrayValue?.first?["code"] == .string("LAMP-OAK"))
        #expect(state["customer"]?["records"]?.arrayValue?.first?["code"] == .string("300-N1"))
        try await withSandbox(try Fixtures.configuration(statePath: path)) { _, client in
            #expect(try await client.get("/stockitem/LAMP-OAK").record?.string("description") == "Floor Lamp Oak")
            #expect(try await client.post("/stockitem", Self.item("LAMP-OAK")).status == 400, "still there, so still a duplicate")
            let next = try await client.post("/stockitem", Self.item("LAMP-2"))
            #expect(next.record?.int("dockey") == 5)
            #expect(try await client.get("/customer/300-N1").record?.string("companyname") == "NEW")
        }
    }
}
