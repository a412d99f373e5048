import Foundation
import Testing
import TestSupport

/// A merchant's own order downloads through the whole tool: `orders import`, then the same file straight into
/// `transform`, `plan` and `apply --sandbox`. The invoices must be the ones the canonical example orders give, to
/// the sen — except where an export lacks a figure (Lazada's platform shipping discount), by exactly that figure.
@Suite(.serialized) struct OrderExportCLITests {
    struct Channel: Sendable, CustomStringConvertible {
        var mapping: String
        var file: String
        var orders: Int
        /// The partial return the example export carries (examples/exports/README.md, "Returns"): order number as the
        /// export writes it → the credit note's amount.
        var credits: [String: String] = [:]
        var description: String { mapping }
        var path: String { "examples/exports/\(file)" }
    }

    static let channels = [
        Channel(mapping: "shopee", file: "shopee-Order.all.20250901_20250930.xlsx", orders: 17, credits: ["2509149X48P08Q": "179.55"]),
        Channel(mapping: "lazada", file: "lazada-orders-2025-09.xlsx", orders: 11, credits: ["261403771561496": "32.00"]),
        Channel(mapping: "tiktok", file: "tiktok-orders-2025-09.csv", orders: 9, credits: ["576940066464178373": "56.16"]),
        Channel(mapping: "shopify", file: "shopify-orders_export.csv", orders: 6),
        Channel(mapping: "woocommerce", file: "woocommerce-orders-2025-09.csv", orders: 5, credits: ["5521": "61.95"]),
    ]

    /// order number as the export writes it → (canonical invoice docamt or nil when excluded, platform shipping discount).
    static func canonicalInvoices() async throws -> [String: (docamt: String?, platformShipping: String)] {
        let transform = try await CLI.run(["transform"] + Args.acme + Args.september + Args.asOf + ["--format", "jsonl"])
        var amounts: [String: String?] = [:]
        for outcome in try JSON.lines(transform.stdout) {
            let payload = (outcome["document"] as? [String: Any])?["payload"] as? [String: Any]
            amounts[outcome["order_id"] as! String] = payload?["docamt"] as? String
        }
        var result: [String: (String?, String)] = [:]
        let text = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        for order in try JSON.lines(text) {
            var number = order["order_number"] as! String
            if number.hasPrefix("WC-") { number.removeFirst(3) }
            let shipping = order["shipping"] as! [String: Any]
            result[number] = (amounts[order["id"] as! String] ?? nil, shipping["platform_discount"] as! String)
        }
        return result
    }

    static func cents(_ text: String) -> Int { Int((Decimal(string: text)! * 100 as NSDecimalNumber).int64Value) }

