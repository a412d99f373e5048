import Foundation
import LedgerCore
import Settlements
import Spreadsheets
import StateStore
import Testing
import TestSupport
import SettlementTestFixtures

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

        // A run killed between its POST and recording the answer leaves the receipt `sending`: the next apply
        // looks it up by docref1 and adopts it, never posting a second one.
        try store.transitionPayment(1, to: .sending)
        let resumed = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(resumed.status == 0, "\(resumed.transcript)")
        #expect(resumed.stdout.contains("  ? shopee 2025-10-06 SPX-PAYOUT-1006: payment 1 was left in doubt by an earlier run (sending); it is looked up and completed as sent"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("was already in SQL Account: adopted"), "\(resumed.stdout)")
        let books = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let after = try #require(try JSONSerialization.jsonObject(with: books) as? [String: Any])
        #expect(((after["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])?.count == 1)
        #expect(try store.payment(1)?.state == .created)

        let list = try await Self.payments(["list"], state: state)
        #expect(list.stdout.contains("created"), "\(list.stdout)")
        #expect(try await Self.payments(["set-or", "1", "OR-2025-0001"], state: state).status == 0)
        #expect(try await Self.payments(["list"], state: state).stdout.contains("OR-2025-0001"))
    }

    /// Platform shipping discounts of the example orders (examples/orders/2025-09.jsonl `shipping.platform_discount`):
    /// Shopee passes them on as "Shipping Rebate From Shopee".
    static let platformShippingDiscount: [String: Int64] = ["SG-1000101": 1_500]

    @Test("orders with shipping applied, Lazada and Shopee statements with buyer-paid shipping imported, payments applied: every invoice's outstanding in the sandbox is 0.00")
    func buyerPaidShippingPaysTheInvoice() async throws {
        let directory = try scratchDirectory("shipping")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let store = try StateStore(path: state)
        let payoutDate = try #require(CalendarDate(parsing: "2025-10-08"))

        /// The settled order of a synced invoice: its items, and its shipping line as the buyer's payment plus the platform's rebate.
        func settled(_ orderID: String, fees: [SettlementFeeKind: Money], statement: String? = nil) throws -> SettlementFixtureOrder {
            let payload = try #require(try store.document(orderID: orderID)).payloadJSON
            let invoice = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            let docamtText = try #require(invoice["docamt"] as? String)
            let docamt = try #require(Money(parsing: docamtText))
            let lines = try #require(invoice["sdsdocdetail"] as? [[String: Any]])
            let shippingLine = try #require(lines.first { $0["itemcode"] as? String == "SHIPPING" }, "\(orderID) bills its shipping")
            let shippingText = try #require(shippingLine["amount"] as? String)
            let shipping = try #require(Money(parsing: shippingText))
            #expect(shipping != .zero, "\(orderID)")
            let platform = Money(minorUnits: Self.platformShippingDiscount[orderID] ?? 0)
            let number = try #require(try store.order(orderID)?.orderNumber)
            return SettlementFixtureOrder(number, payoutDate: payoutDate, gross: docamt - shipping, fees: fees,
                                          shipping: platform == .zero ? [.buyer: shipping] : [.buyer: shipping - platform, .platform: platform], statement: statement)
        }
        let logistics: [SettlementFeeKind: Money] = [.commission: Money(minorUnits: 1_200), .transaction: Money(minorUnits: 250), .shipping: Money(minorUnits: 490)]
        let lazada = try ["SG-1000109", "SG-1000112"].map { try settled($0, fees: logistics, statement: "LZD-ST-1008") }
        let shopee = try ["SG-1000101", "SG-1000106", "SG-1000135"].map { try settled($0, fees: logistics) }

        let lazadaFile = directory + "/lazada.csv"
        try SettlementFixtures.lazadaStatementCSV(lazada).write(toFile: lazadaFile, atomically: true, encoding: .utf8)
        let shopeeFile = directory + "/income.xlsx"
        let sheets = SettlementFixtures.shopeeIncome(shopee).sheets.map { sheet in
            (name: sheet.name, rows: sheet.rows.map { row in
                row.cells.map { cell -> SheetValue in
                    if cell.isEmpty { return .empty }
                    return Double(cell) != nil && !cell.contains("e") ? .number(cell) : .string(cell)
                }
            })
        }
        try SpreadsheetWriter.writeXLSX(path: shopeeFile, sheets: sheets)
        for (channel, file) in [("lazada", lazadaFile), ("shopee", shopeeFile)] {
            let previewed = try await Self.payments(["import", "--channel", channel, file, "--preview"], state: state)
            #expect(previewed.status == 0, "\(previewed.transcript)")
            #expect(previewed.stdout.contains("Shipping paid"), "the preview shows the buyer-paid shipping: \(previewed.stdout)")
            let imported = try await Self.payments(["import", "--channel", channel, file], state: state)
            #expect(imported.status == 0, "\(imported.transcript)")
        }

        let apply = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("2 payments in SQL Accounting, 0 failed"), "\(apply.stdout)")
        #expect(!apply.stdout.contains("differs from invoice"), "\(apply.stdout)")

        // The sandbox's books: each invoice's docamt less everything knocked off it.
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let receipts = try #require((root["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])
        var knockedOff: [String: Money] = [:]
        for receipt in receipts {
            for row in receipt["sdsknockoff"] as? [[String: Any]] ?? [] where row["knockoff"] as? Bool != false {
                knockedOff[row["docno"] as? String ?? "", default: .zero] += Money(parsing: row["koamt"] as? String ?? "") ?? .zero
            }
        }
        let invoices = try sandbox.invoices()
        for orderID in ["SG-1000109", "SG-1000112", "SG-1000101", "SG-1000106", "SG-1000135"] {
            let invoice = try #require(invoices.first { $0["docref1"] as? String == "LS-\(orderID)" })
            let docno = try #require(invoice["docno"] as? String)
            let docamt = try #require(Money(parsing: invoice["docamt"] as? String ?? ""))
            #expect((docamt - (knockedOff[docno] ?? .zero)).description == "0.00", "\(orderID) (\(docno)) outstanding")
        }
        // The logistics provider's charges stay in the bank charge: 2 + 3 orders × (12.00 + 2.50 + 4.90).
        let bankCharges = receipts.compactMap { $0["bankcharge"] as? String }.sorted()
        #expect(bankCharges == ["38.80", "58.20"], "\(bankCharges)")
        let payouts = receipts.map { (Money(parsing: $0["docamt"] as? String ?? "") ?? .zero) - (Money(parsing: $0["bankcharge"] as? String ?? "") ?? .zero) }
        #expect(payouts.reduce(.zero, +) == (lazada + shopee).reduce(Money.zero) { $0 + $1.net }, "the bank gets the payouts, to the sen")
    }

    /// The file's bytes and their FNV-1a hash, to tell that it is byte-identical later.
    static func snapshot(_ path: String) throws -> (bytes: Data, hash: String) {
        let data = try #require(FileManager.default.contents(atPath: path), "\(path) is readable")
        return (data, try #require(ContentHash.hex(fileAt: path)?.hex))
    }

    @Test("payments import --preview and --dry-run write nothing: no state store is created, an existing one (open elsewhere or not) stays byte-identical, and the preview says which rows are new and which known — as the import then does")
    func previewWritesNothing() async throws {
        let directory = try scratchDirectory("preview")
        let state = directory + "/state.sqlite"
        let statement = Golden.packageRoot + "/examples/settlements/lazada-statement-2025-09.csv"

        // No state store: none is created, and no -wal/-shm or lock file beside it.
        for flag in ["--preview", "--dry-run"] {
            let result = try await Self.payments(["import", "--channel", "lazada", statement, flag], state: state)
            #expect(result.status == 0, "\(result.transcript)")
            #expect(result.stdout.contains("preview: importing \(statement) would record 4 settled orders and 1 channel charge, 5 new, 0 already known; 4 warnings — nothing was written (no state store at \(state) was created)"), "\(result.stdout)")
            #expect(result.stdout.contains("Import\n"), "the table says what importing each row would do: \(result.stdout)")
            #expect(result.stderr.contains("warning: order 157683824297273 is not in the state store"), "\(result.transcript)")
            let created = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(created.isEmpty, "\(flag) created \(created)")
        }

        // A store holding the first week of the statement (its first two orders).
        let lines = try String(contentsOfFile: statement, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let firstWeek = directory + "/first-week.csv"
        try (lines.prefix(9).joined(separator: "\n") + "\n").write(toFile: firstWeek, atomically: true, encoding: .utf8)
        let seeded = try await Self.payments(["import", "--channel", "lazada", firstWeek], state: state)
        #expect(seeded.stdout.contains("2 settled orders, 2 new, 0 already known"), "\(seeded.transcript)")
        let broken = directory + "/broken.csv"
        try (lines.prefix(9).joined(separator: "\n").replacingOccurrences(of: ";647.20;", with: ";647.2O;") + "\n").write(toFile: broken, atomically: true, encoding: .utf8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["broken.csv", "first-week.csv", "state.sqlite"], "\(files)")
        let before = try Self.snapshot(state)

        let overlapping = try await Self.payments(["import", "--channel", "lazada", statement, "--preview"], state: state)
        #expect(overlapping.status == 0, "\(overlapping.transcript)")
        #expect(overlapping.stdout.contains("would record 4 settled orders and 1 channel charge, 3 new, 2 already known; 4 warnings — nothing was written to \(state)"), "\(overlapping.stdout)")
        let marks = overlapping.stdout.split(separator: "\n").filter { $0.contains(" 2025-09-") }.map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(marks == ["known", "known", "new", "new", "new"], "the orders, then the top-up: \(overlapping.stdout)")
        let again = try await Self.payments(["import", "--channel", "lazada", firstWeek, "--dry-run"], state: state)
        #expect(again.stdout.contains("preview: \(firstWeek) was imported before; importing it again changes nothing — nothing was written"), "\(again.stdout)")
        let refused = try await Self.payments(["import", "--channel", "lazada", broken, "--preview"], state: state)
        #expect(refused.status == 1, "\(refused.transcript)")
        #expect(refused.stderr.contains("1 error; an import would write nothing (preview: nothing was written)"), "\(refused.transcript)")
        let after = try Self.snapshot(state)
        #expect(after.hash == before.hash && after.bytes == before.bytes, "a preview changed the state store")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == files, "a preview left files beside the store")

        // With the store open elsewhere (here, in this process: its -wal and -shm files exist), a preview reads through
        // them and changes neither the store nor its write-ahead log.
        do {
            let open = try StateStore(path: state)
            #expect(try open.settlementRows().count == 2)
            let (store, log) = (try Self.snapshot(state), try Self.snapshot(state + "-wal"))
            let read = try await Self.payments(["import", "--channel", "lazada", statement, "--preview"], state: state)
            #expect(read.stdout.contains("3 new, 2 already known"), "the top-up is new too: \(read.transcript)")
            #expect(try Self.snapshot(state).bytes == store.bytes, "a preview changed the state store")
            #expect(try Self.snapshot(state + "-wal").bytes == log.bytes, "a preview wrote to the write-ahead log")
            #expect(try open.settlementRows().count == 2, "no rows were added by a preview")
        }

        // The import itself does what the preview said.
        let imported = try await Self.payments(["import", "--channel", "lazada", statement], state: state)
        #expect(imported.stdout.contains("imported \(statement): 4 settled orders and 1 channel charge, 3 new, 2 already known; 4 warnings"), "\(imported.transcript)")
    }

    @Test("the example Lazada statement imports its 4 orders and keeps the account-level top-up as its payout's channel charge")
    func exampleStatement() async throws {
        let directory = try scratchDirectory("example-statement")
        let state = directory + "/state.sqlite"
        let result = try await Self.payments(["import", "--channel", "lazada", "examples/settlements/lazada-statement-2025-09.csv"], state: state)
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout.contains("4 settled orders and 1 channel charge, 5 new, 0 already known"), "\(result.transcript)")
        #expect(!result.stderr.contains("Sponsored Discovery"), "kept, not warned about at import: \(result.transcript)")
        let rows = try StateStore(path: state).settlementRows()
        #expect(rows.map(\.orderID) == ["157683824297273", "208424197744536", "257040098306646", "279992949597803", ""])
        #expect(rows.filter { !$0.isChannelCharge }.reduce(Int64(0)) { $0 + $1.netSen } == 149_941, "net 1499.41 to the sen")
        #expect(rows.first(where: \.isChannelCharge)?.netSen == -5_000)
    }

    @Test("a statement that turns unreadable half-way (a Latin-1 byte after 64 KiB of good rows) imports nothing")
    func unreadableHalfWay() async throws {
        let directory = try scratchDirectory("half-way")
        let state = directory + "/state.sqlite"
        let file = directory + "/statement.csv"
        var bytes = Array(SettlementFixtures.lazadaStatementCSV(SettlementFixtures.sampleOrders(count: 400)).utf8)
        #expect(bytes.count > 64 * 1024, "the bad byte must lie beyond what the reader sniffs")
        let lastLine = try #require(bytes.dropLast().lastIndex(of: UInt8(ascii: "\n")))
        bytes.insert(0xE9, at: lastLine + 20)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let result = try await Self.payments(["import", "--channel", "lazada", file], state: state)
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stderr.contains("the file could not be read to the end, so nothing was imported"), "\(result.transcript)")
        #expect(try StateStore(path: state).settlementRows().isEmpty)
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
            // Statements name orders by Lazada's order number, not the omnichannel id.
            let orderNumber = try #require(try store.order(orderID)?.orderNumber)
            orders.append(SettlementFixtureOrder(orderNumber, payoutDate: payoutDate, gross: gross,
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

        let previewed = try await Self.payments(["import", "--channel", "lazada", file, "--preview"], state: state)
        #expect(previewed.stdout.contains("would record 2 settled orders, 2 new, 0 already known; 0 warnings — nothing was written to "), "\(previewed.stdout)")
        #expect(try store.settlementRows().isEmpty, "a preview writes nothing")
        let imported = try await Self.payments(["import", "--channel", "lazada", file], state: state)
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
        let knockOffs = receipt["sdsknockoff"] as? [[String: Any]] ?? []
        #expect(knockOffs.compactMap { $0["koamt"] as? String } == orders.map(\.gross.description))
        let invoices = try sandbox.invoices()
        let expectedDocnos = ["SG-1000102", "SG-1000109"].map { id in invoices.first { $0["docref1"] as? String == "LS-\(id)" }?["docno"] as? String }
        #expect(knockOffs.map { $0["docno"] as? String } == expectedDocnos, "each order number found its own invoice")
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

    @Test("--paid-amount: one receipt only; the plan shows the entered figure; apply sends docamt = paid + bank charge, the surplus unapplied or the last invoice partly paid; payments show lists every request; a sent receipt is never changed")
    func enteredPaidAmount() async throws {
        let directory = try scratchDirectory("paid-amount")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)

        // Two payouts: SG-1000101 and SG-1000103 on 2025-10-06 (fees 5.00 each), SG-1000106 on 2025-10-13 (fees 3.00).
        let store = try StateStore(path: state)
        var invoiceSen: [String: Int64] = [:]
        var rows: [StoredSettlementRow] = []
        for (orderID, date, reference, fees) in [("SG-1000101", "2025-10-06", "SPX-1006", Int64(500)), ("SG-1000103", "2025-10-06", "SPX-1006", 500),
                                                 ("SG-1000106", "2025-10-13", "SPX-1013", 300)] {
            let payload = try #require(try store.document(orderID: orderID)).payloadJSON
            let invoice = try #require(try JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any])
            let docamt = try #require(invoice["docamt"] as? String)
            let sen = try #require(Money(parsing: docamt)).minorUnits
            invoiceSen[orderID] = sen
            rows.append(StoredSettlementRow(channel: "shopee", orderID: orderID, payoutDate: date, reference: reference, currency: "MYR",
                                            grossSen: sen, feesSen: fees, netSen: sen - fees, feeDetailJSON: "[]", source: "income.xlsx, Income"))
        }
        _ = try store.importSettlement(contentHash: "two-payouts", name: "income.xlsx", channel: "shopee", rows: rows)
        let firstGross = (invoiceSen["SG-1000101"] ?? 0) + (invoiceSen["SG-1000103"] ?? 0)
        let settled = firstGross - 1_000
        let paid = settled + 500

        // Two receipts match: refused, each listed, nothing sent.
        let ambiguous = try await Self.payments(["plan", "--paid-amount", Self.amount(paid)], state: state)
        #expect(ambiguous.status == 1, "\(ambiguous.transcript)")
        #expect(ambiguous.stdout.contains("--paid-amount \(Self.amount(paid)) is for exactly one receipt, but the selection matches 2: shopee 2025-10-06 SPX-1006 (customer 300-S0001, settlement payout \(Self.amount(settled))); shopee 2025-10-13 SPX-1013"), "\(ambiguous.stdout)")
        #expect(ambiguous.stdout.contains("narrow it with --channel, --from and --to; nothing is sent"), "\(ambiguous.stdout)")
        let refusedApply = try await Self.payments(["apply", "--paid-amount", Self.amount(paid)], state: state, sandbox: sandbox)
        #expect(refusedApply.status == 1)
        #expect(try store.payments().isEmpty, "nothing staged")

        // Not an exact amount: refused by name before anything is read.
        let bad = try await Self.payments(["plan", "--paid-amount", "1,234.50"], state: state)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--paid-amount must be an amount like 1234.50"), "\(bad.transcript)")
        #expect(bad.stderr.contains("found '1,234.50'"), "\(bad.transcript)")
        #expect(try await Self.payments(["plan", "--paid-amount", "12.345"], state: state).stderr.contains("found '12.345'"))
        #expect(try await Self.payments(["plan", "--paid-amount", "0"], state: state).stderr.contains("must be more than 0.00"))

        // Narrowed to the first payout: the entered figure, the settlement's beside it, the difference warned.
        let first = ["--from", "2025-10-06", "--to", "2025-10-06"]
        let plan = try await Self.payments(["plan"] + first + ["--paid-amount", Self.amount(paid)], state: state)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("docamt \(Self.amount(firstGross + 500))  bank charge 10.00  → bank: paid \(Self.amount(paid)) (entered; settlement says \(Self.amount(settled)))"), "\(plan.stdout)")
        #expect(plan.stdout.contains("unapplied 5.00"), "\(plan.stdout)")
        #expect(plan.stdout.contains("the entered paid amount \(Self.amount(paid)) differs from the settlement's payout \(Self.amount(settled)) — 5.00 more reached the bank"), "\(plan.stdout)")
        let json = try JSON.object(try await Self.payments(["plan"] + first + ["--paid-amount", Self.amount(paid), "--format", "json"], state: state).stdout, "plan --format json")
        let planned = try #require((json["payments"] as? [[String: Any]])?.first)
        #expect(planned["paid"] as? String == Self.amount(paid))
        #expect(planned["paid_source"] as? String == "entered")
        #expect(planned["settlement_payout"] as? String == Self.amount(settled))
        #expect(planned["unapplied"] as? String == "5.00")
        let unentered = try JSON.object(try await Self.payments(["plan"] + first + ["--format", "json"], state: state).stdout, "plan --format json")
        let settlementPlan = try #require((unentered["payments"] as? [[String: Any]])?.first)
        #expect(settlementPlan["paid_source"] as? String == "settlement")
        #expect(planned["docref1"] as? String == settlementPlan["docref1"] as? String, "the docref1 names the payout, whatever was paid")

        let apply = try await Self.payments(["apply"] + first + ["--paid-amount", Self.amount(paid)], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("1 payment in SQL Accounting, 0 failed"), "\(apply.stdout)")

        // The second payout with less than its invoice: knocked off only as far as the money goes.
        let second = ["--channel", "shopee", "--from", "2025-10-13"]
        let short = try await Self.payments(["apply"] + second + ["--paid-amount", "20.00"], state: state, sandbox: sandbox)
        #expect(short.status == 0, "\(short.transcript)")
        let lastInvoice = invoiceSen["SG-1000106"] ?? 0
        #expect(short.stdout.contains("still outstanding: "), "\(short.stdout)")
        #expect(short.stdout.contains(" (order SG-1000106) \(Self.amount(lastInvoice - 2_300)) (23.00 of \(Self.amount(lastInvoice)) knocked off)"), "\(short.stdout)")

        // The sandbox's books: each receipt's docamt is what was entered plus the fees, the rest as planned.
        let data = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let receipts = try #require((root["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])
        #expect(receipts.count == 2)
        let over = try #require(receipts.first { $0["docdate"] as? String == "2025-10-06" })
        #expect(over["docamt"] as? String == Self.amount(firstGross + 500))
        #expect(over["bankcharge"] as? String == "10.00")
        #expect(over["unappliedamt"] as? String == "5.00")
        #expect((over["sdsknockoff"] as? [[String: Any]] ?? []).compactMap { $0["koamt"] as? String }
                == [Self.amount(invoiceSen["SG-1000101"] ?? 0), Self.amount(invoiceSen["SG-1000103"] ?? 0)])
        let under = try #require(receipts.first { $0["docdate"] as? String == "2025-10-13" })
        #expect(under["docamt"] as? String == "23.00")
        #expect(under["bankcharge"] as? String == "3.00")
        #expect(under["unappliedamt"] as? String == "0.00")
        #expect((under["sdsknockoff"] as? [[String: Any]] ?? []).compactMap { $0["koamt"] as? String } == ["23.00"])

        // Every request is on record, as for invoices.
        let show = try await Self.payments(["show", "1"], state: state)
        #expect(show.status == 0, "\(show.transcript)")
        #expect(show.stdout.contains("sync attempts (1):"), "\(show.stdout)")
        #expect(show.stdout.contains("  POST /customerpayment\n"), "\(show.stdout)")
        #expect(show.stdout.contains("docamt=\(Self.amount(firstGross + 500)) 2 knock-offs"), "\(show.stdout)")
        #expect(show.stdout.contains("outcome:   created at "), "\(show.stdout)")
        let shown = try JSON.object(try await Self.payments(["show", "1", "--format", "json"], state: state).stdout, "payments show --format json")
        let attempts = try #require(shown["attempts"] as? [[String: Any]])
        #expect(attempts.map { $0["outcome"] as? String } == ["created"])
        #expect(attempts.first?["request_method"] as? String == "POST")
        #expect(attempts.first?["response_status"] as? Int == 200)

        // Entering another amount for a payout already in SQL Accounting changes nothing there, and says so.
        let again = try await Self.payments(["apply"] + first + ["--paid-amount", "1.00"], state: state, sandbox: sandbox)
        #expect(again.status == 1)
        #expect(again.stdout.contains("shopee payout 2025-10-06 (SPX-1006): payment 1 is already in SQL Accounting as "), "\(again.stdout)")
        #expect(again.stdout.contains("--paid-amount never re-sends or changes a sent receipt"), "\(again.stdout)")
        let afterData = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let after = try #require(try JSONSerialization.jsonObject(with: afterData) as? [String: Any])
        #expect(((after["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])?.count == 2)

        // A late order for that payout (an overlapping report) makes the same docref1: reported, not sent, not marked paid.
        let lateDocument = try #require(try store.document(orderID: "SG-1000111")).payloadJSON
        let lateInvoice = try #require(try JSONSerialization.jsonObject(with: Data(lateDocument.utf8)) as? [String: Any])
        let lateAmount = try #require(lateInvoice["docamt"] as? String)
        let lateSen = try #require(Money(parsing: lateAmount)).minorUnits
        _ = try store.importSettlement(contentHash: "late-row", name: "income-2.xlsx", channel: "shopee", rows: [
            StoredSettlementRow(channel: "shopee", orderID: "SG-1000111", payoutDate: "2025-10-06", reference: "SPX-1006", currency: "MYR",
                                grossSen: lateSen, feesSen: 0, netSen: lateSen, feeDetailJSON: "[]", source: "income-2.xlsx, Income")])
        let late = try await Self.payments(["apply"], state: state, sandbox: sandbox)
        #expect(late.status == 1, "\(late.transcript)")
        #expect(late.stdout.contains("  ! shopee 2025-10-06 SPX-1006: payment 1 is already in SQL Accounting as "), "\(late.stdout)")
        #expect(late.stdout.contains("it is not sent again and not changed"), "\(late.stdout)")
        #expect(try store.payment(1)?.payloadJSON.contains("\"docamt\":\"\(Self.amount(firstGross + 500))\"") == true, "the sent receipt is kept as sent")
        #expect(try store.settlementRows(unpaidOnly: true).map(\.orderID) == ["SG-1000111"], "the late order is still unpaid")
        let lateData = try #require(FileManager.default.contents(atPath: sandbox.statePath))
        let lateRoot = try #require(try JSONSerialization.jsonObject(with: lateData) as? [String: Any])
        #expect(((lateRoot["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]])?.count == 2)
    }
}

