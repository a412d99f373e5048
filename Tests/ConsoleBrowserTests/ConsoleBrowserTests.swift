import Foundation
import LedgerCore
import LedgerSyncKit
import Testing
import TestSupport
import WebConsole

/// The console driven as staff use it: headless Chromium clicking through the real server (HTTP, token, CSRF, forms)
/// against a sandbox. Each page is also captured at 1280×800 into `.build/screenshots/` (not committed).
@Suite("Web console in a browser", .serialized)
struct ConsoleBrowserTests {
    static let pack = Golden.packageRoot + "/rules/acme-living"
    static let exampleOrders = Golden.packageRoot + "/examples/orders/2025-09.jsonl"

    /// A console on a free port over a new state store, syncing to its own sandbox, or to `endpoint` when given.
    struct RunningConsole {
        var server: ConsoleServer
        var link: String
        var base: String
        var directory: String
    }

    static func console(endpoint: String? = nil) async throws -> RunningConsole {
        let directory = NSTemporaryDirectory() + "ledgersync-browser-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let keys = ["LEDGERSYNC_ACCESS_KEY": EmbeddedSandbox.defaultCredentials.accessKey, "LEDGERSYNC_SECRET_KEY": EmbeddedSandbox.defaultSecretKey]
        let server = ConsoleServer(configuration: ConsoleConfiguration(packDirectory: pack, statePath: directory + "/state.sqlite", endpoint: endpoint,
                                                                       sandbox: endpoint == nil, asOf: CalendarDate(year: 2025, month: 10, day: 1),
                                                                       token: ConsoleConfiguration.randomToken(), environment: keys))
        let port = try await server.start(port: 0)
        return RunningConsole(server: server, link: server.service.link(port: port), base: "http://127.0.0.1:\(port)", directory: directory)
    }

    /// Opens the console with its link and imports the example orders (or `file`) on the Orders page.
    static func importOrders(_ browser: BrowserSession, _ console: RunningConsole, file: String = exampleOrders) async throws {
        try await browser.open(console.link)
        try await browser.find(css: "#orders-file").setFile(file)
        try await browser.find(css: "#import").click()
        if let problem = try await browser.findAll(css: "#problem").first { Issue.record("import refused: \(try await problem.text)") }
        let notice = try await browser.find(css: "#notice").text
        #expect(notice.contains("Imported"), "\(notice)")
    }

    /// The text of `css` once it contains `expected` (the page may still be the one before a click's navigation).
    static func text(_ browser: BrowserSession, _ css: String, containing expected: String) async throws -> String {
        var last = ""
        try await browser.waitUntil(timeout: .seconds(20), description: "\(css) to say '\(expected)' (last: \(last.prefix(300)))") {
            last = try await browser.find(css: css, timeout: .seconds(2)).text
            return last.contains(expected)
        }
        return last
    }

    /// Waits on a job's page (it reloads itself) until the sync is over; returns its result text.
    static func jobResult(_ browser: BrowserSession) async throws -> String {
        try await browser.waitUntil(timeout: .seconds(60), description: "the sync to finish") {
            !(try await browser.find(css: "#job-state", timeout: .seconds(2)).text.contains("running"))
        }
        return try await browser.find(css: "#job-summary").text
    }

