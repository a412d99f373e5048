import Foundation
import Testing
import TestSupport

/// `plan` and `apply` with the merchant's ticks: `--order`, `--orders-from`, `--status`, `--store`, `--from`, `--to`.
@Suite("ledgersync plan/apply: selecting orders", .serialized)
struct SelectionCLITests {
    static let ticked = ["SG-1000101", "SG-1000116", "SG-1000166"]
    static let tickedFlags = ticked.flatMap { ["--order", $0] }

    /// The example orders as the file holds them: id, status, store and the ordered date in Malaysia time (YYYY-MM-DD).
    static func exampleOrders() throws -> [(id: String, status: String, store: String, date: String)] {
        let text = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let parser = ISO8601DateFormatter()
        let malaysia = DateFormatter()
        malaysia.dateFormat = "yyyy-MM-dd"
        malaysia.calendar = Calendar(identifier: .gregorian)
        malaysia.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        return try text.split(separator: "\n").map { line in
            let order = try JSON.object(String(line), "an example order")
            let dates = try #require(order["dates"] as? [String: Any])
            let orderedText = try #require(dates["ordered"] as? String)
            let ordered = try #require(parser.date(from: orderedText))
            return (try #require(order["id"] as? String), try #require(order["status"] as? String), try #require(order["store"] as? String),
                    malaysia.string(from: ordered))
        }
    }

    /// Every order id a plan's JSON names (to create, update, … or excluded).
    static func plannedIDs(_ plan: [String: Any]) -> Set<String> {
        let entries = (plan["entries"] as? [[String: Any]] ?? []).compactMap { $0["order_id"] as? String }
        let excluded = (plan["excluded"] as? [[String: Any]] ?? []).compactMap { $0["order_id"] as? String }
        return Set(entries + excluded)
    }

