import Foundation
import LedgerCore
import SettlementTestFixtures
import Settlements
import Spreadsheets
import Testing
import TestSupport

/// Returns after the sale, end to end against the sandbox: a partial return (1 of 3 units), a full return a month
/// later (a credit note, not a cancel), a returned order in the invoice's month (a cancel), a return after the
/// invoice was paid (credit note + customer refund), a shipping-only refund, and a return before the invoice was
/// ever sent (nothing at all). After the apply every invoice owes, in the sandbox, exactly what its order still owes.
@Suite(.serialized) struct ReturnsCLITests {
    static let returns = ["--orders", "Tests/CLITests/Fixtures/2025-10-returns.jsonl", "--as-of", "2025-10-10"]
    static let payOrder124 = ["--channel", "shopee", "--order", "SG-1000124", "--paid-amount", "538.00", "--date", "2025-09-30"]

    /// September synced, SG-1000124's invoice 538.00 paid of 588.00 by a receipt.
    static func september(_ directory: String) async throws -> (ServedSandbox, String) {
        let sandbox = try ServedSandbox(directory: directory)
        let state = directory + "/state.sqlite"
        let apply = try await Sync.apply(sandbox, state: state)
        #expect(apply.status == 0, "\(apply.transcript)")
        let paid = try await CLI.run(["payments", "apply"] + Args.acme + ["--state", state, "--endpoint", sandbox.url] + payOrder124, environment: ServedSandbox.keys)
        #expect(paid.status == 0, "\(paid.transcript)")
        return (sandbox, state)
    }

    @Test("explain shows each return's credit note with the provenance of every field, after the invoice it credits (golden)")
    func explainShowsCreditNotes() throws {
        let result = try CLI.run(["explain"] + Args.acme + Self.returns + ["--order", "SG-1000103"])
        #expect(result.status == 0, "\(result.transcript)")
        if let mismatch = Golden.mismatch(result.stdout, goldenFile: "Tests/CLITests/Golden/explain-returns-SG-1000103.txt") {
            Issue.record(Comment(rawValue: mismatch))
        }
        let json = try CLI.run(["explain"] + Args.acme + Self.returns + ["--order", "SG-1000103", "--format", "json"])
        let object = try JSON.object(json.stdout, "explain --format json")
        let creditNotes = try #require(object["credit_notes"] as? [[String: Any]])
        #expect(creditNotes.count == 1)
        #expect(creditNotes.first?["return_id"] as? String == "RR-103-1")
        #expect(creditNotes.first?["docref1"] as? String == "LS-SG-1000103-RRR-103-1")
        #expect((creditNotes.first?["payload"] as? [String: Any])?["docamt"] as? String == "22.17")
        let fields = creditNotes.first?["fields"] as? [[String: Any]] ?? []
        #expect(fields.contains { $0["path"] as? String == "sdsdocdetail[0].qty" && ($0["source"] as? String)?.contains("returns[0].lines[0].qty") == true })
    }