    @Test("tick orders, add a task, follow it to completion; the task shows each order's SQL invoice; every page captured")
    func tickedTaskCompletes() async throws {
        let console = try await Self.console()
        defer { Task { await console.server.stop() } }
        try await BrowserSession.withSession { browser in
            try await Self.importOrders(browser, console)
            #expect(try await browser.find(css: "#tab-pending").text.contains("68"))
            try await browser.screenshot(name: "console-orders")
            for id in ["SG-1000101", "SG-1000102", "SG-1000103"] {
                try await browser.find(css: "input[name=order][value=\"\(id)\"]").click()
            }
            #expect(try await browser.find(css: "#ticked").text == "3 ticked")
            try await browser.find(css: "#create-task").click()
            let result = try await Self.jobResult(browser)
            #expect(result.contains("3 created, 0 adopted, 0 failed, 0 excluded"), "\(result)")
            try await browser.screenshot(name: "console-job")
            try await browser.find(css: ".job-task").click()
            let rows = try await browser.find(css: "#task-orders").text
            #expect(rows.contains("SG-1000101") && rows.contains("2509014EAM4Y3J") && rows.contains("completed"), "\(rows)")
            try await browser.screenshot(name: "console-task")
            try await browser.open(console.base + "/tasks")
            #expect(try await browser.find(css: "#tasks").text.contains("3 completed"))
            try await browser.screenshot(name: "console-tasks")
            try await browser.open(console.base + "/orders/SG-1000101")
            #expect(try await browser.find(css: "#sql-docno").text == "2509014EAM4Y3J")
            try await browser.screenshot(name: "console-order")
            try await browser.open(console.base + "/status")
            #expect(try await browser.find(css: "#connection").text.contains("Active"))
            try await browser.screenshot(name: "console-status")
        }
    }

    @Test("a failed order's item code is edited in its task and the task retried: it completes")
    func editFailedOrderAndRetry() async throws {
        // A sandbox without the plant pot POT-M: order SG-1000151 is refused for its first line.
        let sandbox = try await EmbeddedSandbox.start(credentials: EmbeddedSandbox.defaultCredentials, region: "ap-southeast-5", service: "sqlaccount",
                                                      seedPath: Golden.packageRoot + "/Tests/CLITests/Fixtures/sandbox/seed-without-pot.yaml")
        let console = try await Self.console(endpoint: sandbox.endpoint)
        defer { Task { await console.server.stop(); await sandbox.server.stop() } }
        try await BrowserSession.withSession { browser in
            try await Self.importOrders(browser, console)
            for id in ["SG-1000151", "SG-1000101"] { try await browser.find(css: "input[name=order][value=\"\(id)\"]").click() }
            try await browser.find(css: "#create-task").click()
            let failed = try await Self.jobResult(browser)
            #expect(failed.contains("1 created, 0 adopted, 1 failed"), "\(failed)")
            try await browser.find(css: ".job-task").click()
            #expect(try await browser.find(css: "#task-orders").text.contains("Item code 'POT-M' not found"))
            let edit = try await browser.find(css: "form.edit:has(input[value=\"SG-1000151\"])")
            try await edit.find(css: "select[name=field]").selectOption(text: "sdsdocdetail.itemcode")
            try await edit.find(css: "input[name=line]").type("1")
            try await edit.find(css: "input[name=value]").type("VASE-01")
            try await browser.screenshot(name: "console-task-edit")
            try await edit.find(css: "button").click()
            let notice = try await browser.find(css: "#notice").text
            #expect(notice.contains("sdsdocdetail[1].itemcode: POT-M → VASE-01"), "\(notice)")
            try await browser.find(css: "#retry").click()
            let retried = try await Self.jobResult(browser)
            #expect(retried.contains("1 created, 0 adopted, 0 failed"), "\(retried)")
            try await browser.find(css: ".job-task").click()
            let rows = try await browser.find(css: "#task-orders").text
            #expect(!rows.contains("failed"), "\(rows)")
        }
    }