    @Test("apply of three ticked orders out of the 51: one task of exactly those 3 invoices; the next apply syncs the other 48 once")
    func tickedThenTheRest() async throws {
        let directory = try scratchDirectory("ticked")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"

        let ticked = try await Sync.apply(sandbox, state: state, Self.tickedFlags)
        #expect(ticked.status == 0, "\(ticked.transcript)")
        #expect(ticked.stdout.contains("imported 3 orders from examples/orders/2025-09.jsonl (3 of its 68 selected: --order) into \(state): 3 new, 0 changed, 0 unchanged"), "\(ticked.stdout)")
        #expect(ticked.stdout.contains("syncing 3 invoices to "), "\(ticked.stdout)")
        #expect(ticked.stdout.contains("3 created, 0 adopted, 0 failed, 0 excluded (task 1,"), "\(ticked.stdout)")
        #expect(ticked.stdout.contains("3 of 68 orders selected (--order); the other 65 of the file were left untouched"), "\(ticked.stdout)")
        #expect(Set(try sandbox.invoices().compactMap { $0["docref1"] as? String }) == Set(Self.ticked.map { "LS-\($0)" }))
        #expect(try sandbox.invoices().count == 3)

        let task = try await CLI.run(["tasks", "show", "1", "--state", state, "--format", "json"])
        #expect(task.status == 0, "\(task.transcript)")
        let taskOrders = try #require(try JSON.object(task.stdout, "tasks show 1 --format json")["orders"] as? [[String: Any]])
        #expect(taskOrders.compactMap { $0["order_id"] as? String }.sorted() == Self.ticked)
        #expect(taskOrders.allSatisfy { $0["status"] as? String == "completed" }, "\(taskOrders)")
        let shown = try await CLI.run(["tasks", "show", "1", "--state", state])
        for id in Self.ticked { #expect(shown.stdout.contains(id), "\(shown.stdout)") }
        #expect(shown.stdout.contains("3 orders: 3 completed"), "\(shown.stdout)")
        // The rest of the file was not read into the state store.
        let export = try await CLI.run(["orders", "export", "--state", state, "--format", "json"])
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
        #expect(exported.compactMap { $0["order_id"] as? String }.sorted() == Self.ticked)

        let rest = try await Sync.apply(sandbox, state: state)
        #expect(rest.status == 0, "\(rest.transcript)")
        #expect(rest.stdout.contains("\(Sync.syncableOrders - 3) created, 0 adopted, 0 failed, 17 excluded, 3 synced before (task 2,"), "\(rest.stdout)")
        #expect(!rest.stdout.contains("selected"), "no selection, no selection line: \(rest.stdout)")
        try Sync.expectExactlyOnce(sandbox)
        let second = try await CLI.run(["tasks", "show", "2", "--state", state, "--format", "json"])
        let secondOrders = try #require(try JSON.object(second.stdout, "tasks show 2 --format json")["orders"] as? [[String: Any]])
        #expect(Set(secondOrders.compactMap { $0["order_id"] as? String }).isDisjoint(with: Self.ticked), "the ticked orders are not synced again")
    }

    @Test("--orders-from with a comment and a blank line takes exactly the ids it lists")
    func ordersFromFile() async throws {
        let directory = try scratchDirectory("orders-from")
        let list = directory + "/ticked.txt"
        try Data("# ticked by Aina, 1 Oct\nSG-1000120\n\nSG-1000104  # the TikTok one\nSG-1000155\n".utf8).write(to: URL(fileURLWithPath: list))
        let expected: Set = ["SG-1000104", "SG-1000120", "SG-1000155"]

        let result = try await CLI.run(["apply"] + Args.acme + Args.september + Args.asOf + ["--sandbox", "--orders-from", list, "--format", "json"],
                                       environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        let summary = try JSON.object(result.stdout, "apply --format json")
        let orders = try #require(summary["orders"] as? [[String: Any]])
        #expect(Set(orders.compactMap { $0["order_id"] as? String }) == expected)
        #expect(summary["created"] as? Int == 3, "\(result.stdout)")
        let selection = try #require(summary["selection"] as? [String: Any], "apply --format json carries the selection")
        #expect(Set(selection["selected"] as? [String] ?? []) == expected)
        #expect(selection["orders_from"] as? String == list)
        #expect(selection["orders_in_file"] as? Int == 68)
    }

    @Test("--status completed --store shopee-acme-my --from 2025-09-10 --to 2025-09-20 plans exactly the orders that match them all")
    func filters() async throws {
        let directory = try scratchDirectory("filters")
        let state = directory + "/state.sqlite"
        let expected = Set(try Self.exampleOrders().filter {
            $0.status == "completed" && $0.store == "shopee-acme-my" && $0.date >= "2025-09-10" && $0.date <= "2025-09-20"
        }.map(\.id))
        #expect(!expected.isEmpty)
        let flags = ["--status", "completed", "--store", "shopee-acme-my", "--from", "2025-09-10", "--to", "2025-09-20"]

        let json = try await PlanCLITests.plan(state, flags + ["--format", "json"])
        #expect(json.status == 0, "\(json.transcript)")
        let plan = try JSON.object(json.stdout, "plan --format json")
        #expect(Self.plannedIDs(plan) == expected)
        let selection = try #require(plan["selection"] as? [String: Any], "plan --format json carries the selection")
        #expect(Set(selection["selected"] as? [String] ?? []) == expected)
        #expect(selection["statuses"] as? [String] == ["completed"])
        #expect(selection["stores"] as? [String] == ["shopee-acme-my"])
        #expect(selection["from"] as? String == "2025-09-10")
        #expect(selection["to"] as? String == "2025-09-20")

        let text = try await PlanCLITests.plan(state, flags)
        #expect(text.status == 0, "\(text.transcript)")
        #expect(text.stdout.contains("\(expected.count) of 68 orders selected (--status completed, --store shopee-acme-my, --from 2025-09-10, --to 2025-09-20); the other \(68 - expected.count) of the file are not planned"), "\(text.stdout)")
        let listed = Set(text.stdout.split(separator: "\n").filter { $0.hasPrefix("  + ") }.map { String($0.split(separator: " ")[1]) })
        #expect(listed == expected, "\(text.stdout)")

        // Comma lists and repeats of --status are one set; several --store values likewise.
        let wider = Set(try Self.exampleOrders().filter { ["shipped", "delivered", "cancelled"].contains($0.status) && ["lazada-acme-my", "tiktok-acme-my"].contains($0.store) }.map(\.id))
        #expect(wider.count > 1)
        let widerPlan = try await PlanCLITests.plan(state, ["--status", "shipped,delivered", "--status", "cancelled,shipped", "--store", "lazada-acme-my", "--store", "tiktok-acme-my", "--format", "json"])
        #expect(widerPlan.status == 0, "\(widerPlan.transcript)")
        #expect(Self.plannedIDs(try JSON.object(widerPlan.stdout, "plan --format json")) == wider)
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test("a ticked id not in the file: exit 1 naming it with a did-you-mean; nothing sent, the state store not created or changed")
    func unknownOrder() async throws {
        let directory = try scratchDirectory("unknown-order")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"

        let typo = try await Sync.apply(sandbox, state: state, ["--order", "SG-1000101", "--order", "SG-100O120"])
        #expect(typo.status == 1, "\(typo.transcript)")
        #expect(typo.stderr == "order 'SG-100O120' (--order) is not in examples/orders/2025-09.jsonl; did you mean 'SG-1000120'?\nnothing was imported or sent\n", "\(typo.transcript)")
        #expect(typo.stdout.isEmpty, "\(typo.stdout)")
        #expect(try sandbox.invoices().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: state), "no state store is created")
        #expect(!FileManager.default.fileExists(atPath: state + ".lock"))

        // With a state store: a line of --orders-from that is not in the file leaves it byte for byte as it was.
        let first = try await Sync.apply(sandbox, state: state, ["--order", "SG-1000101"])
        #expect(first.status == 0, "\(first.transcript)")
        let before = try #require(FileManager.default.contents(atPath: state))
        let list = directory + "/ticked.txt"
        try Data("SG-1000102\n# gift\nSG-1000l03\n".utf8).write(to: URL(fileURLWithPath: list))
        let fromFile = try await Sync.apply(sandbox, state: state, ["--orders-from", list])
        #expect(fromFile.status == 1, "\(fromFile.transcript)")
        #expect(fromFile.stderr.contains("order 'SG-1000l03' (\(list):3) is not in examples/orders/2025-09.jsonl; did you mean 'SG-1000103'?"), "\(fromFile.stderr)")
        #expect(try FileManager.default.contents(atPath: state) == before, "the state store is unchanged")
        #expect(try sandbox.invoices().count == 1)

        // plan says the same and writes no plan.
        let planPath = directory + "/typo.plan"
        let plan = try await PlanCLITests.plan(state, ["--order", "SG-100O120", "--out", planPath])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("did you mean 'SG-1000120'?\nno plan was made; \(planPath) was not written"), "\(plan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: planPath))
    }

    @Test("a selection no order matches: a clear message, exit 1, nothing written")
    func noMatch() async throws {
        let directory = try scratchDirectory("no-match")
        let state = directory + "/state.sqlite"
        let apply = try await CLI.run(["apply"] + Args.acme + Args.september + Args.asOf + ["--state", state, "--sandbox", "--status", "paid", "--store", "shopee-acme-sg"],
                                      environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        let paid = try Self.exampleOrders().filter { $0.status == "paid" }.count
        let sg = try Self.exampleOrders().filter { $0.store == "shopee-acme-sg" }.count
        #expect(try Self.exampleOrders().filter { $0.status == "paid" && $0.store == "shopee-acme-sg" }.isEmpty, "the test needs a combination no order has")
        #expect(apply.status == 1, "\(apply.transcript)")
        #expect(apply.stderr == "no order of examples/orders/2025-09.jsonl matches the selection (--status paid, --store shopee-acme-sg): of its 68 orders, --status paid matches \(paid), --store shopee-acme-sg matches \(sg)\nnothing was imported or sent\n", "\(apply.transcript)")
        #expect(!FileManager.default.fileExists(atPath: state))

        let plan = try await PlanCLITests.plan(state, ["--store", "shopee-acme", "--out", directory + "/none.plan"])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("no order is in store 'shopee-acme' (did you mean 'shopee-acme-my'?)"), "\(plan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/none.plan"))
    }

    @Test("malformed dates and unknown statuses are usage errors before anything runs; a saved plan takes no selection flags")
    func usage() async throws {
        let directory = try scratchDirectory("select-usage")
        let state = directory + "/state.sqlite"
        let cases: [([String], String)] = [
            (["--status", "complete"], "--status must be an order status (unpaid, paid, ready_to_ship, shipped, delivered, completed, cancelled, returned), found 'complete'; did you mean 'completed'?"),
            (["--from", "2025-09-31"], "--from must be a date like 2025-09-01 (YYYY-MM-DD, the order date in Malaysia time), found '2025-09-31'"),
            (["--to", "20/09/2025"], "--to must be a date like 2025-09-01 (YYYY-MM-DD, the order date in Malaysia time), found '20/09/2025'"),
        ]
        for (flags, message) in cases {
            for command in ["apply", "plan"] {
                let result = try await CLI.run([command] + Args.acme + Args.september + Args.asOf + ["--state", state, "--endpoint", "http://127.0.0.1:1"] + flags + (command == "plan" ? ["--refresh"] : []))
                #expect(result.status == 1, "\(command) \(flags): \(result.transcript)")
                #expect(result.stderr.contains(message), "\(command) \(flags): \(result.stderr)")
                #expect(!result.stderr.contains("Timeout"), "nothing ran: \(result.stderr)")
            }
        }
        let plan = try await CLI.run(["apply", directory + "/any.plan", "--order", "SG-1000101", "--state", state])
        #expect(plan.status == 1)
        #expect(plan.stderr.contains("a saved plan carries out its own selection; give --order to `ledgersync plan`, not to `apply PLAN`"), "\(plan.stderr)")
        #expect(!FileManager.default.fileExists(atPath: state))
    }

    @Test("plan with a selection shows only those orders; plan --out + apply PLAN syncs exactly the selection")
    func savedPlan() async throws {
        let directory = try scratchDirectory("select-plan")
        let logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }
        let state = directory + "/state.sqlite"
        let planPath = directory + "/ticked.plan.json"

        let plan = try await PlanCLITests.plan(state, Self.tickedFlags + ["--out", planPath])
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("3 of 68 orders selected (--order); the other 65 of the file are not planned"), "\(plan.stdout)")
        let created = plan.stdout.split(separator: "\n").filter { $0.hasPrefix("  + ") }.map { String($0.split(separator: " ")[1]) }
        #expect(created == Self.ticked, "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 3 to create, 0 to update, 0 to cancel, 0 errors (sales invoices); 0 unchanged, 0 excluded"), "\(plan.stdout)")
        let saved = try JSON.object(String(decoding: try #require(FileManager.default.contents(atPath: planPath)), as: UTF8.self), "the saved plan")
        let selection = try #require(saved["selection"] as? [String: Any])
        #expect(selection["selected"] as? [String] == Self.ticked)
        #expect(selection["orders"] as? [String] == Self.ticked)

        let before = logged.requests().count
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("carrying out the plan made "), "\(apply.stdout)")
        #expect(apply.stdout.contains("(3 orders: 3 of 68 orders selected (--order))"), "\(apply.stdout)")
        #expect(apply.stdout.contains("3 created, 0 adopted, 0 failed, 0 excluded (task 1,"), "\(apply.stdout)")
        #expect(logged.counts(since: before) == [
            "GET /version 200": 1,
            "GET /salesinvoice?docref1 200": 3,
            "POST /salesinvoice 200": 3,
        ], "exactly the plan's calls")
        #expect(Set(try logged.sandbox.invoices().compactMap { $0["docref1"] as? String }) == Set(Self.ticked.map { "LS-\($0)" }))
        let export = try await CLI.run(["orders", "export", "--state", state, "--format", "json"])
        let exported = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [[String: Any]])
        #expect(exported.compactMap { $0["order_id"] as? String }.sorted() == Self.ticked, "only the planned orders are imported")

        // The whole file now: the three are unchanged, the other 48 to create — the POS orders with numbers after the
        // PJ-001201 the ticked SG-1000116 took, not that number again.
        let whole = try await PlanCLITests.plan(state, [])
        #expect(whole.stdout.contains("Plan: \(Sync.syncableOrders - 3) to create, 0 to update, 0 to cancel, 0 errors (sales invoices); 3 unchanged, 17 excluded"), "\(whole.stdout)")
        #expect(whole.stdout.contains("  + SG-1000118  salesinvoice  PJ-001202 "), "\(whole.stdout)")
    }
}
