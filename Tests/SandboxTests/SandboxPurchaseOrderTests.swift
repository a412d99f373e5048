import Foundation
import LedgerJSON
import Testing
@testable import Sandbox

/// Purchase orders, suppliers and goods received (issue 16): stock ordered in SQL Accounting and received back.
@Suite("Purchase orders and goods received")
struct SandboxPurchaseOrderTests {
    static func configuration(statePath: String? = nil) throws -> SandboxConfiguration {
        SandboxConfiguration(accessKey: Fixtures.accessKey, secretKey: Fixtures.secretKey,
                             seed: try SandboxSeed.load(path: Fixtures.path("purchase-seed.yaml")), statePath: statePath)
    }

    /// 2025-09-01 00:00 UTC: a seeded order's lastmodified.
    static let firstOrderModified = 1_756_684_800

    /// A goods received note from 400-A0001 with one line per (fromdockey, fromdtlkey, qty, uom).
    static func receipt(docref1: String, code: String = "400-A0001",
                        lines: [(Int, Int, String, String?)], item: String? = nil) -> JSONValue {
        .object([
            "docno": .string(""), "docdate": .string("2025-09-10"), "code": .string(code), "docref1": .string(docref1),
            "description": .string("Received \(docref1)"),
            "sdsdocdetail": .array(lines.map { dockey, dtlkey, qty, uom in
                var line: JSONObject = ["fromdoctype": .string("PO"), "fromdockey": .int(dockey), "fromdtlkey": .int(dtlkey),
                                        "qty": .string(qty)]
                if let item { line["itemcode"] = .string(item) }
                if let uom { line["uom"] = .string(uom) }
                return .object(line)
            }),
        ])
    }

    static func order(code: String = "400-A0001", lines: [JSONValue]) -> JSONValue {
        .object([
            "docno": .string(""), "docdate": .string("2025-09-05"), "code": .string(code), "docref1": .string("STORE-PO-9"),
            "description": .string("Restock"), "sdsdocdetail": .array(lines),
        ])
    }

    static func line(_ item: String, _ qty: String, _ uom: String?, _ price: String) -> JSONValue {
        var line: JSONObject = ["itemcode": .string(item), "qty": .string(qty), "unitprice": .string(price)]
        if let uom { line["uom"] = .string(uom) }
        return .object(line)
    }

    @Test func seededOrdersAreListedAndFetchedWithTheirLinesAndUOMRates() async throws {
        try await withSandbox(try Self.configuration()) { _, client in
            let list = try await client.get("/purchaseorder")
            #expect(list.status == 200)
            #expect(list.records.map { $0.string("docno") } == ["PO-00001", "PO-00002"])
            let first = try #require(list.records.first)
            #expect(first.int("dockey") == 1)
            #expect(first.string("docdate") == "2025-09-01")
            #expect(first.string("code") == "400-A0001")
            #expect(first.string("companyname") == "CANDLE CRAFT SDN BHD")
            #expect(first.int("lastmodified") == Self.firstOrderModified)
            #expect(first.int("updatecount") == 0)
            #expect(first.string("status") == "open")
            #expect(first["transferable"] == .bool(true))
            #expect(first.string("docamt") == "325.00")
            #expect(first["sdsdocdetail"] == nil, "a list has master fields only")
            #expect(list.records[1].string("currencycode") == "SGD")
            #expect(list.records[1].string("project") == "SHOPEE")

            let detail = try #require(try await client.get("/purchaseorder/1").record)
            #expect(detail.lines.map { $0.string("itemcode") } == ["CANDLE-01", "MUG-01"])
            #expect(detail.lines.map { $0.int("dtlkey") } == [1, 2])
            #expect(detail.lines.map { $0.string("uom") } == ["CTN", "PCS"])
            #expect(detail.lines.map { $0.string("rate") } == ["24", "1"])
            #expect(detail.lines.map { $0.string("qty") } == ["2.00", "10.00"])
            #expect(detail.lines.map { $0.string("amount") } == ["240.00", "85.00"])
            #expect(detail.lines.map { $0.string("transferredqty") } == ["0.00", "0.00"])
            #expect(detail.lines.map { $0["transferable"] } == [.bool(true), .bool(true)])
            #expect(detail.lines[0].string("location") == "PJ-WH")
            #expect(detail.lines[1].string("description") == "Mugs loose")

            #expect(try await client.get("/purchaseorder", [("docref1", "SUP-PO-1")]).records.map { $0.int("dockey") } == [1])
            #expect(try await client.get("/purchaseorder/*", [("docno", "PO-00002")]).record?.lines.count == 1)
            #expect(try await client.get("/purchaseorder", [("status", "open")]).records.count == 2)
            #expect(try await client.get("/purchaseorder/9").status == 404)

            let suppliers = try await client.get("/supplier")
            #expect(suppliers.records.map { $0.string("code") } == ["400-A0001", "400-A0002"])
            #expect(suppliers.json?["pagination"]?["count"] == .int(2))
            let supplier = try #require(try await client.get("/supplier/400-A0002").record)
            #expect(supplier.string("companyname") == "TABLE WORKS PTE LTD")
            #expect(supplier.string("currencycode") == "SGD")
            #expect(try await client.get("/supplier/400-X").message == "Supplier 400-X not found")
            #expect(try await client.post("/supplier", .object(["code": .string("400-B")])).status == 405)
        }
    }