extension ServedSandbox {
    /// The customer payments (receipts) the sandbox holds now.
    func receipts() throws -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: statePath) else { return [] }
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return ((root["customerpayment"] as? [String: Any])?["records"] as? [[String: Any]]) ?? []
    }

    func receipt(_ docno: String) throws -> [String: Any] {
        try #require(try receipts().first { $0["docno"] as? String == docno }, "receipt \(docno) in the sandbox")
    }
}

/// Receipts as tasks (issue 17 part 4): `payments apply` makes a receipt task, `tasks list|show` show it beside the invoice
/// tasks, and the O/R number recorded with `payments set-or` reaches SQL Account's receipt exactly once.
@Suite("ledgersync payments: receipt tasks and O/R numbers", .serialized)
struct ReceiptTaskCLITests {
    static let statement = "examples/settlements/lazada-statement-2025-09.csv"

    /// The September orders synced, the example Lazada statement imported and its two receipts sent in task 2: payment 1
    /// (2025-09-17) and payment 2 (2025-09-24), numbered OR-00001 and OR-00002 in whichever order SQL saved them — the
    /// SQL numbers of payments 1 and 2 are returned.
    static func receiptsSent(_ name: String) async throws -> (ServedSandbox, String, String, [String]) {
        let directory = try scratchDirectory(name)
        let sandbox = try ServedSandbox(directory: directory)
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        #expect(try await PaymentsCLITests.payments(["import", "--channel", "lazada", statement], state: state).status == 0)
        let apply = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("2 payments in SQL Accounting, 0 failed (task 2)\n"), "\(apply.stdout)")
        let docnos = try StateStore(path: state).payments().map { $0.remoteDocno ?? "" }
        #expect(docnos.sorted() == ["OR-00001", "OR-00002"])
        return (sandbox, state, directory, docnos)
    }

    static func tasks(_ arguments: [String], state: String, _ extra: [String] = []) async throws -> CLI.Result {
        try await CLI.run(["tasks"] + arguments + ["--state", state] + extra, environment: ServedSandbox.keys)
    }

    @Test("a receipt task in tasks list and tasks show (kind, payment, payout, status, SQL receipt, O/R number); retry, edit, remove and --cancel-remote refuse it saying what to do; delete has the next payments apply look its receipts up again")
    func receiptTaskInTheTaskViews() async throws {
        let (sandbox, state, _, docnos) = try await Self.receiptsSent("receipt-task")
        defer { sandbox.stop() }

        let list = try await Self.tasks(["list"], state: state)
        #expect(list.status == 0, "\(list.transcript)")
        let rows = list.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first.map { [$0[0], $0[1]] + $0.dropFirst(4) } == ["2", "receipts", "completed", "2", "2", "0", "0"], "\(list.stdout)")
        #expect(rows.dropFirst().first.map { [$0[0], $0[1]] + $0.dropFirst(4) } == ["1", "invoices", "completed", "51", "51", "0", "0"], "\(list.stdout)")
        let listed = try JSON.object(try await Self.tasks(["list", "--format", "json"], state: state).stdout, "tasks list --format json")
        let tasks = try #require(listed["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["kind"] as? String } == ["receipts", "invoices"])
        #expect(tasks.first?["receipts"] as? Int == 2 && tasks.first?["completed"] as? Int == 2)

        let show = try await Self.tasks(["show", "2"], state: state)
        #expect(show.status == 0, "\(show.transcript)")
        #expect(show.stdout.hasPrefix("task 2 (receipts): completed, created "), "\(show.stdout)")
        #expect(show.stdout.contains("PAYMENT  PAYOUT                          CUSTOMER   STATUS     SQL RECEIPT  O/R NO\n"), "\(show.stdout)")
        #expect(show.stdout.contains("      1  lazada 2025-09-17 MY2025091501  300-L0001  completed  \(docnos[0])     -\n"), "\(show.stdout)")
        #expect(show.stdout.contains("      2  lazada 2025-09-24 MY2025092201  300-L0001  completed  \(docnos[1])     -\n"), "\(show.stdout)")
        #expect(show.stdout.hasSuffix("2 receipts: 2 completed\n"), "\(show.stdout)")
        let shown = try JSON.object(try await Self.tasks(["show", "2", "--format", "json"], state: state).stdout, "tasks show --format json")
        let receipts = try #require(shown["receipts"] as? [[String: Any]])
        #expect(receipts.map { $0["sql_docno"] as? String } == docnos)
        #expect(receipts.map { $0["status"] as? String } == ["completed", "completed"])
        #expect((shown["task"] as? [String: Any])?["kind"] as? String == "receipts")
        let payments = try JSON.object(try await PaymentsCLITests.payments(["list", "--format", "json"], state: state).stdout, "payments list --format json")
        #expect((payments["payments"] as? [[String: Any]])?.map { $0["task_id"] as? Int } == [2, 2])

        // The invoice-task operations refuse a receipt task, each saying what does the job for receipts.
        let retry = try await Self.tasks(["retry", "2"], state: state, Args.acme + ["--endpoint", sandbox.url])
        #expect(retry.status == 1)
        #expect(retry.stderr.contains("task 2 holds receipts (customer payments), not invoices; `tasks retry` transforms orders again — send its failed receipts and O/R numbers again with `ledgersync payments apply`"), "\(retry.transcript)")
        let edit = try await Self.tasks(["edit", "2", "1", "--set", "agent=ALI"], state: state, Args.acme)
        #expect(edit.status == 1)
        #expect(edit.stderr.contains("`tasks edit` edits a failed order's invoice fields — a receipt is built from the settlement and the pack's payments settings"), "\(edit.transcript)")
        let remove = try await Self.tasks(["remove", "2", "1"], state: state)
        #expect(remove.status == 1)
        #expect(remove.stderr.contains("a receipt is not taken out of its task"), "\(remove.transcript)")
        let cancel = try await Self.tasks(["delete", "2", "--cancel-remote"], state: state, Args.acme + ["--endpoint", sandbox.url])
        #expect(cancel.status == 1)
        #expect(cancel.stderr.contains("--cancel-remote cancels invoices only — cancelling a receipt reopens the invoices it knocks off"), "\(cancel.transcript)")
        #expect(try await Self.tasks(["show", "2"], state: state).status == 0, "the task is still there")

        // delete: the receipts stay in SQL Accounting; the next payments apply looks them up and adopts them, sends nothing new.
        let delete = try await Self.tasks(["delete", "2"], state: state)
        #expect(delete.status == 0, "\(delete.transcript)")
        #expect(delete.stdout.contains("deleted task 2 (receipts): 2 receipts it sent stay in SQL Accounting; the next `ledgersync payments apply` looks each up by docref1 again"), "\(delete.stdout)")
        #expect(try await Self.tasks(["show", "2"], state: state).status == 1)
        let again = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(again.status == 0, "\(again.transcript)")
        #expect(again.stdout.contains("  = lazada 2025-09-17 MY2025091501 → \(docnos[0]) was already in SQL Account: adopted\n"), "\(again.stdout)")
        #expect(again.stdout.contains("2 payments in SQL Accounting, 0 failed (task 3)\n"), "\(again.stdout)")
        #expect(try sandbox.receipts().count == 2, "no second receipt")
    }

    @Test("set-or, then payments apply puts the O/R number on the receipt in the sandbox (docref2) exactly once: a second run sends nothing, a lost answer is not sent again, an edit made in SQL Accounting is not overwritten")
    func receiptNumberReachesSQLAccountOnce() async throws {
        let (first, state, directory, docnos) = try await Self.receiptsSent("or-number")
        var sandbox = first
        defer { sandbox.stop() }
        let (receipt1, receipt2) = (docnos[0], docnos[1])

        let set = try await PaymentsCLITests.payments(["set-or", "1", "OR-2025-0001"], state: state)
        #expect(set.status == 0, "\(set.transcript)")
        #expect(set.stdout == "payment 1: O/R number OR-2025-0001 recorded; the next `ledgersync payments apply` sends it to receipt \(receipt1) in SQL Accounting\n", "\(set.stdout)")
        #expect(try await PaymentsCLITests.payments(["show", "1"], state: state).stdout.contains("O/R number OR-2025-0001: not in SQL Accounting yet — the next `ledgersync payments apply` sends it\n"))
        #expect(try sandbox.receipt(receipt1)["docref2"] == nil, "set-or sends nothing itself")

        let apply = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  ~ payment 1 (\(receipt1)): O/R number OR-2025-0001 → docref2\n"), "\(apply.stdout)")
        #expect(apply.stdout.hasSuffix("1 O/R number in docref2 (task 3)\n"), "\(apply.stdout)")
        let receipt = try sandbox.receipt(receipt1)
        #expect(receipt["docref2"] as? String == "OR-2025-0001")
        #expect(receipt["updatecount"] as? Int == 1, "one PUT")
        #expect((receipt["sdsknockoff"] as? [[String: Any]])?.count == 2, "the receipt is otherwise as it was")
        #expect(try sandbox.receipt(receipt2)["docref2"] == nil)

        // Visible: payments show / list and the task.
        let show = try await PaymentsCLITests.payments(["show", "1"], state: state)
        #expect(show.stdout.contains("state created, SQL \(receipt1), task 3\nO/R number OR-2025-0001: in SQL Accounting (docref2, since "), "\(show.stdout)")
        #expect(show.stdout.contains("  PUT /customerpayment/\(receipt1 == "OR-00001" ? 1 : 2)\n    request:   docref2 '' → 'OR-2025-0001' (O/R number), updatecount 1; the rest as SQL holds it\n"), "\(show.stdout)")
        let json = try JSON.object(try await PaymentsCLITests.payments(["show", "1", "--format", "json"], state: state).stdout, "payments show --format json")
        let payment = try #require(json["payment"] as? [String: Any])
        #expect(payment["or_number"] as? String == "OR-2025-0001" && payment["or_number_in_sql"] as? Bool == true && payment["or_number_field"] as? String == "docref2")
        #expect((json["attempts"] as? [[String: Any]])?.last?["task_id"] as? Int == 3)
        #expect(try await PaymentsCLITests.payments(["list"], state: state).stdout.contains("\(receipt1)   OR-2025-0001  yes            3\n"))
        #expect(try await Self.tasks(["show", "3"], state: state).stdout.contains("      1  lazada 2025-09-17 MY2025091501  300-L0001  completed  \(receipt1)     OR-2025-0001 (in SQL)\n"))

        // A second run sends nothing.
        let second = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(second.status == 0)
        #expect(second.stdout.hasSuffix("no payments to send\n"), "\(second.stdout)")
        #expect(try sandbox.receipt(receipt1)["updatecount"] as? Int == 1)

        // The answer to the PUT lost (a crash before it was recorded): the next run looks first, finds it, sends nothing.
        try StateStore(path: state).write { db in try db.execute(sql: "UPDATE payments SET or_number_sent = NULL, or_number_field = NULL WHERE id = 1") }
        let lost = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(lost.status == 0, "\(lost.transcript)")
        #expect(lost.stdout.contains("  = payment 1 (\(receipt1)): O/R number OR-2025-0001 was already in docref2: recorded, nothing sent\n"), "\(lost.stdout)")
        #expect(try sandbox.receipt(receipt1)["updatecount"] as? Int == 1, "still one PUT")

        // Someone types another number into the receipt in SQL Accounting (the sandbox restarted on its edited books).
        sandbox.stop()
        let books = try String(contentsOfFile: sandbox.statePath, encoding: .utf8)
        let edited = books.replacingOccurrences(of: #""docref2": "OR-2025-0001""#, with: #""docref2": "HAND-01""#)
        #expect(edited != books, "the books hold the number as \"docref2\": \"OR-2025-0001\"")
        try edited.write(toFile: sandbox.statePath, atomically: true, encoding: .utf8)
        sandbox = try ServedSandbox(directory: directory)
        #expect(try await PaymentsCLITests.payments(["set-or", "1", "OR-2025-0002"], state: state).status == 0)
        let drift = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(drift.status == 1, "\(drift.transcript)")
        #expect(drift.stdout.contains("  ! payment 1 (\(receipt1)): O/R number OR-2025-0002 not sent: SQL Accounting's copy of receipt \(receipt1) has docref2 'HAND-01', changed there since ledgersync set 'OR-2025-0001'; the O/R number OR-2025-0002 would overwrite it, so it was not sent — if SQL Accounting is right, record its number here with `ledgersync payments set-or 1 HAND-01`"), "\(drift.stdout)")
        #expect(drift.stdout.hasSuffix("0 O/R numbers in docref2, 1 not sent (task 5)\n"), "\(drift.stdout)")
        #expect(try sandbox.receipt(receipt1)["docref2"] as? String == "HAND-01")
        // The run that found the lost answer (task 4) names the task that took the receipt over.
        #expect(try await Self.tasks(["show", "4"], state: state).stdout.contains("no receipts\ntaken over by a later task: payment 1 (task 5) — ledgersync payments show N lists every request\n"))
        let failed = try await Self.tasks(["show", "5"], state: state)
        #expect(failed.stdout.hasPrefix("task 5 (receipts): completed_with_failures"), "\(failed.stdout)")
        #expect(failed.stdout.contains("completed_with_failures") && failed.stdout.contains("  failed  \(receipt1)     OR-2025-0002 (not in SQL yet)\n    SQL Accounting's copy of receipt \(receipt1) has docref2 'HAND-01'"), "\(failed.stdout)")
        #expect(failed.stdout.contains("send the failed ones again: ledgersync payments apply\n"), "\(failed.stdout)")

        // Taking SQL Accounting's number: recorded as there, nothing sent.
        #expect(try await PaymentsCLITests.payments(["set-or", "1", "HAND-01"], state: state).status == 0)
        let taken = try await PaymentsCLITests.payments(["apply"], state: state, sandbox: sandbox)
        #expect(taken.status == 0, "\(taken.transcript)")
        #expect(taken.stdout.contains("  = payment 1 (\(receipt1)): O/R number HAND-01 was already in docref2: recorded, nothing sent\n"), "\(taken.stdout)")
        #expect(try sandbox.receipt(receipt1)["updatecount"] as? Int == 1)
        #expect(try await Self.tasks(["show", "6"], state: state).stdout.hasSuffix("1 receipt: 1 completed\n"))
    }

    @Test("payments.or_number_field and edit_policy.fields.customerpayment.<field>: create_only keeps the O/R number in the state store, update sends it to that field")
    func receiptNumberUnderThePacksEditPolicy() async throws {
        let directory = try scratchDirectory("or-policy")
        try FileManager.default.createDirectory(atPath: directory + "/.git", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: directory + "/rules")
        let packFile = directory + "/rules/acme-living/pack.yaml"
        let original = try String(contentsOfFile: packFile, encoding: .utf8)
        func policy(_ value: String) throws {
            let withField = original.replacingOccurrences(of: "  description: \"{channel} payout {payout_date} ({reference})\"\n",
                                                          with: "  description: \"{channel} payout {payout_date} ({reference})\"\n  or_number_field: docref3\n")
            try (withField + "\nedit_policy:\n  fields:\n    customerpayment.docref3: \(value)\n")
                .write(toFile: packFile, atomically: true, encoding: .utf8)
        }
        try policy("create_only")
        let pack = ["--pack", directory + "/rules/acme-living"]
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = ["--state", directory + "/state.sqlite"]
        let synced = try await CLI.run(["apply"] + pack + Args.september + Args.asOf + ["--endpoint", sandbox.url] + state, environment: ServedSandbox.keys)
        #expect(synced.status == 0, "\(synced.transcript)")
        #expect(try await CLI.run(["payments", "import", "--channel", "lazada", Self.statement] + state).status == 0)
        let apply = ["payments", "apply"] + pack + ["--endpoint", sandbox.url] + state
        #expect(try await CLI.run(apply, environment: ServedSandbox.keys).status == 0)
        #expect(try await CLI.run(["payments", "set-or", "1", "OR-9"] + state).status == 0)
        let docno = try #require(try StateStore(path: directory + "/state.sqlite").payment(1)?.remoteDocno)

        let kept = try await CLI.run(apply, environment: ServedSandbox.keys)
        #expect(kept.status == 0, "\(kept.transcript)")
        #expect(kept.stdout.contains("  ? payment 1 (\(docno)): its O/R number OR-9 stays in the state store only: the pack's edit_policy.fields.customerpayment.docref3 is create_only ("), "\(kept.stdout)")
        #expect(kept.stdout.contains("/rules/acme-living/pack.yaml:"), "names where the pack says so: \(kept.stdout)")
        #expect(try sandbox.receipt(docno)["docref3"] == nil)

        try policy("update")
        let sent = try await CLI.run(apply, environment: ServedSandbox.keys)
        #expect(sent.status == 0, "\(sent.transcript)")
        #expect(sent.stdout.contains("  ~ payment 1 (\(docno)): O/R number OR-9 → docref3\n"), "\(sent.stdout)")
        let receipt = try sandbox.receipt(docno)
        #expect(receipt["docref3"] as? String == "OR-9")
        #expect(receipt["docref2"] == nil)
    }
}