    @Test func everyKindOfReturnBalancesTheBooksToTheSen() async throws {
        let directory = try scratchDirectory("returns")
        let (sandbox, state) = try await Self.september(directory)
        defer { sandbox.stop() }

        let plan = try await CLI.run(["plan"] + Args.acme + Self.returns + ["--state", state])
        #expect(plan.status == 0, "\(plan.transcript)")
        PlanCLITests.expectGolden(plan.stdout, "plan-returns.txt", replacing: directory)

        let apply = try await CLI.run(["apply"] + Args.acme + Self.returns + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  - SG-1000106 → 2509034XVAVM4H cancelled in SQL Accounting (the order is now returned)"), "\(apply.stdout)")
        // Credit notes go out four at a time, so which takes CN-00001 varies; the refund follows its credit note.
        #expect(apply.stdout.range(of: #"  \+ SG-1000103 → credit note CN-0000[1-4]  22\.17  knocks off 25090201672845 22\.17\n"#, options: .regularExpression) != nil, "\(apply.stdout)")
        #expect(apply.stdout.range(of: #"  \+ SG-1000124 → refund CF-00001  234\.00  knocks off CN-0000[1-4] 234\.00\n"#, options: .regularExpression) != nil, "\(apply.stdout)")
        #expect(apply.stdout.contains("4 credit notes, 1 refund, 0 failed"), "\(apply.stdout)")

        let books = try SandboxBooks(sandbox)
        // What each order still owes: the sale less what was paid and credited.
        #expect(books.outstanding("LS-SG-1000103") == Money(parsing: "113.23"), "135.40 less 1 of 3 cushions: (76.50 − 10.00) / 3 = 22.17")
        #expect(books.outstanding("LS-SG-1000131") == .zero, "fully returned in October: credited 116.50, not cancelled")
        #expect(books.outstanding("LS-SG-1000106") == .zero, "returned in September: the invoice is cancelled")
        #expect(books.invoice("LS-SG-1000106")?["cancelled"] as? Bool == true)
        #expect(books.outstanding("LS-SG-1000124") == .zero, "588.00 − 538.00 paid − 50.00 credited")
        #expect(books.outstanding("LS-SG-1000135") == Money(parsing: "344.10"), "359.10 less the 15.00 shipping refunded")
        #expect(books.invoice("LS-SG-1000190") == nil, "returned before its invoice was sent: no documents at all")
        #expect(books.creditNotes.count == 4)
        #expect(books.creditNotes.allSatisfy { $0["docref1"] as? String != "LS-SG-1000190-RRR-190-1" })
        let note124 = try #require(books.creditNotes.first { $0["docref1"] as? String == "LS-SG-1000124-RRR-124-1" })
        #expect(note124["docamt"] as? String == "284.00" && note124["docref2"] as? String == "2509094UWZL3XE")
        let refund = try #require(books.refunds.first)
        #expect(books.refunds.count == 1)
        #expect(refund["docamt"] as? String == "234.00" && refund["paymentmethod"] as? String == "310-SHP")
        let shippingNote = try #require(books.creditNotes.first { $0["docref1"] as? String == "LS-SG-1000135-RRF-135-SHIP" })
        let shippingLines = try #require(shippingNote["sdsdocdetail"] as? [[String: Any]])
        #expect(shippingLines.map { $0["itemcode"] as? String } == ["SHIPPING"] && shippingLines.first?["amount"] as? String == "15.00")

        // Exactly once: the same file again sends nothing, and the plan is empty.
        let again = try await CLI.run(["apply"] + Args.acme + Self.returns + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(again.status == 0, "\(again.transcript)")
        let after = try SandboxBooks(sandbox)
        #expect(after.creditNotes.count == 4 && after.refunds.count == 1)
        let settled = try await CLI.run(["plan"] + Args.acme + Self.returns + ["--state", state, "--detailed-exitcode"])
        #expect(settled.status == 0, "after apply nothing is left to do: \(settled.stdout)")
        #expect(settled.stdout.contains("= 4 credit notes and refunds already in SQL Accounting") || settled.stdout.contains("already in SQL Accounting"), "\(settled.stdout)")

        // The store knows the new documents: orders show and the return task.
        let show = try await CLI.run(["orders", "show", "SG-1000124", "--state", state])
        #expect(show.stdout.contains("return RR-124-1: credit note #"), "\(show.stdout)")
        #expect(show.stdout.contains("return RR-124-1: customer refund #"), "\(show.stdout)")
        let tasks = try await CLI.run(["tasks", "list", "--state", state])
        #expect(tasks.stdout.contains(" returns "), "\(tasks.stdout)")
    }

    @Test func aSecondReturnOfTheSameOrderIsASecondCreditNote() async throws {
        let directory = try scratchDirectory("returns-second")
        let (sandbox, state) = try await Self.september(directory)
        defer { sandbox.stop() }
        #expect(try await CLI.run(["apply"] + Args.acme + Self.returns + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys).status == 0)

        // SG-1000103 again, with a second cushion back a week later.
        let text = try String(contentsOfFile: Golden.packageRoot + "/Tests/CLITests/Fixtures/2025-10-returns.jsonl", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.contains("\"id\":\"SG-1000103\"") })
        let second = line.replacingOccurrences(of: #"}]}]"#, with: #"}]},{"id":"RR-103-2","date":"2025-10-10T09:00:00+08:00","lines":[{"sku":"CUSH-45-BLU","qty":1}]}]"#)
        #expect(second != String(line))
        let path = directory + "/second.jsonl"
        try (second + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let apply = try await CLI.run(["apply"] + Args.acme + ["--orders", path, "--as-of", "2025-10-12", "--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        let books = try SandboxBooks(sandbox)
        #expect(books.creditNotes.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-SG-1000103-") }.count == 2)
        #expect(books.outstanding("LS-SG-1000103") == Money(parsing: "91.06"), "113.23 less another 22.17")

        // The first return grown under its own id (a cumulative export: 2 cushions now): a supplement credits the one
        // more, never the first again, and the three credit notes together credit exactly the three cushions.
        let grown = second.replacingOccurrences(of: #""reason":"Wrong colour","lines":[{"sku":"CUSH-45-BLU","qty":1}]"#,
                                                with: #""reason":"Wrong colour","lines":[{"sku":"CUSH-45-BLU","qty":2}]"#)
        #expect(grown != second, "the fixture's first return has one cushion")
        try (grown + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", path, "--as-of", "2025-10-12", "--state", state])
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("+ SG-1000103  salescreditnote  (docno known after apply)  300-S0001  2025-10-03  22.16  1 line  return RR-103-1~2"), "\(plan.stdout)")
        #expect(plan.stdout.contains("credits what return RR-103-1 grew by since its credit note"), "\(plan.stdout)")
        let supplement = try await CLI.run(["apply"] + Args.acme + ["--orders", path, "--as-of", "2025-10-12", "--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(supplement.status == 0, "\(supplement.transcript)")
        let grownBooks = try SandboxBooks(sandbox)
        let notes103 = grownBooks.creditNotes.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-SG-1000103-") }
        #expect(notes103.count == 3)
        #expect(notes103.first { $0["docref1"] as? String == "LS-SG-1000103-RRR-103-1~2" }?["docamt"] as? String == "22.16", "44.33 for two cushions less the 22.17 credited")
        #expect(grownBooks.outstanding("LS-SG-1000103") == Money(parsing: "68.90"), "135.40 less all three cushions, 66.50")
        let again = try await CLI.run(["apply"] + Args.acme + ["--orders", path, "--as-of", "2025-10-12", "--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(try SandboxBooks(sandbox).creditNotes.count == grownBooks.creditNotes.count, "the same file again credits nothing")

        // Shrunk back to one cushion: credit notes are never taken back; the plan says so.
        try (second + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let shrunk = try await CLI.run(["plan"] + Args.acme + ["--orders", path, "--as-of", "2025-10-12", "--state", state])
        #expect(shrunk.stdout.contains("return RR-103-1 now credits less than its credit notes did — CUSH-45-BLU 1 unit for 22.17 (credited: 2 for 44.33)"), "\(shrunk.stdout)")
    }
}

extension ReturnsCLITests {
    /// A Shopee payout after the returns: SG-1000103 pays what its invoice still owes after its credit note, and
    /// SG-1000131 — refunded in full, its commission kept — pays out -2.00. The negative row is taken out of the same
    /// receipt as bank charge, and every invoice then owes nothing.
    @Test func aNegativeShopeePayoutIsTakenOutOfItsReceipt() async throws {
        let directory = try scratchDirectory("returns-payout")
        let (sandbox, state) = try await Self.september(directory)
        defer { sandbox.stop() }
        #expect(try await CLI.run(["apply"] + Args.acme + Self.returns + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys).status == 0)

        let date = try #require(CalendarDate(parsing: "2025-10-15"))
        func m(_ text: String) -> Money { Money(parsing: text)! }
        let rows = [
            SettlementFixtureOrder("25090201672845", payoutDate: date, gross: m("108.33"), fees: [.commission: m("3.00")], shipping: [.platform: m("4.90")]),
            SettlementFixtureOrder("250912N4R7KD2M", payoutDate: date, gross: m("111.60"), fees: [.refund: m("116.50"), .commission: m("2.00")], shipping: [.buyer: m("4.90")]),
        ]
        let file = directory + "/income.xlsx"
        let sheets = SettlementFixtures.shopeeIncome(rows).sheets.map { sheet in
            (name: sheet.name, rows: sheet.rows.map { row in
                row.cells.map { cell -> SheetValue in
                    if cell.isEmpty { return .empty }
                    return Double(cell) != nil && !cell.contains("e") ? .number(cell) : .string(cell)
                }
            })
        }
        try SpreadsheetWriter.writeXLSX(path: file, sheets: sheets)
        let imported = try await CLI.run(["payments", "import", "--channel", "shopee", file, "--state", state])
        #expect(imported.status == 0, "\(imported.transcript)")

        let plan = try await CLI.run(["payments", "plan"] + Args.acme + ["--state", state])
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("order 250912N4R7KD2M: the payout is negative (-2.00); it is taken out of the shopee 2025-10-15 receipt"), "\(plan.transcript)")
        let apply = try await CLI.run(["payments", "apply"] + Args.acme + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")

        let books = try SandboxBooks(sandbox)
        let receipt = try #require(books.payments.first { $0["docdate"] as? String == "2025-10-15" })
        #expect(receipt["docamt"] as? String == "113.23" && receipt["bankcharge"] as? String == "5.00", "payout 110.23 − 2.00 = 108.23 = 113.23 − 5.00")
        #expect(books.outstanding("LS-SG-1000103") == .zero)
        #expect(books.outstanding("LS-SG-1000131") == .zero)
    }
}

extension ReturnsCLITests {
    /// Each run repeated until it exits 0, as an operator re-runs apply: what matters is the end.
    static func untilDone(_ arguments: [String], limit: Int = 5) async throws -> [CLI.Result] {
        var runs: [CLI.Result] = []
        for _ in 1...limit {
            let run = try await CLI.run(arguments, environment: ServedSandbox.keys.merging(["LEDGERSYNC_RETRY_DELAY_SCALE": "0.02"]) { $1 })
            runs.append(run)
            if run.status == 0 { break }
        }
        return runs
    }

    @Test("fault runs end with exactly one credit note per return and one refund, and the same balances", arguments: [
        "commit-drop=0.4,seed=21",
        "error500=0.2,ratelimit429=0.15,timeout=0.1,hold=3000,commit-drop=0.2,seed=22",
    ])
    func returnsUnderFaults(faults: String) async throws {
        let directory = try scratchDirectory("returns-faults")
        let sandbox = try ServedSandbox(directory: directory, faults: faults)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let fast = ["--concurrency", "8", "--request-timeout", "1"]
        let september = try await Self.untilDone(["apply"] + Args.acme + Args.september + Args.asOf + ["--endpoint", sandbox.url, "--state", state] + fast)
        #expect(september.last?.status == 0, "\(september.map(\.transcript).joined(separator: "\n"))")
        let paid = try await Self.untilDone(["payments", "apply"] + Args.acme + ["--state", state, "--endpoint", sandbox.url] + Self.payOrder124)
        #expect(paid.last?.status == 0, "\(paid.map(\.transcript).joined(separator: "\n"))")
        let returns = try await Self.untilDone(["apply"] + Args.acme + Self.returns + ["--endpoint", sandbox.url, "--state", state] + fast)
        #expect(returns.last?.status == 0, "\(returns.map(\.transcript).joined(separator: "\n"))")

        let books = try SandboxBooks(sandbox)
        let keys = books.creditNotes.compactMap { $0["docref1"] as? String }
        #expect(keys.sorted() == ["LS-SG-1000103-RRR-103-1", "LS-SG-1000124-RRR-124-1", "LS-SG-1000131-RRR-131-1", "LS-SG-1000135-RRF-135-SHIP"], "exactly one credit note per return: \(keys)")
        #expect(books.refunds.compactMap { $0["docref1"] as? String } == ["LS-SG-1000124-RRR-124-1-F"])
        #expect(books.payments.count == 1, "the receipt once")
        #expect(books.outstanding("LS-SG-1000103") == Money(parsing: "113.23"))
        #expect(books.outstanding("LS-SG-1000124") == .zero)
        #expect(books.outstanding("LS-SG-1000135") == Money(parsing: "344.10"))
        #expect(books.outstanding("LS-SG-1000131") == .zero)
    }

    @Test func aSavedPlanOfReturnsIsCarriedOutExactly() async throws {
        let directory = try scratchDirectory("returns-plan")
        let (sandbox, state) = try await Self.september(directory)
        defer { sandbox.stop() }
        let planPath = directory + "/returns.plan.json"
        let plan = try await CLI.run(["plan"] + Args.acme + Self.returns + ["--state", state, "--out", planPath])
        #expect(plan.status == 0, "\(plan.transcript)")
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("4 credit notes, 1 refund, 0 failed"), "\(apply.stdout)")
        let books = try SandboxBooks(sandbox)
        #expect(books.creditNotes.count == 4 && books.refunds.count == 1)
        #expect(books.outstanding("LS-SG-1000103") == Money(parsing: "113.23"))
    }
}

/// The sandbox's documents as its state file holds them, and each invoice's outstanding worked out from them.
struct SandboxBooks {
    var invoices: [[String: Any]]
    var payments: [[String: Any]]
    var creditNotes: [[String: Any]]
    var refunds: [[String: Any]]

    init(_ sandbox: ServedSandbox) throws {
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        func records(_ name: String) -> [[String: Any]] { (root[name] as? [String: Any])?["records"] as? [[String: Any]] ?? [] }
        invoices = records("salesinvoice")
        payments = records("customerpayment")
        creditNotes = records("salescreditnote")
        refunds = records("customerrefund")
    }

    func invoice(_ key: String) -> [String: Any]? { invoices.first { $0["docref1"] as? String == key } }

    /// docamt less what receipts and credit notes (not cancelled) knock off; a cancelled invoice owes nothing.
    func outstanding(_ key: String) -> Money? {
        guard let invoice = invoice(key), let docno = invoice["docno"] as? String,
              let docamt = (invoice["docamt"] as? String).flatMap(Money.init(parsing:)) else { return nil }
        if invoice["cancelled"] as? Bool == true { return .zero }
        var knocked = Money.zero
        for document in payments + creditNotes where document["cancelled"] as? Bool != true {
            for row in document["sdsknockoff"] as? [[String: Any]] ?? [] where row["docno"] as? String == docno {
                knocked += (row["koamt"] as? String).flatMap(Money.init(parsing:)) ?? .zero
            }
        }
        return docamt - knocked
    }
}