    @Test func aNewOrderIsNumberedAndAnEditBumpsUpdatecountAndLastmodified() async throws {
        try await withSandbox(try Self.configuration()) { _, client in
            let created = try await client.post("/purchaseorder", Self.order(lines: [
                Self.line("CANDLE-01", "3", "CTN", "110.00"), Self.line("MUG-01", "1.5", "BOX", "40.10"),
            ]))
            #expect(created.status == 200, "\(created.text)")
            let saved = try #require(created.record)
            #expect(saved.string("docno") == "PO-00003", "the seeded numbers are skipped")
            #expect(saved.int("dockey") == 3)
            #expect(saved.int("updatecount") == 0)
            #expect(saved.string("docamt") == "390.15")
            #expect(saved.lines.map { $0.string("amount") } == ["330.00", "60.15"])
            #expect(saved.lines.map { $0.string("rate") } == ["24", "6"])
            #expect(saved.string("status") == "open")

            // The seeded order: fetched, edited with updatecount + 1, as a sync client does.
            var edited = try #require(try await client.get("/purchaseorder/1").record)
            edited["description"] = .string("edited")
            var lines = edited.lines
            lines[1]["qty"] = .string("12")
            lines[1]["amount"] = nil  // recomputed from qty × unitprice
            lines[1]["taxamt"] = nil
            edited["sdsdocdetail"] = .array(lines.map(JSONValue.object))
            edited["docamt"] = nil
            for stale in [0, 2] {
                edited["updatecount"] = .int(stale)
                let conflict = try await client.put("/purchaseorder/1", .object(edited))
                #expect(conflict.status == 409)
                #expect(conflict.message == "Record has been changed by another user")
            }
            edited["updatecount"] = .int(1)
            let updated = try #require(try await client.put("/purchaseorder/1", .object(edited)).record)
            #expect(updated.int("updatecount") == 1)
            #expect((updated.int("lastmodified") ?? 0) > Self.firstOrderModified)
            #expect(updated.string("description") == "edited")
            #expect(updated.lines.map { $0.int("dtlkey") } == [1, 2])
            #expect(updated.string("docamt") == "342.00")
            #expect(try await client.get("/purchaseorder/1").record == updated)
            #expect(try await client.put("/purchaseorder/1", .object(edited)).status == 409, "the same edit again is stale")

            let refused = try await client.post("/purchaseorder", Self.order(lines: [Self.line("CANDLE-01", "1", "CTN", "1.00")])
                .objectValue.map { var object = $0; object["docno"] = .string("PO-00001"); return .object(object) }!)
            #expect(refused.status == 400)
            #expect(refused.message.contains("duplicate docno 'PO-00001'"), "\(refused.message)")
        }
    }

