import Foundation
import Testing
import TestSupport

/// A sandbox that also logs every request it answers, so a test can count the calls an apply made.
final class LoggedSandbox {
    let sandbox: ServedSandbox
    let logPath: String

    init(directory: String) throws {
        logPath = directory + "/requests.log"
        try? FileManager.default.removeItem(atPath: logPath)
        sandbox = try ServedSandbox(directory: directory, extra: ["--log", logPath])
    }

    /// The requests answered so far, as `METHOD path[?query] status`.
    func requests() -> [String] {
        let text = FileManager.default.contents(atPath: logPath).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// How many requests start with each `METHOD path` (the query and dockeys folded away).
    func counts(since start: Int = 0) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in requests().dropFirst(start) {
            let parts = line.split(separator: " ")
            guard parts.count == 3 else { continue }
            var path = String(parts[1])
            if path.contains("?docref1=") { path = path.components(separatedBy: "?")[0] + "?docref1" }
            path = path.replacingOccurrences(of: #"/\d+$"#, with: "/{dockey}", options: .regularExpression)
            counts["\(parts[0]) \(path) \(parts[2])", default: 0] += 1
        }
        return counts
    }
}

@Suite("ledgersync plan", .serialized)
struct PlanCLITests {
    static let v2 = ["--pack", Args.fixture("packs/acme-living-v2")]
    static let changedOrders = ["--orders", Args.fixture("2025-09-changed.jsonl")]

    static func plan(_ state: String, _ extra: [String], pack: [String] = Args.acme, orders: [String] = Args.september) async throws -> CLI.Result {
        try await CLI.run(["plan"] + pack + orders + Args.asOf + ["--state", state] + extra, environment: ServedSandbox.keys)
    }

    static func expectGolden(_ text: String, _ name: String, replacing directory: String, sourceLocation: SourceLocation = #_sourceLocation) {
        var normalized = text.replacingOccurrences(of: directory, with: "$TMP")
        normalized = normalized.replacingOccurrences(of: #""created_at": "[^"]*""#, with: #""created_at": "…""#, options: .regularExpression)
        // Fingerprints hash file contents and paths, which differ between checkouts.
        normalized = normalized.replacingOccurrences(of: #""(pack|orders|state)": "[0-9a-f]{16}""#, with: #""$1": "…""#, options: .regularExpression)
        // Concurrent creates take SQL's dockeys in any order.
        normalized = normalized.replacingOccurrences(of: #""dockey": \d+"#, with: #""dockey": "…""#, options: .regularExpression)
        normalized = normalized.replacingOccurrences(of: #"dockey \d+"#, with: "dockey …", options: .regularExpression)
        if let mismatch = Golden.mismatch(normalized, goldenFile: "Tests/CLITests/Golden/\(name)") {
            Issue.record("\(mismatch)", sourceLocation: sourceLocation)
        }
    }

    @Test("first sync: every invoice to create; apply PLAN makes exactly those calls; the re-plan is a no-op")
    func firstSyncAndNoOp() async throws {
        let directory = try scratchDirectory("plan-first")
        let logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }
        let state = directory + "/state.sqlite"
        let planPath = directory + "/first.plan.json"

        let first = try await Self.plan(state, ["--out", planPath, "--detailed-exitcode"])
        #expect(first.status == 2, "changes present: \(first.transcript)")
        Self.expectGolden(first.stdout, "plan-first-sync.txt", replacing: directory)
        #expect(!FileManager.default.fileExists(atPath: state), "plan writes no state store")

        let before = logged.requests().count
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("51 created, 0 adopted, 0 failed, 17 excluded"), "\(apply.stdout)")
        #expect(logged.counts(since: before) == [
            "GET /version 200": 1,
            "GET /salesinvoice?docref1 200": 51,
            "POST /salesinvoice 200": 51,
        ], "exactly the plan's calls: a connection check, then a lookup and a create per invoice")

        let again = try await Self.plan(state, ["--detailed-exitcode"])
        #expect(again.status == 0, "no changes: \(again.transcript)")
        Self.expectGolden(again.stdout, "plan-no-op.txt", replacing: directory)
        let json = try await Self.plan(state, ["--format", "json"])
        Self.expectGolden(json.stdout, "plan-no-op.json", replacing: directory)
        #expect(try JSON.object(json.stdout, "plan --format json")["format_version"] as? Int == 1)
    }

    @Test("a rule change: updates field by field; create_only dates kept; applying it updates each invoice once, keeping its lines")
    func ruleChange() async throws {
        let directory = try scratchDirectory("plan-rules")
        let logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(logged.sandbox, state: state).status == 0)

