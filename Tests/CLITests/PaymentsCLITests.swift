import Foundation
import LedgerCore
import Settlements
import Spreadsheets
import StateStore
import Testing
import TestSupport

@Suite("ledgersync payments", .serialized)
struct PaymentsCLITests {
    static func payments(_ arguments: [String], state: String, sandbox: ServedSandbox? = nil) async throws -> CLI.Result {
        var extra = ["--state", state]
        if ["plan", "apply"].contains(arguments.first ?? "") { extra += Args.acme }
        if let sandbox, arguments.first == "apply" { extra += ["--endpoint", sandbox.url] }
        return try await CLI.run(["payments"] + arguments + extra, environment: ServedSandbox.keys)
    }

    /// Sen as SQL Account writes an amount: 39400 → "394.00".
    static func amount(_ sen: Int64) -> String { "\(sen / 100).\(String(format: "%02lld", sen % 100))" }

    @Test("synced invoices, a Shopee payout, a planned receipt applied once: every knocked-off invoice fully paid, to the sen")
    func payoutKnocksOffInvoices() async throws {
        let directory = try scratchDirectory("payments")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)

        // The payout of three synced Shopee orders and one the store never saw, with the marketplace's fees.
        let store = try StateStore(path: state)
        var rows: [StoredSettlementRow] = []
        var invoiceAmounts: [String: Int64] = [:]
        for (index, orderID) in ["SG-1000101", "SG-1000103", "SG-1000106"].enumerated() {
            let payload = try #require(try store.document(orderID: orderID)).payloadJSON
            let invoice = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            let docamt = try #require(invoice["docamt"] as? String)
            let sen = try #require(Int64(docamt.replacingOccurrences(of: ".", with: "")), "docamt \(docamt) has two decimals")
            invoiceAmounts[orderID] = sen
            rows.append(StoredSettlementRow(channel: "shopee", orderID: orderID, payoutDate: "2025-10-06", reference: "SPX-PAYOUT-1006", currency: "MYR",
                                            grossSen: sen, feesSen: 500 + Int64(index) * 100, netSen: sen - 500 - Int64(index) * 100,
                                            feeDetailJSON: "[]", source: "income.xlsx, Income, row \(7 + index)"))
        }
        rows.append(StoredSettlementRow(channel: "shopee", orderID: "SG-9999999", payoutDate: "2025-10-06", reference: "SPX-PAYOUT-1006", currency: "MYR",
                                        grossSen: 1_000, feesSen: 100, netSen: 900, feeDetailJSON: "[]", source: "income.xlsx, Income, row 10"))
        _ = try store.importSettlement(contentHash: "test-payout", name: "income.xlsx", channel: "shopee", rows: rows)
        let gross = invoiceAmounts.values.reduce(0, +)

        let plan = try await Self.payments(["plan"], state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("  + receipt Shopee payout 2025-10-06 (SPX-PAYOUT-1006)  300-S0001"), "\(plan.stdout)")
        #expect(plan.stdout.contains("bank charge 18.00"), "\(plan.stdout)")
        #expect(plan.stdout.contains("order SG-9999999 has no synced invoice"), "reported, not dropped: \(plan.stdout)")