    @Test(arguments: channels) func anExportTransformsPlansAndSyncsLikeTheCanonicalOrders(_ channel: Channel) async throws {
        let canonical = try await Self.canonicalInvoices()

        // orders import: every order, nothing refused.
        let directory = try scratchDirectory("export-\(channel.mapping)")
        let imported = try await CLI.run(["orders", "import", channel.path] + Args.acme + ["--out", directory + "/orders.jsonl"])
        #expect(imported.status == 0, "\(imported.transcript)")
        #expect(imported.stderr.hasPrefix("imported \(channel.orders) orders from "), "\(imported.transcript)")
        #expect(imported.stderr.contains("with the \(channel.mapping) mapping"))

        // transform, the export given as --orders (recognised by its header): invoices equal the canonical ones.
        let transform = try await CLI.run(["transform"] + Args.acme + ["--orders", channel.path, "--format", "jsonl"] + Args.asOf)
        #expect(transform.status == 0, "\(transform.transcript)")
        var invoiced: [String: Int] = [:]
        for outcome in try JSON.lines(transform.stdout) {
            let id = outcome["order_id"] as! String
            let expected = try #require(canonical[id], "order \(id) is not one of the example orders")
            let docamt = ((outcome["document"] as? [String: Any])?["payload"] as? [String: Any])?["docamt"] as? String
            #expect((docamt == nil) == (expected.docamt == nil), "\(id): invoiced or excluded as the canonical order is")
            guard let docamt, let wanted = expected.docamt else { continue }
            let gap = channel.mapping == "lazada" ? Self.cents(expected.platformShipping) : 0
            #expect(Self.cents(docamt) + gap == Self.cents(wanted), "\(id): invoice \(docamt), canonical \(wanted)")
            invoiced[id] = Self.cents(docamt)
        }
        #expect(!invoiced.isEmpty)

        // plan: one create per invoice.
        let plan = try await CLI.run(["plan"] + Args.acme + ["--orders", channel.path, "--state", directory + "/plan.sqlite"] + Args.asOf)
        #expect(plan.status == 0, "\(plan.transcript)")
        #expect(plan.stdout.contains("Plan: \(invoiced.count) to create, 0 to update, 0 to cancel, 0 errors"), "\(plan.transcript)")
        if !channel.credits.isEmpty {
            #expect(plan.stdout.contains("returns: \(channel.credits.count) credit note\(channel.credits.count == 1 ? "" : "s") and 0 refunds to create"), "\(plan.transcript)")
        }

        // apply --sandbox, naming the mapping this time: the same invoices, the same amounts, in the books.
        let apply = try await CLI.run(["apply"] + Args.acme + ["--orders", channel.path, "--mapping", channel.mapping, "--sandbox"] + Args.asOf,
                                      environment: ["LEDGERSYNC_RETRY_DELAY_SCALE": "0.01"])
        #expect(apply.status == 0, "\(apply.transcript)")
        var synced: [String: Int] = [:], credited: [String: Int] = [:]
        for line in apply.stdout.split(separator: "\n") where line.hasPrefix("  + ") {
            let parts = line.split(separator: " ")
            // "  + 5521 → credit note CN-00001  61.95  knocks off 5521 61.95": the export's partial return.
            if line.contains(" → credit note ") { credited[String(parts[1])] = Self.cents(String(parts[6])); continue }
            synced[String(parts[1])] = Self.cents(String(parts.last!))
        }
        #expect(synced == invoiced, "\(apply.transcript)")
        #expect(credited == channel.credits.mapValues(Self.cents), "\(apply.transcript)")
    }