        let plan = try await Self.plan(state, ["--detailed-exitcode"], pack: Self.v2)
        #expect(plan.status == 2, "\(plan.transcript)")
        Self.expectGolden(plan.stdout, "plan-rule-change.txt", replacing: directory)
        // Zalora invoices are now numbered by SQL Account: new ones show it, synced ones keep their number.
        let fresh = try await Self.plan(directory + "/none.sqlite", [], pack: Self.v2)
        #expect(fresh.stdout.contains("  + SG-1000108  salesinvoice  (docno known after apply)  300-Z0001"), "\(fresh.stdout)")
        #expect(!plan.stdout.contains("docno: \"ZMY"), "a synced invoice's docno is not a change")

        let before = logged.requests().count
        let apply = try await CLI.run(["apply"] + Self.v2 + Args.september + Args.asOf + ["--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("0 created, 0 adopted, 46 updated, 0 cancelled, 0 failed"), "\(apply.stdout)")
        #expect(logged.counts(since: before) == ["GET /version 200": 1, "GET /salesinvoice/{dockey} 200": 46, "PUT /salesinvoice/{dockey} 200": 46], "only the 46 invoices whose update-policy fields change; the 5 Shopee SG ones differ only in create_only dates")
        let invoice = try #require(try logged.sandbox.invoices().first { $0["docref1"] as? String == "LS-SG-1000102" })
        #expect(invoice["description"] as? String == "Lazada order 157683824297273 (lazada-acme-my)")
        #expect(invoice["docdate"] as? String == "2025-09-01", "create_only: the date stays")
        let lines = try #require(invoice["sdsdocdetail"] as? [[String: Any]])
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { ($0["dtlkey"] as? Int ?? 0) > 0 }, "lines were updated in place, not re-inserted")
        try Sync.expectExactlyOnce(logged.sandbox)

        let settled = try await Self.plan(state, ["--detailed-exitcode"], pack: Self.v2)
        #expect(settled.status == 0, "after apply the plan is empty: \(settled.stdout)")
    }

    @Test("a cancelled order is planned as a cancel and a changed order as an update, never a second invoice; the saved plan makes exactly those calls")
    func changedOrders() async throws {
        let directory = try scratchDirectory("plan-orders")
        let logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(logged.sandbox, state: state).status == 0)
        let planPath = directory + "/changed.plan.json"

        let plan = try await Self.plan(state, ["--out", planPath], orders: Self.changedOrders)
        #expect(plan.status == 0)
        Self.expectGolden(plan.stdout, "plan-changed-orders.txt", replacing: directory)
        let json = try await Self.plan(state, ["--format", "json"], orders: Self.changedOrders)
        Self.expectGolden(json.stdout, "plan-changed-orders.json", replacing: directory)

        let before = logged.requests().count
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  - SG-1000101 → 2509014EAM4Y3J cancelled in SQL Accounting (the order is now cancelled)"), "\(apply.stdout)")
        #expect(apply.stdout.contains("  ~ SG-1000103 → 25090201672845 updated (2 fields: docnoex, description)"), "\(apply.stdout)")
        #expect(logged.counts(since: before) == ["GET /version 200": 1, "GET /salesinvoice/{dockey} 200": 2, "PUT /salesinvoice/{dockey} 200": 2])
        let invoices = try logged.sandbox.invoices()
        #expect(invoices.count == 51, "no invoice was added")
        #expect(invoices.first { $0["docref1"] as? String == "LS-SG-1000101" }?["cancelled"] as? Bool == true)
        #expect(invoices.first { $0["docref1"] as? String == "LS-SG-1000103" }?["docno"] as? String == "25090201672845", "docno is create_only")
    }

    @Test("--refresh shows an edit made in SQL Accounting as drift; apply without a refreshed plan refuses to overwrite it; a refreshed plan, applied, does")
    func refreshDrift() async throws {
        let directory = try scratchDirectory("plan-refresh")
        var logged = try LoggedSandbox(directory: directory)
        let state = directory + "/state.sqlite"
        #expect(try await Sync.apply(logged.sandbox, state: state).status == 0)
        logged.sandbox.stop()
        // Someone edits an invoice in SQL Accounting.
        let books = logged.sandbox.statePath
        let text = try String(contentsOfFile: books, encoding: .utf8)
        try text.replacingOccurrences(of: "\"description\": \"Lazada order 157683824297273\"", with: "\"description\": \"Lazada order 157683824297273 - paid by bank transfer\"")
            .write(toFile: books, atomically: true, encoding: .utf8)
        logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }

        let plain = try await Self.plan(state, ["--detailed-exitcode"], pack: Self.v2)
        #expect(!plain.stdout.contains("edited in SQL Accounting"), "without --refresh only the state store is read")
        let refreshed = try await Self.plan(state, ["--refresh", "--endpoint", logged.sandbox.url, "--detailed-exitcode"], pack: Self.v2)
        #expect(refreshed.status == 2, "\(refreshed.transcript)")
        Self.expectGolden(refreshed.stdout, "plan-refresh-drift.txt", replacing: directory)

