import Foundation
import GRDB
import LedgerCore
import StateStore
import Testing
import TestSupport

/// MyInvois e-invoicing end to end against the sandbox, with the example pack's `einvoice:` section: individual
/// e-invoices for buyers who asked, platform-issued ones left alone, the month's consolidated e-invoice per store sent
/// once, a bad TIN stopped before anything is posted, and the 72-hour cancel window.
@Suite(.serialized) struct EInvoiceCLITests {
    static func consolidate(_ state: String, _ extra: [String] = []) async throws -> CLI.Result {
        try await CLI.run(["einvoice", "consolidate"] + Args.acme + ["--month", "2025-09", "--state", state, "--as-of", "2025-10-03"] + extra,
                          environment: ServedSandbox.keys)
    }

    /// The example orders with `change` applied to the order `id` (as JSON objects), written to `directory`.
    static func orders(in directory: String, changing changes: [String: (inout [String: Any]) -> Void]) throws -> String {
        let source = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        var lines: [String] = []
        for line in source.split(separator: "\n") {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if let id = object["id"] as? String, let change = changes[id] {
                change(&object)
                lines.append(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self))
            } else {
                lines.append(String(line))
            }
        }
        let path = directory + "/orders.jsonl"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("individual e-invoices carry the buyer's TIN and IDs; the platform-issued order is submission none; the month is consolidated once per store, every order listed, and a re-run is a no-op")
    func individualAndConsolidated() async throws {
        let directory = try scratchDirectory("einvoice")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let apply = try await Sync.apply(sandbox, state: state)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("51 created, 0 adopted, 0 failed, 17 excluded"), "\(apply.stdout)")

        let books = try SandboxBooks(sandbox)
        // The company buyer who asked (Shopify #1043): its own TIN, BRN, validated by MyInvois.
        let company = try #require(books.invoice("LS-SG-1000123"))
        #expect(company["submissiontype"] as? Int == 1)
        #expect(company["tin"] as? String == "C25845632020")
        #expect(company["idtype"] as? Int == 3)
        #expect(company["idno"] as? String == "202001012345")
        #expect(company["salestaxno"] as? String == "W10-1808-32000123")
        #expect(company["irbm_status"] as? Int == 2)
        // A MyKad buyer at the showroom: the general TIN with the NRIC.
        let person = try #require(books.invoice("LS-SG-1000118"))
        #expect(person["tin"] as? String == "EI00000000010")
        #expect(person["idtype"] as? Int == 1)
        #expect(person["idno"] as? String == "880612105522")
        #expect(person["companyname"] as? String == "CHEAH SOO LIN", "the buyer's name, upper-cased as the pack's text settings say")
        // Shopee issued SG-1000135's e-invoice: reported by nobody else.
        let platform = try #require(books.invoice("LS-SG-1000135"))
        #expect(platform["submissiontype"] as? Int == 0)
        #expect(platform["irbm_status"] == nil)
        // A B2C order: left for the consolidation; its lines are e-commerce.
        let b2c = try #require(books.invoice("LS-SG-1000101"))
        #expect(b2c["submissiontype"] as? Int == 2)
        #expect((b2c["sdsdocdetail"] as? [[String: Any]])?.allSatisfy { $0["irbm_classification"] as? String == "008" } == true)

