import Foundation
import LedgerCore
import StateStore
import Testing
import TestSupport

/// `payments import` through settlement mappings (Docs/SettlementMappings.md): the built-in shopify-payments mapping over
/// the example export, recognised by its header, end to end into receipts in a served sandbox.
@Suite("ledgersync payments import through settlement mappings", .serialized)
struct SettlementMappingCLITests {
    static let example = "examples/settlements/shopify-payments-transactions-2025-09.csv"

    static func payments(_ arguments: [String], state: String, sandbox: ServedSandbox? = nil) async throws -> CLI.Result {
        var extra = ["--state", state]
        if ["plan", "apply"].contains(arguments.first ?? "") { extra += Args.acme }
        if let sandbox, arguments.first == "apply" { extra += ["--endpoint", sandbox.url] }
        return try await CLI.run(["payments"] + arguments + extra, environment: ServedSandbox.keys)
    }

    static func records(_ sandbox: ServedSandbox, _ book: String) throws -> [[String: Any]] {
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (root[book] as? [String: Any])?["records"] as? [[String: Any]] ?? []
    }

    @Test("the example orders applied, the Shopify Payments export imported by its header, one receipt per payout knocking off its invoices, sent once; re-importing is a no-op")
    func shopifyPaymentsEndToEnd() async throws {
        let directory = try scratchDirectory("settlement-mapping")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)

        // No --channel: the file's header is the shopify-payments mapping's.
        // A preview shows the rows and writes nothing; the import then records them.
        let previewed = try await Self.payments(["import", Self.example, "--preview"], state: state)
        #expect(previewed.status == 0, "\(previewed.transcript)")
        #expect(previewed.stdout.contains("4–5  #1045     2025-09-22   925092201    0.00         5.44   -5.44"), "the charge and refund of the cancelled order add up: \(previewed.stdout)")
        #expect(previewed.stdout.contains("would record 5 settled orders, 5 new, 0 already known — nothing was written to"), "\(previewed.transcript)")
        let imported = try await Self.payments(["import", Self.example], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("imported \(Self.example) with the shopify-payments settlement mapping (shopify): 5 settled orders, 5 new, 0 already known; 2 warnings"), "\(imported.transcript)")
        #expect(imported.stderr.contains("shopify-payments-transactions-2025-09.csv:4:12: warning: rows 4–5, column L (Net): order '#1045' pays out -5.44"), "\(imported.transcript)")
        #expect(imported.stderr.contains("order #1045 is excluded, not yet invoiced"), "\(imported.transcript)")
        let store = try StateStore(path: state)
        let rows = try store.settlementRows(channel: "shopify")
        #expect(rows.map(\.orderID) == ["#1042", "#1045", "#1044", "#1047", "#1046"])
        #expect(rows.reduce(Int64(0)) { $0 + $1.netSen } == 181_522, "net 1815.22 to the sen")

        let plan = try await Self.payments(["plan", "--channel", "shopify"], state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("""
              + receipt Shopify payout 2025-09-08 (925090801)  300-W0001  docamt 475.45  bank charge 12.39  → bank 463.06  via 310-STR
                  knock off #1042  (order #1042)  475.45
              + receipt Shopify payout 2025-09-22 (925092201)  300-W0001  docamt 909.56  bank charge 28.68  → bank 880.88  via 310-STR
                  knock off #1044  (order #1044)  909.56
              + receipt Shopify payout 2025-09-29 (925092901)  300-W0001  docamt 484.39  bank charge 13.11  → bank 471.28  via 310-STR
                  knock off #1047  (order #1047)  274.81
                  knock off #1046  (order #1046)  209.58
              ? order #1045: the payout is negative (-5.44); it is taken out of the shopify 2025-09-22 receipt (925092201) with 5.44 more bank charge (payments.negative_payouts: offset); the order has no synced invoice
            """), "\(plan.stdout)")
        #expect(plan.stdout.contains("Payments: 3 receipts, 4 invoices knocked off, 1815.22 received; 0 errors, 1 warning"), "\(plan.stdout)")

