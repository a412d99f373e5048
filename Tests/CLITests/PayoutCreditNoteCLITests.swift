import Foundation
import LedgerCore
import SettlementTestFixtures
import Settlements
import Spreadsheets
import StateStore
import Testing
import TestSupport

/// Negative payouts and channel charges as credit notes + customer refunds (issue 11, payments part), end to end
/// against the sandbox: after each apply every invoice owes exactly what its order still owes, receipts − refunds
/// equal the payouts to the sen, and running again or importing the same report again makes nothing new.
@Suite("ledgersync payments: negative payouts and channel charges", .serialized)
struct PayoutCreditNoteCLITests {
    /// The repository's rules copied to `directory`, with `lines` added to the acme pack's `payments:` section.
    static func pack(_ directory: String, payments lines: [String]) throws -> [String] {
        let rules = directory + "/rules"
        try? FileManager.default.removeItem(atPath: rules)
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: rules)
        // A client pack may extend a base pack outside its folder only inside one repository: mark the folder as one.
        try FileManager.default.createDirectory(atPath: directory + "/.git", withIntermediateDirectories: true)
        let path = rules + "/acme-living/pack.yaml"
        var text = try String(contentsOfFile: path, encoding: .utf8)
        let anchor = "  description: \"{channel} payout {payout_date} ({reference})\"\n"
        #expect(text.contains(anchor))
        text = text.replacingOccurrences(of: anchor, with: anchor + lines.map { "  \($0)\n" }.joined())
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return ["--pack", rules + "/acme-living"]
    }

    static func payments(_ arguments: [String], pack: [String] = Args.acme, state: String, sandbox: ServedSandbox? = nil,
                         environment: [String: String] = ServedSandbox.keys) async throws -> CLI.Result {
        var extra = ["--state", state]
        if ["plan", "apply"].contains(arguments.first ?? "") { extra += pack }
        if let sandbox, arguments.first == "apply" { extra += ["--endpoint", sandbox.url] }
        return try await CLI.run(["payments"] + arguments + extra, environment: environment)
    }

    /// A Shopee income report of `rows` written as an xlsx workbook.
    static func shopeeFile(_ rows: [SettlementFixtureOrder], to file: String) throws {
        let sheets = SettlementFixtures.shopeeIncome(rows).sheets.map { sheet in
            (name: sheet.name, rows: sheet.rows.map { row in
                row.cells.map { cell -> SheetValue in
                    if cell.isEmpty { return .empty }
                    return Double(cell) != nil && !cell.contains("e") ? .number(cell) : .string(cell)
                }
            })
        }
        try SpreadsheetWriter.writeXLSX(path: file, sheets: sheets)
    }

    /// The settled order of a synced invoice: its items, and its shipping line as the buyer's payment.
    static func settled(_ orderID: String, store: StateStore, payoutDate: CalendarDate, fees: [SettlementFeeKind: Money], statement: String) throws -> (SettlementFixtureOrder, Money) {
        let payload = try #require(try store.document(orderID: orderID)).payloadJSON
        let invoice = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
        let docamt = try #require(Money(parsing: invoice["docamt"] as? String ?? ""))
        let lines = try #require(invoice["sdsdocdetail"] as? [[String: Any]])
        let shipping = lines.first { $0["itemcode"] as? String == "SHIPPING" }.flatMap { Money(parsing: $0["amount"] as? String ?? "") } ?? .zero
        let number = try #require(try store.order(orderID)?.orderNumber)
        return (SettlementFixtureOrder(number, payoutDate: payoutDate, gross: docamt - shipping, fees: fees,
                                       shipping: shipping == .zero ? [:] : [.buyer: shipping], statement: statement), docamt)
    }

    static func money(_ value: Any?) -> Money { (value as? String).flatMap(Money.init(parsing:)) ?? .zero }

    /// What the sandbox's receipts brought in (docamt − bankcharge) less what its refunds paid out, for `refunds`.
    static func cash(_ books: SandboxBooks, refunds: (String) -> Bool) -> Money {
        let received = books.payments.reduce(Money.zero) { $0 + money($1["docamt"]) - money($1["bankcharge"]) }
        let refunded = books.refunds.filter { refunds($0["docref1"] as? String ?? "") }.reduce(Money.zero) { $0 + money($1["docamt"]) }
        return received - refunded
    }

    // MARK: Shopee

    /// After the October returns, a Shopee payout: SG-1000103 pays what its invoice owes after its credit note
    /// (110.23), SG-1000131 — refunded in full, its commission kept — pays out −2.00. With `credit_note` the −2.00 is a
    /// credit note + refund of 2.00; the receipt keeps SG-1000103 alone.
    @Test func aNegativeShopeePayoutBecomesACreditNoteAndRefund() async throws {
        let directory = try scratchDirectory("negpay-shopee")
        let (sandbox, state) = try await ReturnsCLITests.september(directory)
        defer { sandbox.stop() }
        let returns = try await CLI.run(["apply"] + Args.acme + ReturnsCLITests.returns + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(returns.status == 0, "\(returns.transcript)")
        let pack = try Self.pack(directory, payments: ["negative_payouts: credit_note"])

        let date = try #require(CalendarDate(parsing: "2025-10-15"))
        func m(_ text: String) -> Money { Money(parsing: text)! }
        let rows = [
            SettlementFixtureOrder("25090201672845", payoutDate: date, gross: m("108.33"), fees: [.commission: m("3.00")], shipping: [.platform: m("4.90")]),
            SettlementFixtureOrder("250912N4R7KD2M", payoutDate: date, gross: m("111.60"), fees: [.refund: m("116.50"), .commission: m("2.00")], shipping: [.buyer: m("4.90")]),
        ]
        let file = directory + "/income.xlsx"
        try Self.shopeeFile(rows, to: file)
        let imported = try await Self.payments(["import", "--channel", "shopee", file], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")

        let plan = try await Self.payments(["plan"], pack: pack, state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        PlanCLITests.expectGolden(plan.stdout, "payments-plan-negative-shopee.txt", replacing: directory)
        let json = try JSON.object(try await Self.payments(["plan", "--format", "json"], pack: pack, state: state).stdout, "payments plan --format json")
        let documents = try #require(json["credit_notes_and_refunds"] as? [[String: Any]])
        #expect(documents.map { $0["type"] as? String } == ["salescreditnote", "customerrefund"])
        #expect(documents.map { $0["amount"] as? String } == ["2.00", "2.00"])
        #expect(documents.allSatisfy { $0["reference"] as? String == "payout-2025-10-15" && $0["order"] as? String == "250912N4R7KD2M" })

        let apply = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("1 payment in SQL Accounting, 0 failed; 1 credit note, 1 refund in SQL Accounting, 0 failed"), "\(apply.stdout)")

        let books = try SandboxBooks(sandbox)
        let receipt = try #require(books.payments.first { $0["docdate"] as? String == "2025-10-15" })
        #expect(receipt["docamt"] as? String == "113.23" && receipt["bankcharge"] as? String == "3.00", "SG-1000103 alone: 108.33 + 4.90 − 3.00 = 110.23")
        let note = try #require(books.creditNotes.first { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-") })
        #expect(note["docamt"] as? String == "2.00" && note["code"] as? String == "300-S0001")
        let lines = try #require(note["sdsdocdetail"] as? [[String: Any]])
        #expect(lines.map { $0["itemcode"] as? String } == ["ECOM-MISC"] && lines.first?["account"] as? String == "908-000")
        let refund = try #require(books.refunds.first { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-") })
        #expect(refund["docamt"] as? String == "2.00" && refund["paymentmethod"] as? String == "310-SHP")
        #expect((refund["sdsknockoff"] as? [[String: Any]])?.first?["docno"] as? String == note["docno"] as? String, "the refund knocks off its credit note")
        // The invoices owe what their orders still owe: nothing.
        #expect(books.outstanding("LS-SG-1000103") == .zero)
        #expect(books.outstanding("LS-SG-1000131") == .zero)
        // This payout's receipt less its refund is its net, 110.23 − 2.00, to the sen.
        let payout = Self.money(receipt["docamt"]) - Self.money(receipt["bankcharge"]) - Self.money(refund["docamt"])
        #expect(payout == m("108.23"))

        // Exactly once: again, and the same report imported again (and as another file with the same rows), make nothing new.
        let again = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(again.stdout.contains("no payments to send"), "\(again.stdout)")
        #expect(try await Self.payments(["import", "--channel", "shopee", file], state: state).stdout.contains("was imported before; nothing changed"))
        let copy = directory + "/income-again.xlsx"
        try Self.shopeeFile(Array(rows.reversed()), to: copy)
        let reimported = try await Self.payments(["import", "--channel", "shopee", copy], state: state)
        #expect(reimported.stdout.contains("0 new, 2 already known"), "\(reimported.transcript)")
        let third = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(third.stdout.contains("no payments to send"), "\(third.stdout)")
        let after = try SandboxBooks(sandbox)
        #expect(after.creditNotes.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-") }.count == 1)
        #expect(after.refunds.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-") }.count == 1)
        #expect(after.payments.count == books.payments.count)

        // The receipt task shows the credit note and the refund beside the receipt.
        let store = try StateStore(path: state)
        let task = try #require(try store.payoutDocuments().first?.taskID)
        let show = try await CLI.run(["tasks", "show", String(task), "--state", state])
        #expect(show.stdout.contains("  + creditnote shopee 2025-10-15 payout-2025-10-15 order 250912N4R7KD2M  300-S0001  2.00  completed  CN-"), "\(show.stdout)")
        #expect(show.stdout.contains("  + refund shopee 2025-10-15 payout-2025-10-15 order 250912N4R7KD2M  300-S0001  2.00  completed  CF-"), "\(show.stdout)")
        #expect(show.stdout.contains("1 credit note and 1 refund of negative payouts and channel charges"), "\(show.stdout)")
    }

    // MARK: Lazada

    /// September synced; a Lazada statement: LZD-ST-1008 settles SG-1000109 and SG-1000112 in full, LZD-ST-1015 only
    /// takes 3.50 back for SG-1000112 (a late commission adjustment): a payout with only a negative row.
    static func lazadaPayouts(_ directory: String, faults: String? = nil) async throws -> (ServedSandbox, String, String, [SettlementFixtureOrder], [String: Money]) {
        let sandbox = try ServedSandbox(directory: directory, faults: faults)
        let state = directory + "/state.sqlite"
        let sync = try await ReturnsCLITests.untilDone(["apply"] + Args.acme + Args.september + Args.asOf + ["--endpoint", sandbox.url, "--state", state])
        #expect(sync.last?.status == 0, "\(sync.map(\.transcript).joined(separator: "\n"))")
        let store = try StateStore(path: state)
        let paid = try #require(CalendarDate(parsing: "2025-10-08")), late = try #require(CalendarDate(parsing: "2025-10-15"))
        let fees: [SettlementFeeKind: Money] = [.commission: Money(minorUnits: 1_200), .transaction: Money(minorUnits: 250)]
        var invoices: [String: Money] = [:]
        var rows: [SettlementFixtureOrder] = []
        for orderID in ["SG-1000109", "SG-1000112"] {
            let (row, docamt) = try Self.settled(orderID, store: store, payoutDate: paid, fees: fees, statement: "LZD-ST-1008")
            rows.append(row)
            invoices[orderID] = docamt
        }
        let number = try #require(try store.order("SG-1000112")?.orderNumber)
        rows.append(SettlementFixtureOrder(number, payoutDate: late, gross: .zero, fees: [.commission: Money(minorUnits: 350)], statement: "LZD-ST-1015"))
        let file = directory + "/lazada.csv"
        try SettlementFixtures.lazadaStatementCSV(rows).write(toFile: file, atomically: true, encoding: .utf8)
        let imported = try await Self.payments(["import", "--channel", "lazada", file], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")
        return (sandbox, state, file, rows, invoices)
    }

    @Test func aNegativeLazadaPayoutWithNoReceiptIsACreditNoteAndRefund() async throws {
        let directory = try scratchDirectory("negpay-lazada")
        let (sandbox, state, file, rows, invoices) = try await Self.lazadaPayouts(directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(directory, payments: ["negative_payouts: credit_note"])

        let plan = try await Self.payments(["plan"], pack: pack, state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        PlanCLITests.expectGolden(plan.stdout, "payments-plan-negative-lazada.txt", replacing: directory)

        let apply = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("1 payment in SQL Accounting, 0 failed; 1 credit note, 1 refund in SQL Accounting, 0 failed"), "\(apply.stdout)")
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)

        // Exactly once: run again, import the same statement again.
        #expect(try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox).stdout.contains("no payments to send"))
        #expect(try await Self.payments(["import", "--channel", "lazada", file], state: state).stdout.contains("was imported before"))
        #expect(try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox).stdout.contains("no payments to send"))
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)
    }

    /// One receipt (LZD-ST-1008, both invoices in full), one credit note + refund of 3.50 (LZD-ST-1015, no receipt),
    /// the invoices owing nothing, and receipts − refunds = the statement's net, to the sen.
    static func expectLazadaBooks(_ sandbox: ServedSandbox, rows: [SettlementFixtureOrder], invoices: [String: Money],
                                  sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let books = try SandboxBooks(sandbox)
        #expect(books.payments.count == 1, "one receipt: LZD-ST-1015 has only a negative row", sourceLocation: sourceLocation)
        #expect(books.payments.first?["bankcharge"] as? String == "29.00", "2 × (12.00 + 2.50)", sourceLocation: sourceLocation)
        let notes = books.creditNotes.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-lazada-LZD-ST-1015-") }
        #expect(notes.count == 1 && notes.first?["docamt"] as? String == "3.50" && notes.first?["code"] as? String == "300-L0001", "\(notes)", sourceLocation: sourceLocation)
        let refunds = books.refunds.filter { ($0["docref1"] as? String ?? "").hasPrefix("LS-NP-") }
        #expect(refunds.count == 1 && refunds.first?["docamt"] as? String == "3.50" && refunds.first?["paymentmethod"] as? String == "310-LZD", "\(refunds)", sourceLocation: sourceLocation)
        for (orderID, _) in invoices {
            #expect(books.outstanding("LS-\(orderID)") == .zero, "\(orderID) is paid in full", sourceLocation: sourceLocation)
        }
        let net = rows.reduce(Money.zero) { $0 + $1.net }
        #expect(Self.cash(books) { $0.hasPrefix("LS-NP-") } == net, "receipts − refunds = the statement's net \(net)", sourceLocation: sourceLocation)
    }

    @Test("fault runs of a negative Lazada payout end with exactly one receipt, one credit note and one refund, and the same books", arguments: [
        "commit-drop=0.4,seed=31",
        "error500=0.2,ratelimit429=0.15,timeout=0.1,hold=3000,commit-drop=0.2,seed=32",
    ])
    func negativePayoutUnderFaults(faults: String) async throws {
        let directory = try scratchDirectory("negpay-faults")
        let (sandbox, state, _, rows, invoices) = try await Self.lazadaPayouts(directory, faults: faults)
        defer { sandbox.stop() }
        let pack = try Self.pack(directory, payments: ["negative_payouts: credit_note"])
        let runs = try await ReturnsCLITests.untilDone(["payments", "apply"] + pack + ["--state", state, "--endpoint", sandbox.url])
        #expect(runs.last?.status == 0, "\(runs.map(\.transcript).joined(separator: "\n"))")
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)
        let again = try await ReturnsCLITests.untilDone(["payments", "apply"] + pack + ["--state", state, "--endpoint", sandbox.url])
        #expect(again.last?.status == 0)
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)
    }

    @Test("a refund whose credit note is in SQL Accounting but whose run died before the refund is sent by the next payments apply, once")
    func anInterruptedPairResumes() async throws {
        let directory = try scratchDirectory("negpay-resume")
        let (sandbox, state, _, rows, invoices) = try await Self.lazadaPayouts(directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(directory, payments: ["negative_payouts: credit_note"])
        #expect(try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox).status == 0)
        // As if the run died after posting the refund, before its answer was recorded.
        let store = try StateStore(path: state)
        let refund = try #require(try store.payoutDocuments().first { !$0.isCreditNote })
        try store.transitionPayoutDocument(try #require(refund.id), to: .sending, attempt: nil, taskID: nil)
        let resumed = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(resumed.status == 0, "\(resumed.transcript)")
        #expect(resumed.stdout.contains("was left in doubt by an earlier run (sending)"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("was already in SQL Account: adopted"), "\(resumed.stdout)")
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)
    }

    @Test("a refund refused after its credit note was created is planned again with the pack as it is now and sent by the next payments apply, once")
    func aRefusedRefundIsSentOnceThePackIsFixed() async throws {
        let directory = try scratchDirectory("negpay-refused")
        let (sandbox, state, _, rows, invoices) = try await Self.lazadaPayouts(directory)
        defer { sandbox.stop() }
        let pack = try Self.pack(directory, payments: ["negative_payouts: credit_note"])
        let matching = directory + "/rules/acme-living/matching.yaml"
        let good = try String(contentsOfFile: matching, encoding: .utf8)
        #expect(good.contains("    lazada: 310-LZD\n"))
        try good.replacingOccurrences(of: "    lazada: 310-LZD\n", with: "    lazada: 310-BAD\n").write(toFile: matching, atomically: true, encoding: .utf8)
        let refused = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(refused.status == 1, "\(refused.transcript)")
        #expect(refused.stdout.contains("0 payments in SQL Accounting, 1 failed; 1 credit note, 0 refunds in SQL Accounting, 1 failed"), "\(refused.stdout)")

        try good.write(toFile: matching, atomically: true, encoding: .utf8)
        let plan = try await Self.payments(["plan"], pack: pack, state: state)
        #expect(plan.stdout.contains("  + refund lazada 2025-10-15 (LZD-ST-1015)  300-L0001  3.50  from 310-LZD  knocks off credit note LS-NP-lazada-LZD-ST-1015-"), "\(plan.stdout)")
        let fixed = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(fixed.status == 0, "\(fixed.transcript)")
        #expect(fixed.stdout.contains("1 payment in SQL Accounting, 0 failed; 0 credit notes, 1 refund in SQL Accounting, 0 failed"), "\(fixed.stdout)")
        try Self.expectLazadaBooks(sandbox, rows: rows, invoices: invoices)
        #expect(try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox).stdout.contains("no payments to send"))
    }

    // MARK: channel charges

    /// The example statement: four orders in two payouts, and a Sponsored Discovery top-up of 50.00 with no order in
    /// MY2025092201.
    static let statement = "examples/settlements/lazada-statement-2025-09.csv"

    @Test func anOrderlessLazadaFeeIsThePayoutsBankCharge() async throws {
        let directory = try scratchDirectory("charge-bank")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let imported = try await Self.payments(["import", "--channel", "lazada", Self.statement], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("4 settled orders and 1 channel charge, 5 new, 0 already known"), "\(imported.transcript)")
        let charge = try #require(try StateStore(path: state).settlementRows().first { $0.isChannelCharge })
        #expect(charge.netSen == -5_000 && charge.feesSen == 5_000 && charge.reference == "MY2025092201" && charge.payoutDate == "2025-09-24")

        let plan = try await Self.payments(["plan"], state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        PlanCLITests.expectGolden(plan.stdout, "payments-plan-channel-charge-bank.txt", replacing: directory)
        let apply = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("2 payments in SQL Accounting, 0 failed (task 2)"), "\(apply.stdout)")

        let books = try SandboxBooks(sandbox)
        let receipt = try #require(books.payments.first { $0["docdate"] as? String == "2025-09-24" })
        #expect(receipt["bankcharge"] as? String == "91.38", "the orders' 41.38 of fees + the 50.00 top-up")
        #expect(books.creditNotes.isEmpty && books.refunds.isEmpty)
        #expect(Self.cash(books) { _ in true } == Money(parsing: "1449.41"), "the statement's 1499.41 for orders less the 50.00 top-up")
        try Self.expectExampleInvoicesPaid(books)
        #expect(try await Self.payments(["apply"], state: state, sandbox: sandbox).stdout.contains("no payments to send"))
        #expect(try await Self.payments(["import", "--channel", "lazada", Self.statement], state: state).stdout.contains("was imported before"))
        #expect(try SandboxBooks(sandbox).payments.count == 2)
    }

    @Test func anOrderlessLazadaFeeIsAStoreLevelCreditNoteAndRefund() async throws {
        let directory = try scratchDirectory("charge-note")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let pack = try Self.pack(directory, payments: ["channel_charges: credit_note"])
        #expect(try await Self.payments(["import", "--channel", "lazada", Self.statement], state: state).status == 0)

        let plan = try await Self.payments(["plan"], pack: pack, state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        PlanCLITests.expectGolden(plan.stdout, "payments-plan-channel-charge-credit-note.txt", replacing: directory)
        let apply = try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("2 payments in SQL Accounting, 0 failed; 1 credit note, 1 refund in SQL Accounting, 0 failed"), "\(apply.stdout)")

        let books = try SandboxBooks(sandbox)
        let receipt = try #require(books.payments.first { $0["docdate"] as? String == "2025-09-24" })
        #expect(receipt["bankcharge"] as? String == "41.38", "the orders' fees only")
        let note = try #require(books.creditNotes.first)
        #expect(books.creditNotes.count == 1 && note["docref1"] as? String == "LS-CC-lazada-MY2025092201-20250924")
        #expect(note["docamt"] as? String == "50.00" && note["code"] as? String == "300-L0001" && note["docdate"] as? String == "2025-09-24")
        let lines = try #require(note["sdsdocdetail"] as? [[String: Any]])
        #expect(lines.first?["description"] as? String == "Channel charges: Sponsored Discovery - Top up 50.00", "\(lines)")
        let refund = try #require(books.refunds.first)
        #expect(books.refunds.count == 1 && refund["docref1"] as? String == "LS-CC-lazada-MY2025092201-20250924-F")
        #expect(refund["docamt"] as? String == "50.00" && refund["paymentmethod"] as? String == "310-LZD")
        #expect(Self.cash(books) { _ in true } == Money(parsing: "1449.41"), "receipts 1499.41 − refund 50.00")
        try Self.expectExampleInvoicesPaid(books)

        #expect(try await Self.payments(["apply"], pack: pack, state: state, sandbox: sandbox).stdout.contains("no payments to send"))
        #expect(try await Self.payments(["import", "--channel", "lazada", Self.statement], state: state).stdout.contains("was imported before"))
        let after = try SandboxBooks(sandbox)
        #expect(after.creditNotes.count == 1 && after.refunds.count == 1 && after.payments.count == 2)
    }

    /// Each knock-off of the example statement's receipts pays its invoice in full, once: every invoice owes 0.00.
    static func expectExampleInvoicesPaid(_ books: SandboxBooks, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        var knockOffs: [(docno: String, amount: Money)] = []
        for receipt in books.payments {
            for row in receipt["sdsknockoff"] as? [[String: Any]] ?? [] { knockOffs.append((row["docno"] as? String ?? "", money(row["koamt"]))) }
        }
        #expect(knockOffs.count == 4, "the four orders' invoices are knocked off", sourceLocation: sourceLocation)
        for (docno, amount) in knockOffs {
            let invoice = try #require(books.invoices.first { $0["docno"] as? String == docno }, sourceLocation: sourceLocation)
            let key = invoice["docref1"] as? String ?? ""
            #expect(amount == money(invoice["docamt"]) && books.outstanding(key) == .zero, "\(key) is paid in full, once", sourceLocation: sourceLocation)
        }
    }
}
