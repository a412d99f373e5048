import Foundation
import Testing
import TestSupport

/// The seed's customer payment screen for a channel without a settlement report: pick the Shopify orders, enter
/// what the gateway paid and kept, and one receipt knocks their invoices off — exactly once.
@Suite(.serialized) struct ManualReceiptCLITests {
    static let pick = ["--channel", "shopify", "--order", "SG-1000105", "--order", "SG-1000123", "--paid-amount", "8000.00",
                       "--bank-charge", "102.17", "--reference", "SP-PAYOUT-0930", "--date", "2025-09-30"]

    @Test func aShopifyReceiptByHandPickedOrders() async throws {
        let directory = try scratchDirectory("manual-receipt")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)

        let plan = try await CLI.run(["payments", "plan"] + Args.acme + ["--state", state] + Self.pick)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout == """
              + receipt Shopify payout 2025-09-30 (SP-PAYOUT-0930)  300-W0001  docamt 8102.17  bank charge 102.17  → bank: paid 8000.00 (entered; a receipt by hand, no settlement)  via 310-STR
                  knock off #1042  (order SG-1000105)  475.45
                  knock off #1043  (order SG-1000123)  7626.72
            Payments: 1 receipt, 2 invoices knocked off, 8000.00 received; 0 errors, 0 warnings

            """, "\(plan.transcript)")

        let apply = try await CLI.run(["payments", "apply"] + Args.acme + ["--state", state, "--endpoint", sandbox.url] + Self.pick, environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("1 payment in SQL Accounting, 0 failed"), "\(apply.transcript)")
        let receipts = try Self.receipts(sandbox)
        #expect(receipts.count == 1)
        let receipt = try #require(receipts.first)
        #expect(receipt["code"] as? String == "300-W0001" && receipt["docamt"] as? String == "8102.17" && receipt["bankcharge"] as? String == "102.17")
        #expect(receipt["paymentmethod"] as? String == "310-STR" && receipt["chequenumber"] as? String == "SP-PAYOUT-0930")
        let knockOffs = try #require(receipt["sdsknockoff"] as? [[String: Any]])
        #expect(knockOffs.map { $0["docno"] as? String } == ["#1042", "#1043"])
        #expect(knockOffs.map { $0["koamt"] as? String } == ["475.45", "7626.72"])

        // The same ticks again: the invoices are paid, nothing is sent twice.
        let again = try await CLI.run(["payments", "apply"] + Args.acme + ["--state", state, "--endpoint", sandbox.url] + Self.pick, environment: ServedSandbox.keys)
        #expect(again.status == 1)
        #expect(again.stdout.contains("invoice #1042 (order SG-1000105) is already paid in full by an earlier receipt (475.45); untick it"), "\(again.transcript)")
        #expect(try Self.receipts(sandbox).count == 1)
    }

    @Test func aTickNotSyncedIsNamedWithDidYouMeanAndTicksNeedAChannel() async throws {
        let directory = try scratchDirectory("manual-receipt-bad")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let unknown = try await CLI.run(["payments", "plan"] + Args.acme + ["--state", state, "--channel", "shopify", "--invoice", "#1049", "--paid-amount", "10.00"])
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains("invoice '#1049' has no synced shopify invoice in the state store (apply its order first, or check --channel); did you mean '#1042'?"), "\(unknown.transcript)")
        let noChannel = try await CLI.run(["payments", "plan"] + Args.acme + ["--state", state, "--order", "SG-1000105", "--paid-amount", "10.00"])
        #expect(noChannel.status == 1)
        #expect(noChannel.stderr.contains("a receipt by hand (--invoice, --order, --bank-charge, --reference, --date) needs --channel"), "\(noChannel.transcript)")
        let noAmount = try await CLI.run(["payments", "plan"] + Args.acme + ["--state", state, "--channel", "shopify", "--order", "SG-1000105"])
        #expect(noAmount.status == 1)
        #expect(noAmount.stdout.contains("a receipt for ticked invoices (--invoice/--order) needs --paid-amount"), "\(noAmount.transcript)")
    }

    static func receipts(_ sandbox: ServedSandbox) throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: sandbox.statePath),
              let root = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let book = root["customerpayment"] as? [String: Any] else { return [] }
        return book["records"] as? [[String: Any]] ?? []
    }
}
