import Foundation
import Testing
import TestSupport

/// `plan` reads the state store a chunk of 256 orders at a time and streams its output: a file longer than one chunk
/// must be planned exactly as order-by-order reading would, on both sides of each chunk's edge.
@Suite("ledgersync plan over more than one chunk of orders", .serialized)
struct PlanAtScaleCLITests {
    /// `copies` orders made from the 68 example orders round-robin, each with id `B-<n>` and order number `N<n>`;
    /// `change` may alter copy n's order before it is written.
    static func orders(_ copies: Int, to path: String, change: (Int, inout [String: Any]) -> Void = { _, _ in }) throws {
        let seed = try String(contentsOfFile: "examples/orders/2025-09.jsonl", encoding: .utf8).split(separator: "\n")
        var text = ""
        for index in 0..<copies {
            var order = try #require(try JSONSerialization.jsonObject(with: Data(seed[index % seed.count].utf8)) as? [String: Any])
            order["id"] = "B-\(index)"
            order["order_number"] = "N\(index)"
            change(index, &order)
            text += String(decoding: try JSONSerialization.data(withJSONObject: order, options: [.sortedKeys]), as: UTF8.self) + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("600 synced orders: unchanged across chunks; one changed and one cancelled past the first chunk are planned, and the saved plan matches the text")
    func acrossChunks() async throws {
        let directory = try scratchDirectory("plan-chunks")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite", synced = directory + "/synced.jsonl", changed = directory + "/changed.jsonl"
        try Self.orders(600, to: synced)
        let apply = try await CLI.run(["apply"] + Args.acme + ["--orders", synced] + Args.asOf + ["--endpoint", sandbox.url, "--state", state, "--concurrency", "8"],
                                      environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        // 600 copies of 68 orders: 8 full rounds (408 invoices) and 56 more, of which the example's own exclusions leave 43.
        let invoices = 8 * 51 + 43
        #expect(apply.stdout.contains("\(invoices) created"), "\(apply.stdout)")

        let again = try await CLI.run(["plan"] + Args.acme + ["--orders", synced] + Args.asOf + ["--state", state, "--detailed-exitcode"])
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("  = \(invoices) invoices unchanged\n"), "\(again.stdout)")
        #expect(again.stdout.contains("Plan: 0 to create, 0 to update, 0 to cancel, 0 errors (sales invoices); \(invoices) unchanged, \(600 - invoices) excluded."))

        // Copy 2 of each round is Shopee order SG-1000103 (its order number is on the invoice); copy 0 is SG-1000101.
        try Self.orders(600, to: changed) { index, order in
            if index == 342 { order["order_number"] = "N342-AMENDED" }
            if index == 544 { order["status"] = "cancelled" }
        }
        let planPath = directory + "/changed.plan.json"
        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", changed] + Args.asOf + ["--state", state, "--out", planPath, "--detailed-exitcode"])
        #expect(plan.status == 2, "changes present: \(plan.transcript)")
        #expect(plan.stdout.contains("  ~ B-342  salesinvoice"), "\(plan.stdout)")
        #expect(plan.stdout.contains("~ description: \"Shopee order N342\" → \"Shopee order N342-AMENDED\""), "\(plan.stdout)")
        #expect(plan.stdout.contains("  - B-544  salesinvoice"), "\(plan.stdout)")
        #expect(plan.stdout.contains("Plan: 0 to create, 1 to update, 1 to cancel, 0 errors (sales invoices); \(invoices - 2) unchanged, \(600 - invoices) excluded"))

        let saved = try JSON.object(String(decoding: try #require(FileManager.default.contents(atPath: planPath)), as: UTF8.self), "the saved plan")
        let entries = try #require(saved["entries"] as? [[String: Any]])
        #expect(entries.count == invoices, "one entry per synced invoice, in file order")
        #expect(entries.filter { $0["action"] as? String == "update" }.compactMap { $0["order_id"] as? String } == ["B-342"])
        #expect(entries.filter { $0["action"] as? String == "cancel" }.compactMap { $0["order_id"] as? String } == ["B-544"])
        #expect((saved["excluded"] as? [[String: Any]])?.count == 600 - invoices)
        #expect((saved["summary"] as? [String: Any])?["unchanged"] as? Int == invoices - 2)
    }
}