    @Test func anExportOfAnotherChannelIsRefusedSayingWhatItIs() async throws {
        let result = try await CLI.run(["transform"] + Args.acme + ["--orders", "examples/exports/tiktok-orders-2025-09.csv", "--mapping", "shopee"] + Args.asOf)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("is not an export the shopee mapping reads"), "\(result.transcript)")
        #expect(result.stderr.contains("it is a tiktok order export (row 1 has 13 of the 13 columns it needs). Use --mapping tiktok, or leave --mapping out; nothing was imported"), "\(result.transcript)")
    }

    @Test func aSettlementReportGivenAsOrdersIsNamed() async throws {
        let result = try await CLI.run(["orders", "import", "examples/settlements/lazada-statement-2025-09.csv"] + Args.acme)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("Lazada"), "\(result.transcript)")
        #expect(result.stderr.contains("ledgersync payments import"), "\(result.transcript)")
        #expect(result.stderr.contains("nothing was imported"), "\(result.transcript)")
    }

    @Test func anUnknownMappingNameSuggestsTheClosest() async throws {
        let result = try await CLI.run(["orders", "import", "examples/exports/shopify-orders_export.csv", "--mapping", "shopfy"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("did you mean 'shopify'?"), "\(result.transcript)")
    }

    @Test func oneBadOrderIsLeftOutAndTheRestAreWritten() async throws {
        let directory = try scratchDirectory("export-bad")
        var text = try String(contentsOfFile: Golden.packageRoot + "/examples/exports/woocommerce-orders-2025-09.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: ",On hold,", with: ",On hld,")
        try text.write(toFile: directory + "/woo.csv", atomically: true, encoding: .utf8)
        let result = try await CLI.run(["orders", "import", directory + "/woo.csv", "--pack", "rules/acme-living", "--out", directory + "/orders.jsonl"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("woo.csv:9:2: error: order 5602: column B (Order Status) is \"On hld\", a status the mapping does not know"), "\(result.transcript)")
        #expect(result.stderr.contains("did you mean 'On hold'?"))
        #expect(result.stderr.contains("imported 4 orders from 8 rows with the woocommerce mapping"), "\(result.transcript)")
        let written = try String(contentsOfFile: directory + "/orders.jsonl", encoding: .utf8)
        #expect(written.split(separator: "\n").count == 4)
    }

    @Test("orders import --dry-run reads and reports every order, and writes no orders: --out is left as it was, nothing on stdout")
    func dryRunWritesNoOrders() async throws {
        let directory = try scratchDirectory("export-dry-run")
        var text = try String(contentsOfFile: Golden.packageRoot + "/examples/exports/woocommerce-orders-2025-09.csv", encoding: .utf8)
        text = text.replacingOccurrences(of: ",On hold,", with: ",On hld,")
        try text.write(toFile: directory + "/woo.csv", atomically: true, encoding: .utf8)
        let out = directory + "/orders.jsonl"
        try "earlier orders\n".write(toFile: out, atomically: true, encoding: .utf8)
        let result = try await CLI.run(["orders", "import", directory + "/woo.csv", "--pack", "rules/acme-living", "--out", out, "--dry-run"])
        #expect(result.status == 1, "the bad order is still reported: \(result.transcript)")
        #expect(result.stderr.contains("woo.csv:9:2: error: order 5602: column B (Order Status) is \"On hld\""), "\(result.transcript)")
        #expect(result.stderr.contains("imported 4 orders from 8 rows with the woocommerce mapping (dry run: \(out) was not written); 1 order not imported: 5602"), "\(result.transcript)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "earlier orders\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["orders.jsonl", "woo.csv"])

        let toStdout = try await CLI.run(["orders", "import", "examples/exports/tiktok-orders-2025-09.csv", "--dry-run"])
        #expect(toStdout.status == 0, "\(toStdout.transcript)")
        #expect(toStdout.stdout.isEmpty, "no orders on stdout: \(toStdout.stdout.prefix(200))")
        #expect(toStdout.stderr.hasPrefix("imported 9 orders from "), "\(toStdout.transcript)")
        #expect(toStdout.stderr.contains("(dry run: no orders were written)"), "\(toStdout.transcript)")
    }

    @Test("orders import prints what an imported order could not carry over: a refund with no units back is a located warning, counted in the summary, and the order is still written")
    func importWarningsAreShown() async throws {
        let fixtures = "Tests/OrderImportTests/Fixtures"
        let result = try await CLI.run(["orders", "import", fixtures + "/acme-pos-returns.csv", "--mapping", fixtures + "/acme-pos-returns.yaml", "--dry-run"])
        #expect(result.status == 0, "a warning does not fail the import: \(result.transcript)")
        #expect(result.stderr.contains("acme-pos-returns.csv:6:13: warning: order R-0003: the export says 10.00 was refunded (column M (Bill Refund)), but no units came back"), "\(result.transcript)")
        #expect(result.stderr.hasSuffix("with the acme-pos-returns mapping (dry run: no orders were written); 1 warning\n"), "\(result.transcript)")
    }

    @Test func aFileNoMappingReadsListsEachMappingOnce() async throws {
        let result = try await CLI.run(["orders", "import", "examples/exports/README.md"] + Args.acme)
        #expect(result.status == 1)
        #expect(result.stderr.contains("its columns match no import mapping (lazada, shopee, shopify, tiktok, woocommerce);"), "\(result.transcript)")
    }

    @Test func validateChecksThePacksImportMappings() async throws {
        let directory = try scratchDirectory("export-validate")
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules", toPath: directory + "/rules")
        try "extends: shopee\nfields:\n  store: {value: shopee-acme-my}\n  lines.sku: {colum: SKU}\n".write(toFile: directory + "/rules/acme-living/imports/shopee.yaml", atomically: true, encoding: .utf8)
        let result = try await CLI.run(["validate", "--pack", directory + "/rules/acme-living"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("imports/shopee.yaml:4:15: error: unknown key 'colum'"), "\(result.transcript)")
    }
}
