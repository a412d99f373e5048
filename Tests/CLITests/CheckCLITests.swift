import Foundation
import Testing
import TestSupport

/// A copy of the example pack (and the base pack it extends) in a scratch folder, for tests that break it.
func copyExamplePack(into directory: String) throws -> String {
    let rules = directory + "/rules"
    try FileManager.default.createDirectory(atPath: rules, withIntermediateDirectories: true)
    // A client pack may extend a base pack outside its folder only inside one repository: mark the folder as one.
    try FileManager.default.createDirectory(atPath: directory + "/.git", withIntermediateDirectories: true)
    for name in ["acme-living", "base"] {
        try FileManager.default.copyItem(atPath: Golden.packageRoot + "/rules/" + name, toPath: rules + "/" + name)
    }
    return rules + "/acme-living"
}

/// Replaces exactly one occurrence of `old` in the file; the 1-based line and column where `new` now starts.
@discardableResult
func replaceOnce(_ old: String, with new: String, in path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (line: Int, column: Int) {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let parts = text.components(separatedBy: old)
    try #require(parts.count == 2, "'\(old)' occurs \(parts.count - 1) times in \(path)", sourceLocation: sourceLocation)
    try (parts[0] + new + parts[1]).write(toFile: path, atomically: true, encoding: .utf8)
    let before = parts[0].split(separator: "\n", omittingEmptySubsequences: false)
    return (before.count, (before.last?.count ?? 0) + 1)
}

@Suite("ledgersync check", .serialized)
struct CheckCLITests {
    @Test("the example pack's every code exists in the example SQL Account (the embedded sandbox): exit 0, with what was checked")
    func examplePackIsClean() async throws {
        let result = try await CLI.run(["check"] + Args.acme + ["--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        #expect(result.stdout == "checked 9 customers, 18 stock items, 1 agent, 1 area, 6 projects, 2 terms codes, 2 locations, 4 GL accounts, 1 tax code, 6 payment methods, 1 currency against the embedded sandbox: no problems\n",
                "\(result.transcript)")
    }

    @Test("unknown agent, project, item and UOM codes: each at the pack line that names it, with a did-you-mean; exit 1")
    func unknownCodesAreLocated() async throws {
        let directory = try scratchDirectory("check-codes")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pack = try copyExamplePack(into: directory)
        let agent = try replaceOnce("set: {agent: KA-01}", with: "set: {agent: KA-10}", in: pack + "/rules.yaml")
        let project = try replaceOnce("project: POS", with: "project: PSO", in: pack + "/pack.yaml")
        let item = try replaceOnce("code: TBL-001,", with: "code: TBL-01,", in: pack + "/matching.yaml")
        let uom = try replaceOnce("code: SET-DIN4, uom: SET}", with: "code: SET-DIN4, uom: SETS}", in: pack + "/matching.yaml")
        let sheet = try replaceOnce("CANDLE-01,PCS", with: "CANDLE-1,PCS", in: pack + "/matching/items.csv")

        let result = try await CLI.run(["check", "--pack", pack, "--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 1, "\(result.transcript)")
        let out = result.stdout.replacingOccurrences(of: directory, with: "$TMP")
        let rules = "$TMP/rules/acme-living/"
        #expect(out.contains("\(rules)rules.yaml:\(agent.line):\(agent.column + 13): error: agent 'KA-10' is not an agent in SQL Accounting; create it there or correct the code; did you mean 'KA-01'?\n"), "\(out)")
        #expect(out.contains("\(rules)pack.yaml:\(project.line):\(project.column + 9): error: project 'PSO' is not a project in SQL Accounting; create it there or correct the code; did you mean 'POS'?\n"), "\(out)")
        #expect(out.contains("\(rules)matching.yaml:\(item.line):"), "\(out)")
        #expect(out.contains("error: stock item 'TBL-01' is not a stock item in SQL Accounting; create it there or correct the code; did you mean 'TBL-001'?\n"), "\(out)")
        #expect(out.contains("\(rules)matching.yaml:\(uom.line):"), "\(out)")
        #expect(out.contains("error: UOM 'SETS' is not a UOM of stock item 'SET-DIN4' in SQL Accounting (its UOMs: SET); set the UOM here to one of the item's UOMs; did you mean 'SET'?\n"), "\(out)")
        // Item sheet rows are checked as `match import` checks them: at the sheet's cell.
        #expect(out.contains("\(rules)matching/items.csv:\(sheet.line):3: error: row \(sheet.line), column C (syncapp_code): 'CANDLE-1' for SKU 'CANDLE-LAV' is not a stock item in SQL Accounting; create it there or correct the code; did you mean 'CANDLE-01'?\n"), "\(out)")
        #expect(out.hasSuffix("against the embedded sandbox: 5 errors, 0 warnings\n"), "\(out)")
    }

    /// Two September orders: SG-1000107 of the Singapore store (SGD, to its SGD customer), and SG-1000101 of the
    /// Malaysian Shopee store turned into SGD — its customer is in ringgit.
    static func foreignCurrencyOrders(in directory: String) throws -> String {
        let september = try String(contentsOfFile: Golden.packageRoot + "/examples/orders/2025-09.jsonl", encoding: .utf8)
        let myr = try #require(september.split(separator: "\n").first { $0.contains(#""id":"SG-1000101""#) })
        let sgd = myr.replacingOccurrences(of: #""currency":"MYR""#, with: #""currency":"SGD""#)
        let other = try #require(september.split(separator: "\n").first { $0.contains(#""id":"SG-1000107""#) })
        let orders = directory + "/orders.jsonl"
        try "\(other)\n\(sgd)\n".write(toFile: orders, atomically: true, encoding: .utf8)
        return orders
    }

    @Test("an SGD order for a store whose customer is in ringgit is an error at that order, and nothing is posted")
    func foreignCurrencyOrderCaughtBeforePost() async throws {
        let directory = try scratchDirectory("check-currency")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let orders = try Self.foreignCurrencyOrders(in: directory)

        let sandbox = try LoggedSandbox(directory: directory)
        defer { sandbox.sandbox.stop() }
        let result = try await CLI.run(["check"] + Args.acme + Args.asOf + ["--orders", orders, "--endpoint", sandbox.sandbox.url], environment: ServedSandbox.keys)
        #expect(result.status == 1, "\(result.transcript)")
        let out = result.stdout.replacingOccurrences(of: directory, with: "$TMP")
        #expect(out.contains("$TMP/orders.jsonl:2: error: order SG-1000101: the invoice is in SGD (currencycode 'SGD'), but customer '300-S0001', chosen by matching.customers.shopee (rules/acme-living/matching.yaml:16), is in the base currency (----, MYR) in SQL Accounting, so SQL Account would refuse it; match this store to a customer in SGD (matching.customers.shopee-acme-my), or exclude the order\n"), "\(out)")
        // The SG store's SGD order goes to its SGD customer: no problem.
        #expect(!out.contains("SG-1000107"), "\(out)")
        #expect(out.hasSuffix(", 2 orders against \(sandbox.sandbox.url): 1 error, 0 warnings\n"), "\(out)")
        let requests = sandbox.requests()
        #expect(!requests.isEmpty)
        #expect(requests.allSatisfy { $0.hasPrefix("GET ") }, "check must only read: \(requests)")
        #expect(!requests.contains { $0.contains("salesinvoice") }, "\(requests)")
    }

    @Test("plan --refresh checks the masters too: the SGD order is an error of the plan, and applying that plan posts only the good order")
    func foreignCurrencyOrderCaughtByPlanRefresh() async throws {
        let directory = try scratchDirectory("plan-currency")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let orders = try Self.foreignCurrencyOrders(in: directory)
        let state = directory + "/state.sqlite", saved = directory + "/plan.json"

        let sandbox = try LoggedSandbox(directory: directory)
        defer { sandbox.sandbox.stop() }
        let plan = try await CLI.run(["plan"] + Args.acme + Args.asOf + ["--orders", orders, "--state", state, "--refresh", "--endpoint", sandbox.sandbox.url, "--out", saved],
                                     environment: ServedSandbox.keys)
        #expect(plan.status == 1, "\(plan.transcript)")
        #expect(plan.stdout.contains("! SG-1000101"), "\(plan.transcript)")
        #expect(plan.stdout.contains("the invoice is in SGD (currencycode 'SGD'), but customer '300-S0001'"), "\(plan.transcript)")
        #expect(plan.stdout.contains("+ SG-1000107"), "\(plan.transcript)")
        #expect(!sandbox.requests().contains { $0.hasPrefix("POST ") }, "plan only reads: \(sandbox.requests())")

        let apply = try await CLI.run(["apply", saved, "--state", state, "--endpoint", sandbox.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 1, "the SGD order stays failed: \(apply.transcript)")
        let posts = sandbox.requests().filter { $0.hasPrefix("POST /salesinvoice") }
        #expect(posts.count == 1, "only SG-1000107 is posted: \(posts)")
        #expect(apply.stdout.contains("! SG-1000101: "), "\(apply.transcript)")
    }

    @Test("an order that cannot become an invoice is reported too, once, at its line")
    func unreadableOrders() async throws {
        let result = try await CLI.run(["check"] + Args.acme + Args.badOrders + Args.asOf + ["--sandbox"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("examples/orders/bad-orders.jsonl:4: error: order SG-1000904: lines[1].qty is -1; quantities must be at least 1"), "\(result.transcript)")
        #expect(result.stdout.components(separatedBy: "order SG-1000904").count == 2, "\(result.transcript)")
        #expect(result.stdout.hasSuffix(", 10 orders against the embedded sandbox: 7 errors, 0 warnings\n"), "\(result.transcript)")
    }

    @Test("--format json: the same diagnostics and counts as data")
    func json() async throws {
        let result = try await CLI.run(["check"] + Args.acme + ["--sandbox", "--format", "json"], environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 0, "\(result.transcript)")
        let object = try JSON.object(result.stdout, "check --format json")
        #expect(object["errors"] as? Int == 0)
        #expect((object["checked"] as? [String: Any])?["customer"] as? Int == 9)
        #expect((object["diagnostics"] as? [Any])?.isEmpty == true)
    }

    @Test("a resource name this SQL Account does not have: every code of that kind is reported, with how to rename the resource")
    func renamedResource() async throws {
        let result = try await CLI.run(["check"] + Args.acme + ["--sandbox", "--resource", "payment_method=paymentmethod"],
                                       environment: ["LEDGERSYNC_ACCESS_KEY": "", "LEDGERSYNC_SECRET_KEY": ""])
        #expect(result.status == 1, "\(result.transcript)")
        #expect(result.stdout.contains("error: payment method '310-SHP' is not a payment method in SQL Accounting; SQL Accounting returned no payment method records (GET /paymentmethod): create them there, or if this SQL Account names the resource differently, pass --resource payment_method=NAME"), "\(result.transcript)")
        let bad = try await CLI.run(["check"] + Args.acme + ["--sandbox", "--resource", "agent=agents"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("--resource 'agent=agents': 'agent' is not a master whose resource name can be changed"), "\(bad.transcript)")
    }
}