        let apply = try await Self.payments(["apply", "--channel", "shopify"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("3 payments in SQL Accounting, 0 failed"), "\(apply.stdout)")

        // The sandbox's books: each receipt as planned, every Shopify invoice it pays knocked off to 0.00 outstanding.
        let receipts = try Self.records(sandbox, "customerpayment")
        #expect(receipts.count == 3)
        let last = try #require(receipts.first { $0["docref1"] as? String == "LS-PAY-shopify-925092901-300-W0001" })
        #expect(last["docamt"] as? String == "484.39")
        #expect(last["bankcharge"] as? String == "13.11")
        #expect(last["paymentmethod"] as? String == "310-STR")
        #expect(last["docdate"] as? String == "2025-09-29")
        var knocked: [String: Money] = [:]
        for receipt in receipts {
            for row in receipt["sdsknockoff"] as? [[String: Any]] ?? [] {
                knocked[row["docno"] as? String ?? "", default: .zero] += Money(parsing: row["koamt"] as? String ?? "") ?? .zero
            }
        }
        let invoices = try sandbox.invoices()
        for orderID in ["SG-1000105", "SG-1000138", "SG-1000152", "SG-1000161"] {
            let invoice = try #require(invoices.first { $0["docref1"] as? String == "LS-\(orderID)" })
            let docno = try #require(invoice["docno"] as? String)
            let docamt = try #require(Money(parsing: invoice["docamt"] as? String ?? ""))
            #expect((docamt - (knocked[docno] ?? .zero)).description == "0.00", "\(orderID) (\(docno)) outstanding")
        }
        let banked = receipts.map { (Money(parsing: $0["docamt"] as? String ?? "") ?? .zero) - (Money(parsing: $0["bankcharge"] as? String ?? "") ?? .zero) }
        #expect(banked.reduce(.zero, +).description == "1815.22", "the three payouts, #1045's refund taken out of its own, to the sen")

        let again = try await Self.payments(["import", Self.example], state: state)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("\(Self.example) was imported before; nothing changed"), "\(again.stdout)")
        #expect(try store.settlementRows(channel: "shopify").count == 5)
        let nothing = try await Self.payments(["apply", "--channel", "shopify"], state: state, sandbox: sandbox)
        #expect(nothing.stdout.contains("no payments to send"), "\(nothing.transcript)")
        #expect(try Self.records(sandbox, "customerpayment").count == 3)
    }

    @Test("a broken export writes nothing; a built-in channel's flag on a mapped report, and a report two readers claim, are refused saying why")
    func refusals() async throws {
        let directory = try scratchDirectory("settlement-mapping-refused")
        let state = directory + "/state.sqlite"
        let text = try String(contentsOfFile: Golden.packageRoot + "/" + Self.example, encoding: .utf8)
        let broken = directory + "/broken.csv"
        try text.replacingOccurrences(of: ",909.56,23.24,", with: ",909.5O,23.24,").write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try await Self.payments(["import", broken], state: state)
        #expect(bad.status == 1, "\(bad.transcript)")
        #expect(bad.stderr.contains("broken.csv:6:10: error: row 6, column J (Amount): '909.5O' is not an amount (it is not a number) for fields.gross; write amounts like 1234.50, 1,234.50, RM 1,234.50, (12.30) or -12.30 (at J6)"), "\(bad.transcript)")
        #expect(bad.stderr.contains("1 error; nothing was imported"), "\(bad.transcript)")
        #expect(try StateStore(path: state).settlementRows().isEmpty, "an import with errors writes nothing")

        let wrongChannel = try await Self.payments(["import", "--channel", "shopee", Self.example], state: state)
        #expect(wrongChannel.status == 1)
        #expect(wrongChannel.stderr.contains("error: this is not a Shopee income report: the shopify-payments settlement mapping reads it (a shopify report; row 1 has all 6 columns it needs); leave --channel out, or use --channel shopify or --mapping shopify-payments; nothing was imported"), "\(wrongChannel.transcript)")

        // The zalora template's layout is also Lazada's older Transaction Overview: said, not guessed.
        let zalora = "Tests/SettlementsTests/Fixtures/zalora-statement-2025-09.csv"
        let both = try await Self.payments(["import", zalora], state: state)
        #expect(both.status == 1)
        #expect(both.stderr.contains("this report fits both a Lazada statement (columns 'Transaction Type', 'Fee Name', … on row 1) and the zalora settlement mapping (row 1 has 4 of the 4 columns it needs); say which with --channel lazada or --mapping zalora; nothing was imported"), "\(both.transcript)")
        let named = try await Self.payments(["import", "--channel", "zalora", zalora], state: state)
        #expect(named.status == 0, "\(named.transcript)")
        #expect(named.stdout.contains("with the zalora settlement mapping (zalora): 1 settled order, 1 new, 0 already known (1 row left out by skip_rows)"), "\(named.transcript)")

        let unknown = try await Self.payments(["import", "--mapping", "shopify-paymnts", Self.example], state: state)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("--mapping 'shopify-paymnts' is neither a settlement mapping file nor a settlement mapping ledgersync knows (shopify-payments, zalora); did you mean 'shopify-payments'?"), "\(unknown.transcript)")
    }

    @Test("a pack's settlements/ mappings: checked by validate, and tried before the built-in ones")
    func packMappings() async throws {
        let directory = try scratchDirectory("settlement-mapping-pack")
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: directory + "/rules")
        let pack = directory + "/rules/acme-living"
        try FileManager.default.createDirectory(atPath: pack + "/settlements", withIntermediateDirectories: true)
        let mapping = pack + "/settlements/shopify-payments.yaml"
        try "extends: shopify-payments\nfields:\n  payout_date: {colum: Payout Date}\n".write(toFile: mapping, atomically: true, encoding: .utf8)
        let invalid = try await CLI.run(["validate", "--pack", pack])
        #expect(invalid.status == 1)
        #expect(invalid.stdout.contains("settlements/shopify-payments.yaml:3:17: error: unknown key 'colum' (at fields.payout_date.colum); did you mean 'column'?"), "\(invalid.transcript)")

        try "# Acme's Shopify Payments export\nmapping: {name: acme-shopify}\nextends: shopify-payments\nfields:\n  payout_reference: {column: Payout ID}\n"
            .write(toFile: mapping, atomically: true, encoding: .utf8)
        let valid = try await CLI.run(["validate", "--pack", pack])
        #expect(!valid.stdout.contains("settlements/"), "\(valid.transcript)")
        let state = directory + "/state.sqlite"
        let imported = try await CLI.run(["payments", "import", Self.example, "--pack", pack, "--state", state])
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("with the acme-shopify settlement mapping (shopify): 5 settled orders"), "\(imported.transcript)")
    }
}