        // apply without the refreshed plan: the update that would overwrite the edit is refused for that invoice.
        let blind = try await CLI.run(["apply"] + Self.v2 + Args.september + Args.asOf + ["--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(blind.status == 1)
        #expect(blind.stdout.contains("! SG-1000102: SQL Accounting's copy was edited since it was synced — description"), "\(blind.stdout)")
        #expect(blind.stdout.contains("45 updated, 0 cancelled, 1 failed"), "\(blind.stdout)")

        // The refreshed plan, made now, shows the edit it overwrites; carrying it out restores the pack's text.
        let planPath = directory + "/after.plan.json"
        let replan = try await Self.plan(state, ["--refresh", "--endpoint", logged.sandbox.url, "--out", planPath], pack: Self.v2)
        #expect(replan.stdout.contains("Plan: 0 to create, 1 to update, 0 to cancel, 0 errors"), "\(replan.stdout)")
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")
        #expect(apply.stdout.contains("  ~ SG-1000102 → 157683824297273 updated (1 field: description)"), "\(apply.stdout)")
        let invoice = try #require(try logged.sandbox.invoices().first { $0["docref1"] as? String == "LS-SG-1000102" })
        #expect(invoice["description"] as? String == "Lazada order 157683824297273 (lazada-acme-my)")
    }

    @Test("a saved plan is refused when the state, the pack or the orders moved since it was made")
    func stalePlans() async throws {
        let directory = try scratchDirectory("plan-stale")
        let sandbox = try ServedSandbox(directory: directory)
        defer { sandbox.stop() }
        let state = directory + "/state.sqlite"
        let planPath = directory + "/stale.plan.json"
        #expect(try await Self.plan(state, ["--out", planPath]).status == 0)
        #expect(try await Sync.apply(sandbox, state: state).status == 0)
        let stale = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("the plan is stale: the state store \(state) changed since it was made"), "\(stale.transcript)")
        #expect(try sandbox.invoices().count == 51, "nothing was sent twice")

        let otherPack = try await CLI.run(["apply", planPath] + Self.v2 + ["--state", state, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(otherPack.status == 1)
        #expect(otherPack.stderr.contains("the plan was made with the pack rules/acme-living"), "\(otherPack.stderr)")

        let orders = directory + "/orders.jsonl"
        try FileManager.default.copyItem(atPath: "\(Golden.packageRoot)/examples/orders/2025-09.jsonl", toPath: orders)
        let fresh = directory + "/fresh.sqlite"
        let planned = try await CLI.run(["plan"] + Args.acme + ["--orders", orders] + Args.asOf + ["--state", fresh, "--out", planPath])
        #expect(planned.status == 0)
        let handle = try #require(FileHandle(forWritingAtPath: orders))
        handle.seekToEndOfFile()
        handle.write(Data("\n".utf8))
        try handle.close()
        let moved = try await CLI.run(["apply", planPath, "--state", fresh, "--endpoint", sandbox.url], environment: ServedSandbox.keys)
        #expect(moved.status == 1)
        #expect(moved.stderr.contains("the plan is stale: the orders file \(orders) changed"), "\(moved.stderr)")

        let garbage = directory + "/not-a-plan.json"
        try "{\"hello\": 1}".write(toFile: garbage, atomically: true, encoding: .utf8)
        let bad = try await CLI.run(["apply", garbage, "--state", fresh])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("is not a ledgersync plan: no format_version"), "\(bad.stderr)")
    }

    @Test("apply PLAN moves the custom invoice-number sequence on: the next file's POS order gets the next number, not one already sent")
    func savedPlanAdvancesSequences() async throws {
        let directory = try scratchDirectory("plan-sequence")
        let logged = try LoggedSandbox(directory: directory)
        defer { logged.sandbox.stop() }
        let state = directory + "/state.sqlite"
        let planPath = directory + "/september.plan.json"

        let plan = try await Self.plan(state, ["--out", planPath])
        #expect(plan.stdout.contains("  + SG-1000116  salesinvoice  PJ-001201 "), "\(plan.stdout)")
        let apply = try await CLI.run(["apply", planPath, "--state", state, "--endpoint", logged.sandbox.url], environment: ServedSandbox.keys)
        #expect(apply.status == 0, "\(apply.transcript)")

        // September's POS invoices took PJ-001201 … PJ-001207; October's first continues after them.
        let october = try await CLI.run(["apply"] + Args.acme + ["--orders", Args.fixture("pos-october.jsonl")] + Args.asOf + ["--endpoint", logged.sandbox.url, "--state", state],
                                        environment: ServedSandbox.keys)
        #expect(october.status == 0, "\(october.transcript)")
        #expect(october.stdout.contains("  + SG-1001001 → PJ-001208 "), "\(october.stdout)")
    }
}
