import Foundation
import Testing
import TestSupport

/// Orders whose product names are longer than SQL Account's 200-character line description: a 300-character
/// listing title on an unmatched SKU (Shopee) and a 225-character CJK name (Lazada).
@Suite("long text fitted to SQL Account", .serialized)
struct FieldLimitCLITests {
    static let orders = ["--orders", Args.fixture("long-names.jsonl")]

    @Test("plan shows each cut under its invoice, in text and in JSON")
    func planShowsCuts() async throws {
        let directory = try scratchDirectory("limits-plan")
        let state = directory + "/state.sqlite"
        let text = try await CLI.run(["plan"] + Args.acme + Self.orders + Args.asOf + ["--state", state])
        #expect(text.status == 0, "\(text.transcript)")
        PlanCLITests.expectGolden(text.stdout, "plan-long-names.txt", replacing: directory)
        #expect(text.stdout.contains("""
          + LN-9000001  salesinvoice  2509LONGNAME01  300-S0001  2025-09-01  89.90  1 line
              warning: order LN-9000001: SKU 'NRD-SC-4S-DG2' has no item matching; invoiced as product code 'ECOM-MISC' with the SKU in the description (at lines[0].sku)
              warning: order LN-9000001: description is 348 characters, SQL Account allows 200: cut at a word boundary to 194; the full text is kept in description3 (at sdsdocdetail[0].description)
        """))

        let json = try await CLI.run(["plan"] + Args.acme + Self.orders + Args.asOf + ["--state", state, "--format", "json"])
        #expect(json.status == 0, "\(json.transcript)")
        let root = try JSON.object(json.stdout, "plan --format json")
        let entries = try #require(root["entries"] as? [[String: Any]])
        let cjk = try #require(entries.first { $0["order_id"] as? String == "LN-9000002" })
        let warnings = try #require(cjk["warnings"] as? [[String: Any]])
        #expect(warnings.map { $0["code"] as? String } == ["text-truncated"])
        #expect(warnings.first?["key_path"] as? String == "sdsdocdetail[0].description")
        #expect(warnings.first?["message"] as? String == "order LN-9000002: description is 225 characters, SQL Account allows 200: cut between characters to 200; the full text is kept in description3")
    }

    @Test("a saved plan keeps the warnings, and applying it to the sandbox creates both invoices with the cut text")
    func savedPlanApplies() async throws {
        let directory = try scratchDirectory("limits-apply")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let planPath = directory + "/long.plan.json"
        let plan = try await CLI.run(["plan"] + Args.acme + Self.orders + Args.asOf + ["--state", state, "--out", planPath], environment: ServedSandbox.keys)
        #expect(plan.status == 0, "\(plan.transcript)")
        let saved = try JSON.object(String(decoding: try #require(FileManager.default.contents(atPath: planPath)), as: UTF8.self), "saved plan")
        let savedEntries = try #require(saved["entries"] as? [[String: Any]])
        #expect(savedEntries.map { ($0["warnings"] as? [Any])?.count ?? 0 } == [2, 1])
        // The saved payload is what apply sends: cut to fit, the full CJK text in description3.
        let cjkPayload = try #require(savedEntries.last?["payload"] as? [String: Any])
        let cjkLine = try #require((cjkPayload["sdsdocdetail"] as? [[String: Any]])?.first)
        #expect((cjkLine["description"] as? String)?.count == 200)
        #expect((cjkLine["description3"] as? String)?.count == 225)

        let applied = try await CLI.run(["apply", planPath, "--endpoint", sandbox.url, "--state", state], environment: ServedSandbox.keys)
        #expect(applied.status == 0, "\(applied.transcript)")
        #expect(applied.stdout.contains("2 created, 0 adopted, 0 failed"), "\(applied.stdout)")
        let invoice = try #require(try sandbox.invoices().first { $0["docref1"] as? String == "LS-LN-9000001" })
        let line = try #require((invoice["sdsdocdetail"] as? [[String: Any]])?.first)
        #expect((line["description"] as? String)?.hasSuffix("Pet Friendly Dustproof") == true)
        #expect((line["description3"] as? String)?.hasSuffix("Ready Stock Malaysia (Dark Grey, 4 Seater (235-300cm))") == true)
    }

    @Test("apply --sandbox of the long names succeeds: SQL Account's lengths are kept")
    func embeddedSandboxApply() async throws {
        let result = try await CLI.run(["apply"] + Args.acme + Self.orders + Args.asOf + ["--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("2 created, 0 adopted, 0 failed, 0 excluded"), "\(result.stdout)")
    }
}