    @Test("a settlement report with a bad row is refused at its row, nothing written; the good one is imported and its receipts synced with an O/R number")
    func settlementReceipts() async throws {
        let console = try await Self.console()
        defer { Task { await console.server.stop() } }
        let good = Golden.packageRoot + "/examples/settlements/lazada-statement-2025-09.csv"
        let bad = console.directory + "/lazada-bad.csv"
        let text = try String(contentsOfFile: good, encoding: .utf8)
        try text.replacingOccurrences(of: "Item Price Credit;366.00;", with: "Item Price Credit;3x6.00;").write(toFile: bad, atomically: true, encoding: .utf8)
        try await BrowserSession.withSession { browser in
            try await Self.importOrders(browser, console)
            // The invoices first: a receipt knocks off synced invoices.
            try await browser.open(console.base + "/plan")
            try await browser.find(css: "#make-plan").click()
            #expect(try await browser.find(css: "#plan-summary").text.contains("Plan: 51 to create"))
            try await browser.screenshot(name: "console-plan")
            try await browser.find(css: "#sync-plan").click()
            try await browser.acceptAlert()
            #expect(try await Self.jobResult(browser).contains("51 created"))

            try await browser.open(console.base + "/payments")
            try await browser.find(css: "#settlement-channel").selectOption(text: "lazada")
            try await browser.find(css: "#settlement-file").setFile(bad)
            try await browser.find(css: "#preview-settlement").click()
            let refused = try await browser.find(css: "#settlement-preview").text
            #expect(refused.contains("\nlazada-bad.csv:3:5: error: row 3, column 'Amount(Include Tax)'") || refused.hasPrefix("lazada-bad.csv:3:5"),
                    "the error names the file as uploaded, the row and the column: \(refused)")
            #expect(try await browser.findAll(css: "#sync-receipts").isEmpty, "nothing to send yet")
            #expect(try await browser.find(css: "#settlement-refused").text.contains("Nothing was imported"))
            try await browser.screenshot(name: "console-payments-refused")
            #expect(try await browser.findAll(css: "#proceed-import").isEmpty)

            try await browser.find(css: "#settlement-channel").selectOption(text: "lazada")
            try await browser.find(css: "#settlement-file").setFile(good)
            try await browser.find(css: "#preview-settlement").click()
            _ = try await Self.text(browser, "#settlement-preview", containing: "would record 4 settled orders and 1 channel charge")
            try await browser.find(css: "#proceed-import").click()
            #expect(try await browser.find(css: "#notice").text.contains("4 settled orders and 1 channel charge, 5 new"))
            #expect(try await browser.find(css: "#receipts-plan").text.contains("Payments: 2 receipts, 4 invoices knocked off, 1449.41 received"))
            try await browser.screenshot(name: "console-payments")
            try await browser.find(css: "#sync-receipts").click()
            try await browser.acceptAlert()
            let synced = try await Self.jobResult(browser)
            #expect(synced.contains("2 payments in SQL Accounting, 0 failed"), "\(synced)")
            try await browser.open(console.base + "/payments")
            try await browser.find(css: "#or-1").type("OR-778")
            try await browser.find(css: "#save-or-1").click()
            #expect(try await browser.find(css: "#notice").text.contains("Recorded O/R OR-778 for payment 1"))
        }
    }

    @Test("a product name holding a script tag is shown as text and never runs")
    func scriptInProductName() async throws {
        let console = try await Self.console()
        defer { Task { await console.server.stop() } }
        let seed = try String(contentsOfFile: Self.exampleOrders, encoding: .utf8)
        var order = try #require(try JSONSerialization.jsonObject(with: Data(seed.split(separator: "\n")[0].utf8)) as? [String: Any])
        order["id"] = "XSS-1"
        var lines = try #require(order["lines"] as? [[String: Any]])
        lines[0]["name"] = "Chair <script>window.pwned = true</script><img src=x onerror=\"window.pwned = true\">"
        order["lines"] = lines
        let file = console.directory + "/xss.jsonl"
        try String(decoding: try JSONSerialization.data(withJSONObject: order), as: UTF8.self).write(toFile: file, atomically: true, encoding: .utf8)
        try await BrowserSession.withSession { browser in
            try await Self.importOrders(browser, console, file: file)
            try await browser.open(console.base + "/orders/XSS-1")
            let lines = try await browser.find(css: "#invoice-lines").text
            #expect(lines.contains("<script>window.pwned = true</script>"), "the name shows as the characters it is: \(lines)")
            #expect(try await browser.execute("return window.pwned === undefined") == .bool(true), "no script ran")
            #expect(try await browser.findAll(css: "#invoice-lines script, #invoice-lines img").isEmpty)
            try await browser.screenshot(name: "console-order-script-name")
        }
    }
}