        let apply = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("1 payment in SQL Accounting, 0 failed"), "\(apply.stdout)")

        // The sandbox's books: one receipt, each invoice knocked off by exactly its amount.
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let receipts = try #require((root["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])
        #expect(receipts.count == 1)
        let receipt = try #require(receipts.first)
        #expect(receipt["docamt"] as? String == Self.amount(gross))
        #expect(receipt["bankcharge"] as? String == "18.00")
        let knockOffs = try #require(receipt["sdsknockoff"] as? [[String: Any]])
        let invoices = try sandbox.invoices()
        for (orderID, sen) in invoiceAmounts {
            let docno = try #require(invoices.first { $0["docref1"] as? String == "LS-\(orderID)" }?["docno"] as? String)
            let paid = knockOffs.filter { $0["docno"] as? String == docno }.compactMap { $0["koamt"] as? String }
            #expect(paid == [Self.amount(sen)], "\(orderID) (\(docno)) fully paid")
        }

        let again = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(again.stdout.contains("no payments to send"), "\(again.stdout)")
        let list = try await Self.payments(["list"], state: state)
        #expect(list.stdout.contains("created"), "\(list.stdout)")
        #expect(try await Self.payments(["set-or", "1", "OR-2025-0001"], state: state).status == 0)
        #expect(try await Self.payments(["list"], state: state).stdout.contains("OR-2025-0001"))
    }

    @Test("a Lazada statement (CSV, ';', banner row, one row per fee) imported once, refused as Shopee, a broken one writes nothing; its payout pays the invoices")
    func lazadaStatementImport() async throws {
        let directory = try scratchDirectory("lazada")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let store = try StateStore(path: state)
        var orders: [SettlementFixtureOrder] = []
        for orderID in ["SG-1000102", "SG-1000109"] {
            let payload = try #require(try store.document(orderID: orderID)).payloadJSON
            let invoice = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            let docamt = try #require(invoice["docamt"] as? String)
            let gross = try #require(Money(parsing: docamt))
            let payoutDate = try #require(CalendarDate(parsing: "2025-10-08"))
            orders.append(SettlementFixtureOrder(orderID, payoutDate: payoutDate, gross: gross,
                                                 fees: [.commission: Money(minorUnits: 1_200), .transaction: Money(minorUnits: 250)], statement: "LZD-ST-1008"))
        }
        let file = directory + "/statement.csv"
        try SettlementFixtures.lazadaStatementCSV(orders).write(toFile: file, atomically: true, encoding: .utf8)
        let broken = directory + "/broken.csv"
        try SettlementFixtures.lazadaStatementCSV(orders, defects: [.badAmount(order: 0)]).write(toFile: broken, atomically: true, encoding: .utf8)

        let refused = try await Self.payments(["import", "--channel", "shopee", file], state: state)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("this looks like a Lazada statement"), "\(refused.transcript)")
        let bad = try await Self.payments(["import", "--channel", "lazada", broken], state: state)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("'12.3O' is not an amount"), "\(bad.transcript)")
        #expect(bad.stderr.contains("nothing was imported"))
        #expect(try store.settlementRows().isEmpty, "an import with errors writes nothing")

        let imported = try await Self.payments(["import", "--channel", "lazada", file, "--preview"], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("2 settled orders, 2 new, 0 already known"), "\(imported.stdout)")
        let again = try await Self.payments(["import", "--channel", "lazada", file], state: state)
        #expect(again.stdout.contains("was imported before; nothing changed"), "\(again.stdout)")

        let apply = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let receipt = try #require(((root["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])?.first)
        #expect(receipt["paymentmethod"] as? String == "310-LZD")
        #expect(receipt["bankcharge"] as? String == "29.00", "2 × (12.00 commission + 2.50 payment fee)")
        let paid = (receipt["sdsknockoff"] as? [[String: Any]] ?? []).compactMap { $0["koamt"] as? String }
        #expect(paid == orders.map(\.gross.description))
    }

    @Test("a Shopee income report as an xlsx workbook (banner rows, negative fees) is read by content and imported; as TikTok it is refused")
    func shopeeWorkbookImport() async throws {
        let directory = try scratchDirectory("shopee-xlsx")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let payoutDate = try #require(CalendarDate(parsing: "2025-10-06"))
        let source = SettlementFixtures.shopeeIncome([
            SettlementFixtureOrder("SG-1000101", payoutDate: payoutDate, gross: Money(minorUnits: 39_400), fees: [.commission: Money(minorUnits: 2_364), .transaction: Money(minorUnits: 788)]),
        ])
        // The workbook as Shopee writes it: numbers as numbers, everything else as text.
        let sheets = source.sheets.map { sheet in
            (name: sheet.name, rows: sheet.rows.map { row in
                row.cells.map { cell -> SheetValue in
                    if cell.isEmpty { return .empty }
                    return Double(cell) != nil && !cell.contains("e") ? .number(cell) : .string(cell)
                }
            })
        }
        let file = directory + "/Income.released.my.xlsx.download"
        try SpreadsheetWriter.writeXLSX(path: file, sheets: sheets)

        let refused = try await Self.payments(["import", "--channel", "tiktok", file], state: state)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("this looks like a Shopee income report"), "\(refused.transcript)")
        let imported = try await Self.payments(["import", "--channel", "shopee", file], state: state)
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stdout.contains("1 settled order, 1 new"), "\(imported.stdout)")
        let plan = try await Self.payments(["plan"], state: state)
        #expect(plan.stdout.contains("knock off 2509014EAM4Y3J  (order SG-1000101)  394.00"), "\(plan.stdout)")
        #expect(plan.stdout.contains("bank charge 31.52"), "\(plan.stdout)")
    }
}

