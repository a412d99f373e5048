import Foundation
import Testing
import TestSupport

/// A web store whose prices exclude SST: the order says what tax the buyer was charged, and an invoice whose tax
/// differs is reported at that order's line — before anything is sent.
@Suite struct TaxChargedCLITests {
    @Test func aTaxExclusiveOrderWhoseChargedTaxDiffersIsReportedAtItsOrder() async throws {
        let result = try await CLI.run(["transform"] + Args.acme + ["--orders", Args.fixture("tax-charged.jsonl")] + Args.asOf)
        #expect(result.status == 0, "a warning, not an error: \(result.transcript)")
        #expect(result.stdout.contains("""
            Tests/CLITests/Fixtures/tax-charged.jsonl:1: warning: order SG-1000105: invoice total with tax 475.45 does not tie out to seller_revenue 454.00 plus the tax charged 21.40 = 475.40: difference 0.05; the invoice's tax 21.45 differs from the tax the buyer was charged 21.40 (tax.charged) by 0.05 (at tax.charged)
            """), "\(result.transcript)")
        #expect(result.stdout.hasSuffix("2 orders: 2 invoices, 0 excluded, 0 errors, 1 warning\n"), "SG-1000110's charged tax matches: \(result.transcript)")

        let json = try await CLI.run(["transform"] + Args.acme + ["--orders", Args.fixture("tax-charged.jsonl"), "--format", "jsonl"] + Args.asOf)
        let first = try #require(try JSON.lines(json.stdout).first)
        let tie = try #require((first["document"] as? [String: Any])?["tie_out"] as? [String: Any] ?? first["tie_out"] as? [String: Any])
        #expect(tie["tax_charged"] as? String == "21.40" && tie["invoice_tax"] as? String == "21.45" && tie["difference"] as? String == "0.05")

        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", Args.fixture("tax-charged.jsonl"), "--state", try scratchDirectory("tax-plan") + "/s.sqlite"] + Args.asOf)
        #expect(plan.stdout.contains("the invoice's tax 21.45 differs from the tax the buyer was charged 21.40"), "\(plan.transcript)")
    }
}
