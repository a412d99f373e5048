import Foundation
import LedgerJSON
import SQLAccount
import Testing
import TestSupport

/// SQL Accounting → store, end to end against the sandbox's purchase orders (examples/sandbox/acme-living-seed.yaml:
/// PO-00001, 48 candles in pieces; PO-00002, 2 cartons of 24 plant pots and 12 vases): the pack's UOM conversion,
/// the store's SKUs, incremental plans, an edit in SQL shown field by field, and goods received sent back once.
@Suite(.serialized) struct PurchaseOrderCLITests {
    static let exampleSection = "purchase_orders:\n  uom_conversion: true\n  store: shopify-acme\n"

    /// rules/acme-living as it is, or in a scratch copy with another purchase_orders: section.
    static func pack(in directory: String, section: String? = nil) throws -> [String] {
        guard let section else { return Args.acme }
        let rules = directory + "/rules"
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: rules)
        let packFile = rules + "/acme-living/pack.yaml"
        let text = try String(contentsOfFile: packFile, encoding: .utf8)
        #expect(text.contains(exampleSection), "the example pack's purchase_orders: section has moved")
        try text.replacingOccurrences(of: exampleSection, with: section).write(toFile: packFile, atomically: true, encoding: .utf8)
        return ["--pack", rules + "/acme-living"]
    }

    static func po(_ arguments: [String], pack: [String], state: String, sandbox: ServedSandbox) async throws -> CLI.Result {
        try await CLI.run(["po"] + arguments + pack + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
    }

    static func client(_ sandbox: ServedSandbox) throws -> SQLAccountClient {
        let configuration = SQLAccountConfiguration(credentials: Credentials(accessKey: ServedSandbox.keys["LEDGERSYNC_ACCESS_KEY"]!, secretKey: ServedSandbox.keys["LEDGERSYNC_SECRET_KEY"]!),
                                                    baseURL: try #require(URL(string: sandbox.url)))
        return SQLAccountClient(configuration: configuration)
    }

    @Test("a PO in cartons goes to the store in base units at the cost per unit, with the store's SKUs; apply writes it once, a re-run writes nothing")
    func cartonsInBaseUnits() async throws {
        let directory = try scratchDirectory("po")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(in: directory)
        let state = directory + "/state.sqlite"

        let plan = try await Self.po(["plan"], pack: pack, state: state, sandbox: sandbox)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("+ PO-00002  400-A0002 CLAYWORKS POTTERY SDN BHD  2025-09-03  2 lines  total 612.00\n    POT-M → PLANT-POT-M  48 UNIT @ 9.00  432.00  (2 CTN × 24)\n    VASE-01 → VASE-CER-WHT  12 UNIT @ 15.00  180.00\n"), "\(plan.stdout)")
        #expect(plan.stdout.hasSuffix("Plan: 2 new, 0 changed, 0 unchanged, 0 errors.\n"), "\(plan.stdout)")
        #expect(!FileManager.default.fileExists(atPath: state), "a plan creates no state store")

        let out = directory + "/po.jsonl"
        let apply = try await Self.po(["apply", "--out", out], pack: pack, state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("Applied: 2 purchase orders written to \(out) (2 new, 0 changed, 0 unchanged, 0 errors)."), "\(apply.stdout)")
        let records = try JSON.lines(try String(contentsOfFile: out, encoding: .utf8))
        let pots = try #require(records.first { $0["po_number"] as? String == "PO-00002" })
        let line = try #require((pots["lines"] as? [[String: Any]])?.first)
        #expect(line["sku"] as? String == "PLANT-POT-M" && line["item_code"] as? String == "POT-M")
        #expect(line["qty"] as? String == "48" && line["uom"] as? String == "UNIT" && line["unit_cost"] as? String == "9.00" && line["amount"] as? String == "432.00")
        #expect(line["sql_qty"] as? String == "2" && line["sql_uom"] as? String == "CTN" && line["uom_rate"] as? String == "24")
        #expect(pots["supplier_code"] as? String == "400-A0002" && pots["total"] as? String == "612.00")

        let again = try await Self.po(["apply", "--out", directory + "/again.jsonl"], pack: pack, state: state, sandbox: sandbox)
        #expect(again.status == 0)
        #expect(again.stdout == "= 2 purchase orders unchanged\nApplied: nothing to write (0 new, 0 changed, 2 unchanged, 0 errors).\n", "\(again.stdout)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/again.jsonl"))

        // Without conversion the line goes as SQL Account has it; as CSV, one row a line.
        let plainDirectory = try scratchDirectory("po-plain")
        let plainPack = try Self.pack(in: plainDirectory, section: "purchase_orders: {suppliers: [400-A0002]}\n")
        let csv = plainDirectory + "/po.csv"
        let plain = try await Self.po(["apply", "--out", csv], pack: plainPack, state: plainDirectory + "/state.sqlite", sandbox: sandbox)
        #expect(plain.status == 0, "\(plain.transcript)")
        #expect(plain.stdout.contains("  1 purchase order left out by purchase_orders (suppliers, projects, since)"), "\(plain.stdout)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(rows.count == 3)
        #expect(rows[1].contains(",POT-M,POT-M,Plant Pot Medium (carton of 24),2,CTN,216.00,432.00,,,"), "\(rows)")
    }

    @Test("a PO edited in SQL Accounting shows on the next plan field by field; the others stay unchanged")
    func editInSQLIsAFieldDiff() async throws {
        let directory = try scratchDirectory("po-edit")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(in: directory)
        let state = directory + "/state.sqlite"
        #expect(try await Self.po(["apply", "--out", directory + "/po.jsonl"], pack: pack, state: state, sandbox: sandbox).status == 0)

        // The buyer orders 10 vases instead of 12, in SQL Accounting.
        let client = try Self.client(sandbox)
        let listed = try await client.listAll(SQLAccountResource("purchaseorder"))
        let dockey = try #require(listed.first { $0["docno"]?.stringValue == "PO-00002" }.flatMap { Int(JSONWriter.compactString($0["dockey"] ?? .null)) })
        var record = try #require(try await client.get(SQLAccountResource("purchaseorder"), dockey: dockey)).object
        var lines = record["sdsdocdetail"]?.arrayValue ?? []
        var vase = try #require(lines[1].objectValue)
        vase["qty"] = .string("10")
        vase["amount"] = nil  // SQL Account works the amounts out again
        record["docamt"] = nil
        lines[1] = .object(vase)
        record["sdsdocdetail"] = .array(lines)
        // As SQL Account asks of every edit: the version read, plus one.
        record["updatecount"] = .int((Int(JSONWriter.compactString(record["updatecount"] ?? .int(0))) ?? 0) + 1)
        _ = try await client.update(SQLAccountResource("purchaseorder"), dockey: dockey, body: record)

        let plan = try await Self.po(["plan"], pack: pack, state: state, sandbox: sandbox)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("~ PO-00002  400-A0002 CLAYWORKS POTTERY SDN BHD  2025-09-03  2 lines  total 582.00\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("    ~ lines[1].qty: \"12\" → \"10\"\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("    ~ total: \"612.00\" → \"582.00\"\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("= 1 purchase order unchanged\n"), "\(plan.stdout)")
        #expect(plan.stdout.hasSuffix("Plan: 0 new, 1 changed, 1 unchanged, 0 errors.\n"), "\(plan.stdout)")
    }

    @Test("an item without a base UOM in SQL Accounting stops its PO with an error naming the PO, line, item and UOM; the other PO is still written")
    func unconvertibleLineIsALocatedError() async throws {
        let directory = try scratchDirectory("po-no-rate")
        let seed = directory + "/seed.yaml"
        // POT-M is kept only in cartons: there is no unit of rate 1 to convert into.
        let text = try String(contentsOfFile: Golden.packageRoot + "/examples/sandbox/acme-living-seed.yaml", encoding: .utf8)
        let changed = text.replacingOccurrences(of: "{code: POT-M, description: Plant Pot Medium, uoms: [UNIT, {uom: CTN, rate: 24}]}",
                                                with: "{code: POT-M, description: Plant Pot Medium, uoms: [{uom: CTN, rate: 24}]}")
        #expect(changed != text, "the seed line this test changes has moved")
        try changed.write(toFile: seed, atomically: true, encoding: .utf8)
        let sandbox = try ServedSandbox(directory: directory, seed: seed)
        defer { sandbox.stop() }
        let pack = try Self.pack(in: directory)
        let state = directory + "/state.sqlite"
        let apply = try await Self.po(["apply", "--out", directory + "/po.jsonl"], pack: pack, state: state, sandbox: sandbox)
        #expect(apply.status == 1, "\(apply.transcript)")
        #expect(apply.stdout.contains("! PO-00002  400-A0002\n    error: purchase order PO-00002 line 1 (POT-M): stock item POT-M has no UOM of rate 1 in SQL Account, so there is no base unit to convert CTN into\n"), "\(apply.stdout)")
        #expect(apply.stdout.contains("Applied: 1 purchase order written"), "\(apply.stdout)")
    }

    @Test("a goods-received file closes the PO once: one goods received note, lines transferred from the PO's; the same file again sends nothing; an unknown PO is an error at its row")
    func goodsReceivedClosesThePOOnce() async throws {
        let directory = try scratchDirectory("po-receive")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(in: directory)
        let state = directory + "/state.sqlite"
        #expect(try await Self.po(["apply", "--out", directory + "/po.jsonl"], pack: pack, state: state, sandbox: sandbox).status == 0)

        let file = directory + "/received.csv"
        try "po_number,sku,qty,date\nPO-00002,PLANT-POT-M,48,2025-09-10\nPO-00002,VASE-CER-WHT,12,2025-09-10\nPO-0002,VASE-CER-WHT,1,\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let receive = try await Self.po(["receive", file], pack: pack, state: state, sandbox: sandbox)
        #expect(receive.status == 1, "the unknown PO's row is an error: \(receive.transcript)")
        #expect(receive.stdout.contains("+ PO-00002  2 lines (rows 2, 3): created GR-00001; the purchase order is now fully received\n"), "\(receive.stdout)")
        #expect(receive.stdout.contains("error: received.csv:4: purchase order 'PO-0002' was never passed on to the store (ledgersync po apply); did you mean 'PO-00002'?"), "\(receive.stdout)")

        let client = try Self.client(sandbox)
        let notes = try await client.listAll(SQLAccountResource("purchasegoodsreceived"))
        #expect(notes.count == 1)
        let dockey = try #require(notes.first.flatMap { Int(JSONWriter.compactString($0["dockey"] ?? .null)) })
        let note = try #require(try await client.get(SQLAccountResource("purchasegoodsreceived"), dockey: dockey)).object
        let lines = note["sdsdocdetail"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(lines.map { $0["fromdoctype"]?.stringValue } == ["PO", "PO"])
        #expect(lines.first?["itemcode"]?.stringValue == "POT-M" && lines.first?["uom"]?.stringValue == "UNIT", "received in the units the store counts")

        let again = try await Self.po(["receive", file], pack: pack, state: state, sandbox: sandbox)
        #expect(again.stdout.contains("= PO-00002  2 lines (rows 2, 3): received before as GR-00001"), "\(again.stdout)")
        #expect(try await client.listAll(SQLAccountResource("purchasegoodsreceived")).count == 1, "closed once")
    }

    @Test("a declared layout decides the CSV's headers and columns; a broken one is refused at its line before anything is read or written")
    func declaredLayout() async throws {
        let directory = try scratchDirectory("po-layout")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let csv = directory + "/stock-in.csv"
        let apply = try await Self.po(["apply", "--out", csv, "--layout", "stock-in"], pack: Args.acme, state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\r\n").map(String.init)
        #expect(rows.first == "Reference No,Supplier,SKU,Quantity,Unit Cost,Warehouse,Remark")
        #expect(rows.contains("PO-00002,CLAYWORKS POTTERY SDN BHD,PLANT-POT-M,48,9.00,PJ-WH,SQL item POT-M"), "\(rows)")

        let broken = directory + "/broken.yaml"
        try "columns:\n  - {header: SKU, value: \"{sku}\"}\n  - {header: Qty, value: \"{quantity}\"}\n  - {header: SKU, value: \"{item_code}\"}\n"
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let otherState = directory + "/other.sqlite"
        let refused = try await Self.po(["apply", "--out", directory + "/never.csv", "--layout", broken], pack: Args.acme, state: otherState, sandbox: sandbox)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("broken.yaml:3:26: error: unknown placeholder {quantity} in columns[1].value; available: {po_number}, {date}"), "\(refused.stderr)")
        #expect(refused.stderr.contains("broken.yaml:4:14: error: the header 'SKU' is given twice"), "\(refused.stderr)")
        #expect(refused.stderr.contains("nothing was written"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/never.csv"))
        #expect(try await Self.po(["plan"], pack: Args.acme, state: otherState, sandbox: sandbox).stdout.contains("Plan: 2 new"), "nothing was recorded either")

        let unknown = try await Self.po(["apply", "--out", directory + "/never.csv", "--layout", "stockin"], pack: Args.acme, state: otherState, sandbox: sandbox)
        #expect(unknown.stderr.contains("--layout: no purchase-order layout named 'stockin'; the built-in ones: stock-in; did you mean 'stock-in'?"), "\(unknown.stderr)")
    }

}