        let plan = try await Self.consolidate(state)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.hasPrefix("consolidated e-invoice for 2025-09: dated 2025-09-30, due to MyInvois by 2025-10-07 (4 days left)\n"), "\(plan.stdout)")
        #expect(plan.stdout.contains("+ salesinvoice LS-EIV-2025-09-shopee-acme-my  code 300-G0001  docamt 3242.00"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  SG-1000118 PJ-20250907-0012: an individual e-invoice (PJ-001202)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  SG-1000135 2509149X48P08Q: not reported: the platform issued its e-invoice"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 6 to create, 0 already sent."), "\(plan.stdout)")
        #expect(try SandboxBooks(sandbox).invoices.count == 51, "a plan sends nothing")
        let json = try JSON.object(try await Self.consolidate(state, ["--format", "json"]).stdout, "einvoice consolidate --format json")
        #expect(json["due"] as? String == "2025-10-07" && json["docdate"] as? String == "2025-09-30")
        let planned = try #require(json["documents"] as? [[String: Any]])
        #expect(planned.count == 6 && planned.allSatisfy { $0["action"] as? String == "create" })
        #expect((json["left_out"] as? [[String: Any]])?.contains { $0["order_id"] as? String == "SG-1000135" } == true)

        let sent = try await Self.consolidate(state, ["--apply", "--endpoint", sandbox.url])
        #expect(sent.status == 0, "\(sent.transcript)")
        #expect(sent.stdout.contains("Applied: 6 of 6 sent, 0 already sent."), "\(sent.stdout)")

        // Each consolidated document: the General Public buyer, classification 004, and exactly the sum of the
        // store's consolidated invoices, every one of their numbers listed.
        let store = try StateStore(path: state)
        var expected: [String: (amount: Money, numbers: [String])] = [:]
        for order in try store.orders(placedIn: "2025-09") where order.documentState == .created {
            let payload = try #require(try JSONSerialization.jsonObject(with: Data((order.payloadJSON ?? "").utf8)) as? [String: Any])
            guard payload["submissiontype"] as? Int == 2 else { continue }
            let amount = try #require((payload["docamt"] as? String).flatMap(Money.init(parsing:)))
            expected[order.store, default: (.zero, [])].amount += amount
            expected[order.store, default: (.zero, [])].numbers.append(order.orderNumber)
        }
        let consolidated = try SandboxBooks(sandbox).invoices.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-EIV-2025-09-") }
        #expect(consolidated.count == 6)
        #expect(Set(consolidated.compactMap { $0["docref1"] as? String }) == Set(expected.keys.map { "LS-EIV-2025-09-\($0)" }))
        for document in consolidated {
            let storeID = String((document["docref1"] as? String ?? "").dropFirst("LS-EIV-2025-09-".count))
            let want = try #require(expected[storeID])
            #expect((document["docamt"] as? String).flatMap(Money.init(parsing:)) == want.amount, "\(storeID)")
            #expect(document["code"] as? String == "300-G0001")
            #expect(document["docdate"] as? String == "2025-09-30")
            #expect(document["tin"] as? String == "EI00000000010" && document["idno"] as? String == "NA")
            #expect(document["submissiontype"] as? Int == 1 && document["irbm_status"] as? Int == 2)
            let lines = document["sdsdocdetail"] as? [[String: Any]] ?? []
            #expect(lines.allSatisfy { $0["irbm_classification"] as? String == "004" && $0["itemcode"] as? String == "EIV-CONSOL" && $0["account"] as? String == "599-000" })
            let listed = lines.map { $0["description3"] as? String ?? "" }.joined(separator: ", ")
            for number in want.numbers { #expect(listed.contains(number), "\(storeID): \(number) is not listed") }
            #expect(!listed.contains("2509149X48P08Q") && !listed.contains("PJ-20250907-0012"), "platform-issued and individual e-invoices are left out")
        }

        let again = try await Self.consolidate(state, ["--apply", "--endpoint", sandbox.url])
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("= salesinvoice LS-EIV-2025-09-shopee-acme-my  already in SQL Accounting as IV-"), "\(again.stdout)")
        #expect(again.stdout.contains("Applied: 0 of 0 sent, 6 already sent."), "\(again.stdout)")
        #expect(try SandboxBooks(sandbox).invoices.count == 51 + 6, "the month is consolidated once")
    }

    @Test("a month with an order not yet in SQL Accounting is refused, naming it; so is a month not over; nothing is sent")
    func refusesAnIncompleteMonth() async throws {
        let directory = try scratchDirectory("einvoice-incomplete")
        // A SQL Account without the plant pot POT-M: five invoices of the month are refused.
        let sandbox = try ServedSandbox(directory: directory, seed: Args.fixture("sandbox/seed-without-pot.yaml"))
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let apply = try await Sync.apply(sandbox, state: state)
        #expect(apply.stdout.contains("46 created, 0 adopted, 5 failed"), "\(apply.transcript)")

        let refused = try await Self.consolidate(state, ["--apply", "--endpoint", sandbox.url])
        #expect(refused.status == 1, "\(refused.transcript)")
        #expect(refused.stdout.contains("not ready (5):\n"), "\(refused.stdout)")
        #expect(refused.stdout.contains("  SG-1000151 "), "\(refused.stdout)")
        #expect(refused.stdout.contains(": its invoice failed to sync; fix it and apply\n"), "\(refused.stdout)")
        #expect(refused.stdout.contains("error: 5 orders of 2025-09 are not in SQL Accounting as the pack wants yet (listed above): apply them (or exclude them) first"), "\(refused.stdout)")
        #expect(try SandboxBooks(sandbox).invoices.allSatisfy { !($0["docref1"] as? String ?? "").hasPrefix("LS-EIV") })

        let early = try await CLI.run(["einvoice", "consolidate"] + Args.acme + ["--month", "2025-09", "--state", state, "--as-of", "2025-09-20", "--apply", "--endpoint", sandbox.url],
                                      environment: ServedSandbox.keys)
        #expect(early.status == 1)
        #expect(early.stdout.contains("error: 2025-09 has not ended (today is 2025-09-20): a month is consolidated after its last day; nothing was sent"), "\(early.stdout)")
        let preview = try await CLI.run(["einvoice", "consolidate"] + Args.acme + ["--month", "2025-12", "--state", state, "--as-of", "2025-12-20"])
        #expect(preview.status == 0, "\(preview.transcript)")
        #expect(preview.stdout.contains("note: 2025-12 has not ended (today is 2025-12-20): this is a preview of the month so far; --apply waits until it is over"), "\(preview.stdout)")
        #expect(preview.stdout.contains("no order of 2025-12 is to be consolidated"), "\(preview.stdout)")
    }

    @Test("a TIN MyInvois would refuse fails its order at the file line and field before anything is posted; the others sync")
    func badTINIsRefusedBeforePosting() async throws {
        let directory = try scratchDirectory("einvoice-bad-tin")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let orders = try Self.orders(in: directory, changing: ["SG-1000123": { order in
            var buyer = order["buyer"] as? [String: Any] ?? [:]
            var einvoice = buyer["einvoice"] as? [String: Any] ?? [:]
            einvoice["tin"] = "X123"
            buyer["einvoice"] = einvoice
            order["buyer"] = buyer
        }])
        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", orders] + Args.asOf + ["--state", state])
        #expect(plan.stdout.contains("orders.jsonl:23: error: order SG-1000123: 'X123' does not start with a TIN prefix"), "\(plan.transcript)")
        #expect(plan.stdout.contains("(at buyer.einvoice.tin)"), "\(plan.stdout)")

        let apply = try await CLI.run(["apply"] + Args.acme + ["--orders", orders] + Args.asOf + ["--endpoint", sandbox.url, "--state", state], environment: ServedSandbox.keys)
        #expect(apply.status == 1, "\(apply.transcript)")
        #expect(apply.stdout.contains("50 created"), "\(apply.stdout)")
        #expect(try SandboxBooks(sandbox).invoice("LS-SG-1000123") == nil, "never posted")
        #expect(try StateStore(path: state).document(orderID: "SG-1000123") == nil, "nothing staged for it")
    }

    @Test("a cancelled order whose individual e-invoice is older than 72 hours is credited, not cancelled; within the window it is cancelled; tasks delete --cancel-remote refuses it")
    func cancelWindow() async throws {
        let directory = try scratchDirectory("einvoice-cancel")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)

        // #1043's e-invoice went to MyInvois 100 hours ago; PJ-001202's just now.
        let queue = try DatabaseQueue(path: state)
        let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-100 * 3600))
        try await queue.write { db in try db.execute(sql: "UPDATE documents SET created_at = ? WHERE order_id = 'SG-1000123'", arguments: [past]) }
        try queue.close()

        let cancelled = try Self.orders(in: directory, changing: [
            "SG-1000123": { $0["status"] = "cancelled" },
            "SG-1000118": { $0["status"] = "cancelled" },
        ])
        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", cancelled] + Args.asOf + ["--state", state])
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("went to MyInvois as an individual e-invoice 100 hours ago, and a validated e-invoice can be cancelled only within 72 hours (einvoice.cancel_window_hours), so it is not cancelled"), "\(plan.stdout)")

        let apply = try await CLI.run(["apply"] + Args.acme + ["--orders", cancelled] + Args.asOf + ["--endpoint", sandbox.url, "--state", state], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        let books = try SandboxBooks(sandbox)
        #expect(books.invoice("LS-SG-1000118")?["cancelled"] as? Bool == true, "inside the window: cancelled")
        #expect(books.invoice("LS-SG-1000123")?["cancelled"] as? Bool == false, "outside the window: never cancelled")
        #expect(books.outstanding("LS-SG-1000123") == .zero, "credited in full instead")
        let creditNote = try #require(books.creditNotes.first { ($0["docref1"] as? String ?? "").hasPrefix("LS-SG-1000123") })
        #expect(creditNote["submissiontype"] as? Int == 1 && creditNote["tin"] as? String == "C25845632020", "the credit note is an e-invoice for the same buyer")
    }

    @Test("tasks delete --cancel-remote leaves an individual e-invoice past the window in SQL Accounting and keeps the task, saying why")
    func taskDeleteRespectsTheWindow() async throws {
        let directory = try scratchDirectory("einvoice-task-delete")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let queue = try DatabaseQueue(path: state)
        let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-80 * 3600))
        try await queue.write { db in try db.execute(sql: "UPDATE documents SET created_at = ? WHERE order_id = 'SG-1000123'", arguments: [past]) }
        try queue.close()

        let delete = try await CLI.run(["tasks", "delete", "1", "--cancel-remote"] + Args.acme + ["--state", state, "--endpoint", sandbox.url],
                                       environment: ServedSandbox.keys)
        #expect(delete.status == 1, "\(delete.transcript)")
        #expect((delete.stdout + delete.stderr).contains("not cancelled: invoice #1043 went to MyInvois as an individual e-invoice 80 hours ago"), "\(delete.transcript)")
        let books = try SandboxBooks(sandbox)
        #expect(books.invoice("LS-SG-1000123")?["cancelled"] as? Bool == false)
        #expect(books.invoice("LS-SG-1000101")?["cancelled"] as? Bool == true, "the others are cancelled as asked")
    }
}
