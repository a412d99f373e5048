import Foundation
import Testing
import TestSupport

/// `ledgersync masters plan|apply` end to end against a served sandbox, always on a scratch copy of the example
/// pack (its `masters:` section makes stock items coded as the SKU, in group ECOM), so the repository's pack files
/// are never written.
@Suite("ledgersync masters", .serialized)
struct MastersCLITests {
    /// One September order whose first line is a SKU nothing matches: Floor Lamp Oak.
    static func lampOrder(in directory: String) throws -> String {
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let order = try #require(september.split(separator: "\n").first { $0.contains(#""id":"SG-1000101""#) })
        let lamp = order.replacingOccurrences(of: #""sku":"TBL-RND-OAK","name":"Round Coffee Table""#, with: #""sku":"LAMP-FLOOR-OAK","name":"Floor Lamp Oak""#)
            .replacingOccurrences(of: #""serial_numbers":["TRO2509-00041"]"#, with: #""serial_numbers":[]"#)
        try #require(lamp != order)
        let path = directory + "/orders.jsonl"
        try (lamp + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The stock items (or customers) the sandbox has created, from its state file.
    static func created(_ sandbox: ServedSandbox, _ resource: String) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: sandbox.statePath) else { return [] }
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (root[resource] as? [String: Any])?["records"] as? [[String: Any]] ?? []
    }

    /// 1-based line of the first line of `file` containing `text`.
    static func line(of text: String, in file: String) throws -> Int {
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        return try #require(lines.firstIndex { $0.contains(text) }) + 1
    }

    static let repositorySheet = Golden.packageRoot + "/rules/acme-living/matching/items.csv"

    @Test("a missing stock item is created once by masters apply and then matched: plan shows it, apply creates it, a second apply creates nothing, transform matches the SKU")
    func missingStockItemCreatedOnceThenMatched() async throws {
        let directory = try scratchDirectory("masters-item")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let repositorySheetBefore = try String(contentsOfFile: Self.repositorySheet, encoding: .utf8)
        let pack = try copyExamplePack(into: directory)
        let orders = try Self.lampOrder(in: directory)
        let state = directory + "/state.sqlite"
        let logged = try LoggedSandbox(directory: directory)
        let sandbox = logged.sandbox
        defer { sandbox.stop() }
        let common = ["--pack", pack, "--orders", orders, "--endpoint", sandbox.url, "--state", state]

        // Before: the SKU falls back to the default product code.
        let before = try await CLI.run(["transform", "--pack", pack, "--orders", orders] + Args.asOf)
        #expect(before.stdout.contains("SKU 'LAMP-FLOOR-OAK' has no item matching; invoiced as product code 'ECOM-MISC'"), "\(before.transcript)")

        let plan = try await CLI.run(["masters", "plan"] + common, environment: ServedSandbox.keys)
        #expect(plan.status == 0, "\(plan.transcript)")
        let codeLine = try Self.line(of: #"code: "{sku}""#, in: pack + "/pack.yaml")
        let shown = plan.stdout.replacingOccurrences(of: directory, with: "$TMP")
        #expect(shown.hasPrefix("""
            Stock items for the unmatched SKUs:
              + stock item LAMP-FLOOR-OAK  "Floor Lamp Oak"  UNIT  group ECOM
                  code: masters.stock_items.code "{sku}" ($TMP/rules/acme-living/pack.yaml:\(codeLine))
                  for SKU LAMP-FLOOR-OAK: 1 order line in shopee-acme-my (order SG-1000101)
            Customers of the stores:
              = customer 300-S0001: already in SQL Accounting as "SHOPEE MY (ACME LIVING OFFICIAL)"  (for store shopee-acme-my)

            """), "\(shown)")
        #expect(shown.hasSuffix("Masters: 1 stock item and 0 customers to create, 8 already in SQL Accounting, 0 clashes (\(sandbox.url))\n"), "\(shown)")
        #expect(logged.requests().allSatisfy { $0.hasPrefix("GET ") }, "plan only reads: \(logged.requests())")
        #expect(try Self.created(sandbox, "stockitem").isEmpty)

        let apply = try await CLI.run(["masters", "apply"] + common, environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  + stock item LAMP-FLOOR-OAK created  (for SKU LAMP-FLOOR-OAK: 1 order line in shopee-acme-my (order SG-1000101))\n"), "\(apply.transcript)")
        #expect(apply.stdout.contains("wrote $TMP/rules/acme-living/matching/items.csv: 1 new match (LAMP-FLOOR-OAK → LAMP-FLOOR-OAK UNIT)\n"
            .replacingOccurrences(of: "$TMP", with: directory)), "\(apply.transcript)")
        #expect(apply.stdout.hasSuffix("Masters: 1 created, 8 already in SQL Accounting, 0 failed, 0 clashes (\(sandbox.url))\n"), "\(apply.transcript)")
        let items = try Self.created(sandbox, "stockitem")
        #expect(items.count == 1)
        #expect(items.first?["code"] as? String == "LAMP-FLOOR-OAK")
        #expect(items.first?["description"] as? String == "Floor Lamp Oak")
        #expect(items.first?["stockgroup"] as? String == "ECOM")
        let sheet = try String(contentsOfFile: pack + "/matching/items.csv", encoding: .utf8)
        #expect(sheet.hasSuffix("XMAS-DECOR-99,Christmas Ornament Set,,\nLAMP-FLOOR-OAK,Floor Lamp Oak,LAMP-FLOOR-OAK,UNIT\n"), "\(sheet)")

        // Again: the SKU is matched now, so nothing is planned or posted.
        let again = try await CLI.run(["masters", "apply"] + common, environment: ServedSandbox.keys)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.hasSuffix("Masters: 0 created, 8 already in SQL Accounting, 0 failed, 0 clashes (\(sandbox.url))\n"), "\(again.transcript)")
        #expect(try Self.created(sandbox, "stockitem").count == 1)
        #expect(logged.requests().filter { $0.hasPrefix("POST /stockitem") }.count == 1, "\(logged.requests())")
        let replan = try await CLI.run(["masters", "plan"] + common, environment: ServedSandbox.keys)
        #expect(replan.stdout.hasPrefix("Stock items: every SKU of the orders is matched\n"), "\(replan.transcript)")

        // The next transform matches the SKU to the new item: no fallback warning.
        let after = try await CLI.run(["transform", "--pack", pack, "--orders", orders, "--format", "jsonl"] + Args.asOf)
        #expect(after.status == 0, "\(after.transcript)")
        let outcome = try #require(try JSON.lines(after.stdout).first)
        let document = try #require(outcome["document"] as? [String: Any])
        let payload = try #require(document["payload"] as? [String: Any])
        let lines = try #require(payload["sdsdocdetail"] as? [[String: Any]])
        #expect(lines.first?["itemcode"] as? String == "LAMP-FLOOR-OAK")
        #expect(lines.first?["uom"] as? String == "UNIT")
        let warnings = (outcome["warnings"] as? [[String: Any]]) ?? []
        #expect(!warnings.contains { ($0["code"] as? String) == "unmatched-sku" }, "\(warnings)")
        #expect(!after.stdout.contains("ECOM-MISC"), "\(after.stdout)")
        // And SQL Account takes the invoice with the new item.
        let sync = try await CLI.run(["apply", "--pack", pack, "--orders", orders, "--endpoint", sandbox.url, "--state", state] + Args.asOf, environment: ServedSandbox.keys)
        #expect(sync.status == 0, "\(sync.transcript)")
        #expect(sync.stdout.contains("1 created, 0 adopted, 0 failed"), "\(sync.transcript)")

        #expect(try String(contentsOfFile: Self.repositorySheet, encoding: .utf8) == repositorySheetBefore, "the repository's sheet must not change")
    }

    @Test("a missing customer is created once: check reports it before, plan shows it with the matching row that names it, a second apply creates nothing")
    func missingCustomerCreatedOnce() async throws {
        let directory = try scratchDirectory("masters-customer")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pack = try copyExamplePack(into: directory)
        let matching = try replaceOnce("tiktok: 300-T0001", with: "tiktok: 300-T0002", in: pack + "/matching.yaml")
        let state = directory + "/state.sqlite"
        let logged = try LoggedSandbox(directory: directory)
        let sandbox = logged.sandbox
        defer { sandbox.stop() }
        let common = ["--pack", pack, "--endpoint", sandbox.url, "--state", state]

        let check = try await CLI.run(["check"] + common.prefix(4), environment: ServedSandbox.keys)
        #expect(check.status == 1, "\(check.transcript)")
        #expect(check.stdout.contains("error: customer '300-T0002' is not a customer in SQL Accounting"), "\(check.transcript)")

        let plan = try await CLI.run(["masters", "plan"] + common, environment: ServedSandbox.keys)
        #expect(plan.status == 0, "\(plan.transcript)")
        let shown = plan.stdout.replacingOccurrences(of: directory, with: "$TMP")
        #expect(shown.hasPrefix("Stock items: no SKUs looked at: give --orders or --catalog for the SKUs that need stock items\n"), "\(shown)")
        #expect(shown.contains("""
              + customer 300-T0002  "Acme Living TikTok Shop"  currency ----  terms C.O.D.
                  code: matching.customers.tiktok ($TMP/rules/acme-living/matching.yaml:\(matching.line))
                  for store tiktok-acme-my

            """), "\(shown)")
        #expect(shown.hasSuffix("Masters: 0 stock items and 1 customer to create, 7 already in SQL Accounting, 0 clashes (\(sandbox.url))\n"), "\(shown)")

        let apply = try await CLI.run(["masters", "apply"] + common, environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  + customer 300-T0002 created  (for store tiktok-acme-my)\n"), "\(apply.transcript)")
        let customers = try Self.created(sandbox, "customer")
        #expect(customers.count == 1)
        #expect(customers.first?["code"] as? String == "300-T0002")
        #expect(customers.first?["companyname"] as? String == "Acme Living TikTok Shop")
        #expect(customers.first?["currencycode"] as? String == "----")
        #expect(customers.first?["creditterm"] as? String == "C.O.D.")

        let again = try await CLI.run(["masters", "apply"] + common, environment: ServedSandbox.keys)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("  = customer 300-T0002: created by an earlier masters apply\n"), "\(again.transcript)")
        #expect(again.stdout.hasSuffix("Masters: 0 created, 8 already in SQL Accounting, 0 failed, 0 clashes (\(sandbox.url))\n"), "\(again.transcript)")
        #expect(try Self.created(sandbox, "customer").count == 1)
        #expect(logged.requests().filter { $0.hasPrefix("POST /customer") }.count == 1, "\(logged.requests())")

        let checked = try await CLI.run(["check"] + common.prefix(4), environment: ServedSandbox.keys)
        #expect(checked.status == 0, "\(checked.transcript)")
    }

    @Test("a code SQL holds as something else, or a new customer in the wrong currency, is a clash: listed with what to do, never sent, exit 1")
    func clashesAreNeverSent() async throws {
        let directory = try scratchDirectory("masters-clash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pack = try copyExamplePack(into: directory)
        // The SG store's customer is missing, and the override giving it Singapore dollars is gone.
        try replaceOnce("shopee-acme-sg: 300-S0002", with: "shopee-acme-sg: 300-S0003", in: pack + "/matching.yaml")
        try replaceOnce("      shopee-acme-sg: {currency: SGD}\n", with: "      shopify: {terms: 30 DAYS}\n", in: pack + "/pack.yaml")
        let catalogue = directory + "/catalogue.csv"
        try "Seller SKU,Product Name\nPOT-M,Big Plant Pot\n".write(toFile: catalogue, atomically: true, encoding: .utf8)
        let orders = directory + "/sg.jsonl"
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        try (String(try #require(september.split(separator: "\n").first { $0.contains(#""id":"SG-1000107""#) })) + "\n").write(toFile: orders, atomically: true, encoding: .utf8)
        let sheetBefore = try String(contentsOfFile: pack + "/matching/items.csv", encoding: .utf8)
        let logged = try LoggedSandbox(directory: directory)
        let sandbox = logged.sandbox
        defer { sandbox.stop() }
        let common = ["--pack", pack, "--catalog", catalogue, "--orders", orders, "--endpoint", sandbox.url, "--state", directory + "/state.sqlite"]

        let plan = try await CLI.run(["masters", "plan"] + common, environment: ServedSandbox.keys)
        #expect(plan.status == 1, "\(plan.transcript)")
        #expect(plan.stdout.contains("  ! stock item POT-M: stock item 'POT-M' is already in SQL Accounting, described as \"Plant Pot Medium\", not \"Big Plant Pot\"; ledgersync never changes an existing master — if it is this SKU's item, match it with `ledgersync match import`; otherwise change masters.stock_items.code\n"), "\(plan.transcript)")
        #expect(plan.stdout.contains("  ! customer 300-S0003: customer '300-S0003' cannot be created as configured: store shopee-acme-sg's orders are in SGD (currencycode SGD), but masters.customers.currency (built-in) would create the customer in ----, so SQL Account would refuse its invoices; set masters.customers.overrides.shopee-acme-sg.currency: SGD\n"), "\(plan.transcript)")
        #expect(plan.stdout.hasSuffix("Masters: 0 stock items and 0 customers to create, 7 already in SQL Accounting, 2 clashes (\(sandbox.url))\n"), "\(plan.transcript)")

        let apply = try await CLI.run(["masters", "apply"] + common, environment: ServedSandbox.keys)
        #expect(apply.status == 1, "\(apply.transcript)")
        #expect(apply.stdout.hasSuffix("Masters: 0 created, 7 already in SQL Accounting, 0 failed, 2 clashes (\(sandbox.url))\n"), "\(apply.transcript)")
        #expect(!logged.requests().contains { $0.hasPrefix("POST ") }, "\(logged.requests())")
        #expect(try String(contentsOfFile: pack + "/matching/items.csv", encoding: .utf8) == sheetBefore)
    }

    @Test("{seq} codes continue from SQL's highest and stay exactly once when every create answer is lost (commit-drop): found by code, adopted, matched")
    func sequenceCodesExactlyOnceUnderLostAnswers() async throws {
        let directory = try scratchDirectory("masters-faults")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pack = try copyExamplePack(into: directory)
        try replaceOnce(#"code: "{sku}""#, with: "code: \"EC-{seq}\"\n    sequence: {start: 7, digits: 4}", in: pack + "/pack.yaml")
        let sandbox = try ServedSandbox(directory: directory, faults: "commit-drop=1,seed=3")
        defer { sandbox.stop() }
        var environment = ServedSandbox.keys
        environment["LEDGERSYNC_RETRY_DELAY_SCALE"] = "0.01"
        let common = ["--pack", pack] + Args.september + ["--endpoint", sandbox.url, "--state", directory + "/state.sqlite"]

        let apply = try await CLI.run(["masters", "apply"] + common, environment: environment)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  = stock item EC-0007: SQL Account saved it although the answer was lost; found by code\n"), "\(apply.transcript)")
        #expect(apply.stdout.contains("  = stock item EC-0008: SQL Account saved it although the answer was lost; found by code\n"), "\(apply.transcript)")
        let items = try Self.created(sandbox, "stockitem")
        #expect(items.map { $0["code"] as? String } == ["EC-0007", "EC-0008"])
        let sheet = try String(contentsOfFile: pack + "/matching/items.csv", encoding: .utf8)
        #expect(sheet.contains("NEW-VASE-01,Speckled Vase,EC-0007,UNIT\n"), "\(sheet)")
        #expect(sheet.contains("XMAS-DECOR-99,Christmas Ornament Set,EC-0008,UNIT\n"), "\(sheet)")

        let again = try await CLI.run(["masters", "apply"] + common, environment: environment)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(try Self.created(sandbox, "stockitem").count == 2)
    }
}