    @Test func goodsReceivedInPiecesAgainstCartonsClosesTheOrder() async throws {
        try await withSandbox(try Self.configuration()) { server, client in
            // 2 CTN of 24 ordered, received as 48 PCS; the price per PCS is the order's per CTN ÷ 24.
            let first = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "GRN-1", lines: [(1, 1, "48", "PCS")]))
            #expect(first.status == 200, "\(first.text)")
            let note = try #require(first.record)
            #expect(note.string("docno") == "GR-00001")
            #expect(note.string("code") == "400-A0001")
            let received = try #require(note.lines.first)
            #expect(received.string("itemcode") == "CANDLE-01")
            #expect(received.string("uom") == "PCS")
            #expect(received.string("rate") == "1")
            #expect(received.string("unitprice") == "5.00")
            #expect(received.string("amount") == "240.00")
            #expect(received.string("location") == "PJ-WH")
            #expect(received.string("fromdoctype") == "PO")
            #expect(received.int("fromdockey") == 1 && received.int("fromdtlkey") == 1)
            #expect(note.string("docamt") == "240.00")

            var order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.lines.map { $0.string("transferredqty") } == ["2.00", "0.00"])
            #expect(order.lines.map { $0["transferable"] } == [.bool(false), .bool(true)])
            #expect(order.string("status") == "open")
            #expect(order["transferable"] == .bool(true))
            #expect(order.int("updatecount") == 0, "receiving is not an edit of the order")
            #expect(order.int("lastmodified") == Self.firstOrderModified)

            // The mugs in two notes: 4 PCS, then 6 PCS, which closes the order.
            #expect(try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "GRN-2", lines: [(1, 2, "4", nil)])).status == 200)
            order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.lines.map { $0.string("transferredqty") } == ["2.00", "4.00"])
            let last = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "GRN-3", lines: [(1, 2, "6", "PCS")]))
            #expect(last.status == 200, "\(last.text)")
            order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.string("status") == "closed")
            #expect(order["transferable"] == .bool(false))
            #expect(order.lines.map { $0.string("transferredqty") } == ["2.00", "10.00"])
            let listed = try await client.get("/purchaseorder", [("status", "closed")])
            #expect(listed.records.map { $0.string("docno") } == ["PO-00001"])
            #expect(listed.records.first?["transferable"] == .bool(false))

            // Looked up by docref1 as any document; a second POST with the same docref1 is not refused.
            let found = try await client.get("/purchasegoodsreceived", [("docref1", "GRN-2")])
            #expect(found.records.map { $0.string("docno") } == ["GR-00002"])
            #expect(try await client.get("/purchasegoodsreceived").records.count == 3)
            #expect(await server.service.store.documentCount == 5)
        }
    }

    @Test func overReceiptIsRefusedNamingTheLineAndTheOrder() async throws {
        try await withSandbox(try Self.configuration()) { server, client in
            let over = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "X-1", lines: [(1, 1, "49", "PCS")]))
            #expect(over.status == 400)
            #expect(over.message == "sdsdocdetail line 1 receives 49.00 PCS of CANDLE-01, more than the 48.00 PCS that remain to be "
                    + "received of PO-00001 line 1 (dtlkey 1: 2.00 CTN ordered, 0.00 CTN received)", "\(over.message)")

            // 1 CTN received; then two lines of one note that together exceed the other carton.
            #expect(try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "X-2", lines: [(1, 1, "1", "CTN")])).status == 200)
            let split = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "X-3", lines: [(1, 1, "20", "PCS"), (1, 1, "5", "PCS")]))
            #expect(split.status == 400)
            #expect(split.message == "sdsdocdetail line 2 receives 5.00 PCS of CANDLE-01 (with the 20.00 PCS the lines before it on "
                    + "this note receive), more than the 24.00 PCS that remain to be received of PO-00001 line 1 (dtlkey 1: "
                    + "2.00 CTN ordered, 1.00 CTN received)", "\(split.message)")

            let cases: [(JSONValue, String)] = [
                (Self.receipt(docref1: "X-4", lines: [(7, 1, "1", nil)]), "sdsdocdetail line 1: purchase order dockey 7 not found (fromdockey)"),
                (Self.receipt(docref1: "X-5", lines: [(1, 9, "1", nil)]), "sdsdocdetail line 1: PO-00001 has no line with dtlkey 9 (fromdtlkey; its lines are 1, 2)"),
                (Self.receipt(docref1: "X-6", lines: [(1, 2, "1", nil)], item: "CANDLE-01"), "sdsdocdetail line 1 item CANDLE-01 is not the item of PO-00001 line 2 (MUG-01)"),
                (Self.receipt(docref1: "X-7", code: "400-A0002", lines: [(1, 2, "1", nil)]), "sdsdocdetail line 1: PO-00001 is an order to supplier 400-A0001, not 400-A0002"),
                (Self.receipt(docref1: "X-8", lines: [(1, 2, "0", nil)]), "sdsdocdetail line 1 qty 0.00 must be more than 0"),
                (Self.receipt(docref1: "X-9", lines: []), "A goods received note needs at least one line (sdsdocdetail)"),
            ]
            for (body, message) in cases {
                let refused = try await client.post("/purchasegoodsreceived", body)
                #expect(refused.status == 400, "\(message)")
                #expect(refused.message == message)
            }
            let wrongUOM = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "X-10", lines: [(1, 2, "1", "CTN")]))
            #expect(wrongUOM.status == 500)
            #expect(wrongUOM.message == "Operation aborted: UOM 'CTN' is not a UOM of item 'MUG-01' (it has PCS, BOX) (sdsdocdetail line 1)")
            #expect(await server.service.store.documentCount == 3, "nothing refused was saved")
            #expect(try await client.get("/purchaseorder/1").record?.lines.first?.string("transferredqty") == "1.00")
        }
    }

    @Test func anUnknownSupplierItemOrUOMIsRefused() async throws {
        try await withSandbox(try Self.configuration()) { server, client in
            let customer = try await client.post("/purchaseorder", Self.order(code: "300-C0001", lines: [Self.line("MUG-01", "1", nil, "1.00")]))
            #expect(customer.status == 400)
            #expect(customer.message == "Supplier 300-C0001 not found (300-C0001 is a customer; a purchase document's code is a supplier)")
            let unknown = try await client.post("/purchaseorder", Self.order(code: "400-Z9999", lines: [Self.line("MUG-01", "1", nil, "1.00")]))
            #expect(unknown.message == "Supplier 400-Z9999 not found")
            let item = try await client.post("/purchaseorder", Self.order(lines: [Self.line("MUG-02", "1", nil, "1.00")]))
            #expect(item.status == 500)
            #expect(item.message == "Operation aborted: Item code 'MUG-02' not found (sdsdocdetail line 1)")
            let uom = try await client.post("/purchaseorder", Self.order(lines: [Self.line("MUG-01", "1", "BOX", "1.00"), Self.line("CANDLE-01", "1", "BOX", "1.00")]))
            #expect(uom.message == "Operation aborted: UOM 'BOX' is not a UOM of item 'CANDLE-01' (it has PCS, CTN) (sdsdocdetail line 2)")
            let noItem = try await client.post("/purchaseorder", Self.order(lines: [.object(["account": .string("----"), "qty": .string("1")])]))
            #expect(noItem.status >= 400)
            let negative = try await client.post("/purchaseorder", Self.order(lines: [Self.line("MUG-01", "-1", nil, "1.00")]))
            #expect(negative.message == "sdsdocdetail line 1 qty -1.00 must be more than 0")
            var rated = Self.line("CANDLE-01", "1", "CTN", "1.00").objectValue!
            rated["rate"] = .string("12")
            let rate = try await client.post("/purchaseorder", Self.order(lines: [.object(rated)]))
            #expect(rate.message == "sdsdocdetail line 1 rate '12' is not item CANDLE-01's rate for CTN (24); leave rate out to take the item's")
            let empty = try await client.post("/purchaseorder", Self.order(lines: []))
            #expect(empty.message == "A purchase order needs at least one line (sdsdocdetail)")
            let currency = try await client.post("/purchaseorder", Self.order(code: "400-A0002", lines: [Self.line("TBL-001", "1", nil, "1.00")])
                .objectValue.map { var object = $0; object["currencycode"] = .string("----"); return .object(object) }!)
            #expect(currency.message == "currencycode '----' does not match supplier 400-A0002's currency 'SGD'")
            // A sales document still wants a customer.
            let invoice = try await client.post("/salesinvoice", Docs.invoice(docref1: "S-1", code: "400-A0001"))
            #expect(invoice.message == "Customer 400-A0001 not found")
            #expect(await server.service.store.documentCount == 2, "only the seeded orders")
        }
    }

    @Test func anEditBelowWhatWasReceivedIsRefusedAndCancellingANoteGivesItBack() async throws {
        try await withSandbox(try Self.configuration()) { _, client in
            #expect(try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "R-1", lines: [(1, 1, "30", "PCS")])).status == 200)
            var order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.lines[0].string("transferredqty") == "1.25")

            func put(_ change: (inout JSONObject) -> Void) async throws -> ClientResponse {
                var body = try #require(try await client.get("/purchaseorder/1").record)
                body["updatecount"] = .int((body.int("updatecount") ?? 0) + 1)
                body["docamt"] = nil
                change(&body)
                return try await client.put("/purchaseorder/1", .object(body))
            }
            let lowered = try await put { body in
                var lines = body.lines
                lines[0]["qty"] = .string("1")
                body["sdsdocdetail"] = .array(lines.map(JSONValue.object))
            }
            #expect(lowered.status == 400)
            #expect(lowered.message == "sdsdocdetail line 1 qty 1.00 CTN of CANDLE-01 is less than the 1.25 CTN already received against it")
            let deleted = try await put { body in body["sdsdocdetail"] = .array([.object(body.lines[1])]) }
            #expect(deleted.message == "PO-00001's line with dtlkey 1 (CANDLE-01) has 1.25 CTN received; it cannot be deleted")
            let cancelled = try await put { body in body["cancelled"] = .bool(true) }
            #expect(cancelled.message == "PO-00001 has goods received against it; cancel the goods received notes first")
            // Counted in pieces instead: 30 PCS received of 30 ordered closes the line.
            let inPieces = try await put { body in
                var lines = body.lines
                lines[0]["qty"] = .string("30")
                lines[0]["uom"] = .string("PCS")
                lines[0]["rate"] = nil
                body["sdsdocdetail"] = .array(lines.map(JSONValue.object))
            }
            #expect(inPieces.status == 200, "\(inPieces.message)")
            #expect(inPieces.record?.lines[0].string("transferredqty") == "30.00")
            #expect(inPieces.record?.lines[0]["transferable"] == .bool(false))

            // Cancelling the note gives the pieces back.
            let note = try #require(try await client.get("/purchasegoodsreceived/1").record)
            let cancel = try await client.put("/purchasegoodsreceived/1", .object(["cancelled": .bool(true), "updatecount": .int(1)]))
            #expect(cancel.status == 200, "\(cancel.message)")
            #expect(cancel.record?.lines == note.lines)
            order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.lines[0].string("transferredqty") == "0.00")
            #expect(order.lines[0]["transferable"] == .bool(true))
            // Now the order may be cancelled, and nothing is received against a cancelled order.
            #expect(try await put { body in body["cancelled"] = .bool(true) }.status == 200)
            order = try #require(try await client.get("/purchaseorder/1").record)
            #expect(order.string("status") == "cancelled")
            #expect(order["transferable"] == .bool(false))
            let late = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "R-2", lines: [(1, 2, "1", nil)]))
            #expect(late.message == "sdsdocdetail line 1: PO-00001 is cancelled; nothing can be received against it")
        }
    }

    @Test func theStateFileKeepsOrdersAndWhatWasReceived() async throws {
        let statePath = Fixtures.temporaryPath("purchase-state.json")
        defer { try? FileManager.default.removeItem(atPath: statePath) }
        let configuration = try Self.configuration(statePath: statePath)
        try await withSandbox(configuration) { _, client in
            let received = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "S-1", lines: [(1, 1, "2", "CTN"), (1, 2, "10", nil)]))
            #expect(received.status == 200, "\(received.message)")
        }
        let root = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: statePath))))
        #expect(root["purchaseorder"]?["records"]?.arrayValue?.count == 2)
        #expect(root["purchaseorder"]?["records"]?.arrayValue?.first?["status"] == .string("closed"), "the saved order says what was received")
        #expect(root["purchasegoodsreceived"]?["records"]?.arrayValue?.count == 1)

        try await withSandbox(configuration) { _, client in
            let orders = try await client.get("/purchaseorder")
            #expect(orders.records.map { $0.string("docno") } == ["PO-00001", "PO-00002"], "the seeded orders are not added again")
            #expect(orders.records.map { $0.string("status") } == ["closed", "open"])
            #expect(try await client.get("/purchaseorder/1").record?.lines.map { $0.string("transferredqty") } == ["2.00", "10.00"])
            let next = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "S-2", lines: [(1, 2, "1", nil)]))
            #expect(next.status == 400, "nothing remains after a restart either")
            let tables = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "S-3", code: "400-A0002", lines: [(2, 3, "1", nil)]))
            #expect(tables.record?.string("docno") == "GR-00002")
            #expect(tables.record?.lines.first?.int("dtlkey") == 3)
        }
    }

    @Test func thePurchaseRoutesAreDocumentRoutesHitByFaults() async throws {
        for name in ["purchaseorder", "purchasegoodsreceived"] {
            #expect(SandboxRoute.parse(path: "/\(name)").isDocumentRoute)
            #expect(SandboxRoute.parse(path: "/\(name)/*").isDocumentRoute)
            #expect(SandboxRoute.parse(path: "/\(name)/7") == .document(SandboxDocumentKind(rawValue: name)!, "7"))
        }
        #expect(SandboxRoute.parse(path: "/supplier") == .masterList(.supplier))
        #expect(!SandboxRoute.parse(path: "/supplier").isFaultable("GET"), "a master read, like customer's")
        let configuration = SandboxConfiguration(accessKey: Fixtures.accessKey, secretKey: Fixtures.secretKey,
                                                 seed: try SandboxSeed.load(path: Fixtures.path("purchase-seed.yaml")),
                                                 faults: FaultSpec(error500: 1))
        try await withSandbox(configuration) { server, client in
            let faulted = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "F-1", lines: [(1, 1, "1", nil)]))
            #expect(faulted.status == 500)
            #expect(faulted.headers["x-sandbox-fault"] == "error500")
            server.setFaults(.none)
            #expect(try await client.get("/purchasegoodsreceived").records.isEmpty, "the fault did nothing")
        }
    }

    @Test func theAcmeLivingSeedServesItsPurchaseOrders() async throws {
        let seed = try SandboxSeed.load(path: Fixtures.examples.appendingPathComponent("sandbox/acme-living-seed.yaml").path)
        let configuration = SandboxConfiguration(accessKey: Fixtures.accessKey, secretKey: Fixtures.secretKey, seed: seed)
        try await withSandbox(configuration) { _, client in
            let orders = try await client.get("/purchaseorder")
            #expect(orders.records.map { $0.string("docno") } == ["PO-00001", "PO-00002"])
            #expect(orders.records.map { $0.string("status") } == ["open", "open"])
            let pots = try #require(try await client.get("/purchaseorder/2").record)
            #expect(pots.lines.map { "\($0.string("itemcode") ?? "") \($0.string("qty") ?? "") \($0.string("uom") ?? "") × \($0.string("rate") ?? "")" }
                    == ["POT-M 2.00 CTN × 24", "VASE-01 12.00 UNIT × 1"])
            // The cartons received by the unit.
            let received = try await client.post("/purchasegoodsreceived", Self.receipt(docref1: "ACME-GR-1", code: "400-A0002",
                                                                                       lines: [(2, pots.lines[0].int("dtlkey") ?? 0, "48", "UNIT")]))
            #expect(received.status == 200, "\(received.message)")
            #expect(received.record?.lines.first?.string("unitprice") == "9.00")
            #expect(try await client.get("/purchaseorder/2").record?.lines.first?.string("transferredqty") == "2.00")
            #expect(try await client.get("/supplier").records.count == 2)
        }
    }

    @Test func seedMistakesInSuppliersAndPurchaseOrdersAreLocated() throws {
        let yaml = """
            stock_items:
              - {code: CANDLE-01, uoms: [PCS, {uom: CTN, rate: 24}]}
            locations: ["----", PJ-WH]
            suppliers:
              - {code: 400-A0001, companyname: CANDLE CRAFT}
              - {code: 400-A0001, companyname: AGAIN}
            purchase_orders:
              - docno: PO-1
                docdate: "2025-09-01"
                code: 400-A0009
                lines:
                  - {itemcode: CANDLE-02, qty: 1, unitprice: 1}
                  - {itemcode: CANDLE-01, qty: 1, uom: BOX, unitprice: 1, location: PJ-XX}
                  - {itemcode: CANDLE-01, qty: 0, unitprice: 1, colour: red}
              - {docno: PO-1, docdate: 2025-13-01, code: 400-A0001, lines: []}
            """
        do {
            _ = try SandboxSeed.parse(yaml: yaml, displayPath: "seed.yaml")
            Issue.record("the seed loaded")
        } catch let error as SandboxSeedError {
            let text = error.description
            #expect(text.contains("seed.yaml:6:"), "\(text)")
            #expect(text.contains("duplicate code '400-A0001' (first at line 5)"))
            #expect(text.contains("seed.yaml:14:"), "\(text)")
            #expect(text.contains("unknown key 'colour'"))
            #expect(text.contains("qty '0' must be a positive number"))
            #expect(text.contains("seed.yaml:15:"))
            #expect(text.contains("duplicate docno 'PO-1' (first at line 8)"))
            #expect(text.contains("docdate '2025-13-01' is not a date in the form YYYY-MM-DD"))
            #expect(text.contains("seed.yaml:10:"))
            #expect(text.contains("supplier '400-A0009' is not in suppliers"))
            #expect(text.contains("seed.yaml:12:"))
            #expect(text.contains("item 'CANDLE-02' is not in stock_items"))
            #expect(text.contains("uom 'BOX' is not one of item 'CANDLE-01''s UOMs (PCS, CTN)"))
            #expect(text.contains("seed.yaml:13:"))
            #expect(text.contains("location 'PJ-XX' is not in locations"))
            #expect(text.contains("purchase order 'PO-1' needs at least one line"))
            #expect(error.diagnostics.count == 10, "\(text)")
        }
        // Both lists are optional, and a seed with them loads.
        let seed = try SandboxSeed.load(path: Fixtures.path("purchase-seed.yaml"))
        #expect(seed.suppliers.map(\.code) == ["400-A0001", "400-A0002"])
        #expect(seed.purchaseOrders.map(\.docno) == ["PO-00001", "PO-00002"])
        #expect(seed.purchaseOrders[0].lines[0] == .init(itemcode: "CANDLE-01", qty: "2", uom: "CTN", unitprice: "120.00", location: "PJ-WH"))
        #expect(try Fixtures.seed().purchaseOrders.isEmpty)
    }
}
